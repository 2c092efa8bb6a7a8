"""Shares that hold: every product is added under an explicit, unique `shared_as` naming its domain; a share
the sync principal may not read is a finding for that share, not a failed plan; names compare as Unity
Catalog stores them."""

from __future__ import annotations

import dataclasses

import pytest

from governance.errors import MeshError
from governance.model import MeshModel, Model
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from governance.unity.desired import build_desired
from governance.unity.pipeline import Inputs, apply_plan, compute_plan
from governance.unity.plan import Plan
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.emulators.unity_catalog.store import Share

FCT = "orders.gold.fct_orders"
SHARE = "partner-analytics"


def product(mesh: MeshModel, relation: str = FCT) -> Model:
    return next(m for m in mesh.products() if m.relation == relation)


def test_a_product_is_shared_as_its_domain_and_table_next_to_another_domains_table_of_that_name(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    # Another domain already shares a table called fct_orders, under the default alias gold.fct_orders.
    emulator.metastore.create_table("finance.gold.fct_orders", [("order_id", "int")])
    emulator.metastore.shares[SHARE] = Share(SHARE, emulator.principal.name)
    emulator.metastore.shares[SHARE].objects["finance.gold.fct_orders"] = {
        "name": "finance.gold.fct_orders", "data_object_type": "TABLE", "shared_as": "gold.fct_orders",
    }  # fmt: skip
    product(mesh).meta = {**product(mesh).meta, "shares": [SHARE]}
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    result = apply_plan(client, plan, config, None)
    assert not result.failures, result.failures
    objects = emulator.metastore.shares[SHARE].objects
    assert objects[FCT]["shared_as"] == "orders.fct_orders"
    assert set(objects) == {FCT, "finance.gold.fct_orders"}  # another domain's object untouched
    assert compute_plan(client, Inputs(config, build_desired(mesh, config)), False).changes == []


def test_two_products_with_one_alias_in_a_share_are_one_line(mesh: MeshModel, config: UnityConfig) -> None:
    first = product(mesh)
    other = next(m for m in mesh.products() if m.relation != FCT and m.project == first.project)
    first.meta = {**first.meta, "shares": [SHARE]}
    other.meta = {**other.meta, "shares": [SHARE]}
    other.alias = first.alias  # the same table name in another schema would alias the same
    other.schema = "gold_copy"
    with pytest.raises(
        MeshError, match=r"would be shared as 'orders.fct_orders' in share 'partner-analytics'"
    ):
        build_desired(mesh, config)


def test_a_share_the_principal_may_not_read_is_a_finding_for_that_share_only(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    emulator.metastore.shares[SHARE] = Share(SHARE, "someone-else")
    product(mesh).meta = {**product(mesh).meta, "shares": [SHARE]}
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    (finding,) = [f for f in plan.findings if f.code == "UNITY003"]
    assert f"share {SHARE}: the sync principal may not read it" in finding.message
    assert "ALTER SHARE `partner-analytics` OWNER TO" in finding.message
    assert not [c for c in plan.changes if c.securable == "share"]
    assert [c for c in plan.changes if c.securable == "table"]  # the rest of the plan stands
    result = apply_plan(client, plan, config, None)
    assert not result.failures
    assert emulator.metastore.shares[SHARE].objects == {}


def test_a_mixed_case_catalog_converges_in_one_run_and_a_removed_product_is_unshared(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    for each in mesh.products():
        if each.project == "orders":
            each.database = "ORDERS"  # as a profile with MESH_CATALOG_ORDERS=ORDERS would build it
    model = product(mesh, "ORDERS.gold.fct_orders")
    model.meta = {**model.meta, "shares": [SHARE]}
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    assert not apply_plan(client, plan, config, None).failures
    assert FCT in emulator.metastore.shares[SHARE].objects
    assert compute_plan(client, Inputs(config, build_desired(mesh, config)), False).changes == []
    model.meta = {k: v for k, v in model.meta.items() if k != "shares"}
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    (change,) = [c for c in plan.changes if c.kind == "share_objects"]
    assert change.after["remove"] == [FCT]
    assert not apply_plan(client, plan, config, None).failures
    assert emulator.metastore.shares[SHARE].objects == {}


def test_select_inherited_from_the_schema_into_a_restricted_product_is_a_finding_with_its_revoke(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    # The documented set-up: the sync principal is a member of the domain's owner group, so it sees
    # every grant on what the group owns (information_schema shows others' grants to owners only).
    emulator.join_group("orders-team")
    model = product(mesh)
    model.meta = {**model.meta, "classification": "restricted"}
    assert not apply_plan(
        client, compute_plan(client, Inputs(config, build_desired(mesh, config)), False), config, None
    ).failures
    emulator.metastore.grant("schema", "orders.gold", "finance-analysts", "SELECT")  # out of band
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    (finding,) = [f for f in plan.findings if f.code == "UNITY004"]
    assert finding.message.startswith(f"{FCT} is restricted, yet finance-analysts reads it through SELECT")
    fix = finding.message.split("fix: ", 1)[1].split(" (", 1)[0].split("; ")[0]
    assert fix == "REVOKE SELECT ON SCHEMA `orders`.`gold` FROM `finance-analysts`"
    emulator.metastore.execute(fix)  # an administrator runs it
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    assert not [f for f in plan.findings if f.code == "UNITY004"]


def test_a_share_owned_by_a_group_is_handed_over_last_and_its_owner_keeps_select(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    # The sync principal belongs to the group, so it keeps reading and changing the share.
    emulator.join_group("sharing-admins")
    config = dataclasses.replace(config, share_owners={SHARE: "sharing-admins"})
    product(mesh).meta = {**product(mesh).meta, "shares": [SHARE]}
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    (handover,) = [c for c in plan.changes if c.kind == "share_owner"]
    assert handover.unit[0] == "owner"  # the last phase, after the objects and recipients
    assert not apply_plan(client, plan, config, None).failures
    share = emulator.metastore.shares[SHARE]
    assert share.owner == "sharing-admins" and FCT in share.objects
    assert emulator.metastore.can_select(
        emulator.principal.__class__("x", frozenset({"sharing-admins"})), FCT
    )
    assert compute_plan(client, Inputs(config, build_desired(mesh, config)), False).changes == []


def test_a_group_name_with_spaces_and_backticks_is_quoted_in_every_fix_statement() -> None:
    """Bad input from issue 19: group names are data; each statement the plan prints parses as one
    statement naming that group (the emulator's tokenizer follows Databricks' identifier rules)."""
    from governance.unity.plan import _inherited_into_restricted
    from governance.unity.state import TableState
    from tests.emulators.unity_catalog.statements import parse

    odd = "data `ops` team; DROP TABLE x"
    want = TableState("orders.gold.secret", restricted=True, grants={"readers": frozenset({"SELECT"})})
    have = TableState("orders.gold.secret", inherited={odd: {("SELECT", "SCHEMA")}})
    other_want = TableState("orders.gold.open")
    other_have = TableState("orders.gold.open", inherited={odd: {("SELECT", "SCHEMA")}})
    plan = Plan(fingerprint="", prune=False)
    _inherited_into_restricted(want, have, plan, [(want, have), (other_want, other_have)])
    (finding,) = plan.findings
    fix = finding.message.split("fix: ", 1)[1].split(" (the GRANTs", 1)[0]
    revoke, grant = fix.split("; GRANT ")
    (parsed,) = parse(revoke)
    assert (parsed.kind, parsed.principal, parsed.securable) == ("revoke", odd, "schema")
    (parsed,) = parse("GRANT " + grant)
    assert (parsed.kind, parsed.principal, parsed.table) == ("grant", odd, ("orders", "gold", "open"))
