"""Which projects build on which target, and how many at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.build.targets import (
    declares_target,
    default_target,
    known_targets,
    max_jobs,
    not_built_reason,
    runs_on,
)
from governance.errors import MeshError
from governance.project import DbtProject, Platform, Projects

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


def _project_with_profile(tmp_path: Path, name: str, profile: str) -> tuple[DbtProject, Path]:
    folder = tmp_path / name
    folder.mkdir()
    (folder / "dbt_project.yml").write_text(f"name: {name}\nprofile: {name}\n", encoding="utf-8")
    (folder / "profiles.yml").write_text(profile, encoding="utf-8")
    return DbtProject(name, folder, (), Platform.DATABRICKS, profiles_dir=folder), folder


def test_without_target_the_build_uses_the_profiles_own_default(tmp_path: Path) -> None:
    # An adopted mesh's profiles default to `dev`: `mesh build` picks what `dbt build` would.
    dev = "{name}:\n  target: dev\n  outputs:\n    dev: {{type: duckdb}}\n"
    core, core_dir = _project_with_profile(tmp_path, "core", dev.format(name="core"))
    growth, growth_dir = _project_with_profile(tmp_path, "growth", dev.format(name="growth"))
    assert default_target({"core": core_dir, "growth": growth_dir}, [core, growth]) == "dev"
    # dbt's own fallback when a profile names no target
    bare, bare_dir = _project_with_profile(
        tmp_path, "bare", "bare:\n  outputs:\n    default: {type: duckdb}\n"
    )
    assert default_target({"bare": bare_dir}, [bare]) == "default"


def test_profiles_that_disagree_on_the_default_target_ask_for_one(tmp_path: Path) -> None:
    core, core_dir = _project_with_profile(
        tmp_path, "core", "core:\n  target: dev\n  outputs:\n    dev: {type: duckdb}\n"
    )
    shop, shop_dir = _project_with_profile(
        tmp_path, "shop", "shop:\n  target: ci\n  outputs:\n    ci: {type: duckdb}\n"
    )
    with pytest.raises(MeshError, match=r"core: dev, shop: ci\); pass --target"):
        default_target({"core": core_dir, "shop": shop_dir}, [core, shop])


@pytest.mark.parametrize(
    ("profile", "says"),
    [
        ("core: [unclosed\n", r"profiles\.yml:2: invalid YAML"),
        ("- core\n", r"profiles\.yml: .*mapping"),
    ],
)
def test_a_broken_profiles_file_is_one_line_naming_it(tmp_path: Path, profile: str, says: str) -> None:
    """profiles.yml is read by one reader (governance.project.read_profiles): a YAML error or a file that
    is not a mapping is a MeshError naming the file, never a traceback."""
    core, core_dir = _project_with_profile(tmp_path, "core", profile)
    with pytest.raises(MeshError, match=says):
        known_targets(core_dir, [core])


def test_the_trino_target_builds_the_opted_out_domains_alone() -> None:
    projects = Projects.discover(REPO)
    on_trino = [p.name for p in projects.projects.values() if runs_on(p, "trino")]
    assert on_trino == ["logistics"]  # its own engine; Databricks domains and the hub build elsewhere
    assert "trino" in known_targets(REPO / "profiles", [projects.projects["logistics"]])["logistics"]
    assert "trino" not in known_targets(REPO / "profiles", [projects.projects["orders"]])["orders"]
    assert "--target ci" in not_built_reason(projects.projects["orders"], "trino")


def test_a_domain_declares_the_trino_target_in_its_profile(tmp_path: Path) -> None:
    # mesh trino-config grants logistics' owners write on their catalog from this declaration
    assert declares_target(REPO, "logistics", "trino")
    assert not declares_target(REPO, "orders", "trino")
    assert not declares_target(REPO, "nowhere", "trino")
    assert not declares_target(tmp_path, "logistics", "trino")  # no mesh there: no declaration
