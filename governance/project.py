"""The repository as a set of dbt projects: the domains and the optional hub, in dependency order.

Everything that needs to know "which projects exist, where, on which platform, and what they depend
on" reads it here, from the settings layer (`governance.settings`: mesh.yml, domain.yml, dbt-loom's
config or dependencies.yml), so the build, the governance loader and the deploy bundle agree.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from governance.errors import MeshError
from governance.model import Platform
from governance.settings import (
    SAFE_LOADER,
    Settings,
    UpstreamEntry,
    UpstreamFiles,
    domain_file,
    environ,
    find_root,
    inside,
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
    "profile_name",
    "project_profile",
    "read_profiles",
    "read_yaml",
]


@dataclass(frozen=True)
class DbtProject:
    """One dbt project of the mesh: a domain, or the hub."""

    name: str
    path: Path
    upstream: tuple[str, ...]  # the projects it reads that are built before it (the build order's edges)
    platform: Platform
    is_hub: bool = False
    profiles_dir: Path | None = None  # where its profiles.yml is (None: dbt's own lookup)
    upstream_file: Path | None = None  # the file naming `upstream` (dbt-loom's config or dependencies.yml)
    optional: tuple[str, ...] = ()  # upstreams read through a dbt-loom `optional: true` entry
    deferred: tuple[str, ...] = ()  # optional upstreams built after it (they read it): last manifest read

    @property
    def reads(self) -> tuple[str, ...]:
        """Every project it reads, built before it or not."""
        return (*self.upstream, *self.deferred)

    @property
    def target_dir(self) -> Path:
        return self.path / "target"

    @property
    def manifest_path(self) -> Path:
        return self.target_dir / "manifest.json"


def read_profiles(folder: Path | None) -> dict[str, Any]:
    """The profiles.yml in `folder` ({} when there is none, or no folder): the mesh's one reader of dbt
    profiles, with the caps and the one-line errors of every YAML the tool reads."""
    return read_yaml(folder / "profiles.yml") if folder is not None else {}


def profile_name(project: DbtProject) -> str:
    """The profile dbt reads for the project: its dbt_project.yml `profile:`, else the project's name."""
    return str(read_yaml(project.path / "dbt_project.yml").get("profile") or project.name)


def project_profile(project: DbtProject) -> dict[str, Any]:
    """The project's profile from its profiles.yml ({} when either is absent)."""
    found = read_profiles(project.profiles_dir).get(profile_name(project))
    return found if isinstance(found, dict) else {}


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
    if hub_folder is not None and not inside(root, hub_folder):
        raise MeshError(f"{where}: hub {settings.mesh.hub!r} leads outside the mesh root {root}; fix `hub`")
    if hub_folder is not None and not (hub_folder / "dbt_project.yml").is_file():
        raise MeshError(f"{where}: hub {settings.mesh.hub!r} holds no dbt_project.yml; fix `hub`")
    if hub_folder is not None:
        relative = hub_folder.relative_to(root).as_posix() if hub_folder != root else "."
        if (
            relative in folders and settings.mesh.projects.include
        ):  # a domain's folder: its products would vanish
            raise MeshError(
                f"{where}: hub {settings.mesh.hub!r} is a domain folder matched by projects.include; the "
                "hub is the project of analyst marts over the domains: point `hub` at its own folder"
            )
        folders = [*folders, relative] if relative not in folders else folders
    projects: dict[str, DbtProject] = {}
    files: dict[str, UpstreamFiles] = {}
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
        files[name] = upstream_projects(path)
        projects[name] = DbtProject(
            name,
            path,
            (),
            platforms.pop() if platforms else Platform.DATABRICKS,
            is_hub=path == hub_folder,
            profiles_dir=profiles_dir(settings, path, own, name),
            upstream_file=files[name].path,
        )
    by_folder = {p.path: n for n, p in projects.items()}
    for name, found in files.items():
        resolved = [(_resolve_upstream(root, by_folder, e, found.path), e.optional) for e in found.entries]
        if found.also_declared is not None and {n for n, _ in resolved} != set(found.also_declared):
            raise MeshError(
                f"{found.also_path}: projects {sorted(found.also_declared)} differ from {found.path} "
                f"manifests {sorted({n for n, _ in resolved})} (the projects their manifests belong to); "
                "keep the upstream projects in one file (dbt-loom's config is read first)"
            )
        upstream = tuple(dict.fromkeys(n for n, _ in resolved if n != name))
        optional = tuple(n for n in upstream if all(o for m, o in resolved if m == n))
        projects[name] = replace(projects[name], upstream=upstream, optional=optional)
    unknown = sorted(set(settings.mesh.domains) - set(projects))
    if unknown:
        raise MeshError(
            f"{where}: domains.{unknown[0]} is not a project of the mesh; "
            f"projects: {', '.join(sorted(projects)) or 'none'}"
        )
    return projects


_PROJECT_NAME = re.compile(rb'"project_name"\s*:\s*"((?:[^"\\]|\\.)*)"')


