"""One dbt interpreter that runs several dbt commands in turn, for `mesh build --changed`.

A pull request builds a few nodes in each project it reaches, so a dbt start-up per project (importing
dbt and its adapters: about 2 s of CPU, `docs/benchmarks.md`) was most of a project's cost. Here the
planning step and every project's `dbt build` run in one process per concurrent build slot, one command
at a time (dbt keeps global flags and adapter state, and dbt-loom patches dbt per project, so never two
at once in one interpreter). Between commands the DuckDB instance is closed, so the next project (or
another process) can attach the file the last one wrote.

`mesh build` runs every project's `dbt build` and `dbt source freshness` this way too: a full build of
four projects on two slots starts two interpreters instead of eight processes, and on Spark one session
(its JVM and metastore) serves every project.

usage: python -m governance.build.worker [--parent PID]   (PID: dies with it, on Linux)
stdin: one JSON request per line, {"argv": [dbt args], "cwd": str, "env": {...}} for a dbt command, or
       (with "keep": ID on a `dbt parse` to keep its manifest, "reuse": ID on the next command to use it
       instead of parsing when the identities match), or
       {"plan": [SPEC.json, OUT.json], "cwd": str, "env": {...}} for the planning step
       (governance.build.modified); stdout: dbt's output, then one line `DONE_MARK {"returncode": int,
       "peak_rss_mb": float}` per request (the interpreter's peak memory during that request, on Linux;
       elsewhere its peak so far). EOF on stdin ends the worker at once (`exit_now`).
"""

from __future__ import annotations

import contextlib
import gc
import os
import resource
import sys
import traceback
from collections.abc import Callable
from typing import Any

import orjson

DONE_MARK = "\x1emesh-worker-done "


def close_duckdb() -> None:
    """Release the database files the last command opened (dbt-duckdb keeps one instance per process)."""
    with contextlib.suppress(ImportError):
        from dbt.adapters.duckdb.connections import DuckDBConnectionManager

        environment = DuckDBConnectionManager._ENV
        DuckDBConnectionManager._ENV = None
        if environment is not None:
            with contextlib.suppress(Exception):
                environment.close()


# The manifest of this interpreter's last `dbt parse` that asked to keep it, under the identity of what it
# parsed (governance/build/runner.py `parse_identity`: project, profile, target, vars, environment and the
# upstream manifests dbt-loom read). Only the next command may use it: any other command drops it.
_kept: dict[str, Any] = {}


def run_dbt(argv: list[str], *, keep: str | None = None, reuse: str | None = None) -> int:
    """dbt's own exit codes: 0 success, 1 a node failed, 2 dbt could not run.

    `keep`: remember the parsed manifest under that identity. `reuse`: when the manifest kept last has that
    identity, hand it to dbt instead of parsing again (a pull request's build right after its pre-parse:
    0.3 s of dbt's partial parse and artifact writing per project, `docs/benchmarks.md`)."""
    from dbt.cli.main import dbtRunner

    manifest = _kept.get("manifest") if reuse is not None and _kept.get("identity") == reuse else None
    _kept.clear()  # one use: dbt's deferral and compilation change the manifest they are given
    result = dbtRunner(manifest=manifest).invoke(argv)
    if keep is not None and result.success and type(result.result).__name__ == "Manifest":
        _kept.update(identity=keep, manifest=result.result)
    if result.success:
        return 0
    return 2 if result.exception is not None else 1


def run_plan(spec_path: str, out_path: str) -> int:
    from governance.build import modified

    try:
        return modified.main(spec_path, out_path)
    except SystemExit as stop:  # modified.py says which project did not parse, then exits
        print(stop.code if isinstance(stop.code, str) else f"planning exited with {stop.code}", flush=True)
        return 2


# How much lower a preparatory command (a pre-parse) runs than a build: nice 10 weighs about a tenth of a
# build's thread, so a pre-parse fills the cores a build leaves idle instead of slowing the build under way.
BACKGROUND_NICE = 10


