"""What Unity Catalog holds now, read in bulk: three information_schema queries per catalog
(objects, tags, privileges) and two calls per managed share, never a call per table."""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor

from governance.unity.client import StatementError, UnityClient
from governance.unity.sql import quote_ident, quote_literal
from governance.unity.state import ShareState, TableState, UnityState

Row = dict[str, str | None]


def _in_list(values: Iterable[str]) -> str:
    return ", ".join(quote_literal(v) for v in sorted(values))


def objects_sql(catalog: str, schemas: Iterable[str]) -> str:
    info, where = f"{quote_ident(catalog)}.information_schema", _in_list(schemas)
    return (
        "SELECT 'table' AS kind, table_schema AS schema_name, table_name, NULL AS column_name, comment, "
        f"table_owner AS owner FROM {info}.tables WHERE table_schema IN ({where}) "
        "UNION ALL SELECT 'column' AS kind, table_schema AS schema_name, table_name, column_name, comment, "
        f"NULL AS owner FROM {info}.columns WHERE table_schema IN ({where})"
    )


def tags_sql(catalog: str, schemas: Iterable[str]) -> str:
    info, where = f"{quote_ident(catalog)}.information_schema", _in_list(schemas)
    return (
        "SELECT schema_name, table_name, NULL AS column_name, tag_name, tag_value "
        f"FROM {info}.table_tags WHERE schema_name IN ({where}) "
        "UNION ALL SELECT schema_name, table_name, column_name, tag_name, tag_value "
        f"FROM {info}.column_tags WHERE schema_name IN ({where})"
    )


def privileges_sql(catalog: str, schemas: Iterable[str]) -> str:
    # Only direct grants: rows inherited from the schema or catalog are managed there.
    info, where = f"{quote_ident(catalog)}.information_schema", _in_list(schemas)
    direct = "COALESCE(inherited_from, 'NONE') = 'NONE'"
    return (
        "SELECT 'catalog' AS securable, NULL AS schema_name, NULL AS table_name, grantee, privilege_type "
        f"FROM {info}.catalog_privileges WHERE catalog_name = {quote_literal(catalog)} AND {direct} "
        "UNION ALL SELECT 'schema' AS securable, schema_name, NULL AS table_name, grantee, privilege_type "
        f"FROM {info}.schema_privileges WHERE schema_name IN ({where}) AND {direct} "
        "UNION ALL SELECT 'table' AS securable, table_schema AS schema_name, table_name, grantee, "
        "privilege_type "
        f"FROM {info}.table_privileges WHERE table_schema IN ({where}) AND {direct}"
    )


def _privilege_name(raw: str | None) -> str:
    """information_schema spells privileges as SQL ("USE SCHEMA"); the REST API as enums (USE_SCHEMA)."""
    return (raw or "").strip().upper().replace(" ", "_")


def _read_catalog(
    client: UnityClient, catalog: str, schemas: set[str], wanted: set[str], state: UnityState
) -> None:
    tables: dict[str, TableState] = {}
    try:
        objects = client.query(objects_sql(catalog, schemas))
    except StatementError as error:
        if error.error_class != "NO_SUCH_CATALOG_EXCEPTION":
            raise
        return  # the catalog does not exist yet: all its products are reported missing
    for row in objects:
        full = f"{catalog}.{row['schema_name']}.{row['table_name']}"
        if full not in wanted:
            continue
        table = tables.setdefault(full, TableState(full))
        if row["kind"] == "table":
            table.comment, table.owner = row["comment"] or None, row["owner"]
        else:
            table.columns[row["column_name"] or ""] = row["comment"] or None
    _read_tags(client, catalog, schemas, tables)
    _read_privileges(client, catalog, schemas, tables, state)
    state.tables.update(tables)


def _read_tags(client: UnityClient, catalog: str, schemas: set[str], tables: dict[str, TableState]) -> None:
    for row in client.query(tags_sql(catalog, schemas)):
        table = tables.get(f"{catalog}.{row['schema_name']}.{row['table_name']}")
        if table is None:
            continue
        key, value = row["tag_name"] or "", row["tag_value"] or ""
        if row["column_name"] is None:
            table.tags[key] = value
        else:
            table.column_tags.setdefault(row["column_name"], {})[key] = value


def _read_privileges(
    client: UnityClient, catalog: str, schemas: set[str], tables: dict[str, TableState], state: UnityState
) -> None:
    held: dict[tuple[str, str], dict[str, set[str]]] = {("schema", f"{catalog}.{s}"): {} for s in schemas}
    held[("catalog", catalog)] = {}
    for row in client.query(privileges_sql(catalog, schemas)):
        securable = str(row["securable"])
        name = ".".join(str(p) for p in (catalog, row["schema_name"], row["table_name"]) if p is not None)
        privileges = held.setdefault((securable, name), {}).setdefault(row["grantee"] or "", set())
        privileges.add(_privilege_name(row["privilege_type"]))
    for (securable, name), grants in held.items():
        frozen = {p: frozenset(v) for p, v in grants.items()}
        if securable == "catalog":
            state.catalog_grants[name] = frozen
        elif securable == "schema":
            state.schema_grants[name] = frozen
        elif name in tables:
            tables[name].grants = frozen


def _read_share(client: UnityClient, name: str) -> ShareState:
    info = client.get_share(name)
    if info is None:
        return ShareState(name, exists=False)
    objects = {o.name for o in (info.objects or []) if o.name}
    return ShareState(name, exists=True, objects=objects, recipients=dict(client.share_permissions(name)))


def read_actual(
    client: UnityClient, tables: Iterable[str], shares: Iterable[str], concurrency: int = 4
) -> UnityState:
    """The actual state of the given tables (their catalogs and schemas) and shares."""
    wanted = set(tables)
    by_catalog: dict[str, set[str]] = {}
    for full in wanted:
        catalog, schema, _ = full.split(".")
        by_catalog.setdefault(catalog, set()).add(schema)
    state = UnityState()
    share_names = sorted(shares)
    with ThreadPoolExecutor(max_workers=max(1, concurrency)) as pool:
        catalog_jobs = [
            pool.submit(_read_catalog, client, c, s, wanted, state) for c, s in sorted(by_catalog.items())
        ]
        share_jobs = {name: pool.submit(_read_share, client, name) for name in share_names}
        for job in catalog_jobs:
            job.result()
        for name, share_job in share_jobs.items():
            state.shares[name] = share_job.result()
    return state
