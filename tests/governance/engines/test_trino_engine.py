"""`--engine trino` without a server: settings, an unreachable Trino, no password over http.

Everything a Trino answers (typed rows, denials, PII columns, syntax errors) is tested against a real
Trino 476 in tests/governance/trino/test_trino_live.py and test_trino_publish_live.py.
"""

from __future__ import annotations

import dataclasses
import socket

import pytest

from governance.engines.trino_engine import TrinoEngine
from governance.errors import ExitCode, MeshError
from governance.trino.config import TrinoSettings, load_trino_settings
from tests.governance.trino import FIXTURE_TRINO


@pytest.fixture(scope="module")
def trino_settings() -> TrinoSettings:
    return load_trino_settings(FIXTURE_TRINO)


def test_unreachable_trino_fails_naming_where_and_what_to_do(trino_settings: TrinoSettings) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    engine = TrinoEngine(dataclasses.replace(trino_settings, host="127.0.0.1", port=port))
    with pytest.raises(MeshError, match=rf"cannot reach Trino at http://127\.0\.0\.1:{port} ") as error:
        engine.execute("SELECT 1")
    assert error.value.code is ExitCode.FAILED
    assert "make trino" in str(error.value) and "TRINO_PORT" in str(error.value)


def test_settings_read_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRINO_HOST", "trino.internal")
    monkeypatch.setenv("TRINO_PORT", "8443")
    monkeypatch.setenv("TRINO_USER", "carol")
    settings = load_trino_settings(FIXTURE_TRINO)
    assert (settings.host, settings.port, settings.user) == ("trino.internal", 8443, "carol")
    monkeypatch.setenv("TRINO_PORT", "http")
    with pytest.raises(MeshError, match="is not a TCP port"):
        load_trino_settings(FIXTURE_TRINO)


def test_jdbc_url_and_warehouse_follow_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRINO_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/cat")
    monkeypatch.setenv("TRINO_WAREHOUSE", "file:///srv/lake")
    settings = load_trino_settings(FIXTURE_TRINO)
    assert (settings.jdbc_url, settings.jdbc_warehouse) == (
        "jdbc:postgresql://127.0.0.1:5432/cat",
        "file:///srv/lake",
    )


def test_another_trino_yml_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_TRINO_CONFIG", str(FIXTURE_TRINO))
    assert "shipping-team" in load_trino_settings().groups


def test_password_is_never_sent_over_http(
    monkeypatch: pytest.MonkeyPatch, trino_settings: TrinoSettings
) -> None:
    monkeypatch.setenv("TRINO_PASSWORD", "hunter2")
    with pytest.raises(MeshError, match="only sent over https") as error:
        TrinoEngine(trino_settings)
    assert "hunter2" not in str(error.value)


def test_a_trino_that_has_just_started_is_asked_again_within_the_deadline(
    trino_settings: TrinoSettings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """NO_NODES_AVAILABLE (a restarted Trino whose node has not announced its catalogs yet; it failed a CI
    run) is asked again until the deadline; any other error is not."""
    from governance.engines.base import EngineError, QueryResult

    monkeypatch.setenv("MESH_TRINO_TIMEOUT", "30")
    monkeypatch.setattr("governance.engines.trino_engine.time.sleep", lambda _: None)
    engine = TrinoEngine(trino_settings)
    answers: list[Exception | QueryResult] = [
        EngineError("trino", "NO_NODES_AVAILABLE: No nodes available to run query"),
        EngineError("trino", "NO_NODES_AVAILABLE: No nodes available to run query"),
        QueryResult(["x"], [(1,)]),
    ]

    def once(sql: str) -> QueryResult:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(engine, "_execute_once", once)
    assert engine.execute("SELECT 1").rows == [(1,)] and answers == []
    answers[:] = [EngineError("trino", "TABLE_NOT_FOUND: no such table"), QueryResult(["x"], [(1,)])]
    with pytest.raises(EngineError, match="TABLE_NOT_FOUND"):
        engine.execute("SELECT 1")
