"""The catalog and Trino passwords are credentials like Databricks' (tests/governance/unity/test_secrets.py):
normalised when they only carry surrounding whitespace (a mounted secret's newline), refused in one line
naming the variable when malformed, and never shown, whatever the failure."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.governance.iceberg.mesh_fixture import built_mesh

pytestmark = pytest.mark.dbt
CANARY = "canary-pw-7c1e5d"


def _mesh(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    mesh = built_mesh()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "TRINO_", "MESH_"))}
    return subprocess.run(
        [sys.executable, "-m", "governance", *args],
        cwd=mesh.root,
        env={**base, "MESH_ROOT": str(mesh.root), "MESH_DATA_DIR": str(mesh.warehouse.parent), **env},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _refused_port() -> int:
    import socket

    with socket.socket() as probe:  # bound then closed: connecting is refused at once
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("shape", ["{}\n", " {} ", "{}\r\n"])
def test_a_catalog_password_with_surrounding_whitespace_is_used_and_never_shown(shape: str) -> None:
    uri = f"postgresql+psycopg://mesh@127.0.0.1:{_refused_port()}/iceberg"
    done = _mesh("publish", MESH_CATALOG_URI=uri, MESH_CATALOG_PASSWORD=shape.format(CANARY))
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert "unreachable" in done.stderr and CANARY not in done.stdout + done.stderr


@pytest.mark.parametrize("shape", ["a{}b\nc", "{}\u00e9", "\ufeff{}", "{}\x07"])
def test_a_malformed_catalog_password_is_one_line_naming_the_variable(shape: str) -> None:
    uri = f"postgresql+psycopg://mesh@127.0.0.1:{_refused_port()}/iceberg"
    done = _mesh("publish", MESH_CATALOG_URI=uri, MESH_CATALOG_PASSWORD=shape.format(CANARY))
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert done.returncode == 2 and len(errors) == 1 and "MESH_CATALOG_PASSWORD" in errors[0], done.stderr
    assert CANARY not in done.stdout + done.stderr and "Traceback" not in done.stderr


def test_a_password_written_into_the_catalog_uri_is_never_shown() -> None:
    uri = f"postgresql+psycopg://mesh:{CANARY}@127.0.0.1:{_refused_port()}/iceberg?sslmode=bogus"
    done = _mesh("publish", MESH_CATALOG_URI=uri)
    assert done.returncode == 2 and "Traceback" not in done.stderr, done.stderr
    assert CANARY not in done.stdout + done.stderr


@pytest.mark.parametrize("shape", ["{}\n", "a{}\nb", "{}\u00e9"])
def test_a_trino_password_is_never_shown(shape: str, tmp_path: Path) -> None:
    done = _mesh(
        "query", "--engine", "trino", "SELECT 1",
        TRINO_HOST="127.0.0.1", TRINO_PORT=str(_refused_port()), TRINO_HTTP_SCHEME="https",
        TRINO_PASSWORD=shape.format(CANARY), MESH_TRINO_TIMEOUT="3",
    )  # fmt: skip
    errors = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert done.returncode in (1, 2) and len(errors) == 1 and "Traceback" not in done.stderr, done.stderr
    assert CANARY not in done.stdout + done.stderr
    if "\n" in shape.strip() or "\u00e9" in shape:
        assert done.returncode == 2 and "TRINO_PASSWORD" in errors[0], errors
