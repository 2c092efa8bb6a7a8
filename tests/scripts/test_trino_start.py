"""scripts/ci/trino.sh start under a slow machine: Trino's launcher writes its pid file only after `launcher
start` has returned (its daemon forks first), and a pid file may be left by an earlier server. The readiness
loop must wait for a server still starting, not declare it dead within a second and leave it running.

Trino itself is replaced by a stand-in launcher (same command line, same pid file, same two HTTP endpoints
the readiness check calls), so the test is about the script's timing and costs no JVM; `mesh trino-config`
runs for real over the session's built mesh.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.fixtures.built_mesh import built_mesh
from tests.fixtures.mesh_project import cache_dir

pytestmark = pytest.mark.dbt

REPO = Path(__file__).resolve().parents[2]
TRINO_SH = REPO / "scripts" / "ci" / "trino.sh"

# The stand-in: `launcher start|stop --etc-dir E --data-dir D --jvm-dir J`, as trino.sh calls it. `start`
# returns at once; the server it forks waits PID_DELAY seconds, then writes <D>/var/run/launcher.pid and
# answers /v1/info and /v1/statement on the port of <E>/config.properties.
LAUNCHER = """#!/usr/bin/env bash
set -euo pipefail
command="$1"; shift
while (($#)); do
  case "$1" in --etc-dir) etc="$2" ;; --data-dir) data="$2" ;; esac
  shift 2
done
pid_file="$data/var/run/launcher.pid"
case "$command" in
  start)
    port="$(sed -n 's/^http-server.http.port=//p' "$etc/config.properties")"
    nohup "PYTHON" "SERVER_PY" "$port" "$pid_file" >/dev/null 2>&1 &
    ;;
  stop) kill "$(cat "$pid_file")" 2>/dev/null || true; rm -f "$pid_file" ;;
esac
"""

SERVER = """import http.server, json, os, sys, threading, time
port, pid_file = int(sys.argv[1]), sys.argv[2]
lifetime = threading.Timer(180, os._exit, (0,))  # never outlives the test, even if no `stop` reaches it
lifetime.daemon = True
lifetime.start()
time.sleep(float(os.environ["PID_DELAY"]))
os.makedirs(os.path.dirname(pid_file), exist_ok=True)
with open(pid_file, "w") as handle:
    handle.write(str(os.getpid()))
if os.environ.get("DIE_AFTER_PID"):  # a server that fails at start-up (a bad catalog, a port in use)
    sys.exit(1)

class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, body):
        data = json.dumps(body, separators=(",", ":")).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer({"starting": False})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer({"id": "q1", "stats": {"state": "FINISHED"}})

    def log_message(self, *args):
        pass

http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def dead_pid() -> int:
    """The pid of a process that has exited (as an earlier server's, left in its pid file)."""
    done = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=False, capture_output=True, text=True
    )
    return int(done.stdout)


@pytest.fixture
def stand_in(tmp_path: Path, request: pytest.FixtureRequest) -> dict[str, str]:
    mesh = built_mesh(cache_dir(request.config))
    cache = tmp_path / "cache"
    server = cache / "trino-server-476"
    (server / "bin").mkdir(parents=True)
    (server / ".complete").touch()  # trino.sh's fetch: already downloaded
    (tmp_path / "server.py").write_text(SERVER)
    launcher = server / "bin" / "launcher"
    launcher.write_text(
        LAUNCHER.replace("PYTHON", sys.executable).replace("SERVER_PY", str(tmp_path / "server.py"))
    )
    launcher.chmod(0o755)
    return {
        **os.environ,
        **mesh.env(),
        "MESH_TRINO_CONFIG": str(REPO / "governance" / "trino.yml"),
        "MESH_CATALOG_URI": "postgresql+psycopg://mesh:mesh@127.0.0.1:55432/never_connected",
        "TRINO_CACHE_DIR": str(cache),
        "TRINO_STATE_DIR": str(tmp_path / "state"),
        "TRINO_PORT": str(free_port()),
        "TRINO_READY_TIMEOUT": "60",
    }


def trino_sh(env: dict[str, str], command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(TRINO_SH), command], env=env, check=False, capture_output=True, text=True, timeout=120
    )


def test_a_server_that_writes_its_pid_late_over_a_stale_pid_file_is_waited_for(
    stand_in: dict[str, str],
) -> None:
    pid_file = Path(stand_in["TRINO_STATE_DIR"]) / "var" / "run" / "launcher.pid"
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(str(dead_pid()))  # an earlier server's, killed without `stop`
    env = {**stand_in, "PID_DELAY": "4"}
    try:
        started = trino_sh(env, "start")
        assert started.returncode == 0, started.stderr
        assert f"ready on 127.0.0.1:{env['TRINO_PORT']}" in started.stderr
        assert (Path(env["TRINO_STATE_DIR"]) / "trino.env").is_file()
    finally:
        trino_sh(env, "stop")


def test_a_server_that_dies_is_reported_not_waited_for_until_the_timeout(stand_in: dict[str, str]) -> None:
    """The other side of the same rule: once the pid it wrote has exited, the start fails at once."""
    env = {**stand_in, "PID_DELAY": "1", "DIE_AFTER_PID": "1", "TRINO_READY_TIMEOUT": "600"}
    try:
        started = trino_sh(env, "start")
    finally:
        trino_sh(env, "stop")
    assert started.returncode == 1
    assert "Trino did not become ready within" in started.stderr
