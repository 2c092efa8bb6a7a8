"""The emulated metastore: catalogs, schemas, tables, columns, tags and grants held in DuckDB, so
information_schema queries run as real SQL over real rows; shares and recipients in memory."""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from databricks.sdk.service.catalog import Privilege
from sqlglot import exp

from tests.emulators.unity_catalog.statements import SqlError, Stmt, parse

VALID_PRIVILEGES = frozenset(p.value for p in Privilege)
# Privileges each securable type accepts (a subset of Unity Catalog's matrix: what a data product uses).
_TABLE = {"SELECT", "MODIFY", "APPLY_TAG", "ALL_PRIVILEGES", "MANAGE", "BROWSE"}
_SCHEMA = _TABLE | {
    "USE_SCHEMA", "CREATE_TABLE", "CREATE_FUNCTION", "CREATE_VOLUME", "CREATE_MODEL", "EXECUTE",
    "READ_VOLUME", "WRITE_VOLUME", "CREATE_MATERIALIZED_VIEW", "REFRESH", "EXTERNAL_USE_SCHEMA",
}  # fmt: skip
APPLICABLE = {"table": _TABLE, "schema": _SCHEMA, "catalog": _SCHEMA | {"USE_CATALOG", "CREATE_SCHEMA"}}
_INHERITABLE_TO_TABLE = ("SELECT", "MODIFY", "APPLY_TAG", "ALL_PRIVILEGES")
_CATALOG_COLUMN = {
    "tables": "table_catalog", "columns": "table_catalog", "table_privileges": "table_catalog",
    "table_tags": "catalog_name", "column_tags": "catalog_name", "schema_privileges": "catalog_name",
    "catalog_privileges": "catalog_name", "schemata": "catalog_name", "catalogs": "catalog_name",
}  # fmt: skip
MAX_TAGS = 50
_TAG_KEY_FORBIDDEN = set(".,-=/:")

# information_schema views over the base tables, which are rebuilt from memory before a query runs.
_VIEWS = """
CREATE OR REPLACE VIEW is_catalogs AS SELECT catalog_name, catalog_owner, comment FROM catalogs;
CREATE OR REPLACE VIEW is_schemata AS SELECT catalog_name, schema_name, schema_owner, comment FROM schemata;
CREATE OR REPLACE VIEW is_tables AS SELECT table_catalog, table_schema, table_name, table_type, table_owner,
  comment FROM t_tables;
CREATE OR REPLACE VIEW is_columns AS SELECT table_catalog, table_schema, table_name, column_name,
  ordinal_position, data_type, data_type AS full_data_type, 'YES' AS is_nullable, comment FROM t_columns;
CREATE OR REPLACE VIEW is_table_tags AS SELECT * FROM t_table_tags;
CREATE OR REPLACE VIEW is_column_tags AS SELECT * FROM t_column_tags;
CREATE OR REPLACE VIEW is_catalog_privileges AS SELECT grantor, principal AS grantee, catalog_name,
  replace(privilege, '_', ' ') AS privilege_type, 'NO' AS is_grantable, 'NONE' AS inherited_from
  FROM t_grants WHERE securable_type = 'catalog';
CREATE OR REPLACE VIEW is_schema_privileges AS
  SELECT grantor, principal AS grantee, catalog_name, schema_name,
    replace(privilege, '_', ' ') AS privilege_type,
    'NO' AS is_grantable, 'NONE' AS inherited_from FROM t_grants WHERE securable_type = 'schema'
  UNION ALL SELECT g.grantor, g.principal, s.catalog_name, s.schema_name,
    replace(g.privilege, '_', ' '), 'NO',
    'CATALOG' FROM t_grants g JOIN schemata s ON g.catalog_name = s.catalog_name
    WHERE g.securable_type = 'catalog' AND g.privilege <> 'USE_CATALOG' AND g.privilege <> 'CREATE_SCHEMA';
CREATE OR REPLACE VIEW is_table_privileges AS
  SELECT grantor, principal AS grantee, catalog_name AS table_catalog, schema_name AS table_schema,
    table_name,
    replace(privilege, '_', ' ') AS privilege_type, 'NO' AS is_grantable, 'NONE' AS inherited_from
    FROM t_grants WHERE securable_type = 'table'
  UNION ALL SELECT g.grantor, g.principal, t.table_catalog, t.table_schema, t.table_name,
    replace(g.privilege, '_', ' '), 'NO', upper(g.securable_type)
    FROM t_grants g JOIN t_tables t ON g.catalog_name = t.table_catalog
      AND (g.securable_type = 'catalog' OR (g.securable_type = 'schema' AND g.schema_name = t.table_schema))
    WHERE g.securable_type IN ('catalog', 'schema') AND g.privilege IN {inheritable};
""".replace("{inheritable}", str(_INHERITABLE_TO_TABLE))

