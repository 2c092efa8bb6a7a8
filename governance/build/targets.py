"""Which dbt targets exist, and which projects run on them."""

from __future__ import annotations

from pathlib import Path

import yaml

from governance.errors import MeshError
from governance.project import DbtProject, Platform

# Targets that stand for the Databricks platform: projects that opted out of Databricks don't build there.
# Not `spark` (Databricks SQL on a local Spark session, CI only): the hub refs the opted-out domains'
# products, which Databricks reads through a foreign catalog and a local Spark can only get by building.
DATABRICKS_TARGETS = frozenset({"databricks"})

# Spark's embedded Derby metastore (one per data directory) admits a single process at a time.
SINGLE_PROCESS_TARGETS = frozenset({"spark"})


def profile_name(project: DbtProject) -> str:
    data = yaml.safe_load((project.path / "dbt_project.yml").read_text(encoding="utf-8")) or {}
    return str(data.get("profile") or project.name)


def known_targets(profiles_dir: Path, projects: list[DbtProject]) -> dict[str, list[str]]:
    """Targets each project's profile declares, from `profiles/profiles.yml`."""
    path = profiles_dir / "profiles.yml"
    if not path.is_file():
        raise MeshError(f"{path}: not found; profiles for every project live in profiles/profiles.yml")
    profiles = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    found: dict[str, list[str]] = {}
    for project in projects:
        name = profile_name(project)
        outputs = (profiles.get(name) or {}).get("outputs") or {}
        if not outputs:
            raise MeshError(f"{path}: no profile {name!r} with outputs for project {project.name!r}")
        found[project.name] = sorted(outputs)
    return found


def check_target(target: str, profiles_dir: Path, projects: list[DbtProject]) -> None:
    for project, targets in known_targets(profiles_dir, projects).items():
        if target not in targets:
            raise MeshError(
                f"unknown target {target!r} for project {project!r}; known targets: {', '.join(targets)}"
            )


def runs_on(project: DbtProject, target: str) -> bool:
    """Whether a project builds on this target (external-platform domains never build on Databricks)."""
    return not (target in DATABRICKS_TARGETS and project.platform is Platform.EXTERNAL)


def max_jobs(target: str, requested: int) -> int:
    """Projects built at once on `target`: one where the engine's metastore admits a single process."""
    return 1 if target in SINGLE_PROCESS_TARGETS else requested
