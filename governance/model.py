"""The mesh as one typed model: domains, models, data products, sources, exposures, tests.

Light, typed objects filled by `governance.loader` from each project's dbt artifacts (no dbt-core
import at runtime). Rules, the Unity Catalog sync, the Iceberg publisher and lineage all read this model.
Parent/child indexes are built once by the loader (`MeshModel.children`, `MeshModel.parents`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

import msgspec


class Platform(StrEnum):
    """Where a domain runs in production."""

    DATABRICKS = "databricks"
    EXTERNAL = "external"  # opted out of Databricks: products published to the Iceberg catalog


class Access(StrEnum):
    PRIVATE = "private"
    PROTECTED = "protected"
    PUBLIC = "public"


class Layer(StrEnum):
    """Medallion layer, equal to the schema a model builds into."""

    BRONZE = "bronze"
    SILVER = "silver"
    GOLD = "gold"
    HUB = "hub"  # the hub project's analyst-facing marts
    UNKNOWN = "unknown"


ACCESS_RANK = {Access.PRIVATE: 0, Access.PROTECTED: 1, Access.PUBLIC: 2}


def names(value: Any) -> list[str]:
    """A meta value that should be a list of names, as strings (a lone string counts as one)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, Iterable) and not isinstance(value, Mapping):
        return [str(v) for v in value if v is not None]
    return [str(value)]


class YamlEntry(Protocol):
    """A resource's entry in a YAML file, whose line (or one of its columns') is looked up on demand."""

    @property
    def path(self) -> str:
        """The file, repository-relative."""
        ...

    def line(self, column: str | None = None) -> int | None:
        """1-based line of the entry (or of its column `column`), or None when not found."""
        ...


@dataclass(frozen=True, slots=True)
class Location:
    """Where a user fixes something: a repository-relative file and, when known, a 1-based line.

    The loader makes YAML locations `deferred`: the line is looked up when first read. A large mesh has
    100,000 columns, and only the few with a finding are ever read.
    """

    path: str
    line: int | None = None
    _entry: YamlEntry | None = field(default=None, init=False, repr=False, compare=False)
    _column: str | None = field(default=None, init=False, repr=False, compare=False)

    @classmethod
    def deferred(cls, entry: YamlEntry, column: str | None = None) -> Location:
        """The location of `entry` (or of its column `column`), its line found on first read."""
        location = cls.__new__(cls)
        object.__setattr__(location, "path", entry.path)
        object.__setattr__(location, "_entry", entry)
        object.__setattr__(location, "_column", column)
        return location  # `line` stays unset until read: see __getattr__

    if not TYPE_CHECKING:  # hidden from mypy so that misspelt attributes stay type errors

        def __getattr__(self, name: str) -> Any:
            # Python calls this only for an unset slot: `line` of a deferred location, read the first time.
            if name != "line" or self._entry is None:
                raise AttributeError(name)
            line = self._entry.line(self._column)
            object.__setattr__(self, "line", line)
            object.__setattr__(self, "_entry", None)
            return line

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, slots=True)
class Ref:
    """One `ref()` as written: `package` is set for cross-project refs, `version` when pinned."""

    name: str
    package: str | None = None
    version: str | None = None


class ColumnConstraint(msgspec.Struct, frozen=True):
    type: str  # primary_key, not_null, unique, foreign_key, check


class Column(msgspec.Struct):
    """A column as dbt's manifest declares it; the loader decodes manifest JSON straight into it.

    A large mesh has 100,000 columns, so there is no per-column Python work at load: the fields are
    dbt's own, and its line in the yml is found through the owning model (`Model.column_location`).
    dbt 1.10+ also writes `config: {meta, tags}` per column, equal to the top-level `meta` and `tags`
    (it merges both spellings into each, `dbt/parser/common.py`), so `config` is not read.
    """

    name: str
    data_type: str | None = None
    description: str = ""
    meta: dict[str, Any] = {}
    tags: tuple[str, ...] = ()
    constraints: tuple[ColumnConstraint, ...] = ()

    @property
    def constraint_types(self) -> tuple[str, ...]:
        return tuple(c.type for c in self.constraints)

    @property
    def is_primary_key(self) -> bool:
        return any(c.type == "primary_key" for c in self.constraints) if self.constraints else False

    @property
    def classification(self) -> str | None:
        value = self.meta.get("classification")
        return str(value) if value is not None else None

    @property
    def is_pii(self) -> bool:
        return bool(self.meta.get("pii", False))

    @property
    def is_masked(self) -> bool:
        return bool(self.meta.get("masked", False))


@dataclass(slots=True)
class TestResult:
    status: str  # pass | fail | warn | error | skipped
    failures: int | None = None
    executed_at: datetime | None = None


@dataclass(slots=True)
class DataTest:
    """A data test attached to a model or source (generic or singular)."""

    unique_id: str
    project: str
    name: str  # generic test name (unique, not_null, relationships, ...) or a singular test's file name
    attached_node: str | None  # unique_id of the tested model/source
    column_name: str | None
    kwargs: Mapping[str, Any] = field(default_factory=dict)
    depends_on: tuple[str, ...] = ()
    result: TestResult | None = None


