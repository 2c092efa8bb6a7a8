"""One decoded manifest entry (`schema`) -> one object of `governance.model`, with its file and line."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from governance.loader import schema as s
from governance.loader.fields import Malformed, iso_timestamp
from governance.loader.yaml_lines import Key, YamlLines
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


@dataclass(frozen=True, slots=True)
class PropertyEntry:
    """A resource's entry in a dbt property file; its line, or a column's, is looked up when asked."""

    path: str  # as shown to the user
    absolute: str
    lines: YamlLines
    keys: Key  # ("models", "dim_customers", "v2")
    fallback: Key | None = None  # a versioned model's base entry: ("models", "dim_customers")

    def line(self, column: str | None = None) -> int | None:
        if column is None:
            candidates = (self.keys, self.fallback) if self.fallback else (self.keys,)
        elif len(self.keys) > 2:  # a version's columns usually sit on its base model, two keys up
            candidates = ((*self.keys, column), (*self.keys[:2], column))
        else:
            candidates = ((*self.keys, column),)
        return self.lines.line(self.absolute, candidates)

    def location(self) -> Location:
        return Location.deferred(self)


@dataclass(frozen=True)
class ProjectFiles:
    """Where one project's files are: absolute folder, repository-relative folder, shared YAML index."""

    name: str
    folder: str  # absolute
    relative: str  # "" for the hub at the repository root
    is_hub: bool
    lines: YamlLines

    def shown(self, file: str) -> str:
        return f"{self.relative}/{file}" if self.relative else file

    def location(self, file: str) -> Location:
        """A whole file (the SQL of a model), without a line."""
        return Location(self.shown(file))

    def entry(self, file: str, keys: Key, fallback: Key | None = None) -> PropertyEntry:
        return PropertyEntry(self.shown(file), os.path.join(self.folder, file), self.lines, keys, fallback)


def _meta(entry: s.ColumnEntry | s.SourceEntry | s.ModelNode) -> dict[str, Any]:
    """`config.meta` (dbt 1.10+), else the top-level `meta` of older property files."""
    config = entry.config
    if config is not None and isinstance(config.meta, dict):
        return config.meta
    if entry.meta is None:
        return {}
    if not isinstance(entry.meta, dict):
        raise Malformed("`meta` must be an object")
    return entry.meta


def _text(value: s.Text | None) -> str | None:
    return None if value is None else str(value)


def _refs(refs: list[s.RefEntry] | None) -> tuple[Ref, ...]:
    return tuple(Ref(r.name, _text(r.package), _text(r.version)) for r in refs or ())


def _depends_on(depends_on: s.DependsOn | None) -> tuple[str, ...]:
    return (depends_on.nodes or ()) if depends_on is not None else ()


def _columns(entries: dict[str, s.ColumnEntry] | None, yml: PropertyEntry | None) -> dict[str, Column]:
    # The hottest loop of the loader (ten columns a model): positional arguments in Column's field
    # order (name, data_type, description, meta, tags, constraints, yml_entry), few helper calls.
    columns: dict[str, Column] = {}
    for entry in (entries or {}).values():
        constraints, data_type = entry.constraints, entry.data_type
        columns[entry.name] = Column(
            entry.name,
            data_type if data_type is None or type(data_type) is str else str(data_type),
            entry.description or "",
            _meta(entry),
            entry.tags or (),
            tuple([c.type for c in constraints]) if constraints else (),
            yml,
        )
    return columns


def _patch_file(patch: str | None, project: str) -> str | None:
    if not patch:
        return None
    prefix = f"{project}://"
    return patch[len(prefix) :] if patch.startswith(prefix) else patch.split("://", 1)[-1]


def layer_of(files: ProjectFiles, schema: str) -> Layer:
    if files.is_hub:
        return Layer.HUB
    return LAYERS.get(schema.lower(), Layer.UNKNOWN)


