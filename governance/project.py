"""The repository as a set of dbt projects: the hub and its domains, in dependency order.

Everything that needs to know "which domains exist, where, on which platform, and what they
depend on" reads it here, from `domains/<name>/dbt_project.yml`, `dependencies.yml` and
`domain.yml`, so the build, the governance loader and the deploy bundle agree.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

import yaml

from governance.errors import MeshError

HUB = "hub"

# libyaml's loader when present: discovery reads every project's YAML on each command.
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class Platform(StrEnum):
    """Where a domain runs in production."""

    DATABRICKS = "databricks"
    EXTERNAL = "external"  # opted out of Databricks: products published to the Iceberg catalog


@dataclass(frozen=True)
class DbtProject:
    """One dbt project of the mesh: a domain, or the hub (the repository root)."""

    name: str
    path: Path
    upstream: tuple[str, ...]
    platform: Platform
    is_hub: bool = False

    @property
    def target_dir(self) -> Path:
        return self.path / "target"

    @property
    def manifest_path(self) -> Path:
        return self.target_dir / "manifest.json"


def data_dir(root: Path) -> Path:
    """Where raw data and warehouses live: `MESH_DATA_DIR` (made absolute), else `<root>/data`.

    Absolute because engines resolve relative paths against their own folders (Spark: its warehouse).
    """
    return Path(os.environ.get("MESH_DATA_DIR") or root / "data").resolve()


def find_root(start: Path | None = None) -> Path:
    """The repository root: `MESH_ROOT`, else the nearest folder holding `domains/` and `dbt_project.yml`."""
    env = os.environ.get("MESH_ROOT")
    if env:
        return Path(env).resolve()
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / "domains").is_dir() and (folder / "dbt_project.yml").is_file():
            return folder
    raise MeshError(f"no mesh found from {here}: run inside the repository or set MESH_ROOT")


def read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        raise MeshError(f"{where}: invalid YAML ({getattr(exc, 'problem', exc)}); fix the file") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise MeshError(f"{path}: expected a mapping at the top level")
    return data


def _project_name(path: Path) -> str:
    name = read_yaml(path / "dbt_project.yml").get("name")
    if not isinstance(name, str):
        raise MeshError(f"{path / 'dbt_project.yml'}: missing `name`")
    return name


def _upstream(path: Path) -> tuple[str, ...]:
    projects = read_yaml(path / "dependencies.yml").get("projects") or []
    names = [p.get("name") for p in projects if isinstance(p, dict)]
    if not all(isinstance(n, str) for n in names):
        raise MeshError(f"{path / 'dependencies.yml'}: every entry under `projects` needs a `name`")
    return tuple(str(n) for n in names)


def _platform(path: Path) -> Platform:
    raw = read_yaml(path / "domain.yml").get("platform", Platform.DATABRICKS.value)
    try:
        return Platform(raw)
    except ValueError:
        known = ", ".join(p.value for p in Platform)
        raise MeshError(f"{path / 'domain.yml'}: unknown platform {raw!r}; use one of: {known}") from None


@dataclass(frozen=True)
class Projects:
    """The repository's dbt projects, with dependency order and selection helpers."""

    root: Path
    projects: dict[str, DbtProject]

    @classmethod
    def discover(cls, root: Path | None = None) -> Projects:
        root = root or find_root()
        projects: dict[str, DbtProject] = {}
        domains_dir = root / "domains"
        for path in sorted(p for p in domains_dir.iterdir() if (p / "dbt_project.yml").is_file()):
            name = _project_name(path)
            if name != path.name:
                raise MeshError(
                    f"{path / 'dbt_project.yml'}: project name {name!r} must equal its folder {path.name!r}"
                )
            projects[name] = DbtProject(name, path, _upstream(path), _platform(path))
        projects[HUB] = DbtProject(HUB, root, _upstream(root), Platform.DATABRICKS, is_hub=True)
        mesh = cls(root, projects)
        for project in projects.values():
            for up in project.upstream:
                if up not in projects:
                    raise MeshError(
                        f"{project.path / 'dependencies.yml'}: unknown project {up!r}; "
                        f"known: {', '.join(mesh.domain_names)}"
                    )
        mesh.order  # noqa: B018 - fail early on cycles
        return mesh

    @property
    def domain_names(self) -> list[str]:
        return [n for n, p in self.projects.items() if not p.is_hub]

    @cached_property
    def order(self) -> list[str]:
        """Projects in dependency order (upstream first), ties broken by name for stable output."""
        sorter = TopologicalSorter({n: p.upstream for n, p in self.projects.items()})
        try:
            sorter.prepare()
        except CycleError as exc:
            cycle = " -> ".join(exc.args[1])
            raise MeshError(f"dependency cycle between domains: {cycle}; fix dependencies.yml") from None
        ordered: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready())
            ordered.extend(ready)
            sorter.done(*ready)
        return ordered

    def downstream(self, name: str) -> set[str]:
        """Every project that depends on `name`, directly or transitively."""
        found: set[str] = set()
        frontier = [name]
        while frontier:
            current = frontier.pop()
            for other in self.projects.values():
                if current in other.upstream and other.name not in found:
                    found.add(other.name)
                    frontier.append(other.name)
        return found

    def select(self, names: Iterable[str] | None) -> list[DbtProject]:
        """The named projects (all when `names` is empty) in dependency order; unknown names are an error."""
        wanted: Sequence[str] = list(names or [])
        unknown = [n for n in wanted if n not in self.projects]
        if unknown:
            raise MeshError(f"unknown domain {unknown[0]!r}; known domains: {', '.join(self.order)}")
        chosen = set(wanted) if wanted else set(self.projects)
        return [self.projects[n] for n in self.order if n in chosen]