@dataclass(slots=True)
class Model:
    unique_id: str  # model.<project>.<name>[.v<version>]
    project: str
    name: str
    version: str | None
    latest_version: str | None
    deprecation_date: datetime | None
    access: Access
    group: str | None
    layer: Layer
    description: str
    columns: dict[str, Column]
    contract_enforced: bool
    materialized: str
    database: str | None
    schema: str
    alias: str
    tags: tuple[str, ...]
    meta: Mapping[str, Any]
    grants: Mapping[str, tuple[str, ...]]  # privilege -> grantees, from dbt `grants`
    constraints: tuple[Mapping[str, Any], ...]  # model-level constraints
    depends_on: tuple[str, ...]  # unique_ids, including other projects' models
    sql_path: Location  # the .sql file
    yml_entry: YamlEntry | None = None  # its entry in the .yml patch where it is described
    raw_code: str = ""
    fqn: tuple[str, ...] = ()
    refs: tuple[Ref, ...] = ()
    product: bool | None = None  # set by the loader from mesh.yml `products:`
    # dbt `tblproperties` as parsed (dbt-databricks: the Delta table's properties); None when the manifest
    # was parsed for an engine without them (the DuckDB and Spark targets render `none`)
    tblproperties: Mapping[str, str] | None = None

    @property
    def is_product(self) -> bool:
        """A data product, as mesh.yml `products:` defines it (default: a domain's public model)."""
        if self.product is not None:
            return self.product
        return self.access is Access.PUBLIC and self.layer is not Layer.HUB

    @property
    def relation(self) -> str:
        """catalog.schema.table, the same on every engine."""
        return f"{self.database or self.project}.{self.schema}.{self.alias}"

    @property
    def display_name(self) -> str:
        """`<project>.<name>[.v<version>]`: a product's identity (two projects may publish one name)."""
        return f"{self.project}.{self.name}" + (f".v{self.version}" if self.version else "")

    @property
    def shared_as(self) -> str:
        """`<domain>.<table>`, the alias a Delta Sharing share gives it (the Unity sync, `_alias`):
        unique in a share where two domains' products have the same name."""
        return f"{self.domain}.{self.alias}".lower()

    @property
    def yml_path(self) -> Location | None:
        """The model's entry in its .yml, its line looked up when read."""
        return Location.deferred(self.yml_entry) if self.yml_entry is not None else None

    def column_location(self, column: str) -> Location | None:
        """The column's `- name:` line in the model's yml, or None without one."""
        return Location.deferred(self.yml_entry, column) if self.yml_entry is not None else None

    @property
    def primary_key(self) -> list[str]:
        cols = [c.name for c in self.columns.values() if c.is_primary_key]
        for constraint in self.constraints:
            if constraint.get("type") == "primary_key":
                cols.extend(str(c) for c in constraint.get("columns") or [])
        return cols

    @property
    def domain(self) -> str:
        return str(self.meta.get("domain", self.project))

    @property
    def principal(self) -> str | None:
        """The principal that owns the model in every catalog (Unity table owner, Trino OWNERSHIP,
        Iceberg `owner`): `meta.owner`, else its dbt group. See `Owner`."""
        owner = self.meta.get("owner")
        if owner is not None and owner != "":
            return str(owner)
        return self.group

    @property
    def pii_in_clear(self) -> list[str]:
        """Columns with personal data in clear (`pii: true`, not `masked`): hidden from uncleared readers."""
        return [c.name for c in self.columns.values() if c.is_pii and not c.is_masked]

    @property
    def pii_cleared_groups(self) -> list[str]:
        """Groups cleared to read the PII columns unmasked (`meta.pii_cleared_groups`; a lone name is one)."""
        return names(self.meta.get("pii_cleared_groups"))

    @property
    def classification(self) -> str | None:
        value = self.meta.get("classification")
        return str(value) if value is not None else None

    @property
    def fix_location(self) -> Location:
        return self.yml_path or self.sql_path


@dataclass(frozen=True, slots=True)
class Owner:
    """Who owns a model, the one definition every part of the mesh reads (`MeshModel.owner`).

    - `group`: the dbt group the model belongs to (`group:` / `+group:`);
    - `contact`: whom to ask (findings, lineage, catalog site): the group's owner e-mail, else its
      owner name, else `meta.owner`, else the contact of the domain's own group;
    - `principal`: who owns it in catalogs (`Model.principal`): `meta.owner`, else the group;
    - `team`, `email`: the group's owner name and e-mail as groups.yml declares them (None without).
    """

    group: str | None
    contact: str | None
    principal: str | None
    team: str | None = None
    email: str | None = None

    @property
    def contact_email(self) -> str | None:
        """The contact when it is an e-mail address (a `mailto:` link), else None."""
        return self.contact if self.contact and "@" in self.contact else None


