"""What dbt-trino cannot build, refused in one line before a `trino` build writes anything.

The logistics project parsed for the `trino` target (real dbt, in a throw-away copy) passes; the same
manifest with one model changed the ways a team might change it is refused, naming model and remedy.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import orjson
import pytest

from governance.build.trino_support import check_supported, problems
from governance.errors import ExitCode, MeshError
from tests.domains.mesh_copy import MeshCopy, copy_mesh

pytestmark = pytest.mark.dbt

MODEL = "model.logistics.fct_shipments"


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> tuple[MeshCopy, dict[str, Any]]:
    mesh = copy_mesh(tmp_path_factory.mktemp("trino-parse"), domains=("orders", "logistics"))
    mesh.dbt_ok("orders", "parse", "--no-partial-parse")  # dbt-loom reads orders' manifest
    mesh.dbt_ok("logistics", "parse", "--no-partial-parse", "--target", "trino")
    manifest = orjson.loads((mesh.folder("logistics") / "target" / "manifest.json").read_bytes())
    return mesh, manifest


def changed(manifest: dict[str, Any], **edits: Any) -> dict[str, Any]:
    edited = copy.deepcopy(manifest)
    node = edited["nodes"][MODEL]
    for key, value in edits.items():
        if key == "config":
            node["config"].update(value)
        else:
            node[key] = value
    return edited


def refusal(mesh: MeshCopy, manifest: dict[str, Any]) -> str:
    with pytest.raises(MeshError) as raised:
        check_supported(manifest, "logistics", mesh.folder("logistics"))
    assert raised.value.code == ExitCode.BAD_INPUT
    message = str(raised.value)
    assert "\n" not in message
    assert message.startswith(str(Path(mesh.folder("logistics")) / "models" / "marts" / "fct_shipments"))
    return message


def test_logistics_as_it_is_builds_on_trino(parsed: tuple[MeshCopy, dict[str, Any]]) -> None:
    mesh, manifest = parsed
    node = manifest["nodes"][MODEL]
    assert node["config"]["file_format"] == "parquet" and node["config"]["on_table_exists"] == "replace"
    assert node["relation_name"] == '"logistics"."gold"."fct_shipments"'
    assert list(problems(manifest, "logistics", mesh.folder("logistics"))) == []


def test_a_python_model_is_refused(parsed: tuple[MeshCopy, dict[str, Any]]) -> None:
    mesh, manifest = parsed
    message = refusal(mesh, changed(manifest, language="python"))
    assert "model fct_shipments is a Python model, which dbt-trino cannot build; write it in SQL" in message


def test_a_databricks_materialization_is_refused(parsed: tuple[MeshCopy, dict[str, Any]]) -> None:
    mesh, manifest = parsed
    message = refusal(mesh, changed(manifest, config={"materialized": "streaming_table"}))
    assert "materialized as streaming_table, which dbt-trino cannot build" in message


def test_a_spark_incremental_strategy_is_refused(parsed: tuple[MeshCopy, dict[str, Any]]) -> None:
    mesh, manifest = parsed
    edited = changed(
        manifest, config={"materialized": "incremental", "incremental_strategy": "insert_overwrite"}
    )
    assert "incremental_strategy insert_overwrite, which dbt-trino cannot run" in refusal(mesh, edited)


def test_a_constraint_trino_cannot_enforce_is_refused(parsed: tuple[MeshCopy, dict[str, Any]]) -> None:
    mesh, manifest = parsed
    check = {"type": "check", "expression": "transit_hours >= 0", "columns": []}
    message = refusal(mesh, changed(manifest, constraints=[check]))
    assert "has a check constraint (model) that Trino cannot enforce; state it as a data test" in message
    column = copy.deepcopy(manifest)
    column["nodes"][MODEL]["columns"]["order_id"]["constraints"] = [
        {"type": "foreign_key", "expression": "orders.gold.fct_orders (order_id)"}
    ]
    assert "foreign_key constraint (column order_id)" in refusal(mesh, column)
