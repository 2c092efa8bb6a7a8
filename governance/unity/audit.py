"""Append-only JSONL audit log that is a record: an intent before each write, its outcome after.

Every write (one SQL statement, one REST call) is logged as an `intent` line, flushed and fsynced before
the request leaves, and as an `outcome` line once it is known: `applied`, `failed` (the server refused
it: nothing changed) or `unknown` (no answer, e.g. a lost connection). A process killed mid-sync leaves
intents without outcome; the next run with the same log reconciles each of them against what Unity
Catalog holds and appends `applied` or `not_applied` with `reconciled: true`, before it writes anything.
Each intent names its workspace: a log shared by runs against several workspaces settles an intent only
against the workspace it was sent to.
Lines never hold credentials: SQL text and metadata only.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import orjson

from governance.errors import MeshError
from governance.unity import masks, sql
from governance.unity.plan import Change
from governance.unity.state import UnityState

Effect = dict[str, Any]  # what the workspace holds once the write has applied (see `effect_present`)


class AuditLog:
    def __init__(self, path: Path | None, workspace: str | None = None) -> None:
        self.path = path
        self.workspace = workspace  # the workspace URL the writes go to (never a credential)
        self.run = uuid.uuid4().hex[:12]
        self._lock = threading.Lock()
        self._file: IO[bytes] | None = None
        if path is not None:
            if path.is_dir():
                raise MeshError(f"--audit-log {path}: is a folder; name the log file, like {path}/sync.jsonl")
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                self._file = path.open("ab")
            except OSError as exc:
                raise MeshError(f"--audit-log {path}: cannot open the audit log ({exc.strerror})") from None

    def _write(self, entry: dict[str, Any]) -> None:
        if self._file is None:
            return
        line = orjson.dumps({"at": datetime.now(UTC).isoformat(timespec="milliseconds"), **entry}) + b"\n"
        with self._lock:
            self._file.write(line)
            self._file.flush()
            os.fsync(self._file.fileno())  # on disk before the request leaves / before the next one

    def intent(self, change: Change, request: str, effect: Effect, statement: str | None = None) -> str:
        """Log a write about to be sent; returns its id for `outcome`."""
        write_id = uuid.uuid4().hex
        self._write(
            {
                "event": "intent",
                "id": write_id,
                "run": self.run,
                "workspace": self.workspace,
                "request": request,  # sql | grants.update | tables.update | shares.* (never credentials)
                "statement": statement,
                "effect": effect,
                **asdict(change),
            }
        )
        return write_id

    def outcome(self, write_id: str, status: str, error: str | None = None, reconciled: bool = False) -> None:
        entry: dict[str, Any] = {"event": "outcome", "id": write_id, "run": self.run, "status": status}
        if error is not None:
            entry["error"] = error
        if reconciled:
            entry["reconciled"] = True
        self._write(entry)

    def open_intents(self) -> list[dict[str, Any]]:
        """Intents of earlier runs against this workspace with no outcome, or whose outcome was `unknown`
        (an intent naming no workspace, from an older log, counts as this one's)."""
        if self.path is None or not self.path.is_file():
            return []
        intents: dict[str, dict[str, Any]] = {}
        settled: set[str] = set()
        with self.path.open("rb") as log:
            for raw in log:
                try:
                    entry = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    continue  # a line cut short by a crash: its write was never sent
                if not isinstance(entry, dict) or entry.get("run") == self.run:
                    continue
                if entry.get("event") == "intent" and isinstance(entry.get("id"), str):
                    if entry.get("workspace") in (None, self.workspace):
                        intents[entry["id"]] = entry
                elif entry.get("event") == "outcome" and entry.get("status") != "unknown":
                    settled.add(str(entry.get("id")))
        return [e for i, e in intents.items() if i not in settled]

    def reconcile(self, read: Callable[[list[str], list[str]], UnityState]) -> int:
        """Settle the intents earlier runs left open against the actual state; returns how many."""
        pending = self.open_intents()
        if not pending:
            return 0
        # A function is read with the schema that holds it: its name stands in for a table of that schema.
        tables = sorted({str(e["target"]) for e in pending if e.get("securable") in ("table", "function")})
        shares = sorted({str(e["target"]) for e in pending if e.get("securable") == "share"})
        state = read(tables, shares)
        for entry in pending:
            present = effect_present(entry, state)
            if present is None:
                self.outcome(entry["id"], "unknown", "not readable now; check it by hand", reconciled=True)
            else:
                self.outcome(entry["id"], "applied" if present else "not_applied", reconciled=True)
        return len(pending)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


def _grants_hold(held: dict[str, frozenset[str]], delta: dict[str, Any]) -> bool:
    return all(
        set(d.get("add", [])) <= held.get(p, frozenset())
        and not set(d.get("remove", [])) & held.get(p, set())
        for p, d in delta.items()
    )


def effect_present(entry: dict[str, Any], state: UnityState) -> bool | None:
    """Whether the write of an intent shows in `state`; None when the state does not cover its object."""
    effect: Effect = entry.get("effect") or {}
    target, securable = str(entry.get("target")), entry.get("securable")
    if securable == "share":
        share = state.shares.get(target)
        if share is None:
            return None
        if "share_exists" in effect:
            return bool(share.exists)
        if "share_owner" in effect:
            return bool(share.owner == effect["share_owner"])
        if "objects" in effect:
            objects = effect["objects"]
            return set(objects["add"]) <= share.objects and not set(objects["remove"]) & share.objects
        return _grants_hold(share.recipients, effect.get("grants", {}))
    if securable == "function" and "grants" in effect:
        held = state.function_grants.get(target)
        return None if held is None else _grants_hold(held, effect["grants"])
    if securable == "function":
        function = state.functions.get(target)
        if function is None:
            return None  # functions are read with their tables' catalog: not covered by this read
        return " ".join(function.body.split()) == " ".join(str(effect["function"]["body"]).split())
    if securable in ("catalog", "schema"):
        containers = state.catalog_grants if securable == "catalog" else state.schema_grants
        held = containers.get(target)
        return None if held is None else _grants_hold(held, effect.get("grants", {}))
    return _table_effect(entry, effect, state)


def _table_effect(entry: dict[str, Any], effect: Effect, state: UnityState) -> bool | None:
    table = state.tables.get(str(entry.get("target")))
    if table is None:
        return None
    column = entry.get("column")
    if "comment" in effect:
        return bool(table.comment == effect["comment"])
    if "columns" in effect:
        return all(table.columns.get(c) == v for c, v in effect["columns"].items())
    if "owner" in effect:
        return bool(table.owner == effect["owner"])
    if "grants" in effect:
        return _grants_hold(table.grants, effect["grants"])
    if "mask" in effect:
        held = {c.lower(): f for c, f in table.masks.items()}
        return bool(held.get(str(column).lower()) == effect["mask"])
    tags = table.column_tags.get(column, {}) if column else table.tags
    if "tags_set" in effect:
        return all(tags.get(k) == v for k, v in effect["tags_set"].items())
    if "tags_unset" in effect:
        return not set(effect["tags_unset"]) & set(tags)
    return None


def statements_of(changes: Iterable[Change], multi_column: bool) -> list[tuple[Change, str, Effect]]:
    """Each SQL statement a table's metadata changes take, with the change it serves and its effect."""
    out: list[tuple[Change, str, Effect]] = []
    for change in changes:
        if change.kind == "comment":
            out.append((change, sql.comment_on_table(change.target, change.after), {"comment": change.after}))
        elif change.kind == "column_comments":
            groups = (
                [dict(change.after)] if multi_column else [{c: v} for c, v in sorted(change.after.items())]
            )
            for group in groups:
                out.append((change, sql.alter_column_comments(change.target, group), {"columns": group}))
        elif change.kind == "mask":
            function, column = change.after["function"], str(change.column)
            statement = (
                masks.set_mask(change.target, column, function)
                if function
                else masks.drop_mask(change.target, column)
            )
            out.append((change, statement, {"mask": function}))
        elif change.kind == "tags":
            if change.after["unset"]:
                statement = sql.unset_tags(change.target, change.column, change.after["unset"])
                out.append((change, statement, {"tags_unset": list(change.after["unset"])}))
            if change.after["set"]:
                statement = sql.set_tags(change.target, change.column, change.after["set"])
                out.append((change, statement, {"tags_set": dict(change.after["set"])}))
    return out
