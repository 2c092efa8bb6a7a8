"""One project's manifest (+ optional run results and freshness) -> one `Domain`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import msgspec

from governance.errors import MeshError
from governance.loader import fields as f
from governance.loader import schema
from governance.loader.artifacts import (
    check_manifest_schema,
    decode,
    decoded,
    display,
    read_bytes,
    sections_of,
)
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
from governance.settings import Settings

T = TypeVar("T")
E = TypeVar("E", bound=schema.Entry)

_SECTION_ENTRY = {"model": "node", "test": "node"}  # how errors name an entry of each type

_MANIFEST = msgspec.json.Decoder(schema.Manifest)
_MODEL = msgspec.json.Decoder(schema.ModelNode)
_TEST = msgspec.json.Decoder(schema.TestNode)
_SOURCE = msgspec.json.Decoder(schema.SourceEntry)
_EXPOSURE = msgspec.json.Decoder(schema.ExposureEntry)
_GROUP = msgspec.json.Decoder(schema.GroupEntry)


@dataclass(frozen=True)
class ArtifactPaths:
    manifest: Path
    run_results: Path
    sources: Path

    @classmethod
    def of_target(cls, folder: Path) -> ArtifactPaths:
        return cls(folder / "manifest.json", folder / "run_results.json", folder / "sources.json")


def load_project(
    project: DbtProject, paths: ArtifactPaths, settings: Settings, lines: YamlLines, hint: str
) -> Domain:
    root = settings.root
    shown = display(paths.manifest, root)
    if not paths.manifest.is_file():
        raise MeshError(f"{shown}: manifest of {project.name!r} not found; {hint}")
    relative = display(project.path, root)
    files = ProjectFiles(
        project.name,
        str(project.path),
        "" if relative == "." else relative,
        project.is_hub,
        lines,
        settings.layer_placer(),
        settings.is_product,
    )
    try:
        domain = _domain(_read(paths.manifest, shown, hint), project, files)
    except f.Malformed as exc:
        raise MeshError(f"{shown}: {exc}; {hint}") from None
    if paths.run_results.is_file():
        apply_run_results(paths.run_results, root, domain.tests, hint)
    if paths.sources.is_file():
        apply_freshness(paths.sources, root, domain.sources, hint)
    return domain


def _read(path: Path, shown: str, hint: str) -> schema.Manifest:
    content = read_bytes(path, shown, hint)
    try:
        manifest = decode(_MANIFEST, content)
    except f.Malformed:
        # Say first if it is not JSON, or not a dbt 1.11 manifest: then the fix is to rebuild it.
        check_manifest_schema(
            decoded(sections_of(content, shown, hint), "metadata").get("metadata"), shown, hint
        )
        raise
    check_manifest_schema(manifest.metadata, shown, hint)
    return manifest


def _of_project(entries: dict[str, msgspec.Raw], project: str) -> dict[str, dict[str, msgspec.Raw]]:
    """The entries that belong to `project`, by type (`model`, `test`, ...), still undecoded.

    dbt names every resource `<type>.<package>.<name>...`, so other entries are skipped without
    decoding them: other packages' nodes (the upstream nodes dbt-loom copies in, most of the hub's
    manifest) and types the mesh does not model (seeds, snapshots...).
    """
    infix = f".{project}."
    by_type: dict[str, dict[str, msgspec.Raw]] = {}
    for unique_id, raw in entries.items():
        kind, dot, _ = unique_id.partition(infix)
        if dot and "." not in kind:
            by_type.setdefault(kind, {})[unique_id] = raw
    return by_type


def _owned(
    entries: dict[str, msgspec.Raw],
    kind: str,
    project: str,
    decoder: msgspec.json.Decoder[E],
    parse: Callable[[E], T],
) -> dict[str, T]:
    """`entries` (all of type `kind`, named for `project`) decoded and parsed, if `project` owns them."""
    parsed: dict[str, T] = {}
    for unique_id, raw in entries.items():
        try:
            entry = decode(decoder, raw)
            if entry.package_name == project:
                parsed[unique_id] = parse(entry)
        except f.Malformed as exc:
            raise f.Malformed(f"{_SECTION_ENTRY.get(kind, kind)} {unique_id}: {exc}") from None
    return parsed


def _domain(manifest: schema.Manifest, project: DbtProject, files: ProjectFiles) -> Domain:
    metadata = manifest.metadata  # an object: its schema version was checked
    name = f.text(metadata, "project_name")
    if name != project.name:
        raise f.Malformed(f"manifest is for project {name!r}, not {project.name!r}")
    own = project.name
    nodes = _of_project(manifest.nodes, own)
    named = {  # sources, exposures and groups of this project
        kind: _of_project(section or {}, own).get(kind, {})
        for kind, section in (
            ("source", manifest.sources),
            ("exposure", manifest.exposures),
            ("group", manifest.groups),
        )
    }
    groups = _owned(named["group"], "group", own, _GROUP, lambda g: parse_group(g, files))
    return Domain(
        name=own,
        path=files.relative or ".",
        platform=project.platform,
        is_hub=project.is_hub,
        upstream=project.upstream,
        dbt_version=f.text(metadata, "dbt_version"),
        models=_owned(nodes.get("model", {}), "model", own, _MODEL, lambda m: parse_model(m, files)),
        sources=_owned(named["source"], "source", own, _SOURCE, lambda s: parse_source(s, files)),
        exposures=_owned(named["exposure"], "exposure", own, _EXPOSURE, lambda e: parse_exposure(e, files)),
        groups={group.name: group for group in groups.values()},
        tests=_owned(nodes.get("test", {}), "test", own, _TEST, lambda t: parse_test(t, files)),
    )
