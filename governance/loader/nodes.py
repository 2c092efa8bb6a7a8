"""One manifest entry -> one typed object of `governance.model`, with the file and line to fix."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.loader import fields as f
from governance.loader.fields import Malformed
from governance.loader.yaml_lines import YamlLines
from governance.model import (
    Access,
    Column,
    DataTest,
    Exposure,
    Freshness,
    Group,
    Layer,
    Location,
    Model,
    Ref,
    Source,
)

LAYERS = {layer.value: layer for layer in (Layer.BRONZE, Layer.SILVER, Layer.GOLD)}


@dataclass(frozen=True)
class ProjectFiles:
    """Where one project's files are: absolute folder, repository-relative folder, shared YAML index."""

    name: str
    folder: Path
    relative: str  # "" for the hub at the repository root
    is_hub: bool
    lines: YamlLines

    def location(self, file: str, *keys: str) -> Location:
        path = f"{self.relative}/{file}" if self.relative else file
        line = self.lines.line(self.folder / file, *keys) if keys else None
        return Location(path, line)


def _meta(node: dict[str, Any]) -> dict[str, Any]:
    config = f.obj(node, "config", required=False)
    meta = config.get("meta")
    return meta if isinstance(meta, dict) else f.obj(node, "meta", required=False)


def _refs(node: dict[str, Any]) -> tuple[Ref, ...]:
    return tuple(
        Ref(f.text(r, "name"), f.optional_text(r, "package"), f.optional_text(r, "version"))
        for r in f.objects(node, "refs")
    )


def _depends_on(node: dict[str, Any]) -> tuple[str, ...]:
    return f.strings(f.obj(node, "depends_on", required=False), "nodes")


def _columns(raw: dict[str, Any], files: ProjectFiles, file: str | None, *keys: str) -> dict[str, Column]:
    columns: dict[str, Column] = {}
    for key, col in raw.items():
        if not isinstance(col, dict):
            raise Malformed(f"column `{key}` must be an object")
        name = f.text(col, "name")
        location = None
        if file:
            location = files.location(file, *keys, name)
            if location.line is None and len(keys) > 2:  # versioned: columns usually sit on the base model
                location = files.location(file, *keys[:2], name)
        columns[name] = Column(
            name=name,
            data_type=f.optional_text(col, "data_type"),
            description=f.text(col, "description", required=False),
            meta=_meta(col),
            tags=f.strings(col, "tags"),
            constraints=tuple(f.text(c, "type") for c in f.objects(col, "constraints")),
            location=location,
        )
    return columns


def _patch_file(node: dict[str, Any], project: str) -> str | None:
    patch = f.optional_text(node, "patch_path")
    if not patch:
        return None
    prefix = f"{project}://"
    return patch[len(prefix) :] if patch.startswith(prefix) else patch.split("://", 1)[-1]


def layer_of(files: ProjectFiles, schema: str) -> Layer:
    if files.is_hub:
        return Layer.HUB
    return LAYERS.get(schema.lower(), Layer.UNKNOWN)


