"""A plan: the changes that take the actual state to the desired one, as reviewable JSON.

`diff` writes only differences. Without `prune` nothing is removed; with it, managed tag keys and
grants of managed principals that are no longer declared are removed. Tag keys outside the managed
set and principals outside the managed principals are never touched, only reported as drift.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from governance.errors import MeshError
from governance.findings import Finding, Severity
from governance.model import Location
from governance.unity.config import UnityConfig
from governance.unity.masks import is_mesh_function
from governance.unity.sql import quote_ident, quote_name
from governance.unity.state import Grants, TableState, Tags, UnityState

PLAN_VERSION = 1
# On catalogs and schemas the sync owns only the access privileges it grants to readers.
# On catalogs and schemas the sync owns only the access privileges it grants to readers; on its mask
# functions only EXECUTE.
CONTAINER_PRIVILEGES = {
    "catalog": frozenset({"USE_CATALOG"}),
    "schema": frozenset({"USE_SCHEMA"}),
    "function": frozenset({"EXECUTE"}),
}


@dataclass(frozen=True)
class Change:
    """One write. `before`/`after` are JSON values; for tags/grants `after` holds the delta to apply."""

    # comment | column_comments | tags | mask | owner | grants | function | share_create | share_objects
    # | share_recipients
    kind: str
    securable: str  # table | schema | catalog | share | function
    target: str  # full name of the securable
    domain: str
    before: Any
    after: Any
    column: str | None = None
    drift: bool = False  # the actual value was set by someone else (not merely missing)

    @property
    def unit(self) -> tuple[str, str]:
        """Changes applied together in one request: a table's comments and tags share one SQL script."""
        if self.kind in ("comment", "column_comments", "tags", "mask"):
            return ("metadata", self.target)
        if self.kind == "share_owner":
            return ("owner", f"share:{self.target}")
        if self.kind == "grants" and self.securable == "function":
            return ("function_grants", f"function:{self.target}")  # EXECUTE before any SET MASK
        if self.kind.startswith("share"):
            return ("share", self.target)
        return (self.kind, f"{self.securable}:{self.target}")

    def describe(self) -> str:
        where = f"{self.target}.{self.column}" if self.column else self.target
        return f"{self.kind} on {self.securable} {where}"


@dataclass
class Plan:
    fingerprint: str
    prune: bool
    changes: list[Change] = field(default_factory=list)
    missing: list[dict[str, str]] = field(default_factory=list)  # declared products whose table is absent
    drift: list[str] = field(default_factory=list)  # differences left alone (unmanaged, or no --prune)
    findings: list[Finding] = field(default_factory=list)
    tables: list[str] = field(default_factory=list)  # the scope read, to re-check the fingerprint on apply
    shares: list[str] = field(default_factory=list)
    blocked_functions: list[str] = field(default_factory=list)  # names taken by a function not the mesh's
    created_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def to_json(self) -> bytes:
        body = {
            "version": PLAN_VERSION,
            "created_at": self.created_at,
            "fingerprint": self.fingerprint,
            "prune": self.prune,
            "changes": [asdict(c) for c in self.changes],
            "missing": self.missing,
            "drift": self.drift,
            "tables": self.tables,
            "shares": self.shares,
            "findings": [
                {
                    "code": f.code,
                    "severity": f.severity.value,
                    "message": f.message,
                    "location": str(f.location),
                }
                for f in self.findings
            ],
        }
        return orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS)

    @classmethod
    def read(cls, path: Path) -> Plan:
        """A plan file, checked for shape only: `check_reviewed` decides whether its changes may apply."""
        hint = "write one with mesh plan --platform unity --out"
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            raise MeshError(f"{path}: plan file not found; {hint}") from None
        except IsADirectoryError:
            raise MeshError(f"{path}: is a folder, not a plan file; {hint}") from None
        except OSError as exc:
            raise MeshError(f"{path}: cannot read the plan file ({exc.strerror}); {hint}") from None
        try:
            body = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise MeshError(f"{path}: not JSON ({exc}); {hint}") from None
        if not isinstance(body, dict):
            raise MeshError(f"{path}: not a plan written by mesh plan (a JSON object expected); {hint}")
        if body.get("version") != PLAN_VERSION:
            raise MeshError(
                f"{path}: plan version {body.get('version')!r} is not {PLAN_VERSION}; re-run mesh plan"
            )
        fingerprint, prune = body.get("fingerprint"), body.get("prune")
        if not isinstance(fingerprint, str) or not isinstance(prune, bool):
            raise MeshError(f"{path}: `fingerprint` and `prune` are missing or malformed; {hint}")
        _check_lists(path, body, hint)
        return cls(
            fingerprint=fingerprint,
            prune=prune,
            changes=[_change(path, number, c) for number, c in enumerate(body["changes"], 1)],
            missing=[m for m in body.get("missing") or [] if isinstance(m, dict)],
            drift=[str(d) for d in body.get("drift") or []],
            tables=list(body["tables"]),
            shares=list(body["shares"]),
            created_at=str(body.get("created_at", "")),
        )


