"""Health from `mesh publish` (issue 24): freshness and row count of a published product come from the
Iceberg snapshot (`timestamp-ms`, summary `total-records`), and every publish appends to the health store."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest
from pyiceberg.catalog.sql import SqlCatalog

from governance.cli import main
from governance.health.causes import DEGRADED, evaluate
from governance.health.published import RUN_KIND, iceberg_signal, observe_published, table_at
from governance.health.store import HealthStore
from governance.iceberg.catalog import open_catalog
from governance.iceberg.naming import identifier_for
from governance.iceberg.publisher import Publisher
from tests.governance.health.stores import observations
from tests.governance.iceberg.conftest import make_settings
from tests.governance.iceberg.mesh_fixture import BuiltMesh
from tests.governance.iceberg.test_publisher import product


def _catalog(tmp_path: Path) -> SqlCatalog:
    catalog = SqlCatalog(
        "health", uri=f"sqlite:///{tmp_path / 'catalog.db'}", warehouse=(tmp_path / "lake").as_uri()
    )
    catalog.create_namespace("gold")
    return catalog


def test_signal_is_the_current_snapshot_commit_and_total_records(tmp_path: Path) -> None:
    table = _catalog(tmp_path).create_table(
        ("gold", "events"), schema=pa.schema([pa.field("id", pa.int64())])
    )
    assert iceberg_signal(table) == (None, None)  # no snapshot yet: nothing known, no error
    before = datetime.now(UTC).replace(microsecond=0)
    table.append(pa.table({"id": pa.array(range(5), pa.int64())}))
    table.append(pa.table({"id": pa.array(range(7), pa.int64())}))
    after = datetime.now(UTC)
    committed_at, rows = iceberg_signal(table)
    assert rows == 12  # total-records of the current snapshot: both appends
    assert committed_at is not None and before <= committed_at <= after
    snapshot = table.current_snapshot()
    assert snapshot is not None
    assert committed_at == datetime.fromtimestamp(snapshot.timestamp_ms / 1000, tz=UTC)
    assert iceberg_signal(table.metadata) == (committed_at, 12)  # the metadata alone is enough
    assert iceberg_signal(table_at(table.metadata_location)) == (committed_at, 12)  # read from its file
    table.overwrite(pa.table({"id": pa.array([1], pa.int64())}))
    assert iceberg_signal(table)[1] == 1  # the newest snapshot, not a sum of history


@pytest.mark.dbt
def test_a_published_product_is_judged_on_its_commit_against_its_sla(mesh: BuiltMesh, tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'catalog.db'}", mesh.warehouse)
    catalog = open_catalog(settings)
    model = product(mesh, "fct_shipments")
    published = Publisher(catalog, settings).publish(model)
    table = catalog.load_table(("gold", "fct_shipments"))
    committed_at, rows = iceberg_signal(table)
    assert rows == published.rows and committed_at is not None

    observed = observe_published(mesh.mesh, [(model, table)], run_id="publish-test", observed_at=committed_at)
    assert [o.product for o in observed] == [model.unique_id]  # only what was published
    (observation,) = observed
    assert observation.row_count == published.rows
    assert observation.sla_hours == 24  # fct_shipments.yml: sla: {freshness_hours: 24}
    assert observation.loaded_at is not None and observation.loaded_at <= committed_at
    assert observation.build_status == "success" and observation.freshness_note is None

    store = HealthStore.open(tmp_path / "health.duckdb")
    try:
        store.append(observed)
        snapshot = store.snapshot()
    finally:
        store.close()
    fresh = evaluate(snapshot.latest, snapshot.history, at=committed_at + timedelta(hours=1))
    assert fresh.products[model.unique_id].status != DEGRADED
    assert not any(r.startswith("stale") for r in fresh.products[model.unique_id].reasons)
    late = evaluate(snapshot.latest, snapshot.history, at=committed_at + timedelta(hours=25))
    health = late.products[model.unique_id]
    assert health.status == DEGRADED
    assert any(r.startswith("stale") and "the SLA is 24 h" in r for r in health.reasons), health.reasons


@pytest.fixture
def data(mesh: BuiltMesh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`mesh publish` into a tmp catalog from a copy of the fixture's data (the cache is read-only)."""
    data = tmp_path / "data"
    shutil.copytree(mesh.warehouse, data / "warehouse")
    monkeypatch.setenv("MESH_ROOT", str(mesh.root))
    monkeypatch.setenv("MESH_DATA_DIR", str(data))
    monkeypatch.setenv("MESH_CATALOG_URI", f"sqlite:///{tmp_path / 'catalog.db'}")
    monkeypatch.setenv("MESH_WAREHOUSE", (tmp_path / "lake").as_uri())
    monkeypatch.delenv("MESH_CATALOG_PASSWORD", raising=False)
    return data


