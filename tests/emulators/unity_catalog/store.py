"""The emulated metastore: catalogs, schemas, tables, columns, tags and grants held in DuckDB, so
information_schema queries run as real SQL over real rows; shares and recipients in memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa
import sqlglot
from databricks.sdk.service.catalog import Privilege
from sqlglot import exp

from tests.emulators.unity_catalog.access import INHERITED_TO_TABLE, AccessDeniedError, Identity, effective
from tests.emulators.unity_catalog.statements import SqlError, Stmt, parse, syntax_error

VALID_PRIVILEGES = frozenset(p.value for p in Privilege)
# Privileges each securable type accepts (a subset of Unity Catalog's matrix: what a data product uses).
_TABLE = {"SELECT", "MODIFY", "APPLY_TAG", "ALL_PRIVILEGES", "MANAGE", "BROWSE"}
_SCHEMA = _TABLE | {
    "USE_SCHEMA", "CREATE_TABLE", "CREATE_FUNCTION", "CREATE_VOLUME", "CREATE_MODEL", "EXECUTE",
    "READ_VOLUME", "WRITE_VOLUME", "CREATE_MATERIALIZED_VIEW", "REFRESH", "EXTERNAL_USE_SCHEMA",
}  # fmt: skip
# Functions take EXECUTE, MANAGE and ALL PRIVILEGES (same privileges page, "EXECUTE").
APPLICABLE = {
    "table": _TABLE,
    "schema": _SCHEMA,
    "catalog": _SCHEMA | {"USE_CATALOG", "CREATE_SCHEMA"},
    "function": {"EXECUTE", "MANAGE", "ALL_PRIVILEGES"},
}
_INHERITABLE_TO_TABLE = ("SELECT", "MODIFY", "APPLY_TAG", "ALL_PRIVILEGES", "MANAGE", "BROWSE")
_CATALOG_COLUMN = {
    "tables": "table_catalog", "columns": "table_catalog", "table_privileges": "table_catalog",
    "table_tags": "catalog_name", "column_tags": "catalog_name", "schema_privileges": "catalog_name",
    "catalog_privileges": "catalog_name", "schemata": "catalog_name", "catalogs": "catalog_name",
    "column_masks": "table_catalog", "routines": "routine_catalog", "routine_privileges": "routine_catalog",
    "metastore_privileges": "", "recipients": "", "metastores": "",  # system.information_schema only
}  # fmt: skip
# Metastore admins are the metastore's owners (manage-privileges/ownership, "Metastore and catalog
# ownership"); here a group every admin identity belongs to, as information_schema.metastores shows it
# (https://docs.databricks.com/aws/en/sql/language-manual/information-schema/metastores).
METASTORE_OWNER = "metastore-admins"
# Tag rules: https://docs.databricks.com/aws/en/database-objects/tags (constraints: at most 50 tags per
# object, keys up to 255 characters without . , - = / : or surrounding spaces, values up to 1000).
MAX_TAGS = 50
_TAG_KEY_FORBIDDEN = set(".,-=/:")
# Governed tags: a tag policy makes a key governed; only principals with ASSIGN (or MANAGE) on it may
# assign it, only its allowed values are accepted (a policy without values: any value), and governed keys
# and values are at most 256 characters. https://docs.databricks.com/api/workspace/tagpolicies/createtagpolicy,
# https://docs.databricks.com/aws/admin/tag-policies/manage-permissions,
# https://learn.microsoft.com/en-ie/Azure/databricks/admin/governed-tags/manage-governed-tags
GOVERNED_MAX = 256

# information_schema views over the base tables, which are rebuilt from memory before a query runs.
_VIEWS = """
CREATE OR REPLACE VIEW is_catalogs AS SELECT catalog_name, catalog_owner, comment FROM catalogs;
CREATE OR REPLACE VIEW is_schemata AS SELECT catalog_name, schema_name, schema_owner, comment FROM schemata;
CREATE OR REPLACE VIEW is_tables AS SELECT table_catalog, table_schema, table_name, table_type, table_owner,
  comment, CAST(last_altered AS TIMESTAMP) AS last_altered FROM t_tables;
CREATE OR REPLACE VIEW is_columns AS SELECT table_catalog, table_schema, table_name, column_name,
  ordinal_position, data_type, data_type AS full_data_type, 'YES' AS is_nullable, comment FROM t_columns;
CREATE OR REPLACE VIEW is_table_tags AS SELECT * FROM t_table_tags;
CREATE OR REPLACE VIEW is_column_masks AS SELECT * FROM t_column_masks;
CREATE OR REPLACE VIEW is_metastore_privileges AS SELECT grantor, principal AS grantee, 'metastore' AS
  metastore_id, replace(privilege, '_', ' ') AS privilege_type, 'NO' AS is_grantable, 'NONE' AS inherited_from
  FROM t_grants WHERE securable_type = 'metastore';
CREATE OR REPLACE VIEW is_recipients AS SELECT * FROM t_recipients;
CREATE OR REPLACE VIEW is_metastores AS SELECT * FROM t_metastores;
CREATE OR REPLACE VIEW is_routines AS SELECT routine_catalog, routine_schema, routine_name, routine_owner,
  'FUNCTION' AS routine_type, data_type, 'SQL' AS routine_body, routine_definition FROM t_routines;
