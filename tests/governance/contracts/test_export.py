"""`mesh contracts export`: one ODCS v3.1.0 file per product version, valid against the official
JSON Schema (vendored from bitol-io/open-data-contract-standard), carrying what the mesh knows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft201909Validator

from governance.cli import main
from governance.contracts.export import export_contracts, export_into_domains, render_contracts
from governance.contracts.facts import Surroundings
from governance.errors import MeshError
from governance.model import MeshModel
from tests.fixtures.mesh_project import copy_tree

SCHEMA = Path(__file__).resolve().parents[3] / "governance/contracts/schema/odcs-json-schema-v3.1.0.json"


@pytest.fixture(scope="module")
def validator() -> Draft201909Validator:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    Draft201909Validator.check_schema(schema)
    return Draft201909Validator(schema)


@pytest.fixture(scope="module")
def exported(catalog_mesh: MeshModel, catalog_root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("contracts") / "out"
    export_contracts(catalog_mesh, out, Surroundings.load(catalog_root))
    return out


def _load(out: Path, relative: str) -> dict[str, Any]:
    data = yaml.safe_load((out / relative).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def test_one_valid_contract_per_product_version(
    exported: Path, catalog_mesh: MeshModel, validator: Draft201909Validator
):
    files = sorted(p.relative_to(exported).as_posix() for p in exported.rglob("*.odcs.yaml"))
    assert files == [
        "marketing/marketing-fct_campaign_orders.odcs.yaml",
        "orders/orders-dim_customers-v1.odcs.yaml",
        "orders/orders-dim_customers-v2.odcs.yaml",
        "orders/orders-fct_orders.odcs.yaml",
    ]
    assert len(files) == len(list(catalog_mesh.products()))
    for relative in files:
        errors = [f"{list(e.path)}: {e.message}" for e in validator.iter_errors(_load(exported, relative))]
        assert errors == [], relative


def test_the_schema_check_can_fail(exported: Path, validator: Draft201909Validator):
    contract = _load(exported, "orders/orders-fct_orders.odcs.yaml")
    contract["schema"][0]["properties"][0]["logicalType"] = "int64"  # not an ODCS logical type
    del contract["status"]
    assert len(list(validator.iter_errors(contract))) >= 2


def test_fct_orders_contract_carries_the_mesh_facts(exported: Path):
    contract = _load(exported, "orders/orders-fct_orders.odcs.yaml")
    assert contract["id"] == "orders-fct_orders"
    assert (contract["domain"], contract["dataProduct"], contract["status"]) == (
        "orders",
        "fct_orders",
        "active",
    )
    columns = {p["name"]: p for p in contract["schema"][0]["properties"]}
    order_id = columns["order_id"]
    assert order_id["primaryKey"] and order_id["required"] and order_id["unique"]
    assert (order_id["logicalType"], order_id["physicalType"]) == ("integer", "integer")
    assert {q["metric"] for q in order_id["quality"]} == {"nullValues", "duplicateValues"}
    assert columns["customer_id"]["relationships"] == [
        {"type": "foreignKey", "to": "dim_customers_v2.customer_id"}
    ]
    assert columns["amount"]["logicalType"] == "number"
    assert contract["team"]["members"][0]["username"] == "orders-team@example.com"
    assert {"role": "data-consumers", "access": "select"}.items() <= contract["roles"][1].items()
    assert contract["slaProperties"][0] == {
        "property": "freshness",
        "value": 24,
        "unit": "h",
        "description": "How stale the product may be (meta.sla.freshness_hours).",
    }
    servers = {s["server"]: s for s in contract["servers"]}
    assert servers["databricks"]["catalog"] == "orders" and servers["databricks"]["schema"] == "gold"
    assert servers["embedded-duckdb"]["database"] == "domains/orders/target/orders.duckdb"  # its profile


def test_versions_pii_and_external_servers(exported: Path):
    old = _load(exported, "orders/orders-dim_customers-v1.odcs.yaml")
    assert old["status"] == "deprecated" and old["version"] == "1.0.0"
    assert {"property": "endOfSupport", "value": "2099-01-01"} in old["slaProperties"]
    email = next(p for p in old["schema"][0]["properties"] if p["name"] == "email")
    assert email["classification"] == "confidential"
    assert {"property": "pii", "value": True} in email["customProperties"]
    readers = {r["role"]: r for r in old["roles"]}
    assert "PII unmasked" in readers["orders-pii-readers"]["description"]
    assert "masked" in readers["data-consumers"]["description"]
    external = _load(exported, "marketing/marketing-fct_campaign_orders.odcs.yaml")
    trino = next(s for s in external["servers"] if s["type"] == "trino")
    assert (trino["catalog"], trino["schema"]) == ("marketing", "gold")  # <domain>.<layer>, as everywhere
    assert not any(s["type"] == "databricks" for s in external["servers"])


def test_export_is_stable(catalog_mesh: MeshModel, catalog_root: Path):
    surroundings = Surroundings.load(catalog_root)
    assert render_contracts(catalog_mesh, surroundings) == render_contracts(catalog_mesh, surroundings)


def test_export_into_each_domain_and_the_command(catalog_root: Path, tmp_path: Path, monkeypatch, capsys):
    root = copy_tree(catalog_root, tmp_path / "mesh")
    monkeypatch.setenv("MESH_ROOT", str(root))
    assert main(["contracts", "export"]) == 0
    assert "wrote 4 contracts for 2 domains" in capsys.readouterr().err
    assert (root / "domains/orders/contracts/orders-fct_orders.odcs.yaml").is_file()
    assert (root / "domains/marketing/contracts/marketing-fct_campaign_orders.odcs.yaml").is_file()
    assert not (root / "contracts").exists()
    out = tmp_path / "one-folder"
    assert main(["contracts", "export", "--out", str(out)]) == 0
    assert (out / "orders/orders-fct_orders.odcs.yaml").is_file()


def test_a_mesh_without_products_is_refused(catalog_mesh: MeshModel, catalog_root: Path, tmp_path: Path):
    empty = MeshModel(root=catalog_mesh.root, domains={})
    with pytest.raises(MeshError, match="no data products"):
        export_into_domains(empty, catalog_root, Surroundings.load(catalog_root))
    with pytest.raises(MeshError, match="no data products"):
        export_contracts(empty, tmp_path / "out", Surroundings.load(catalog_root))
    assert not (tmp_path / "out").exists()


def test_an_export_killed_while_writing_leaves_every_domain_as_it_was(
    catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    """A killed `mesh contracts export` left some domains' contracts new and others old: now every
    domain's folder is staged before the first swap, and the swaps run back to back."""
    from governance.contracts import export

    root = copy_tree(catalog_root, tmp_path / "mesh")
    monkeypatch.setenv("MESH_ROOT", str(root))
    assert main(["contracts", "export"]) == 0
    folders = [root / "domains/orders/contracts", root / "domains/marketing/contracts"]
    for folder in folders:
        for file in folder.glob("*.odcs.yaml"):
            file.write_text("old: true\n", encoding="utf-8")
    before = {p: p.read_bytes() for folder in folders for p in sorted(folder.rglob("*"))}
    written = []
    real = export._write_all

    def killed_on_the_second_domain(folder: Path, **kwargs: Any) -> None:
        written.append(folder)
        if len(written) == 2:
            raise KeyboardInterrupt  # what SIGINT (or a SIGTERM turned into an exit) does mid-export
        real(folder, **kwargs)

    monkeypatch.setattr(export, "_write_all", killed_on_the_second_domain)
    assert main(["contracts", "export"]) == 130
    assert {p: p.read_bytes() for folder in folders for p in sorted(folder.rglob("*"))} == before
    assert sorted(p.name for p in (root / "domains/orders").iterdir() if ".mesh-" in p.name) == []