CHANGE_KINDS = {
    "comment": "table", "column_comments": "table", "tags": "table", "owner": "table", "mask": "table",
    "grants": None, "share_create": "share", "share_objects": "share", "share_recipients": "share",
    "function": "function", "share_owner": "share",
}  # fmt: skip
_CHANGE_FIELDS = {f.name for f in fields(Change)}
_REQUIRED_FIELDS = {"kind", "securable", "target", "domain", "before", "after"}


def _check_lists(path: Path, body: dict[str, Any], hint: str) -> None:
    for key in ("tables", "shares"):
        value = body.get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise MeshError(f"{path}: `{key}` must be a list of names; {hint}")
    if not isinstance(body.get("changes"), list):
        raise MeshError(f"{path}: `changes` must be a list; {hint}")
    for key in ("missing", "drift"):  # optional
        if not isinstance(body.get(key) or [], list):
            raise MeshError(f"{path}: `{key}` must be a list; {hint}")


def _change(path: Path, number: int, raw: Any) -> Change:
    """One change of a plan file, its shape checked (whether the tool would compute it is checked later)."""
    where = f"{path}: change {number}"
    if not isinstance(raw, dict):
        raise MeshError(f"{where} is not an object; re-run mesh plan")
    unknown = sorted(set(raw) - _CHANGE_FIELDS)
    missing = sorted(_REQUIRED_FIELDS - set(raw))
    if unknown or missing:
        what = f"unknown field {unknown[0]!r}" if unknown else f"no field {missing[0]!r}"
        raise MeshError(f"{where} has {what}; re-run mesh plan")
    kind = raw["kind"]
    if not isinstance(kind, str) or kind not in CHANGE_KINDS:
        raise MeshError(f"{where}: unknown change kind {kind!r}; re-run mesh plan")
    for key in ("securable", "target", "domain"):
        if not isinstance(raw[key], str):
            raise MeshError(f"{where}: `{key}` must be a string; re-run mesh plan")
    if not isinstance(raw.get("column"), str | None) or not isinstance(raw.get("drift", False), bool):
        raise MeshError(f"{where}: `column` or `drift` is malformed; re-run mesh plan")
    if kind not in ("comment", "owner", "share_create", "share_owner") and not isinstance(raw["after"], dict):
        raise MeshError(f"{where}: `after` of a {kind} change must be an object; re-run mesh plan")
    return Change(**raw)


def _identity(change: Change) -> bytes:
    return orjson.dumps(asdict(change), option=orjson.OPT_SORT_KEYS)


