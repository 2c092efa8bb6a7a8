"""Bounded waiting: an unreachable workspace and a statement that never finishes both end, with one
clear error, instead of retrying for minutes."""

from __future__ import annotations

import socket
import threading
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient

from governance.unity.client import StatementError, UnityClient
from tests.emulators.unity_catalog import UnityCatalogEmulator


def _finishes_within(seconds: float, action: object) -> BaseException | None:
    """Run `action` in a thread; fail the test if it is still running after `seconds`."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            action()  # type: ignore[operator]
            outcome.append(None)
        except BaseException as error:
            outcome.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    return outcome[0]


def test_an_unreachable_host_fails_within_the_configured_timeout(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    for name in ("DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_HOST", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-unreachable")
    monkeypatch.setenv("DATABRICKS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("MESH_DATABRICKS_TIMEOUT", "3")
    client = UnityClient.connect("wh")
    error = _finishes_within(25, lambda: client.query("SELECT 1"))
    assert isinstance(error, (TimeoutError, OSError)), error


def test_statement_polling_stops_at_its_deadline_and_cancels() -> None:
    emulator = UnityCatalogEmulator().start()
    try:
        emulator.metastore.create_table("c.s.t", [("a", "int")], owner=emulator.principal.name)
        emulator.pending_polls = 10**6  # a warehouse that never finishes
        workspace = WorkspaceClient(host=emulator.url, token=emulator.token)
        client = UnityClient(workspace, emulator.warehouse_id, statement_timeout_seconds=1.0)
        error = _finishes_within(25, lambda: client.execute("COMMENT ON TABLE c.s.t IS 'x'"))
        assert isinstance(error, StatementError) and error.error_class == "STATEMENT_TIMEOUT"
        assert any(k.endswith("/cancel") for k in emulator.requests)
    finally:
        emulator.stop()
