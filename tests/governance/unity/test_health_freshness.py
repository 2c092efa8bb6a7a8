"""Health of Databricks domains' products from Unity Catalog (issue 24): each product's freshness from
its table's information_schema LAST_ALTERED, read through the real SDK from the emulator, recorded by
`mesh sync --apply` before it writes and by `mesh health --refresh unity`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from governance.cli import main
from governance.contracts.facts import freshness_sla_hours
from governance.health.causes import DEGRADED, evaluate
from governance.health.store import UNITY_RUN, HealthStore, store_path
from governance.health.unity import record_unity
from governance.model import MeshModel
from governance.unity.client import UnityClient
from governance.unity.desired import synced_products
from governance.unity.freshness import parse_timestamp
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.governance.health.stores import observations
from tests.governance.unity.conftest import CONFIG

AT = datetime(2026, 3, 2, 6, tzinfo=UTC)


def altered_at(emulator: UnityCatalogEmulator, relation: str, moment: datetime) -> None:
    emulator.metastore.tables[tuple(relation.lower().split("."))].last_altered = moment  # type: ignore[index]
    emulator.metastore._dirty = True


def stored(data: Path) -> list[tuple[str, str, datetime | None, int | None]]:
    rows = observations(data, "run_id, product, loaded_at, row_count", "product")
    return [(str(r[0]), str(r[1]), r[2], r[3]) for r in rows]


def test_json_array_timestamps_parse_to_utc() -> None:
    assert parse_timestamp("2026-03-02T06:00:00.000Z") == AT
    assert parse_timestamp("2026-03-02 06:00:00") == AT
    assert parse_timestamp("2026-03-02T07:00:00+01:00") == AT
    assert parse_timestamp(None) is None and parse_timestamp("yesterday") is None


def test_each_product_is_as_fresh_as_its_tables_last_alteration(
    mesh: MeshModel, emulator: UnityCatalogEmulator, client: UnityClient, tmp_path: Path
) -> None:
    products = sorted(synced_products(mesh), key=lambda m: m.unique_id)
    stale = next(m for m in products if freshness_sla_hours(m) == 24)  # orders.fct_orders' SLA: 24 h
    fresh = [m for m in products if m is not stale]
    altered_at(emulator, stale.relation, AT - timedelta(hours=30))
    for model in fresh:
        altered_at(emulator, model.relation, AT - timedelta(hours=2))
    hidden = fresh[-1]
    emulator.metastore.drop_table(hidden.relation)  # not built yet: named in a warning, not observed
    warnings: list[str] = []

    written = record_unity(mesh, client, data=tmp_path / "data", warn=warnings.append, now=AT)

    assert written == len(products) - 1
    assert (
        len(warnings) == 1 and hidden.relation in warnings[0] and "no table in Unity Catalog" in warnings[0]
    )
    rows = {product: (run, loaded, count) for run, product, loaded, count in stored(tmp_path / "data")}
    assert set(rows) == {m.unique_id for m in products} - {hidden.unique_id}
    assert all(run.startswith(UNITY_RUN) and count is None for run, _, count in rows.values())
    assert rows[stale.unique_id][1] == AT - timedelta(hours=30)  # no sources.json here: LAST_ALTERED alone
    assert all(rows[m.unique_id][1] == AT - timedelta(hours=2) for m in fresh if m is not hidden)

    store = HealthStore.open_existing(store_path(tmp_path / "data"))
    assert store is not None
    snapshot = store.snapshot()
    store.close()
    report = evaluate(snapshot.latest, snapshot.history, AT)
    assert report.products[stale.unique_id].status == DEGRADED
    assert report.products[stale.unique_id].reason == "stale: last loaded 30 h ago; the SLA is 24 h"
    for model in fresh:
        if model is not hidden:
            reasons = report.products[model.unique_id].reasons
            assert not any(r.startswith("stale") for r in reasons), reasons


def test_a_catalog_not_deployed_yet_leaves_only_its_products_unobserved(
    mesh: MeshModel, emulator: UnityCatalogEmulator, client: UnityClient, tmp_path: Path
) -> None:
    products = list(synced_products(mesh))
    gone = products[0].relation.split(".")[0]
    emulator.metastore.delete_catalog(gone, force=True)
    warnings: list[str] = []
    written = record_unity(mesh, client, data=tmp_path / "data", warn=warnings.append, now=AT)
    kept = [m for m in products if m.relation.split(".")[0] != gone]
    assert written == len(kept)
    if kept:
        assert {product for _, product, _, _ in stored(tmp_path / "data")} == {m.unique_id for m in kept}
    assert len(warnings) == 1 and f"{gone}." in warnings[0] and "no table in Unity Catalog" in warnings[0]


def test_mesh_sync_records_freshness_before_its_own_writes_alter_the_tables(
    workspace_env: Path, emulator: UnityCatalogEmulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync's comments and tags move LAST_ALTERED (any alteration does): read after them, every
    product would look fresh. `mesh health --refresh unity` afterwards sees the sync's own alteration."""
    monkeypatch.setenv("MESH_DATA_DIR", str(tmp_path / "data"))
    built = datetime.now(UTC) - timedelta(hours=5)
    for key in emulator.metastore.tables:
        altered_at(emulator, ".".join(key), built)

    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0

    (run, _, loaded, _), *others = stored(tmp_path / "data")
    assert run.startswith(UNITY_RUN) and loaded == built
    assert all(r[0] == run and r[2] == built for r in others)
    synced = {entry.last_altered for entry in emulator.metastore.tables.values()}
    assert min(synced) > built  # the sync did alter them (comments, tags)

    monkeypatch.setenv("MESH_UNITY_CONFIG", str(CONFIG))
    assert main(["health", "--refresh", "unity", "--format", "json"]) in (0, 1)
    refreshed = [r for r in stored(tmp_path / "data") if r[0] != run]
    assert refreshed and all(r[2] is not None and r[2] > built for r in refreshed)
