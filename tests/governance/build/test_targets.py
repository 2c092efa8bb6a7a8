"""Which projects build on which target, and how many at once."""

from __future__ import annotations

from pathlib import Path

from governance.build.targets import max_jobs, runs_on
from governance.project import Platform, Projects

REPO = Path(__file__).resolve().parents[3]


def test_opted_out_domains_build_on_spark_but_never_on_databricks() -> None:
    projects = Projects.discover(REPO)
    external = [p for p in projects.projects.values() if p.platform is Platform.EXTERNAL]
    assert [p.name for p in external] == ["logistics"]
    for project in projects.projects.values():
        assert runs_on(project, "ci")
        assert runs_on(project, "spark"), "CI's Spark builds what the hub reads, opted-out domains included"
        assert runs_on(project, "databricks") is (project.platform is Platform.DATABRICKS)


def test_spark_builds_one_project_at_a_time() -> None:
    assert max_jobs("spark", 4) == 1  # one embedded Derby metastore, one process
    assert max_jobs("ci", 4) == 4
    assert max_jobs("databricks", 2) == 2
