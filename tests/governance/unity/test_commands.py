"""`mesh plan` / `mesh sync` end to end: exit codes, reviewed plans, audit log, secrets, interruption."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import orjson
import pytest

from governance.cli import main
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.governance.unity.conftest import CONFIG, TOKEN

REPO = Path(__file__).resolve().parents[3]


def mesh(*args: str) -> int:
    return main([*args, "--config", str(CONFIG)])


def test_plan_then_apply_reviewed_plan_writes_audit_log_and_never_the_token(
    workspace_env: Path,
    emulator: UnityCatalogEmulator,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # even the SDK's debug request log must not carry the token
    plan_file, audit = tmp_path / "plan.json", tmp_path / "audit.jsonl"
    assert mesh("plan", "--target", "unity", "--out", str(plan_file)) == 0
    assert emulator.writes == 0
    changes = orjson.loads(plan_file.read_bytes())["changes"]
    assert mesh("sync", "--apply", "--plan-file", str(plan_file), "--audit-log", str(audit)) == 0
    entries = [orjson.loads(line) for line in audit.read_text().splitlines()]
    assert len(entries) == len(changes) and {e["status"] for e in entries} == {"applied"}
    assert all("before" in e and "after" in e for e in entries)
    assert mesh("plan", "--format", "json") == 0
    out = capsys.readouterr()
    assert orjson.loads(out.out.split("\n}\n")[-1] or "{}") == {} or '"changes": []' in out.out
    everything = out.out + out.err + caplog.text + audit.read_text() + plan_file.read_text()
    assert TOKEN not in everything


def test_plan_file_is_refused_after_the_workspace_changed(
    workspace_env: Path, emulator: UnityCatalogEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plan_file = tmp_path / "plan.json"
    assert mesh("plan", "--out", str(plan_file)) == 0
    emulator.metastore.execute("COMMENT ON TABLE `orders`.`gold`.`fct_orders` IS 'changed meanwhile'")
    emulator.reset_counts()
    assert mesh("sync", "--apply", "--plan-file", str(plan_file)) == 2
    assert "changed since this plan was computed" in capsys.readouterr().err
    assert emulator.writes == 0


def test_missing_table_exits_1_unless_allowed(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.metastore.drop_table("orders.gold.fct_orders")
    assert mesh("sync", "--apply") == 1
    assert "orders.gold.fct_orders" in capsys.readouterr().out
    assert mesh("sync", "--apply", "--allow-missing") == 0


def test_user_mistakes_are_one_line_exit_2(
    workspace_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mesh("sync", "--plan-file", str(tmp_path / "p.json")) == 2
    assert mesh("sync", "--apply", "--plan-file", str(tmp_path / "absent.json")) == 2
    bad = tmp_path / "unity.yml"
    bad.write_text("principals: [oops]\n")
    assert main(["plan", "--config", str(bad)]) == 2
    monkeypatch.delenv("MESH_WAREHOUSE_ID")
    assert mesh("plan") == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(errors) == 4 and all(line.startswith("error: ") for line in errors)
    assert "MESH_WAREHOUSE_ID" in errors[-1]


def test_wrong_token_fails_cleanly_without_echoing_it(
    workspace_env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-wrong-token-value")
    assert mesh("plan") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "dapi-wrong-token-value" not in err and "Traceback" not in err


def test_apply_killed_halfway_converges_on_the_next_run(
    workspace_env: Path, emulator: UnityCatalogEmulator, tmp_path: Path
) -> None:
    emulator.latency = 0.05
    writes_seen = threading.Event()

    def watch(method: str, path: str, is_write: bool) -> None:
        if is_write and emulator.writes >= 5:
            writes_seen.set()

    emulator.on_request = watch
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    audit = tmp_path / "audit.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "governance", "sync", "--apply", "--config", str(CONFIG),
         "--audit-log", str(audit)],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert writes_seen.wait(60), "the sync never started writing"
    process.send_signal(signal.SIGKILL)
    process.wait(30)
    emulator.on_request = None
    emulator.latency = 0.0
    done_before = emulator.writes
    assert done_before >= 5
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0
    emulator.reset_counts()
    time.sleep(0)
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0
    assert emulator.writes == 0
