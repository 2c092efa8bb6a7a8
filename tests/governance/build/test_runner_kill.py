"""A killed `mesh build` takes its dbt child with it (issue 22): left running, the child went on building
and held the DuckDB write lock. The child here is a stand-in that records its pid and sleeps, run through
the same `run_dbt` as dbt; the parent is killed with SIGTERM (forwarded) and SIGKILL (the kernel's
parent-death signal)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="parent-death signal is Linux's")

PARENT = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from types import SimpleNamespace
    from governance.build.runner import forward_termination, run_dbt
    forward_termination()
    code = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(120)"
    child = [sys.executable, "-c", code, sys.argv[1]]
    run_dbt(child, SimpleNamespace(path=Path(sys.argv[2])), {}, lambda line: None)
    """
)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    status = Path(f"/proc/{pid}/stat").read_text().split()[2] if Path(f"/proc/{pid}/stat").exists() else "X"
    return status not in ("Z", "X")  # a zombie is dead, only not reaped yet


def _written_pid(pid_file: Path) -> int:
    deadline = time.monotonic() + 20
    while not (pid_file.is_file() and pid_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    return int(pid_file.read_text())


def _ends(pid: int) -> bool:
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return not _alive(pid)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_the_dbt_child_dies_with_mesh_build(sig: signal.Signals, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(pid_file), str(tmp_path)],
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        child = _written_pid(pid_file)
        assert _alive(child)
        parent.send_signal(sig)
        parent.wait(timeout=20)
        assert _ends(child), f"the child {child} outlived mesh build ({sig.name})"
        if sig is signal.SIGTERM:
            assert parent.returncode == 143
    finally:
        parent.kill()
        parent.wait()


def test_two_builds_at_once_name_the_lock_holder_not_a_traceback() -> None:
    """Two concurrent builds printed dbt's raw traceback lines as the failure reason."""
    from governance.build.runner import error_from_log

    lines = [
        b"Traceback (most recent call last):\n",
        b'  File "/venv/lib/python3.11/site-packages/dbt/adapters/duckdb/environments/__init__.py", line 1\n',
        b"    conn = duckdb.connect(path)\n",
        b'_duckdb.IOException: IO Error: Could not set lock on file "/data/warehouse/orders.duckdb": '
        b"Conflicting lock is held in /venv/bin/python3.11 (PID 4242) by user root.\n",
    ]
    reason = error_from_log(lines)
    assert reason.count("\n") == 0 and "pid 4242" in reason and "orders.duckdb" in reason, reason
    assert "Traceback" not in reason and "File " not in reason


def test_a_crash_before_logging_is_its_exception_line() -> None:
    from governance.build.runner import error_from_log

    lines = [b"Traceback (most recent call last):\n", b'  File "x.py", line 1, in <module>\n',
             b"    boom()\n", b"RuntimeError: dbt could not start\n"]  # fmt: skip
    assert error_from_log(lines) == "RuntimeError: dbt could not start"


POOL_PARENT = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from governance.build.runner import WorkerPool, forward_termination
    forward_termination()
    pool = WorkerPool(1)
    pool.prestart(1)
    worker = pool._prestarted[0].result()
    Path(sys.argv[1]).write_text(str(worker.pid))
    time.sleep(120)
    """
)


def test_a_dbt_interpreter_of_the_pool_dies_with_mesh_build_killed(tmp_path: Path) -> None:
    """The pool's interpreters ask for the parent-death signal themselves, first thing (no shim process):
    a SIGKILL of mesh, which no handler sees, ends them too, even in the middle of dbt's import."""
    pid_file = tmp_path / "worker.pid"
    parent = subprocess.Popen(
        [sys.executable, "-c", POOL_PARENT, str(pid_file)], cwd=Path(__file__).resolve().parents[3]
    )
    try:
        worker = _written_pid(pid_file)
        assert _alive(worker)
        assert "governance.build.worker" in Path(f"/proc/{worker}/cmdline").read_text()
        time.sleep(0.3)  # past its own prctl, still importing dbt
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=20)
        assert _ends(worker), f"the dbt interpreter {worker} outlived mesh build"
    finally:
        parent.kill()
        parent.wait()
