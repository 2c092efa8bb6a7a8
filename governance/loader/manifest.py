"""One project's manifest (+ optional run results and freshness) -> one `Domain`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from governance.errors import MeshError
from governance.loader import fields as f
from governance.loader.artifacts import check_manifest_schema, display, read_json
from governance.loader.nodes import (
    ProjectFiles,
    parse_exposure,
    parse_group,
    parse_model,
    parse_source,
    parse_test,
)
from governance.loader.results import apply_freshness, apply_run_results
from governance.loader.yaml_lines import YamlLines
from governance.model import Domain
from governance.project import DbtProject

T = TypeVar("T")


@dataclass(frozen=True)
class ArtifactPaths:
    manifest: Path
    run_results: Path
    sources: Path

    @classmethod
    def of_target(cls, folder: Path) -> ArtifactPaths:
        return cls(folder / "manifest.json", folder / "run_results.json", folder / "sources.json")


def load_project(
    project: DbtProject, paths: ArtifactPaths, root: Path, lines: YamlLines, hint: str
) -> Domain:
    shown = display(paths.manifest, root)
    if not paths.manifest.is_file():
        raise MeshError(f"{shown}: manifest of {project.name!r} not found; {hint}")
    data = read_json(paths.manifest, root, hint)
    check_manifest_schema(data, shown, hint)
    relative = display(project.path, root)
    files = ProjectFiles(
        project.name, project.path, "" if relative == "." else relative, project.is_hub, lines
    )
    try:
        domain = _domain(data, project, files)
    except f.Malformed as exc:
        raise MeshError(f"{shown}: {exc}; {hint}") from None
    if paths.run_results.is_file():
        apply_run_results(paths.run_results, root, domain.tests, hint)
    if paths.sources.is_file():
        apply_freshness(paths.sources, root, domain.sources, hint)
    return domain


def _owned(section: dict[str, Any], project: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """Entries of one manifest section that belong to `project` (dbt-loom copies are skipped)."""
    owned: list[tuple[str, dict[str, Any]]] = []
    for unique_id, node in section.items():
        if not isinstance(node, dict):
            raise f.Malformed(f"{where} {unique_id!r} must be an object")
        if node.get("package_name") == project:
            owned.append((unique_id, node))
    return owned


def _parse_section(
    data: dict[str, Any], section: str, project: str, parse: Callable[[dict[str, Any]], T]
) -> dict[str, T]:
    parsed: dict[str, T] = {}
    for unique_id, node in _owned(f.obj(data, section), project, section[:-1]):
        try:
            parsed[unique_id] = parse(node)
        except f.Malformed as exc:
            raise f.Malformed(f"{section[:-1]} {unique_id}: {exc}") from None
    return parsed


def _domain(data: dict[str, Any], project: DbtProject, files: ProjectFiles) -> Domain:
    metadata = f.obj(data, "metadata")
    name = f.text(metadata, "project_name")
    if name != project.name:
        raise f.Malformed(f"manifest is for project {name!r}, not {project.name!r}")
    domain = Domain(
        name=project.name,
        path=files.relative or ".",
        platform=project.platform,
        is_hub=project.is_hub,
        upstream=project.upstream,
        dbt_version=f.text(metadata, "dbt_version"),
    )
    for unique_id, node in _owned(f.obj(data, "nodes"), project.name, "node"):
        kind = node.get("resource_type")
        try:
            if kind == "model":
                domain.models[unique_id] = parse_model(node, files)
            elif kind == "test":
                domain.tests[unique_id] = parse_test(node, files)
        except f.Malformed as exc:
            raise f.Malformed(f"node {unique_id}: {exc}") from None
    domain.sources.update(_parse_section(data, "sources", project.name, lambda n: parse_source(n, files)))
    domain.exposures.update(
        _parse_section(data, "exposures", project.name, lambda n: parse_exposure(n, files))
    )
    for unique_id, node in _owned(f.obj(data, "groups", required=False), project.name, "group"):
        try:
            group = parse_group(node, files)
        except f.Malformed as exc:
            raise f.Malformed(f"group {unique_id}: {exc}") from None
        domain.groups[group.name] = group
    return domain
