"""The build declares the sync's PII column masks on the databricks target (issue 19: no window).

`CREATE OR REPLACE TABLE` keeps no mask the statement does not declare, so each withheld column of a
Databricks product carries dbt-databricks' `column_mask` with the function the sync creates, and a
pre-hook creates that function if a first deploy finds it missing. Parsed with no network.
"""

from __future__ import annotations

import hashlib
import shutil
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from tests.domains.mesh_copy import REPO, copy_mesh

pytestmark = pytest.mark.dbt


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise OSError("network access attempted during a no-network test")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DATABRICKS_HOST", "DATABRICKS_HTTP_PATH", "DATABRICKS_TOKEN", "MESH_ENV", "MESH_ROOT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    yield


def _name(catalog: str, schema: str, data_type: str, groups: list[str]) -> str:
    """The sync's name, spelled out here: mesh_mask_<type>_<sha256 of the sorted groups, 10 hex digits>."""
    digest = hashlib.sha256("\n".join(sorted(groups)).encode()).hexdigest()[:10]
    return f"`{catalog}`.`{schema}`.`mesh_mask_{data_type}_{digest}`"


@pytest.mark.usefixtures("offline")
def test_databricks_build_declares_the_sync_masks(tmp_path_factory: pytest.TempPathFactory) -> None:
    mesh = copy_mesh(tmp_path_factory.mktemp("databricks-masks"))
    (mesh.root / "governance").mkdir()
    shutil.copyfile(REPO / "governance" / "unity.yml", mesh.root / "governance" / "unity.yml")

    manifest = mesh.dbt_ok("orders", "parse", "--no-partial-parse", "--target", "databricks").result
    function = _name("orders_dev", "gold", "string", ["orders-team", "orders-pii-readers"])

    v2 = manifest.nodes["model.orders.dim_customers.v2"]
    masks = {c: col._extra.get("column_mask") for c, col in v2.columns.items()}
    withheld = {"email", "first_name", "last_name"}  # pii: true, masked: false
    assert {c: m for c, m in masks.items() if m} == {c: {"function": function} for c in withheld}
    assert masks["email_sha256"] is None, "a column masked in SQL needs no Unity mask"
    hooks = [h.sql for h in v2.config.pre_hook]
    assert [h for h in hooks if "mesh_mask_" in h] == [
        f"CREATE FUNCTION IF NOT EXISTS {function}(`v` STRING) RETURNS STRING "
        "COMMENT 'mesh: PII column mask (governance/unity/masks.py); NULL for readers not cleared' "
        "RETURN CASE WHEN is_account_group_member('orders-pii-readers') OR "
        "is_account_group_member('orders-team') THEN v ELSE NULL END"
    ]

    v1 = manifest.nodes["model.orders.dim_customers.v1"]
    assert v1.columns["full_name"]._extra.get("column_mask") == {"function": function}
    # a product without personal data in clear gets nothing
    fct_orders = manifest.nodes["model.orders.fct_orders"]
    assert not any(col._extra.get("column_mask") for col in fct_orders.columns.values())
    assert not [h for h in fct_orders.config.pre_hook if "mesh_mask_" in h.sql]

    # DuckDB (and every other target) is unchanged
    ci = mesh.dbt_ok("orders", "parse", "--no-partial-parse", "--target", "ci").result
    ci_v2 = ci.nodes["model.orders.dim_customers.v2"]
    assert not any(col._extra.get("column_mask") for col in ci_v2.columns.values())
    assert not [h for h in ci_v2.config.pre_hook if "mesh_mask_" in h.sql]