@pytest.mark.dbt
def test_mesh_publish_appends_publish_observations(
    mesh: BuiltMesh, data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["publish"]) == 0
    assert main(["publish", "--domain", "shipping"]) == 0
    assert "warning" not in capsys.readouterr().err

    rows = observations(data, "run_id, product, row_count, loaded_at", "run_id, product")
    runs = sorted({r[0] for r in rows})
    assert len(runs) == 2 and all(r.startswith(f"{RUN_KIND}-") for r in runs)  # appended, never rewritten
    products = {m.unique_id: m for m in mesh.mesh.domains["shipping"].products}
    for run_id in runs:
        assert sorted(r[1] for r in rows if r[0] == run_id) == sorted(products)
    catalog = SqlCatalog("shipping", uri=f"sqlite:///{tmp_path / 'catalog.db'}")
    for run_id, unique_id, row_count, loaded_at in rows[-len(products) :]:
        committed_at, total = iceberg_signal(catalog.load_table(identifier_for(products[unique_id])))
        assert run_id == runs[-1] and total is not None and total > 0
        assert row_count == total and loaded_at is not None and committed_at is not None
        assert loaded_at <= committed_at


@pytest.mark.dbt
def test_health_that_cannot_be_recorded_is_a_warning_not_a_failed_publish(
    data: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (data / "health").write_text("not a folder")  # the store cannot be created under it
    assert main(["publish"]) == 0
    err = capsys.readouterr().err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and warnings[0].startswith("warning: health not recorded:"), err
    assert "published 3 of 3 product(s)" in err and "Traceback" not in err


@pytest.mark.dbt
def test_a_trino_built_domains_publish_is_recorded_from_its_snapshot(
    mesh: BuiltMesh, data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    """`mesh publish` of a domain built with `--target trino` verifies the tables the build committed
    (iceberg/verify.py) instead of copying: its products' observations come from those snapshots too.
    The tables are committed here by the copying publish (what a Trino build leaves is an Iceberg table
    with the same columns); the manifest's adapter is the one fact changed (built_on)."""
    from governance.commands import publish as publish_command

    assert main(["publish"]) == 0  # the tables, as a build would have committed them
    monkeypatch.setattr(publish_command, "built_on", lambda manifest: "trino")
    monkeypatch.setenv("COLUMNS", "200")  # the progress lines whole
    assert main(["publish"]) == 0
    err = capsys.readouterr().err
    assert "built on Trino, verified" in err and "warning" not in err, err

    rows = observations(data, "run_id, product, row_count, loaded_at", "run_id, product")
    runs = sorted({r[0] for r in rows})
    assert len(runs) == 2 and all(r.startswith(f"{RUN_KIND}-") for r in runs)
    products = {m.unique_id: m for m in mesh.mesh.domains["shipping"].products}
    verified = [r for r in rows if r[0] == runs[-1]]
    assert sorted(r[1] for r in verified) == sorted(products)  # every verified product, recorded
    catalog = SqlCatalog("shipping", uri=f"sqlite:///{tmp_path / 'catalog.db'}")
    for _, unique_id, row_count, loaded_at in verified:
        committed_at, total = iceberg_signal(catalog.load_table(identifier_for(products[unique_id])))
        assert total is not None and total > 0 and row_count == total
        assert committed_at is not None and loaded_at is not None and loaded_at <= committed_at
