"""PII masked in Unity Catalog: the access matrix (governance.access) holds through the emulator's SELECT
for every product, principal and column; a dbt CREATE OR REPLACE between two syncs is repaired; a
function the mesh does not own is never replaced."""

from __future__ import annotations

import pytest
from databricks.sdk import WorkspaceClient

from governance.access import Grant, access_matrix
from governance.model import MeshModel
from governance.unity.actual import read_actual
from governance.unity.client import StatementError, UnityClient
from governance.unity.config import UnityConfig
from governance.unity.desired import build_desired, synced_products
from governance.unity.masks import create_function, create_function_if_missing, mask_function
from governance.unity.pipeline import Inputs, apply_plan, compute_plan
from governance.unity.plan import Plan
from governance.unity.state import MaskFunction
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.emulators.unity_catalog.access import Identity

DIM = "orders.gold.dim_customers_v2"


def sync(mesh: MeshModel, config: UnityConfig, client: UnityClient) -> Plan:
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    result = apply_plan(client, plan, config, None)
    assert not result.failures, result.failures
    return plan


def fill_rows(emulator: UnityCatalogEmulator, mesh: MeshModel) -> dict[str, list[dict[str, str]]]:
    """Two rows in every synced table: each value names its column, so a NULL can only be a mask."""
    rows = {}
    for model in synced_products(mesh):
        key = tuple(model.relation.lower().split("."))
        entry = emulator.metastore.tables[key]  # type: ignore[index]
        entry.rows = [{c: f"{c}-{i}" for c in entry.columns} for i in range(2)]
        rows[model.relation] = entry.rows
    return rows


def reader(emulator: UnityCatalogEmulator, principal: str) -> UnityClient:
    """A client whose token is a user in `principal` (a group), nothing else."""
    token = f"dapi-{abs(hash(principal))}"
    emulator.add_token(token, f"user-of-{principal}@example.com", (principal,))
    return UnityClient(WorkspaceClient(host=emulator.url, token=token), emulator.warehouse_id, retries=0)


