"""The build declares the sync's PII column masks (databricks target only).

dbt-databricks rebuilds a table with `CREATE OR REPLACE TABLE`, which keeps no mask the statement does not
declare (docs/unity-catalog-conformance.md, "Column masks"). So every withheld column of a Databricks
product (`meta.pii: true`, not `masked`, as the access matrix says) gets dbt-databricks' column property
`column_mask: {function: <catalog>.<schema>.mesh_mask_<type>_<digest>}`, the very function the sync
creates (`governance.unity.masks.product_masks`, the one place the names are decided), and a pre-hook
`CREATE FUNCTION IF NOT EXISTS` for it, so a first deploy (the function not created by a sync yet) does
not fail. With `use_materialization_v2` (dbt_project.yml `flags:`), dbt-databricks 1.11 writes `MASK f`
inside the CREATE, before the INSERT and before dbt's own grants.

The properties are added to the parsed manifest right after dbt loads it (every dbt command goes
through `ManifestLoader.get_full_manifest`); the models are read with the mesh's own loader, so the
owner, `pii_cleared_groups`, the restricted readers and `unity.yml` `principals` are those the sync uses.
DuckDB, Spark and Trino targets, the hub and a mesh without `governance/unity.yml` are left alone; bad
input (a data_type that cannot type a mask, a broken unity.yml) stops dbt with the mesh's one line.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from governance.loader.manifest import ArtifactPaths, load_project
from governance.loader.yaml_lines import YamlLines
from governance.model import Platform
from governance.project import Projects
from governance.settings import find_root, load_settings
from governance.unity.config import CONFIG_FILE, load_config
from governance.unity.masks import create_function_if_missing, product_masks
from governance.unity.sql import quote_name

COLUMN_PROPERTY = "column_mask"


def declared_masks(manifest: Any, project_name: str, project_root: Path) -> dict[str, dict[str, str]]:
    """unique_id -> column -> the quoted mask function, for `project_name`'s Databricks products."""
    root = find_root(project_root)
    if not (root / CONFIG_FILE).is_file():
        return {}  # no Unity Catalog sync configured for this mesh: no mask to match
    settings = load_settings(root)
    projects = Projects.discover(root, settings)
    project = projects.projects.get(project_name)
    if project is None or project.is_hub:
        return {}
    with tempfile.TemporaryDirectory(prefix="mesh-masks-") as folder:
        manifest.writable_manifest().write(str(Path(folder) / "manifest.json"))
        domain = load_project(
            project, ArtifactPaths.of_target(Path(folder)), settings, YamlLines(), "run `dbt parse` again"
        )
    if domain.is_hub or domain.platform is not Platform.DATABRICKS:
        return {}
    config = load_config(root)
    declared: dict[str, dict[str, str]] = {}
    hooks: dict[str, list[str]] = {}
    for model in domain.products:
        masks = product_masks(model, config)
        if masks:
            declared[model.unique_id] = {c: quote_name(f.full_name) for c, f in masks.items()}
            hooks[model.unique_id] = sorted({create_function_if_missing(f) for f in masks.values()})
    _apply(manifest, declared, hooks)
    return declared


def _apply(manifest: Any, declared: dict[str, dict[str, str]], hooks: dict[str, list[str]]) -> None:
    from dbt.artifacts.resources.v1.config import Hook

    for unique_id, columns in declared.items():
        node = manifest.nodes[unique_id]
        for column, function in columns.items():
            node.columns[column]._extra[COLUMN_PROPERTY] = {"function": function}
        present = {hook.sql for hook in node.config.pre_hook}
        node.config.pre_hook.extend(Hook(sql=sql) for sql in hooks[unique_id] if sql not in present)
