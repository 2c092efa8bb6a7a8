"""`mesh query --engine trino` finds the Trino `make trino` started (<data>/trino/trino.env) by itself."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.commands.query import open_engine
from governance.engines.trino_engine import TrinoEngine


@pytest.fixture
def local_trino(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MESH_DATA_DIR", str(tmp_path))
    for variable in ("TRINO_HOST", "TRINO_PORT"):
        monkeypatch.delenv(variable, raising=False)
    state = tmp_path / "trino"
    state.mkdir()
    (state / "trino.env").write_text("TRINO_HOST=127.0.0.9\nTRINO_PORT=58999\nTRINO_WAREHOUSE=file:///w\n")
    return state / "trino.env"


def test_the_trino_make_trino_started_is_found_without_sourcing_its_env_file(local_trino: Path) -> None:
    engine = open_engine("trino")
    assert isinstance(engine, TrinoEngine)
    assert (engine.settings.host, engine.settings.port) == ("127.0.0.9", 58999)


def test_trino_host_and_port_from_the_environment_win(
    local_trino: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TRINO_PORT", "58111")
    engine = open_engine("trino")
    assert isinstance(engine, TrinoEngine)
    assert engine.settings.port == 58111  # an explicit choice is never overridden


def test_without_a_local_trino_the_configured_one_is_used(local_trino: Path) -> None:
    local_trino.unlink()  # `make trino-stop` removes it
    engine = open_engine("trino")
    assert isinstance(engine, TrinoEngine)
    assert engine.settings.port != 58999


def test_a_damaged_env_file_is_one_line(local_trino: Path) -> None:
    from governance.errors import MeshError

    local_trino.write_text("TRINO_HOST=127.0.0.9\nTRINO_PORT=not-a-port\n")
    with pytest.raises(MeshError, match=r"trino\.env"):
        open_engine("trino")
