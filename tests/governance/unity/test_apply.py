"""Apply against a workspace that enforces privileges: write order, scripting fallback, key-only tags,
share ownership, and writes whose answer was lost."""

from __future__ import annotations

import pytest

from governance.model import MeshModel
from governance.unity.apply import Applier
from governance.unity.audit import AuditLog
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from governance.unity.desired import build_desired
from governance.unity.pipeline import Inputs, apply_plan, compute_plan
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.emulators.unity_catalog.access import Identity
from tests.governance.unity.test_pipeline import FCT, product, sync

UC = "/api/2.1/unity-catalog"


def _seed_owned_by_the_sync(emulator: UnityCatalogEmulator, mesh: MeshModel) -> None:
    """The deploy job created catalogs, schemas and tables as the sync principal, which holds no grant
    beyond USE: every right it has on a table comes from owning it."""
    me = emulator.principal.name
    for table in list(emulator.metastore.tables):
        emulator.metastore.tables[table].owner = me
    emulator.metastore.catalogs.update(dict.fromkeys(emulator.metastore.catalogs, me))
    emulator.metastore.schemas.update(dict.fromkeys(emulator.metastore.schemas, me))
    emulator.metastore.grants.clear()
    for catalog in emulator.metastore.catalogs:
        emulator.metastore.grant("catalog", catalog, emulator.principal.name, "USE_CATALOG", "USE_SCHEMA")
    emulator.metastore.grant("metastore", "", emulator.principal.name, "CREATE_SHARE", "USE_RECIPIENT")


def test_owner_change_runs_after_every_other_write_to_the_table(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    _seed_owned_by_the_sync(emulator, mesh)
    emulator.metastore.statement_latency = 0.05  # a script takes as long as its statements
    plan, result = sync(mesh, config, client)
    assert any(c.kind == "owner" for c in plan.changes)
    assert not result.failures, [str(f) for f in result.failures]
    for name in plan.tables:
        assert emulator.metastore.table_info(name, check=False)["owner"] == "orders-team"


def test_warehouse_without_scripting_answers_unsupported_feature_and_the_sync_falls_back(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    emulator.metastore.supports_scripting = False
    _, result = sync(mesh, config, client)
    assert not result.failures, [str(f) for f in result.failures]
    final, _ = sync(mesh, config, client)
    assert final.changes == []


def test_a_syntax_error_in_one_script_does_not_turn_scripting_off_for_the_run(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    emulator.metastore.supports_multi_column_alter = False  # an older runtime: a PARSE_SYNTAX_ERROR
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), prune=False)
    applier = Applier(client, AuditLog(None), concurrency=1)
    result = applier.apply(plan)
    assert not result.failures, [str(f) for f in result.failures]
    assert applier.scripting and not applier.multi_column
    final, _ = sync(mesh, config, client)
    assert final.changes == []


def test_key_only_tags_are_sent_as_key_equals_empty_string(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    model = product(mesh)
    model.tags = ("daily", "finance")
    _, result = sync(mesh, config, client)
    assert not result.failures, [str(f) for f in result.failures]
    tags = emulator.metastore.tables[tuple(FCT.split("."))].tags  # type: ignore[index]
    assert tags["dbt_daily"] == "" and tags["dbt_finance"] == ""
    final, _ = sync(mesh, config, client)
    assert final.changes == []


def test_share_owner_gets_and_keeps_select_on_every_shared_table(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    _seed_owned_by_the_sync(emulator, mesh)
    emulator.metastore.grant("catalog", "orders", emulator.principal.name, "MODIFY", "APPLY_TAG", "MANAGE")
    model = product(mesh)
    model.meta = {**model.meta, "shares": ["partner-analytics"]}
    _, result = sync(mesh, config, client)
    assert not result.failures, [str(f) for f in result.failures]
    share = emulator.metastore.shares["partner-analytics"]
    assert FCT in share.objects
    # ownership of the table moved to the domain group; the share owner can still read it
    assert emulator.metastore.table_info(FCT, check=False)["owner"] == "orders-team"
    assert emulator.metastore.can_select(emulator.principal, FCT)


def test_share_create_and_add_survive_a_lost_answer(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    product(mesh).meta = {**product(mesh).meta, "shares": ["partner-analytics"]}
    emulator.set_faults(1.0, kinds=("lost",), paths=(f"POST {UC}/shares",), limit=1)
    _, result = sync(mesh, config, client)
    assert not result.failures, [str(f) for f in result.failures]
    assert emulator.faults.injected["lost"] == 1
    emulator.metastore.shares.clear()
    emulator.set_faults(1.0, kinds=("lost",), paths=(f"PATCH {UC}/shares/partner-analytics",), limit=1)
    _, result = sync(mesh, config, client)
    assert not result.failures, [str(f) for f in result.failures]
    assert emulator.faults.injected["lost"] == 1
    assert FCT in emulator.metastore.shares["partner-analytics"].objects
    final, _ = sync(mesh, config, client)
    assert final.changes == []


def test_a_tag_value_unity_catalog_rejects_is_one_line_naming_the_product(
    mesh: MeshModel, config: UnityConfig
) -> None:
    from governance.errors import MeshError

    product(mesh).meta = {**product(mesh).meta, "classification": "x" * 1001}
    with pytest.raises(MeshError, match="tag value over 1000 characters") as error:
        build_desired(mesh, config)
    assert "\n" not in str(error.value)


def test_prune_never_takes_a_share_owners_own_grants(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    product(mesh).meta = {**product(mesh).meta, "shares": ["partner-analytics"]}
    sync(mesh, config, client)
    emulator.metastore.grant("table", FCT, emulator.principal.name, "MODIFY")  # its own, out of band
    plan, result = sync(mesh, config, client, prune=True)
    assert not [c for c in plan.changes if c.kind == "grants" and emulator.principal.name in c.after]
    assert not result.failures
    assert {"SELECT", "MODIFY"} <= emulator.metastore.grants[("table", FCT)][emulator.principal.name]


def test_a_sync_principal_with_manage_only_gets_one_line_per_owner_change_and_the_rest_lands(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    """Transfer ownership (manage-privileges/ownership; tables.update): the table's owner, the owner of
    its schema or catalog, or a metastore admin; MANAGE is not listed. A sync principal holding the
    README's grants but outside the group that built the tables fails each hand-over as one line saying
    what to do; everything else in the plan lands."""
    me = emulator.principal
    emulator.identities[emulator.token] = Identity(me.name)  # MANAGE on the catalog, no group
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    result = apply_plan(client, plan, config, None)
    owners = [c for c in plan.changes if c.kind == "owner"]
    assert owners and {f.target for f in result.failures} == {c.target for c in owners}
    assert all("member of the current owner" in f.error and "\n" not in str(f) for f in result.failures)
    assert result.applied == len(plan.changes) - len(owners)
    assert {t.owner for t in emulator.metastore.tables.values()} == {"dbt-deployer"}
    # the README's set-up: the sync principal belongs to the group that builds (and owns) the tables
    emulator.identities[emulator.token] = me
    plan = compute_plan(client, Inputs(config, build_desired(mesh, config)), False)
    assert [c.kind for c in plan.changes] == ["owner"] * len(owners)
    assert not apply_plan(client, plan, config, None).failures
    assert {t.owner for t in emulator.metastore.tables.values()} == {"orders-team"}
