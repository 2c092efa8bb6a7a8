"""What one project's build produced, read from dbt's own `run_results.json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import orjson

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"  # not run because an upstream project failed


@dataclass
class ProjectResult:
    project: str
    outcome: Outcome
    seconds: float = 0.0
    models: int = 0
    tests: int = 0  # data tests and unit tests
    failed_nodes: list[str] = field(default_factory=list)
    sql_seconds: float = 0.0  # time dbt spent in node execution (adapter + SQL), summed over nodes
    peak_rss_mb: float = 0.0  # peak memory of the project's dbt process (and the engine inside it)
    reason: str = ""  # why it failed or was skipped, one line

    @property
    def overhead_seconds(self) -> float:
        """Wall time not spent executing nodes: start-up, parsing, compilation, plugin loading."""
        return max(self.seconds - self.sql_seconds, 0.0)


def read_run_results(path: Path) -> tuple[int, int, list[str], float]:
    """(models built, tests run, failed node ids, summed node execution seconds) from run_results.json."""
    data = orjson.loads(path.read_bytes())
    models = tests = 0
    failed: list[str] = []
    sql_seconds = 0.0
    for result in data.get("results", []):
        unique_id = str(result.get("unique_id", ""))
        kind = unique_id.split(".", 1)[0]
        if kind in ("model", "seed", "snapshot"):
            models += 1
        elif kind in ("test", "unit_test"):
            tests += 1
        if result.get("status") in FAILED_STATUSES:
            failed.append(unique_id)
        sql_seconds += float(result.get("execution_time") or 0.0)
    return models, tests, failed, sql_seconds
