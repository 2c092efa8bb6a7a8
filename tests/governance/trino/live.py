"""Reaching the real Trino the Trino tests run against (scripts/ci/trino.sh), or starting one.

Under CI (`CI` set) a missing Trino fails the test: CI is supposed to provide it (`make test-trino`).
Elsewhere the test is skipped with the command that starts one.
"""

from __future__ import annotations

import dataclasses
import os
import random
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

from governance.engines.trino_engine import TrinoEngine
from governance.trino.config import TrinoSettings
from tests.services import unavailable

REPO = Path(__file__).resolve().parents[3]
TRINO_SH = REPO / "scripts" / "ci" / "trino.sh"


@dataclass(frozen=True)
class TrinoServer:
    host: str
    port: int
    warehouse: str  # file:// URI Trino creates tables under (and the tests publish to)
    jdbc_url: str  # the catalog database Trino reads

    def engine(self, settings: TrinoSettings, user: str) -> TrinoEngine:
        return TrinoEngine(dataclasses.replace(settings, host=self.host, port=self.port, user=user))


def default_state_dir() -> Path:
    data = os.environ.get("MESH_DATA_DIR")
    return Path(os.environ.get("TRINO_STATE_DIR") or (Path(data) if data else REPO / "data") / "trino")


def read_state(state_dir: Path) -> TrinoServer | None:
    """The server trino.sh recorded in <state>/trino.env, if it answers."""
    env_file = state_dir / "trino.env"
    if not env_file.is_file():
        return None
    values = dict(
        line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line and line.strip()
    )
    server = TrinoServer(
        values["TRINO_HOST"], int(values["TRINO_PORT"]), values["TRINO_WAREHOUSE"], values["TRINO_JDBC_URL"]
    )
    try:
        info = requests.get(f"http://{server.host}:{server.port}/v1/info", timeout=5).json()
    except (requests.RequestException, ValueError):
        return None
    return None if info.get("starting", True) else server


def missing(reason: str) -> None:
    unavailable(reason, "`make trino` or scripts/ci/trino.sh start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def free_ports(count: int) -> int:
    """The first of `count` consecutive ports free now (scripts/ci/iceberg_rest.sh puts its servers on the
    ports after the gateway's), below the kernel's ephemeral range: an outgoing connection never takes one of
    them before the servers bind (a port the kernel handed out, and the ones after it, can be; a run failed
    on `Address already in use` so)."""
    try:
        low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    chooser = random.Random()
    for _ in range(500):
        first = chooser.randrange(10000, max(low - count, 10001))
        probes = [socket.socket() for _ in range(count)]
        try:
            for offset, probe in enumerate(probes):
                probe.bind(("127.0.0.1", first + offset))
            return first
        except OSError:
            continue
        finally:
            for probe in probes:
                probe.close()
    raise RuntimeError(f"no {count} consecutive free ports below {low}")


def jdbc_url_of(sqlalchemy_uri: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(sqlalchemy_uri)
    return f"jdbc:postgresql://{url.host}:{url.port or 5432}/{url.database}"


@contextmanager
def started_trino(
    mesh_root: Path, trino_yml: Path, state_dir: Path, catalog_uri: str
) -> Iterator[TrinoServer]:
    """A Trino of its own for another mesh (its `mesh trino-config` output), stopped on exit."""
    env = {
        **os.environ,
        "MESH_ROOT": str(mesh_root),
        "MESH_TRINO_CONFIG": str(trino_yml),
        "TRINO_STATE_DIR": str(state_dir),
        "TRINO_PORT": str(free_port()),
        "MESH_CATALOG_URI": catalog_uri,
    }
    env.pop("MESH_WAREHOUSE", None)
    started = subprocess.run(
        ["bash", str(TRINO_SH), "start"], check=False, env=env, capture_output=True, text=True
    )
    try:
        if started.returncode != 0:
            missing(f"scripts/ci/trino.sh start failed: {started.stderr.strip()[-2000:]}")
        server = read_state(state_dir)
        if server is None:
            missing("scripts/ci/trino.sh started but Trino does not answer")
        assert server is not None
        yield server
    finally:
        subprocess.run(["bash", str(TRINO_SH), "stop"], check=False, env=env, capture_output=True, text=True)