def in_background(command: Callable[[], int]) -> int:
    """Run `command` in a thread of its own at `BACKGROUND_NICE` (Linux's nice is per thread, and the thread
    ends with the command, so the interpreter's next command runs at its normal priority again)."""
    import threading

    outcome: dict[str, Any] = {}

    def body() -> None:
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), BACKGROUND_NICE)
        try:
            outcome["code"] = command()
        except BaseException as error:  # raised again in the request's own thread
            outcome["error"] = error

    # a daemon: an interrupted worker ends without waiting for the parse (the request's thread is joining)
    thread = threading.Thread(target=body, name="mesh-background", daemon=True)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return int(outcome["code"])


def handle(request: dict[str, Any]) -> int:
    os.environ.clear()
    os.environ.update(request["env"])
    with contextlib.chdir(request["cwd"]):
        try:
            if "plan" in request:
                _kept.clear()
                return run_plan(*request["plan"])
            argv, keep, reuse = list(request["argv"]), request.get("keep"), request.get("reuse")
            if request.get("background"):
                return in_background(lambda: run_dbt(argv, keep=keep, reuse=reuse))
            return run_dbt(argv, keep=keep, reuse=reuse)
        except Exception:  # reported as a crash of dbt's own would be: the traceback's last line
            traceback.print_exc(file=sys.stdout)
            return 2
        finally:
            close_duckdb()


def reset_peak_memory() -> None:
    """Start the next request's peak memory from the current size (Linux: writing 5 to clear_refs resets
    the process's high-water mark, VmHWM), so each project's build reports its own peak."""
    with contextlib.suppress(OSError), open("/proc/self/clear_refs", "w") as refs:
        refs.write("5")


def peak_memory_mb() -> float:
    """The high-water mark since the last reset (VmHWM), else the process's peak (getrusage)."""
    with contextlib.suppress(OSError, ValueError), open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# The collector's first generation runs after this many new container objects instead of Python's 700:
# dbt's parse and build create objects by the hundred thousand, nearly all of them alive until the command
# ends, so each early collection traversed them in vain (docs/benchmarks.md, "The collector in dbt's
# interpreters"); cycles are still collected, in larger batches.
YOUNG_GENERATION = 20_000


def import_dbt() -> None:
    """dbt's import (1.2 to 1.7 s here) overlaps with what the parent does before its first request. The
    collector waits until it ends (its modules and classes live as long as the interpreter), then sets
    them aside (`gc.freeze`) so that no collection traverses them again."""
    gc.disable()
    try:
        from dbt.cli.main import dbtRunner  # noqa: F401
    finally:
        gc.freeze()
        gc.set_threshold(YOUNG_GENERATION, *gc.get_threshold()[1:])
        gc.enable()


def main() -> int:
    import_dbt()
    from governance.build import schema_cache

    schemas = schema_cache.install()
    for line in sys.stdin:
        if not line.strip():
            continue
        reset_peak_memory()
        returncode = handle(orjson.loads(line))
        peak = peak_memory_mb()
        if schemas is not None:
            schemas.save()
        sys.stdout.flush()
        sys.stdout.write(
            DONE_MARK + orjson.dumps({"returncode": returncode, "peak_rss_mb": peak}).decode() + "\n"
        )
        sys.stdout.flush()
    return 0


def exit_now(code: int) -> None:
    """End without the interpreter's teardown: collecting a heap that holds dbt took about 0.9 s, which the
    parent waited for at the end of every build. Every request has ended: its output is flushed, its
    DuckDB files are closed (`close_duckdb`), and dbt's log files are flushed here."""
    import logging

    sys.stdout.flush()
    logging.shutdown()
    os._exit(code)


def die_with_parent(parent: int) -> None:
    """Ask the kernel for SIGTERM when the parent dies (PR_SET_PDEATHSIG, Linux: covers a SIGKILL of mesh),
    as runner.py's shim does for a dbt process, here before dbt's import and without a second interpreter;
    exit at once if the parent died before the request took effect."""
    import ctypes
    import signal

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    if os.getppid() != parent:
        os._exit(143)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--parent"]:
        die_with_parent(int(sys.argv[2]))
    exit_now(main())
