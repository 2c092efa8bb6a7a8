"""One vocabulary on the model: a product's owner (group, contact, principal) and PII columns are
defined once and read the same way by Unity Catalog, Trino, Iceberg, checks and lineage."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from governance.iceberg.contract import product_properties
from governance.lineage import build_lineage
from governance.loader import load_mesh
from governance.model import MeshModel, Model, Owner
from governance.project import Projects
from governance.trino.config import load_trino_settings
from governance.trino.rules import ProductAccess
from governance.unity.config import load_config
from governance.unity.desired import build_desired

REPO = Path(__file__).resolve().parents[2]
UNITY = REPO / "governance" / "unity.yml"
TRINO = REPO / "governance" / "trino.yml"


def owners_everywhere(mesh: MeshModel, model: Model) -> dict[str, str | None]:
    """The owner each adapter gives `model`, read through its own code path."""
    unity = build_desired(mesh, load_config(REPO, UNITY)).state.tables.get(model.relation)
    domain = mesh.domains[model.project]
    return {
        "model": mesh.owner(model).principal,
        "unity": unity.owner if unity is not None else mesh.owner(model).principal,
        "trino": ProductAccess.of(model, domain, load_trino_settings(TRINO)).owner,
        "iceberg": product_properties(model, "mesh-publisher")["owner"] or None,
    }


def test_owner_is_group_contact_and_principal(clean_mesh: MeshModel) -> None:
    model = clean_mesh.nodes["model.marketing.fct_campaign_orders"]
    assert isinstance(model, Model)
    assert clean_mesh.owner(model) == Owner("marketing", "marketing-team@example.com", "marketing-team")
    lineage = {n.id: n.owner for n in build_lineage(clean_mesh).nodes}
    assert lineage[model.unique_id] == "marketing-team@example.com"


def test_every_product_has_one_owner_in_unity_trino_and_iceberg(clean_mesh: MeshModel) -> None:
    products = list(clean_mesh.products())
    assert products
    for model in products:
        owners = owners_everywhere(clean_mesh, model)
        assert len(set(owners.values())) == 1, (model.unique_id, owners)


def test_an_owner_named_in_meta_wins_everywhere_over_the_group(clean_mesh: MeshModel) -> None:
    """meta.owner differs from the group's name (marketing's case in this repository): every adapter
    follows the model's principal, none maps the group on its own."""
    model = next(m for m in clean_mesh.products() if m.project == "marketing")
    renamed = replace(model, meta={**model.meta, "owner": "marketing-analytics"})
    clean_mesh.domains["marketing"].models[model.unique_id] = renamed
    clean_mesh.nodes[model.unique_id] = renamed
    clean_mesh._products = None
    try:
        assert set(owners_everywhere(clean_mesh, renamed).values()) == {"marketing-analytics"}
    finally:
        clean_mesh.domains["marketing"].models[model.unique_id] = model
        clean_mesh.nodes[model.unique_id] = model
        clean_mesh._products = None


def test_pii_in_clear_is_read_from_the_columns(clean_mesh: MeshModel) -> None:
    for model in clean_mesh.products():
        expected = [c.name for c in model.columns.values() if c.meta.get("pii") and not c.meta.get("masked")]
        assert model.pii_in_clear == expected
        assert (
            ProductAccess.of(model, clean_mesh.domains[model.project], load_trino_settings(TRINO)).pii
            == expected
        )


def test_this_repository_owns_each_product_by_the_same_principal_everywhere() -> None:
    projects = Projects.discover(REPO)
    missing = [p.name for p in projects.projects.values() if not p.manifest_path.is_file()]
    if missing:
        pytest.skip(
            f"this repository's mesh is not built (no manifest for {', '.join(missing)}); run `mesh build`"
        )
    mesh = load_mesh(projects=projects)
    marketing = [m for m in mesh.products() if m.project == "marketing"]
    assert marketing
    for model in mesh.products():
        owners = owners_everywhere(mesh, model)
        assert len(set(owners.values())) == 1, (model.unique_id, owners)
    assert {owners_everywhere(mesh, m)["unity"] for m in marketing} == {"marketing-analytics"}
    trino_groups = load_trino_settings(TRINO).groups
    assert all(mesh.owner(m).principal in trino_groups for m in mesh.products())
