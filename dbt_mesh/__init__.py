"""The mesh's dbt plugin (dbt imports every top-level `dbt_*` module that has `plugins`, as for dbt-loom).

The `spark` target stands in for Databricks SQL, which runs with ANSI mode on: a cast that cannot
succeed, an overflow or a division by zero fails the statement instead of yielding NULL. dbt-spark
forces `spark.sql.ansi.enabled=false` into every session it opens (`SparkCredentials.__post_init__`,
for Spark 3 compatibility), whatever the profile says; this plugin sets it back to true when a Spark
connection opens. DuckDB and Databricks connections are left alone.

A full parse takes its macros from an earlier parse of the same project where no macro file, package or
project setting differs (`dbt_mesh.macro_reuse`): a pull request's namespace parses in full.

On the `databricks` target, the plugin also declares the sync's PII column masks on every withheld
column of the project's Databricks products as the manifest is loaded (`dbt_mesh.masks`).
"""

from __future__ import annotations

from typing import Any

from dbt.plugins.manager import dbtPlugin

ANSI_KEY = "spark.sql.ansi.enabled"


class SparkAnsiMode(dbtPlugin):
    def initialize(self) -> None:
        try:
            from dbt.adapters.spark.connections import SparkConnectionManager
        except ImportError:  # dbt-spark not installed: nothing to do
            return
        if getattr(SparkConnectionManager, "_mesh_ansi_mode", False):
            return
        opener = SparkConnectionManager.open.__func__  # type: ignore[attr-defined]

        def open_with_ansi(cls: Any, connection: Any) -> Any:
            parameters = getattr(connection.credentials, "server_side_parameters", None)
            if isinstance(parameters, dict):
                parameters[ANSI_KEY] = "true"
            return opener(cls, connection)

        SparkConnectionManager.open = classmethod(open_with_ansi)  # type: ignore[method-assign,assignment]
        SparkConnectionManager._mesh_ansi_mode = True  # type: ignore[attr-defined]


class DatabricksColumnMasks(dbtPlugin):
    def initialize(self) -> None:
        from dbt.parser.manifest import ManifestLoader

        if getattr(ManifestLoader, "_mesh_column_masks", False):
            return
        loader = ManifestLoader.get_full_manifest.__func__  # type: ignore[attr-defined]

        def get_full_manifest(cls: Any, config: Any, *args: Any, **kwargs: Any) -> Any:
            manifest = loader(cls, config, *args, **kwargs)
            if getattr(config.credentials, "type", None) == "databricks":
                from pathlib import Path

                from dbt_common.exceptions import DbtRuntimeError

                from dbt_mesh.masks import declared_masks
                from governance.errors import MeshError

                try:
                    declared_masks(manifest, config.project_name, Path(config.project_root))
                except MeshError as exc:
                    raise DbtRuntimeError(str(exc)) from None
            return manifest

        ManifestLoader.get_full_manifest = classmethod(get_full_manifest)  # type: ignore[method-assign,assignment]
        ManifestLoader._mesh_column_masks = True  # type: ignore[attr-defined]


class MacroReuse(dbtPlugin):
    def initialize(self) -> None:
        from dbt_mesh.macro_reuse import install

        install()


plugins = [SparkAnsiMode, DatabricksColumnMasks, MacroReuse]
