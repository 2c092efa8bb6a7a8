"""Where each project's data lives, read from the adopter's own files: its dbt profile.

A project's default target names its engine and, on DuckDB, its database file; the other targets say
which platforms the mesh uses at all. ODCS contract servers come from here, so an adopted mesh's
contracts name its own files and only its own platforms, never this repository's layout.

A DuckDB path is resolved as dbt runs it (relative to the project folder). For contracts and the catalog
site an `env_var('X', 'default')` in it is read at its default, so the result does not depend on who runs
the command (contracts are compared byte for byte, MESH040); `mesh query` reads it as dbt does, from the
environment (`query_database`). dbt-duckdb names a file's catalog after the file (`target/platform.duckdb`
holds `platform.main.customers`), and `mesh query` attaches it under that name, so the site's example
queries (`duckdb_catalog`) are the names `mesh query` answers.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from governance.project import DbtProject, Projects, project_profile
from governance.settings import domain_file

_ENV_VAR = re.compile(
    r"\{\{\s*env_var\(\s*['\"](?P<name>[^'\"]+)['\"]\s*"
    r"(?:,\s*['\"](?P<default>[^'\"]*)['\"]\s*)?\)\s*\}\}"
)


@dataclass(frozen=True, slots=True)
class ProjectLocation:
    """A project's data as its profile places it."""

    duckdb_file: str | None  # its default target's DuckDB file, relative to the root (None: not DuckDB)
    adapters: frozenset[str]  # the adapter types of every target of its profile (duckdb, databricks, ...)
    declared: bool = False  # its platform is written down (domain.yml, mesh.yml `domains:`), not a default
    engine: str | None = None  # its default target's adapter type (duckdb, databricks, ...)

    @property
    def on_databricks(self) -> bool:
        """Served on Databricks: its profile has a Databricks target, or it says it runs there."""
        return "databricks" in self.adapters or self.declared


def duckdb_file(path: str, project: Path, root: Path, environ: Mapping[str, str] | None = None) -> str | None:
    """A profile's DuckDB `path` as a root-relative (else absolute) file: env_var defaults filled in, or
    with `environ` each variable's value there (its default when unset), as dbt reads it."""

    def value(match: re.Match[str]) -> str:
        if environ is not None and match["name"] in environ:
            return environ[match["name"]]
        return match["default"] if match["default"] is not None else match[0]

    text = _ENV_VAR.sub(value, path)
    if "{" in text or text.startswith(":") or "://" in text:
        return None  # other Jinja, `:memory:`, MotherDuck: no file to name
    file = Path(os.path.normpath(project / text))
    return file.relative_to(root).as_posix() if file.is_relative_to(root) else file.as_posix()


def location_of(
    project: DbtProject,
    root: Path,
    *,
    declared: bool = False,
    environ: Mapping[str, str] | None = None,
    target: str | None = None,
) -> ProjectLocation:
    """Where the project's profile puts its data (env_var defaults, or `environ` as dbt reads it), on
    `target` (default: the profile's own `target:`, as dbt picks it)."""
    profile = project_profile(project)
    outputs = profile.get("outputs")
    outputs = outputs if isinstance(outputs, dict) else {}
    adapters = frozenset(
        str(o.get("type")) for o in outputs.values() if isinstance(o, dict) and o.get("type")
    )
    default = outputs.get(target if target is not None else profile.get("target", "dev"))
    path = default.get("path") if isinstance(default, dict) and default.get("type") == "duckdb" else None
    file = duckdb_file(str(path), project.path, root, environ) if isinstance(path, str) else None
    engine = str(default.get("type")) if isinstance(default, dict) and default.get("type") else None
    return ProjectLocation(file, adapters, declared, engine)


def project_locations(projects: Projects) -> dict[str, ProjectLocation]:
    entries = projects.settings.mesh.domains if projects.settings is not None else {}
    found: dict[str, ProjectLocation] = {}
    for name, project in projects.projects.items():
        own, entry = domain_file(project.path), entries.get(name)
        declared = any(s is not None and s.platform is not None for s in (own, entry))
        found[name] = location_of(project, projects.root, declared=declared)
    return found


def duckdb_catalog(file: str | Path) -> str:
    """The catalog dbt-duckdb names a database file's tables under (its file name without the extension),
    and the name `mesh query` attaches it as: `target/platform.duckdb` holds `platform.main.customers`."""
    return PurePosixPath(Path(file).as_posix()).stem


def query_database(
    project: DbtProject, root: Path, environ: Mapping[str, str], target: str | None = None
) -> Path | None:
    """The DuckDB file the project's `target` (default: its profile's own) writes, as dbt would resolve it
    under `environ` (absolute), or None when that target is not a DuckDB file."""
    file = location_of(project, root, environ=environ, target=target).duckdb_file
    if file is None:
        return None
    path = Path(file)
    return path if path.is_absolute() else root / path