def check_reviewed(reviewed: Plan, computed: Plan, path: Path) -> None:
    """Refuse a reviewed plan, whole, unless every change in it is one the tool computes now.

    `computed` is the plan for the current mesh, unity.yml and workspace. The reviewed plan must cover the
    same objects (so its fingerprint covers every object a change can touch), the workspace must still
    hold the state it was computed on, and each of its changes must be identical to a computed one: an
    edited owner, grant or tag, an object outside the mesh, or an unmanaged key or principal never is.
    A reviewer may drop changes; nothing can be added or altered.
    """
    if reviewed.prune != computed.prune:
        raise MeshError(f"{path}: the plan's prune setting does not match; re-run mesh plan")
    for label, held, now in (
        ("tables", reviewed.tables, computed.tables),
        ("shares", reviewed.shares, computed.shares),
    ):
        extra, absent = sorted(set(held) - set(now)), sorted(set(now) - set(held))
        if extra or absent or len(held) != len(set(held)):
            detail = f"{extra[0]} is not a product of the mesh" if extra else f"{absent[0]} is not covered"
            raise MeshError(
                f"{path}: the plan's {label} are not the current mesh's ({detail}); "
                "run mesh plan again and review it"
            )
    if reviewed.fingerprint != computed.fingerprint:
        raise MeshError(
            f"{path}: Unity Catalog changed since this plan was computed "
            f"(state {reviewed.fingerprint[:12]}, now {computed.fingerprint[:12]}); "
            "run mesh plan again and review it"
        )
    available: dict[bytes, int] = {}
    for change in computed.changes:
        key = _identity(change)
        available[key] = available.get(key, 0) + 1
    for number, change in enumerate(reviewed.changes, 1):
        key = _identity(change)
        if not available.get(key):
            raise MeshError(
                f"{path}: change {number} ({change.describe()}) is not one mesh plan computes for the "
                "current mesh, unity.yml and workspace (edited, or for an object it does not manage); "
                "nothing was applied: run mesh plan again and review it"
            )
        available[key] -= 1


def _grant_delta(
    securable: str,
    target: str,
    *,
    domain: str,
    desired: Grants,
    actual: Grants,
    managed: frozenset[str],
    prune: bool,
) -> tuple[Change | None, list[str]]:
    owned = CONTAINER_PRIVILEGES.get(securable)
    delta: dict[str, dict[str, list[str]]] = {}
    drift: list[str] = []
    for principal in sorted(set(desired) | set(actual)):
        want, have = desired.get(principal, frozenset()), actual.get(principal, frozenset())
        add = sorted(want - have)
        extra = have - want
        if owned is not None:
            extra &= owned
        removable = principal in managed or principal in desired
        remove = sorted(extra) if prune and removable else []
        if extra and not remove:
            reason = "undeclared, kept without --prune" if removable else "unmanaged principal, never touched"
            drift.append(f"{securable} {target}: {principal} holds {', '.join(sorted(extra))} ({reason})")
        if add or remove:
            delta[principal] = {"add": add, "remove": remove}
    if not delta:
        return None, drift
    before = {p: sorted(actual.get(p, frozenset())) for p in delta}
    return Change(
        "grants", securable, target, domain, before, delta, drift=any(d["remove"] for d in delta.values())
    ), drift


def _tag_delta(
    target: str,
    column: str | None,
    *,
    domain: str,
    desired: Tags,
    actual: Tags,
    config: UnityConfig,
    prune: bool,
) -> tuple[Change | None, list[str]]:
    to_set = {k: v for k, v in desired.items() if actual.get(k) != v}
    undeclared = sorted(k for k in actual if k not in desired and config.is_managed_tag(k))
    unset = undeclared if prune else []
    where = f"{target}.{column}" if column else target
    drift = (
        []
        if prune or not undeclared
        else [f"tags on {where}: {', '.join(undeclared)} undeclared, kept without --prune"]
    )
    if not to_set and not unset:
        return None, drift
    before = {k: actual[k] for k in sorted(set(to_set) | set(unset)) if k in actual}
    changed_value = any(k in actual for k in to_set)
    return Change(
        "tags",
        "table",
        target,
        domain,
        before,
        {"set": to_set, "unset": unset},
        column,
        changed_value or bool(unset),
    ), drift


