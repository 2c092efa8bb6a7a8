"""Committed contracts against their products (rule MESH040's comparison)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from governance.contracts.drift import find_drift
from governance.contracts.export import export_into_domains
from governance.contracts.facts import Surroundings
from governance.loader import load_mesh
from governance.model import MeshModel
from tests.fixtures.mesh_project import copy_tree

CONTRACT = "domains/orders/contracts/orders-fct_orders.odcs.yaml"


@pytest.fixture
def committed(catalog_root: Path, tmp_path: Path) -> tuple[Path, MeshModel]:
    root = copy_tree(catalog_root, tmp_path / "mesh")
    mesh = load_mesh(root)
    export_into_domains(mesh, root, Surroundings.load(root))
    return root, mesh


def test_freshly_exported_contracts_match(committed: tuple[Path, MeshModel]):
    root, mesh = committed
    assert find_drift(mesh, root, "contracts") == []


def test_a_changed_contract_is_reported_with_what_differs(committed: tuple[Path, MeshModel]):
    root, mesh = committed
    path = root / CONTRACT
    contract = yaml.safe_load(path.read_text(encoding="utf-8"))
    amount = next(p for p in contract["schema"][0]["properties"] if p["name"] == "amount")
    amount["logicalType"] = "integer"
    contract["slaProperties"][0]["value"] = 12
    path.write_text(yaml.safe_dump(contract, sort_keys=False), encoding="utf-8")
    (drift,) = find_drift(mesh, root, "contracts")
    assert drift.path == CONTRACT and drift.model is not None and drift.model.name == "fct_orders"
    changed = "schema[fct_orders].properties[amount].logicalType"
    assert f"{changed}: 'integer' in the contract, 'number' on the product" in drift.differences
    assert any(d.startswith("slaProperties[freshness].value: 12") for d in drift.differences)


def test_orphan_and_unreadable_contracts(committed: tuple[Path, MeshModel]):
    root, mesh = committed
    folder = root / "domains/orders/contracts"
    (folder / "orders-fct_gone.odcs.yaml").write_text(
        "apiVersion: v3.1.0\nid: orders-fct_gone\n", encoding="utf-8"
    )
    (folder / "broken.odcs.yaml").write_text("id: [unclosed\n", encoding="utf-8")
    found = {d.path: d for d in find_drift(mesh, root, "contracts")}
    assert found["domains/orders/contracts/orders-fct_gone.odcs.yaml"].model is None
    assert "cannot be read" in (found["domains/orders/contracts/broken.odcs.yaml"].problem or "")
