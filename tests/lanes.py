"""The suite's lanes: what each test needs, a one-line summary per lane, and no silent skips.

A test's lane is the first of its markers in LANES (a test with none is `unit`: no dbt build, no server).
Tests that use a fixture built by real dbt are marked `dbt` here from the fixture names, so a new test
that takes such a fixture joins the right lane without being told; the builders themselves refuse to
run in a unit-only session (MESH_TEST_LANE=unit, `make check`), so a missed fixture fails loudly instead
of making the fast lane slow. That session selects the unit lane itself: no marker expression to repeat.

Under `make test` (MESH_TEST_STRICT=1) a skipped test fails the session: every service is started by the
test command itself, so a skip means something did not run. Tests marked `live` (a real Databricks
workspace) are the exception, and are named in the summary.
"""

from __future__ import annotations

import os
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import pytest

F = TypeVar("F", bound=Callable[..., Any])

# Order matters: a test is counted in the first lane whose marker it carries.
LANES = ("live", "spark", "trino", "browser", "postgres", "dbt")
UNIT = "unit"

# Fixtures whose set-up runs real dbt (on first use; later sessions reuse the cache) are decorated with
# `builds_dbt`; a test that takes one, directly or through another fixture, is in the dbt lane.


def builds_dbt(fixture_function: F) -> F:
    """Mark a fixture function (under `@pytest.fixture`) whose set-up runs real dbt."""
    fixture_function.mesh_builds_dbt = True  # type: ignore[attr-defined]
    return fixture_function


def uses_dbt(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    definitions = info.name2fixturedefs if info is not None else {}
    return any(getattr(defs[-1].func, "mesh_builds_dbt", False) for name, defs in definitions.items() if defs)


def lane_of(item: pytest.Item) -> str:
    names = {mark.name for mark in item.iter_markers()}
    return next((lane for lane in LANES if lane in names), UNIT)


def slow_modules_first(items: list[pytest.Item]) -> list[pytest.Item]:
    """Modules with a test outside the unit lane (a dbt build, a server) before unit-only modules, each
    module's tests together and in their order. `--dist loadscope --no-loadscope-reorder` hands out whole
    modules in collection order, so the long ones start first and the short unit modules fill the end,
    instead of one worker finishing a late dbt module while the other idles."""
    slow = {item.module for item in items if lane_of(item) != UNIT}
    return sorted(items, key=lambda item: item.module not in slow)  # stable: order kept within each group


def strict() -> bool:
    return os.environ.get("MESH_TEST_STRICT", "") not in ("", "0")


def refuse_dbt_in_unit_lane(what: str) -> None:
    """Called by every fixture builder that runs dbt: the unit lane must not build meshes."""
    if os.environ.get("MESH_TEST_LANE") == UNIT:
        pytest.fail(
            f"{what} runs real dbt, but this is the unit lane (make check): mark the test `dbt` "
            "or decorate its fixture with tests.lanes.builds_dbt"
        )


@dataclass
class LaneTally:
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    seconds: float = 0.0
    skipped_ids: list[str] = field(default_factory=list)


# Every file the session collected, before any lane or marker deselected a test: a plain run's collection,
# which tests/scripts/test_lanes.py compares with the test files on disk without collecting again.
COLLECTED_FILES = pytest.StashKey[set[Path]]()


def plain_run_collected_files(config: pytest.Config) -> set[Path] | None:
    """The files this session collected, if a plain run over `testpaths` (no path given, none ignored)."""
    if config.args_source is not pytest.Config.ArgsSource.TESTPATHS:
        return None
    if config.getoption("ignore") or config.getoption("ignore_glob"):
        return None
    return config.stash.get(COLLECTED_FILES, None)


class LanePlugin:
    """Marks lanes where tests are collected (every xdist worker); tallies where reports arrive."""

    def __init__(self, *, tallies: bool) -> None:
        self.tallying = tallies
        self.tallies: dict[str, LaneTally] = defaultdict(LaneTally)

    @pytest.hookimpl(tryfirst=True)  # before `-m` deselects by marker
    def pytest_collection_modifyitems(self, config: pytest.Config, items: list[pytest.Item]) -> None:
        config.stash[COLLECTED_FILES] = {item.path for item in items}
        for item in items:
            if uses_dbt(item):
                item.add_marker(pytest.mark.dbt)
            item.user_properties.append(("lane", lane_of(item)))
        if os.environ.get("MESH_TEST_LANE") == UNIT:  # the unit lane is the tests of no other lane
            others = [item for item in items if lane_of(item) != UNIT]
            if others:
                config.hook.pytest_deselected(items=others)
                items[:] = [item for item in items if lane_of(item) == UNIT]
        items[:] = slow_modules_first(items)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if not self.tallying:
            return
        lane = dict(report.user_properties).get("lane", UNIT)
        tally = self.tallies[str(lane)]
        tally.seconds += report.duration
        if report.skipped and not hasattr(report, "wasxfail"):
            tally.skipped += 1
            tally.skipped_ids.append(report.nodeid)
        elif report.failed:
            tally.failed += 1
        elif report.when == "call":
            tally.passed += 1

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if not self.tallies:
            return
        terminalreporter.section("lanes")
        for lane in (UNIT, *reversed(LANES)):
            tally = self.tallies.get(lane)
            if tally is None:
                continue
            terminalreporter.write_line(
                f"{lane:<9} {tally.passed:>4} passed {tally.failed:>3} failed {tally.skipped:>3} skipped "
                f"{tally.seconds:7.1f} s in tests"
            )
        live = self.tallies.get("live")
        if live and live.skipped_ids:
            terminalreporter.write_line(
                f"not run here (need a Databricks workspace): {', '.join(live.skipped_ids)}"
            )
        skipped = self.unexpected_skips()
        if strict() and skipped:
            terminalreporter.write_line(
                f"make test: {len(skipped)} test(s) skipped outside `live`, a failure here (the test command "
                f"starts every service): {', '.join(skipped)}",
                red=True,
            )

    def unexpected_skips(self) -> list[str]:
        return [nodeid for lane, t in self.tallies.items() if lane != "live" for nodeid in t.skipped_ids]

    @pytest.hookimpl(trylast=True)
    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.tallying and strict() and exitstatus == 0 and self.unexpected_skips():
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
