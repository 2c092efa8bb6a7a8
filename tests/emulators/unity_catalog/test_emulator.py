"""The emulator behaves like Databricks where the sync depends on it: error codes, SQL rules, probes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import requests
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors.platform import BadRequest, NotFound
from databricks.sdk.service.catalog import PermissionsChange, Privilege
from hypothesis import given, settings
from hypothesis import strategies as st

from governance.unity.client import StatementError, UnityClient
from governance.unity.sql import quote_ident, quote_literal
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.emulators.unity_catalog.statements import tokenize


@pytest.fixture
def emulator() -> Iterator[UnityCatalogEmulator]:
    emu = UnityCatalogEmulator().start()
    emu.metastore.create_table("c.s.t", [("a", "int"), ("b", "string")])
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
