"""The sync end to end, shared by `mesh plan`, `mesh sync` and scripts/governance_sync.py."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import PermissionDenied, Unauthenticated

from governance.errors import ExitCode, MeshError
from governance.findings import Finding, Severity
from governance.loader import load_mesh
from governance.model import Location, MeshModel
from governance.unity.actual import read_actual
from governance.unity.apply import Applier, ApplyResult
from governance.unity.audit import AuditLog
from governance.unity.client import StatementError, UnityClient, describe_error
from governance.unity.config import UnityConfig, load_config
from governance.unity.desired import DesiredState, build_desired, synced_products
from governance.unity.doctor import Problem, Report, diagnose
from governance.unity.ownership import check_ownership
from governance.unity.plan import Change, Plan, diff
from governance.unity.sql import quote_ident
from governance.unity.state import UnityState


@dataclass
class Inputs:
    config: UnityConfig
    desired: DesiredState
    mesh: MeshModel | None = None  # what the commands report governing (tests may build Inputs without it)


def load_inputs(root: Path, config_path: Path | None = None) -> Inputs:
    config = load_config(root, config_path)
    mesh = load_mesh(root)
    check_ownership(mesh, synced_products(mesh))  # never another domain's catalog, whatever dbt says
    return Inputs(config, build_desired(mesh, config), mesh)


def connect(inputs: Inputs) -> UnityClient:
    """The one place that builds the client from the config (plan, sync and doctor share it)."""
    config = inputs.config
    return UnityClient.connect(config.resolve_warehouse_id(), retries=config.retries)


def doctor_report(client: UnityClient, inputs: Inputs) -> Report:
    """`mesh doctor`: the preflight checks, then what the state shows that a grant cannot fix by itself:
    SELECT inherited into a restricted product (UNITY004), one line each with its REVOKE and GRANTs."""
    report = diagnose(client, inputs.desired.state, trino=inputs.config.trino_principal)
    if not report.principal or not report.warehouse:
        return report  # no connection or no warehouse: reported already, nothing more can be read
    state = inputs.desired.state
    keys = {k for t in state.tables.values() for k in t.tags} | {
        k for t in state.tables.values() for tags in t.column_tags.values() for k in tags
    }
    governed = sorted(keys & set(client.tag_policies() or {})) if keys else []
    for key in governed:
        # only principals with ASSIGN (or MANAGE) on a governed tag may assign it; that permission lives
        # in the account's access control, not in what the sync reads (admin/tag-policies/manage-permissions)
        report.problems.append(
            Problem(
                f"governed tag {key}",
                "the sync sets it, and Unity Catalog takes it only from a principal with ASSIGN on its tag "
                "policy (not readable here: a refusal fails that table's tags, one line)",
                f"give {report.principal} ASSIGN on the governed tag {key} "
                "(Catalog > Govern > Governed tags)",
                blocking=False,
            )
        )
    try:
        plan = compute_plan(client, inputs, prune=False)
    except MeshError as error:
        report.problems.append(Problem("Unity Catalog state", f"could not be read ({error})"))
        return report
    for finding in plan.findings:
        if finding.code != "UNITY004":
            continue
        message, _, fix = finding.message.partition("; fix: ")
        statements, _, note = fix.partition(" (")
        report.problems.append(
            Problem(f"table {finding.location.path}", f"{message} ({note}", statements or None)
        )
    return report


def read_state(
    client: UnityClient, tables: Iterable[str], shares: Iterable[str], concurrency: int
) -> UnityState:
    """The actual state, or one clear line when the workspace cannot be read."""
    try:
        return read_actual(client, tables, shares, concurrency)
    except (Unauthenticated, PermissionDenied) as error:
        raise MeshError(
            f"Databricks refused the credentials ({describe_error(error)}); "
            "check DATABRICKS_HOST and the token "
            "or profile the SDK resolves",
            ExitCode.BAD_INPUT,
        ) from None
    except (DatabricksError, StatementError, TimeoutError, OSError) as error:
        raise MeshError(
            f"cannot read Unity Catalog state: {describe_error(error)}", ExitCode.FAILED
        ) from None


def compute_plan(client: UnityClient, inputs: Inputs, prune: bool) -> Plan:
    desired = inputs.desired.state
    actual = read_state(client, desired.tables, desired.shares, inputs.config.concurrency)
    with_owners = with_own_execute(client.principal, with_share_owner_access(client, desired, actual), actual)
    plan = diff(with_owners, actual, inputs.config, prune, inputs.desired.findings)
    # The sync principal's own catalog-wide rights (README) reach restricted products by design.
    me = f"principal:{client.principal}"
    plan.findings[:] = [f for f in plan.findings if not (f.code == "UNITY004" and f.subject == me)]
    # a share owner is granted SELECT for its shares, which must not make its other grants prunable
    managed = inputs.config.all_managed_principals() | {p for t in desired.tables.values() for p in t.grants}
    for change in plan.changes:
        if change.kind != "grants":
            continue
        for principal, delta in change.after.items():
            if principal not in managed:
                delta["remove"] = []
    plan.changes[:] = [
        c
        for c in plan.changes
        if c.kind != "grants" or any(d["add"] or d["remove"] for d in c.after.values())
    ]
    hold_masks_without_functions(plan, actual, client.principal)
    if any(c.kind == "tags" for c in plan.changes):
        hold_tags_the_service_refuses(plan, actual, client.tag_policies() or {})
    return note_what_cannot_be_seen(plan, actual)


# https://docs.databricks.com/aws/en/database-objects/tags: at most 50 tags per object.
MAX_TAGS_PER_OBJECT = 50
GOVERNED_MAX = 256  # governed tag keys and values (admin/governed-tags/manage-governed-tags)


def hold_tags_the_service_refuses(
    plan: Plan, actual: UnityState, governed: dict[str, frozenset[str]]
) -> None:
    """Tag writes Unity Catalog would refuse are findings, and wait, instead of failed statements: a value a
    tag policy does not allow (or a governed value over 256 characters), UNITY006, that key only; a change
    that would take an object past 50 tags, UNITY007, that object's change. Whether the sync holds ASSIGN
    on a governed key is not readable here: a refusal fails that table's statement, one line."""
    refused: dict[tuple[str, str], list[str]] = {}
    kept: list[Change] = []
    for change in plan.changes:
        if change.kind != "tags":
            kept.append(change)
            continue
        where = f"{change.target}.{change.column}" if change.column else change.target
        to_set = dict(change.after["set"])
        for key, value in sorted(to_set.items()):
            allowed = governed.get(key)
            if allowed is None:
                continue
            if (allowed and value not in allowed) or len(value) > GOVERNED_MAX or len(key) > GOVERNED_MAX:
                refused.setdefault((key, value), []).append(where)
                del to_set[key]
        table = actual.tables.get(change.target)
        held = (
            (table.column_tags.get(change.column or "", {}) if change.column else table.tags) if table else {}
        )
        count = len((set(held) - set(change.after["unset"])) | set(to_set))
        if count > MAX_TAGS_PER_OBJECT:
            plan.findings.append(
                Finding(
                    code="UNITY007",
                    severity=Severity.ERROR,
                    message=(
                        f"{where} would carry {count} tags, over Unity Catalog's {MAX_TAGS_PER_OBJECT} per "
                        f"object; its managed tags wait: remove tags the mesh does not manage from it"
                    ),
                    domain=change.domain,
                    owner=None,
                    location=Location(where),
                )
            )
            continue
        if to_set or change.after["unset"]:
            kept.append(replace(change, after={"set": to_set, "unset": change.after["unset"]}))
    for (key, value), places in sorted(refused.items()):
        allowed = governed[key]
        values = f"allowed: {', '.join(sorted(allowed))}" if allowed else f"at most {GOVERNED_MAX} characters"
        plan.findings.append(
            Finding(
                code="UNITY006",
                severity=Severity.ERROR,
                message=(
                    f"tag {key} = {value[:60]!r} on {places[0]}"
                    + (f" and {len(places) - 1} more" if len(places) > 1 else "")
                    + f" is refused by the governed tag's policy ({values}); that tag waits: add the value "
                    "to the tag policy or change what the mesh declares"
                ),
                domain="",
                owner=None,
                location=Location(places[0]),
            )
        )
    plan.changes[:] = kept


