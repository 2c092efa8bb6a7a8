"""A canary token through every failure path of `mesh plan`, `mesh sync` and scripts/governance_sync.py:
whatever its shape, the token never reaches stdout, stderr, a file written or a log, and a credential or
host mistake is one line (exit 2), never a traceback."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from governance.cli import main
from governance.credentials import clean_host
from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.governance.unity.conftest import CONFIG, TOKEN

REPO = Path(__file__).resolve().parents[3]


def _leaks(text: str, token: str) -> bool:
    """The token, or any 12-character run of it, appears in the text."""
    secret = token.strip()
    return any(secret[i : i + 12] in text for i in range(len(secret) - 11))


def _run(*args: str) -> tuple[int, str]:
    """`mesh` in process: exit code and everything it printed, a traceback included if it raised."""
    try:
        return main([*args, "--config", str(CONFIG)]), ""
    except BaseException:  # the test inspects what would have been printed
        return -1, traceback.format_exc()


@pytest.fixture
def printed(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> Callable[[], tuple[str, str]]:
    """(stderr, everything printed or logged so far), the SDK's debug log included."""
    caplog.set_level(logging.DEBUG)

    def read() -> tuple[str, str]:
        out = capsys.readouterr()
        return out.err, out.out + out.err + caplog.text

    return read


def _files(root: Path) -> str:
    return "".join(p.read_text(errors="replace") for p in root.rglob("*") if p.is_file())


# Shapes a token takes in the wild: mounted secrets end in a newline, copy-paste adds spaces, editors
# add a BOM or smart characters. Surrounding whitespace is normalised; anything else is refused.
NORMALISED = {"newline": TOKEN + "\n", "crlf": TOKEN + "\r\n", "spaces": f"  {TOKEN}\t "}
REFUSED = {
    "inner-newline": TOKEN[:10] + "\n" + TOKEN[10:],
    "inner-space": TOKEN[:10] + " " + TOKEN[10:],
    "non-ascii": TOKEN + "é",
    "cjk": TOKEN + "漢",
    "bom": "\ufeff" + TOKEN,
    "control": TOKEN + "\x07",
    "blank": " \n",
}


Printed = Callable[[], tuple[str, str]]


@pytest.mark.parametrize("shape", sorted(NORMALISED))
def test_token_with_surrounding_whitespace_is_normalised(
    workspace_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, printed: Printed, shape: str
) -> None:
    monkeypatch.setenv("DATABRICKS_TOKEN", NORMALISED[shape])
    out = tmp_path / "out"
    code, trace = _run("plan", "--out", str(out / "plan.json"))
    code2, trace2 = _run("sync", "--apply", "--audit-log", str(out / "audit.jsonl"))
    everything = trace + trace2 + printed()[1] + _files(out)
    assert (code, code2) == (0, 0), everything[-2000:]
    assert not _leaks(everything, TOKEN)


@pytest.mark.parametrize("case", [(c, s) for c in ("plan", "sync") for s in sorted(REFUSED)])
def test_malformed_token_is_one_line_exit_2_without_the_token(
    workspace_env: Path,
    emulator: UnityCatalogEmulator,
    monkeypatch: pytest.MonkeyPatch,
    printed: Printed,
    case: tuple[str, str],
) -> None:
    command, shape = case
    monkeypatch.setenv("DATABRICKS_TOKEN", REFUSED[shape])
    out = workspace_env.parent / "out"
    extra = (
        ["--out", str(out / "plan.json")] if command == "plan" else ["--apply", "--audit-log", str(out / "a")]
    )
    code, trace = _run(command, *extra)
    err, seen = printed()
    everything = trace + seen + (_files(out) if out.exists() else "")
    assert code == 2, everything[-2000:]
    errors = [line for line in err.splitlines() if line]
    assert len(errors) == 1 and errors[0].startswith("error: ") and "DATABRICKS_TOKEN" in errors[0]
    assert not _leaks(everything, TOKEN)
    assert emulator.total_requests == 0  # refused before anything was sent


def test_wrong_token_and_token_revoked_mid_apply_never_leak(
    workspace_env: Path,
    emulator: UnityCatalogEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    printed: Printed,
) -> None:
    out = tmp_path / "out"
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN.replace("0123", "9999"))  # wrong
    assert _run("plan")[0] == 2
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN)

    def expire(method: str, path: str, is_write: bool) -> None:
        if is_write and emulator.writes >= 3:
            emulator.identities.pop(TOKEN, None)  # the token expires while the sync writes

    emulator.on_request = expire
    code, trace = _run("sync", "--apply", "--audit-log", str(out / "audit.jsonl"))
    everything = trace + printed()[1] + _files(out)
    assert code == 1, everything[-2000:]
    assert "failed" in everything and not _leaks(everything, TOKEN)


