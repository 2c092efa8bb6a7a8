"""Apply a plan: one request per unit of work, units in parallel on a bounded thread pool.

A table's comment, column comments and tag changes go in one SQL script (falling back to one
statement each, and to per-column comments, when the warehouse rejects those forms); its grants in
one `grants.update`; its owner through `tables.update`; share object changes in batches of 100.
A failed unit is named and the others carry on; every change is written to the audit log.

Units run in phases so the sync never removes its own rights before it is done: comments, tags and
grants first (COMMENT ON needs MODIFY, SET TAGS needs APPLY TAG, grants need ownership or MANAGE),
then shares (ADD needs SELECT, which a grant of the first phase may give), and owner changes last,
after every other write to that table has finished: ownership moving to a domain group takes the
sync's implicit owner rights away.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from governance.unity import sql
from governance.unity.audit import AuditLog
from governance.unity.client import GrantChange, StatementError, UnityClient, describe_error
from governance.unity.plan import Change, Plan

SHARE_BATCH = 100  # Delta Sharing accepts at most 100 data-object updates per call
PHASES = (frozenset({"metadata", "grants"}), frozenset({"share"}), frozenset({"owner"}))
SCRIPTING_UNSUPPORTED = "UNSUPPORTED_FEATURE.SQL_SCRIPTING"


@dataclass
class Failure:
    target: str
    kinds: list[str]
    error: str

    def __str__(self) -> str:
        return f"{self.target} ({', '.join(self.kinds)}): {self.error}"


@dataclass
class ApplyResult:
    applied: int = 0
    failures: list[Failure] = field(default_factory=list)


def _metadata_statements(changes: list[Change], multi_column: bool) -> list[str]:
    statements: list[str] = []
    for change in changes:
        if change.kind == "comment":
            statements.append(sql.comment_on_table(change.target, change.after))
        elif change.kind == "column_comments":
            if multi_column:
                statements.append(sql.alter_column_comments(change.target, change.after))
            else:
                statements.extend(
                    sql.alter_column_comments(change.target, {c: v}) for c, v in sorted(change.after.items())
                )
        elif change.kind == "tags":
            if change.after["unset"]:
                statements.append(sql.unset_tags(change.target, change.column, change.after["unset"]))
            if change.after["set"]:
                statements.append(sql.set_tags(change.target, change.column, change.after["set"]))
    return statements


class Applier:
    def __init__(self, client: UnityClient, audit: AuditLog, concurrency: int = 8) -> None:
        self.client = client
        self.audit = audit
        self.concurrency = max(1, concurrency)
        # Capabilities learned from the warehouse; flipped once when it rejects a form.
        self.scripting = True
        self.multi_column = True
        self._lock = threading.Lock()
        self.result = ApplyResult()

    def apply(self, plan: Plan) -> ApplyResult:
        units: dict[tuple[str, str], list[Change]] = {}
        for change in plan.changes:
            units.setdefault(change.unit, []).append(change)
        for phase in PHASES:  # one phase finishes before the next starts
            batch = [(u, c) for u, c in units.items() if u[0] in phase]
            with ThreadPoolExecutor(max_workers=self.concurrency) as pool:
                for job in [pool.submit(self._run_unit, u, c) for u, c in batch]:
                    job.result()
        return self.result

    def _run_unit(self, unit: tuple[str, str], changes: list[Change]) -> None:
        kind = unit[0]
        handler: Callable[[list[Change]], str] = {
            "metadata": self._metadata,
            "grants": self._grants,
            "owner": self._owner,
            "share": self._share,
        }[kind]
        try:
            request = handler(changes)
        except Exception as error:
            message = describe_error(error)
            with self._lock:
                self.result.failures.append(
                    Failure(changes[0].target, sorted({c.kind for c in changes}), message)
                )
            for change in changes:
                self.audit.record(change, "failed", kind, message)
            return
        with self._lock:
            self.result.applied += len(changes)
        for change in changes:
            self.audit.record(change, "applied", request)

    def _metadata(self, changes: list[Change]) -> str:
        multi_column = self.multi_column
        statements = _metadata_statements(changes, multi_column)
        multi = {  # the multi-column ALTER COLUMN forms older runtimes cannot parse
            sql.alter_column_comments(c.target, c.after)
            for c in changes
            if multi_column and c.kind == "column_comments" and len(c.after) > 1
        }
        if self.scripting and len(statements) > 1:
            try:
                self.client.execute(sql.script(statements))
                return "sql script"
            except StatementError as error:
                if error.error_class == SCRIPTING_UNSUPPORTED:
                    self.scripting = (
                        False  # the warehouse has no SQL scripting: one statement each from now on
                    )
                # Any other failure belongs to this table only: replay its statements one by one (they
                # are idempotent) so the failing one is named and the others still land.
        for statement in statements:
            try:
                self.client.execute(statement)
            except StatementError as error:
                if error.error_class == "PARSE_SYNTAX_ERROR" and statement in multi:
                    self.multi_column = False  # no multi-column ALTER COLUMN: one column per statement
                    return self._metadata(changes)  # statements are idempotent: replaying is safe
                raise
        return "sql"

    def _grants(self, changes: list[Change]) -> str:
        (change,) = changes
        delta = [GrantChange(p, tuple(d["add"]), tuple(d["remove"])) for p, d in sorted(change.after.items())]
        self.client.update_grants(change.securable, change.target, delta)
        return "grants.update"

    def _owner(self, changes: list[Change]) -> str:
        (change,) = changes
        self.client.set_owner(change.target, change.after)
        return "tables.update"

    def _share(self, changes: list[Change]) -> str:
        # Create first, then objects, then recipients: recipients need the share, objects the share too.
        order = {"share_create": 0, "share_objects": 1, "share_recipients": 2}
        for change in sorted(changes, key=lambda c: order[c.kind]):
            if change.kind == "share_create":
                self.client.create_share(change.target)
            elif change.kind == "share_objects":
                updates = [("add", t) for t in change.after["add"]] + [
                    ("remove", t) for t in change.after["remove"]
                ]
                for start in range(0, len(updates), SHARE_BATCH):
                    batch = updates[start : start + SHARE_BATCH]
                    self.client.update_share_objects(
                        change.target,
                        [t for a, t in batch if a == "add"],
                        [t for a, t in batch if a == "remove"],
                    )
            else:
                delta = [
                    GrantChange(r, tuple(d["add"]), tuple(d["remove"]))
                    for r, d in sorted(change.after.items())
                ]
                self.client.update_share_permissions(change.target, delta)
        return "shares.update"
