"""The sync against the emulator over the real SDK: converges, writes only differences, prunes only
what it manages, survives faults, stores hostile text literally."""

from __future__ import annotations

import dataclasses

import pytest

from governance.model import Column, MeshModel, Model
from governance.unity.actual import read_actual
from governance.unity.apply import ApplyResult
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from governance.unity.desired import build_desired
from governance.unity.pipeline import Inputs, apply_plan, compute_plan
from governance.unity.plan import Plan
from tests.emulators.unity_catalog import UnityCatalogEmulator

FCT = "orders.gold.fct_orders"


def sync(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, prune: bool = False
) -> tuple[Plan, ApplyResult]:
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), prune)
    return plan, apply_plan(client, plan, config, None)


def product(mesh: MeshModel, relation: str = FCT) -> Model:
    return next(m for m in mesh.products() if m.relation == relation)


def test_first_sync_reaches_desired_state_then_second_sync_writes_nothing(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    plan, result = sync(mesh, config, client)
    assert plan.changes and not result.failures and not plan.missing
    desired = build_desired(mesh, config).state
    actual = read_actual(client, desired.tables, desired.shares)
    for name, want in desired.tables.items():
        have = actual.tables[name]
        assert have.comment == want.comment and have.owner == want.owner == "orders-team"
        assert {c: v for c, v in have.columns.items() if want.columns.get(c)} == {
            c: v for c, v in want.columns.items() if v
        }
        assert have.tags == want.tags and have.grants == want.grants
        assert {c: t for c, t in have.column_tags.items()} == want.column_tags
    assert actual.catalog_grants["orders"]["data-consumers"] == frozenset({"USE_CATALOG"})
    assert actual.shares["partner-analytics"].recipients == {"partner-co": frozenset({"SELECT"})}
    # the external (opted-out) domain is never synced
    assert not any(t.startswith("marketing.") for t in actual.tables)

    emulator.reset_counts()
    second, result = sync(mesh, config, client)
    assert second.changes == [] and result.applied == 0
    assert emulator.writes == 0
    statements = emulator.requests["POST /api/2.0/sql/statements"]
    assert statements == 3  # one catalog: objects, tags, privileges
    # the sync principal owns nothing here (MANAGE only): grants of each table, the catalog and the
    # schema come from the grants API, and the one share takes 2 calls
    grants_calls = sum(n for k, n in emulator.requests.items() if "/permissions/" in k)
    assert grants_calls == len(desired.tables) + 2
    assert emulator.total_requests == statements + grants_calls + 2


def test_one_changed_description_is_exactly_one_write(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    sync(mesh, config, client)
    product(mesh).columns["amount"].description = "Order amount in euros, VAT included."
    emulator.reset_counts()
    plan, result = sync(mesh, config, client)
    assert [(c.kind, c.after) for c in plan.changes] == [
        ("column_comments", {"amount": "Order amount in euros, VAT included."})
    ]
    assert emulator.writes == 1 and not result.failures
    assert emulator.metastore.executed[-1] == (
        "ALTER TABLE `orders`.`gold`.`fct_orders` ALTER COLUMN `amount` "
        "COMMENT 'Order amount in euros, VAT included.'"
    )


def _grantees(emulator: UnityCatalogEmulator, table: str) -> set[str]:
    return {p["principal"] for p in emulator.metastore.get_grants("table", table)}


def test_grant_removed_from_yaml_is_revoked_only_with_prune(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    model = product(mesh)
    model.grants = {"select": ("data-consumers", "finance-analysts")}
    sync(mesh, config, client)
    assert "finance-analysts" in _grantees(emulator, FCT)

    model.grants = {"select": ("data-consumers",)}
    plan, _ = sync(mesh, config, client)
    assert plan.changes == []
    assert any("finance-analysts holds SELECT" in note for note in plan.drift)  # reported as drift
    assert "finance-analysts" in _grantees(emulator, FCT)

    plan, result = sync(mesh, config, client, prune=True)
    # the table grant, and the catalog/schema access it no longer needs
    assert sorted((c.securable, str(c.after)) for c in plan.changes) == [
        ("catalog", str({"finance-analysts": {"add": [], "remove": ["USE_CATALOG"]}})),
        ("schema", str({"finance-analysts": {"add": [], "remove": ["USE_SCHEMA"]}})),
        ("table", str({"finance-analysts": {"add": [], "remove": ["SELECT"]}})),
    ]
    assert not result.failures and "finance-analysts" not in _grantees(emulator, FCT)


def test_prune_never_touches_unmanaged_tags_or_principals(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    sync(mesh, config, client)
    client.execute(
        "ALTER TABLE `orders`.`gold`.`fct_orders` SET TAGS ('cost_center' = '42', 'mesh_stale' = 'x')"
    )
    client.execute("GRANT SELECT ON TABLE `orders`.`gold`.`fct_orders` TO `auditors`")
    client.execute("ALTER TABLE `orders`.`gold`.`fct_orders` SET TAGS ('dbt_retired' = '')")
    plan, _result = sync(mesh, config, client, prune=True)
    # only the managed dbt_ tag nobody declares any more is unset
    assert [(c.kind, c.after) for c in plan.changes] == [("tags", {"set": {}, "unset": ["dbt_retired"]})]
    tags = dict(
        emulator.metastore.query(
            "SELECT tag_name, tag_value FROM t_table_tags WHERE table_name = 'fct_orders'"
        )
    )
    assert tags["cost_center"] == "42" and tags["mesh_stale"] == "x" and "dbt_retired" not in tags
    assert "auditors" in _grantees(emulator, FCT)
    assert any("auditors holds SELECT (unmanaged principal" in note for note in plan.drift)


def test_edited_comment_and_manual_grant_show_as_drift(
    mesh: MeshModel, config: UnityConfig, client: UnityClient
) -> None:
    sync(mesh, config, client)
    client.execute("COMMENT ON TABLE `orders`.`gold`.`fct_orders` IS 'edited in the UI'")
    client.execute("GRANT MODIFY ON TABLE `orders`.`gold`.`fct_orders` TO `data-consumers`")
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), prune=False)
    (comment,) = plan.changes
    assert comment.kind == "comment" and comment.drift and comment.before == "edited in the UI"
    assert any("data-consumers holds MODIFY (undeclared" in note for note in plan.drift)


@pytest.mark.parametrize("seed", [3, 11])
def test_injected_faults_complete_or_name_each_failure_and_next_run_converges(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator, seed: int
) -> None:
    emulator.set_faults(0.2, seed=seed)
    plan, result = sync(mesh, config, client)
    assert sum(emulator.faults.injected.values()) > 0
    planned_targets = {c.target for c in plan.changes}
    for failure in result.failures:
        assert failure.target in planned_targets and failure.error
    assert result.applied + sum(
        len([c for c in plan.changes if c.target == f.target and c.kind in f.kinds]) for f in result.failures
    ) == len(plan.changes)
    emulator.set_faults(0.0)
    sync(mesh, config, client)
    final, _ = sync(mesh, config, client)
    assert final.changes == []


def test_hostile_text_is_stored_literally_and_runs_no_extra_statement(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    payloads = [
        "it's; DROP TABLE orders.gold.fct_orders; --",
        "back`tick`` and \\' escaped \\\\ slash",
        "*/ /* comment */ -- tail\nnew line\ttab\r end",
        "unicode: ü 漢字 🙂 \u202e rtl",
        "'); GRANT ALL PRIVILEGES ON CATALOG orders TO `attacker`; --",
    ]
    weird = "col`; DROP TABLE x; --'\"ü"
    model = product(mesh)
    emulator.metastore.drop_table(FCT)
    model.columns[weird] = Column(weird, "string", payloads[3], meta={"classification": payloads[4]})
    emulator.metastore.create_table(FCT, [(c.name, c.data_type or "string") for c in model.columns.values()])
    model.description = payloads[0]
    model.columns["amount"].description = payloads[1]
    model.columns["order_id"].description = payloads[2]
    model.meta = {**model.meta, "classification": payloads[4]}
    _plan, result = sync(mesh, config, client)
    assert not result.failures
    # every leaf statement the warehouse ran is one the plan asked for: nothing was smuggled in
    assert not any("DROP" in s.split(" ", 1)[0] or s.startswith("GRANT") for s in emulator.metastore.executed)
    assert "attacker" not in {
        p for (p,) in emulator.metastore.query("SELECT DISTINCT principal FROM t_grants")
    }
    actual = read_actual(client, [FCT], []).tables[FCT]
    assert actual.comment == payloads[0]
    assert actual.columns["amount"] == payloads[1] and actual.columns["order_id"] == payloads[2]
    assert actual.columns[weird] == payloads[3]
    assert actual.tags["mesh_classification"] == payloads[4]
    assert actual.column_tags[weird]["mesh_classification"] == payloads[4]
    final, _ = sync(mesh, config, client)
    assert final.changes == []


def test_missing_table_is_reported_and_skipped(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    emulator.metastore.drop_table(FCT)
    plan, result = sync(mesh, config, client)
    assert [m["table"] for m in plan.missing] == [FCT]
    assert not any(c.target == FCT for c in plan.changes) and not result.failures


def test_warehouse_without_scripting_or_multi_column_alter_falls_back(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    emulator.metastore.supports_scripting = False
    emulator.metastore.supports_multi_column_alter = False
    _, result = sync(mesh, config, client)
    assert not result.failures
    final, _ = sync(mesh, config, client)
    assert final.changes == []


def test_restricted_product_is_readable_only_by_listed_groups(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    model = product(mesh)
    model.meta = {**model.meta, "classification": "restricted"}
    model.grants = {"select": ("data-consumers", "finance-analysts")}
    desired = build_desired(mesh, config)
    assert desired.state.tables[FCT].grants == {"restricted-readers": frozenset({"SELECT"})}
    assert {f.code for f in desired.findings} == {"UNITY001"}
    sync(mesh, config, client)
    assert _grantees(emulator, FCT) == {"restricted-readers"}


def test_shares_follow_meta_and_are_removed_when_no_longer_listed(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    model = product(mesh)
    model.meta = {**model.meta, "shares": ["partner-analytics"]}
    sync(mesh, config, client)
    share = emulator.metastore.shares["partner-analytics"]
    share.objects["other.gold.not_ours"] = {"name": "other.gold.not_ours"}  # someone else's object
    assert FCT in share.objects
    model.meta = {k: v for k, v in model.meta.items() if k != "shares"}
    sync(mesh, config, client)
    assert set(share.objects) == {"other.gold.not_ours"}


def test_unknown_share_in_meta_is_bad_input(mesh: MeshModel, config: UnityConfig) -> None:
    from governance.errors import MeshError

    product(mesh).meta = {**product(mesh).meta, "shares": ["nope"]}
    with pytest.raises(MeshError, match="lists share 'nope'"):
        build_desired(mesh, config)


def test_statement_polling_while_warehouse_starts(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    emulator.pending_polls = 2
    plan, result = sync(mesh, config, client)
    assert plan.changes and not result.failures
    assert any(k.startswith("GET /api/2.0/sql/statements/") for k in emulator.requests)


def test_plan_json_round_trips(mesh: MeshModel, config: UnityConfig, client: UnityClient, tmp_path) -> None:  # type: ignore[no-untyped-def]
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), prune=True)
    path = tmp_path / "plan.json"
    path.write_bytes(plan.to_json())
    again = Plan.read(path)
    assert [dataclasses.asdict(c) for c in again.changes] == [dataclasses.asdict(c) for c in plan.changes]
    assert again.fingerprint == plan.fingerprint and again.prune


def test_governed_tags_and_the_tag_limit_are_plan_findings_and_the_rest_applies(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    """Tag policies are read once per plan: a managed value the policy does not allow is a finding and that
    tag waits; an object whose tags would pass the per-object limit is a finding and its tag change waits;
    a governed key the sync may not ASSIGN fails that table's statement as one line, the rest lands."""
    metastore = emulator.metastore
    metastore.tag_policies["mesh_layer"] = frozenset({"bronze", "silver"})  # the mesh writes 'gold'
    metastore.tag_policies["mesh_domain"] = frozenset()
    metastore.tag_assigners["mesh_layer"] = {emulator.principal.name}
    key = tuple(FCT.split("."))
    metastore.tables[key].tags = {f"team_{i}": "x" for i in range(49)}  # type: ignore[index]
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    codes = sorted(f.code for f in plan.findings if f.code in ("UNITY006", "UNITY007"))
    assert codes == ["UNITY006", "UNITY007"], [f.message for f in plan.findings]
    (governed,) = [f for f in plan.findings if f.code == "UNITY006"]
    assert "mesh_layer" in governed.message and "'gold'" in governed.message
    assert not [c for c in plan.changes if c.kind == "tags" and "mesh_layer" in c.after["set"]]
    assert not [c for c in plan.changes if c.kind == "tags" and c.target == FCT and c.column is None]
    result = apply_plan(client, plan, config, None)
    # mesh_domain is governed and the sync holds no ASSIGN on it: each table's statement fails, one line
    assert result.failures and all("ASSIGN" in f.error and "mesh_domain" in f.error for f in result.failures)
    assert all("\n" not in str(f) for f in result.failures)
    owners = {t.owner for n, t in metastore.tables.items() if ".".join(n) != FCT}
    assert owners == {"orders-team"} or "orders-team" in owners  # the other writes landed
    assert len(metastore.tables[key].tags) == 49  # type: ignore[index]
