"""What Unity Catalog holds now, read in bulk: three information_schema queries per page of tables
(objects, tags, privileges) and two calls per managed share, never a call per table when the sync
principal owns what it governs.

information_schema shows only what the caller may see, and shows other principals' grants only to
owners (a MANAGE holder sees its own grants only):
https://docs.databricks.com/aws/en/sql/language-manual/information-schema/table_privileges
So the objects query also says, per table, catalog and schema, whether the caller owns it (directly or
through a group, `is_account_group_member`); grants of what it does not own are read from the grants
API instead (`grants.get` shows every direct assignment to an owner or MANAGE holder). A declared table
the queries do not return is asked about once (`tables.exists`): absent, or there but not visible.

Only the declared tables are read, in pages sized to stay well under the 25 MiB cap on INLINE results
(https://docs.databricks.com/api/workspace/statementexecution/executestatement); a page the warehouse
still finds too large is split in two.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from databricks.sdk.errors.platform import NotFound, PermissionDenied

from governance.unity import masks
from governance.unity.client import StatementError, UnityClient
from governance.unity.sql import quote_ident, quote_literal
from governance.unity.state import MaskFunction, ShareState, TableState, UnityState

Row = dict[str, str | None]
RawGrants = dict[tuple[str, str], dict[str, set[str]]]  # (securable, name) -> principal -> privileges
PAGE_BYTES = 8 * 1024 * 1024  # estimated result size of one page: a third of the INLINE cap
ROW_BYTES = 240  # estimate of one column row (names, a sentence of comment, JSON framing)
_OWNED = "(owner = current_user() OR is_account_group_member(owner))"


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(quote_literal(v) for v in sorted(values))


def _where(page: Mapping[str, list[str]], schema_col: str, table_col: str) -> str:
    return " OR ".join(
        f"({schema_col} = {quote_literal(schema)} AND {table_col} IN ({_in_list(tables)}))"
        for schema, tables in sorted(page.items())
    )


def objects_sql(catalog: str, page: Mapping[str, list[str]], containers: bool) -> str:
    """Tables and columns of one page; with `containers`, the catalog and its schemas too."""
    info = f"{quote_ident(catalog)}.information_schema"
    parts = [
        "SELECT 'table' AS kind, table_schema AS schema_name, table_name, NULL AS column_name, comment, "
        f"table_owner AS owner FROM {info}.tables WHERE {_where(page, 'table_schema', 'table_name')}",
        "SELECT 'column' AS kind, table_schema AS schema_name, table_name, column_name, comment, "
        f"NULL AS owner FROM {info}.columns WHERE {_where(page, 'table_schema', 'table_name')}",
    ]
    # Column masks ride on the same query: https://docs.databricks.com/aws/en/sql/language-manual/information-schema/column_masks
    parts.append(
        "SELECT 'mask' AS kind, table_schema AS schema_name, table_name, column_name, "
        "concat_ws('.', mask_catalog, mask_schema, mask_name) AS comment, NULL AS owner "
        f"FROM {info}.column_masks WHERE {_where(page, 'table_schema', 'table_name')}"
    )
    if containers:
        parts += [
            # the mesh's mask functions in these schemas (information-schema/routines)
            "SELECT 'function' AS kind, routine_schema AS schema_name, routine_name AS table_name, "
            "data_type AS column_name, routine_definition AS comment, routine_owner AS owner "
            f"FROM {info}.routines WHERE routine_schema IN ({_in_list(page)}) "
            f"AND startswith(routine_name, {quote_literal(masks.PREFIX)})",
            "SELECT 'catalog' AS kind, NULL AS schema_name, NULL AS table_name, NULL AS column_name, "
            f"NULL AS comment, catalog_owner AS owner FROM {info}.catalogs "
            f"WHERE catalog_name = {quote_literal(catalog)}",
            "SELECT 'schema' AS kind, schema_name, NULL AS table_name, NULL AS column_name, NULL AS comment, "
            f"schema_owner AS owner FROM {info}.schemata WHERE schema_name IN ({_in_list(page)})",
            # where the caller may create the mask functions: its own CREATE FUNCTION rows, direct or
            # inherited from the catalog (information-schema/schema_privileges); owners may anyway
            "SELECT 'create_function' AS kind, schema_name, NULL AS table_name, NULL AS column_name, "
            f"NULL AS comment, NULL AS owner FROM {info}.schema_privileges WHERE schema_name IN "
            f"({_in_list(page)}) AND privilege_type IN ('CREATE FUNCTION', 'ALL PRIVILEGES') "
            "AND (grantee = current_user() OR is_account_group_member(grantee))",
        ]
    union = " UNION ALL ".join(parts)
    return f"SELECT *, CASE WHEN owner IS NULL THEN NULL ELSE {_OWNED} END AS owned FROM ({union}) AS o"


def tags_sql(catalog: str, page: Mapping[str, list[str]]) -> str:
    info = f"{quote_ident(catalog)}.information_schema"
    where = _where(page, "schema_name", "table_name")
    return (
        "SELECT schema_name, table_name, NULL AS column_name, tag_name, tag_value "
        f"FROM {info}.table_tags WHERE {where} "
        "UNION ALL SELECT schema_name, table_name, column_name, tag_name, tag_value "
        f"FROM {info}.column_tags WHERE {where}"
    )


def privileges_sql(catalog: str, page: Mapping[str, list[str]], containers: bool) -> str:
    # Only direct grants: rows inherited from the schema or catalog are managed there.
    info = f"{quote_ident(catalog)}.information_schema"
    direct = "COALESCE(inherited_from, 'NONE') = 'NONE'"
    parts = [
        "SELECT 'table' AS securable, table_schema AS schema_name, table_name, grantee, privilege_type "
        f"FROM {info}.table_privileges WHERE ({_where(page, 'table_schema', 'table_name')}) AND {direct}",
        # Rows inherited from the schema or catalog, read to report what reaches a restricted product.
        "SELECT concat('inherited:', inherited_from) AS securable, table_schema AS schema_name, table_name, "
        f"grantee, privilege_type FROM {info}.table_privileges "
        f"WHERE ({_where(page, 'table_schema', 'table_name')}) AND NOT {direct} "
        "AND privilege_type IN ('SELECT', 'ALL PRIVILEGES')",
    ]
    if containers:
        parts += [
            "SELECT 'catalog' AS securable, NULL AS schema_name, NULL AS table_name, grantee, privilege_type "
            f"FROM {info}.catalog_privileges WHERE catalog_name = {quote_literal(catalog)} AND {direct}",
            "SELECT 'schema' AS securable, schema_name, NULL AS table_name, grantee, privilege_type "
            f"FROM {info}.schema_privileges WHERE schema_name IN ({_in_list(page)}) AND {direct}",
            # EXECUTE on the mesh's mask functions (information-schema/routine_privileges)
            "SELECT 'function' AS securable, routine_schema AS schema_name, routine_name AS table_name, "
            f"grantee, privilege_type FROM {info}.routine_privileges "
            f"WHERE routine_schema IN ({_in_list(page)}) "
            f"AND startswith(routine_name, {quote_literal(masks.PREFIX)}) AND {direct}",
        ]
    return " UNION ALL ".join(parts)


def _privilege_name(raw: str | None) -> str:
    """information_schema spells privileges as SQL ("USE SCHEMA"); the REST API as enums (USE_SCHEMA)."""
    return (raw or "").strip().upper().replace(" ", "_")


def _is_too_large(error: StatementError) -> bool:
    text = f"{error.error_class} {error}".upper()
    return "INLINE" in text or "TOO_LARGE" in text or "25 MIB" in text


def pages(tables: Mapping[str, int], budget: int = PAGE_BYTES) -> list[dict[str, list[str]]]:
    """Split `schema.table -> column count` into pages whose estimated result fits `budget`."""
    result: list[dict[str, list[str]]] = []
    current: dict[str, list[str]] = {}
    used = 0
    for name, columns in sorted(tables.items()):
        cost = (columns + 1) * ROW_BYTES
        if current and used + cost > budget:
            result.append(current)
            current, used = {}, 0
        schema, table = name.split(".")
        current.setdefault(schema, []).append(table)
        used += cost
    if current:
        result.append(current)
    return result


@dataclass
class _Catalog:
    name: str
    tables: dict[str, TableState] = field(default_factory=dict)
    owned_tables: set[str] = field(default_factory=set)
    owned_containers: set[str] = field(default_factory=set)  # "catalog" or "catalog.schema"
    functions: dict[str, MaskFunction] = field(default_factory=dict)
    may_create_functions: set[str] = field(default_factory=set)  # catalog.schema
    exists: bool = True


def _query_page(
    client: UnityClient, catalog: _Catalog, page: dict[str, list[str]], first: bool
) -> list[tuple[str, list[Row]]]:
    """The three queries of a page, split in halves while the warehouse finds a result too large."""
    try:
        return [
            ("objects", client.query(objects_sql(catalog.name, page, first))),
            ("tags", client.query(tags_sql(catalog.name, page))),
            ("privileges", client.query(privileges_sql(catalog.name, page, first))),
        ]
    except StatementError as error:
        flat = [(s, t) for s, ts in sorted(page.items()) for t in ts]
        if not _is_too_large(error) or len(flat) < 2:
            raise
        halves: list[dict[str, list[str]]] = [{}, {}]
        for i, (schema, table) in enumerate(flat):
            halves[i * 2 // len(flat)].setdefault(schema, []).append(table)
        return _query_page(client, catalog, halves[0], first) + _query_page(client, catalog, halves[1], False)


def _read_page(
    client: UnityClient, catalog: _Catalog, page: dict[str, list[str]], first: bool, raw: RawGrants
) -> None:
    try:
        results = _query_page(client, catalog, page, first)
    except StatementError as error:
        if not first or error.error_class != "NO_SUCH_CATALOG_EXCEPTION":
            raise
        catalog.exists = False  # absent, or not visible: told apart per table afterwards
        return
    for kind, rows in results:
        if kind == "objects":
            _objects(catalog, rows)
        elif kind == "tags":
            _tags(catalog, rows)
        else:
            _privileges(catalog, rows, raw)


def _objects(catalog: _Catalog, rows: list[Row]) -> None:
    for row in rows:
        owned = (row.get("owned") or "").lower() == "true"
        if row["kind"] == "catalog":
            if owned:
                catalog.owned_containers.add(catalog.name)
            continue
        if row["kind"] == "create_function":
            catalog.may_create_functions.add(f"{catalog.name}.{row['schema_name']}".lower())
            continue
        if row["kind"] == "schema":
            if owned:
                catalog.owned_containers.add(f"{catalog.name}.{row['schema_name']}")
            continue
        if row["kind"] == "function":
            name = f"{catalog.name}.{row['schema_name']}.{row['table_name']}".lower()
            data_type = (row["column_name"] or "").upper()
            catalog.functions[name] = MaskFunction(
                name, data_type, (row["comment"] or "").strip(), row["owner"], owned
            )
            continue
        full = f"{catalog.name}.{row['schema_name']}.{row['table_name']}"
        table = catalog.tables.setdefault(full, TableState(full))
        if row["kind"] == "table":
            table.comment, table.owner = row["comment"] or None, row["owner"]
            if owned:
                catalog.owned_tables.add(full)
        elif row["kind"] == "mask":
            table.masks[row["column_name"] or ""] = (row["comment"] or "").lower()
        else:
            table.columns[row["column_name"] or ""] = row["comment"] or None


def _tags(catalog: _Catalog, rows: list[Row]) -> None:
    for row in rows:
        table = catalog.tables.get(f"{catalog.name}.{row['schema_name']}.{row['table_name']}")
        if table is None:
            continue
        key, value = row["tag_name"] or "", row["tag_value"] or ""
        if row["column_name"] is None:
            table.tags[key] = value
        else:
            table.column_tags.setdefault(row["column_name"], {})[key] = value


def _privileges(catalog: _Catalog, rows: list[Row], raw: RawGrants) -> None:
    for row in rows:
        securable = str(row["securable"])
        if securable.startswith("inherited:"):
            full = f"{catalog.name}.{row['schema_name']}.{row['table_name']}"
            table = catalog.tables.setdefault(full, TableState(full))
            held = table.inherited.setdefault(row["grantee"] or "", set())
            held.add((_privilege_name(row["privilege_type"]), securable.split(":", 1)[1].upper()))
            continue
        parts = (catalog.name, row["schema_name"], row["table_name"])
        name = ".".join(str(p) for p in parts if p is not None)
        grants = raw.setdefault((securable, name), {})
        grants.setdefault(row["grantee"] or "", set()).add(_privilege_name(row["privilege_type"]))


def _rest_grants(client: UnityClient, securable: str, name: str, raw: RawGrants, state: UnityState) -> None:
    """Every direct grant on a securable the caller does not own, from the grants API."""
    try:
        held = client.get_grants(securable, name)
    except PermissionDenied:
        state.grants_unknown.add(name)  # neither owner nor MANAGE: the plan leaves its grants alone
        return
    raw[(securable, name)] = {p: set(v) for p, v in held.items()}


# tables.exists of a table whose catalog or schema is absent may answer 404 rather than `false`
# (https://docs.databricks.com/api/workspace/tables/exists does not say): the parent's absence is the table's.
_ABSENT = frozenset({"CATALOG_DOES_NOT_EXIST", "SCHEMA_DOES_NOT_EXIST", "TABLE_DOES_NOT_EXIST"})


def _absent_or_hidden(client: UnityClient, name: str, state: UnityState) -> None:
    try:
        if client.table_exists(name):
            state.invisible.add(name)  # exists, yet information_schema does not show it to us
    except NotFound as error:
        if error.error_code not in _ABSENT:
            state.invisible.add(name)
    except PermissionDenied:
        state.invisible.add(name)


def read_actual(
    client: UnityClient,
    tables: Iterable[str] | Mapping[str, TableState],
    shares: Iterable[str],
    concurrency: int = 4,
    page_bytes: int = PAGE_BYTES,
) -> UnityState:
    """The actual state of the given tables (desired tables give their column counts, for paging),
    the catalogs and schemas that hold them, and the given shares."""
    if isinstance(tables, Mapping):
        declared = {name: len(t.columns) for name, t in tables.items()}
    else:
        declared = dict.fromkeys(tables, 50)
    # Unity Catalog stores names in lower case and matches them case-insensitively
    # (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-names): read by the lowercase
    # name, answer under the declared one.
    spelled = {name.lower(): name for name in declared}
    sizes = {name.lower(): columns for name, columns in declared.items()}
    by_catalog: dict[str, dict[str, int]] = {}
    for full, columns in sizes.items():
        catalog, schema, table = full.split(".")
        by_catalog.setdefault(catalog, {})[f"{schema}.{table}"] = columns
    state = UnityState()
    raw: RawGrants = {}
    catalogs = {name: _Catalog(name) for name in by_catalog}
    paged = {name: pages(members, page_bytes) for name, members in by_catalog.items()}
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        share_jobs = {name: pool.submit(_read_share, client, name) for name in sorted(shares)}
        # the first page of a catalog also reads the catalog and its schemas, and finds a missing catalog
        jobs = [
            pool.submit(_read_page, client, catalogs[n], p[0], True, raw) for n, p in sorted(paged.items())
        ]
        for job in jobs:
            job.result()
        jobs = [
            pool.submit(_read_page, client, catalogs[name], page, False, raw)
            for name, catalog_pages in sorted(paged.items())
            if catalogs[name].exists
            for page in catalog_pages[1:]
        ]
        for job in jobs:
            job.result()
        rest = []
        for name, catalog in sorted(catalogs.items()):
            if not catalog.exists:
                continue
            schemas = {f"{name}.{key.split('.')[0]}" for key in by_catalog[name]}
            rest += [("catalog", name)] if name not in catalog.owned_containers else []
            rest += [("schema", s) for s in sorted(schemas - catalog.owned_containers)]
            rest += [("table", t) for t in sorted(set(catalog.tables) - catalog.owned_tables)]
            # functions another principal owns (a build's pre-hook): their grants, as for tables
            rest += [("function", f) for f, fn in sorted(catalog.functions.items()) if not fn.owned]
        jobs = [pool.submit(_rest_grants, client, securable, n, raw, state) for securable, n in rest]
        for job in jobs:
            job.result()
        for name, catalog in catalogs.items():
            state.tables.update(catalog.tables)
            state.functions.update(catalog.functions)
            owned = catalog.owned_containers
            state.may_create_functions |= catalog.may_create_functions | {
                f"{name}.{key.split('.')[0]}"
                for key in by_catalog[name]
                if name in owned or f"{name}.{key.split('.')[0]}" in owned
            }
        unseen = sorted(set(sizes) - set(state.tables))
        for job in [pool.submit(_absent_or_hidden, client, name, state) for name in unseen]:
            job.result()
        for name, share_job in share_jobs.items():
            state.shares[name] = share_job.result()
    _settle_grants(state, raw, by_catalog)
    return _as_declared(state, spelled)


def _as_declared(state: UnityState, spelled: Mapping[str, str]) -> UnityState:
    for lower, name in spelled.items():
        if lower != name and lower in state.tables:
            table = state.tables.pop(lower)
            table.full_name = name
            state.tables[name] = table
    containers: dict[str, str] = {}
    for name in spelled.values():
        catalog, schema, _ = name.split(".")
        containers[catalog.lower()] = catalog
        containers[f"{catalog}.{schema}".lower()] = f"{catalog}.{schema}"
    state.catalog_grants = {containers.get(k, k): v for k, v in state.catalog_grants.items()}
    state.schema_grants = {containers.get(k, k): v for k, v in state.schema_grants.items()}
    state.invisible = {spelled.get(n, n) for n in state.invisible}
    state.grants_unknown = {spelled.get(n, containers.get(n, n)) for n in state.grants_unknown}
    return state


def _settle_grants(state: UnityState, raw: RawGrants, by_catalog: Mapping[str, Mapping[str, int]]) -> None:
    for catalog, members in by_catalog.items():
        state.catalog_grants.setdefault(catalog, {})
        for key in members:
            state.schema_grants.setdefault(f"{catalog}.{key.split('.')[0]}", {})
    for (securable, name), grants in raw.items():
        frozen = {p: frozenset(v) for p, v in grants.items() if v}
        if securable == "catalog":
            state.catalog_grants[name] = frozen
        elif securable == "schema":
            state.schema_grants[name] = frozen
        elif securable == "function":
            state.function_grants[name.lower()] = frozen
        elif name in state.tables:
            state.tables[name].grants = frozen


def _read_share(client: UnityClient, name: str) -> ShareState:
    try:
        info = client.get_share(name)
    except PermissionDenied:
        # shares.get takes the share's ownership or metastore admin: one share the principal may not
        # read is a finding for that share, not a failed plan (https://docs.databricks.com/api/workspace/shares/get)
        return ShareState(name, exists=True, unreadable=True)
    if info is None:
        return ShareState(name, exists=False)
    # Unity Catalog stores names in lower case: compared as stored, whatever the mesh's spelling.
    objects = {o.name.lower() for o in (info.objects or []) if o.name}
    aliases = {o.name.lower(): (o.shared_as or "").lower() for o in (info.objects or []) if o.name}
    return ShareState(
        name,
        exists=True,
        objects=objects,
        recipients=dict(client.share_permissions(name)),
        owner=info.owner,
        aliases=aliases,
    )
