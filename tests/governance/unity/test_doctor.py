"""`mesh doctor --target unity`: one line per problem with the statement that fixes it; applying the
printed GRANT makes the next run pass."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from governance.cli import main
from governance.model import MeshModel
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.emulators.unity_catalog.access import Identity
from tests.governance.unity.conftest import CONFIG


def doctor(capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    code = main(["doctor", "--platform", "unity", "--config", str(CONFIG)])
    return code, capsys.readouterr().out.splitlines()


def test_healthy_workspace_passes_with_facts_and_no_problem(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines = doctor(capsys)
    assert code == 0, lines
    assert "principal: sync-bot@example.com" in lines and "sql scripting: available" in lines
    assert not any(line.startswith("problem") for line in lines)
    assert emulator.writes == 0  # the scripting probe runs two SELECTs; nothing is changed
    assert emulator.metastore.executed == []


def test_missing_privilege_is_one_line_with_the_grant_that_fixes_it(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.metastore.grants[("catalog", "orders")]["sync-bot@example.com"].discard("APPLY_TAG")
    code, lines = doctor(capsys)
    assert code == 1
    (problem,) = [line for line in lines if line.startswith("problem")]
    assert "lacks APPLY TAG" in problem
    fix = problem.split("fix: ", 1)[1]
    assert fix == "GRANT APPLY TAG ON CATALOG `orders` TO `sync-bot@example.com`"
    emulator.metastore.execute(fix)  # an administrator runs the printed statement
    code, lines = doctor(capsys)
    assert code == 0, lines


def test_a_principal_that_may_not_hand_the_tables_over_is_told_which_group_to_join(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Transfer ownership takes the table's owner, its schema's or catalog's owner, or a metastore
    admin; the README's grants (MANAGE included) alone do not."""
    me = emulator.principal
    emulator.identities[emulator.token] = Identity(me.name)  # outside dbt-deployer, which owns the tables
    code, lines = doctor(capsys)
    assert code == 1
    (problem,) = [line for line in lines if line.startswith("problem")]
    assert "may not hand orders.gold." in problem and "(owned by dbt-deployer)" in problem
    assert problem.endswith(
        "fix: make sync-bot@example.com a member of dbt-deployer (the group that builds the tables), "
        "or run the sync as that principal"
    )
    emulator.identities[emulator.token] = Identity(me.name, admin=True)  # a metastore admin may
    assert doctor(capsys)[0] == 0
    emulator.identities[emulator.token] = me  # the seed's set-up: a member of dbt-deployer
    assert doctor(capsys)[0] == 0


