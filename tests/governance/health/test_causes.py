"""Statuses, reasons and causes across domains, and one notification per root cause."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import orjson

from governance.health.causes import DEGRADED, HEALTHY, UNKNOWN, evaluate
from governance.health.notify import messages
from governance.health.store import HealthStore, Observation
from tests.governance.health.observations import AT, daily_runs, observation

ORDERS, MARKETING, HUB = (
    "model.orders.fct_orders",
    "model.marketing.fct_attributed_orders",
    "model.hub.marketing_roi",
)


def report_of(observations: list[Observation], tmp_path: Path, at=AT):  # type: ignore[no-untyped-def]
    store = HealthStore.open(tmp_path / "h.duckdb")
    store.append(observations)
    try:
        snapshot = store.snapshot()
        return evaluate(snapshot.latest, snapshot.history, at)
    finally:
        store.close()


def test_a_healthy_mesh_is_healthy_with_its_reasons(tmp_path: Path) -> None:
    report = report_of(daily_runs(3), tmp_path)
    assert {h.status for h in report.products.values()} == {HEALTHY}
    assert report.products[ORDERS].reasons == ["3 tests passed", "data 4 h old within its 24 h SLA"]
    # a mart over other products is as fresh as the newest of them
    assert report.products[HUB].age_hours == 4.0
    assert not report.degraded and report.roots() == {}


def late_orders(days: int = 3) -> list[Observation]:
    runs = daily_runs(days)
    return [
        replace(o, loaded_at=AT - timedelta(hours=60)) if o.product == ORDERS and o.observed_at == AT else o
        for o in runs
    ]


def test_a_late_upstream_batch_degrades_downstream_domains_with_the_path(tmp_path: Path) -> None:
    report = report_of(late_orders(), tmp_path)
    orders, marketing, hub = (report.products[p] for p in (ORDERS, MARKETING, HUB))
    assert orders.status == DEGRADED and orders.own_degraded
    assert orders.reasons[0] == "stale: last loaded 60 h ago; the SLA is 24 h"
    assert marketing.status == DEGRADED and not marketing.own_degraded
    assert marketing.reasons == [
        "upstream orders.fct_orders is degraded (stale: last loaded 60 h ago; the SLA is 24 h); "
        "path: orders.fct_orders -> marketing.fct_attributed_orders"
    ]
    assert hub.root_causes == {
        ORDERS: ("orders.fct_orders", "marketing.fct_attributed_orders", "hub.marketing_roi")
    }
    assert report.products["model.orders.dim_customers"].status == HEALTHY
    assert list(report.roots()) == [ORDERS]
    assert [h.name for h in report.ordered()][:3] == [
        "hub.marketing_roi", "marketing.fct_attributed_orders", "orders.fct_orders"
    ]  # fmt: skip


def test_the_root_cause_is_notified_once_to_its_owner_only(tmp_path: Path) -> None:
    sent = messages(report_of(late_orders(), tmp_path))
    assert [m.group for m in sent] == ["orders"]
    payload = sent[0].payload
    assert payload["contact"] == "orders@example.com"
    (cause,) = payload["root_causes"]
    assert cause["product"] == "orders.fct_orders"
    assert [a["product"] for a in cause["affected"]] == [
        "hub.marketing_roi",
        "marketing.fct_attributed_orders",
    ]
    assert cause["affected"][0]["path"] == [
        "orders.fct_orders",
        "marketing.fct_attributed_orders",
        "hub.marketing_roi",
    ]
    assert sent[0].annotations == (
        "::error title=mesh health%3A orders.fct_orders::stale: last loaded 60 h ago; the SLA is 24 h. "
        "Owner orders. Affects hub.marketing_roi, marketing.fct_attributed_orders.",
    )
    orjson.dumps(payload)  # ready for a webhook


def test_two_root_causes_of_one_owner_make_one_message(tmp_path: Path) -> None:
    runs = [
        replace(o, tests_failed=1, failed_tests=("unique(customer_id)",))
        if o.product == "model.orders.dim_customers" and o.observed_at == AT
        else o
        for o in late_orders()
    ]
    sent = messages(report_of(runs, tmp_path))
    assert len(sent) == 1
    assert [c["product"] for c in sent[0].payload["root_causes"]] == [
        "orders.dim_customers",
        "orders.fct_orders",
    ]


def test_failing_tests_and_a_failed_build_are_own_reasons(tmp_path: Path) -> None:
    runs = daily_runs(2)
    runs[-4] = replace(runs[-4], tests_failed=2, failed_tests=("not_null(amount)", "unique(id)"))
    runs[-3] = replace(runs[-3], build_status="failed")
    assert runs[-3].product == "model.orders.dim_customers"
    report = report_of(runs, tmp_path)
    assert report.products[ORDERS].reasons[0] == "2 of 3 tests failed (not_null(amount), unique(id))"
    assert report.products["model.orders.dim_customers"].reasons[0] == "its last build failed"
    assert report.products[MARKETING].root_causes == {
        ORDERS: ("orders.fct_orders", "marketing.fct_attributed_orders")
    }
    assert sorted(report.roots()) == ["model.orders.dim_customers", ORDERS]


def test_failing_while_an_upstream_is_degraded_points_at_the_upstream(tmp_path: Path) -> None:
    """A late batch upstream fails a relationships test downstream: one root cause, upstream's."""
    runs = late_orders()
    runs[-2] = replace(runs[-2], tests_failed=1, failed_tests=("relationships(order_id)",))
    assert runs[-2].product == MARKETING
    report = report_of(runs, tmp_path)
    marketing = report.products[MARKETING]
    assert marketing.status == DEGRADED and not marketing.own_degraded
    assert marketing.reasons[0] == "1 of 3 tests failed (relationships(order_id)), with an upstream degraded"
    assert marketing.reasons[1].startswith("upstream orders.fct_orders is degraded (stale")
    assert list(report.roots()) == [ORDERS]
    assert [m.group for m in messages(report)] == ["orders"]


