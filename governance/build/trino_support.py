"""What a project asks of dbt-trino that Trino cannot do, found in its parsed manifest before a `trino` build.

Checked before anything is landed or built, so a refusal writes nothing: one line naming the model, the
feature and what to do instead.
  * Python models: dbt-trino builds SQL models only.
  * Materializations and incremental strategies dbt-trino does not have (Databricks' streaming tables,
    Spark's insert_overwrite).
  * Contract constraints Trino cannot enforce on an Iceberg table: `not_null` is enforced by the table;
    `primary_key` and `unique` are verified by `mesh publish` (governance/iceberg/verify.py); `check`,
    `foreign_key` and `custom` would be silently ignored, so they are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from governance.errors import MeshError

MATERIALIZATIONS = frozenset(
    {"table", "view", "incremental", "ephemeral", "materialized_view", "snapshot", "seed"}
)
INCREMENTAL_STRATEGIES = frozenset({"append", "merge", "delete+insert", "microbatch"})
ENFORCED_CONSTRAINTS = frozenset({"not_null"})  # by Trino's Iceberg table itself
VERIFIED_CONSTRAINTS = frozenset({"primary_key", "unique"})  # by mesh publish (iceberg/verify.py)


def _where(node: dict[str, Any], project_dir: Path) -> str:
    path = node.get("patch_path") or node.get("original_file_path") or node.get("path") or ""
    path = str(path).split("://", 1)[-1]
    return str(project_dir / path) if path else str(project_dir)


def _constraints(node: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(constraint type, where: 'model' or the column) of a model's contract."""
    for constraint in node.get("constraints") or []:
        yield str(constraint.get("type")), "model"
    for column in (node.get("columns") or {}).values():
        for constraint in column.get("constraints") or []:
            yield str(constraint.get("type")), f"column {column.get('name')}"


def problems(manifest: dict[str, Any], project: str, project_dir: Path) -> Iterator[str]:
    """One line per model feature dbt-trino or Trino cannot honour, in a stable order."""
    nodes = sorted(manifest.get("nodes", {}).items())
    for _, node in nodes:
        if node.get("package_name") != project or node.get("resource_type") != "model":
            continue
        name = node.get("name")
        where = _where(node, project_dir)
        config = node.get("config") or {}
        if node.get("language") == "python":
            yield f"{where}: model {name} is a Python model, which dbt-trino cannot build; write it in SQL"
            continue
        materialized = str(config.get("materialized"))
        if materialized not in MATERIALIZATIONS:
            yield (
                f"{where}: model {name} is materialized as {materialized}, which dbt-trino cannot build; "
                f"use one of {', '.join(sorted(MATERIALIZATIONS))} on target trino"
            )
            continue
        strategy = config.get("incremental_strategy")
        if materialized == "incremental" and strategy is not None and strategy not in INCREMENTAL_STRATEGIES:
            yield (
                f"{where}: model {name} has incremental_strategy {strategy}, which dbt-trino cannot run; "
                f"use one of {', '.join(sorted(INCREMENTAL_STRATEGIES))} on target trino"
            )
        if not (config.get("contract") or {}).get("enforced"):
            continue
        for kind, place in _constraints(node):
            if kind not in ENFORCED_CONSTRAINTS | VERIFIED_CONSTRAINTS:
                yield (
                    f"{where}: model {name} has a {kind} constraint ({place}) that Trino cannot enforce; "
                    "state it as a data test instead (tests run on every build)"
                )


def check_supported(manifest: dict[str, Any], project: str, project_dir: Path) -> None:
    """Raise the first problem as one line (exit 2): nothing has been written yet."""
    for problem in problems(manifest, project, project_dir):
        raise MeshError(problem)