@dataclass(slots=True)
class Freshness:
    warn_after: str | None  # e.g. "12 hour"
    error_after: str | None
    loaded_at_field: str | None
    status: str | None = None  # from sources.json: pass | warn | error | runtime error
    max_loaded_at: datetime | None = None


@dataclass(slots=True)
class Source:
    unique_id: str  # source.<project>.<source_name>.<name>
    project: str
    source_name: str
    name: str
    description: str
    loader: str
    freshness: Freshness | None
    columns: dict[str, Column]
    meta: Mapping[str, Any]
    relation: str
    yml_entry: YamlEntry  # the source table's entry in its .yml

    @property
    def location(self) -> Location:
        return Location.deferred(self.yml_entry)

    def column_location(self, column: str) -> Location:
        return Location.deferred(self.yml_entry, column)


@dataclass(slots=True)
class Exposure:
    unique_id: str
    project: str
    name: str
    type: str
    owner_name: str | None
    owner_email: str | None
    depends_on: tuple[str, ...]
    location: Location
    maturity: str | None = None
    url: str | None = None
    refs: tuple[Ref, ...] = ()


@dataclass(slots=True)
class Group:
    name: str
    project: str
    owner_name: str | None
    owner_email: str | None
    location: Location


@dataclass(slots=True)
class Domain:
    """One dbt project of the mesh (a domain, or the hub) and everything its manifest declares."""

    name: str
    path: str  # repository-relative folder
    platform: Platform
    is_hub: bool
    upstream: tuple[str, ...]  # from its dbt-loom config (or dependencies.yml)
    dbt_version: str
    models: dict[str, Model] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    exposures: dict[str, Exposure] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    tests: dict[str, DataTest] = field(default_factory=dict)

    @property
    def products(self) -> list[Model]:
        return [m for m in self.models.values() if m.is_product]


@dataclass(slots=True, weakref_slot=True)  # weakref: the loader unfreezes the GC when it is dropped
class MeshModel:
    """Every project of the mesh with cross-project indexes built once."""

    root: str
    domains: dict[str, Domain]
    nodes: dict[str, Model | Source | Exposure] = field(default_factory=dict)
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)
    children: dict[str, list[str]] = field(default_factory=dict)
    tests_by_node: dict[str, list[DataTest]] = field(default_factory=dict)
    _products: list[Model] | None = field(default=None, init=False, repr=False, compare=False)

    def models(self) -> Iterator[Model]:
        for domain in self.domains.values():
            yield from domain.models.values()

    def products(self) -> Iterator[Model]:
        """Every domain's products, listed on the first call: most rules ask, and a loaded mesh is not
        edited (a mesh being put together by hand is asked only once it is whole)."""
        if self._products is None:
            self._products = [model for domain in self.domains.values() for model in domain.products]
        return iter(self._products)

    def exposures(self) -> Iterator[Exposure]:
        for domain in self.domains.values():
            yield from domain.exposures.values()

    def sources(self) -> Iterator[Source]:
        for domain in self.domains.values():
            yield from domain.sources.values()

    def model(self, unique_id: str) -> Model | None:
        node = self.nodes.get(unique_id)
        return node if isinstance(node, Model) else None

    def owner(self, model: Model) -> Owner:
        """The model's owner: group, contact and principal, as `Owner` defines them. The one place a
        model's owner is resolved: the site, contracts, checks, lineage and every adapter read it."""
        group = self.domains[model.project].groups.get(model.group) if model.group else None
        contact = (group.owner_email or group.owner_name) if group else None
        if not contact:
            meta_owner = model.meta.get("owner")
            contact = str(meta_owner) if meta_owner else self.domain_contact(model.project)
        team, email = (group.owner_name, group.owner_email) if group else (None, None)
        return Owner(model.group, contact, model.principal, team, email)

    def domain_contact(self, project: str) -> str | None:
        """The contact of a domain's own group (named like the project, else its only group)."""
        domain = self.domains.get(project)
        if domain is None:
            return None
        groups = domain.groups
        group = groups.get(project) or (next(iter(groups.values())) if len(groups) == 1 else None)
        return (group.owner_email or group.owner_name) if group else None

    def consumers(self, unique_id: str) -> list[Model | Exposure]:
        """Direct consumers of a node in any project (models and exposures; tests excluded)."""
        found: list[Model | Exposure] = []
        for child in self.children.get(unique_id, []):
            node = self.nodes.get(child)
            if isinstance(node, Model | Exposure):
                found.append(node)
        return found

    def downstream(self, unique_id: str) -> list[Model | Exposure]:
        """Every transitive consumer of a node, across projects, in discovery order."""
        seen: set[str] = set()
        order: list[Model | Exposure] = []
        frontier = [unique_id]
        while frontier:
            current = frontier.pop()
            for node in self.consumers(current):
                if node.unique_id not in seen:
                    seen.add(node.unique_id)
                    order.append(node)
                    frontier.append(node.unique_id)
        return order