def parse_model(node: s.ModelNode, files: ProjectFiles) -> Model:
    config, name = node.config, node.name
    version = _text(node.version)
    patch = _patch_file(_text(node.patch_path), files.name)
    yml = None
    if patch and version:  # a version's entry, else the base model's
        yml = files.entry(patch, ("models", name, f"v{version}"), fallback=("models", name))
    elif patch:
        yml = files.entry(patch, ("models", name))
    access_raw = node.access or "protected"
    try:
        access = Access(access_raw)
    except ValueError:
        raise Malformed(f"`access` is {access_raw!r}, not private/protected/public") from None
    return Model(
        unique_id=node.unique_id,
        project=files.name,
        name=name,
        version=version,
        latest_version=_text(node.latest_version),
        deprecation_date=(
            iso_timestamp(node.deprecation_date, "deprecation_date")
            if node.deprecation_date is not None
            else None
        ),
        access=access,
        group=_text(node.group),
        layer=layer_of(files, node.schema),
        description=node.description or "",
        columns=_columns(node.columns, yml),
        contract_enforced=bool(config.contract and config.contract.enforced),
        materialized=config.materialized or "",
        database=_text(node.database),
        schema=node.schema,
        alias=node.alias or name,
        tags=node.tags or (),
        meta=_meta(node),
        grants={k: (v,) if isinstance(v, str) else v for k, v in (config.grants or {}).items()},
        constraints=node.constraints or (),
        depends_on=_depends_on(node.depends_on),
        sql_path=files.location(node.original_file_path),
        yml_path=yml.location() if yml else None,
        raw_code=node.raw_code or "",
        fqn=node.fqn or (),
        refs=_refs(node.refs),
    )


def _period(threshold: s.Period | None) -> str | None:
    if threshold is None:
        return None
    count, period = threshold.count, threshold.period
    return f"{count} {period}" if count is not None and period else None


def parse_source(node: s.SourceEntry, files: ProjectFiles) -> Source:
    source_name, name, file = node.source_name, node.name, node.original_file_path
    yml = files.entry(file, ("sources", source_name, name))
    loaded_at = _text(node.loaded_at_field)
    warn = _period(node.freshness.warn_after) if node.freshness else None
    error = _period(node.freshness.error_after) if node.freshness else None
    freshness = Freshness(warn, error, loaded_at) if (warn or error or loaded_at) else None
    return Source(
        unique_id=node.unique_id,
        project=files.name,
        source_name=source_name,
        name=name,
        description=node.description or "",
        loader=node.loader or "",
        freshness=freshness,
        columns=_columns(node.columns, yml if file else None),
        meta=_meta(node),
        relation=node.relation_name or "",
        location=yml.location(),
    )


def parse_exposure(node: s.ExposureEntry, files: ProjectFiles) -> Exposure:
    owner = node.owner or s.Owner()
    return Exposure(
        unique_id=node.unique_id,
        project=files.name,
        name=node.name,
        type=node.type or "",
        owner_name=_text(owner.name),
        owner_email=_text(owner.email),
        depends_on=_depends_on(node.depends_on),
        location=files.entry(node.original_file_path, ("exposures", node.name)).location(),
        maturity=_text(node.maturity),
        url=_text(node.url),
        refs=_refs(node.refs),
    )


def parse_group(node: s.GroupEntry, files: ProjectFiles) -> Group:
    owner = node.owner or s.Owner()
    return Group(
        name=node.name,
        project=files.name,
        owner_name=_text(owner.name),
        owner_email=_text(owner.email),
        location=files.entry(node.original_file_path, ("groups", node.name)).location(),
    )


def parse_test(node: s.TestNode, files: ProjectFiles) -> DataTest:
    metadata = node.test_metadata
    if metadata is None and node.name is None:
        raise Malformed("`name` must be a string")
    return DataTest(
        unique_id=node.unique_id,
        project=files.name,
        name=metadata.name if metadata is not None else str(node.name),
        attached_node=_text(node.attached_node),
        column_name=_text(node.column_name),
        kwargs=(metadata.kwargs or {}) if metadata is not None else {},
        depends_on=_depends_on(node.depends_on),
    )
