"""What a consumer needs to know about one data product beyond its dbt node, read once for the catalog
site and the ODCS contracts alike: where it lives on each engine, who may read it, its SLA and its tests.

Engines name a product the same way the adapters do (the embedded engine by the catalog `mesh query`
attaches the project's DuckDB file as, from its profile (`governance.locations`); Databricks by
`Model.relation`, Trino as `governance.trino.names` does, Delta Sharing as `<share>.<domain>.<table>`,
the alias the Unity sync gives a shared table (`Model.shared_as`), so two domains' products of the same
name stay apart in one share). The Unity and Trino settings files come from the settings layer (mesh.yml
`files:`, else the package defaults) and are read once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from governance.locations import ProjectLocation, duckdb_catalog
from governance.model import DataTest, Domain, MeshModel, Model, Owner, names
from governance.project import Platform


@dataclass(frozen=True, slots=True)
class Surroundings:
    """The settings outside the dbt projects that say where products are served and who reads them."""

    trino_host: str
    trino_port: int
    consumer_group: str | None
    restricted_readers: Mapping[str, tuple[str, ...]]
    shares: Mapping[str, tuple[str, ...]]  # share -> recipients
    # project -> where its profile puts its data (governance.locations); empty: this repository's layout
    locations: Mapping[str, ProjectLocation] = field(default_factory=dict)

    @classmethod
    def load(cls, root: Path) -> Surroundings:
        from governance.errors import MeshError
        from governance.locations import project_locations
        from governance.project import Projects
        from governance.settings import load_settings
        from governance.trino.config import load_trino_settings
        from governance.unity.config import load_config

        settings = load_settings(root)
        try:
            locations = project_locations(Projects.discover(root, settings))
        except MeshError:
            locations = {}
        # The configured Trino (not the TRINO_* overrides of this shell): contracts must not depend
        # on who exports them, or the drift rule would flag every other machine's export.
        trino = load_trino_settings(settings.file("trino"), environment=False)
        unity = load_config(root, settings.file("unity"))
        return cls(
            trino_host=trino.host,
            trino_port=trino.port,
            consumer_group=unity.consumer_group,
            restricted_readers=dict(unity.restricted_readers),
            shares=dict(unity.shares),
            locations=locations,
        )


@dataclass(frozen=True, slots=True)
class Endpoint:
    """How to reach the product on one engine: `name` is exactly what goes after FROM."""

    engine: str  # duckdb | trino | databricks | delta_sharing
    label: str
    name: str
    note: str = ""


@dataclass(frozen=True, slots=True)
class Reader:
    principal: str
    access: str  # the privilege (select, ...) or "owner"
    source: str  # where the right comes from, for humans
    pii: bool  # reads PII columns unmasked


@dataclass(frozen=True, slots=True)
class ColumnTest:
    test: DataTest
    column: str | None

    @property
    def kind(self) -> str:
        return self.test.name


@dataclass(slots=True)
class ProductFacts:
    model: Model
    domain: Domain
    owner: Owner  # `MeshModel.owner`, what the site and the contract show
    endpoints: list[Endpoint] = field(default_factory=list)
    readers: list[Reader] = field(default_factory=list)
    tests: list[DataTest] = field(default_factory=list)

    @property
    def sla_hours(self) -> float | None:
        return freshness_sla_hours(self.model)

    def tests_on(self, column: str) -> list[DataTest]:
        return [t for t in self.tests if t.column_name == column]


def freshness_sla_hours(model: Model) -> float | None:
    """`meta.sla.freshness_hours` when it is a positive number (MESH030 flags anything else)."""
    sla = model.meta.get("sla")
    hours = sla.get("freshness_hours") if isinstance(sla, Mapping) else None
    if isinstance(hours, bool) or not isinstance(hours, int | float) or hours <= 0:
        return None
    return float(hours)


def shares_of(model: Model) -> list[str]:
    return names(model.meta.get("shares"))


def embedded_name(model: Model, domain: Domain, surroundings: Surroundings) -> str | None:
    """What goes after FROM in `mesh query`: the catalog it attaches the project's DuckDB file as (its
    profile's file, `governance.locations`), else `Model.relation`; None when its profile's default target
    is not DuckDB (an external domain is attached from its Iceberg tables under the relation's names)."""
    where = surroundings.locations.get(model.project)
    if domain.platform is Platform.EXTERNAL or where is None:
        return model.relation
    if where.duckdb_file is None:  # a DuckDB file named only at run time (an env_var without a default)
        return model.relation if where.engine == "duckdb" else None
    return f"{duckdb_catalog(where.duckdb_file)}.{model.schema}.{model.alias}"


def endpoints(model: Model, domain: Domain, surroundings: Surroundings) -> list[Endpoint]:
    embedded = embedded_name(model, domain, surroundings)
    found = [Endpoint("duckdb", "Embedded DuckDB (mesh query)", embedded)] if embedded else []
    if domain.platform is Platform.EXTERNAL:
        from governance.iceberg.naming import catalog_for, namespace_for, table_name_for

        try:
            name = f"{catalog_for(model)}.{namespace_for(model)}.{table_name_for(model)}"
        except Exception:  # a name Trino cannot address: MeshError from the naming rules
            name = ""
        if name:
            found.append(Endpoint("trino", "Trino (Iceberg catalog)", name, "published by `mesh publish`"))
    else:
        lowered = f"{(model.database or model.project).lower()}.{model.schema.lower()}.{model.alias.lower()}"
        found.append(Endpoint("trino", "Trino (Unity Catalog Iceberg REST)", lowered))
        found.append(Endpoint("databricks", "Databricks SQL", model.relation))
        for share in shares_of(model):
            recipients = surroundings.shares.get(share)
            note = (
                f"recipients: {', '.join(recipients)}"
                if recipients
                else "share not declared in governance/unity.yml"
            )
            found.append(
                Endpoint("delta_sharing", f"Delta Sharing ({share})", f"{share}.{model.shared_as}", note)
            )
    return found


def readers(owner: Owner, model: Model, surroundings: Surroundings) -> list[Reader]:
    """Who may read the product: its owner, its dbt grants, the central consumer group, restricted
    readers, and which of them are cleared for PII. Restricted classifications are readable only by
    their groups."""
    cleared = set(model.pii_cleared_groups)
    found: dict[tuple[str, str], Reader] = {}
    if principal := owner.principal:
        found[(principal, "owner")] = Reader(principal, "owner", "owning group", pii=True)
    restricted = surroundings.restricted_readers.get(model.classification or "")
    for privilege, grantees in sorted(model.grants.items()):
        for grantee in grantees:
            if restricted is not None and grantee not in restricted:
                continue  # the sync does not grant it: the classification is restricted
            found.setdefault(
                (grantee, privilege), Reader(grantee, privilege, "dbt grants", grantee in cleared)
            )
    if surroundings.consumer_group and restricted is None:
        group = surroundings.consumer_group
        found.setdefault(
            (group, "select"), Reader(group, "select", "consumer group (unity.yml)", group in cleared)
        )
    for group in restricted or ():
        found.setdefault(
            (group, "select"), Reader(group, "select", "restricted readers (unity.yml)", group in cleared)
        )
    for group in cleared:
        found.setdefault((group, "select"), Reader(group, "select", "PII clearance", pii=True))
    return sorted(found.values(), key=lambda r: (r.access != "owner", r.principal, r.access))


def product_facts(mesh: MeshModel, model: Model, surroundings: Surroundings) -> ProductFacts:
    domain = mesh.domains[model.project]
    owner = mesh.owner(model)
    return ProductFacts(
        model=model,
        domain=domain,
        owner=owner,
        endpoints=endpoints(model, domain, surroundings),
        readers=readers(owner, model, surroundings),
        tests=sorted(
            mesh.tests_by_node.get(model.unique_id, []),
            key=lambda t: (t.column_name or "", t.name, t.unique_id),
        ),
    )


_UNSAFE_ID = re.compile(r"[^A-Za-z0-9_-]+")


def contract_id(model: Model) -> str:
    """ODCS `id`: stable across runs and machines, `<domain>-<name>[-v<version>]` in the StableId alphabet."""
    raw = f"{model.project}-{model.name}" + (f"-v{model.version}" if model.version else "")
    return _UNSAFE_ID.sub("_", raw)


def contract_file(model: Model) -> str:
    """The contract's path inside an export folder: `<domain>/<id>.odcs.yaml`."""
    return f"{_UNSAFE_ID.sub('_', model.project)}/{contract_id(model)}.odcs.yaml"
