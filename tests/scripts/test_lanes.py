"""`make test` fails rather than skips: a skipped test outside `live` fails the session, and a service the
test command cannot start stops it with one line."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.lanes import plain_run_collected_files

REPO = Path(__file__).resolve().parents[2]

pytest_plugins = ["pytester"]

CONFTEST = """
from tests.lanes import LanePlugin

def pytest_configure(config):
    config.pluginmanager.register(LanePlugin(tallies=True), "mesh-lanes")
"""

TESTS = """
import pytest

def test_runs():
    pass

@pytest.mark.live
def test_needs_a_workspace():
    pytest.skip("no workspace")
"""

SKIPPING = (
    TESTS
    + """
def test_needs_a_service():
    pytest.skip("service missing")
"""
)


def run(pytester: pytest.Pytester, body: str, strict: bool, lane: str = "") -> pytest.RunResult:
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_lane=body)
    pytester.makeini("[pytest]\nmarkers =\n    live: a workspace\n")
    env = {"MESH_TEST_STRICT": "1" if strict else "0", "PYTHONPATH": str(REPO), "MESH_TEST_LANE": lane}
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        return pytester.runpytest_subprocess("-p", "no:cacheprovider")


def test_a_skip_outside_live_fails_make_test(pytester: pytest.Pytester) -> None:
    result = run(pytester, SKIPPING, strict=True)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    result.stdout.fnmatch_lines(["*1 test(s) skipped outside `live`*test_needs_a_service*"])


def test_live_skips_are_named_and_allowed(pytester: pytest.Pytester) -> None:
    result = run(pytester, TESTS, strict=True)
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["unit * 1 passed*", "*not run here*test_needs_a_workspace*"])


def test_a_plain_pytest_run_still_skips(pytester: pytest.Pytester) -> None:
    assert run(pytester, SKIPPING, strict=False).ret == pytest.ExitCode.OK


def test_the_unit_lane_selects_itself(pytester: pytest.Pytester) -> None:
    """`make check` (MESH_TEST_LANE=unit) runs the tests of no other lane, with no marker expression."""
    result = run(pytester, TESTS, strict=True, lane="unit")
    assert result.ret == pytest.ExitCode.OK
    result.stdout.fnmatch_lines(["*1 passed, 1 deselected*"])
    assert "test_needs_a_workspace" not in result.stdout.str()


@pytest.mark.postgres
def test_make_test_stops_with_one_line_when_postgresql_cannot_start(tmp_path: Path) -> None:
    # A data directory that cannot be created (a file is in the way) on a port nothing listens on.
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    env = {**os.environ, "MESH_PG_DIR": str(blocker / "pg"), "MESH_PG_PORT": "55499"}
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "ci" / "test.sh"), "services"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert done.returncode == 1
    assert "test.sh: PostgreSQL could not start" in done.stderr


def test_a_plain_run_collects_every_test_file(pytestconfig: pytest.Config) -> None:
    """`make test` and `make check` run plain `pytest` over `testpaths`: every `test_*.py` under tests/ must
    be collected. pytest's default `norecursedirs` skips any folder named `build` (or `dist`, `venv`, ...)
    without a word, which once left all 87 tests of tests/governance/build/ out of every run.
    Inside such a run (make check, make test's unit lane) the session's own collection is that plain run's;
    run alone or on a path, a plain collection runs in a subprocess."""
    files = plain_run_collected_files(pytestconfig)
    if files is not None:
        collected = {str(path.relative_to(REPO)) for path in files}
    else:
        done = subprocess.run(
            [str(REPO / ".venv" / "bin" / "pytest"), "--collect-only", "-q", "-p", "no:cacheprovider"],
            cwd=REPO, env={**os.environ, "MESH_TEST_LANE": ""}, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        collected = {line.split("::")[0] for line in done.stdout.splitlines() if "::" in line}
    on_disk = {str(path.relative_to(REPO)) for path in (REPO / "tests").rglob("test_*.py")}
    assert sorted(on_disk - collected) == []