def hold_masks_without_functions(plan: Plan, actual: UnityState, principal: str) -> None:
    """A mask function the sync principal may not create (no CREATE FUNCTION on the schema:
    https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-syntax-ddl-create-sql-function) is one
    finding per schema, and nothing of it is written half-way: the functions, the masks that need them
    and the grants on those tables wait (a reader granted now would read the PII unmasked)."""
    creating = {
        c.target
        for c in plan.changes
        if c.kind == "function" and c.target.rsplit(".", 1)[0].lower() not in actual.may_create_functions
    }
    if not creating:
        return
    waiting = {c.target for c in plan.changes if c.kind == "mask" and c.after["function"] in creating}
    for schema in sorted({f.rsplit(".", 1)[0] for f in creating}):
        tables = sorted(t for t in waiting if t.lower().startswith(schema + "."))
        catalog, name = schema.split(".")
        plan.findings.append(
            Finding(
                code="UNITY005",
                severity=Severity.ERROR,
                message=(
                    f"schema {schema}: the sync principal {principal} may not create the PII mask functions "
                    f"(no CREATE FUNCTION), so the masks and grants of {', '.join(tables) or 'its products'} "
                    f"wait; fix: GRANT CREATE FUNCTION ON SCHEMA {quote_ident(catalog)}.{quote_ident(name)} "
                    f"TO {quote_ident(principal)}"
                ),
                domain=next((c.domain for c in plan.changes if c.target in creating), ""),
                owner=None,
                location=Location(f"schema {schema}"),
            )
        )
    plan.changes[:] = [
        c
        for c in plan.changes
        if c.target not in creating and not (c.target in waiting and c.kind in ("mask", "grants"))
    ]


