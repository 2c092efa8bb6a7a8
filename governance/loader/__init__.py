"""The mesh loader: every project's dbt artifacts -> one `MeshModel`, without importing dbt-core.

`load_mesh(root)` reads each project's `target/manifest.json` (+ `run_results.json`, `sources.json`
when present); `load_state(dir, projects)` reads `dir/<project>/manifest.json` (production's last
artifacts) for breaking-change comparison. dbt-loom copies upstream nodes into a consumer's manifest;
only nodes whose package is the manifest's own project are kept, so each node has exactly one owner.
Bad artifacts end in one `MeshError` line naming the file and what to do.

Speed (docs/benchmarks.md): only what the model reads is decoded (`artifacts`, `schema`), YAML lines
are found when a location is read (`yaml_lines`), and the cyclic GC stays off the mesh (`gc_pause`).
"""

from __future__ import annotations

from pathlib import Path

from governance.errors import MeshError
from governance.loader.assemble import assemble
from governance.loader.gc_pause import built_uncollected
from governance.loader.manifest import ArtifactPaths, load_project
from governance.loader.yaml_lines import YamlLines
from governance.model import MeshModel
from governance.project import DbtProject, Projects
from governance.settings import Settings, load_settings

__all__ = ["load_mesh", "load_state"]


def load_mesh(root: Path | None = None, projects: Projects | None = None) -> MeshModel:
    """The mesh as built in the working tree (each project's `target/`)."""
    projects = projects or Projects.discover(root)
    in_order = [projects.projects[name] for name in projects.order]
    return _load(
        _settings(projects),
        [(p, p.target_dir, f"run `mesh build --domain {p.name}` first") for p in in_order],
    )


def load_state(state_dir: Path, projects: Projects) -> MeshModel:
    """The mesh as last deployed: `state_dir/<project>/manifest.json` for each project present there.

    A project without a folder in `state_dir` is new since that deployment and is simply absent.
    """
    if not state_dir.is_dir():
        raise MeshError(f"{state_dir}: state directory not found; copy production's dbt artifacts there")
    present = [name for name in projects.order if (state_dir / name / "manifest.json").is_file()]
    if not present:
        raise MeshError(
            f"{state_dir}: no <project>/manifest.json inside (expected e.g. {state_dir / projects.order[0]}"
            "/manifest.json); copy production's dbt artifacts there"
        )
    return _load(
        _settings(projects),
        [
            (projects.projects[name], state_dir / name, f"replace it with production's artifacts for {name}")
            for name in present
        ],
    )


def _settings(projects: Projects) -> Settings:
    return projects.settings or load_settings(projects.root)


def _load(settings: Settings, targets: list[tuple[DbtProject, Path, str]]) -> MeshModel:
    """(project, folder of its artifacts, what to do if they are bad) -> the mesh (see `gc_pause`)."""
    lines = YamlLines()
    return built_uncollected(
        lambda: assemble(
            settings.root,
            [
                load_project(project, ArtifactPaths.of_target(folder), settings, lines, hint)
                for project, folder, hint in targets
            ],
        )
    )
