"""The mesh loader: every project's dbt artifacts -> one `MeshModel`, without importing dbt-core.

`load_mesh(root)` reads each project's `target/manifest.json` (+ `run_results.json`, `sources.json`
when present); `load_state(dir, projects)` reads `dir/<project>/manifest.json` (production's last
artifacts) for breaking-change comparison. dbt-loom copies upstream nodes into a consumer's manifest;
only nodes whose package is the manifest's own project are kept, so each node has exactly one owner.
Bad artifacts end in one `MeshError` line naming the file and what to do.
"""

from __future__ import annotations

from pathlib import Path

from governance.errors import MeshError
from governance.loader.assemble import assemble
from governance.loader.manifest import ArtifactPaths, load_project
from governance.loader.yaml_lines import YamlLines
from governance.model import MeshModel
from governance.project import Projects

__all__ = ["load_mesh", "load_state"]


def load_mesh(root: Path | None = None, projects: Projects | None = None) -> MeshModel:
    """The mesh as built in the working tree (each project's `target/`)."""
    projects = projects or Projects.discover(root)
    lines = YamlLines()
    domains = [
        load_project(
            project,
            ArtifactPaths.of_target(project.target_dir),
            projects.root,
            lines,
            hint=f"run `mesh build --domain {project.name}` first",
        )
        for project in (projects.projects[name] for name in projects.order)
    ]
    return assemble(projects.root, domains)


def load_state(state_dir: Path, projects: Projects) -> MeshModel:
    """The mesh as last deployed: `state_dir/<project>/manifest.json` for each project present there.

    A project without a folder in `state_dir` is new since that deployment and is simply absent.
    """
    if not state_dir.is_dir():
        raise MeshError(f"{state_dir}: state directory not found; copy production's dbt artifacts there")
    lines = YamlLines()
    present = [name for name in projects.order if (state_dir / name / "manifest.json").is_file()]
    if not present:
        raise MeshError(
            f"{state_dir}: no <project>/manifest.json inside (expected e.g. {state_dir / projects.order[0]}"
            "/manifest.json); copy production's dbt artifacts there"
        )
    domains = [
        load_project(
            projects.projects[name],
            ArtifactPaths.of_target(state_dir / name),
            projects.root,
            lines,
            hint=f"replace it with production's artifacts for {name}",
        )
        for name in present
    ]
    return assemble(projects.root, domains)