def with_share_owner_access(client: UnityClient, desired: UnityState, actual: UnityState) -> UnityState:
    """A share's owner must hold SELECT on every table it shares, for as long as it shares it, or the
    recipients lose access (https://docs.databricks.com/aws/en/delta-sharing/create-share): the owner
    gets it as a direct grant, applied before the share's objects are added."""
    shared: dict[str, set[str]] = {}
    for name, share in desired.shares.items():
        if not share.objects:
            continue
        have = actual.shares.get(name)
        if have is not None and have.unreadable:
            continue  # left alone: reported as UNITY003
        owner = share.owner or (have.owner if have is not None and have.exists and have.owner else None)
        owner = owner or client.principal
        for table in share.objects:
            shared.setdefault(table, set()).add(owner)
    if not shared:
        return desired
    tables = dict(desired.tables)
    catalogs = {k: dict(v) for k, v in desired.catalog_grants.items()}
    schemas = {k: dict(v) for k, v in desired.schema_grants.items()}
    for table, owners in shared.items():
        if table in tables:
            want = tables[table]
            grants = dict(want.grants)
            catalog, schema, _ = table.split(".")
            for owner in owners:
                grants[owner] = grants.get(owner, frozenset()) | {"SELECT"}
                if owner != client.principal:  # a group named in unity.yml also needs to reach the table
                    held = catalogs.setdefault(catalog, {})
                    held[owner] = held.get(owner, frozenset()) | {"USE_CATALOG"}
                    held = schemas.setdefault(f"{catalog}.{schema}", {})
                    held[owner] = held.get(owner, frozenset()) | {"USE_SCHEMA"}
            tables[table] = replace(want, grants=grants)
    return replace(desired, tables=tables, catalog_grants=catalogs, schema_grants=schemas)


def with_own_execute(principal: str, desired: UnityState, actual: UnityState) -> UnityState:
    """SET MASK takes EXECUTE on the function (filters-and-masks/manually-apply): a mesh function another
    principal created (the build's pre-hook on a first deploy) is granted to the sync principal too."""
    grants = {name: dict(held) for name, held in desired.function_grants.items()}
    for name in desired.functions:
        have = actual.functions.get(name)
        if have is not None and not have.owned:
            grants.setdefault(name, {})[principal] = frozenset({"EXECUTE"})
    return replace(desired, function_grants=grants)


def note_what_cannot_be_seen(plan: Plan, actual: UnityState) -> Plan:
    """Tables hidden from the sync principal are not 'missing', and grants it cannot read are left alone."""
    for item in plan.missing:
        item["reason"] = (
            "exists but is not visible to the sync principal (grant it USE CATALOG, USE SCHEMA and a "
            "privilege on the table; see mesh doctor)"
            if item["table"] in actual.invisible
            else "does not exist"
        )
    if actual.grants_unknown:
        kept = [c for c in plan.changes if not (c.kind == "grants" and c.target in actual.grants_unknown)]
        plan.changes[:] = kept
        for name in sorted(actual.grants_unknown):
            plan.drift.append(
                f"{name}: grants not readable by the sync principal (it neither owns it nor holds MANAGE); "
                "left unchanged, see mesh doctor"
            )
    return plan


def apply_plan(client: UnityClient, plan: Plan, config: UnityConfig, audit_path: Path | None) -> ApplyResult:
    audit = AuditLog(audit_path, client.host)
    try:
        # Intents a killed run left open are settled against the workspace before anything is written.
        audit.reconcile(lambda tables, shares: read_state(client, tables, shares, config.concurrency))
        return Applier(client, audit, config.concurrency).apply(plan)
    finally:
        audit.close()
