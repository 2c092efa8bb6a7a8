"""`mesh plan` / `mesh sync` end to end: exit codes, reviewed plans, audit log, secrets, interruption."""

from __future__ import annotations

import logging
from pathlib import Path

import orjson
import pytest

from governance.cli import main
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.governance.unity.conftest import CONFIG, TOKEN
from tests.governance.unity.killing import kill_during_sync

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
    assert mesh("plan", "--platform", "unity", "--out", str(plan_file)) == 0
    assert emulator.writes == 0
    changes = orjson.loads(plan_file.read_bytes())["changes"]
    assert mesh("sync", "--apply", "--plan-file", str(plan_file), "--audit-log", str(audit)) == 0
    entries = [orjson.loads(line) for line in audit.read_text().splitlines()]
    intents = {e["id"]: e for e in entries if e["event"] == "intent"}
    outcomes = {e["id"]: e["status"] for e in entries if e["event"] == "outcome"}
    assert set(outcomes) == set(intents) and set(outcomes.values()) == {"applied"}
    covered = {(e["kind"], e["target"], e["column"]) for e in intents.values()}
    assert covered == {(c["kind"], c["target"], c["column"]) for c in changes}
    assert all("before" in e and "after" in e and "effect" in e for e in intents.values())
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
    # Deterministic under load: the next run starts only once every request the killed process sent
    # has been answered, so none of its writes can land after the next run read the state.
    writes, _ = kill_during_sync(emulator, tmp_path / "audit.jsonl", kill_after_writes=5)
    assert writes >= 5
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0
    emulator.reset_counts()
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0
    assert emulator.writes == 0


GOVERNED = "governing 3 projects (2 domains + hub), 4 products"


def test_plan_sync_and_doctor_say_what_they_govern_on_stderr_and_json_stays_json(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mesh("plan", "--format", "json") == 0
    out = capsys.readouterr()
    assert out.err.splitlines()[0] == GOVERNED
    assert "changes" in orjson.loads(out.out)  # stdout is the plan alone
    assert mesh("sync", "--format", "json") == 0
    out = capsys.readouterr()
    assert out.err.splitlines()[0] == GOVERNED and "changes" in orjson.loads(out.out)
    assert main(["doctor", "--platform", "unity", "--config", str(CONFIG)]) == 0
    out = capsys.readouterr()
    assert out.err == GOVERNED + "\n" and GOVERNED not in out.out


def test_a_mesh_without_products_is_a_warning_not_a_failure(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = workspace_env / "mesh.yml"
    settings.write_text(settings.read_text().replace("layers: [gold]", "layers: [bronze]"))
    for command in (("plan", "--format", "json"), ("sync",), ("doctor",)):
        assert mesh(*command) == 0, command
        err = capsys.readouterr().err.splitlines()
        assert err[0] == "governing 3 projects (2 domains + hub), 0 products", command
        assert err[1].startswith("warning: no data products") and "mesh.yml `products`" in err[1]