def _table_changes(
    want: TableState,
    have: TableState,
    *,
    config: UnityConfig,
    managed: frozenset[str],
    prune: bool,
    plan: Plan,
    siblings: list[tuple[TableState, TableState]] = [],  # noqa: B006 (read only)
) -> None:
    target, domain = want.full_name, want.domain
    if want.comment is not None and want.comment != have.comment:
        plan.changes.append(
            Change(
                "comment", "table", target, domain, have.comment, want.comment, drift=have.comment is not None
            )
        )
    before: dict[str, str | None] = {}
    after: dict[str, str | None] = {}
    for column, comment in want.columns.items():
        if column not in have.columns:
            plan.drift.append(
                f"table {target}: column {column!r} is declared in YAML but absent from the table"
            )
            continue
        if comment is not None and comment != have.columns[column]:
            before[column], after[column] = have.columns[column], comment
    if after:
        plan.changes.append(
            Change(
                "column_comments",
                "table",
                target,
                domain,
                before,
                after,
                drift=any(v for v in before.values()),
            )
        )
    if want.owner is not None and want.owner != have.owner:
        plan.changes.append(Change("owner", "table", target, domain, have.owner, want.owner, drift=True))
    tag_change, notes = _tag_delta(
        target, None, domain=domain, desired=want.tags, actual=have.tags, config=config, prune=prune
    )
    plan.drift.extend(notes)
    if tag_change:
        plan.changes.append(tag_change)
    for column in sorted(set(want.columns) | set(have.column_tags)):
        if column not in have.columns:
            continue
        tag_change, notes = _tag_delta(
            target,
            column,
            domain=domain,
            desired=want.column_tags.get(column, {}),
            actual=have.column_tags.get(column, {}),
            config=config,
            prune=prune,
        )
        plan.drift.extend(notes)
        if tag_change:
            plan.changes.append(tag_change)
    _mask_changes(want, have, plan)
    _inherited_into_restricted(want, have, plan, siblings)
    grant_change, notes = _grant_delta(
        "table", target, domain=domain, desired=want.grants, actual=have.grants, managed=managed, prune=prune
    )
    plan.drift.extend(notes)
    if grant_change:
        plan.changes.append(grant_change)


def _mask_changes(want: TableState, have: TableState, plan: Plan) -> None:
    """SET MASK where a withheld column lacks the mesh's mask (or holds an outdated mesh mask), DROP MASK
    where a mesh mask remains on a column no longer withheld; another principal's mask is left alone.
    Columns are matched as Unity Catalog resolves them: case-insensitively."""
    target, domain = want.full_name, want.domain
    columns = {c.lower(): c for c in have.columns}
    held = {c.lower(): (c, f) for c, f in have.masks.items()}
    blocked = set(plan.blocked_functions)
    for column, function in sorted(want.masks.items()):
        stored = columns.get(column.lower())
        if stored is None:
            continue  # reported as a declared column absent from the table
        current = held.get(column.lower(), (stored, None))[1]
        if current == function:
            continue
        if current and not is_mesh_function(current):
            plan.drift.append(
                f"table {target}: column {stored!r} is masked by {current}, not the mesh's {function}; "
                "left alone (drop that mask to let the sync apply its own)"
            )
            continue
        if function in blocked:
            continue  # the function's name is taken by another definition: reported once, as a finding
        plan.changes.append(
            Change(
                "mask", "table", target, domain, current, {"function": function}, stored, current is not None
            )
        )
    wanted = {c.lower() for c in want.masks}
    for lowered, (stored, current) in sorted(held.items()):
        if lowered not in wanted and is_mesh_function(current) and lowered in columns:
            plan.changes.append(Change("mask", "table", target, domain, current, {"function": None}, stored))


def _keep_other_reads(
    principal: str,
    privilege: str,
    origin: str,
    want: TableState,
    siblings: list[tuple[TableState, TableState]],
) -> list[str]:
    """GRANT ... ON TABLE for every other product the principal reads through the same inheritance and the
    sync does not grant it: after the REVOKE it keeps exactly what it had, the restricted product aside."""
    catalog, schema, _ = want.full_name.lower().split(".")
    container = catalog if origin == "CATALOG" else f"{catalog}.{schema}"
    keep = []
    for other_want, other_have in siblings:
        name = other_want.full_name
        if name.lower() == want.full_name.lower() or other_want.restricted:
            continue
        if not name.lower().startswith(container + ".") or principal in other_want.grants:
            continue
        if (privilege, origin) in other_have.inherited.get(principal, set()):
            label = privilege.replace("_", " ")
            keep.append(f"GRANT {label} ON TABLE {quote_name(name)} TO {quote_ident(principal)}")
    return sorted(keep)


