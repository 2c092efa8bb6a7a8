"""The embedded engine: one DuckDB session that sees the whole mesh under its catalog.schema.table names.

Every Databricks-platform domain's (and the hub's) DuckDB file is attached read-only: the file its dbt
profile's default target writes (governance/locations.py, env vars read as dbt reads them), under the
catalog name dbt-duckdb gives it (the file name: `target/platform.duckdb` is `platform`), else, with no
DuckDB target, `<data>/warehouse/<domain>.duckdb` under the domain's name. Every external domain is attached
as views over its published Iceberg tables, so `shipping.gold.fct_shipments` reads what Trino reads.

Nothing is written and no other file is read: once the mesh is attached, external access is switched
off (only the published tables' folders stay readable, through `allowed_directories`), spilling to
disk is off and the configuration is locked, so no statement can re-enable any of it. Each call runs
exactly one statement, and only a query (governance/engines/read_only.py): DETACH, ATTACH, COPY,
SET, CREATE and the rest are refused before DuckDB runs anything.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb

from governance.engines.base import EngineError, QueryResult
from governance.engines.iceberg_views import attach_external_domain, iceberg_extension_available
from governance.engines.quoting import literal_list, quote_ident, quote_literal
from governance.engines.read_only import NotAQueryError
from governance.errors import MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings, domain_catalog
from governance.locations import duckdb_catalog, query_database
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


# DuckDB's own catalog names: a domain of that name cannot be attached under it.
RESERVED = frozenset({"memory", "system", "temp", "main"})
LOCK_WAIT_SECONDS = 2.0
FETCH_ROWS = 10_000  # rows fetched per batch: a result streams, it is never held whole
_HOLDER = re.compile(r"\(PID (?P<pid>[0-9]+)\)")
# Table functions that read files by name. Refused in the caller's SQL (the views over published tables
# use them inside the engine): with external access off DuckDB still lets them read the attached
# database files themselves (and their WAL), byte for byte.
_FILE_READERS = re.compile(r"(read_|parquet_|iceberg_|delta_|sniff_|glob$|query_table$|query$).*")


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
        catalogs: dict[str, str] = {}  # catalog attached -> the project whose file it is
        for name in projects.order:
            if name in external:
                continue
            catalog, path = self._database_of(projects, name, settings)
            if not path.is_file():
                continue
            if catalog.lower() in catalogs:
                if self.attached.get(catalogs[catalog.lower()]) != path:  # one file shared: attached once
                    self.notes.append(
                        f"domain {name} not attached: its DuckDB file {path} would be catalog {catalog!r}, "
                        f"the name of {catalogs[catalog.lower()]}'s file already; give one of the files "
                        "another name in its profile"
                    )
                continue
            catalogs[catalog.lower()] = name
            self._attach_duckdb(name, path, catalog)
        if external:
            self._attach_external(external, settings)
        self._lock_down()

    @staticmethod
    def _database_of(projects: Projects, name: str, settings: CatalogSettings) -> tuple[str, Path]:
        """The catalog and file of a domain: its profile's DuckDB file when there is one, else this
        platform's layout (`<data>/warehouse/<domain>.duckdb`, publish.yml `source.warehouse_dir`)."""
        project = projects.projects.get(name)
        path = query_database(project, projects.root, os.environ) if project is not None else None
        if path is not None and path.is_file():
            return duckdb_catalog(path), path
        return name, settings.duckdb_path(name)

    def _attach_duckdb(self, name: str, path: Path, catalog: str | None = None) -> None:
        """Attach one domain's database under `catalog` (default: its name); one that cannot be (damaged,
        a reserved name, held by a build for longer than LOCK_WAIT_SECONDS) is a note, and queries not
        touching it still run."""
        catalog = catalog or name
        if catalog.lower() in RESERVED:
            self.notes.append(
                f"domain {name} not attached: {catalog!r} is a name DuckDB reserves for itself; rename the "
                + ("domain" if catalog == name else "DuckDB file in its profile")
                + " to query it here"
            )
            return
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                self.connection.execute(
                    f"ATTACH {quote_literal(str(path))} AS {quote_ident(catalog)} (READ_ONLY)"
                )
                self.attached[name] = path
                return
            except duckdb.Error as error:
                message = _first_line(error)
                holder = _HOLDER.search(str(error))
                if "lock" in message.lower() and time.monotonic() < deadline:
                    time.sleep(0.1)
                    continue
                if "lock" in message.lower():
                    who = f"process {holder['pid']}" if holder else "another process"
                    self.notes.append(
                        f"domain {name} not attached: {path} is being written by {who} (a running mesh "
                        "build?); query it again when that finishes"
                    )
                else:
                    self.notes.append(f"domain {name} not attached: {path}: {message}; rebuild the domain")
                return

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
        self._refuse_file_reads(sql)

    def _refuse_file_reads(self, sql: str) -> None:
        """No file read by name: a table function that reads files, or a quoted path in FROM (DuckDB
        would scan it). Checked on DuckDB's own parse tree, so quoting and qualifying do not hide one."""
        try:
            row = self.connection.execute("SELECT json_serialize_sql(?)", [sql]).fetchone()
            tree = json.loads(row[0]) if row else {}
        except (duckdb.Error, ValueError):
            return  # not serialisable: DuckDB's own error (or the sandbox) answers when it runs
        for node in _nodes(tree):
            kind = node.get("type")
            if kind == "TABLE_FUNCTION":
                function = node.get("function") or {}
                called = str(function.get("function_name", "")).lower()
                if _FILE_READERS.fullmatch(called):
                    raise NotAQueryError(self.name, f"{called}(): reading files by name")
            elif kind == "BASE_TABLE" and re.search(r"[/\\.]", str(node.get("table_name", ""))):
                raise NotAQueryError(self.name, f"a file path as a table ({node.get('table_name')!r})")

    def execute(self, sql: str) -> QueryResult:
        streamed = self.stream(sql)
        return QueryResult(streamed.columns, list(streamed.rows))

    def stream(self, sql: str) -> QueryResult:
        """As `execute`, with the rows fetched as they are read (`mesh query`): read them before `close`."""
        self._require_one_query(sql)
        try:
            cursor = self.connection.execute(sql)
            columns = [d[0] for d in cursor.description or []]
        except duckdb.Error as error:
            raise EngineError(self.name, _first_line(error)) from None
        return QueryResult(columns, _stream(self.name, cursor))

    def close(self) -> None:
        self.connection.close()


def _stream(engine: str, cursor: duckdb.DuckDBPyConnection) -> Iterator[tuple[Any, ...]]:
    """The result's rows, FETCH_ROWS at a time: ten million rows never sit in memory at once."""
    while True:
        try:
            batch = cursor.fetchmany(FETCH_ROWS)
        except duckdb.Error as error:
            raise EngineError(engine, _first_line(error)) from None
        if not batch:
            return
        yield from batch


def _nodes(value: Any) -> Iterator[dict[str, Any]]:
    stack = [value]
    while stack:
        current = stack.pop()
        if isinstance(current, dict):
            yield current
            stack.extend(current.values())
        elif isinstance(current, list):
            stack.extend(current)
