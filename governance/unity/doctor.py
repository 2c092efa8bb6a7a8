"""Preflight for the Unity Catalog sync: can it connect, is the warehouse there, is SQL scripting on,
and does the sync principal hold every privilege the plan needs, now and after owner changes.

The privileges needed per table follow the statements the sync sends (docs/unity-catalog-conformance.md):
COMMENT ON and ALTER COLUMN ... COMMENT need MODIFY, SET/UNSET TAGS need APPLY TAG, grants and masks
need MANAGE, adding a table to a share needs SELECT, and every one of them needs USE CATALOG and USE
SCHEMA; owning the table (directly or through a group) gives all of them. The owner change itself takes
ownership of the table or of its schema or catalog, or a metastore admin, not MANAGE: a table the
principal may not hand over is a problem naming the group to join. The sync hands each table to its
domain group, so the principal keeps these rights on later runs only through grants or membership of
that group. Each problem is one line with the GRANT (or the membership) that fixes it.

The principal's own grants, direct, inherited and through its groups, are visible to it in
information_schema (https://docs.databricks.com/aws/en/sql/language-manual/information-schema/table_privileges);
group membership is asked with is_account_group_member
(https://docs.databricks.com/aws/en/sql/language-manual/functions/is_account_group_member).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from databricks.sdk.errors.base import DatabricksError

from governance.unity.actual import _where, pages
from governance.unity.client import StatementError, UnityClient, describe_error
from governance.unity.sql import quote_ident, quote_literal
from governance.unity.state import UnityState

TABLE_PRIVILEGES = ("MODIFY", "APPLY_TAG", "MANAGE")  # comments, tags, grants and masks
SCRIPT_PROBE = "BEGIN\n  SELECT 1;\n  SELECT 1;\nEND"


@dataclass(frozen=True)
class Problem:
    subject: str  # what it is about: the warehouse, a catalog, a share...
    message: str
    fix: str | None = None  # the statement or setting that fixes it
    blocking: bool = True  # False: the sync works, only slower or with a gap it reports

    def __str__(self) -> str:
        text = f"{self.subject}: {self.message}"
        return f"{text}; fix: {self.fix}" if self.fix else text


@dataclass
class Report:
    principal: str = ""
    warehouse: str = ""
    scripting: bool | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def blocking(self) -> list[Problem]:
        return [p for p in self.problems if p.blocking]


def _grant(privilege: str, securable: str, name: str, principal: str) -> str:
    target = ".".join(quote_ident(p) for p in name.split(".")) if name else ""
    where = f"{securable} {target}".strip()
    return f"GRANT {privilege.replace('_', ' ')} ON {where} TO {quote_ident(principal)}"


def _check_warehouse(client: UnityClient, report: Report) -> bool:
    try:
        warehouse = client.workspace.warehouses.get(client.warehouse_id)
        state = warehouse.state.value if warehouse.state else "state unknown"
        report.warehouse = f"{warehouse.name or client.warehouse_id} ({state})"
    except DatabricksError as error:
        report.problems.append(
            Problem(
                f"SQL warehouse {client.warehouse_id}",
                f"not usable ({describe_error(error)})",
                "set MESH_WAREHOUSE_ID (or warehouse_id in unity.yml) to a warehouse the principal may use",
            )
        )
        return False
    try:
        client.query("SELECT 1 AS ok")
    except (StatementError, DatabricksError) as error:
        report.problems.append(
            Problem(
                f"SQL warehouse {client.warehouse_id}",
                f"does not run statements ({describe_error(error)})",
                "give the sync principal CAN USE on the warehouse (SQL warehouse permissions)",
            )
        )
        return False
    return True


def _check_scripting(client: UnityClient, report: Report) -> None:
    # https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-scripting (Databricks SQL, DBR 16.3+)
    try:
        client.execute(SCRIPT_PROBE)
        report.scripting = True
    except StatementError as error:
        report.scripting = False
        report.problems.append(
            Problem(
                "SQL scripting",
                f"not available on this warehouse ({error.error_class}); the sync sends one statement "
                "per request instead of one script per table, which is slower",
                "use a SQL warehouse whose version supports SQL scripting "
                "(Databricks SQL; DBR 16.3+ on clusters)",
                blocking=False,
            )
        )


def _own_privileges_sql(catalog: str, page: dict[str, list[str]], owners: Iterable[str]) -> str:
    info = f"{quote_ident(catalog)}.information_schema"
    mine = "(grantee = current_user() OR is_account_group_member(grantee))"
    owned = "(owner = current_user() OR is_account_group_member(owner))"
    members = " UNION ALL ".join(
        f"SELECT 'member' AS kind, NULL AS schema_name, NULL AS table_name, {quote_literal(o)} AS name, "
        f"CASE WHEN is_account_group_member({quote_literal(o)}) OR current_user() = {quote_literal(o)} "
        "THEN 'true' ELSE 'false' END AS flag"
        for o in sorted(owners)
    )
    schemas = ", ".join(quote_literal(s) for s in sorted(page))
    tables = _where(page, "table_schema", "table_name")
    parts = [
        "SELECT 'catalog' AS kind, NULL AS schema_name, NULL AS table_name, privilege_type AS name, "
        f"'true' AS flag FROM {info}.catalog_privileges WHERE catalog_name = {quote_literal(catalog)} "
        f"AND {mine}",
        "SELECT 'schema' AS kind, schema_name, NULL AS table_name, privilege_type AS name, 'true' AS flag "
        f"FROM {info}.schema_privileges WHERE schema_name IN ({schemas}) AND {mine}",
        "SELECT 'table' AS kind, table_schema AS schema_name, table_name, privilege_type AS name, "
        f"'true' AS flag FROM {info}.table_privileges WHERE ({tables}) AND {mine}",
        "SELECT 'visible' AS kind, schema_name, table_name, owner AS name, "
        f"CASE WHEN {owned} THEN 'true' ELSE 'false' END AS flag FROM (SELECT table_schema AS schema_name, "
        f"table_name, table_owner AS owner FROM {info}.tables "
        f"WHERE {tables}) AS t",
        "SELECT 'catalog_owner' AS kind, NULL AS schema_name, NULL AS table_name, owner AS name, "
        f"CASE WHEN {owned} THEN 'true' ELSE 'false' END AS flag FROM (SELECT catalog_owner AS owner "
        f"FROM {info}.catalogs WHERE catalog_name = {quote_literal(catalog)}) AS c",
        # who may hand a table over: its owner, its schema's or catalog's owner, or a metastore admin
        # (the metastore's owner: information-schema/metastores)
        "SELECT 'schema_owner' AS kind, schema_name, NULL AS table_name, owner AS name, "
        f"CASE WHEN {owned} THEN 'true' ELSE 'false' END AS flag FROM (SELECT schema_name, schema_owner AS "
        f"owner FROM {info}.schemata WHERE schema_name IN ({schemas})) AS s",
        "SELECT 'metastore_owner' AS kind, NULL AS schema_name, NULL AS table_name, owner AS name, "
        f"CASE WHEN {owned} THEN 'true' ELSE 'false' END AS flag FROM (SELECT metastore_owner AS owner "
        "FROM system.information_schema.metastores) AS m",
    ]
    if members:
        parts.append(members)
    return " UNION ALL ".join(parts)


def _norm(raw: str | None) -> str:
    return (raw or "").strip().upper().replace(" ", "_")


@dataclass
class _Held:
    """What the principal holds in one catalog, from its own rows of information_schema."""

    privileges: dict[str, set[str]] = field(default_factory=dict)  # "catalog" | "schema:s" | table
    visible: dict[str, bool] = field(default_factory=dict)  # table -> owned by the principal now
    owner: dict[str, str] = field(default_factory=dict)  # table -> its owner now
    member_of: dict[str, bool] = field(default_factory=dict)  # owner after the sync -> principal in it
    catalog_owned: bool = False
    schema_owned: dict[str, bool] = field(default_factory=dict)  # schema -> owned by the principal
    metastore_admin: bool = False

    def add(self, catalog: str, row: dict[str, str | None]) -> None:
        kind, flag, name = row["kind"], row["flag"] == "true", row["name"] or ""
        table = f"{catalog}.{row['schema_name']}.{row['table_name']}"
        if kind == "catalog":
            self.privileges.setdefault("catalog", set()).add(_norm(name))
        elif kind == "schema":
            self.privileges.setdefault(f"schema:{row['schema_name']}", set()).add(_norm(name))
        elif kind == "table":
            self.privileges.setdefault(table, set()).add(_norm(name))
        elif kind == "visible":
            self.visible[table], self.owner[table] = flag, name
        elif kind == "catalog_owner":
            self.catalog_owned = flag
        elif kind == "schema_owner":
            self.schema_owned[row["schema_name"] or ""] = flag
        elif kind == "metastore_owner":
            self.metastore_admin = flag
        elif kind == "member":
            self.member_of[name] = flag

    def on(self, table: str) -> set[str]:
        schema = table.split(".")[1]
        held = self.privileges.get(table, set()) | self.privileges.get(f"schema:{schema}", set())
        held |= self.privileges.get("catalog", set())
        return held | ({"SELECT", "MODIFY", "APPLY_TAG"} if "ALL_PRIVILEGES" in held else set())


_WHY = {
    "MODIFY": "comments",
    "APPLY_TAG": "tags",
    "MANAGE": "grants and masks",
    "SELECT": "sharing it (a share owner must keep SELECT)",
}


def _read_held(client: UnityClient, catalog: str, tables: dict[str, str | None]) -> _Held:
    held = _Held()
    owners = {o for o in tables.values() if o}
    for page in pages({t.split(".", 1)[1]: 50 for t in tables}):
        for row in client.query(_own_privileges_sql(catalog, page, owners)):
            held.add(catalog, row)
    return held


def _check_functions(held: _Held, catalog: str, mask_schemas: frozenset[str], report: Report) -> None:
    """The PII mask functions live in the product's schema: CREATE FUNCTION on it
    (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-sql-function);
    the sync owns what it creates, so EXECUTE follows."""
    on_catalog = held.privileges.get("catalog", set())
    for schema in sorted(mask_schemas):
        on_schema = held.privileges.get(f"schema:{schema}", set()) | on_catalog
        if not held.catalog_owned and not {"CREATE_FUNCTION", "ALL_PRIVILEGES"} & on_schema:
            report.problems.append(
                Problem(
                    f"schema {catalog}.{schema}",
                    "sync principal lacks CREATE FUNCTION, needed for the PII column masks",
                    _grant("CREATE_FUNCTION", "SCHEMA", f"{catalog}.{schema}", report.principal),
                )
            )


def _check_catalog(
    client: UnityClient,
    catalog: str,
    tables: dict[str, str | None],
    shared: set[str],
    report: Report,
    *,
    mask_schemas: frozenset[str] = frozenset(),
) -> None:
    """`tables`: full name -> owner after the sync (None: left as it is)."""
    me = report.principal
    try:
        held = _read_held(client, catalog, tables)
    except StatementError as error:
        if error.error_class != "NO_SUCH_CATALOG_EXCEPTION":
            raise
        fix = _grant("USE_CATALOG", "CATALOG", catalog, me)
        report.problems.append(
            Problem(f"catalog {catalog}", "absent or not visible to the sync principal", fix)
        )
        return
    on_catalog = held.privileges.get("catalog", set())
    if not held.catalog_owned and "USE_CATALOG" not in on_catalog:
        fix = _grant("USE_CATALOG", "CATALOG", catalog, me)
        report.problems.append(Problem(f"catalog {catalog}", "sync principal lacks USE CATALOG", fix))
    for schema in sorted({t.split(".")[1] for t in tables}):
        on_schema = held.privileges.get(f"schema:{schema}", set()) | on_catalog
        if not held.catalog_owned and "USE_SCHEMA" not in on_schema:
            fix = _grant("USE_SCHEMA", "SCHEMA", f"{catalog}.{schema}", me)
            report.problems.append(
                Problem(f"schema {catalog}.{schema}", "sync principal lacks USE SCHEMA", fix)
            )
    _check_functions(held, catalog, mask_schemas, report)
    missing: dict[str, list[str]] = {}  # privilege -> tables lacking it
    for table, owner_after in sorted(tables.items()):
        if table not in held.visible:
            continue  # absent or hidden: the plan reports it
        owner_now = held.visible[table]
        stays_owner = held.member_of.get(owner_after or "", False) or (owner_after is None and owner_now)
        needed = [] if stays_owner else [*TABLE_PRIVILEGES, *(["SELECT"] if table in shared else [])]
        for privilege in needed:
            if privilege not in held.on(table):
                missing.setdefault(privilege, []).append(table)
    _check_handover(held, catalog, tables, report)
    for privilege, lacking in sorted(missing.items()):
        example = lacking[0] + (f" and {len(lacking) - 1} more" if len(lacking) > 1 else "")
        message = (
            f"sync principal lacks {privilege.replace('_', ' ')} on {example}, needed for {_WHY[privilege]} "
            "once the table belongs to its domain group"
        )
        report.problems.append(
            Problem(f"catalog {catalog}", message, _grant(privilege, "CATALOG", catalog, me))
        )


def _check_handover(held: _Held, catalog: str, tables: dict[str, str | None], report: Report) -> None:
    """The owner change: only the table's owner, its schema's or catalog's owner, or a metastore admin
    may transfer ownership, and MANAGE does not
    (https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/ownership,
    https://docs.databricks.com/api/workspace/tables/update)."""
    if held.catalog_owned or held.metastore_admin:
        return
    refused: dict[str, list[str]] = {}  # current owner -> tables the principal may not hand over
    for table, owner_after in sorted(tables.items()):
        owner_now = held.owner.get(table)
        if owner_now is None or owner_after is None or owner_after == owner_now or held.visible[table]:
            continue
        if not held.schema_owned.get(table.split(".")[1], False):
            refused.setdefault(owner_now, []).append(table)
    for owner, lacking in sorted(refused.items()):
        example = lacking[0] + (f" and {len(lacking) - 1} more" if len(lacking) > 1 else "")
        report.problems.append(
            Problem(
                f"catalog {catalog}",
                f"sync principal may not hand {example} (owned by {owner}) to its domain group: only the "
                "owner, the owner of its schema or catalog, or a metastore admin may transfer ownership, "
                "and MANAGE does not",
                f"make {report.principal} a member of {owner} (the group that builds the tables), or run "
                "the sync as that principal",
            )
        )


@dataclass
class _Sharing:
    """The principal's metastore privileges and which recipients it owns (system.information_schema)."""

    privileges: set[str] = field(default_factory=set)
    owned_recipients: set[str] = field(default_factory=set)


def _read_sharing(client: UnityClient, recipients: set[str]) -> _Sharing:
    # https://docs.databricks.com/aws/en/sql/language-manual/information-schema/metastore_privileges and
    # .../information-schema/recipients
    info = "system.information_schema"
    mine = "(grantee = current_user() OR is_account_group_member(grantee))"
    owned = "(recipient_owner = current_user() OR is_account_group_member(recipient_owner))"
    names = ", ".join(quote_literal(r) for r in sorted(recipients)) or "NULL"
    rows = client.query(
        "SELECT 'privilege' AS kind, privilege_type AS name, 'true' AS flag "
        f"FROM {info}.metastore_privileges WHERE {mine} UNION ALL "
        f"SELECT 'recipient' AS kind, recipient_name AS name, CASE WHEN {owned} THEN 'true' ELSE 'false' END "
        f"AS flag FROM {info}.recipients WHERE recipient_name IN ({names})"
    )
    sharing = _Sharing()
    for row in rows:
        if row["kind"] == "privilege":
            sharing.privileges.add(_norm(row["name"]))
        elif row["flag"] == "true":
            sharing.owned_recipients.add(row["name"] or "")
    return sharing


def _check_shares(
    client: UnityClient, desired: UnityState, actual: UnityState | None, report: Report
) -> None:
    if not desired.shares:
        return
    recipients = {r for share in desired.shares.values() for r in share.recipients}
    held = _read_sharing(client, recipients)
    # Granting a share to a recipient takes USE RECIPIENT on the metastore or the recipient's ownership
    # (https://docs.databricks.com/data-sharing/grant-access.html).
    if "USE_RECIPIENT" not in held.privileges:
        for recipient in sorted(recipients - held.owned_recipients):
            report.problems.append(
                Problem(
                    f"recipient {recipient}",
                    "the sync principal may not grant shares to it (neither USE RECIPIENT on the metastore "
                    "nor the recipient's owner)",
                    _grant("USE_RECIPIENT", "METASTORE", "", report.principal),
                )
            )
    for name in sorted(desired.shares):
        have = actual.shares.get(name) if actual else None
        if have is None:
            try:
                info = client.get_share(name)
            except DatabricksError as error:
                report.problems.append(Problem(f"share {name}", f"cannot be read ({describe_error(error)})"))
                continue
            exists, owner = info is not None, info.owner if info else None
        else:
            exists, owner = have.exists, have.owner
        if not exists:
            if "CREATE_SHARE" not in held.privileges:
                report.problems.append(
                    Problem(
                        f"share {name}",
                        "does not exist yet and the sync principal lacks CREATE SHARE on the metastore "
                        "to create it",
                        _grant("CREATE_SHARE", "METASTORE", "", report.principal),
                    )
                )
        elif owner and owner != report.principal:
            report.problems.append(
                Problem(
                    f"share {name}",
                    f"is owned by {owner}: only its owner (or a metastore admin) may change it",
                    f"ALTER SHARE {quote_ident(name)} OWNER TO {quote_ident(report.principal)}",
                )
            )


EXTERNAL_ACCESS = (
    "enable external data access on the metastore (Catalog Explorer > the metastore's details > External "
    "data access; https://docs.databricks.com/external-access/credential-vending.html)"
)


def _check_trino(client: UnityClient, desired: UnityState, trino: str | None, report: Report) -> None:
    """Trino reads Databricks products through the Iceberg REST endpoint with vended credentials: the
    reading principal needs EXTERNAL USE SCHEMA on each schema, and the metastore external data access
    (https://docs.databricks.com/external-access/credential-vending.html)."""
    if not desired.tables:
        return
    if trino is None:
        report.problems.append(
            Problem(
                "Trino",
                "reads Unity Catalog as the principal of its DATABRICKS_TOKEN, which is not named: EXTERNAL "
                "USE SCHEMA is not checked",
                f"set trino_principal in unity.yml; {EXTERNAL_ACCESS}",
                blocking=False,
            )
        )
        return
    schemas = sorted({name.rsplit(".", 1)[0] for name in desired.tables})
    for schema in schemas:
        catalog = schema.split(".")[0]
        held = client.get_grants("schema", schema).get(trino, frozenset()) | client.get_grants(
            "catalog", catalog
        ).get(trino, frozenset())
        if "EXTERNAL_USE_SCHEMA" not in held:
            report.problems.append(
                Problem(
                    f"schema {schema}",
                    f"Trino's principal {trino} lacks EXTERNAL USE SCHEMA: Trino cannot read its products "
                    f"through the Iceberg REST endpoint (also {EXTERNAL_ACCESS})",
                    _grant("EXTERNAL_USE_SCHEMA", "SCHEMA", schema, trino),
                    blocking=False,
                )
            )


def diagnose(
    client: UnityClient, desired: UnityState, actual: UnityState | None = None, trino: str | None = None
) -> Report:
    """Every check; a failure to connect is one problem and ends the checks."""
    report = Report()
    try:
        report.principal = client.principal
    except (DatabricksError, TimeoutError, OSError) as error:
        report.problems.append(
            Problem(
                "workspace",
                f"cannot connect or authenticate ({describe_error(error)})",
                "check DATABRICKS_HOST and the token or profile the SDK resolves",
            )
        )
        return report
    if not _check_warehouse(client, report):
        return report
    shared = {t for s in desired.shares.values() for t in s.objects}
    by_catalog: dict[str, dict[str, str | None]] = {}
    for name, table in desired.tables.items():
        by_catalog.setdefault(name.split(".")[0], {})[name] = table.owner
    checks: list[tuple[str, Callable[[], None]]] = [
        ("SQL scripting", lambda: _check_scripting(client, report))
    ]
    mask_schemas: dict[str, set[str]] = {}
    for name in desired.functions:
        catalog, schema, _ = name.split(".")
        mask_schemas.setdefault(catalog, set()).add(schema)
    checks += [
        (
            f"catalog {c}",
            lambda c=c, t=t: _check_catalog(  # type: ignore[misc]
                client, c, t, shared, report, mask_schemas=frozenset(mask_schemas.get(c.lower(), set()))
            ),
        )
        for c, t in sorted(by_catalog.items())
    ]
    checks.append(("shares", lambda: _check_shares(client, desired, actual, report)))
    checks.append(("Trino", lambda: _check_trino(client, desired, trino, report)))
    for subject, check in checks:
        try:
            check()
        except (StatementError, DatabricksError, TimeoutError, OSError) as error:
            report.problems.append(Problem(subject, f"could not be checked ({describe_error(error)})"))
    return report
