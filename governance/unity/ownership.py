"""Which domain owns a catalog, so a domain never writes metadata onto another domain's objects.

Catalog = domain (docs/conventions.md): domain `orders` owns the catalog `macros/naming/domain_catalog.sql`
names for it, `orders` on DuckDB and in prod, `orders_<MESH_ENV>` in other Databricks environments, or
the deployment's `MESH_CATALOG_ORDERS`. The acting domain is the dbt project that declares the model,
never its self-declared `meta.domain`; a product configured (`database`, `+database`) into a catalog its
project does not own is refused, whatever the dbt configuration says.
"""

from __future__ import annotations

import os
from collections.abc import Collection, Iterable

from governance.errors import MeshError
from governance.model import MeshModel, Model


def domain_catalogs(domain: str) -> set[str]:
    """The catalog names domain `domain` may have, as the naming macro spells them."""
    env = os.environ.get("MESH_ENV", "dev").strip().lower()
    names = {domain, f"{domain}_{env}"}
    explicit = os.environ.get(f"MESH_CATALOG_{domain.upper()}", "").strip()
    if explicit:
        names.add(explicit)
    return names


def pull_request_catalogs(domains: Collection[str], suffix: str) -> list[str]:
    """Every catalog a pull-request build of these domains may write: a domain's catalog plus the
    namespace's suffix (macros/naming/generate_database_name.sql), never a name that is a domain's own."""
    production = {catalog.lower() for name in domains for catalog in domain_catalogs(name)}
    names = {f"{catalog}{suffix}".lower() for name in domains for catalog in domain_catalogs(name)}
    return sorted(names - production)


def catalog_owners(mesh: MeshModel) -> dict[str, set[str]]:
    owners: dict[str, set[str]] = {}
    for name in mesh.domains:
        for catalog in domain_catalogs(name):
            owners.setdefault(catalog, set()).add(name)
    return owners


def check_ownership(mesh: MeshModel, products: Iterable[Model]) -> None:
    """One line, exit 2, for the first product that would write into a catalog its domain does not own."""
    owners = catalog_owners(mesh)
    for model in products:
        catalog = model.relation.split(".")[0]
        owning = owners.get(catalog, set())
        if model.project in owning:
            continue
        whose = (
            f"which domain {sorted(owning)[0]} owns"
            if owning
            else "which is no domain's catalog (a domain writes only the catalog named after it)"
        )
        raise MeshError(
            f"{model.fix_location}: {model.display_name} is configured into catalog {catalog!r}, {whose}; "
            f"domain {model.project} syncs only its own catalog: remove the database setting"
        )