def test_a_volume_drop_against_history_is_degraded_with_figures(tmp_path: Path) -> None:
    runs = daily_runs(30)
    runs = [replace(o, row_count=1000 + 100 * i // 4) for i, o in enumerate(runs)]  # 100 rows a day ...
    last = runs[-4]
    assert last.product == ORDERS
    runs[-4] = replace(last, row_count=runs[-8].row_count + 10)  # ... then 10
    report = report_of(runs, tmp_path)
    reason = report.products[ORDERS].reasons[0]
    assert reason.startswith("volume: rows added in the last run 10 against a usual 100 (robust z -18.0")
    assert report.products[MARKETING].status == DEGRADED


def test_a_schema_change_is_a_caution(tmp_path: Path) -> None:
    runs = daily_runs(2)
    runs[-4] = replace(runs[-4], columns="id bigint; amount double; channel varchar")
    health = report_of(runs, tmp_path).products[ORDERS]
    assert health.status == "caution"
    assert health.reasons == [
        "schema changed since the previous run: +channel varchar, +id bigint, -id integer"
    ]


def test_no_sla_no_loaded_at_and_nothing_to_judge(tmp_path: Path) -> None:
    runs = [
        observation(ORDERS, 0, AT, sla_hours=None),
        observation(
            "model.orders.dim_customers",
            0,
            AT,
            loaded_at=None,
            freshness_note="no source it reads declares loaded_at_field",
        ),
        observation(
            MARKETING,
            0,
            AT,
            tests_total=0,
            loaded_at=None,
            freshness_note="no `dbt source freshness` result for s.t",
        ),
    ]
    report = report_of(runs, tmp_path)
    assert report.products[ORDERS].status == "caution"
    assert report.products[ORDERS].reasons == ["freshness not judged: no SLA (meta.sla.freshness_hours)"]
    assert report.products["model.orders.dim_customers"].reasons == [
        "freshness unknown: no source it reads declares loaded_at_field"
    ]
    marketing = report.products[MARKETING]
    assert marketing.status == UNKNOWN
    assert marketing.reasons == [
        "nothing to judge it on: no test results and no freshness",
        "no data tests",
        "freshness unknown: no `dbt source freshness` result for s.t",
    ]


def test_failing_a_test_against_a_degraded_product_points_at_it(tmp_path: Path) -> None:
    """dim_customers' relationships test compares it with fct_orders (it does not read it): failing
    while fct_orders is late is fct_orders' cause; passing, it stays healthy."""
    runs = [
        replace(o, upstreams=("tested-against:" + ORDERS,))
        if o.product == "model.orders.dim_customers"
        else o
        for o in late_orders()
    ]
    report = report_of(runs, tmp_path)
    assert report.products["model.orders.dim_customers"].status == HEALTHY
    runs[-3] = replace(runs[-3], tests_failed=1, failed_tests=("relationships(customer_id)",))
    assert runs[-3].product == "model.orders.dim_customers"
    report = report_of(runs, tmp_path / "again")
    health = report.products["model.orders.dim_customers"]
    assert health.status == DEGRADED and not health.own_degraded
    assert health.root_causes == {ORDERS: ("orders.fct_orders", "orders.dim_customers")}
    assert list(report.roots()) == [ORDERS]