def _inherited_into_restricted(
    want: TableState, have: TableState, plan: Plan, siblings: list[tuple[TableState, TableState]]
) -> None:
    """SELECT inherited from the schema or catalog reaches every table in it, a restricted product too
    (https://docs.databricks.com/aws/en/data-governance/unity-catalog/manage-privileges/privileges): one
    finding per principal that is not among the product's readers, with the statements that fix it: the
    REVOKE, then a GRANT on each other product it read that way (mesh doctor prints them as one fix)."""
    if not want.restricted:
        return
    catalog, schema, _ = want.full_name.split(".")
    for principal, held in sorted(have.inherited.items()):
        if principal in want.grants or principal == want.owner:
            continue
        for privilege, origin in sorted(held):
            container = (
                f"CATALOG {quote_ident(catalog)}"
                if origin == "CATALOG"
                else (f"SCHEMA {quote_ident(catalog)}.{quote_ident(schema)}")
            )
            label = privilege.replace("_", " ")
            where = f"catalog {catalog}" if origin == "CATALOG" else f"schema {catalog}.{schema}"
            keep = _keep_other_reads(principal, privilege, origin, want, siblings)
            grants = f"; {'; '.join(keep)}" if keep else ""
            plan.findings.append(
                Finding(
                    code="UNITY004",
                    severity=Severity.ERROR,
                    message=(
                        f"{want.full_name} is restricted, yet {principal} reads it through {label} "
                        f"on {where}; fix: REVOKE {label} ON {container} FROM {quote_ident(principal)}"
                        f"{grants} "
                        "(the GRANTs keep what it read there through the same privilege; any table outside "
                        "the mesh it reads there needs one too)"
                    ),
                    domain=want.domain,
                    owner=want.owner,
                    location=Location(want.full_name),
                    subject=f"principal:{principal}",
                )
            )


def _function_changes(desired: UnityState, actual: UnityState, plan: Plan) -> None:
    """CREATE FUNCTION for each mesh mask function a present table needs and the workspace lacks. A
    function of that name with another body is not the mesh's: a finding, and its masks wait."""
    needed = {f for n, t in desired.tables.items() if n in actual.tables for f in t.masks.values()}
    for name in sorted(needed):
        want, have = desired.functions[name], actual.functions.get(name)
        schema = name.rsplit(".", 1)[0] + "."
        domain = next(
            (t.domain for t in desired.tables.values() if t.full_name.lower().startswith(schema)), ""
        )
        if have is None:
            after = {"data_type": want.data_type, "body": want.body}
            plan.changes.append(Change("function", "function", name, domain, None, after))
        elif (have.data_type.upper(), " ".join(have.body.split())) != (
            want.data_type,
            " ".join(want.body.split()),
        ):
            plan.blocked_functions.append(name)
            plan.findings.append(
                Finding(
                    code="UNITY002",
                    severity=Severity.ERROR,
                    message=(
                        f"function {name} exists but is not the mesh's mask ({have.data_type}: "
                        f"{have.body[:80]}); the sync never replaces it, so the PII columns it should mask "
                        "stay as they are: drop or rename that function"
                    ),
                    domain=domain,
                    owner=have.owner,
                    location=Location(str(name)),
                )
            )


def _function_grant_changes(
    desired: UnityState, actual: UnityState, plan: Plan, managed: frozenset[str], prune: bool
) -> None:
    """EXECUTE on each mesh mask function a present table needs, for the owners of the tables it masks
    (whoever declares `MASK f` needs EXECUTE on f: filters-and-masks/manually-apply). A function that is
    not the mesh's (UNITY002) is left alone, its grants too."""
    needed = {f for n, t in desired.tables.items() if n in actual.tables for f in t.masks.values()}
    blocked = set(plan.blocked_functions)
    for name in sorted(needed - blocked):
        if name in actual.grants_unknown:
            continue  # reported with the other unreadable grants
        change, notes = _grant_delta(
            "function",
            name,
            domain=next((c.domain for c in plan.changes if c.target == name), "")
            or _domain_of(name.rsplit(".", 1)[0], desired.tables.values()),
            desired=desired.function_grants.get(name, {}),
            actual=actual.function_grants.get(name, {}),
            managed=managed,
            prune=prune,
        )
        plan.drift.extend(notes)
        if change:
            plan.changes.append(change)


def _domain_of(name: str, tables: Iterable[TableState]) -> str:
    return next((t.domain for t in tables if t.full_name.startswith(name + ".")), "")


