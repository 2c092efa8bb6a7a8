"""Seed the emulator from a mesh as a deployment leaves it before the first sync: a platform
administrator created each catalog and schema (`container_owner`), the deploy job built every synced
product's table with its columns (from the manifests) as `owner`, without comments, tags or grants, so a
first sync has real work. Unless `grant_sync` is off (so a test can take one away), the emulator's
principal gets what the README lists for the sync principal: its grants on each catalog and on the
metastore, and membership of `owner`, the group that builds the tables - which is what lets it hand each
table to its domain group, since only the owner, the owner of its schema or catalog, or a metastore admin
may transfer ownership (MANAGE does not:
https://learn.microsoft.com/azure/databricks/data-governance/unity-catalog/manage-privileges/ownership)."""

from __future__ import annotations

from governance.model import MeshModel
from governance.unity.desired import synced_products
from tests.emulators.unity_catalog.server import UnityCatalogEmulator


def seed_from_mesh(
    emulator: UnityCatalogEmulator,
    mesh: MeshModel,
    *,
    skip: set[str] | None = None,
    owner: str = "dbt-deployer",
    grant_sync: bool = True,
    container_owner: str = "platform-admins",
) -> list[str]:
    created: list[str] = []
    for model in synced_products(mesh):
        if skip and model.relation in skip:
            continue
        columns = [(c.name, c.data_type or "string") for c in model.columns.values()]
        emulator.metastore.create_table(model.relation, columns, owner, container_owner)
        created.append(model.relation)
    if grant_sync:
        emulator.grant_sync_privileges({relation.split(".")[0] for relation in created})
        emulator.join_group(owner)
    return created