CREATE OR REPLACE VIEW is_column_tags AS SELECT * FROM t_column_tags;
CREATE OR REPLACE VIEW is_routine_privileges AS SELECT grantor, principal AS grantee,
  catalog_name AS specific_catalog, schema_name AS specific_schema, table_name AS specific_name,
  catalog_name AS routine_catalog, schema_name AS routine_schema, table_name AS routine_name,
  replace(privilege, '_', ' ') AS privilege_type, 'NO' AS is_grantable, 'NONE' AS inherited_from
  FROM t_grants WHERE securable_type = 'function';
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

# information_schema as the caller sees it (see Metastore._visibility): {view} is the unfiltered view.
_VISIBLE = {
    "tables": "SELECT x.* FROM is_tables x JOIN v_tables v ON (v.c, v.s, v.t) = "
    "(x.table_catalog, x.table_schema, x.table_name)",
    "columns": "SELECT x.* FROM is_columns x JOIN v_tables v ON (v.c, v.s, v.t) = "
    "(x.table_catalog, x.table_schema, x.table_name)",
    "table_tags": "SELECT x.* FROM is_table_tags x JOIN v_tables v ON (v.c, v.s, v.t) = "
    "(x.catalog_name, x.schema_name, x.table_name)",
    "column_tags": "SELECT x.* FROM is_column_tags x JOIN v_tables v ON (v.c, v.s, v.t) = "
    "(x.catalog_name, x.schema_name, x.table_name)",
    "table_privileges": "SELECT x.* FROM is_table_privileges x JOIN v_tables v ON (v.c, v.s, v.t) = "
    "(x.table_catalog, x.table_schema, x.table_name) WHERE v.f OR x.grantee IN (SELECT n FROM v_names)",
    "schema_privileges": "SELECT x.* FROM is_schema_privileges x JOIN v_schemas v ON (v.c, v.s) = "
    "(x.catalog_name, x.schema_name) WHERE v.f OR x.grantee IN (SELECT n FROM v_names)",
    "catalog_privileges": "SELECT x.* FROM is_catalog_privileges x JOIN v_catalogs v "
    "ON v.c = x.catalog_name WHERE v.f OR x.grantee IN (SELECT n FROM v_names)",
    # https://docs.databricks.com/aws/en/sql/language-manual/information-schema/column_masks: the
    # masks of tables the caller may see; .../information-schema/routines: functions in schemas it sees.
    "column_masks": "SELECT x.* FROM is_column_masks x JOIN v_tables v ON (v.c, v.s, v.t) = "
    "(x.table_catalog, x.table_schema, x.table_name)",
    "routines": "SELECT x.* FROM is_routines x JOIN v_schemas v ON (v.c, v.s) = "
    "(x.routine_catalog, x.routine_schema)",
    # https://docs.databricks.com/aws/en/sql/language-manual/information-schema/routine_privileges:
    # every grant on a function to its owner and the owners of its schema and catalog, else the
    # caller's own (as table_privileges).
    "routine_privileges": "SELECT x.* FROM is_routine_privileges x JOIN v_schemas v ON (v.c, v.s) = "
    "(x.routine_catalog, x.routine_schema) JOIN is_routines r ON (r.routine_catalog, r.routine_schema, "
    "r.routine_name) = (x.routine_catalog, x.routine_schema, x.routine_name) "
    "WHERE v.f OR r.routine_owner IN (SELECT n FROM v_names) OR x.grantee IN (SELECT n FROM v_names)",
    # https://docs.databricks.com/aws/en/sql/language-manual/information-schema/metastore_privileges
    # (the caller's own rows, through its groups) and .../information-schema/recipients (those it owns,
    # or all of them with USE RECIPIENT).
    "metastore_privileges": "SELECT x.* FROM is_metastore_privileges x "
    "WHERE x.grantee IN (SELECT n FROM v_names)",
    "recipients": "SELECT x.* FROM is_recipients x JOIN v_recipients v ON v.r = x.recipient_name",
    "metastores": "SELECT x.* FROM is_metastores x",  # the current metastore, for every user
    "schemata": "SELECT x.* FROM is_schemata x JOIN v_schemas v "
    "ON (v.c, v.s) = (x.catalog_name, x.schema_name)",
    "catalogs": "SELECT x.* FROM is_catalogs x JOIN v_catalogs v ON v.c = x.catalog_name",
}
_VISIBILITY_COLUMNS = {
    "v_tables": ("c", "s", "t", "f"),  # catalog, schema, table, and f: every grant on it is visible
    "v_schemas": ("c", "s", "f"),
    "v_catalogs": ("c", "f"),
    "v_names": ("n",),  # the caller and its groups
    "v_recipients": ("r",),  # recipients the caller sees
}

