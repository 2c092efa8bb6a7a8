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
