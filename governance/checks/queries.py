"""Small shared questions rules ask of the mesh (one place, so rules stay a few lines each)."""

from __future__ import annotations

from collections.abc import Iterator

from governance.model import Column, DataTest, MeshModel, Model


def domain_models(mesh: MeshModel) -> Iterator[Model]:
    """Models of domain projects (the hub's marts are not domain data)."""
    for domain in mesh.domains.values():
        if not domain.is_hub:
            yield from domain.models.values()


def tests_on(mesh: MeshModel, model: Model) -> list[DataTest]:
    return mesh.tests_by_node.get(model.unique_id, [])


def column_test_names(mesh: MeshModel, model: Model, column: Column) -> set[str]:
    wanted = column.name.lower()
    return {t.name for t in tests_on(mesh, model) if (t.column_name or "").lower() == wanted}


def is_versioned(model: Model) -> bool:
    return model.version is not None


def consumers_of(mesh: MeshModel, model: Model) -> list[str]:
    return mesh.children.get(model.unique_id, [])
