"""dbt never applies grants: the shared `apply_grants` override leaves privileges to `mesh sync`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.domains.mesh_copy import copy_mesh, generate_data

pytestmark = pytest.mark.dbt


def test_gold_build_keeps_grants_config_but_applies_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESH_DATA_DIR", str(generate_data(tmp_path / "data")))
    mesh = copy_mesh(tmp_path / "mesh", domains=("orders",))
    messages: list[str] = []

    def collect(event: Any) -> None:
        messages.append(event.info.msg)

    result = mesh.dbt_ok("orders", "run", "--select", "+dim_products", on_event=collect)

    manifest = mesh.dbt_ok("orders", "parse").result
    product = manifest.nodes["model.orders.dim_products"]
    assert product.config.grants == {"select": ["data-consumers"]}, "the sync reads grants from the manifest"
    override = manifest.macros["macro.orders.apply_grants"]
    assert Path(override.original_file_path).parts[-2:] == ("grants", "apply_grants.sql")
    models = [r for r in result.result if r.node.resource_type == "model"]  # not the on-run-start hook
    assert [r.status for r in models] == ["success"] * 3
    # dbt-duckdb's own apply_grants warns when a model has grants; the override must have replaced it
    assert not [m for m in messages if "grants for relations are not supported" in m.lower()]
