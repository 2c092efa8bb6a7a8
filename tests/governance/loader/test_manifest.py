"""Manifest entries are decoded typed and only when owned: wrong types are one line naming the field."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest

from governance.errors import MeshError
from governance.loader import load_mesh
from tests.fixtures.mesh_project import copy_tree

ORDERS = "domains/orders/target/manifest.json"
MARKETING = "domains/marketing/target/manifest.json"
FCT_ORDERS = "model.orders.fct_orders"


def _edit(root: Path, manifest: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = root / manifest
    data = orjson.loads(path.read_bytes())
    change(data)
    path.write_bytes(orjson.dumps(data))


def _set(*keys: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(data: dict[str, Any]) -> None:
        for key in keys[:-1]:
            data = data[key]
        data[keys[-1]] = value

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _set("nodes", FCT_ORDERS, "tags", value="daily"),
            f"node {FCT_ORDERS}: `tags` must be a list of strings",
        ),
        (_set("nodes", FCT_ORDERS, "columns", "amount", value=5), "each of `columns` must be an object"),
        (_set("nodes", FCT_ORDERS, "columns", "amount", "name", value=7), "`name` must be a string"),
        (
            _set("nodes", FCT_ORDERS, "config", "grants", "select", value=3),
            "each of `grants` must be a string or a list of strings",
        ),
        (
            _set("nodes", FCT_ORDERS, "config", "contract", value={"enforced": "yes"}),
            "`enforced` must be true or false",
        ),
        (
            _set("nodes", FCT_ORDERS, "access", value="open"),
            "`access` is 'open', not private/protected/public",
        ),
        (
            _set("sources", "source.orders.raw_orders.customers", "columns", value=[]),
            "source source.orders.raw_orders.customers: `columns` must be an object",
        ),
        (_set("nodes", FCT_ORDERS, value="fct_orders"), f"node {FCT_ORDERS}: must be an object"),
        (_set("nodes", value=None), f"{ORDERS}: `nodes` must be an object"),
        (lambda data: data.pop("sources"), f"{ORDERS}: `sources` must be an object"),
    ],
)
def test_wrong_types_are_one_line_naming_the_field(
    clean_root: Path, tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
):
    root = copy_tree(clean_root, tmp_path / "mesh")
    _edit(root, ORDERS, change)
    with pytest.raises(MeshError) as error:
        load_mesh(root)
    assert message in str(error.value) and "\n" not in str(error.value)
    assert str(error.value).endswith("run `mesh build --domain orders` first")


def test_the_schema_is_checked_before_the_entries(clean_root: Path, tmp_path: Path):
    root = copy_tree(clean_root, tmp_path / "mesh")
    _edit(
        root,
        ORDERS,
        _set("metadata", "dbt_schema_version", value="https://schemas.getdbt.com/dbt/manifest/v11.json"),
    )
    _edit(root, ORDERS, _set("nodes", value=[]))
    with pytest.raises(MeshError, match=r"manifest schema .*/v11\.json is not supported"):
        load_mesh(root)


def test_upstream_copies_are_skipped_unread(clean_root: Path, tmp_path: Path):
    """dbt-loom's copies of orders' nodes in marketing's manifest are never decoded, even if broken."""
    root = copy_tree(clean_root, tmp_path / "mesh")
    _edit(root, MARKETING, _set("nodes", FCT_ORDERS, "columns", value="not columns"))
    mesh = load_mesh(root)
    model = mesh.model(FCT_ORDERS)
    assert model is not None and model.project == "orders" and "amount" in model.columns
    assert FCT_ORDERS not in mesh.domains["marketing"].models
