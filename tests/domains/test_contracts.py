"""An enforced contract stops a bad gold build before the published table is touched."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from tests.domains.mesh_copy import MeshCopy, copy_mesh, generate_data

pytestmark = pytest.mark.dbt


@pytest.fixture
def orders_mesh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MeshCopy:
    monkeypatch.setenv("MESH_DATA_DIR", str(generate_data(tmp_path / "data")))
    return copy_mesh(tmp_path / "mesh", domains=("orders",))


def _gold_products(warehouse: Path) -> tuple[int, str, list[str]]:
    with duckdb.connect(str(warehouse)) as con:
        rows = con.execute("select count(*) from orders.gold.dim_products").fetchone()
        kind = con.execute(
            "select data_type from information_schema.columns "
            "where table_catalog = 'orders' and table_schema = 'gold' "
            "and table_name = 'dim_products' and column_name = 'product_id'"
        ).fetchone()
        tables = [
            r[0]
            for r in con.execute(
                "select table_name from information_schema.tables where table_schema = 'gold' order by 1"
            ).fetchall()
        ]
    assert rows is not None and kind is not None
    return int(rows[0]), str(kind[0]), tables


def test_wrong_column_type_fails_build_and_keeps_previous_table(orders_mesh: MeshCopy) -> None:
    warehouse = orders_mesh.root.parent / "data" / "warehouse" / "orders.duckdb"
    # cautious: leave out fct_order_lines' relationship test, whose model this selection does not build
    orders_mesh.dbt_ok("orders", "build", "--select", "+dim_products", "--indirect-selection", "cautious")
    rows_before, type_before, _ = _gold_products(warehouse)
    assert rows_before > 0
    assert type_before == "BIGINT"

    # an edit that silently changes the key's type: the contract says bigint
    model = orders_mesh.folder("orders") / "models" / "marts" / "dim_products.sql"
    model.write_text(
        model.read_text(encoding="utf-8").replace(
            "        product_id,\n", "        cast(product_id as varchar) as product_id,\n", 1
        ),
        encoding="utf-8",
    )
    result = orders_mesh.dbt(
        "orders", "build", "--select", "dim_products", "--indirect-selection", "cautious"
    )

    assert not result.success
    failed = [r for r in result.result if r.status == "error"]
    assert [r.node.name for r in failed] == ["dim_products"]
    assert "enforced contract that failed" in failed[0].message
    assert "data type mismatch" in failed[0].message

    rows_after, type_after, tables = _gold_products(warehouse)
    assert (rows_after, type_after) == (rows_before, "BIGINT")
    assert not [t for t in tables if "__dbt_" in t], "no intermediate or backup table may be left behind"
