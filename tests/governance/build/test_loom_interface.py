"""What an upstream manifest offers its readers through dbt-loom (governance/build/modified.py
`loom_interface`): a reader whose own files are production's is planned without dbt only where every
upstream offers exactly what production's did."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from governance.build.modified import loom_interface, same_upstream_interface


def manifest() -> dict[str, Any]:
    fct_orders = {
        "name": "fct_orders", "package_name": "orders", "resource_type": "model", "schema": "gold",
        "database": "orders", "relation_name": '"orders"."gold"."fct_orders"', "alias": "fct_orders",
        "version": None, "latest_version": None, "deprecation_date": None, "access": "public", "group": None,
        "config": {"access": "public", "materialized": "table", "tags": []},
        "depends_on": {"nodes": ["model.orders.int_orders_deduped"], "macros": []},
        "raw_code": "select * from final", "checksum": {"name": "sha256", "checksum": "a"},
        "columns": {"order_id": {"name": "order_id", "data_type": "bigint"}},
    }  # fmt: skip
    return {
        "nodes": {
            "model.orders.fct_orders": fct_orders,
            "test.orders.unique_fct_orders_order_id.1": {"name": "unique", "raw_code": "x"},
        }
    }


def changed(edit: Any) -> dict[str, Any]:
    data = manifest()
    edit(data["nodes"]["model.orders.fct_orders"], data)
    return data


def test_the_body_columns_tests_and_checksum_are_not_offered() -> None:
    def edit(node: dict[str, Any], data: dict[str, Any]) -> None:
        node["raw_code"] = "select * from final -- reviewed"
        node["checksum"] = {"name": "sha256", "checksum": "b"}
        node["columns"] = {}
        node["config"]["tags"] = ["nightly"]
        node["depends_on"]["macros"] = ["macro.dbt.is_incremental"]
        data["nodes"]["test.orders.unique_fct_orders_order_id.1"]["raw_code"] = "y"

    assert loom_interface(changed(edit)) == loom_interface(manifest())


IDS = [
    "relation",
    "database",
    "latest-version",
    "version",
    "access",
    "config-access",
    "deprecation",
    "group",
    "event-time",
    "depends-on",
    "removed",
    "added",
]


@pytest.mark.parametrize(
    "edit",
    [
        lambda node, _: node.update(relation_name='"orders"."gold"."fct_orders_v2"'),
        lambda node, _: node.update(database="orders__pr_1"),
        lambda node, _: node.update(latest_version="2"),
        lambda node, _: node.update(version="1"),
        lambda node, _: node.update(access="protected"),
        lambda node, _: node["config"].update(access="private"),
        lambda node, _: node.update(deprecation_date="2027-01-01T00:00:00"),
        lambda node, _: node.update(group="finance"),
        lambda node, _: node["config"].update(event_time="ordered_at"),
        lambda node, _: node["depends_on"].update(nodes=["model.orders.stg_orders"]),
        lambda _, data: data["nodes"].pop("model.orders.fct_orders"),
        lambda _, data: data["nodes"].update({"seed.orders.countries": {"name": "countries"}}),
    ],
    ids=IDS,
)
def test_where_a_reference_resolves_or_may_be_made_is_offered(edit: Any) -> None:
    assert loom_interface(changed(edit)) != loom_interface(manifest())


def test_same_upstream_interface_reads_each_pair_and_fails_closed(tmp_path: Path) -> None:
    production = tmp_path / "production.json"
    production.write_bytes(orjson.dumps(manifest()))
    reviewed = tmp_path / "reviewed.json"
    body = copy.deepcopy(manifest())
    body["nodes"]["model.orders.fct_orders"]["raw_code"] = "select 1"
    reviewed.write_bytes(orjson.dumps(body))
    moved = tmp_path / "moved.json"
    moved.write_bytes(orjson.dumps(changed(lambda node, _: node.update(schema="silver"))))
    assert same_upstream_interface([["orders", str(reviewed), str(production)]])
    assert not same_upstream_interface([["orders", str(reviewed), str(production)],
                                        ["orders", str(moved), str(production)]])  # fmt: skip
    assert not same_upstream_interface([["orders", str(tmp_path / "missing.json"), str(production)]])
    (tmp_path / "torn.json").write_bytes(b'{"nodes": {')
    assert not same_upstream_interface([["orders", str(tmp_path / "torn.json"), str(production)]])
