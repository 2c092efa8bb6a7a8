"""What one project's build produced, read from dbt's own `run_results.json`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

import orjson

FAILED_STATUSES = frozenset({"error", "fail", "runtime error"})
BUILT_KINDS = ("model", "seed", "snapshot")  # nodes that write a relation
TEST_KINDS = ("test", "unit_test")


class Outcome(StrEnum):
    SUCCESS = "success"
    FAILED = "failed"
    SKIPPED = "skipped"  # not run because an upstream project failed


@dataclass
class ProjectResult:
    project: str
    outcome: Outcome
    seconds: float = 0.0
    models: int = 0  # models and snapshots built
    tests: int = 0  # data tests and unit tests
    failed_nodes: list[str] = field(default_factory=list)
    sql_seconds: float = 0.0  # time dbt spent in node execution (adapter + SQL), summed over nodes
    peak_rss_mb: float = 0.0  # peak memory of the project's dbt process (and the engine inside it)
    reason: str = ""  # why it failed or was skipped: dbt's error lines
    seeds: int = 0
    built: list[str] = field(default_factory=list)  # unique ids of models, seeds and snapshots built

    @property
    def overhead_seconds(self) -> float:
        """Wall time not spent executing nodes: start-up, parsing, compilation, plugin loading."""
        return max(self.seconds - self.sql_seconds, 0.0)


@dataclass(frozen=True)
class RunCounts:
    models: int
    seeds: int
    tests: int
    failed: list[str]
    sql_seconds: float
    built: list[str]


def read_run_results(path: Path) -> RunCounts:
    """Counts, failed node ids, summed node execution seconds and built node ids from run_results.json."""
    data = orjson.loads(path.read_bytes())
    models = seeds = tests = 0
    failed: list[str] = []
    built: list[str] = []
    sql_seconds = 0.0
    for result in data.get("results", []):
        unique_id = str(result.get("unique_id", ""))
        kind = unique_id.split(".", 1)[0]
        if kind == "seed":
            seeds += 1
        elif kind in BUILT_KINDS:
            models += 1
        elif kind in TEST_KINDS:
            tests += 1
        if kind in BUILT_KINDS and result.get("status") == "success":
            built.append(unique_id)
        if result.get("status") in FAILED_STATUSES:
            failed.append(unique_id)
        sql_seconds += float(result.get("execution_time") or 0.0)
    return RunCounts(models, seeds, tests, failed, sql_seconds, sorted(built))
