"""One decoded manifest entry (`schema`) -> one object of `governance.model`, with its file and line."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from governance.loader import schema as s
from governance.loader.fields import Malformed, iso_timestamp
from governance.loader.yaml_lines import Key, YamlLines
from governance.model import (
    Access,
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


@dataclass(slots=True)  # not frozen: a frozen dataclass's __init__ costs 2x, and there are 15,000 per mesh
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
    place_layer: Callable[[str, tuple[str, ...]], Layer]  # (schema, folders) -> layer, per mesh.yml
    is_product: Callable[[Access, Layer, bool], bool]  # (access, layer, is_hub), per mesh.yml

    def shown(self, file: str) -> str:
        return f"{self.relative}/{file}" if self.relative else file

    def location(self, file: str) -> Location:
        """A whole file (the SQL of a model), without a line."""
        return Location(self.shown(file))

    def entry(self, file: str, keys: Key, fallback: Key | None = None) -> PropertyEntry:
        return PropertyEntry(self.shown(file), f"{self.folder}/{file}", self.lines, keys, fallback)


def _meta(entry: s.SourceEntry | s.ModelNode) -> dict[str, Any]:
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
    return value if value is None or type(value) is str else str(value)


def _refs(refs: list[s.RefEntry] | None) -> tuple[Ref, ...]:
    return tuple([Ref(r.name, _text(r.package), _text(r.version)) for r in refs]) if refs else ()


def _depends_on(depends_on: s.DependsOn | None) -> tuple[str, ...]:
    return (depends_on.nodes or ()) if depends_on is not None else ()


def _patch_file(patch: str | None, project: str) -> str | None:
    if not patch:
        return None
    prefix = f"{project}://"
    return patch[len(prefix) :] if patch.startswith(prefix) else patch.split("://", 1)[-1]


def layer_of(files: ProjectFiles, schema: str, fqn: tuple[str, ...]) -> Layer:
    """The hub's layer, else the layer mesh.yml `layers:` places the schema or the folders in."""
    if files.is_hub:
        return Layer.HUB
    return files.place_layer(schema, fqn[1:-1])  # fqn: project, folders..., name


ACCESS = {access.value: access for access in Access}


def parse_model(node: s.ModelNode, files: ProjectFiles) -> Model:
    # Called for every model of the mesh: columns come decoded as `Column`s (no per-column work),
    # and the arguments are positional, in `Model`'s field order.
    config, name = node.config, node.name
    version = _text(node.version)
    patch = _patch_file(_text(node.patch_path), files.name)
    yml = None
    if patch and version:  # a version's entry, else the base model's
        yml = files.entry(patch, ("models", name, f"v{version}"), fallback=("models", name))
    elif patch:
        yml = files.entry(patch, ("models", name))
    access = ACCESS.get(node.access or "protected")
    if access is None:
        raise Malformed(f"`access` is {node.access!r}, not private/protected/public")
    contract, grants = config.contract, config.grants
    fqn = node.fqn or ()
    layer = layer_of(files, node.schema, fqn)
    return Model(
        node.unique_id,
        files.name,
        name,
        version,
        _text(node.latest_version),
        (
            iso_timestamp(node.deprecation_date, "deprecation_date")
            if node.deprecation_date is not None
            else None
        ),
        access,
        _text(node.group),
        layer,
        node.description or "",
        node.columns or {},
        bool(contract and contract.enforced),
        config.materialized or "",
        _text(node.database),
        node.schema,
        node.alias or name,
        node.tags or (),
        _meta(node),
        {k: (v,) if isinstance(v, str) else v for k, v in grants.items()} if grants else {},
        node.constraints or (),
        _depends_on(node.depends_on),
        files.location(node.original_file_path),
        yml,
        node.raw_code or "",
        fqn,
        _refs(node.refs),
        files.is_product(access, layer, files.is_hub),
        _tblproperties(config.tblproperties),
    )


def _tblproperties(value: Any) -> dict[str, str] | None:
    """`config.tblproperties` as text (YAML `false` reads 'false', as Databricks stores it)."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise Malformed("`tblproperties` must be an object of table properties")
    return {str(k): (str(v).lower() if isinstance(v, bool) else str(v)) for k, v in value.items()}


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
        columns=node.columns or {},
        meta=_meta(node),
        relation=node.relation_name or "",
        yml_entry=yml,
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
