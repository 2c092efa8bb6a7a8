"""Apply a plan: one request per unit of work, units in parallel on a bounded thread pool.

A table's comment, column comments and tag changes go in one SQL script (falling back to one
statement each, and to per-column comments, when the warehouse rejects those forms); its grants in
one `grants.update`; its owner through `tables.update`; share object changes in batches of 100.
A failed unit is named and the others carry on; every write (statement or call) is audited on its
own, an intent before it is sent and its outcome after (see audit.py).

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
from functools import partial

from databricks.sdk.errors.base import DatabricksError
from databricks.sdk.errors.platform import PermissionDenied

from governance.unity import masks, sql
from governance.unity.audit import AuditLog, Effect, statements_of
from governance.unity.client import GrantChange, StatementError, UnityClient, describe_error
from governance.unity.plan import Change, Plan
from governance.unity.state import MaskFunction

SHARE_BATCH = 100  # Delta Sharing accepts at most 100 data-object updates per call
# Mask functions first; a table's masks (with its comments and tags) before any grant, so a reader the
# plan grants SELECT never reads a PII column unmasked; then shares, and owner changes last.
PHASES = (
    frozenset({"function"}),
    frozenset({"function_grants"}),  # EXECUTE on the masks, which SET MASK and a rebuild's MASK f need
    frozenset({"metadata"}),
    frozenset({"grants"}),
    frozenset({"share"}),
    frozenset({"owner"}),
)
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
        handler: Callable[[list[Change]], None] = {
            "metadata": self._metadata,
            "function": self._function,
            "function_grants": self._grants,
            "grants": self._grants,
            "owner": self._owner,
            "share": self._share,
        }[kind]
        try:
            handler(changes)  # each write it sends is audited on its own: intent, then outcome
        except Exception as error:
            message = describe_error(error)
            with self._lock:
                self.result.failures.append(
                    Failure(changes[0].target, sorted({c.kind for c in changes}), message)
                )
            return
        with self._lock:
            self.result.applied += len(changes)

    def _send(self, change: Change, request: str, effect: Effect, call: Callable[[], object]) -> None:
        """One REST write: intent on disk first, then the call, then its outcome."""
        write_id = self.audit.intent(change, request, effect)
        try:
            call()
        except Exception as error:
            self.audit.outcome(write_id, _status(error), describe_error(error))
            raise
        self.audit.outcome(write_id, "applied")

    def _metadata(self, changes: list[Change]) -> None:
        multi_column = self.multi_column
        planned = statements_of(changes, multi_column)
        multi = {  # the multi-column ALTER COLUMN forms older runtimes cannot parse
            sql.alter_column_comments(c.target, c.after)
            for c in changes
            if multi_column and c.kind == "column_comments" and len(c.after) > 1
        }
        ids: list[str | None] = [None] * len(planned)
        if self.scripting and len(planned) > 1:
            ids = [self.audit.intent(c, "sql script", e, s) for c, s, e in planned]
            try:
                self.client.execute(sql.script([s for _, s, _ in planned]))
            except StatementError as error:
                if error.error_class == SCRIPTING_UNSUPPORTED:
                    self.scripting = False  # the warehouse has no SQL scripting: one statement each now
                # Any other failure belongs to this table only, and a script is not a transaction: the
                # statements before the failing one applied. Replay them one by one (they are
                # idempotent) so each gets its own outcome and the others still land.
            except Exception as error:
                for write_id in ids:
                    self.audit.outcome(str(write_id), _status(error), describe_error(error))
                raise
            else:
                for write_id in ids:
                    self.audit.outcome(str(write_id), "applied")
                return
        self._replay(changes, planned, ids, multi)

    def _replay(
        self,
        changes: list[Change],
        planned: list[tuple[Change, str, Effect]],
        ids: list[str | None],
        multi: set[str],
    ) -> None:
        """One statement each (intents already logged for a failed script are reused), all attempted."""
        first_error: StatementError | None = None
        for index, (change, statement, effect) in enumerate(planned):
            write_id = ids[index] or self.audit.intent(change, "sql", effect, statement)
            try:
                self.client.execute(statement)
            except StatementError as error:
                if error.error_class == "PARSE_SYNTAX_ERROR" and statement in multi:
                    self.multi_column = False  # no multi-column ALTER COLUMN: one column per statement
                    for rest in [write_id, *ids[index + 1 :]]:
                        if rest:
                            self.audit.outcome(rest, "not_applied", "not run: replayed one column each")
                    self._metadata(changes)  # statements are idempotent: replaying is safe
                    return
                self.audit.outcome(write_id, "failed", describe_error(error))
                first_error = first_error or error
                continue
            except Exception as error:
                self.audit.outcome(write_id, _status(error), describe_error(error))
                for rest in ids[index + 1 :]:
                    if rest:
                        self.audit.outcome(rest, "not_applied", "not run: an earlier statement got no answer")
                raise
            self.audit.outcome(write_id, "applied")
        if first_error is not None:
            raise first_error

    def _function(self, changes: list[Change]) -> None:
        (change,) = changes
        function = MaskFunction(change.target, change.after["data_type"], change.after["body"])
        statement = masks.create_function(function)
        write_id = self.audit.intent(change, "sql", {"function": change.after}, statement)
        try:
            self.client.execute(statement)
        except Exception as error:
            self.audit.outcome(write_id, _status(error), describe_error(error))
            raise
        self.audit.outcome(write_id, "applied")

    def _grants(self, changes: list[Change]) -> None:
        (change,) = changes
        delta = [GrantChange(p, tuple(d["add"]), tuple(d["remove"])) for p, d in sorted(change.after.items())]
        self._send(
            change,
            "grants.update",
            {"grants": change.after},
            lambda: self.client.update_grants(change.securable, change.target, delta),
        )

    def _owner(self, changes: list[Change]) -> None:
        (change,) = changes
        if change.kind == "share_owner":
            self._send(
                change,
                "shares.update",
                {"share_owner": change.after},
                lambda: self.client.set_share_owner(change.target, change.after),
            )
            return
        try:
            self._send(
                change,
                "tables.update",
                {"owner": change.after},
                lambda: self.client.set_owner(change.target, change.after),
            )
        except PermissionDenied as error:
            # https://docs.databricks.com/api/workspace/tables/update: the table's, schema's or catalog's
            # owner (or a metastore admin) changes the owner; say what makes the next run pass.
            raise PermissionDenied(
                f"{describe_error(error)}; make the sync principal a member of the current owner "
                f"({change.before}) or of the schema's or catalog's owner"
            ) from None

    def _share(self, changes: list[Change]) -> None:
        # Create first, then objects, then recipients: recipients need the share, objects the share too.
        order = {"share_create": 0, "share_objects": 1, "share_recipients": 2}
        for change in sorted(changes, key=lambda c: order[c.kind]):
            if change.kind == "share_create":
                self._send(
                    change,
                    "shares.create",
                    {"share_exists": True},
                    partial(self.client.create_share, change.target),
                )
            elif change.kind == "share_objects":
                updates = [("add", t) for t in change.after["add"]] + [
                    ("remove", t) for t in change.after["remove"]
                ]
                for start in range(0, len(updates), SHARE_BATCH):
                    batch = updates[start : start + SHARE_BATCH]
                    add = [t for a, t in batch if a == "add"]
                    remove = [t for a, t in batch if a == "remove"]
                    self._send(
                        change,
                        "shares.update",
                        {"objects": {"add": add, "remove": remove}},
                        partial(
                            self.client.update_share_objects,
                            change.target,
                            add,
                            remove,
                            change.after.get("shared_as") or {},
                        ),
                    )
            else:
                delta = [
                    GrantChange(r, tuple(d["add"]), tuple(d["remove"]))
                    for r, d in sorted(change.after.items())
                ]
                self._send(
                    change,
                    "shares.update_permissions",
                    {"grants": change.after},
                    partial(self.client.update_share_permissions, change.target, delta),
                )


def _status(error: BaseException) -> str:
    """`failed` when the server answered with a refusal (nothing changed), else `unknown`."""
    return "failed" if isinstance(error, StatementError | DatabricksError) else "unknown"
