"""Make published Iceberg products readable in DuckDB under their mesh names.

For an external domain an in-memory catalog is attached under the domain's name and each published
table becomes a view at its `mesh.relation` (e.g. `shipping.gold.fct_shipments`). The DuckDB iceberg
extension is used when it is installed locally; otherwise (offline, or no build for this DuckDB
version) the view reads the Parquet data files of the table's current snapshot, as planned by
pyiceberg, with `read_parquet`: the same rows, without the extension.

A table that does not open or plan (metadata or manifests deleted or damaged) becomes a note, not a
view: the rest of the mesh stays queryable and a query naming it fails as an unknown table.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import unquote, urlparse

import duckdb
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.table import Table

from governance.engines.quoting import literal_list, qualified, quote_ident, quote_literal
from governance.errors import ExitCode, MeshError
from governance.iceberg.contract import MANAGED_KEY, MANAGED_VALUE
from governance.iceberg.types import duckdb_type_for


def _local_path(location: str) -> str:
    parsed = urlparse(location)
    return unquote(parsed.path) if parsed.scheme == "file" else location


def iceberg_extension_available(connection: duckdb.DuckDBPyConnection) -> bool:
    row = connection.execute(
        "SELECT installed FROM duckdb_extensions() WHERE extension_name = 'iceberg'"
    ).fetchone()
    if not row or not row[0]:
        return False
    try:
        connection.execute("LOAD iceberg")
    except duckdb.Error:
        return False
    return True


def _select_from_files(table: Table, name: str) -> str:
    columns = table.schema().fields
    tasks = list(table.scan().plan_files())
    if any(task.delete_files for task in tasks):
        raise MeshError(
            f"{name} has row-level deletes the embedded engine does not apply; query it with --engine trino",
            ExitCode.FAILED,
        )
    if not tasks:
        typed = ", ".join(
            f"CAST(NULL AS {duckdb_type_for(c.field_type)}) AS {quote_ident(c.name)}" for c in columns
        )
        return f"SELECT {typed} WHERE false"
    files = literal_list(_local_path(task.file.file_path) for task in tasks)
    names = ", ".join(quote_ident(c.name) for c in columns)
    return f"SELECT {names} FROM read_parquet({files}, union_by_name = true)"


def _view_sql(table: Table, name: str, use_extension: bool) -> str:
    if use_extension:
        return f"SELECT * FROM iceberg_scan({quote_literal(table.metadata_location)})"
    return _select_from_files(table, name)


@dataclass
class AttachedDomain:
    relations: list[str] = field(default_factory=list)  # the views created, as mesh relations
    folders: list[str] = field(default_factory=list)  # local table locations the views read
    notes: list[str] = field(default_factory=list)  # tables that could not be opened, and why


def _first_line(error: BaseException) -> str:
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__


def attach_external_domain(
    connection: duckdb.DuckDBPyConnection, catalog: SqlCatalog, domain: str, use_extension: bool
) -> AttachedDomain:
    """Attach `domain` as an in-memory catalog of views over its published tables (`catalog`: the domain's
    own Iceberg catalog, one namespace per layer)."""
    attached = AttachedDomain()
    connection.execute(f"ATTACH ':memory:' AS {quote_ident(domain)}")
    identifiers = [i for namespace in catalog.list_namespaces() for i in catalog.list_tables(namespace)]
    for identifier in identifiers:
        name = ".".join((domain, *identifier))  # <domain>.<layer>.<table>
        try:
            table = catalog.load_table(identifier)
            if table.properties.get(MANAGED_KEY) != MANAGED_VALUE:
                continue  # not a mesh product
            relation = table.properties.get("mesh.relation", f"{domain}.gold.{identifier[-1]}")
            database, schema, view = relation.split(".", 2)
            if database != domain:
                continue
            select = _view_sql(table, relation, use_extension)
        except MeshError as error:
            attached.notes.append(str(error))
            continue
        except FileNotFoundError as error:  # the warehouse lost it: `mesh publish` re-creates it
            attached.notes.append(
                f"{name} in the Iceberg catalog cannot be read: a file it needs is missing "
                f"({_first_line(error)}); run `mesh publish` to publish it again"
            )
            continue
        except Exception as error:  # a damaged table must not hide the rest of the mesh
            attached.notes.append(f"{name} in the Iceberg catalog cannot be read ({_first_line(error)})")
            continue
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {qualified(database, schema)}")
        connection.execute(f"CREATE OR REPLACE VIEW {qualified(database, schema, view)} AS {select}")
        attached.relations.append(relation)
        attached.folders.append(_local_path(table.location()))
    return attached
