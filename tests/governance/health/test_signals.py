"""Signals from what a real run left: the fixture mesh's orders domain built and its source freshness
checked by dbt (tests/fixtures/catalog_mesh.py), and row counts from a DuckDB file's catalog."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb

from governance.health.signals import duckdb_row_counts, freshness_of, observe, own_sources
from governance.health.store import NO_OWN_SOURCES
from governance.lineage import build_lineage
from governance.model import MeshModel

AT = datetime(2026, 1, 1, tzinfo=UTC)


def test_observations_of_a_built_domain(catalog_mesh: MeshModel) -> None:
    found = observe(
        catalog_mesh, build_lineage(catalog_mesh), run_id="r1", observed_at=AT,
        projects={"orders": "success", "marketing": "skipped"}, row_counts={"model.orders.fct_orders": 42},
    )  # fmt: skip
    by_name = {o.name: o for o in found}
    assert {o.domain for o in found} == {"orders", "marketing"}  # the hub was not built in this run
    orders = by_name["orders.fct_orders"]
    sources = own_sources(catalog_mesh, catalog_mesh.nodes["model.orders.fct_orders"])  # type: ignore[arg-type]
    loads = [s.freshness.max_loaded_at for s in sources if s.freshness and s.freshness.max_loaded_at]
    assert loads and orders.loaded_at == max(loads).replace(tzinfo=UTC)
    assert orders.freshness_note is None and orders.sla_hours == 24
    assert orders.row_count == 42 and orders.build_status == "success"
    tests = catalog_mesh.tests_by_node["model.orders.fct_orders"]
    assert orders.tests_total == len(tests) > 0 and orders.tests_failed == 0
    assert orders.owner == catalog_mesh.owner(catalog_mesh.nodes["model.orders.fct_orders"]).group  # type: ignore[arg-type]
    assert "order_id " in orders.columns
    marketing = [o for o in found if o.domain == "marketing"]
    assert marketing and all(o.build_status == "skipped" for o in marketing)
    # marketing was only parsed: its sources have no freshness result, and products read orders'
    assert any("model.orders.fct_orders" in o.upstreams for o in marketing)
    assert all(o.loaded_at is None and o.freshness_note for o in marketing)


def test_freshness_unknown_says_why() -> None:
    assert freshness_of([]) == (None, NO_OWN_SOURCES)


def test_row_counts_come_from_the_duckdb_catalog_not_the_table(
    tmp_path: Path, catalog_mesh: MeshModel
) -> None:
    model = catalog_mesh.nodes["model.orders.fct_orders"]
    path = tmp_path / "orders.duckdb"
    connection = duckdb.connect(str(path))
    connection.execute(f'create schema "{model.schema}"')  # type: ignore[union-attr]
    connection.execute(
        f'create table "{model.schema}"."{model.alias}" as select range as id from range(1234)'
    )  # type: ignore[union-attr]
    connection.close()
    counts = duckdb_row_counts(
        {"orders": path, "marketing": tmp_path / "absent.duckdb"}, catalog_mesh.models()
    )
    assert counts == {"model.orders.fct_orders": 1234}
    (tmp_path / "bad.duckdb").write_bytes(b"junk" * 1000)
    assert duckdb_row_counts({"orders": tmp_path / "bad.duckdb"}, catalog_mesh.models()) == {}


def test_each_product_has_its_own_build_status(catalog_mesh: MeshModel) -> None:
    lineage = build_lineage(catalog_mesh)
    failed = observe(
        catalog_mesh, lineage, run_id="r", observed_at=AT, projects={"orders": "failed"}, row_counts={},
        nodes={"model.orders.fct_orders": "success", "model.orders.stg_orders": "failed"},
    )  # fmt: skip
    status = {o.name: o.build_status for o in failed}
    assert status["orders.fct_orders"] == "success"
    assert {s for n, s in status.items() if n != "orders.fct_orders"} == {"skipped"}
    crashed = observe(
        catalog_mesh,
        lineage,
        run_id="r",
        observed_at=AT,
        projects={"orders": "failed"},
        row_counts={},
        nodes={},
    )
    assert {o.build_status for o in crashed} == {"failed"}  # dbt stopped before any node: all failed
    selected = observe(
        catalog_mesh, lineage, run_id="r", observed_at=AT, projects={"orders": "success"}, row_counts={},
        nodes={"model.orders.fct_orders": "success"},
    )  # fmt: skip
    assert [o.name for o in selected] == ["orders.fct_orders"]  # what --select left out is not observed


def test_a_product_depends_on_the_products_its_tests_compare_it_with(catalog_mesh: MeshModel) -> None:
    """fct_orders reads no dim_customers, but its relationships test does: a late dim_customers can
    fail it, so dim_customers is among its upstreams (as a late orders batch fails logistics' test)."""
    found = observe(
        catalog_mesh, build_lineage(catalog_mesh), run_id="r", observed_at=AT,
        projects={"orders": "success"}, row_counts={},
    )  # fmt: skip
    fct_orders = next(o for o in found if o.name == "orders.fct_orders")
    assert "tested-against:model.orders.dim_customers.v2" in fct_orders.upstreams
    assert "model.orders.dim_customers.v2" not in fct_orders.upstreams  # it does not read it