_BASE_COLUMNS = {
    "catalogs": ("catalog_name", "catalog_owner", "comment"),
    "schemata": ("catalog_name", "schema_name", "schema_owner", "comment"),
    "t_tables": ("table_catalog", "table_schema", "table_name", "table_type", "table_owner", "comment",
                 "last_altered"),
    "t_columns": ("table_catalog", "table_schema", "table_name", "column_name", "ordinal_position",
                  "data_type", "comment"),
    "t_table_tags": ("catalog_name", "schema_name", "table_name", "tag_name", "tag_value"),
    "t_column_tags": ("catalog_name", "schema_name", "table_name", "column_name", "tag_name", "tag_value"),
    "t_grants": ("securable_type", "full_name", "catalog_name", "schema_name", "table_name", "principal",
                 "privilege", "grantor"),
    "t_column_masks": ("table_catalog", "table_schema", "table_name", "column_name", "mask_catalog",
                       "mask_schema", "mask_name", "using_columns"),
    "t_routines": ("routine_catalog", "routine_schema", "routine_name", "routine_owner", "data_type",
                   "routine_definition"),
    "t_recipients": ("recipient_name", "recipient_owner"),
    "t_metastores": ("metastore_id", "metastore_name", "metastore_owner"),
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
    masks: dict[str, str] = field(default_factory=dict)  # column -> mask function full name
    # information_schema.tables LAST_ALTERED, "Timestamp when the relation definition was last altered in
    # any way" (https://docs.databricks.com/aws/en/sql/language-manual/information-schema/tables): set by
    # CREATE [OR REPLACE] and by every statement that alters the table (comments, tags), in UTC.
    last_altered: datetime = field(default_factory=lambda: datetime.now(UTC))
    rows: list[dict[str, Any]] = field(default_factory=list)  # the data, for SELECT through the masks


@dataclass
class Function:
    """A SQL UDF: `RETURN body` over one parameter."""

    owner: str
    param: str
    param_type: str
    returns: str
    body: str


class Metastore:
    """State lives in memory (fast writes); a query first mirrors it into DuckDB when it changed."""

    def __init__(self, principals: Iterable[str] | None = None, caller: str = "sync-bot@example.com") -> None:
        self.db = duckdb.connect(":memory:")
        self.lock = threading.RLock()
        self.default_identity = Identity(caller)
        self._local = threading.local()
        self.principals = set(principals) if principals is not None else None  # None: any principal exists
        self.catalogs: dict[str, str] = {}  # name -> owner
        self.schemas: dict[tuple[str, str], str] = {}
        self.tables: dict[tuple[str, str, str], TableEntry] = {}
        # (securable, full name) -> principal -> privileges; the metastore itself is ("metastore", "")
        self.grants: dict[tuple[str, str], dict[str, set[str]]] = {}
        self.shares: dict[str, Share] = {}
        self.functions: dict[str, Function] = {}  # full name (lower case) -> function
        self.recipients: set[str] = set()
        self.tag_policies: dict[str, frozenset[str]] = {}  # governed key -> allowed values (empty: any)
        self.tag_assigners: dict[str, set[str]] = {}  # governed key -> principals with ASSIGN or MANAGE
        self.recipient_owners: dict[str, str] = {}  # recipient -> owner (absent: an account admin's)
        self.executed: list[str] = []  # every leaf statement run, in order (scripts expanded)
        self.supports_scripting = True
        self.supports_multi_column_alter = True
        self.statement_latency = 0.0  # seconds a warehouse spends on each leaf statement
        self.statement_count = 0  # leaf statements run (a script counts each of its statements)
        self._dirty = True

    # -- the caller --------------------------------------------------------------------------------
    @property
    def identity(self) -> Identity:
        return getattr(self._local, "identity", None) or self.default_identity

    def take_statement_count(self) -> int:
        """Leaf statements the current request ran (0 for REST calls), then reset."""
        count = int(getattr(self._local, "statements", 0))
        self._local.statements = 0
        return count

    @property
    def caller(self) -> str:
        return self.identity.name

    @contextmanager
    def acting_as(self, identity: Identity) -> Iterator[None]:
        """Run what follows as `identity` (the emulator resolves it from the request's token)."""
        previous = getattr(self._local, "identity", None)
        self._local.identity = identity
        try:
            yield
        finally:
            self._local.identity = previous

    def grant(self, securable: str, full_name: str, principal: str, *privileges: str) -> None:
        """Seed a grant without any check (an administrator did it out of band)."""
        with self.lock:
            self.grants.setdefault((securable, full_name.lower()), {}).setdefault(principal, set()).update(
                privileges
            )
            self._dirty = True

    # -- the privilege model -----------------------------------------------------------------------
    def _held(self, securable: str, full_name: str) -> dict[str, set[str]]:
        return self.grants.get((securable, full_name), {})

    def _table_privileges(self, ident: Identity, key: tuple[str, str, str]) -> set[str]:
        # https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/privileges
        # (inheritance model): grants on the parent schema and catalog apply to the table.
        c, s, _ = key
        direct = effective(self._held("table", ".".join(key)), ident.names)
        above = effective(self._held("schema", f"{c}.{s}"), ident.names) | effective(
            self._held("catalog", c), ident.names
        )
        return direct | (above & INHERITED_TO_TABLE)

    def _can_use(self, ident: Identity, catalog: str, schema: str) -> bool:
        # Same page: USE CATALOG and USE SCHEMA are needed to reach anything inside; owners hold them.
        on_catalog = effective(self._held("catalog", catalog), ident.names)
        on_schema = effective(self._held("schema", f"{catalog}.{schema}"), ident.names)
        use_catalog = "USE_CATALOG" in on_catalog or self.catalogs.get(catalog) in ident.names
        use_schema = (
            "USE_SCHEMA" in on_catalog | on_schema or self.schemas.get((catalog, schema)) in ident.names
        )
        return use_catalog and use_schema

    def _owner_chain(self, parts: tuple[str, ...]) -> set[str]:
        owners = {self.catalogs.get(parts[0], "")}
        if len(parts) >= 2:
            owners.add(self.schemas.get((parts[0], parts[1]), ""))
        if len(parts) == 3 and parts in self.tables:
            owners.add(self.tables[parts].owner)  # type: ignore[index]
        if len(parts) == 3 and ".".join(parts) in self.functions:
            owners.add(self.functions[".".join(parts)].owner)
        return owners - {""}

    def require_on_table(self, key: tuple[str, str, str], privilege: str) -> None:
        """The table's owner, or `privilege` on it plus USE CATALOG and USE SCHEMA."""
        # COMMENT ON: https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-comment
        # ALTER TABLE (MODIFY for ALTER COLUMN, APPLY TAG for SET/UNSET TAGS):
        # https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-alter-table
        ident = self.identity
        if ident is self.default_identity or self.tables[key].owner in ident.names:
            return  # (the default identity: a change made out of band, by whoever could) owner: https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/ownership
        if privilege in self._table_privileges(ident, key) and self._can_use(ident, key[0], key[1]):
            return
        label = privilege.replace("_", " ")
        raise AccessDeniedError(f"User {ident.name} does not have {label} on Table '{'.'.join(key)}'.")

    def require_manage(self, securable: str, full_name: str) -> None:
        """Who may grant and revoke: a metastore admin, the owner of the object or of its catalog or
        schema, or a holder of MANAGE on it (directly or inherited). Owner changes: require_owner_change."""
        # https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/ (who can
        # manage privileges)
        ident = self.identity
        parts = tuple(full_name.lower().split("."))
        if ident is self.default_identity or ident.admin or self._owner_chain(parts) & ident.names:
            return
        if securable == "table":
            held = self._table_privileges(ident, parts)  # type: ignore[arg-type]
        elif securable == "function":  # MANAGE on the function, its schema or its catalog
            held = effective(self._held("function", ".".join(parts)), ident.names)
            held |= effective(self._held("schema", ".".join(parts[:2])), ident.names)
            held |= effective(self._held("catalog", parts[0]), ident.names)
        else:
            held = effective(self._held("catalog", parts[0]), ident.names)
            if securable == "schema":
                held |= effective(self._held("schema", ".".join(parts)), ident.names)
        if "MANAGE" in held and (securable == "catalog" or self._can_use(ident, parts[0], parts[1])):
            return
        raise AccessDeniedError(
            f"User {ident.name} does not have MANAGE on {securable.title()} '{full_name}'."
        )

    def require_owner_change(self, key: tuple[str, str, str]) -> None:
        """Who may change a table's owner, as documented: the catalog's owner, the schema's owner with USE
        CATALOG, the table's owner with USE CATALOG and USE SCHEMA
        (https://docs.databricks.com/api/workspace/tables/update), or a metastore admin ("Transfer
        ownership": the current owner, a metastore admin or the owner of the container,
        https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/manage-privileges/ownership).
        MANAGE, enough for grants, is listed on neither page, so it does not let a principal hand a table
        over; ownership through a group counts."""
        ident = self.identity
        if ident is self.default_identity or ident.admin:
            return
        c, s, _ = key
        on_catalog = effective(self._held("catalog", c), ident.names)
        use_catalog = "USE_CATALOG" in on_catalog or self.catalogs.get(c) in ident.names
        if self.catalogs.get(c) in ident.names:
            return
        if self.schemas.get((c, s)) in ident.names and use_catalog:
            return
        if self.tables[key].owner in ident.names and self._can_use(ident, c, s):
            return
        raise AccessDeniedError(
            f"User {ident.name} may not change the owner of Table '{'.'.join(key)}': only its owner, "
            "the owner of its schema or catalog, or a metastore admin may."
        )

    def require_metastore(self, privilege: str) -> None:
        # CREATE SHARE is a metastore privilege: https://docs.databricks.com/aws/en/delta-sharing/create-share
        ident = self.identity
        if ident.admin or privilege in effective(self._held("metastore", ""), ident.names):
            return
        raise AccessDeniedError(
            f"User {ident.name} does not have {privilege.replace('_', ' ')} on Metastore."
        )

    def can_select(self, ident: Identity, full_name: str) -> bool:
        key = tuple(full_name.lower().split("."))
        if key not in self.tables:
            return False
        entry = self.tables[key]  # type: ignore[index]
        if entry.owner in ident.names:
            return True
        return "SELECT" in self._table_privileges(ident, key) and self._can_use(ident, key[0], key[1])  # type: ignore[arg-type]

    def _table_visible(self, ident: Identity, key: tuple[str, str, str]) -> tuple[bool, bool]:
        """(the caller sees the table, the caller sees every grant on it)"""
        full = ident.admin or bool(self._owner_chain(key) & ident.names)
        privileges = self._table_privileges(ident, key)
        reachable = "BROWSE" in privileges or self._can_use(ident, key[0], key[1])
        return full or bool(privileges and reachable), full

    def _visibility(self, ident: Identity) -> dict[str, list[tuple[Any, ...]]]:
        """What information_schema shows this caller, and where it shows every grant or only its own."""
        # Views list only objects the caller may interact with (e.g. information-schema/tables:
        # "rows returned are limited to the relations the user is privileged to interact with"); grants
        # of others show only to owners and admins - a MANAGE holder sees its own grants only:
        # https://docs.databricks.com/aws/en/sql/language-manual/information-schema/table_privileges
        tables, schemas, catalogs = [], [], []
        for key in self.tables:
            visible, full = self._table_visible(ident, key)
            if visible:
                tables.append((*key, full))
        for (c, s), owner in self.schemas.items():
            full = ident.admin or bool({owner, self.catalogs.get(c, "")} & ident.names)
            if full or self._can_use(ident, c, s):
                schemas.append((c, s, full))
        for c, owner in self.catalogs.items():
            full = ident.admin or owner in ident.names
            if full or "USE_CATALOG" in effective(self._held("catalog", c), ident.names):
                catalogs.append((c, full))
        use_recipient = ident.admin or "USE_RECIPIENT" in effective(self._held("metastore", ""), ident.names)
        return {
            "v_tables": tables,
            "v_schemas": schemas,
            "v_catalogs": catalogs,
            "v_names": [(n,) for n in sorted(ident.names)],
            "v_recipients": [
                (r,)
                for r in sorted(self.recipients)
                if use_recipient or self.recipient_owner(r) in ident.names
            ],
        }

    def recipient_owner(self, name: str) -> str:
        return self.recipient_owners.get(name, "account-admins")

    def require_recipient(self, name: str) -> None:
        """Granting a share to a recipient takes USE RECIPIENT on the metastore or the recipient's ownership
        (https://docs.databricks.com/data-sharing/grant-access.html)."""
        ident = self.identity
        if ident.admin or self.recipient_owner(name) in ident.names:
            return
        if "USE_RECIPIENT" in effective(self._held("metastore", ""), ident.names):
            return
        raise AccessDeniedError(f"User {ident.name} does not have USE RECIPIENT on Metastore.")

    # -- seeding -----------------------------------------------------------------------------------
    def create_table(
        self,
        full_name: str,
        columns: Iterable[tuple[str, str]],
        owner: str = "dbt-deployer",
        container_owner: str | None = None,
    ) -> None:
        """Out of band, as `owner`; a catalog or schema it needs is created as `container_owner`'s (by
        default `owner`'s)."""
        catalog, schema, table = full_name.lower().split(".")
        with self.lock:
            self.catalogs.setdefault(catalog, container_owner or owner)
            self.schemas.setdefault((catalog, schema), container_owner or owner)
            self.tables[(catalog, schema, table)] = TableEntry(
                owner,
                columns={n: {"type": t, "comment": None, "position": i} for i, (n, t) in enumerate(columns)},
            )
            self._dirty = True

    def drop_table(self, full_name: str) -> None:
        with self.lock:
            self.tables.pop(tuple(full_name.lower().split(".")), None)  # type: ignore[arg-type]
            self._dirty = True

    # -- catalogs (REST) ----------------------------------------------------------------------------
    def _catalog_owner(self, name: str) -> str:
        owner = self.catalogs.get(name.lower())
        if owner is None:
            raise ApiError(404, "CATALOG_DOES_NOT_EXIST", f"Catalog '{name}' does not exist.")
        return owner

    def catalog_info(self, name: str) -> dict[str, Any]:
        # https://docs.databricks.com/api/workspace/catalogs/get: a metastore admin, the owner, or a
        # holder of USE_CATALOG.
        ident = self.identity
        with self.lock:
            owner = self._catalog_owner(name)
            held = effective(self._held("catalog", name.lower()), ident.names)
            if not (ident.admin or owner in ident.names or "USE_CATALOG" in held):
                raise AccessDeniedError(f"User {ident.name} does not have USE CATALOG on Catalog '{name}'.")
            return {"name": name.lower(), "full_name": name.lower(), "owner": owner}

    def delete_catalog(self, name: str, force: bool) -> None:
        # https://docs.databricks.com/api/workspace/catalogs/delete: only a metastore admin or the owner
        # of the catalog (no privilege suffices); `force` is needed to delete a catalog that is not empty.
        ident = self.identity
        key = name.lower()
        with self.lock:
            owner = self._catalog_owner(name)
            if not (ident.admin or owner in ident.names):
                raise AccessDeniedError(f"User {ident.name} is not an owner of Catalog '{name}'.")
            schemas = [s for (c, s) in self.schemas if c == key]
            if schemas and not force:
                raise ApiError(
                    400,
                    "INVALID_STATE",
                    f"Catalog '{name}' is not empty. The catalog has {len(schemas)} schemas. "
                    "Use force to delete it with its contents.",
                )
            self.tables = {k: v for k, v in self.tables.items() if k[0] != key}
            self.schemas = {k: v for k, v in self.schemas.items() if k[0] != key}
            self.grants = {
                k: v for k, v in self.grants.items() if k[0] == "metastore" or k[1].split(".")[0] != key
            }
            del self.catalogs[key]
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

    def table_info(self, full_name: str, check: bool = True) -> dict[str, Any]:
        with self.lock:
            try:
                key = self._table(tuple(full_name.split(".")))
            except SqlError:
                raise ApiError(404, "TABLE_DOES_NOT_EXIST", f"Table '{full_name}' does not exist.") from None
            if check and not self._table_visible(self.identity, key)[0]:
                # tables.get needs ownership or a privilege on the table plus USE on its parents:
                # https://docs.databricks.com/api/workspace/tables/get
                raise AccessDeniedError(
                    f"User {self.caller} does not have permission to access Table '{full_name}'."
                )
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
            # A warehouse without SQL scripting (a runtime before DBR 16.3) names the feature:
            # https://docs.databricks.com/aws/en/error-messages/unsupported-feature-error-class
            raise SqlError(
                "UNSUPPORTED_FEATURE.SQL_SCRIPTING", "The feature is not supported: SQL Scripting.", "0A000"
            )
        columns: list[str] = []
        rows: list[list[Any]] = []
        self._local.statements = len(statements)  # for the emulator's cost model of this request
        for statement in statements:  # NOT ATOMIC, like a SQL script: earlier statements stay applied
            if self.statement_latency:
                # A script runs its statements one after another: it costs the sum of its statements.
                # https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-scripting
                time.sleep(self.statement_latency)
            with self.lock:
                self.statement_count += 1
                try:
                    columns, rows = self._run(statement)
                except AccessDeniedError as denied:
                    # INSUFFICIENT_PERMISSIONS: https://docs.databricks.com/aws/en/error-messages/error-classes
                    raise SqlError(
                        "INSUFFICIENT_PERMISSIONS", f"Insufficient privileges: {denied}", "42501"
                    ) from None
        return columns, rows

    def _run(self, s: Stmt) -> tuple[list[str], list[list[Any]]]:
        if s.kind == "select":
            return self._select(s.text)
        self.executed.append(s.text if s.text != "script" else f"(in script) {s.kind} {'.'.join(s.table)}")
        if s.kind == "describe":
            self._visible_or_fail(self._table(s.table))
            entry = self.tables[self._table(s.table)]
            return ["col_name", "data_type", "comment"], [
                [n, c["type"], c["comment"]] for n, c in entry.columns.items()
            ]
        if s.kind == "show_grants":
            self._visible_or_fail(self._table(s.table))
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
        if s.kind == "create_function":
            self._create_function(s)
            return [], []
        if s.kind in ("set_mask", "drop_mask"):
            self._mask(s)
            return [], []
        key = self._table(s.table)
        entry = self.tables[key]
        needed = "APPLY_TAG" if s.kind in ("set_tags", "unset_tags") else "MODIFY"
        self.require_on_table(key, needed)
        self._dirty = True
        entry.last_altered = datetime.now(UTC)
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
            self._governed(k for k in s.keys if k in target)
            for k in s.keys:
                target.pop(k, None)
        return [], []

    # -- functions and column masks -----------------------------------------------------------------
    def _create_function(self, s: Stmt) -> None:
        # https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-sql-function:
        # USE CATALOG, USE SCHEMA and CREATE FUNCTION on the schema (owners hold them); OR REPLACE of an
        # existing function takes its owner. The creator owns the new function.
        if len(s.function) != 3:
            raise syntax_error(".".join(s.function))
        catalog, schema, name = (p.lower() for p in s.function)
        full = f"{catalog}.{schema}.{name}"
        if (catalog, schema) not in self.schemas:
            raise SqlError("SCHEMA_NOT_FOUND", f"The schema `{catalog}`.`{schema}` cannot be found.", "42704")
        ident = self.identity
        existing = self.functions.get(full)
        if existing is not None and s.if_not_exists:
            return
        if existing is not None:
            if not s.replace:
                raise SqlError(
                    "ROUTINE_ALREADY_EXISTS",
                    f"Cannot create the routine `{full}` because it already exists.",
                    "42723",
                )
            if not (ident is self.default_identity or ident.admin or existing.owner in ident.names):
                raise AccessDeniedError(f"User {ident.name} is not an owner of Function '{full}'.")
        elif not (
            ident is self.default_identity
            or ident.admin
            or self._owner_chain((catalog, schema)) & ident.names
        ):
            held = effective(self._held("catalog", catalog), ident.names) | effective(
                self._held("schema", f"{catalog}.{schema}"), ident.names
            )
            if "CREATE_FUNCTION" not in held or not self._can_use(ident, catalog, schema):
                raise AccessDeniedError(
                    f"User {ident.name} does not have CREATE FUNCTION on Schema '{catalog}.{schema}'."
                )
        if s.param_type != s.returns:
            raise SqlError("DATATYPE_MISMATCH", "A column mask returns the type it takes.", "42K09")
        owner = existing.owner if existing else ident.name
        self.functions[full] = Function(owner, "v", s.param_type, s.returns, s.body)
        self._dirty = True

    def _can_execute(self, ident: Identity, full: str) -> bool:
        function = self.functions[full]
        catalog, schema, _ = full.split(".")
        if ident is self.default_identity or ident.admin or function.owner in ident.names:
            return True
        held = (
            effective(self._held("function", full), ident.names)
            | effective(self._held("schema", f"{catalog}.{schema}"), ident.names)
            | effective(self._held("catalog", catalog), ident.names)
        )
        return ("EXECUTE" in held or "ALL_PRIVILEGES" in held) and self._can_use(ident, catalog, schema)

    def _mask(self, s: Stmt) -> None:
        # https://docs.databricks.com/aws/en/data-governance/unity-catalog/filters-and-masks/manually-apply:
        # EXECUTE on the function, USE SCHEMA and USE CATALOG; on an existing table, its owner or MANAGE.
        key = self._table(s.table)
        column = self._column(key, s.column or "")
        self.require_manage("table", ".".join(key))
        entry = self.tables[key]
        if s.kind == "drop_mask":
            entry.masks.pop(column, None)
            self._dirty = True
            return
        full = ".".join(p.lower() for p in s.function)
        if full not in self.functions:
            raise SqlError(
                "ROUTINE_NOT_FOUND", f"The routine `{full}` cannot be found. Verify the spelling.", "42883"
            )
        if not self._can_execute(self.identity, full):
            raise AccessDeniedError(f"User {self.caller} does not have EXECUTE on Function '{full}'.")
        # The first parameter maps to the masked column; its type must accept the column's
        # (sql-ref-syntax-ddl-column-mask). The emulator asks for the same type name.
        declared = str(entry.columns[column]["type"]).upper()
        if self.functions[full].param_type.split("(")[0] != declared.split("(")[0]:
            raise SqlError(
                "MASK_TYPE_MISMATCH",
                f"The mask `{full}` takes {self.functions[full].param_type}; `{column}` is {declared}.",
                "42K09",
            )
        entry.masks[column] = full
        self._dirty = True

    def replace_table(
        self,
        full_name: str,
        columns: Iterable[tuple[str, str]],
        masks: dict[str, str] | None = None,
        rows: list[dict[str, Any]] | None = None,
    ) -> None:
        """What dbt-databricks runs for a table model: CREATE OR REPLACE TABLE, the columns and their
        `MASK` clauses as the statement declares them (a `column_mask` config renders `MASK f`).
        Modelled conservatively (docs/unity-catalog-conformance.md, "CREATE OR REPLACE"): the table keeps
        its identity, owner, grants, tags and share memberships; masks are those the statement declares,
        so a mask the statement does not repeat is gone."""
        key = tuple(full_name.lower().split("."))
        with self.lock:
            entry = self.tables[key]  # type: ignore[index]
            previous = entry.columns
            entry.columns = {
                n: {"type": t, "comment": previous.get(n, {}).get("comment"), "position": i}
                for i, (n, t) in enumerate(columns)
            }
            declared: dict[str, str] = {}
            for column, function in (masks or {}).items():
                if function.lower() not in self.functions:
                    raise SqlError("ROUTINE_NOT_FOUND", f"The routine `{function}` cannot be found.", "42883")
                # MASK f in a CREATE takes EXECUTE on f (and USE on its schema and catalog):
                # https://docs.databricks.com/aws/data-governance/unity-catalog/filters-and-masks/manually-apply
                if not self._can_execute(self.identity, function.lower()):
                    raise AccessDeniedError(
                        f"User {self.caller} does not have EXECUTE on Function '{function.lower()}'."
                    )
                declared[column] = function.lower()
            entry.masks = declared
            if rows is not None:
                entry.rows = rows
            entry.last_altered = datetime.now(UTC)
            self._dirty = True

    def _masked_rows(self, ident: Identity, key: tuple[str, str, str]) -> pa.Table:
        """The table's rows as `ident` reads them: each masked column through its function, evaluated
        for the caller (is_account_group_member answers for the session's principal)."""
        entry = self.tables[key]
        names = list(entry.columns)
        raw = pa.table({n: pa.array([r.get(n) for r in entry.rows], type=pa.string()) for n in names})
        self.db.register("raw_rows", raw)
        try:
            projection = []
            for name in names:
                column = exp.column(name, quoted=True)
                function = entry.masks.get(name)
                if function is None:
                    projection.append(column.as_(name, quoted=True).sql(dialect="duckdb"))
                    continue
                body = sqlglot.parse_one(self.functions[function].body, read="databricks")
                body = body.transform(
                    lambda node, c=column: (
                        c.copy() if isinstance(node, exp.Column) and node.name == "v" else node
                    )
                )
                self._bind_identity(body, ident)
                projection.append(
                    f"({body.sql(dialect='duckdb')}) AS {exp.to_identifier(name, quoted=True).sql('duckdb')}"
                )
            return self.db.sql(f"SELECT {', '.join(projection)} FROM raw_rows").to_arrow_table()
        finally:
            self.db.unregister("raw_rows")

    @staticmethod
    def _bind_identity(tree: exp.Expression, ident: Identity) -> None:
        # current_user() and group membership answer for the session's principal:
        # https://docs.databricks.com/aws/en/sql/language-manual/functions/is_account_group_member
        for node in list(tree.find_all(exp.CurrentUser)):
            node.replace(exp.Literal.string(ident.name))
        for node in list(tree.find_all(exp.Anonymous)):
            name = str(node.this).lower()
            if name == "current_user":
                node.replace(exp.Literal.string(ident.name))
            elif name in ("is_account_group_member", "is_member"):
                admins = {METASTORE_OWNER} if ident.admin else set()
                groups = [exp.Literal.string(g) for g in sorted(ident.groups | admins)]
                node.replace(exp.In(this=node.expressions[0], expressions=groups) if groups else exp.false())

    def _governed(self, keys: Iterable[str]) -> None:
        """ASSIGN on the tag policy of every governed key (out-of-band changes excepted)."""
        ident = self.identity
        for key in keys:
            governed = key in self.tag_policies and ident is not self.default_identity
            if governed and not self.tag_assigners.get(key, set()) & ident.names:
                raise AccessDeniedError(f"User {ident.name} does not have ASSIGN on governed tag '{key}'.")

    def _set_tags(self, target: dict[str, str], tags: dict[str, str]) -> None:
        self._governed(tags)
        for key, value in tags.items():
            allowed = self.tag_policies.get(key)
            if allowed is not None and (len(key) > GOVERNED_MAX or len(value) > GOVERNED_MAX):
                raise SqlError(
                    "INVALID_PARAMETER_VALUE",
                    f"Governed tag '{key}': keys and values are at most {GOVERNED_MAX} characters.",
                    "22023",
                )
            if allowed and value not in allowed:
                raise SqlError(
                    "INVALID_PARAMETER_VALUE",
                    f"'{value[:40]}' is not an allowed value of governed tag '{key}'.",
                    "22023",
                )
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

    def _visible_or_fail(self, key: tuple[str, str, str]) -> None:
        if not self._table_visible(self.identity, key)[0]:
            raise _not_found(key)  # a table the caller may not see reads as absent in SQL

    def _mirror(self) -> None:
        """Copy the in-memory state into DuckDB tables (through Arrow) for information_schema queries."""
        if not self._dirty:
            return
        rows: dict[str, list[tuple[Any, ...]]] = {name: [] for name in _BASE_COLUMNS}
        rows["catalogs"] = [(c, o, None) for c, o in self.catalogs.items()]
        rows["schemata"] = [(c, s, o, None) for (c, s), o in self.schemas.items()]
        for (c, s, t), e in self.tables.items():
            altered = e.last_altered.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")
            rows["t_tables"].append((c, s, t, "MANAGED", e.owner, e.comment, altered))
            rows["t_columns"].extend(
                (c, s, t, n, v["position"], v["type"], v["comment"]) for n, v in e.columns.items()
            )
            rows["t_table_tags"].extend((c, s, t, k, v) for k, v in e.tags.items())
            rows["t_column_tags"].extend(
                (c, s, t, col, k, v) for col, tags in e.column_tags.items() for k, v in tags.items()
            )
            rows["t_column_masks"].extend(
                (c, s, t, col, *function.split("."), None) for col, function in e.masks.items()
            )
        for full, function in self.functions.items():
            rows["t_routines"].append((*full.split("."), function.owner, function.returns, function.body))
        rows["t_recipients"] = [(r, self.recipient_owner(r)) for r in sorted(self.recipients)]
        rows["t_metastores"] = [("emulated-metastore", "emulated", METASTORE_OWNER)]
        for (securable, full), held in self.grants.items():
            parts = [*full.split("."), None, None][:3]
            rows["t_grants"].extend(
                (securable, full, *parts, p, v, "grantor") for p, privs in held.items() for v in privs
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
        ident = self.identity
        data_tables: list[tuple[exp.Table, tuple[str, str, str]]] = []
        for table in list(tree.find_all(exp.Table)):
            view, schema, catalog = table.name.lower(), table.db.lower(), table.catalog.lower()
            if schema != "information_schema" and (catalog, schema, view) in self.tables:
                data_tables.append((table, (catalog, schema, view)))
                continue
            if schema != "information_schema" or view not in _CATALOG_COLUMN:
                raise _not_found([p for p in (catalog, schema, view) if p])
            if catalog != "system" and catalog not in self.catalogs:
                raise SqlError("NO_SUCH_CATALOG_EXCEPTION", f"Catalog '{catalog}' was not found.", "42704")
            if not _CATALOG_COLUMN[view] and catalog != "system":
                raise _not_found([p for p in (catalog, schema, view) if p])  # metastore-wide views only
            condition = "" if catalog == "system" else f" WHERE {_CATALOG_COLUMN[view]} = '{catalog}'"
            replacement = sqlglot.parse_one(f"SELECT * FROM ({_VISIBLE[view]}){condition}", read="duckdb")
            table.replace(replacement.subquery(table.alias_or_name))
        self._bind_identity(tree, ident)
        registered: list[str] = []
        for index, (table, key) in enumerate(data_tables):
            # SELECT on a table: its owner, or SELECT plus USE CATALOG and USE SCHEMA; each masked column
            # read through its mask (sql-ref-syntax-ddl-column-mask: applied as each row is fetched).
            if not self._table_visible(ident, key)[0]:
                raise _not_found(key)
            if not self.can_select(ident, ".".join(key)):
                raise AccessDeniedError(f"User {ident.name} does not have SELECT on Table '{'.'.join(key)}'.")
            alias = f"data_{index}"
            self.db.register(alias, self._masked_rows(ident, key))
            registered.append(alias)
            table.replace(exp.to_table(alias).as_(table.alias_or_name))
        self._mirror()
        for name, rows in self._visibility(ident).items():
            columns = _VISIBILITY_COLUMNS[name]
            arrow = pa.table(
                {
                    col: pa.array([r[i] for r in rows], type=pa.bool_() if col == "f" else pa.string())
                    for i, col in enumerate(columns)
                }
            )
            self.db.register(name, arrow)
        try:
            cursor = self.db.execute(tree.sql(dialect="duckdb"))
            columns = [d[0] for d in cursor.description or []]
            return columns, [list(r) for r in cursor.fetchall()]
        finally:
            for name in [*_VISIBILITY_COLUMNS, *registered]:
                self.db.unregister(name)

    # -- grants (REST and SQL) ---------------------------------------------------------------------
    def _securable_exists(self, securable: str, full_name: str) -> None:
        parts = tuple(full_name.lower().split("."))
        found = {
            "catalog": (len(parts) == 1 and parts[0] in self.catalogs, "CATALOG_DOES_NOT_EXIST", "Catalog"),
            "schema": (len(parts) == 2 and parts in self.schemas, "SCHEMA_DOES_NOT_EXIST", "Schema"),
            "table": (len(parts) == 3 and parts in self.tables, "TABLE_DOES_NOT_EXIST", "Table"),
            "function": (".".join(parts) in self.functions, "FUNCTION_DOES_NOT_EXIST", "Function"),
        }
        if securable not in found:
            raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Unsupported securable type '{securable}'.")
        exists, code, label = found[securable]
        if not exists:
            raise ApiError(404, code, f"{label} '{full_name}' does not exist.")

    def get_grants(self, securable: str, full_name: str) -> list[dict[str, Any]]:
        with self.lock:
            self._securable_exists(securable, full_name)
            # grants.get answers whoever may manage the securable's grants; anyone else is refused
            # https://docs.databricks.com/api/workspace/grants/get
            self.require_manage(securable, full_name)
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
        self.require_manage(securable, full_name)
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
            self.require_owner_change(key)  # type: ignore[arg-type]
            if self.principals is not None and owner not in self.principals:
                raise ApiError(404, "PRINCIPAL_DOES_NOT_EXIST", f"Could not find principal with name {owner}")
            self.tables[key].owner = owner  # type: ignore[index]
            self._dirty = True
        return self.table_info(full_name, check=False)  # the answer to the write, whatever it took away

    def close(self) -> None:
        with self.lock:
            self.db.close()

    # -- convenience for tests ---------------------------------------------------------------------
    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        """Run SQL over the mirrored base tables (t_tables, t_columns, t_table_tags, t_grants, ...)."""
        with self.lock:
            self._mirror()
            return self.db.execute(sql, params or []).fetchall()