def _manifest_project(path: Path) -> str | None:
    """The project a dbt manifest belongs to (`metadata.project_name`, near the top of the file)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1 << 16)
    except OSError:
        return None
    found = _PROJECT_NAME.search(head)
    return found.group(1).decode("utf-8", "replace") if found else None


def _resolve_upstream(
    root: Path, by_folder: dict[Path, str], entry: UpstreamEntry, where: Path | None
) -> str:
    """The project an upstream entry reads, as dbt-loom names it: the project its manifest belongs to
    (the dbt project whose folder writes that path, else the manifest's own `metadata.project_name`),
    the entry's label only when neither says (a remote manifest, dependencies.yml)."""
    manifest = entry.manifest
    if manifest is None:
        return entry.label
    # dbt writes a manifest into a folder of its project (`target/`, or its target-path): a path into a
    # project of the mesh names that project, whatever (possibly stale or foreign) file lies there now.
    folder = manifest.parent.parent
    if folder.is_relative_to(root) and (folder / "dbt_project.yml").is_file():
        if folder in by_folder:
            return by_folder[folder]
        shown = folder.relative_to(root).as_posix() or "."
        raise MeshError(
            f"{where}: manifest {entry.label!r} points at {manifest.relative_to(root)}, written by the dbt "
            f"project in {shown}, which is not in the mesh; add {shown!r} to mesh.yml projects.include"
        )
    if manifest.is_file():  # a copied artifact: the project it belongs to, as dbt-loom names it
        named = _manifest_project(manifest)
        if named:
            return named
    return entry.label


def _hard_only(project: DbtProject) -> DbtProject:
    return replace(project, upstream=tuple(u for u in project.upstream if u not in project.optional))


def _schedule(projects: dict[str, DbtProject]) -> tuple[dict[str, DbtProject], tuple[str, ...]]:
    """The build order's edges: every required upstream, and each optional one (dbt-loom `optional:
    true`) unless it would close a cycle, when the two projects read each other. Such an upstream is
    built after its reader, which reads the manifest that upstream last wrote (dbt-loom skips a missing
    optional manifest). Returns the projects with `upstream`/`deferred` set, and one note per choice."""
    edges = {n: [u for u in p.upstream if u not in p.optional] for n, p in projects.items()}
    notes: list[str] = []
    deferred: dict[str, list[str]] = {n: [] for n in projects}

    def reaches(start: str, goal: str) -> bool:
        seen, frontier = {start}, [start]
        while frontier:
            for up in edges[frontier.pop()]:
                if up == goal:
                    return True
                if up not in seen:
                    seen.add(up)
                    frontier.append(up)
        return False

    for name in sorted(projects):
        for up in sorted(projects[name].optional):
            if up not in projects:
                notes.append(
                    f"{name} reads {up} optionally (dbt-loom `optional: true`); {up} is not in the mesh, "
                    "so it orders nothing"
                )
            elif reaches(up, name):
                deferred[name].append(up)
                notes.append(
                    f"{name} reads {up} optionally and {up} reads {name}: {up} is built after {name}, "
                    f"which reads the manifest {up} last wrote (none on a first build)"
                )
            else:
                edges[name].append(up)
    scheduled = {
        name: replace(
            project,
            upstream=tuple(u for u in project.upstream if u in edges[name]),
            deferred=tuple(deferred[name]),
        )
        for name, project in projects.items()
    }
    return scheduled, tuple(notes)


@dataclass(frozen=True)
class Projects:
    """The repository's dbt projects, with dependency order and selection helpers."""

    root: Path
    projects: dict[str, DbtProject]
    settings: Settings | None = field(default=None, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)  # how the build order was chosen

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
        for project in projects.values():
            for up in project.upstream:
                if up not in projects and up not in project.optional:
                    raise MeshError(
                        f"{project.upstream_file}: upstream project {up!r} is not in the mesh; "
                        f"projects: {', '.join(sorted(projects))}; add the folder of dbt project "
                        f"{up!r} to mesh.yml projects.include, or point the entry's path at its manifest"
                    )
        hard = cls(settings.root, {n: _hard_only(p) for n, p in projects.items()}, settings)
        hard.order  # noqa: B018 - fail early on cycles of edges that must order the build
        scheduled, notes = _schedule(projects)
        return cls(settings.root, scheduled, settings, notes)

    @property
    def hub(self) -> DbtProject | None:
        return next((p for p in self.projects.values() if p.is_hub), None)

    def profiles_dir(self, project: DbtProject) -> Path:
        """The folder of the profiles.yml `project` builds with: its own (mesh.yml), else <root>/profiles."""
        return project.profiles_dir or self.root / "profiles"

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

    @property
    def loom_warnings(self) -> list[str]:
        """Projects whose upstreams only dependencies.yml names: dbt Core compiles a cross-project ref
        only through dbt-loom (dbt Cloud resolves them itself), so such a build fails at the first ref."""
        return self.loom_warnings_for(self.projects.values())

    def loom_warnings_for(self, chosen: Iterable[DbtProject]) -> list[str]:
        """`loom_warnings` of the `chosen` projects (what a build of them would hit)."""
        return [
            f"{p.name} names its upstream projects ({', '.join(p.reads)}) only in dependencies.yml; dbt "
            f"Core resolves cross-project refs only with dbt-loom: add {p.path.name}/dbt_loom.config.yml "
            "with a `file` manifest entry per upstream (`mesh init --loom` writes them)"
            for p in chosen
            if p.reads and p.upstream_file is not None and p.upstream_file.name == "dependencies.yml"
        ]

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
