"""Land a domain's raw files in the Iceberg catalog, where a domain built on Trino reads its sources.

On DuckDB a source is read straight from its files (dbt-duckdb's `external_location`) and on Spark it
is registered over them (macros/sources). Trino reads tables only: before a `trino` build each source of
the project with an `external_location` becomes the Iceberg table `<source schema>.<source table>` of the
catalog Trino serves, replaced whole by the files' current rows (the loader's job in production, where
the raw data arrives in the lake already). Each table is replaced in one commit: a reader sees the old
rows or the new ones.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pyarrow.parquet as pq
from pyiceberg.catalog import Catalog
from pyiceberg.exceptions import NoSuchTableError

from governance.errors import MeshError


@dataclass(frozen=True)
class LandedSource:
    namespace: str
    table: str
    rows: int


@dataclass(frozen=True)
class RawSource:
    namespace: str
    table: str
    files: list[str]
    location: str


def raw_sources(manifest_path: Path, project: str) -> list[RawSource]:
    """The project's sources read from files (`meta.external_location`), from its parsed manifest."""
    try:
        manifest: dict[str, Any] = orjson.loads(manifest_path.read_bytes())
    except (OSError, orjson.JSONDecodeError) as error:
        raise MeshError(f"{manifest_path}: cannot read the parsed project ({error}); run dbt parse") from None
    found: list[RawSource] = []
    for source in manifest.get("sources", {}).values():
        if source.get("package_name") != project:
            continue
        location = (source.get("meta") or {}).get("external_location") or (
            (source.get("config") or {}).get("meta") or {}
        ).get("external_location")
        if not isinstance(location, str) or not location:
            continue
        pattern = location.replace("{name}", str(source["name"]))
        if not Path(pattern).is_absolute():
            pattern = str(manifest_path.parent.parent / pattern)
        files = sorted(glob.glob(pattern))
        found.append(RawSource(str(source["schema"]), str(source["identifier"]), files, pattern))
    return sorted(found, key=lambda s: (s.namespace, s.table))


def _read(source: RawSource) -> pa.Table:
    if not source.files:
        raise MeshError(
            f"source {source.namespace}.{source.table}: no files match {source.location}; "
            "generate the raw data first (make data)"
        )
    try:
        return pa.concat_tables([pq.read_table(f) for f in source.files], promote_options="default")
    except (OSError, pa.ArrowException) as error:
        raise MeshError(
            f"source {source.namespace}.{source.table}: cannot read {source.location} ({error})"
        ) from None


def land(catalog: Catalog, source: RawSource) -> LandedSource:
    """Replace the Iceberg table of one source by its files' rows (created on first landing)."""
    rows = _read(source)
    identifier = (source.namespace, source.table)
    catalog.create_namespace_if_not_exists(source.namespace)
    try:
        table = catalog.load_table(identifier)
    except NoSuchTableError:
        table = None
    if table is not None and [field.name for field in table.schema().fields] != rows.column_names:
        # The files' layout changed: the landing table is the files' copy, so it starts over.
        catalog.purge_table(identifier)
        table = None
    if table is None:
        catalog.create_table(identifier, schema=rows.schema).append(rows)
    else:
        table.overwrite(rows)
    return LandedSource(source.namespace, source.table, rows.num_rows)


def land_project(catalog: Catalog, manifest_path: Path, project: str) -> list[LandedSource]:
    return [land(catalog, source) for source in raw_sources(manifest_path, project)]
