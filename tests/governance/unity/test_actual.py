"""Reading the workspace as a principal that is not metastore admin: what information_schema hides,
grants of what it does not own, invisible tables, and results under the INLINE size cap."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient

from governance.model import MeshModel
from governance.unity.actual import read_actual
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from tests.emulators.unity_catalog import UnityCatalogEmulator, seed_from_mesh
from tests.governance.unity.conftest import TOKEN
from tests.governance.unity.test_pipeline import FCT, sync


def _statements(emulator: UnityCatalogEmulator) -> int:
    return emulator.requests["POST /api/2.0/sql/statements"]


def _share_calls(emulator: UnityCatalogEmulator) -> int:
    return sum(n for k, n in emulator.requests.items() if "/shares/" in k)


def test_a_manage_holder_sees_only_its_own_grants_yet_a_second_sync_writes_nothing(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    # the sync principal holds MANAGE on the catalog and owns nothing (not in the owner group)
    _, result = sync(mesh, config, client)
    assert not result.failures, [str(f) for f in result.failures]
    emulator.reset_counts()
    second, result = sync(mesh, config, client)
    assert second.changes == [] and result.applied == 0 and emulator.writes == 0


def test_prune_sees_grants_the_sync_principal_cannot_see_in_information_schema(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    sync(mesh, config, client)
    emulator.metastore.grant("table", FCT, "finance-analysts", "SELECT")  # managed, undeclared
    plan, result = sync(mesh, config, client, prune=True)
    assert [(c.kind, c.target, c.after) for c in plan.changes if c.kind == "grants"] == [
        ("grants", FCT, {"finance-analysts": {"add": [], "remove": ["SELECT"]}})
    ]
    assert not result.failures


@pytest.fixture
def member_emulator(mesh: MeshModel) -> Iterator[UnityCatalogEmulator]:
    """The documented set-up: the sync principal is a member of the domains' owner groups."""
    emu = UnityCatalogEmulator(token=TOKEN, groups=("orders-team",)).start()
    emu.metastore.recipients.add("partner-co")
    seed_from_mesh(emu, mesh)
    yield emu
    emu.stop()


def test_no_op_sync_of_an_owner_group_member_is_at_most_five_requests_per_catalog(
    mesh: MeshModel, config: UnityConfig, member_emulator: UnityCatalogEmulator
) -> None:
    client = UnityClient(WorkspaceClient(host=member_emulator.url, token=TOKEN), member_emulator.warehouse_id)
    sync(mesh, config, client)
    member_emulator.reset_counts()
    plan, _result = sync(mesh, config, client)
    assert plan.changes == [] and member_emulator.writes == 0
    catalogs = {t.split(".")[0] for t in plan.tables}
    assert member_emulator.total_requests - _share_calls(member_emulator) <= 5 * len(catalogs)
    assert _statements(member_emulator) == 3 * len(catalogs)


def test_tables_the_principal_cannot_see_are_reported_as_not_visible_not_missing(
    mesh: MeshModel, config: UnityConfig, emulator: UnityCatalogEmulator
) -> None:
    emulator.add_token("dapi-outsider", "outsider@example.com")
    outsider = UnityClient(WorkspaceClient(host=emulator.url, token="dapi-outsider"), emulator.warehouse_id)
    emulator.metastore.drop_table(FCT)
    plan, _ = sync(mesh, config, outsider)
    reasons = {m["table"]: m["reason"] for m in plan.missing}
    assert reasons.pop(FCT) == "does not exist"
    assert reasons and all("not visible to the sync principal" in r for r in reasons.values())


def test_bulk_read_reads_only_declared_tables_in_pages_under_the_result_cap(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    sync(mesh, config, client)
    schema = FCT.rsplit(".", 1)[0]
    emulator.metastore.create_table(f"{schema}.wide_scratch", [(f"c{i}", "string") for i in range(3000)])
    emulator.inline_limit_bytes = 60_000  # the declared tables fit, the undeclared one does not
    plan, _ = sync(mesh, config, client)
    assert plan.changes == [] and not plan.missing
    emulator.inline_limit_bytes = 4_000  # now even the declared ones must be split into pages
    state = read_actual(client, plan.tables, [])
    assert set(state.tables) == set(plan.tables)


def test_pages_of_ten_thousand_products_stay_under_the_caps() -> None:
    from governance.unity.actual import PAGE_BYTES, ROW_BYTES, objects_sql, pages

    tables = {f"gold.fct_product_{i:05d}": 50 for i in range(10_000)}
    split = pages(tables)
    assert sorted(t for page in split for ts in page.values() for t in ts) == sorted(
        n.split(".")[1] for n in tables
    )
    for page in split:
        rows = sum(len(ts) for ts in page.values()) * 51
        assert rows * ROW_BYTES <= PAGE_BYTES < 25 * 1024 * 1024  # estimated result under the INLINE cap
        assert len(objects_sql("orders", page, True).encode()) < 16 * 1024 * 1024  # statement size cap
    assert len(split) == -(-10_000 * 51 * ROW_BYTES // PAGE_BYTES)


def test_names_in_another_case_match_the_lowercase_names_unity_catalog_stores(
    mesh: MeshModel, config: UnityConfig, client: UnityClient, emulator: UnityCatalogEmulator
) -> None:
    # https://docs.databricks.com/aws/en/sql/language-manual/sql-ref-names: Unity Catalog stores names
    # in lower case and matches them case-insensitively
    model = next(m for m in mesh.products() if m.relation == FCT)
    model.alias = "FCT_Orders"
    plan, result = sync(mesh, config, client)
    assert not plan.missing and not result.failures, (plan.missing, [str(f) for f in result.failures])
    assert any(c.target == "orders.gold.FCT_Orders" for c in plan.changes)
    final, _ = sync(mesh, config, client)
    assert final.changes == []


@pytest.mark.parametrize("missing_parent", ["false", "404"])
def test_a_product_whose_catalog_is_absent_is_missing_not_hidden_whatever_exists_answers(
    mesh: MeshModel,
    config: UnityConfig,
    client: UnityClient,
    emulator: UnityCatalogEmulator,
    missing_parent: str,
) -> None:
    """tables.exists under an absent catalog: `table_exists: false`, or 404 CATALOG_DOES_NOT_EXIST (the
    Table exists page does not say which; the emulator answers either). Both mean absent, not hidden."""
    emulator.exists_missing_parent = missing_parent
    emulator.metastore.delete_catalog("orders", force=True)
    plan, _ = sync(mesh, config, client)
    reasons = {m["table"]: m["reason"] for m in plan.missing if m["table"].startswith("orders.")}
    assert reasons and set(reasons.values()) == {"does not exist"}, reasons
