"""`mesh build` on a tiny real mesh: alpha <- beta <- hub, gamma independent."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from governance.cli import main

pytestmark = pytest.mark.dbt


def test_builds_every_project_in_dependency_order(mesh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build"]) == 0
    out, err = capsys.readouterr()
    assert err.splitlines()[0] == "building 4 projects (3 domains + hub)"
    for name in ("alpha", "beta", "gamma", "hub"):
        assert (mesh / ("" if name == "hub" else f"domains/{name}") / "target" / "manifest.json").is_file()
        assert name in out
    assert out.index("[alpha] success") < out.index("[beta] dbt build started")
    assert out.index("[beta] success") < out.index("[hub] dbt build started")
    assert "4 of 4 projects built" in out


def test_a_full_build_runs_every_project_in_one_dbt_interpreter_per_slot(mesh: Path) -> None:
    """One dbt start-up per build slot, not per project (about 2 s of CPU each; on Spark, a JVM)."""
    assert main(["build", "--jobs", "1"]) == 0
    pids = set()
    for folder in ("domains/alpha", "domains/beta", "domains/gamma", "."):
        for line in (mesh / folder / "logs" / "dbt.log").read_bytes().splitlines():
            if line.startswith(b"{"):
                pids.add(orjson.loads(line)["info"]["pid"])
    assert len(pids) == 1 and os.getpid() not in pids, pids


def test_broken_domain_stops_only_its_downstream(mesh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (mesh / "domains/alpha/models/alpha_model.sql").write_text("select * from no_such_table")
    assert main(["build"]) == 1
    out = capsys.readouterr().out
    assert "[alpha] failed" in out
    assert "[gamma] success" in out
    assert "[beta] skipped" in out and "upstream alpha did not build" in out
    assert "[hub] skipped" in out
    assert "1 of 4 projects built" in out


def test_a_selection_says_how_many_of_the_mesh_it_builds(
    mesh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--domain", "gamma"]) == 0
    out, err = capsys.readouterr()
    assert err == "building 1 of 4 projects (1 domain)\n"
    assert "1 of 1 projects built" in out


def test_missing_upstream_manifest_names_the_domain_to_build_first(
    mesh: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--domain", "beta"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "build alpha first (mesh build --domain alpha)" in err


def test_unknown_domain_lists_known_domains(mesh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--domain", "alpah"]) == 2
    err = capsys.readouterr().err
    assert "unknown domain 'alpah'" in err and "alpha, gamma, beta, hub" in err


def test_unknown_target_lists_known_targets(mesh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--target", "prod"]) == 2
    assert "unknown target 'prod'" in capsys.readouterr().err
