"""The emulator behaves like Databricks where the sync depends on it: error codes, SQL rules, probes,
privileges and ownership, what information_schema shows whom, limits, lost answers, statement cost."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors.platform import BadRequest, NotFound, PermissionDenied, ResourceConflict
from databricks.sdk.service.catalog import PermissionsChange, Privilege
from databricks.sdk.service.sharing import (
    SharedDataObject,
    SharedDataObjectUpdate,
    SharedDataObjectUpdateAction,
)
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.unity.client import GrantChange, StatementError, UnityClient
from governance.unity.sql import quote_ident, quote_literal
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.emulators.unity_catalog.statements import tokenize


@pytest.fixture
def emulator() -> Iterator[UnityCatalogEmulator]:
    emu = UnityCatalogEmulator().start()
    emu.metastore.create_table("c.s.t", [("a", "int"), ("b", "string")], owner="admins")
    emu.metastore.tables[("c", "s", "t")].owner = emu.principal.name  # the caller owns the table only
    yield emu
    emu.stop()


@pytest.fixture
def workspace(emulator: UnityCatalogEmulator) -> WorkspaceClient:
    return WorkspaceClient(host=emulator.url, token=emulator.token)


def test_rest_errors_carry_databricks_codes(workspace: WorkspaceClient) -> None:
    with pytest.raises(NotFound) as missing:
        workspace.tables.update("c.s.nope", owner="x")
    assert missing.value.error_code == "TABLE_DOES_NOT_EXIST"
    with pytest.raises(BadRequest, match="not applicable"):
        change = PermissionsChange(principal="g", add=[Privilege.USE_CATALOG])
        workspace.grants.update("table", "c.s.t", changes=[change])


def test_sql_rejects_unsupported_and_multiple_statements(
    emulator: UnityCatalogEmulator, workspace: WorkspaceClient
) -> None:
    client = UnityClient(workspace, emulator.warehouse_id)
    for statement in ("DROP TABLE c.s.t", "COMMENT ON TABLE c.s.t IS 'x'; DROP TABLE c.s.t"):
        with pytest.raises(StatementError) as error:
            client.execute(statement)
        assert error.value.error_class == "PARSE_SYNTAX_ERROR"
    with pytest.raises(StatementError) as missing:
        client.execute("COMMENT ON TABLE c.s.absent IS 'x'")
    assert missing.value.error_class == "TABLE_OR_VIEW_NOT_FOUND"
    assert emulator.metastore.tables[("c", "s", "t")].comment is None


def test_doubled_quotes_concatenate_like_spark(
    emulator: UnityCatalogEmulator, workspace: WorkspaceClient
) -> None:
    UnityClient(workspace, emulator.warehouse_id).execute("COMMENT ON TABLE c.s.t IS 'it''s'")
    # adjacent literals concatenate: why the sync escapes quotes with backslashes
    assert emulator.metastore.tables[("c", "s", "t")].comment == "its"


def test_host_metadata_probe_answers_at_once(emulator: UnityCatalogEmulator) -> None:
    assert requests.get(emulator.url + "/.well-known/databricks-config", timeout=2).status_code == 404
    assert emulator.total_requests == 0


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_literals_and_identifiers_round_trip_through_the_sql_tokenizer(value: str) -> None:
    tokens = tokenize(f"{quote_ident(value)} {quote_literal(value)}") if value else []
    if value:
        assert [(t.kind, t.value) for t in tokens] == [("ident", value), ("string", value)]


def _client(emulator: UnityCatalogEmulator, token: str | None = None) -> UnityClient:
    workspace = WorkspaceClient(host=emulator.url, token=token or emulator.token)
    return UnityClient(workspace, emulator.warehouse_id)


def _sql_error(client: UnityClient, statement: str) -> str:
    with pytest.raises(StatementError) as error:
        client.execute(statement)
    return error.value.error_class


def test_scripting_off_names_the_feature_not_a_syntax_error(emulator: UnityCatalogEmulator) -> None:
    emulator.metastore.supports_scripting = False
    script = "BEGIN\n  COMMENT ON TABLE c.s.t IS 'a';\n  COMMENT ON TABLE c.s.t IS 'b';\nEND"
    assert _sql_error(_client(emulator), script) == "UNSUPPORTED_FEATURE.SQL_SCRIPTING"


def test_alter_table_set_tags_needs_a_value_key_only_is_the_empty_string(
    emulator: UnityCatalogEmulator,
) -> None:
    client = _client(emulator)
    assert _sql_error(client, "ALTER TABLE c.s.t SET TAGS ('daily')") == "PARSE_SYNTAX_ERROR"
    client.execute("ALTER TABLE c.s.t SET TAGS ('daily' = '')")
    assert emulator.metastore.tables[("c", "s", "t")].tags == {"daily": ""}
    assert _sql_error(client, "ALTER TABLE c.s.t SET TAGS ('a.b' = 'x')") == (
        "INVALID_PARAMETER_VALUE.INVALID_TAG_KEY"
    )


def test_owner_change_takes_the_previous_owners_rights(emulator: UnityCatalogEmulator) -> None:
    client = _client(emulator)
    client.execute("COMMENT ON TABLE c.s.t IS 'as owner'")
    emulator.metastore.grant("catalog", "c", emulator.principal.name, "USE_CATALOG", "USE_SCHEMA")
    client.set_owner("c.s.t", "orders-team")  # tables.update: the owner, with USE CATALOG and USE SCHEMA
    assert _sql_error(client, "COMMENT ON TABLE c.s.t IS 'again'") == "INSUFFICIENT_PERMISSIONS"
    assert _sql_error(client, "ALTER TABLE c.s.t SET TAGS ('k' = 'v')") == "INSUFFICIENT_PERMISSIONS"
    with pytest.raises(PermissionDenied):
        client.set_owner("c.s.t", emulator.principal.name)
    # MODIFY (with USE CATALOG/SCHEMA) gives comments back, APPLY TAG gives tags, MANAGE gives grants
    emulator.metastore.grant("catalog", "c", emulator.principal.name, "MODIFY")
    client.execute("COMMENT ON TABLE c.s.t IS 'with MODIFY'")
    assert _sql_error(client, "ALTER TABLE c.s.t SET TAGS ('k' = 'v')") == "INSUFFICIENT_PERMISSIONS"
    with pytest.raises(PermissionDenied):
        client.update_grants("table", "c.s.t", [GrantChange("g", ("SELECT",))])


def test_manage_alone_may_not_change_a_tables_owner(emulator: UnityCatalogEmulator) -> None:
    """Transfer ownership (manage-privileges/ownership): the current owner, the owner of the container
    or a metastore admin; MANAGE, enough for grants, is not listed."""
    emulator.metastore.set_owner("c.s.t", "owners")
    emulator.add_token("dapi-manager", "manager@example.com")
    emulator.add_token("dapi-member", "member@example.com", groups=("owners",))
    emulator.add_token("dapi-container", "container@example.com", groups=("admins",))
    emulator.metastore.grant("catalog", "c", "manager@example.com", "USE_CATALOG", "USE_SCHEMA", "MANAGE")
    emulator.metastore.grant("catalog", "c", "member@example.com", "USE_CATALOG", "USE_SCHEMA")
    manager = _client(emulator, "dapi-manager")
    manager.update_grants("table", "c.s.t", [GrantChange("analysts", ("SELECT",))])
    with pytest.raises(PermissionDenied, match="only its owner, the owner of its schema or catalog"):
        manager.set_owner("c.s.t", "manager@example.com")
    assert emulator.metastore.tables[("c", "s", "t")].owner == "owners"
    _client(emulator, "dapi-member").set_owner("c.s.t", "orders-team")  # the owner, through its group
    _client(emulator, "dapi-container").set_owner("c.s.t", "finance")  # the schema's and catalog's owner
    assert emulator.metastore.tables[("c", "s", "t")].owner == "finance"


def test_information_schema_shows_others_grants_to_owners_only(emulator: UnityCatalogEmulator) -> None:
    emulator.metastore.grant("table", "c.s.t", "analysts", "SELECT")
    emulator.add_token("dapi-manager", "manager@example.com")
    emulator.add_token("dapi-outsider", "outsider@example.com")
    emulator.add_token("dapi-member", "member@example.com", groups=("owners",))
    emulator.metastore.grant("catalog", "c", "manager@example.com", "USE_CATALOG", "USE_SCHEMA", "MANAGE")
    emulator.metastore.set_owner("c.s.t", "owners")
    query = "SELECT grantee, privilege_type FROM c.information_schema.table_privileges"
    member = _client(emulator, "dapi-member").query(query)
    assert "analysts" in {r["grantee"] for r in member}
    manager = _client(emulator, "dapi-manager").query(query)
    assert "analysts" not in {r["grantee"] for r in manager}  # MANAGE: its own grants only
    assert (
        _client(emulator, "dapi-outsider").query("SELECT table_name FROM c.information_schema.tables") == []
    )
    # ...but the grants API gives a MANAGE holder every grant
    manager_api = WorkspaceClient(host=emulator.url, token="dapi-manager")
    assignments = manager_api.grants.get("table", "c.s.t").privilege_assignments or []
    assert "analysts" in {a.principal for a in assignments}
    owned = _client(emulator, "dapi-member").query(
        "SELECT is_account_group_member(table_owner) AS owned, current_user() AS me "
        "FROM c.information_schema.tables"
    )
    assert owned == [{"owned": "true", "me": "member@example.com"}]


def test_inline_results_over_the_cap_fail_the_statement(emulator: UnityCatalogEmulator) -> None:
    emulator.inline_limit_bytes = 100
    with pytest.raises(StatementError, match="INLINE"):
        _client(emulator).query("SELECT * FROM c.information_schema.columns")


def test_a_lost_response_still_applies_the_write(emulator: UnityCatalogEmulator) -> None:
    emulator.set_faults(1.0, kinds=("lost",), only_writes=True, limit=1)
    emulator.metastore.grant("metastore", "", emulator.principal.name, "CREATE_SHARE")
    workspace = WorkspaceClient(host=emulator.url, token=emulator.token)
    with pytest.raises(ResourceConflict):
        workspace.shares.create("s1")  # the SDK resends it; the first one had landed
    assert "s1" in emulator.metastore.shares


def test_a_script_costs_the_sum_of_its_statements(emulator: UnityCatalogEmulator) -> None:
    emulator.metastore.statement_latency = 0.2
    client = _client(emulator)
    started = time.perf_counter()
    client.execute("BEGIN\n" + "".join(f"  COMMENT ON TABLE c.s.t IS '{i}';\n" for i in range(5)) + "END")
    assert time.perf_counter() - started >= 1.0


def test_share_add_needs_select_and_share_ownership(emulator: UnityCatalogEmulator) -> None:
    emulator.metastore.grant("metastore", "", emulator.principal.name, "CREATE_SHARE")
    emulator.metastore.set_owner("c.s.t", "someone-else")
    emulator.metastore.grant("catalog", "c", emulator.principal.name, "USE_CATALOG", "USE_SCHEMA")
    client = _client(emulator)
    client.create_share("s1")
    with pytest.raises(PermissionDenied):
        client.update_share_objects("s1", ["c.s.t"], [])
    emulator.metastore.grant("table", "c.s.t", emulator.principal.name, "SELECT")
    client.update_share_objects("s1", ["c.s.t"], [])
    with pytest.raises(BadRequest):  # at most 100 updates per call
        _client(emulator).workspace.shares.update(
            "s1",
            updates=[
                SharedDataObjectUpdate(
                    action=SharedDataObjectUpdateAction.REMOVE, data_object=SharedDataObject(name=f"c.s.x{i}")
                )
                for i in range(101)
            ],
        )


def test_catalog_delete_needs_ownership_and_force_when_not_empty(
    emulator: UnityCatalogEmulator, workspace: WorkspaceClient
) -> None:
    # https://docs.databricks.com/api/workspace/catalogs/delete
    emulator.metastore.create_table("mine.s.t", [("a", "int")], owner=emulator.principal.name)
    with pytest.raises(PermissionDenied):
        workspace.catalogs.delete("c", force=True)  # owned by `admins`: table ownership is not enough
    with pytest.raises(BadRequest, match="not empty"):
        workspace.catalogs.delete("mine")
    assert workspace.catalogs.get("mine").owner == emulator.principal.name
    workspace.catalogs.delete("mine", force=True)
    with pytest.raises(NotFound) as missing:
        workspace.catalogs.get("mine")
    assert missing.value.error_code == "CATALOG_DOES_NOT_EXIST"
    with pytest.raises(NotFound):
        workspace.catalogs.delete("mine", force=True)
    assert ("mine", "s", "t") not in emulator.metastore.tables
    assert ("c", "s", "t") in emulator.metastore.tables


def test_governed_tags_take_assign_an_allowed_value_and_at_most_256_characters(
    emulator: UnityCatalogEmulator, workspace: WorkspaceClient
) -> None:
    """Governed tags (tag policies): only principals with ASSIGN (or MANAGE) on the policy may set or unset
    the key, only its allowed values are accepted, keys and values are at most 256 characters."""
    client = UnityClient(workspace, emulator.warehouse_id)
    emulator.metastore.tag_policies["tier"] = frozenset({"gold", "silver"})
    with pytest.raises(StatementError, match=r"INSUFFICIENT_PERMISSIONS.*ASSIGN.*'tier'"):
        client.execute("ALTER TABLE c.s.t SET TAGS ('tier' = 'gold')")
    emulator.metastore.tag_assigners["tier"] = {emulator.principal.name}
    client.execute("ALTER TABLE c.s.t SET TAGS ('tier' = 'gold')")
    with pytest.raises(StatementError, match=r"INVALID_PARAMETER_VALUE.*not an allowed value"):
        client.execute("ALTER TABLE c.s.t SET TAGS ('tier' = 'bronze')")
    emulator.metastore.tag_policies["tier"] = frozenset()  # no values: any value up to 256 characters
    with pytest.raises(StatementError, match=r"INVALID_PARAMETER_VALUE.*256"):
        client.execute(f"ALTER TABLE c.s.t SET TAGS ('tier' = '{'x' * 257}')")
    client.execute(f"ALTER TABLE c.s.t SET TAGS ('tier' = '{'x' * 256}')")
    (policy,) = workspace.tag_policies.list_tag_policies()  # what the sync reads at plan time
    assert policy.tag_key == "tier" and not policy.values
    assert emulator.metastore.tables[("c", "s", "t")].tags == {"tier": "x" * 256}
