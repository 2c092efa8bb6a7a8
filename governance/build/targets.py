"""Which dbt targets exist, and which projects run on them."""

from __future__ import annotations

from pathlib import Path

import yaml

from governance.errors import MeshError
from governance.project import DbtProject, Platform, profile_name, read_profiles

# Targets that stand for the Databricks platform: projects that opted out of Databricks don't build there.
# Not `spark` (Databricks SQL on a local Spark session, CI only): the hub refs the opted-out domains'
# products, which Databricks reads through a foreign catalog and a local Spark can only get by building.
DATABRICKS_TARGETS = frozenset({"databricks"})

# Targets for the opted-out (`platform: external`) domains alone: their own engine, the Trino that serves
# their products, building straight into the Iceberg catalog (governance/build/trino_build.py). Databricks
# domains are built on Databricks, and Trino reads them through Unity Catalog's Iceberg REST catalog.
EXTERNAL_TARGETS = frozenset({"trino"})

# Spark's embedded Derby metastore (one per data directory) admits a single process at a time.
SINGLE_PROCESS_TARGETS = frozenset({"spark"})


def _profile(profiles_dir: Path, project: DbtProject) -> tuple[Path, dict[str, object]]:
    path = profiles_dir / "profiles.yml"
    if not path.is_file():
        raise MeshError(
            f"{path}: not found; project {project.name!r} reads its profile there (its own folder, the "
            "root, mesh.yml `profiles_dir` or domains.<name>.profiles_dir, DBT_PROFILES_DIR, ~/.dbt): "
            "add the profile, or set mesh.yml `profiles_dir`"
        )
    profiles = read_profiles(profiles_dir)
    name = profile_name(project)
    entry = profiles.get(name)
    if not isinstance(entry, dict) or not entry.get("outputs"):
        raise MeshError(f"{path}: no profile {name!r} with outputs for project {project.name!r}")
    return path, entry


def known_targets(profiles_dir: Path, projects: list[DbtProject]) -> dict[str, list[str]]:
    """Targets each project's profile declares, from its profiles.yml."""
    found: dict[str, list[str]] = {}
    for project in projects:
        _, entry = _profile(profiles_dir, project)
        outputs = entry["outputs"]
        found[project.name] = sorted(outputs) if isinstance(outputs, dict) else []
    return found


def default_target(profiles: dict[str, Path], projects: list[DbtProject]) -> str:
    """The target dbt itself would use (each profile's `target:`), when every project agrees on it.

    `profiles` maps a project's name to its profiles folder. dbt falls back to `default` when a profile
    names no target."""
    defaults = {
        project.name: str(_profile(profiles[project.name], project)[1].get("target") or "default")
        for project in projects
    }
    chosen = set(defaults.values())
    if len(chosen) > 1:
        listed = ", ".join(f"{name}: {target}" for name, target in sorted(defaults.items()))
        raise MeshError(
            f"the projects' profiles default to different targets ({listed}); pass --target to pick one"
        )
    return chosen.pop() if chosen else "default"


def check_target(target: str, profiles_dir: Path, projects: list[DbtProject]) -> None:
    for project, targets in known_targets(profiles_dir, projects).items():
        if target not in targets:
            raise MeshError(
                f"unknown target {target!r} for project {project!r}; known targets: {', '.join(targets)}"
            )


def runs_on(project: DbtProject, target: str) -> bool:
    """Whether a project builds on this target: external-platform domains never build on Databricks,
    and the external targets build those domains alone."""
    if target in EXTERNAL_TARGETS:
        return project.platform is Platform.EXTERNAL and not project.is_hub
    return not (target in DATABRICKS_TARGETS and project.platform is Platform.EXTERNAL)


def not_built_reason(project: DbtProject, target: str) -> str:
    """One line: why `project` does not build on `target` (for a --domain that named it)."""
    if target in EXTERNAL_TARGETS:
        return (
            f"{project.name} does not build on --target {target}: only `platform: external` domains build "
            f"on their own engine; build {project.name} with --target ci (or databricks)"
        )
    return (
        f"{project.name} opts out of Databricks (domains/{project.name}/domain.yml: platform external); "
        f"build it with --target ci or --target trino"
    )


def max_jobs(target: str, requested: int) -> int:
    """Projects built at once on `target`: one where the engine's metastore admits a single process."""
    return 1 if target in SINGLE_PROCESS_TARGETS else requested


def declares_target(root: Path, project_name: str, target: str) -> bool:
    """Whether the mesh at `root` has project `project_name` with `target` in its profile (bad or missing
    profiles: no). A declaration, not a build: `mesh trino-config` grants an opted-out domain's owners
    write on its catalog when the domain declares the `trino` target, whatever ran last locally."""
    from governance.project import Projects

    try:
        projects = Projects.discover(root)
        project = projects.projects.get(project_name)
        if project is None:
            return False
        return target in known_targets(projects.profiles_dir(project), [project]).get(project_name, [])
    except (MeshError, OSError, yaml.YAMLError):
        return False
