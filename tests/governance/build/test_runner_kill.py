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


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_the_dbt_child_dies_with_mesh_build(sig: signal.Signals, tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(pid_file), str(tmp_path)],
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        deadline = time.monotonic() + 20
        while not (pid_file.is_file() and pid_file.read_text()) and time.monotonic() < deadline:
            time.sleep(0.05)
        child = int(pid_file.read_text())
        assert _alive(child)
        parent.send_signal(sig)
        parent.wait(timeout=20)
        deadline = time.monotonic() + 10
        while _alive(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(child), f"the child {child} outlived mesh build ({sig.name})"
        if sig is signal.SIGTERM:
            assert parent.returncode == 143
    finally:
        parent.kill()
        parent.wait()
