"""A plan file is a reviewed artefact, not a command list: `mesh sync --apply --plan-file` applies only
changes the tool itself computes for the current mesh, unity.yml and workspace; anything else (edited,
foreign, unknown or malformed) is refused whole before the first write: one line, exit 2. And a domain
never writes onto another domain's catalog, whatever its dbt configuration says."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import event, given

from governance.cli import main
from governance.model import MeshModel
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.fixtures.fuzz import Edit, edits, examples, mutate, run_cli
from tests.governance.unity.conftest import CONFIG, point_cli_at, seeded_emulator

FCT = "orders.gold.fct_orders"
Body = dict[str, Any]


def mesh(*args: str) -> int:
    return main([*args, "--config", str(CONFIG)])


@pytest.fixture
def reviewed(workspace_env: Path, emulator: UnityCatalogEmulator, tmp_path: Path) -> Path:
    """A plan written by `mesh plan --prune --out`, on a workspace holding a foreign table with tags."""
    emulator.metastore.create_table("finance.gold.ledger", [("id", "bigint"), ("amount", "double")])
    emulator.metastore.execute("ALTER TABLE `finance`.`gold`.`ledger` SET TAGS ('mesh_domain' = 'finance')")
    plan_file = tmp_path / "plan.json"
    assert mesh("plan", "--prune", "--out", str(plan_file)) == 0
    emulator.reset_counts()
    return plan_file


def _edit(plan_file: Path, edit: Callable[[Body], None]) -> None:
    body = orjson.loads(plan_file.read_bytes())
    edit(body)
    plan_file.write_bytes(orjson.dumps(body))


def _first(body: Body, kind: str, target: str = FCT) -> Body:
    change: Body = next(c for c in body["changes"] if c["kind"] == kind and c["target"] == target)
    return change


def _foreign_grant(body: Body) -> None:
    body["tables"].append("finance.gold.ledger")
    body["changes"].append(
        {
            "kind": "grants", "securable": "table", "target": "finance.gold.ledger", "domain": "orders",
            "before": {}, "after": {"attacker": {"add": ["SELECT", "MODIFY"], "remove": []}},
            "column": None, "drift": False,
        }
    )  # fmt: skip


def _foreign_owner(body: Body) -> None:
    body["changes"].append(
        {
            "kind": "owner", "securable": "table", "target": "finance.gold.ledger", "domain": "orders",
            "before": None, "after": "attacker", "column": None, "drift": True,
        }
    )  # fmt: skip


def _foreign_unset(body: Body) -> None:
    change = dict(_first(body, "tags"))
    change.update(target="finance.gold.ledger", after={"set": {}, "unset": ["mesh_domain"]}, column=None)
    body["changes"].append(change)


def _edited_owner(body: Body) -> None:
    _first(body, "owner")["after"] = "attacker"


def _edited_grant(body: Body) -> None:
    after = _first(body, "grants")["after"]
    for delta in after.values():
        delta["add"] = ["ALL_PRIVILEGES"]


def _extra_grantee(body: Body) -> None:
    _first(body, "grants")["after"]["attacker"] = {"add": ["SELECT"], "remove": []}


def _edited_tag(body: Body) -> None:
    change = next(c for c in body["changes"] if c["kind"] == "tags" and c["after"]["set"])
    key = next(iter(change["after"]["set"]))
    change["after"]["set"][key] = "forged"


def _unmanaged_tag(body: Body) -> None:
    change = next(c for c in body["changes"] if c["kind"] == "tags")
    change["after"]["set"]["cost_center"] = "0"


def _unknown_kind(body: Body) -> None:
    body["changes"].append({**_first(body, "comment"), "kind": "drop_table"})


def _duplicated(body: Body) -> None:
    body["changes"].append(dict(_first(body, "comment")))


def _schema_outside(body: Body) -> None:
    change = next(c for c in body["changes"] if c["securable"] == "schema")
    change["target"] = "finance.gold"


def _share_outside(body: Body) -> None:
    body["shares"].append("exfiltrate")
    body["changes"].append(
        {
            "kind": "share_create", "securable": "share", "target": "exfiltrate", "domain": "",
            "before": None, "after": "exfiltrate", "column": None, "drift": False,
        }
    )  # fmt: skip


def _fingerprint_kept_scope_widened(body: Body) -> None:
    body["tables"] = [*body["tables"], "finance.gold.ledger"]


TAMPERING: dict[str, Callable[[Body], None]] = {
    "foreign-grant": _foreign_grant,
    "foreign-owner": _foreign_owner,
    "foreign-unset-tag": _foreign_unset,
    "edited-owner": _edited_owner,
    "edited-grant": _edited_grant,
    "extra-grantee": _extra_grantee,
    "edited-tag": _edited_tag,
    "unmanaged-tag": _unmanaged_tag,
    "unknown-kind": _unknown_kind,
    "duplicated-change": _duplicated,
    "schema-outside": _schema_outside,
    "share-outside": _share_outside,
    "scope-widened": _fingerprint_kept_scope_widened,
}


@pytest.mark.parametrize("tampering", sorted(TAMPERING))
def test_tampered_plan_is_refused_whole_before_any_write(
    reviewed: Path,
    emulator: UnityCatalogEmulator,
    capsys: pytest.CaptureFixture[str],
    tampering: str,
) -> None:
    _edit(reviewed, TAMPERING[tampering])
    audit = reviewed.parent / "audit.jsonl"
    code = mesh("sync", "--apply", "--prune", "--plan-file", str(reviewed), "--audit-log", str(audit))
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert code == 2, errors
    assert len(errors) == 1 and errors[0].startswith("error: ") and str(reviewed) in errors[0]
    assert emulator.writes == 0 and not audit.exists()


MALFORMED: dict[str, bytes | None] = {
    "not-json": b"{ this is not json",
    "empty": b"",
    "a-list": b"[]",
    "not-utf8": b"\xff\xfe{}",
    "changes-not-a-list": json.dumps({"version": 1, "changes": "all"}).encode(),
    "directory": None,
}


@pytest.mark.parametrize("shape", sorted(MALFORMED))
def test_malformed_plan_file_is_one_line_exit_2(
    reviewed: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str], shape: str
) -> None:
    content = MALFORMED[shape]
    if content is None:
        reviewed.unlink()
        reviewed.mkdir()
    else:
        reviewed.write_bytes(content)
    assert mesh("sync", "--apply", "--plan-file", str(reviewed)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(errors) == 1 and errors[0].startswith("error: ")
    assert emulator.writes == 0


@pytest.mark.parametrize(
    "field_edit",
    [
        ("kind", 7),
        ("target", None),
        ("after", "x"),
        ("unexpected", 1),
    ],
)
def test_malformed_change_is_one_line_exit_2(
    reviewed: Path,
    emulator: UnityCatalogEmulator,
    capsys: pytest.CaptureFixture[str],
    field_edit: tuple[str, Any],
) -> None:
    key, value = field_edit

    def edit(body: Body) -> None:
        body["changes"][0][key] = value

    _edit(reviewed, edit)
    assert mesh("sync", "--apply", "--prune", "--plan-file", str(reviewed)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(errors) == 1 and errors[0].startswith("error: ") and emulator.writes == 0


def test_a_reviewer_may_drop_changes_and_the_rest_applies(
    reviewed: Path, emulator: UnityCatalogEmulator
) -> None:
    def keep_comments_only(body: Body) -> None:
        body["changes"] = [c for c in body["changes"] if c["kind"] == "comment"]

    _edit(reviewed, keep_comments_only)
    kept = len(orjson.loads(reviewed.read_bytes())["changes"])
    assert kept >= 1
    assert mesh("sync", "--apply", "--prune", "--plan-file", str(reviewed)) == 0
    assert emulator.writes == kept


def test_output_paths_that_are_directories_are_one_line_exit_2(
    workspace_env: Path, emulator: UnityCatalogEmulator, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert mesh("plan", "--out", str(folder)) == 2
    assert mesh("sync", "--apply", "--audit-log", str(folder)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert len(errors) == 2 and all(str(folder) in line for line in errors)
    assert emulator.writes == 0


def _configure_into(root: Path, model: str, database: str) -> None:
    """Edit the parsed manifest as dbt would write it for `config(database=...)` on that model."""
    manifest = root / "domains" / model.split(".")[1] / "target" / "manifest.json"
    body = json.loads(manifest.read_text())
    node = body["nodes"][model]
    node["database"] = database
    node["config"]["database"] = database
    node["relation_name"] = f'"{database}"."{node["schema"]}"."{node["alias"]}"'
    manifest.write_text(json.dumps(body))


@pytest.mark.parametrize("database", ["marketing", "finance"])
def test_a_domain_never_writes_onto_another_domains_catalog(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str], database: str
) -> None:
    """orders' product configured into marketing's catalog (or one no domain of the mesh owns)."""
    emulator.metastore.create_table(f"{database}.gold.fct_orders", [("order_id", "bigint")])
    _configure_into(workspace_env, "model.orders.fct_orders", database)
    emulator.reset_counts()
    for command in (["plan"], ["sync", "--apply"]):
        assert mesh(*command) == 2
        errors = [line for line in capsys.readouterr().err.splitlines() if line]
        assert len(errors) == 1 and "fct_orders" in errors[0] and database in errors[0], errors
    assert emulator.writes == 0


# --- any edit of a reviewed plan: refused whole (one line, 0 writes) or a subset of the reviewed changes ----

PLAN_EXAMPLES = examples(20)


@PLAN_EXAMPLES
@given(changes=edits)
def test_any_edit_of_a_plan_file_is_refused_or_applies_only_reviewed_changes(
    changes: list[Edit], mesh: MeshModel, mesh_root: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """The plan file fuzzed like every other input (tests/governance/test_no_traceback.py): each example
    against a fresh workspace, so an edit that applies cannot hide the next one."""
    folder = tmp_path_factory.mktemp("plan")
    emulator = seeded_emulator(mesh)
    try:
        with pytest.MonkeyPatch.context() as env:
            point_cli_at(emulator, mesh_root, folder, env)
            plan_file = folder / "plan.json"
            assert run_cli(["plan", "--prune", "--out", str(plan_file), "--config", str(CONFIG)])[0] == 0
            reviewed = orjson.loads(plan_file.read_bytes())
            plan_file.write_text(json.dumps(mutate(reviewed, changes), default=str), encoding="utf-8")
            emulator.reset_counts()
            audit = folder / "audit.jsonl"
            argv = ["sync", "--apply", "--prune", "--plan-file", str(plan_file), "--audit-log", str(audit)]
            code, text = run_cli([*argv, "--config", str(CONFIG)])
        event(f"exit {code}")
        assert code in (0, 2), text
        if code == 2:
            errors = [line for line in text.splitlines() if line.startswith("error: ")]
            assert len(errors) == 1 and emulator.writes == 0 and not audit.exists(), text
        else:  # only a reviewer's drop can pass: never more writes than the reviewed plan held
            assert emulator.writes <= len(reviewed["changes"]), text
    finally:
        emulator.stop()


@pytest.mark.parametrize(
    "edit",
    [
        lambda body: body["changes"][0].update(kind=["comment"]),  # found by the fuzz: a traceback
        lambda body: body["changes"][0].update(kind={"a": 1}),
        lambda body: body.update(missing=5),
        lambda body: body.update(drift=True),
    ],
    ids=["kind-list", "kind-object", "missing-number", "drift-bool"],
)
def test_a_change_or_field_of_the_wrong_type_is_one_line_exit_2(
    reviewed: Path,
    emulator: UnityCatalogEmulator,
    capsys: pytest.CaptureFixture[str],
    edit: Callable[[Body], None],
) -> None:
    _edit(reviewed, edit)
    assert mesh("sync", "--apply", "--prune", "--plan-file", str(reviewed)) == 2
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert len(errors) == 1 and errors[0].startswith("error: ") and emulator.writes == 0
