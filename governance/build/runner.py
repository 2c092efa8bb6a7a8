"""Run `dbt build` for one project in its own process.

A subprocess per project, not in-process `dbtRunner`: dbt keeps global flags and adapter state, and
dbt-loom patches dbt internals per consumer project, so two projects cannot safely build concurrently
in one interpreter. `scripts/bench_build.py` measures what the process start costs.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import orjson

from governance.build.results import Outcome, ProjectResult, read_run_results
from governance.project import DbtProject


@dataclass(frozen=True)
class NodeEvent:
    """Progress of one dbt node, parsed from dbt's JSON log line."""

    project: str
    unique_id: str
    status: str  # started, success, error, pass, fail, warn, skipped...
    index: int | None
    total: int | None


ProgressCallback = Callable[[NodeEvent], None]


def dbt_command(project: DbtProject, target: str, select: Sequence[str], profiles_dir: Path) -> list[str]:
    """The `dbt build` invocation for one project, using the dbt installed beside this interpreter."""
    dbt = Path(sys.executable).with_name("dbt")
    command = [
        str(dbt) if dbt.exists() else "dbt",
        "build",
        "--project-dir", str(project.path),
        "--profiles-dir", str(profiles_dir),
        "--target", target,
        "--log-format", "json",
    ]  # fmt: skip
    if select:
        command += ["--select", *select]
    return command


def parse_event(project: str, line: bytes) -> NodeEvent | None:
    """A NodeEvent for dbt log lines that carry node progress, else None."""
    try:
        event = orjson.loads(line)
    except orjson.JSONDecodeError:
        return None
    data = event.get("data") if isinstance(event, dict) else None
    if not isinstance(data, dict):
        return None
    node = data.get("node_info")
    if not isinstance(node, dict) or not node.get("unique_id"):
        return None
    index, total = data.get("index"), data.get("total")
    return NodeEvent(
        project=project,
        unique_id=str(node["unique_id"]),
        status=str(node.get("node_status") or data.get("status") or ""),
        index=int(index) if isinstance(index, int) else None,
        total=int(total) if isinstance(total, int) else None,
    )


def last_error(lines: Sequence[bytes]) -> str:
    """The most useful one-line reason from dbt's JSON log when a build fails."""
    for line in reversed(lines):
        try:
            event = orjson.loads(line)
        except orjson.JSONDecodeError:
            continue
        info = event.get("info", {}) if isinstance(event, dict) else {}
        if info.get("level") == "error" and info.get("msg"):
            return str(info["msg"]).strip().splitlines()[0][:300]
    return ""


def wait_with_usage(process: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Reap the dbt process and return (exit code, its own peak RSS in MB).

    `os.wait4` gives this one child's resource usage; `RUSAGE_CHILDREN` would mix in every other child.
    """
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage.ru_maxrss / 1024


def build_project(
    project: DbtProject,
    *,
    target: str,
    select: Sequence[str],
    profiles_dir: Path,
    on_progress: ProgressCallback,
    env: dict[str, str] | None = None,
) -> ProjectResult:
    """Build one project; stream node progress; summarise from run_results.json."""
    started = time.perf_counter()
    run_results = project.target_dir / "run_results.json"
    run_results.unlink(missing_ok=True)  # never report a previous run's results as this one's
    lines: list[bytes] = []
    with subprocess.Popen(
        dbt_command(project, target, select, profiles_dir),
        cwd=project.path,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, **(env or {})},
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            event = parse_event(project.name, line)
            if event is not None:
                on_progress(event)
        returncode, peak_rss_mb = wait_with_usage(process)
    seconds = time.perf_counter() - started
    if not run_results.is_file():
        reason = last_error(lines) or f"dbt exited with {returncode} before running any node"
        return ProjectResult(project.name, Outcome.FAILED, seconds, reason=reason, peak_rss_mb=peak_rss_mb)
    models, tests, failed, sql_seconds = read_run_results(run_results)
    outcome = Outcome.SUCCESS if returncode == 0 and not failed else Outcome.FAILED
    reason = "" if outcome is Outcome.SUCCESS else (last_error(lines) or f"{len(failed)} node(s) failed")
    return ProjectResult(
        project.name, outcome, seconds, models, tests, failed, sql_seconds,
        reason=reason, peak_rss_mb=peak_rss_mb,
    )  # fmt: skip
