"""Make published Iceberg products readable in DuckDB under their mesh names.

For an external domain an in-memory catalog is attached under the domain's name and each published
table becomes a view at its `mesh.relation` (e.g. `shipping.gold.fct_shipments`). The DuckDB iceberg
extension is used when it is installed locally; otherwise (offline, or no build for this DuckDB
version) the view reads the Parquet data files of the table's current snapshot, as planned by
pyiceberg, with `read_parquet`: the same rows, without the extension.
"""

from __future__ import annotations

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


def attach_external_domain(
    connection: duckdb.DuckDBPyConnection, catalog: SqlCatalog, domain: str, use_extension: bool
) -> list[str]:
    """Attach `domain` as an in-memory catalog of views over its published tables; return the relations."""
    connection.execute(f"ATTACH ':memory:' AS {quote_ident(domain)}")
    if not catalog.namespace_exists(domain):
        return []
    relations: list[str] = []
    for identifier in catalog.list_tables(domain):
        table = catalog.load_table(identifier)
        if table.properties.get(MANAGED_KEY) != MANAGED_VALUE:
            continue  # not a mesh product
        relation = table.properties.get("mesh.relation", f"{domain}.gold.{identifier[-1]}")
        database, schema, view = relation.split(".", 2)
        if database != domain:
            continue
        connection.execute(f"CREATE SCHEMA IF NOT EXISTS {qualified(database, schema)}")
        select = _view_sql(table, relation, use_extension)
        connection.execute(f"CREATE OR REPLACE VIEW {qualified(database, schema, view)} AS {select}")
        relations.append(relation)
    return relations
