"""Publish observations (`mesh publish`, health/published.py) in the history: judged sensibly next to builds.

A publish serves the build before it, so its row count repeats the build's: rows added per run would
read 0 at every publish, hiding a real drop among the builds. A product built and published is judged
on its builds; one only ever published, on its publishes; freshness is the newest observation's."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from governance.health.causes import DEGRADED, HEALTHY, evaluate
from governance.health.published import run_id_for
from governance.health.store import HealthStore, Observation
from tests.governance.health.observations import AT, observation

ORDERS = "model.orders.fct_orders"


def report_of(observations: list[Observation], tmp_path: Path):  # type: ignore[no-untyped-def]
    store = HealthStore.open(tmp_path / "h.duckdb")
    try:
        store.append(observations)
        snapshot = store.snapshot()
        return evaluate(snapshot.latest, snapshot.history, AT)
    finally:
        store.close()


def builds_and_publishes(days: int, added: list[int], *, build: bool = True) -> list[Observation]:
    """A daily build of ORDERS (when `build`) at 04:00, published at 05:00, adding `added[day]` rows."""
    found = []
    count = 1000
    for day in range(days):
        count += added[day]
        built_at = AT - timedelta(days=days - 1 - day, hours=2)
        loaded = built_at - timedelta(hours=3)
        if build:
            found.append(observation(ORDERS, day, built_at, row_count=count, loaded_at=loaded))
        published_at = built_at + timedelta(hours=1)
        found.append(
            observation(
                ORDERS, day, published_at, run_id=run_id_for(published_at), row_count=count, loaded_at=loaded
            )
        )
    return found


def test_a_volume_drop_among_builds_is_seen_through_the_publishes(tmp_path: Path) -> None:
    added = [100 + (day % 3) for day in range(30)]
    added[-1] = 10
    report = report_of(builds_and_publishes(30, added), tmp_path)
    health = report.products[ORDERS]
    assert health.status == DEGRADED
    assert health.reasons[0].startswith("volume: rows added in the last run 10 against a usual 101"), (
        health.reasons
    )


def test_steady_builds_and_publishes_are_healthy(tmp_path: Path) -> None:
    report = report_of(builds_and_publishes(30, [100 + (day % 3) for day in range(30)]), tmp_path)
    assert report.products[ORDERS].status == HEALTHY, report.products[ORDERS].reasons


def test_a_product_only_published_is_judged_on_its_publishes(tmp_path: Path) -> None:
    added = [100 + (day % 3) for day in range(30)]
    added[-1] = 10
    report = report_of(builds_and_publishes(30, added, build=False), tmp_path)
    assert report.products[ORDERS].reasons[0].startswith("volume: rows added in the last run 10"), (
        report.products[ORDERS].reasons
    )


def test_a_stale_publish_is_stale_against_the_sla(tmp_path: Path) -> None:
    runs = builds_and_publishes(30, [100] * 30)
    last = runs[-1]
    runs[-1] = replace(last, loaded_at=AT - timedelta(hours=30))  # committed 30 h ago; the SLA is 24 h
    health = report_of(runs, tmp_path).products[ORDERS]
    assert health.status == DEGRADED
    assert any(r.startswith("stale: last loaded 30 h ago; the SLA is 24 h") for r in health.reasons), (
        health.reasons
    )