def diff(
    desired: UnityState,
    actual: UnityState,
    config: UnityConfig,
    prune: bool,
    findings: Iterable[Finding] = (),
) -> Plan:
    plan = Plan(
        fingerprint=actual.fingerprint(),
        prune=prune,
        findings=list(findings),
        tables=sorted(desired.tables),
        shares=sorted(desired.shares),
    )
    _function_changes(desired, actual, plan)
    managed = config.all_managed_principals()
    for want in desired.tables.values():
        managed |= frozenset(want.grants)
    _function_grant_changes(desired, actual, plan, managed, prune)
    siblings = [(w, actual.tables[n]) for n, w in sorted(desired.tables.items()) if n in actual.tables]
    for name, want in sorted(desired.tables.items()):
        have = actual.tables.get(name)
        if have is None:
            plan.missing.append({"domain": want.domain, "product": want.product, "table": name})
            continue
        _table_changes(want, have, config=config, managed=managed, prune=prune, plan=plan, siblings=siblings)
    present = [t for n, t in desired.tables.items() if n in actual.tables]
    containers: list[tuple[str, Mapping[str, Grants], Mapping[str, Grants]]] = [
        ("catalog", desired.catalog_grants, actual.catalog_grants),
        ("schema", desired.schema_grants, actual.schema_grants),
    ]
    for securable, wanted, held in containers:
        for name in sorted(wanted):
            if not any(t.full_name.startswith(name + ".") for t in present):
                continue  # nothing of ours exists there yet
            change, notes = _grant_delta(
                securable,
                name,
                domain=_domain_of(name, present),
                desired=wanted[name],
                actual=held.get(name, {}),
                managed=managed,
                prune=prune,
            )
            plan.drift.extend(notes)
            if change:
                plan.changes.append(change)
    _share_changes(desired, actual, plan)
    return plan


def _share_changes(desired: UnityState, actual: UnityState, plan: Plan) -> None:
    # Share objects are named as Unity Catalog stores them: lower case
    # (https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-names).
    ours = {n.lower() for n in desired.tables if n in actual.tables}
    declared = {n.lower() for n in desired.tables}
    for name, want in sorted(desired.shares.items()):
        have = actual.shares.get(name)
        if have is not None and have.unreadable:
            plan.findings.append(
                Finding(
                    code="UNITY003",
                    severity=Severity.ERROR,
                    message=(
                        f"share {name}: the sync principal may not read it (only its owner or a metastore "
                        "admin may); its objects and recipients are left as they are. Fix: ALTER SHARE "
                        f"{quote_ident(name)} OWNER TO <the sync principal or a group it belongs to>"
                    ),
                    domain="",
                    owner=None,
                    location=Location(f"share {name}"),
                )
            )
            continue
        exists = have is not None and have.exists
        if not exists:
            plan.changes.append(Change("share_create", "share", name, "", None, name))
        held = have.objects if have and exists else set()
        wanted = {t.lower() for t in want.objects}
        add = sorted((wanted & ours) - held)
        remove = sorted((held & declared) - wanted)  # only our products, never others'
        for table in sorted(held & wanted):
            alias = have.aliases.get(table) if have else None
            if alias and alias != want.aliases.get(table):
                plan.drift.append(
                    f"share {name}: {table} is shared as {alias}, the mesh's alias is "
                    f"{want.aliases.get(table)}; left as it is (recipients query it by that name)"
                )
        if add or remove:
            plan.changes.append(
                Change(
                    "share_objects",
                    "share",
                    name,
                    "",
                    sorted(held & declared),
                    {"add": add, "remove": remove, "shared_as": {t: want.aliases[t] for t in add}},
                )
            )
        if want.owner and (not exists or (have is not None and have.owner != want.owner)):
            # unity.yml `sharing.<share>.owner` (a group): handed over last, like a table's owner
            held_by = have.owner if have is not None and exists else None
            plan.changes.append(Change("share_owner", "share", name, "", held_by, want.owner, drift=True))
        recipients = have.recipients if have and exists else {}
        delta = {
            r: {"add": sorted(p - recipients.get(r, frozenset())), "remove": []}
            for r, p in sorted(want.recipients.items())
            if p - recipients.get(r, frozenset())
        }
        if delta:
            before = {r: sorted(recipients.get(r, frozenset())) for r in delta}
            plan.changes.append(Change("share_recipients", "share", name, "", before, delta))
