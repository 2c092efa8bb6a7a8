"""Where each project's data lives, read from the adopter's own files: its dbt profile.

A project's default target names its engine and, on DuckDB, its database file; the other targets say
which platforms the mesh uses at all. ODCS contract servers come from here, so an adopted mesh's
contracts name its own files and only its own platforms, never this repository's layout.

A DuckDB path is resolved as dbt runs it (relative to the project folder); an `env_var('X', 'default')`
in it is read at its default, so the result does not depend on who runs the command (contracts are
compared byte for byte, MESH040).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from governance.project import DbtProject, Projects
from governance.settings import domain_file, read_yaml

_ENV_VAR = re.compile(
    r"\{\{\s*env_var\(\s*['\"][^'\"]+['\"]\s*,\s*['\"](?P<default>[^'\"]*)['\"]\s*\)\s*\}\}"
)


@dataclass(frozen=True, slots=True)
class ProjectLocation:
    """A project's data as its profile places it."""

    duckdb_file: str | None  # its default target's DuckDB file, relative to the root (None: not DuckDB)
    adapters: frozenset[str]  # the adapter types of every target of its profile (duckdb, databricks, ...)
    declared: bool = False  # its platform is written down (domain.yml, mesh.yml `domains:`), not a default

    @property
    def on_databricks(self) -> bool:
        """Served on Databricks: its profile has a Databricks target, or it says it runs there."""
        return "databricks" in self.adapters or self.declared


def _profile(project: DbtProject) -> dict[str, object]:
    name = read_yaml(project.path / "dbt_project.yml").get("profile") or project.name
    profiles = read_yaml(project.profiles_dir / "profiles.yml") if project.profiles_dir else {}
    found = profiles.get(str(name))
    return found if isinstance(found, dict) else {}


def duckdb_file(path: str, project: Path, root: Path) -> str | None:
    """A profile's DuckDB `path` as a root-relative (else absolute) file, env_var defaults filled in."""
    text = _ENV_VAR.sub(lambda m: m["default"], path)
    if "{" in text or text.startswith(":") or "://" in text:
        return None  # other Jinja, `:memory:`, MotherDuck: no file to name
    file = Path(os.path.normpath(project / text))
    return file.relative_to(root).as_posix() if file.is_relative_to(root) else file.as_posix()


def location_of(project: DbtProject, root: Path, *, declared: bool = False) -> ProjectLocation:
    profile = _profile(project)
    outputs = profile.get("outputs")
    outputs = outputs if isinstance(outputs, dict) else {}
    adapters = frozenset(
        str(o.get("type")) for o in outputs.values() if isinstance(o, dict) and o.get("type")
    )
    default = outputs.get(profile.get("target", "dev"))
    path = default.get("path") if isinstance(default, dict) and default.get("type") == "duckdb" else None
    file = duckdb_file(str(path), project.path, root) if isinstance(path, str) else None
    return ProjectLocation(file, adapters, declared)


def project_locations(projects: Projects) -> dict[str, ProjectLocation]:
    entries = projects.settings.mesh.domains if projects.settings is not None else {}
    found: dict[str, ProjectLocation] = {}
    for name, project in projects.projects.items():
        own, entry = domain_file(project.path), entries.get(name)
        declared = any(s is not None and s.platform is not None for s in (own, entry))
        found[name] = location_of(project, projects.root, declared=declared)
    return found
