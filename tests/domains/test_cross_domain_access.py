"""dbt-loom enforces the mesh boundary: another domain's public products can be ref'd, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.domains.mesh_copy import MeshCopy, copy_mesh

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def mesh(tmp_path_factory: pytest.TempPathFactory) -> MeshCopy:
    copy = copy_mesh(tmp_path_factory.mktemp("access"), domains=("orders", "marketing"))
    copy.dbt_ok("orders", "parse", "--no-partial-parse")
    return copy


def _add_model(mesh: MeshCopy, name: str, sql: str) -> Path:
    path = mesh.folder("marketing") / "models" / "intermediate" / f"{name}.sql"
    path.write_text(sql, encoding="utf-8")
    return path


def test_public_cross_domain_ref_parses(mesh: MeshCopy) -> None:
    path = _add_model(mesh, "int_public_probe", "select order_id from {{ ref('orders', 'fct_orders') }}\n")
    try:
        result = mesh.dbt_ok("marketing", "parse", "--no-partial-parse")
    finally:
        path.unlink()
    manifest = result.result
    probe = manifest.nodes["model.marketing.int_public_probe"]
    assert probe.depends_on.nodes == ["model.orders.fct_orders"]


@pytest.mark.parametrize(
    ("private_model", "why"),
    [
        ("int_orders_deduped", "private to the 'orders' group"),
        ("stg_customers", "private to the 'orders' group"),
    ],
)
def test_ref_to_another_domains_private_model_fails_at_parse(
    mesh: MeshCopy, private_model: str, why: str
) -> None:
    path = _add_model(
        mesh, "int_private_probe", f"select * from {{{{ ref('orders', '{private_model}') }}}}\n"
    )
    try:
        result = mesh.dbt("marketing", "parse", "--no-partial-parse")
    finally:
        path.unlink()
    assert not result.success
    error = result.exception
    assert type(error).__name__ == "DbtReferenceError"
    message = str(error)
    assert f"model.orders.{private_model}" in message
    assert "is not allowed because the referenced node is" in message
    assert why in message