_BASE_COLUMNS = {
    "catalogs": ("catalog_name", "catalog_owner", "comment"),
    "schemata": ("catalog_name", "schema_name", "schema_owner", "comment"),
    "t_tables": ("table_catalog", "table_schema", "table_name", "table_type", "table_owner", "comment"),
    "t_columns": ("table_catalog", "table_schema", "table_name", "column_name", "ordinal_position",
                  "data_type", "comment"),
    "t_table_tags": ("catalog_name", "schema_name", "table_name", "tag_name", "tag_value"),
    "t_column_tags": ("catalog_name", "schema_name", "table_name", "column_name", "tag_name", "tag_value"),
    "t_grants": ("securable_type", "full_name", "catalog_name", "schema_name", "table_name", "principal",
                 "privilege", "grantor"),
}  # fmt: skip


class ApiError(Exception):
    """A REST error: HTTP status, Databricks error_code, message."""

    def __init__(self, status: int, error_code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error_code, self.message = status, error_code, message


def _not_found(parts: Iterable[str]) -> SqlError:
    name = ".".join(f"`{p}`" for p in parts)
    return SqlError(
        "TABLE_OR_VIEW_NOT_FOUND",
        f"The table or view {name} cannot be found. "
        "Verify the spelling and correctness of the schema and catalog.",
        "42P01",
    )


@dataclass
class Share:
    name: str
    owner: str
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    permissions: dict[str, set[str]] = field(default_factory=dict)


@dataclass
class TableEntry:
    owner: str
    comment: str | None = None
    columns: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> {type, comment, position}
    tags: dict[str, str] = field(default_factory=dict)
    column_tags: dict[str, dict[str, str]] = field(default_factory=dict)


class Metastore:
    """State lives in memory (fast writes); a query first mirrors it into DuckDB when it changed."""

    def __init__(self, principals: Iterable[str] | None = None, caller: str = "sync-bot@example.com") -> None:
        self.db = duckdb.connect(":memory:")
        self.lock = threading.RLock()
        self.caller = caller
        self.principals = set(principals) if principals is not None else None  # None: any principal exists
        self.catalogs: dict[str, str] = {}  # name -> owner
        self.schemas: dict[tuple[str, str], str] = {}
        self.tables: dict[tuple[str, str, str], TableEntry] = {}
        self.grants: dict[
            tuple[str, str], dict[str, set[str]]
        ] = {}  # (securable, full name) -> principal -> privs
        self.shares: dict[str, Share] = {}
        self.recipients: set[str] = set()
        self.executed: list[str] = []  # every leaf statement run, in order (scripts expanded)
        self.supports_scripting = True
        self.supports_multi_column_alter = True
        self._dirty = True

    # -- seeding -----------------------------------------------------------------------------------
    def create_table(
        self, full_name: str, columns: Iterable[tuple[str, str]], owner: str = "dbt-deployer"
    ) -> None:
        catalog, schema, table = full_name.lower().split(".")
        with self.lock:
            self.catalogs.setdefault(catalog, owner)
            self.schemas.setdefault((catalog, schema), owner)
            self.tables[(catalog, schema, table)] = TableEntry(
                owner,
                columns={n: {"type": t, "comment": None, "position": i} for i, (n, t) in enumerate(columns)},
            )
            self._dirty = True

    def drop_table(self, full_name: str) -> None:
        with self.lock:
            self.tables.pop(tuple(full_name.lower().split(".")), None)  # type: ignore[arg-type]
            self._dirty = True

    # -- lookups -----------------------------------------------------------------------------------
    def _table(self, parts: tuple[str, ...]) -> tuple[str, str, str]:
        key = tuple(p.lower() for p in parts)
        if len(key) != 3 or key not in self.tables:
            raise _not_found(parts)
        return key  # type: ignore[return-value]

    def _column(self, table: tuple[str, str, str], column: str) -> str:
        for name in self.tables[table].columns:
            if name.lower() == column.lower():
                return name
        raise SqlError(
            "UNRESOLVED_COLUMN.WITH_SUGGESTION",
            f"A column, variable, or function parameter with name `{column}` cannot be resolved.",
            "42703",
        )

    def table_info(self, full_name: str) -> dict[str, Any]:
        with self.lock:
            try:
                key = self._table(tuple(full_name.split(".")))
            except SqlError:
                raise ApiError(404, "TABLE_DOES_NOT_EXIST", f"Table '{full_name}' does not exist.") from None
            entry = self.tables[key]
            return {
                "name": key[2], "catalog_name": key[0], "schema_name": key[1], "full_name": ".".join(key),
                "owner": entry.owner, "comment": entry.comment, "table_type": "MANAGED",
                "columns": [{"name": n, "type_name": c["type"].upper(), "comment": c["comment"],
                             "position": c["position"]} for n, c in entry.columns.items()],
            }  # fmt: skip

    # -- statements --------------------------------------------------------------------------------
    def execute(self, text: str) -> tuple[list[str], list[list[Any]]]:
        statements = parse(text)
        if len(statements) > 1 and not self.supports_scripting:
            raise SqlError("PARSE_SYNTAX_ERROR", "Syntax error at or near 'BEGIN'.", "42601")
        columns: list[str] = []
        rows: list[list[Any]] = []
        with self.lock:
            for statement in statements:  # NOT ATOMIC, like a SQL script: earlier statements stay applied
                columns, rows = self._run(statement)
        return columns, rows

    def _run(self, s: Stmt) -> tuple[list[str], list[list[Any]]]:
        if s.kind == "select":
            return self._select(s.text)
        self.executed.append(s.text if s.text != "script" else f"(in script) {s.kind} {'.'.join(s.table)}")
        if s.kind == "describe":
            entry = self.tables[self._table(s.table)]
            return ["col_name", "data_type", "comment"], [
                [n, c["type"], c["comment"]] for n, c in entry.columns.items()
            ]
        if s.kind == "show_grants":
            held = self.grants.get(("table", ".".join(self._table(s.table))), {})
            rows = [
                [p, v.replace("_", " "), "TABLE", ".".join(s.table)]
                for p, privs in sorted(held.items())
                for v in sorted(privs)
            ]
            return ["Principal", "ActionType", "ObjectType", "ObjectKey"], rows
        if s.kind in ("grant", "revoke"):
            full = (
                ".".join(self._table(s.table))
                if s.securable == "table"
                else ".".join(p.lower() for p in s.table)
            )
            try:
                change = {"principal": s.principal, "add" if s.kind == "grant" else "remove": s.privileges}
                self._update_grants(s.securable, full, [change])
            except ApiError as error:
                raise SqlError(error.error_code, error.message, "42000") from None
            return [], []
        key = self._table(s.table)
        entry = self.tables[key]
        self._dirty = True
        if s.kind == "comment_table":
            entry.comment = s.comments[""]
        elif s.kind == "column_comments":
            if len(s.comments) > 1 and not self.supports_multi_column_alter:
                raise SqlError("PARSE_SYNTAX_ERROR", "Syntax error at or near ','.", "42601")
            resolved = {
                self._column(key, c): v for c, v in s.comments.items()
            }  # all resolve, or nothing changes
            for column, value in resolved.items():
                entry.columns[column]["comment"] = value
        elif s.kind == "set_tags":
            target = (
                entry.tags
                if s.column is None
                else entry.column_tags.setdefault(self._column(key, s.column), {})
            )
            self._set_tags(target, s.tags)
        elif s.kind == "unset_tags":
            target = (
                entry.tags if s.column is None else entry.column_tags.get(self._column(key, s.column), {})
            )
            for k in s.keys:
                target.pop(k, None)
        return [], []

    @staticmethod
    def _set_tags(target: dict[str, str], tags: dict[str, str]) -> None:
        for key, value in tags.items():
            if not key or len(key) > 255 or key != key.strip() or _TAG_KEY_FORBIDDEN & set(key):
                raise SqlError(
                    "INVALID_PARAMETER_VALUE.INVALID_TAG_KEY", f"Invalid tag key '{key}'.", "22023"
                )
            if len(value) > 1000:
                raise SqlError(
                    "INVALID_PARAMETER_VALUE.INVALID_TAG_VALUE", f"Tag value of '{key}' too long.", "22023"
                )
        if len(set(target) | set(tags)) > MAX_TAGS:
            raise SqlError("TAG_LIMIT_EXCEEDED", f"An object can carry at most {MAX_TAGS} tags.", "54000")
        target.update(tags)

    def _mirror(self) -> None:
        """Copy the in-memory state into DuckDB tables (through Arrow) for information_schema queries."""
        if not self._dirty:
            return
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _BASE_COLUMNS}
        rows["catalogs"] = [(c, o, None) for c, o in self.catalogs.items()]
        rows["schemata"] = [(c, s, o, None) for (c, s), o in self.schemas.items()]
        for (c, s, t), e in self.tables.items():
            rows["t_tables"].append((c, s, t, "MANAGED", e.owner, e.comment))
            rows["t_columns"].extend(
                (c, s, t, n, v["position"], v["type"], v["comment"]) for n, v in e.columns.items()
            )
            rows["t_table_tags"].extend((c, s, t, k, v) for k, v in e.tags.items())
            rows["t_column_tags"].extend(
                (c, s, t, col, k, v) for col, tags in e.column_tags.items() for k, v in tags.items()
            )
        for (securable, full), held in self.grants.items():
            parts = [*full.split("."), None, None][:3]
            rows["t_grants"].extend(
                (securable, full, *parts, p, v, self.caller) for p, privs in held.items() for v in privs
            )
        for name, columns in _BASE_COLUMNS.items():
            data = {col: [r[i] for r in rows[name]] for i, col in enumerate(columns)}
            types = {col: pa.int64() if col == "ordinal_position" else pa.string() for col in columns}
            arrow = pa.table({col: pa.array(values, type=types[col]) for col, values in data.items()})
            self.db.register(f"{name}_arrow", arrow)
            self.db.execute(f"CREATE OR REPLACE TABLE {name} AS SELECT * FROM {name}_arrow")
            self.db.unregister(f"{name}_arrow")
        self.db.execute(_VIEWS)
        self._dirty = False

    def _select(self, text: str) -> tuple[list[str], list[list[Any]]]:
        try:
            tree = sqlglot.parse_one(text, read="databricks")
        except sqlglot.errors.ParseError as error:
            raise SqlError(
                "PARSE_SYNTAX_ERROR", f"Syntax error: {str(error).splitlines()[0]}.", "42601"
            ) from None
        for table in list(tree.find_all(exp.Table)):
            view, schema, catalog = table.name.lower(), table.db.lower(), table.catalog.lower()
            if schema != "information_schema" or view not in _CATALOG_COLUMN:
                raise _not_found([p for p in (catalog, schema, view) if p])
            if catalog != "system" and catalog not in self.catalogs:
                raise SqlError("NO_SUCH_CATALOG_EXCEPTION", f"Catalog '{catalog}' was not found.", "42704")
            condition = "" if catalog == "system" else f" WHERE {_CATALOG_COLUMN[view]} = '{catalog}'"
            replacement = sqlglot.parse_one(f"SELECT * FROM is_{view}{condition}", read="duckdb")
            table.replace(replacement.subquery(table.alias_or_name))
        self._mirror()
        cursor = self.db.execute(tree.sql(dialect="duckdb"))
        columns = [d[0] for d in cursor.description or []]
        return columns, [list(r) for r in cursor.fetchall()]

    # -- grants (REST and SQL) ---------------------------------------------------------------------
    def _securable_exists(self, securable: str, full_name: str) -> None:
        parts = tuple(full_name.lower().split("."))
        found = {
            "catalog": (len(parts) == 1 and parts[0] in self.catalogs, "CATALOG_DOES_NOT_EXIST", "Catalog"),
            "schema": (len(parts) == 2 and parts in self.schemas, "SCHEMA_DOES_NOT_EXIST", "Schema"),
            "table": (len(parts) == 3 and parts in self.tables, "TABLE_DOES_NOT_EXIST", "Table"),
        }
        if securable not in found:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Unsupported securable type '{securable}'.")
        exists, code, label = found[securable]
        if not exists:
            raise ApiError(404, code, f"{label} '{full_name}' does not exist.")

    def get_grants(self, securable: str, full_name: str) -> list[dict[str, Any]]:
        with self.lock:
            self._securable_exists(securable, full_name)
            held = self.grants.get((securable, full_name.lower()), {})
            return [{"principal": p, "privileges": sorted(v)} for p, v in sorted(held.items()) if v]

    def update_grants(
        self, securable: str, full_name: str, changes: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        with self.lock:
            self._update_grants(securable, full_name, changes)
        return self.get_grants(securable, full_name)

    def _update_grants(self, securable: str, full_name: str, changes: list[dict[str, Any]]) -> None:
        self._securable_exists(securable, full_name)
        for change in changes:  # validate everything first: a rejected request changes nothing
            principal = change.get("principal")
            if not principal:
                raise ApiError(400, "INVALID_PARAMETER_VALUE", "Principal must be set.")
            if self.principals is not None and principal not in self.principals:
                raise ApiError(
                    404, "PRINCIPAL_DOES_NOT_EXIST", f"Could not find principal with name {principal}"
                )
            for privilege in [*change.get("add", []), *change.get("remove", [])]:
                if privilege not in VALID_PRIVILEGES:
                    raise ApiError(
                        400, "INVALID_PARAMETER_VALUE", f"Privilege {privilege} is not a valid privilege."
                    )
                if privilege not in APPLICABLE[securable]:
                    raise ApiError(
                        400,
                        "INVALID_PARAMETER_VALUE",
                        f"Privilege {privilege} is not applicable to this entity.",
                    )
        held = self.grants.setdefault((securable, full_name.lower()), {})
        for change in changes:
            privileges = held.setdefault(change["principal"], set())
            privileges.difference_update(change.get("remove", []))
            privileges.update(change.get("add", []))
        self._dirty = True

    def set_owner(self, full_name: str, owner: str) -> dict[str, Any]:
        with self.lock:
            key = tuple(self.table_info(full_name)["full_name"].split("."))
            if self.principals is not None and owner not in self.principals:
                raise ApiError(404, "PRINCIPAL_DOES_NOT_EXIST", f"Could not find principal with name {owner}")
            self.tables[key].owner = owner  # type: ignore[index]
            self._dirty = True
        return self.table_info(full_name)

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- convenience for tests ---------------------------------------------------------------------
    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run SQL over the mirrored base tables (t_tables, t_columns, t_table_tags, t_grants, ...)."""
        with self.lock:
            self._mirror()
            return self.db.execute(sql, params or []).fetchall()
