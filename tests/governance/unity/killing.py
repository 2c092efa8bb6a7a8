"""Kill a `mesh sync --apply` process with SIGKILL, then wait until every request it sent has been
answered: a killed client's requests may still sit in the server's socket buffer or accept queue and
land after it died, so the next run must not read the state before they have."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from tests.emulators.unity_catalog import UnityCatalogEmulator
from tests.governance.unity.conftest import CONFIG

REPO = Path(__file__).resolve().parents[3]


class Connections:
    """Connections the emulator has accepted and not yet finished, counted from the accept loop on.

    A killed client's requests may still sit in the server's socket buffer or accept queue and land
    after it died; the next run must start only once they have been answered (or refused)."""

    def __init__(self, emulator: UnityCatalogEmulator) -> None:
        server = emulator._server
        assert server is not None
        self.url = emulator.url
        self.open = 0
        self._lock = threading.Lock()
        accept, serve = server.process_request, server.process_request_thread

        def process_request(request: Any, address: Any) -> None:  # the accept loop: serial, in order
            with self._lock:
                self.open += 1
            accept(request, address)

        def process_request_thread(request: Any, address: Any) -> None:
            try:
                serve(request, address)
            finally:
                with self._lock:
                    self.open -= 1

        server.process_request = process_request  # type: ignore[method-assign]
        server.process_request_thread = process_request_thread  # type: ignore[method-assign]

    def wait_settled(self, timeout: float = 120.0) -> None:
        """After a barrier request (accepted after every earlier connection), wait until all are done."""
        with contextlib.suppress(urllib.error.HTTPError):  # any answer will do
            urllib.request.urlopen(self.url + "/.well-known/barrier", timeout=timeout)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                if self.open == 0:
                    return
            time.sleep(0.01)
        raise AssertionError(f"{self.open} connection(s) of the killed process still open after {timeout}s")


def kill_during_sync(
    emulator: UnityCatalogEmulator, audit: Path, kill_after_writes: int
) -> tuple[int, list[str]]:
    """Run `mesh sync --apply` as a process, SIGKILL it after that many writes reached the server, and
    return once every request it sent has been answered: (writes the server received, statements run)."""
    connections = Connections(emulator)
    emulator.latency = 0.02
    reached = threading.Event()

    def watch(method: str, path: str, is_write: bool) -> None:
        if is_write and emulator.writes >= kill_after_writes:
            reached.set()

    emulator.on_request = watch
    executed_before = len(emulator.metastore.executed)
    process = subprocess.Popen(
        [sys.executable, "-m", "governance", "sync", "--apply", "--config", str(CONFIG),
         "--audit-log", str(audit)],
        env={**os.environ, "PYTHONPATH": str(REPO)}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    finished = not reached.wait(300) or process.poll() is not None
    process.send_signal(signal.SIGKILL)
    process.wait(60)
    connections.wait_settled()
    emulator.on_request = None
    emulator.latency = 0.0
    assert not finished, "the sync ended before it could be killed"
    writes = emulator.writes
    executed = list(emulator.metastore.executed[executed_before:])
    emulator.reset_counts()
    return writes, executed
