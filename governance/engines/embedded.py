"""The embedded engine: one DuckDB session that sees the whole mesh under its catalog.schema.table names.

Every Databricks-platform domain's (and the hub's) DuckDB file is attached read-only under its name;
every external domain is attached as views over its published Iceberg tables, so
`shipping.gold.fct_shipments` reads what Trino reads. Nothing is written anywhere.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from governance.engines.base import EngineError, QueryResult
from governance.engines.iceberg_views import attach_external_domain, iceberg_extension_available
from governance.engines.quoting import quote_ident, quote_literal
from governance.errors import MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings
from governance.project import Platform, Projects


class EmbeddedEngine:
    name = "duckdb"

    def __init__(self, projects: Projects, settings: CatalogSettings) -> None:
        self.connection = duckdb.connect(":memory:")
        self.attached: dict[str, Path | str] = {}
        self.notes: list[str] = []
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

    def _attach_external(self, domains: list[str], settings: CatalogSettings) -> None:
        try:
            catalog = open_catalog(settings, create=False)
        except MeshError as error:
            self.notes.append(f"external domains {', '.join(domains)} not readable: {error}")
            return
        use_extension = iceberg_extension_available(self.connection)
        for domain in domains:
            relations = attach_external_domain(self.connection, catalog, domain, use_extension)
            self.attached[domain] = f"iceberg catalog {settings.name} ({len(relations)} product(s))"
            if not relations:
                self.notes.append(f"external domain {domain} has no published products: run `mesh publish`")

    def execute(self, sql: str) -> QueryResult:
        try:
            cursor = self.connection.execute(sql)
            columns = [d[0] for d in cursor.description or []]
            return QueryResult(columns, cursor.fetchall())
        except duckdb.Error as error:
            raise EngineError(self.name, str(error).strip()) from None

    def close(self) -> None:
        self.connection.close()
