"""Which ready project starts first (governance/build/scheduler.py `run_in_order`): the one that leads the
heaviest chain of work still to do, so the project the rest of the build waits on is not queued behind one
that nothing waits on."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from governance.build.results import Outcome, ProjectResult
from governance.build.scheduler import run_in_order

# orders <- logistics, orders <- marketing, (orders, logistics, marketing) <- hub
UPSTREAM = {
    "orders": [],
    "logistics": ["orders"],
    "marketing": ["orders"],
    "hub": ["orders", "logistics", "marketing"],
}


def projects() -> list[Any]:
    return [SimpleNamespace(name=name, upstream=up) for name, up in UPSTREAM.items()]


def started_order(weight: dict[str, float] | None, jobs: int) -> list[str]:
    started: list[str] = []
    lock = threading.Lock()

    def build(project: Any) -> ProjectResult:
        with lock:
            started.append(project.name)
        return ProjectResult(project.name, Outcome.SUCCESS)

    run_in_order(projects(), build, jobs=jobs, on_skip=lambda _: None,
                 weight=None if weight is None else weight.__getitem__)  # fmt: skip
    return started


def test_the_ready_project_on_the_heaviest_chain_starts_first() -> None:
    """A pull request: marketing rebuilds 12 nodes, logistics runs one test; both feed the hub."""
    weight = {"orders": 22, "logistics": 1, "marketing": 12, "hub": 10}
    assert started_order(weight, jobs=1) == ["orders", "marketing", "logistics", "hub"]


def test_without_weights_the_longest_chain_of_projects_then_the_mesh_order() -> None:
    assert started_order(None, jobs=1) == ["orders", "logistics", "marketing", "hub"]
