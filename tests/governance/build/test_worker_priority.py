"""A pre-parse runs below the builds' priority (governance/build/worker.py `in_background`): in a thread of
its own at nice 10, so it fills the cores a build leaves idle instead of slowing it (a pull request's
`stg_orders` build, `docs/benchmarks.md`), and the interpreter's next command runs at its normal priority."""

from __future__ import annotations

import os
import sys
import threading
from pathlib import Path

import pytest

from governance.build import worker

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a thread's own nice is Linux's")


def own_nice() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_background_command_runs_niced_in_its_own_thread_and_the_next_one_does_not() -> None:
    before = own_nice()
    seen: list[tuple[int, str]] = []

    def command() -> int:
        seen.append((own_nice(), threading.current_thread().name))
        return 7

    assert worker.in_background(command) == 7
    assert seen == [(min(before + worker.BACKGROUND_NICE, 19), "mesh-background")]
    assert own_nice() == before  # the caller's thread, where the next command (a build) runs


def test_an_error_in_the_background_is_raised_in_the_requests_thread() -> None:
    def command() -> int:
        raise RuntimeError("dbt crashed")

    with pytest.raises(RuntimeError, match="dbt crashed"):
        worker.in_background(command)


def test_a_request_marked_background_is_run_niced_and_a_build_is_not(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    niceness: list[int] = []

    def fake_dbt(argv: list[str], *, keep: str | None = None, reuse: str | None = None) -> int:
        niceness.append(own_nice())
        return 0

    monkeypatch.setattr(worker, "run_dbt", fake_dbt)
    monkeypatch.setattr(worker, "close_duckdb", lambda: None)
    before = own_nice()
    env = dict(os.environ)
    try:
        request = {"argv": ["parse"], "cwd": str(tmp_path), "env": env}
        assert worker.handle({**request, "keep": "identity", "background": True}) == 0
        assert worker.handle({**request, "reuse": "identity"}) == 0
    finally:
        os.environ.clear()
        os.environ.update(env)
    assert niceness == [min(before + worker.BACKGROUND_NICE, 19), before]
