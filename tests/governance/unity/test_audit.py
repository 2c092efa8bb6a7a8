"""The audit log is a record: an intent written (and fsynced) before each write, its outcome after, per
statement; a run after a crash reconciles the intents left open against what the workspace holds."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import orjson
import pytest

from governance.cli import main
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from governance.unity.pipeline import apply_plan
from governance.unity.plan import Change, Plan
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.governance.unity.conftest import CONFIG
from tests.governance.unity.killing import kill_during_sync

REPO = Path(__file__).resolve().parents[3]
FCT = "orders.gold.fct_orders"


def entries(path: Path) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def final_status(log: list[dict[str, Any]]) -> dict[str, str]:
    """Write id -> its last outcome ("open" when none was recorded)."""
    status = {e["id"]: "open" for e in log if e["event"] == "intent"}
    for e in log:
        if e["event"] == "outcome":
            status[e["id"]] = e["status"]
    return status


def test_one_failing_statement_of_a_script_leaves_the_others_logged_as_applied(
    client: UnityClient, config: UnityConfig, emulator: UnityCatalogEmulator, tmp_path: Path
) -> None:
    plan = Plan(fingerprint="", prune=False, tables=[FCT])
    plan.changes = [
        Change("comment", "table", FCT, "orders", None, "Orders, one row each."),
        Change("column_comments", "table", FCT, "orders", {"no_such_column": None}, {"no_such_column": "x"}),
        Change("tags", "table", FCT, "orders", {}, {"set": {"mesh_layer": "gold"}, "unset": []}),
    ]
    audit = tmp_path / "audit.jsonl"
    result = apply_plan(client, plan, config, audit)
    assert result.failures
    log = entries(audit)
    intents = [e for e in log if e["event"] == "intent"]
    assert len(intents) == 3 and all(e["statement"] for e in intents)  # one per statement
    status = final_status(log)
    by_kind = {e["kind"]: status[e["id"]] for e in intents}
    assert by_kind == {"comment": "applied", "column_comments": "failed", "tags": "applied"}
    assert emulator.metastore.query("SELECT comment FROM t_tables WHERE table_name = 'fct_orders'") == [
        ("Orders, one row each.",)
    ]


@pytest.mark.parametrize("trial", range(4))
def test_kill_9_during_sync_then_next_run_leaves_every_write_recorded(
    workspace_env: Path, emulator: UnityCatalogEmulator, tmp_path: Path, trial: int
) -> None:
    audit = tmp_path / "audit.jsonl"
    kill_after = random.Random(trial).randint(1, 12)
    writes, executed = kill_during_sync(emulator, audit, kill_after)
    killed_log = entries(audit) if audit.exists() else []
    intents = [e for e in killed_log if e["event"] == "intent"]
    # every write the server received was preceded by its intent on disk
    assert len(intents) >= writes >= kill_after
    assert main(["sync", "--apply", "--config", str(CONFIG), "--audit-log", str(audit)]) == 0
    log = entries(audit)
    status = final_status(log)
    assert "open" not in status.values() and "unknown" not in status.values()
    # every statement the server ran for the killed run is recorded as applied
    for intent in intents:
        if intent["statement"] and intent["statement"] in executed:
            assert status[intent["id"]] == "applied", intent
    reconciled = [e for e in log if e.get("reconciled")]
    assert {e["id"] for e in reconciled} == {e["id"] for e in intents if e["id"] not in {
        o["id"] for o in killed_log if o["event"] == "outcome"}}  # fmt: skip
    emulator.reset_counts()
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0
    assert emulator.writes == 0


def test_intents_another_workspace_left_open_are_not_settled_against_this_one(
    client: UnityClient, config: UnityConfig, emulator: UnityCatalogEmulator, tmp_path: Path
) -> None:
    """One log file used against two workspaces (dev, then prod): what a killed run against one left
    open says nothing about the other, whose state would record it applied or not applied falsely."""
    audit = tmp_path / "audit.jsonl"
    comment = emulator.metastore.query("SELECT comment FROM t_tables WHERE table_name = 'fct_orders'")[0][0]
    foreign = {
        "event": "intent", "id": "from-the-other-workspace", "run": "killed", "request": "sql",
        "workspace": "https://other-workspace.cloud.databricks.com",
        "statement": f"COMMENT ON TABLE {FCT} IS '...'", "effect": {"comment": comment},
        "kind": "comment", "securable": "table", "target": FCT, "domain": "orders",
        "before": None, "after": comment,
    }  # fmt: skip
    audit.write_bytes(orjson.dumps(foreign) + b"\n")
    apply_plan(client, Plan(fingerprint="", prune=False, tables=[FCT]), config, audit)
    assert final_status(entries(audit))["from-the-other-workspace"] == "open"