class _EchoingHandler(BaseHTTPRequestHandler):
    """A server that echoes the Authorization header it received into its error: the worst case."""

    def _reply(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        body = json.dumps(
            {"error_code": "UNAUTHENTICATED", "message": f"bad header {self.headers.get('Authorization')}"}
        ).encode()
        self.send_response(401)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._reply()

    def do_POST(self) -> None:
        self._reply()

    def log_message(self, format: str, *args: Any) -> None:
        return


@pytest.fixture
def echoing_server() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _EchoingHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_server_echoing_the_token_back_is_redacted(
    workspace_env: Path,
    echoing_server: str,
    monkeypatch: pytest.MonkeyPatch,
    printed: Printed,
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", echoing_server)
    code, trace = _run("plan")
    assert code == 2 and not _leaks(trace + printed()[1], TOKEN)


MALFORMED_HOSTS = [
    "https://adb-1.azuredatabricks.net:44x3",
    "https://adb-1.azuredatabricks.net:99999",
    "https://adb-1.azuredatabricks.net:-1",
    "https://adb 1.azuredatabricks.net",
    "ftp://adb-1.azuredatabricks.net",
    "https://user:pass@adb-1.azuredatabricks.net",
    "https://adb-1.azuredatabricks.net/some/path?o=1",
    "https://",
    "https://[::1",
    "https://adb-1.azure\tdatabricks.net",
]


@pytest.mark.parametrize("host", MALFORMED_HOSTS)
def test_malformed_databricks_host_is_one_line_exit_2(
    workspace_env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    host: str,
) -> None:
    monkeypatch.setenv("DATABRICKS_HOST", host)
    code, trace = _run("plan")
    errors = [line for line in capsys.readouterr().err.splitlines() if line]
    assert code == 2, trace
    assert len(errors) == 1 and "DATABRICKS_HOST" in errors[0] and not _leaks(errors[0], TOKEN)


def _subprocess(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], check=False, env=env, capture_output=True, text=True, timeout=600, cwd=REPO
    )


def test_governance_sync_script_and_mesh_binary_with_a_mounted_secret_token(
    workspace_env: Path, emulator: UnityCatalogEmulator, tmp_path: Path
) -> None:
    """The deploy job's step, as a process: a token read from a mounted secret file (trailing newline)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "DATABRICKS_TOKEN": TOKEN + "\n"}
    audit = tmp_path / "audit.jsonl"
    script = _subprocess(
        ["scripts/governance_sync.py", "--apply", "--config", str(CONFIG), "--audit-log", str(audit)], env
    )
    assert script.returncode == 0, script.stderr[-2000:]
    env["DATABRICKS_TOKEN"] = TOKEN + "é"
    refused = _subprocess(["-m", "governance", "sync", "--apply", "--config", str(CONFIG)], env)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    env["DATABRICKS_TOKEN"] = TOKEN
    env["DATABRICKS_HOST"] = emulator.url.replace("http://", "https://") + "x"
    bad_host = _subprocess(["scripts/governance_sync.py", "--config", str(CONFIG)], env)
    assert bad_host.returncode == 2 and "Traceback" not in bad_host.stderr
    everything = "".join(p.stdout + p.stderr for p in (script, refused, bad_host)) + audit.read_text()
    assert not _leaks(everything, TOKEN)


def test_databricks_query_engine_host_with_a_port_is_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The SQL connector used to append :443 to a host that had a port, and die in a traceback."""
    for name in ("DATABRICKS_HTTP_PATH", "DATABRICKS_CONFIG_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABRICKS_TOKEN", TOKEN + "\n")
    monkeypatch.setenv("DATABRICKS_WAREHOUSE_ID", "w")
    for host in ("https://adb-1.azuredatabricks.net:443x", "adb-1.azuredatabricks.net:443:443"):
        monkeypatch.setenv("DATABRICKS_HOST", host)
        try:
            code = main(["query", "--engine", "databricks", "SELECT 1"])
        except BaseException:
            pytest.fail(f"{host}: traceback\n{traceback.format_exc()}")
        errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
        assert code == 2 and len(errors) == 1 and not _leaks(errors[0], TOKEN), (host, errors)


@pytest.mark.parametrize(
    ("raw", "url", "port"),
    [
        ("https://adb-1.2.azuredatabricks.net:443", "https://adb-1.2.azuredatabricks.net", None),
        ("adb-1.2.azuredatabricks.net:8443/", "https://adb-1.2.azuredatabricks.net:8443", 8443),
        (" dbc-a1.cloud.databricks.com\n", "https://dbc-a1.cloud.databricks.com", None),
        ("http://127.0.0.1:8765", "http://127.0.0.1:8765", 8765),
    ],
)
def test_a_host_with_a_port_is_kept_and_normalised(raw: str, url: str, port: int | None) -> None:
    host = clean_host("DATABRICKS_HOST", raw)
    assert (host.url, host.port) == (url, port)