def test_owner_group_member_needs_no_table_grants(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.join_group("orders-team")  # besides the group that builds the tables (the seed's)
    # CREATE FUNCTION (the PII masks' functions live in the schema, which the group does not own)
    held = {"USE_CATALOG", "USE_SCHEMA", "CREATE_FUNCTION"}
    emulator.metastore.grants[("catalog", "orders")]["sync-bot@example.com"] = held
    code, lines = doctor(capsys)
    assert code == 0, lines


def test_scripting_off_is_a_warning_and_a_wrong_warehouse_a_problem(
    workspace_env: Path,
    emulator: UnityCatalogEmulator,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    emulator.metastore.supports_scripting = False
    code, lines = doctor(capsys)
    assert code == 0 and "sql scripting: off" in lines
    assert any(line.startswith("warning: SQL scripting") for line in lines)
    monkeypatch.setenv("MESH_WAREHOUSE_ID", "no-such-warehouse")
    code, lines = doctor(capsys)
    assert code == 1
    assert any(line.startswith("problem: SQL warehouse no-such-warehouse") for line in lines)


def test_mesh_plan_shows_the_same_checks(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.metastore.grants[("catalog", "orders")]["sync-bot@example.com"].discard("MANAGE")
    code = main(["plan", "--platform", "unity", "--config", str(CONFIG)])
    out = capsys.readouterr().out
    assert code == 0
    assert "GRANT MANAGE ON CATALOG `orders` TO `sync-bot@example.com`" in out


def test_a_missing_privilege_fails_each_object_in_one_line_and_the_next_run_converges(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0  # a member of the tables' builders
    capsys.readouterr()
    # the tables belong to their domain group now: a tag the sync repairs needs APPLY TAG from here on
    emulator.metastore.grants[("catalog", "orders")]["sync-bot@example.com"].discard("APPLY_TAG")
    for catalog, schema, table in list(emulator.metastore.tables):
        emulator.metastore.execute(f"ALTER TABLE {catalog}.{schema}.{table} SET TAGS ('mesh_layer' = 'x')")
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 1
    out = capsys.readouterr().out
    failed = [line for line in out.splitlines() if line.startswith("failed")]
    assert failed and all("INSUFFICIENT_PERMISSIONS" in line and "mesh doctor" in line for line in failed)
    emulator.metastore.execute("GRANT APPLY TAG ON CATALOG `orders` TO `sync-bot@example.com`")
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0
    capsys.readouterr()
    emulator.reset_counts()
    assert main(["sync", "--apply", "--config", str(CONFIG)]) == 0
    assert emulator.writes == 0


def test_an_unreachable_workspace_is_one_problem_line(
    workspace_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("DATABRICKS_HOST", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("MESH_DATABRICKS_TIMEOUT", "2")
    code, lines = doctor(capsys)
    assert code == 1
    (problem,) = lines
    assert problem.startswith("problem: workspace: cannot connect") and "DATABRICKS_HOST" in problem


def test_missing_create_function_for_the_pii_masks_is_one_line_with_its_grant(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.metastore.grants[("catalog", "orders")]["sync-bot@example.com"].discard("CREATE_FUNCTION")
    code, lines = doctor(capsys)
    assert code == 1
    (problem,) = [line for line in lines if line.startswith("problem")]
    assert "lacks CREATE FUNCTION, needed for the PII column masks" in problem
    fix = problem.split("fix: ", 1)[1]
    assert fix == "GRANT CREATE FUNCTION ON SCHEMA `orders`.`gold` TO `sync-bot@example.com`"
    emulator.metastore.execute(fix)
    code, lines = doctor(capsys)
    assert code == 0, lines


SHARING_CASES = [
    ("USE_RECIPIENT", "recipient partner-co", "GRANT USE RECIPIENT ON METASTORE TO `sync-bot@example.com`"),
    ("CREATE_SHARE", "share partner-analytics", "GRANT CREATE SHARE ON METASTORE TO `sync-bot@example.com`"),
]


@pytest.mark.parametrize("case", SHARING_CASES, ids=[c[0] for c in SHARING_CASES])
def test_sharing_rights_are_checked_with_the_grant_that_fixes_them(
    workspace_env: Path,
    emulator: UnityCatalogEmulator,
    capsys: pytest.CaptureFixture[str],
    case: tuple[str, str, str],
) -> None:
    privilege, subject, fix = case
    emulator.metastore.grants[("metastore", "")]["sync-bot@example.com"].discard(privilege)
    code, lines = doctor(capsys)
    assert code == 1
    (problem,) = [line for line in lines if line.startswith("problem")]
    assert problem.startswith(f"problem: {subject}: ") and problem.endswith(f"fix: {fix}")
    emulator.metastore.grant("metastore", "", "sync-bot@example.com", privilege)  # as the GRANT would
    code, lines = doctor(capsys)
    assert code == 0, lines


def test_owning_the_recipient_is_enough_to_grant_shares_to_it(
    workspace_env: Path, emulator: UnityCatalogEmulator, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator.metastore.grants[("metastore", "")]["sync-bot@example.com"].discard("USE_RECIPIENT")
    emulator.metastore.recipient_owners["partner-co"] = "sync-bot@example.com"
    code, lines = doctor(capsys)
    assert code == 0, lines


def test_trino_principal_needs_external_use_schema_and_without_one_the_doctor_says_how_to_name_it(
    workspace_env: Path,
    emulator: UnityCatalogEmulator,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    code, lines = doctor(capsys)
    assert code == 0
    assert any(line.startswith("warning: Trino: reads Unity Catalog as the principal") for line in lines)
    config = tmp_path / "unity.yml"
    config.write_text(CONFIG.read_text() + "trino_principal: trino-reader\n")
    assert main(["doctor", "--platform", "unity", "--config", str(config)]) == 0
    lines = capsys.readouterr().out.splitlines()
    (warning,) = [line for line in lines if "EXTERNAL USE SCHEMA" in line]
    assert "enable external data access on the metastore" in warning
    fix = warning.split("fix: ", 1)[1]
    assert fix == "GRANT EXTERNAL USE SCHEMA ON SCHEMA `orders`.`gold` TO `trino-reader`"
    emulator.metastore.execute(fix)
    assert main(["doctor", "--platform", "unity", "--config", str(config)]) == 0
    assert "EXTERNAL USE SCHEMA" not in capsys.readouterr().out


def test_select_inherited_into_a_restricted_product_is_a_doctor_line_with_its_revoke_and_grants(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    """Issue 19: SELECT inherited from a schema reaches a restricted product; mesh doctor names it with
    the statements that fix it, and running them clears the line."""
    from governance.unity.desired import build_desired, synced_products
    from governance.unity.pipeline import Inputs, apply_plan, compute_plan, doctor_report

    emulator.join_group("orders-team")
    model = next(m for m in synced_products(mesh) if m.relation == "orders.gold.fct_orders")
    model.meta = {**model.meta, "classification": "restricted"}
    inputs = Inputs(config, build_desired(mesh, config))
    assert not apply_plan(client, compute_plan(client, inputs, False), config, None).failures
    emulator.metastore.grant("schema", "orders.gold", "finance-analysts", "SELECT")  # out of band
    report = doctor_report(client, inputs)
    (line,) = [p for p in report.problems if "finance-analysts" in p.message]
    assert line.blocking and line.subject == "table orders.gold.fct_orders"
    assert line.fix is not None
    statements = line.fix.split("; ")
    assert statements[0] == "REVOKE SELECT ON SCHEMA `orders`.`gold` FROM `finance-analysts`"
    # the other products it read through the schema keep it, table by table
    tables = inputs.desired.state.tables
    others = {
        t for t in tables
        if t.startswith("orders.gold.") and t != model.relation and "finance-analysts" not in tables[t].grants
    }  # fmt: skip
    assert others
    assert {s.split(" ON TABLE ")[1].split(" TO ")[0].replace("`", "") for s in statements[1:]} == others
    for statement in statements:
        emulator.metastore.execute(statement)  # an administrator runs them
    assert not [p for p in doctor_report(client, inputs).problems if "finance-analysts" in p.message]
    reader = emulator.principal.__class__("analyst", frozenset({"finance-analysts"}))
    assert not emulator.metastore.can_select(reader, model.relation)
    assert all(("SELECT" in emulator.metastore.grants[("table", t)]["finance-analysts"]) for t in others)


def test_a_governed_tag_key_the_sync_sets_is_a_warning_naming_the_assign_it_needs(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    from governance.unity.desired import build_desired
    from governance.unity.pipeline import Inputs, doctor_report

    emulator.metastore.tag_policies["mesh_layer"] = frozenset()
    emulator.metastore.tag_policies["cost_center"] = frozenset()  # governed, but not a key the mesh sets
    report = doctor_report(client, Inputs(config, build_desired(mesh, config)))
    (line,) = [p for p in report.problems if p.subject.startswith("governed tag")]
    assert line.subject == "governed tag mesh_layer" and not line.blocking
    assert "ASSIGN" in str(line)
