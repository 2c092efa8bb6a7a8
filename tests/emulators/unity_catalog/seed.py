"""Seed the emulator from a mesh: every synced product's table exists with its columns (from the
manifests), without comments, tags or grants, so a first sync has real work."""

from __future__ import annotations

from governance.model import MeshModel
from governance.unity.desired import synced_products
from tests.emulators.unity_catalog.server import UnityCatalogEmulator


def seed_from_mesh(
    emulator: UnityCatalogEmulator, mesh: MeshModel, skip: set[str] | None = None
) -> list[str]:
    created: list[str] = []
    for model in synced_products(mesh):
        if skip and model.relation in skip:
            continue
        emulator.metastore.create_table(
            model.relation, [(c.name, c.data_type or "string") for c in model.columns.values()]
        )
        created.append(model.relation)
    return created
