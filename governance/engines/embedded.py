"""The embedded engine: one DuckDB session that sees the whole mesh under its catalog.schema.table names.

Every Databricks-platform domain's (and the hub's) DuckDB file is attached read-only under its name;
every external domain is attached as views over its published Iceberg tables, so
`shipping.gold.fct_shipments` reads what Trino reads.

Nothing is written and no other file is read: once the mesh is attached, external access is switched
off (only the published tables' folders stay readable, through `allowed_directories`), spilling to
disk is off and the configuration is locked, so no statement can re-enable any of it. Each call runs
exactly one statement, and only a query (governance/engines/read_only.py): DETACH, ATTACH, COPY,
SET, CREATE and the rest are refused before DuckDB runs anything.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from governance.engines.base import EngineError, QueryResult
from governance.engines.iceberg_views import attach_external_domain, iceberg_extension_available
from governance.engines.quoting import literal_list, quote_ident, quote_literal
from governance.engines.read_only import NotAQueryError
from governance.errors import MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings, domain_catalog
from governance.project import Platform, Projects

# Settings fixed before the configuration is locked: no extension installed or loaded on demand, no
# file or network access beyond the allowed folders, no temporary files.
_SANDBOX = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET temp_directory = ''",
    "SET enable_external_access = false",
    "SET lock_configuration = true",
)


def _first_line(error: duckdb.Error) -> str:
    """DuckDB's message without the `LINE 1: ...` excerpt that follows it: errors are one line."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


class EmbeddedEngine:
    name = "duckdb"

    def __init__(self, projects: Projects, settings: CatalogSettings) -> None:
        self.connection = duckdb.connect(":memory:")
        self.attached: dict[str, Path | str] = {}
        self.notes: list[str] = []
        self._readable: list[str] = []  # folders of the published tables the views read
        external = [p.name for p in projects.projects.values() if p.platform is Platform.EXTERNAL]
        for name in projects.order:
            if name in external:
                continue
            path = settings.duckdb_path(name)
            if path.is_file():
                self.connection.execute(
                    f"ATTACH {quote_literal(str(path))} AS {quote_ident(name)} (READ_ONLY)"
                )
                self.attached[name] = path
        if external:
            self._attach_external(external, settings)
        self._lock_down()

    def _attach_external(self, domains: list[str], settings: CatalogSettings) -> None:
        use_extension = iceberg_extension_available(self.connection)
        for domain in domains:
            try:  # each domain is its own Iceberg catalog in the catalog database
                catalog = open_catalog(domain_catalog(settings, domain), create=False)
            except MeshError as error:
                self.notes.append(f"external domain {domain} not readable: {error}")
                continue
            attached = attach_external_domain(self.connection, catalog, domain, use_extension)
            self._readable += attached.folders
            self.notes += attached.notes
            self.attached[domain] = f"iceberg catalog {settings.name} ({len(attached.relations)} product(s))"
            if not attached.relations and not attached.notes:
                self.notes.append(f"external domain {domain} has no published products: run `mesh publish`")

    def _lock_down(self) -> None:
        if self._readable:
            folders = sorted({folder.rstrip("/") + "/" for folder in self._readable})
            self.connection.execute(f"SET allowed_directories = {literal_list(folders)}")
        for statement in _SANDBOX:
            self.connection.execute(statement)

    def _require_one_query(self, sql: str) -> None:
        try:
            statements = self.connection.extract_statements(sql)
        except duckdb.Error as error:
            raise EngineError(self.name, _first_line(error)) from None
        if len(statements) != 1:
            raise NotAQueryError(self.name, f"{len(statements)} statements")
        kind = statements[0].type
        if kind != duckdb.StatementType.SELECT:
            raise NotAQueryError(self.name, f"a {kind.name} statement")

    def execute(self, sql: str) -> QueryResult:
        self._require_one_query(sql)
        try:
            cursor = self.connection.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            return QueryResult(columns, cursor.fetchall())
        except duckdb.Error as error:
            raise EngineError(self.name, _first_line(error)) from None

    def close(self) -> None:
        self.connection.close()
