"""Bounded waiting in `mesh query`: a host that accepts connections and never answers (the worst case:
no refusal to react to) fails the command within the configured timeout, exit 1, in one line naming the
host and what to do. The same for the Iceberg catalog's PostgreSQL (`mesh publish`, and `mesh query`
over published products). The Unity sync's own deadline is tested in tests/governance/unity/test_client.py.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.errors import MeshError

REPO = Path(__file__).resolve().parents[3]
BOUND_SECONDS = 60  # generous: the timeout below is 3 s; before the fix these commands waited minutes


@pytest.fixture()
def silent_port() -> Iterator[int]:
    """A TCP port on 127.0.0.1 that accepts every connection and never sends a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    server.settimeout(0.2)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1]
    finally:
        stop.set()
        thread.join()
        for connection in held:
            connection.close()
        server.close()


def _query(engine: str, env: dict[str, str]) -> tuple[subprocess.CompletedProcess[str], float]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "TRINO_", "MESH_"))}
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "governance", "query", "--engine", engine, "SELECT 1"],
        cwd=REPO,
        check=False,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS * 3,  # never hang the suite; the assertion below is the real bound
    )
    return done, time.monotonic() - started


def test_databricks_query_against_a_silent_host_fails_within_the_timeout(silent_port: int) -> None:
    done, elapsed = _query(
        "databricks",
        {
            "DATABRICKS_HOST": f"http://127.0.0.1:{silent_port}",
            "DATABRICKS_TOKEN": "dapi-x",
            "DATABRICKS_WAREHOUSE_ID": "w",
            "MESH_DATABRICKS_TIMEOUT": "3",
        },
    )
    assert elapsed < BOUND_SECONDS, (elapsed, done.stderr[-2000:])
    assert done.returncode == 1, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"127.0.0.1:{silent_port}" in lines[0] and "MESH_DATABRICKS_TIMEOUT" in lines[0], lines[0]
    assert "dapi-x" not in done.stdout + done.stderr


def test_trino_query_against_a_silent_host_fails_within_the_timeout(silent_port: int) -> None:
    done, elapsed = _query(
        "trino", {"TRINO_HOST": "127.0.0.1", "TRINO_PORT": str(silent_port), "MESH_TRINO_TIMEOUT": "3"}
    )
    assert elapsed < BOUND_SECONDS, (elapsed, done.stderr[-2000:])
    assert done.returncode == 1, done.stderr[-2000:]
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert f"127.0.0.1:{silent_port}" in lines[0] and "MESH_TRINO_TIMEOUT" in lines[0], lines[0]


@pytest.mark.dbt
@pytest.mark.parametrize(
    ("command", "code", "prefix"),
    [
        (["publish"], 2, "error: "),  # an unreachable catalog: nothing can be published
        (["query", "SELECT 1"], 0, "note: "),  # the rest of the mesh stays queryable
    ],
    ids=["publish", "query"],
)
def test_a_silent_postgresql_catalog_fails_within_the_timeout(
    command: list[str], code: int, prefix: str, silent_port: int
) -> None:
    from tests.governance.iceberg.mesh_fixture import built_mesh

    mesh = built_mesh()
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DATABRICKS_", "TRINO_", "MESH_"))}
    env = {
        **base,
        "MESH_ROOT": str(mesh.root),
        "MESH_DATA_DIR": str(mesh.warehouse.parent),
        "MESH_CATALOG_URI": f"postgresql+psycopg://mesh:pg-secret-pw@127.0.0.1:{silent_port}/iceberg",
        "MESH_CATALOG_TIMEOUT": "3",
    }
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "governance", *command],
        cwd=mesh.root,
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=BOUND_SECONDS * 3,
    )
    elapsed = time.monotonic() - started
    assert elapsed < BOUND_SECONDS, (elapsed, done.stderr[-2000:])
    assert done.returncode == code and "Traceback" not in done.stderr, done.stderr[-2000:]
    said = [line for line in done.stderr.splitlines() if line.startswith(prefix)]
    assert len(said) == 1 and f"127.0.0.1:{silent_port}" in said[0], done.stderr[-2000:]
    assert "MESH_CATALOG_TIMEOUT" in said[0] and "timeout expired" in said[0], said[0]
    assert "pg-secret-pw" not in done.stdout + done.stderr


@pytest.mark.parametrize(
    "variable", ["MESH_DATABRICKS_TIMEOUT", "MESH_TRINO_TIMEOUT", "MESH_CATALOG_TIMEOUT"]
)
def test_the_default_timeout_fails_an_unreachable_host_in_under_30_seconds(
    variable: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from governance.settings import DEFAULT_NETWORK_TIMEOUT_SECONDS, network_timeout

    monkeypatch.delenv(variable, raising=False)
    assert network_timeout(variable) == DEFAULT_NETWORK_TIMEOUT_SECONDS <= 30
    monkeypatch.setenv(variable, "2.5")
    assert network_timeout(variable) == 2.5
    for wrong in ("0", "-1", "soon", "nan", "inf"):
        monkeypatch.setenv(variable, wrong)
        with pytest.raises(MeshError, match=rf"{variable}='{wrong}': expected a number of seconds"):
            network_timeout(variable)
