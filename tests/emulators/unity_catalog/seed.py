"""Seed the emulator from a mesh: every synced product's table exists with its columns (from the
manifests), without comments, tags or grants, so a first sync has real work. The tables belong to the
deploy principal (`owner`); the emulator's principal gets the sync's minimal privileges (README) unless
`grant_sync` is off, so a test can take one away."""

from __future__ import annotations

from governance.model import MeshModel
from governance.unity.desired import synced_products
from tests.emulators.unity_catalog.server import UnityCatalogEmulator


def seed_from_mesh(
    emulator: UnityCatalogEmulator,
    mesh: MeshModel,
    skip: set[str] | None = None,
    owner: str = "dbt-deployer",
    grant_sync: bool = True,
) -> list[str]:
    created: list[str] = []
    for model in synced_products(mesh):
        if skip and model.relation in skip:
            continue
        emulator.metastore.create_table(
            model.relation, [(c.name, c.data_type or "string") for c in model.columns.values()], owner
        )
        created.append(model.relation)
    if grant_sync:
        emulator.grant_sync_privileges({relation.split(".")[0] for relation in created})
    return created
