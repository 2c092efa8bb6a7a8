"""MESH051 on manifests parsed for Databricks: a product's `tblproperties` must enable Iceberg reads
(UniForm), or Unity Catalog's Iceberg REST endpoint does not serve it to Trino.

The fixture mesh is built on DuckDB (no tblproperties), so each test edits a copy of its parsed
manifests as dbt-databricks would have written them."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from governance.checks.config import Policy
from governance.checks.evaluation import run_rules
from governance.errors import MeshError
from governance.findings import Finding
from governance.loader import load_mesh

CODE = "MESH051"
ICEBERG_READS = {
    "delta.enableIcebergCompatV2": "true",
    "delta.universalFormat.enabledFormats": "iceberg",
    "delta.columnMapping.mode": "name",
    "delta.enableDeletionVectors": "false",
}


def _findings(
    clean_root: Path, tmp_path: Path, policy: Policy, properties: dict[str, dict[str, Any] | None]
) -> list[Finding]:
    """MESH051's findings on a copy of the clean mesh whose models (unique_id -> tblproperties) were
    parsed with those tblproperties."""
    root = tmp_path / "mesh"
    shutil.copytree(clean_root, root, symlinks=True)
    by_project: dict[str, dict[str, dict[str, Any] | None]] = {}
    for unique_id, value in properties.items():
        by_project.setdefault(unique_id.split(".")[1], {})[unique_id] = value
    for project, edits in by_project.items():
        path = root / "domains" / project / "target" / "manifest.json"
        manifest = json.loads(path.read_text(encoding="utf-8"))
        for unique_id, value in edits.items():
            manifest["nodes"][unique_id]["config"]["tblproperties"] = value
        path.write_text(json.dumps(manifest), encoding="utf-8")
    findings, _ = run_rules(load_mesh(root), policy, selected={CODE}, today=date(2026, 6, 1))
    return findings


def test_products_with_iceberg_reads_pass(clean_root: Path, tmp_path: Path, default_policy: Policy):
    properties = {**ICEBERG_READS, "delta.enableChangeDataFeed": "true"}
    edits: dict[str, dict[str, Any] | None] = {
        "model.orders.fct_orders": properties,
        "model.orders.dim_customers.v2": {**properties, "delta.universalFormat.enabledFormats": "ICEBERG"},
        "model.orders.dim_customers.v1": None,  # parsed for DuckDB: not known, not reported
    }
    assert _findings(clean_root, tmp_path, default_policy, edits) == []


@pytest.mark.parametrize(
    ("change", "wrong"),
    [
        ({"delta.enableDeletionVectors": "true"}, "delta.enableDeletionVectors is 'true' (needs 'false')"),
        ({"delta.enableDeletionVectors": None}, "delta.enableDeletionVectors is not set (needs 'false')"),
        ({"delta.enableIcebergCompatV2": None}, "delta.enableIcebergCompatV2 is not set (needs 'true')"),
        ({"delta.columnMapping.mode": "id"}, "delta.columnMapping.mode is 'id' (needs 'name')"),
        (
            {"delta.universalFormat.enabledFormats": "hudi"},
            "delta.universalFormat.enabledFormats is 'hudi' (needs 'iceberg')",
        ),
    ],
)
def test_product_whose_tblproperties_do_not_enable_iceberg_reads_is_reported(
    clean_root: Path,
    tmp_path: Path,
    default_policy: Policy,
    change: dict[str, str | None],
    wrong: str,
):
    properties = {k: v for k, v in {**ICEBERG_READS, **change}.items() if v is not None}
    edits: dict[str, dict[str, Any] | None] = {
        "model.orders.fct_orders": properties,
        "model.orders.dim_customers.v2": dict(ICEBERG_READS),
    }
    findings = _findings(clean_root, tmp_path, default_policy, edits)
    assert [f.node_id for f in findings] == ["model.orders.fct_orders"]
    (finding,) = findings
    assert finding.message.startswith("orders.fct_orders: ")
    assert wrong in finding.message
    # names the tblproperties that fix it, all four, as dbt config
    for key, value in ICEBERG_READS.items():
        assert f"'{key}': '{value}'" in finding.message
    assert str(finding.location) == "domains/orders/models/marts/fct_orders.yml:2"
    assert finding.domain == "orders" and finding.owner


def test_product_without_any_tblproperties_on_databricks_is_reported(
    clean_root: Path, tmp_path: Path, default_policy: Policy
):
    findings = _findings(clean_root, tmp_path, default_policy, {"model.orders.fct_orders": {}})
    (finding,) = findings
    for key in ICEBERG_READS:
        assert f"{key} is not set" in finding.message


def test_external_domain_products_are_out_of_scope(clean_root: Path, tmp_path: Path, default_policy: Policy):
    # marketing is `platform: external` in the fixture mesh: published to Iceberg directly
    edits: dict[str, dict[str, Any] | None] = {
        "model.marketing.fct_campaign_orders": {"delta.enableDeletionVectors": "true"}
    }
    assert _findings(clean_root, tmp_path, default_policy, edits) == []


def test_tblproperties_that_are_not_an_object_are_one_clear_error(
    clean_root: Path, tmp_path: Path, default_policy: Policy
):
    with pytest.raises(MeshError, match=r"fct_orders.*`tblproperties` must be an object"):
        _findings(clean_root, tmp_path, default_policy, {"model.orders.fct_orders": "iceberg"})  # type: ignore[dict-item]