def parse_model(node: dict[str, Any], files: ProjectFiles) -> Model:
    config = f.obj(node, "config")
    name = f.text(node, "name")
    version = f.optional_text(node, "version")
    schema = f.text(node, "schema")
    patch = _patch_file(node, files.name)
    keys = ("models", name, f"v{version}") if version else ("models", name)
    yml = None
    if patch:
        yml = files.location(patch, *keys)
        if yml.line is None and version:
            yml = files.location(patch, "models", name)
    access_raw = f.text(node, "access", required=False) or "protected"
    try:
        access = Access(access_raw)
    except ValueError:
        raise Malformed(f"`access` is {access_raw!r}, not private/protected/public") from None
    grants = f.obj(config, "grants", required=False)
    return Model(
        unique_id=f.text(node, "unique_id"),
        project=files.name,
        name=name,
        version=version,
        latest_version=f.optional_text(node, "latest_version"),
        deprecation_date=f.timestamp(node, "deprecation_date"),
        access=access,
        group=f.optional_text(node, "group"),
        layer=layer_of(files, schema),
        description=f.text(node, "description", required=False),
        columns=_columns(f.obj(node, "columns", required=False), files, patch, *keys),
        contract_enforced=f.flag(f.obj(config, "contract", required=False), "enforced"),
        materialized=f.text(config, "materialized", required=False),
        database=f.optional_text(node, "database"),
        schema=schema,
        alias=f.text(node, "alias", required=False) or name,
        tags=f.strings(node, "tags"),
        meta=_meta(node),
        grants={str(k): _grantees(v, k) for k, v in grants.items()},
        constraints=tuple(f.objects(node, "constraints")),
        depends_on=_depends_on(node),
        sql_path=files.location(f.text(node, "original_file_path")),
        yml_path=yml,
        raw_code=f.text(node, "raw_code", required=False),
        fqn=f.strings(node, "fqn"),
        refs=_refs(node),
    )


def _grantees(value: Any, privilege: str) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise Malformed(f"grant `{privilege}` must list grantee names")


def _period(threshold: dict[str, Any]) -> str | None:
    count, period = threshold.get("count"), threshold.get("period")
    return f"{count} {period}" if count is not None and period else None


def parse_source(node: dict[str, Any], files: ProjectFiles) -> Source:
    source_name, name = f.text(node, "source_name"), f.text(node, "name")
    file = f.text(node, "original_file_path")
    freshness_raw = f.obj(node, "freshness", required=False)
    loaded_at = f.optional_text(node, "loaded_at_field")
    warn = _period(f.obj(freshness_raw, "warn_after", required=False))
    error = _period(f.obj(freshness_raw, "error_after", required=False))
    freshness = Freshness(warn, error, loaded_at) if (warn or error or loaded_at) else None
    return Source(
        unique_id=f.text(node, "unique_id"),
        project=files.name,
        source_name=source_name,
        name=name,
        description=f.text(node, "description", required=False),
        loader=f.text(node, "loader", required=False),
        freshness=freshness,
        columns=_columns(f.obj(node, "columns", required=False), files, file, "sources", source_name, name),
        meta=_meta(node),
        relation=f.text(node, "relation_name", required=False),
        location=files.location(file, "sources", source_name, name),
    )


def parse_exposure(node: dict[str, Any], files: ProjectFiles) -> Exposure:
    owner = f.obj(node, "owner", required=False)
    name = f.text(node, "name")
    return Exposure(
        unique_id=f.text(node, "unique_id"),
        project=files.name,
        name=name,
        type=f.text(node, "type", required=False),
        owner_name=f.optional_text(owner, "name"),
        owner_email=f.optional_text(owner, "email"),
        depends_on=_depends_on(node),
        location=files.location(f.text(node, "original_file_path"), "exposures", name),
        maturity=f.optional_text(node, "maturity"),
        url=f.optional_text(node, "url"),
        refs=_refs(node),
    )


def parse_group(node: dict[str, Any], files: ProjectFiles) -> Group:
    owner = f.obj(node, "owner", required=False)
    name = f.text(node, "name")
    return Group(
        name=name,
        project=files.name,
        owner_name=f.optional_text(owner, "name"),
        owner_email=f.optional_text(owner, "email"),
        location=files.location(f.text(node, "original_file_path"), "groups", name),
    )


def parse_test(node: dict[str, Any], files: ProjectFiles) -> DataTest:
    metadata = f.obj(node, "test_metadata", required=False)
    return DataTest(
        unique_id=f.text(node, "unique_id"),
        project=files.name,
        name=f.text(metadata, "name") if metadata else f.text(node, "name"),
        attached_node=f.optional_text(node, "attached_node"),
        column_name=f.optional_text(node, "column_name"),
        kwargs=f.obj(metadata, "kwargs", required=False),
        depends_on=_depends_on(node),
    )
