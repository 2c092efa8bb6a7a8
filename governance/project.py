"""The repository as a set of dbt projects: the domains and the optional hub, in dependency order.

Everything that needs to know "which projects exist, where, on which platform, and what they depend
on" reads it here, from the settings layer (`governance.settings`: mesh.yml, domain.yml, dbt-loom's
config or dependencies.yml), so the build, the governance loader and the deploy bundle agree.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from governance.errors import MeshError
from governance.model import Platform
from governance.settings import (
    SAFE_LOADER,
    Settings,
    domain_file,
    environ,
    find_root,
    load_settings,
    profiles_dir,
    read_yaml,
    select_folders,
    upstream_projects,
)

__all__ = [
    "SAFE_LOADER",
    "DbtProject",
    "Platform",
    "Projects",
    "data_dir",
    "find_root",
    "read_yaml",
]


@dataclass(frozen=True)
class DbtProject:
    """One dbt project of the mesh: a domain, or the hub."""

    name: str
    path: Path
    upstream: tuple[str, ...]
    platform: Platform
    is_hub: bool = False
    profiles_dir: Path | None = None  # where its profiles.yml is (None: dbt's own lookup)
    upstream_file: Path | None = None  # the file naming `upstream` (dbt-loom's config or dependencies.yml)

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
    return Path(environ("MESH_DATA_DIR") or root / "data").resolve()


def _project_name(path: Path) -> str:
    name = read_yaml(path / "dbt_project.yml").get("name")
    if not isinstance(name, str) or not name:
        raise MeshError(f"{path / 'dbt_project.yml'}: missing `name`")
    return name


def _read_projects(settings: Settings) -> dict[str, DbtProject]:
    root = settings.root
    hub_folder = (root / settings.mesh.hub).resolve() if settings.mesh.hub is not None else None
    where = settings.path or root / "mesh.yml"
    folders = select_folders(settings)
    if hub_folder is not None and not (hub_folder / "dbt_project.yml").is_file():
        raise MeshError(f"{where}: hub {settings.mesh.hub!r} holds no dbt_project.yml; fix `hub`")
    if hub_folder is not None:
        relative = hub_folder.relative_to(root).as_posix() if hub_folder != root else "."
        folders = [*folders, relative] if relative not in folders else folders
    projects: dict[str, DbtProject] = {}
    for relative in folders:
        path = (root / relative).resolve()
        name = _project_name(path)
        if name in projects:
            raise MeshError(
                f"{path / 'dbt_project.yml'}: project {name!r} is also at {projects[name].path}; "
                "rename one, or exclude one in mesh.yml projects.exclude"
            )
        own = domain_file(path)
        entry = settings.mesh.domains.get(name)
        platforms = {s.platform for s in (own, entry) if s is not None and s.platform is not None}
        if len(platforms) > 1:
            raise MeshError(
                f"{path / 'domain.yml'}: platform differs from mesh.yml domains.{name}.platform; set it once"
            )
        upstream, upstream_file = upstream_projects(path)
        projects[name] = DbtProject(
            name,
            path,
            upstream,
            platforms.pop() if platforms else Platform.DATABRICKS,
            is_hub=path == hub_folder,
            profiles_dir=profiles_dir(settings, path, own, name),
            upstream_file=upstream_file,
        )
    unknown = sorted(set(settings.mesh.domains) - set(projects))
    if unknown:
        raise MeshError(
            f"{where}: domains.{unknown[0]} is not a project of the mesh; "
            f"projects: {', '.join(sorted(projects)) or 'none'}"
        )
    return projects


@dataclass(frozen=True)
class Projects:
    """The repository's dbt projects, with dependency order and selection helpers."""

    root: Path
    projects: dict[str, DbtProject]
    settings: Settings | None = field(default=None, compare=False)

    @classmethod
    def discover(
        cls, root: Path | None = None, settings: Settings | None = None, *, allow_empty: bool = False
    ) -> Projects:
        """The mesh's projects per the settings at `root` (default: `find_root()`); bad input is one
        MeshError line: an unknown upstream, a cycle, a glob matching nothing, a typo in a settings file,
        a folder holding no dbt project at all (a mesh of nothing would make every command green)."""
        settings = settings or load_settings((root or find_root()).resolve())
        projects = _read_projects(settings)
        if not projects and not allow_empty:
            where = settings.path or settings.root
            raise MeshError(
                f"{where}: no dbt project found (no dbt_project.yml under {settings.root}, outside "
                "dbt_packages/, target/ and hidden folders); point --root or MESH_ROOT at the mesh, "
                "or create a domain with `mesh new domain`"
            )
        mesh = cls(settings.root, projects, settings)
        for project in projects.values():
            for up in project.upstream:
                if up not in projects:
                    raise MeshError(
                        f"{project.upstream_file}: upstream project {up!r} is not in the mesh; "
                        f"projects: {', '.join(sorted(projects))}; add its folder to mesh.yml "
                        "projects.include"
                    )
        mesh.order  # noqa: B018 - fail early on cycles
        return mesh

    @property
    def hub(self) -> DbtProject | None:
        return next((p for p in self.projects.values() if p.is_hub), None)

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
            raise MeshError(
                f"dependency cycle between projects: {cycle}; remove one upstream from its dbt-loom "
                "config (or dependencies.yml)"
            ) from None
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