def test_every_principal_reads_every_column_as_the_access_matrix_says(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    rows = fill_rows(emulator, mesh)
    sync(mesh, config, client)
    synced = {m.unique_id for m in synced_products(mesh)}
    matrix = [p for p in access_matrix(mesh, config.access_policy()) if p.model.unique_id in synced]
    assert any(p.withheld_columns for p in matrix)
    checked = {Grant.CLEAR: 0, Grant.WITHHELD: 0, Grant.DENIED: 0}
    for product in matrix:
        relation = product.model.relation
        for row in [*product.principals, product.principal("a-group-it-does-not-name")]:
            if row.via == ("share partner-analytics",):
                continue  # a share recipient reads through Delta Sharing, not SQL (tests of shares)
            principal = config.unity_principal(row.name) or row.name
            session = reader(emulator, principal)
            if not row.reads:
                with pytest.raises(StatementError, match=r"INSUFFICIENT_PERMISSIONS|TABLE_OR_VIEW_NOT_FOUND"):
                    session.query(f"SELECT * FROM {relation}")
                checked[Grant.DENIED] += 1
                continue
            got = session.query(f"SELECT * FROM {relation}")
            for column, grant in row.columns.items():
                values = [r[column] for r in got]
                if grant is Grant.WITHHELD:
                    assert values == [None, None], (relation, principal, column)
                else:  # clear (and masked: stored masked, read as stored)
                    assert values == [r[column] for r in rows[relation]], (relation, principal, column)
                checked[grant if grant is not Grant.MASKED else Grant.CLEAR] += 1
    assert all(checked.values()), checked  # every kind of cell was read


def test_cleared_groups_get_select_and_every_withheld_column_its_mask(
    mesh: MeshModel, config: UnityConfig, client: UnityClient
) -> None:
    sync(mesh, config, client)
    desired = build_desired(mesh, config).state
    actual = read_actual(client, desired.tables, desired.shares)
    assert "SELECT" in actual.tables[DIM].grants["orders-pii-readers"]
    assert actual.tables[DIM].masks == desired.tables[DIM].masks != {}
    (function,) = set(desired.tables[DIM].masks.values())
    assert function.startswith("orders.gold.mesh_mask_") and function in actual.functions


def test_a_dbt_replace_between_two_syncs_is_repaired_and_loses_no_grant(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    fill_rows(emulator, mesh)
    sync(mesh, config, client)
    before = read_actual(client, [DIM], ["partner-analytics"])
    key = tuple(DIM.split("."))
    columns = [(n, c["type"]) for n, c in emulator.metastore.tables[key].columns.items()]  # type: ignore[index]
    # As dbt-databricks runs a table model with the mesh's `column_mask` (macros/masks): MASK in the CREATE.
    emulator.metastore.replace_table(DIM, columns, masks=dict(before.tables[DIM].masks))
    assert sync(mesh, config, client).changes == []
    # A replace without it (a build that bypassed the mesh's macros) leaves the column bare until the
    # next sync, which puts the mask back and nothing else is lost.
    emulator.metastore.replace_table(DIM, columns)
    consumer = reader(emulator, "data-consumers")
    assert {r["email"] for r in consumer.query(f"SELECT * FROM {DIM}")} != {None}
    repair = sync(mesh, config, client)
    assert [c.kind for c in repair.changes] == ["mask"]
    after = read_actual(client, [DIM], ["partner-analytics"])
    assert after.tables[DIM].masks == before.tables[DIM].masks
    assert after.tables[DIM].grants == before.tables[DIM].grants
    assert after.shares["partner-analytics"].objects == before.shares["partner-analytics"].objects
    assert {r["email"] for r in consumer.query(f"SELECT * FROM {DIM}")} == {None}


def test_a_function_of_the_mesh_name_with_another_body_is_a_finding_and_never_replaced(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    desired = build_desired(mesh, config).state
    (name,) = set(desired.tables[DIM].masks.values())
    ours = desired.functions[name]
    foreign = MaskFunction(name, ours.data_type, "v")  # returns the value to everyone
    emulator.metastore.execute(create_function(foreign))
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    assert [f.code for f in plan.findings if f.code == "UNITY002"] == ["UNITY002"]
    assert not [
        c for c in plan.changes if c.kind == "function" or (c.kind == "mask" and c.after["function"] == name)
    ]
    apply_plan(client, plan, config, None)
    assert emulator.metastore.functions[name].body == "v"  # left as it was


def test_a_principal_that_cannot_create_functions_is_one_finding_and_nothing_half_written(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    emulator.metastore.grants[("catalog", "orders")][emulator.principal.name].discard("CREATE_FUNCTION")
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    (finding,) = [f for f in plan.findings if f.code == "UNITY005"]
    assert finding.message.endswith(
        "fix: GRANT CREATE FUNCTION ON SCHEMA `orders`.`gold` TO `sync-bot@example.com`"
    ), finding.message
    assert DIM in finding.message
    assert not [c for c in plan.changes if c.kind in ("function", "mask") or c.securable == "function"]
    assert not [c for c in plan.changes if c.kind == "grants" and c.target == DIM]
    result = apply_plan(client, plan, config, None)
    assert not result.failures, result.failures  # the rest of the plan applied
    assert "data-consumers" not in emulator.metastore.grants.get(("table", DIM), {})
    emulator.metastore.execute(finding.message.split("fix: ", 1)[1])  # an administrator runs the fix
    plan = sync(mesh, config, client)
    assert not [f for f in plan.findings if f.code == "UNITY005"]
    assert read_actual(client, [DIM], []).tables[DIM].masks


def test_mask_function_names_and_bodies_are_quoted() -> None:
    function = mask_function("orders", "gold", "STRING", ["it's `odd` group", "orders-team"])
    statement = create_function(function)
    assert "is_account_group_member('it\\'s `odd` group')" in statement
    assert statement.startswith("CREATE OR REPLACE FUNCTION `orders`.`gold`.`mesh_mask_string_")
    assert mask_function("orders", "gold", "STRING", ["b", "a"]) == mask_function(
        "orders", "gold", "STRING", ["a", "b"]
    )


def test_a_pii_column_whose_type_cannot_type_a_mask_is_one_line(mesh: MeshModel, config: UnityConfig) -> None:
    from governance.errors import MeshError

    model = next(m for m in synced_products(mesh) if m.pii_in_clear)
    column = model.columns[model.pii_in_clear[0]]
    column.data_type = "string) RETURN 'x'; --"
    with pytest.raises(MeshError, match=r"cannot type a column mask; declare a plain SQL type"):
        build_desired(mesh, config)


def test_the_table_owner_gets_execute_on_its_masks_so_a_rebuild_can_declare_them(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    """`MASK f` in dbt's CREATE OR REPLACE needs EXECUTE on f (filters-and-masks/manually-apply): the
    build principal, a member of the table's owner group, gets it; readers need none."""
    fill_rows(emulator, mesh)
    sync(mesh, config, client)
    desired = build_desired(mesh, config).state
    owner = desired.tables[DIM].owner
    assert owner is not None
    (function,) = set(desired.tables[DIM].masks.values())
    actual = read_actual(client, desired.tables, desired.shares)
    assert actual.function_grants[function] == {owner: frozenset({"EXECUTE"})}  # no reader holds it
    key = tuple(DIM.split("."))
    columns = [(n, c["type"]) for n, c in emulator.metastore.tables[key].columns.items()]  # type: ignore[index]
    builder = Identity("dbt-deployer@example.com", frozenset({owner}))
    emulator.metastore.grant("catalog", "orders", builder.name, "USE_CATALOG", "USE_SCHEMA")
    with emulator.metastore.acting_as(builder):
        emulator.metastore.replace_table(DIM, columns, masks=dict(desired.tables[DIM].masks))
    consumer = reader(emulator, "data-consumers")  # reads through the mask without EXECUTE
    assert {r["email"] for r in consumer.query(f"SELECT * FROM {DIM}")} == {None}
    assert sync(mesh, config, client).changes == []


def test_the_sync_grants_itself_execute_on_a_mask_function_the_build_created(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    """A first deploy's pre-hook creates the function as the build principal; SET MASK needs EXECUTE."""
    desired = build_desired(mesh, config).state
    (function,) = set(desired.tables[DIM].masks.values())
    builder = Identity("dbt-deployer@example.com", frozenset({"orders-team"}))
    emulator.metastore.grant("schema", "orders.gold", "dbt-deployer@example.com", "CREATE_FUNCTION")
    emulator.metastore.grant("catalog", "orders", "dbt-deployer@example.com", "USE_CATALOG", "USE_SCHEMA")
    with emulator.metastore.acting_as(builder):
        emulator.metastore.execute(create_function_if_missing(desired.functions[function]))
    assert emulator.metastore.functions[function].owner == "dbt-deployer@example.com"
    plan = sync(mesh, config, client)
    grants = [c for c in plan.changes if c.kind == "grants" and c.securable == "function"]
    assert any(client.principal in c.after for c in grants)
    assert read_actual(client, [DIM], []).tables[DIM].masks == desired.tables[DIM].masks
    assert sync(mesh, config, client).changes == []


def test_a_cleared_group_named_with_spaces_backticks_and_quotes_reads_in_clear_end_to_end(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    """Bad input from issue 19: a group name is data in every statement the sync sends (the mask body's
    literal, the grants) and reads exactly as declared; nobody else gains anything."""
    odd = "pii `readers`; it's team"
    model = next(m for m in synced_products(mesh) if m.relation == DIM)
    model.meta = {**model.meta, "pii_cleared_groups": [odd]}
    rows = fill_rows(emulator, mesh)
    sync(mesh, config, client)
    assert "SELECT" in emulator.metastore.grants[("table", DIM)][odd]
    cleared = reader(emulator, odd)
    assert [r["email"] for r in cleared.query(f"SELECT * FROM {DIM}")] == [r["email"] for r in rows[DIM]]
    consumer = reader(emulator, "data-consumers")
    assert {r["email"] for r in consumer.query(f"SELECT * FROM {DIM}")} == {None}
    assert sync(mesh, config, client).changes == []
