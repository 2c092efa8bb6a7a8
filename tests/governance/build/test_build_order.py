"""Which ready project starts first (governance/build/scheduler.py `run_in_order`): the one that leads the
heaviest chain of work still to do, so the project the rest of the build waits on is not queued behind one
that nothing waits on."""

from __future__ import annotations

import threading
from types import SimpleNamespace
from typing import Any

from governance.build.results import Outcome, ProjectResult
from governance.build.scheduler import run_in_order
from governance.build.slim import ready_after

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


def test_the_builds_a_finished_upstream_makes_ready_are_the_ones_promised_an_interpreter() -> None:
    """`mesh build --changed` promises them the interpreter the finished build frees (`WorkerPool.expect`),
    before they ask for it: a waiting pre-parse took it in that moment, and the build waited a parse."""
    plan = SimpleNamespace(plans={name: None for name in UPSTREAM})
    mesh = SimpleNamespace(projects={p.name: p for p in projects()})
    assert ready_after(plan, mesh, set()) == ["orders"]
    assert ready_after(plan, mesh, {"orders"}) == ["logistics", "marketing"]
    assert ready_after(plan, mesh, {"orders", "marketing"}) == ["logistics"]
    assert ready_after(plan, mesh, {"orders", "marketing", "logistics"}) == ["hub"]
    del plan.plans["logistics"]  # not planned: the hub waits for no build of it
    assert ready_after(plan, mesh, {"orders", "marketing"}) == ["hub"]
