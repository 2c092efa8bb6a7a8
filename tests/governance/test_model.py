"""One vocabulary on the model: a product's owner (group, contact, principal) and PII columns are
defined once and read the same way by Unity Catalog, Trino, Iceberg, checks and lineage."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from governance.checks.config import load_policy
from governance.checks.evaluation import run_rules
from governance.contracts.facts import Surroundings
from governance.contracts.odcs import build_contract
from governance.iceberg.contract import product_properties
from governance.lineage import build_lineage
from governance.loader import load_mesh
from governance.model import MeshModel, Model, Owner
from governance.project import Projects
from governance.site.catalog import build_catalog
from governance.site.index import mesh_index, search_index
from governance.site.pages import esc, product_page
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
    assert clean_mesh.owner(model) == Owner(
        "marketing",
        "marketing-team@example.com",
        "marketing-team",
        "Marketing team",
        "marketing-team@example.com",
    )
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


@pytest.mark.dbt  # the repository's own mesh, as `mesh build` left it (make test's build lane)
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


@contextmanager
def product_with_meta(mesh: MeshModel, model: Model, **meta: object) -> Iterator[Model]:
    """`model` with its meta changed (a key set to None is removed), put back afterwards."""
    changed = {k: v for k, v in {**model.meta, **meta}.items() if v is not None}
    renamed = replace(model, meta=changed)
    models = mesh.domains[model.project].models
    models[model.unique_id] = mesh.nodes[model.unique_id] = renamed
    mesh._products = None
    try:
        yield renamed
    finally:
        models[model.unique_id] = mesh.nodes[model.unique_id] = model
        mesh._products = None


@pytest.mark.parametrize("meta_owner", ["orders-analytics", None], ids=["meta-owner", "group-only"])
def test_site_contract_and_unity_show_the_owner_of_the_model(
    clean_mesh: MeshModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, meta_owner: str | None
) -> None:
    """meta.owner differs from the dbt group (or is absent): the catalog site (page, mesh.json, search
    index), the ODCS contract (team, owner role, support) and the Unity owner all read `MeshModel.owner`.
    unity.yml maps the *group's* name to another principal: Unity maps principals, never groups, and no
    other part of the mesh maps the group on its own."""
    unity_file = tmp_path / "unity.yml"
    unity_settings = yaml.safe_load(UNITY.read_text())
    # Keyed by the group's name, which is not the principal when meta.owner names another one.
    unity_settings["principals"] = {"orders": "orders-group-principal"} if meta_owner else {}
    unity_file.write_text(yaml.safe_dump(unity_settings))
    monkeypatch.setenv("MESH_UNITY_CONFIG", str(unity_file))
    model = clean_mesh.nodes["model.orders.dim_customers.v2"]
    assert isinstance(model, Model) and model.group == "orders"
    with product_with_meta(clean_mesh, model, owner=meta_owner) as product:
        owner = clean_mesh.owner(product)
        assert owner.principal == (meta_owner or "orders")
        assert owner.contact == "orders-team@example.com"

        unity = build_desired(clean_mesh, load_config(REPO, unity_file)).state.tables[product.relation]
        assert unity.owner == owner.principal

        surroundings = Surroundings.load(REPO)
        contract = build_contract(clean_mesh, product, surroundings)
        assert contract["team"]["name"] == owner.group
        assert [m["username"] for m in contract["team"]["members"]] == [owner.contact]
        assert [r["role"] for r in contract["roles"] if r["access"] == "owner"] == [owner.principal]
        assert {r.get("firstLevelApprovers") for r in contract["roles"] if r["access"] != "owner"} == {
            owner.principal
        }
        assert contract["support"] == [
            {"channel": "owner", "tool": "email", "url": f"mailto:{owner.contact}"}
        ]

        catalog = build_catalog(clean_mesh, build_lineage(clean_mesh), [], surroundings)
        entry = catalog.products[product.unique_id]
        page = product_page(catalog, entry)
        assert f"<dt>Owner principal</dt><dd><code>{esc(owner.principal)}</code></dd>" in page
        assert f"<dt>Owning team</dt><dd>{esc(owner.group)} " in page
        assert f"mailto:{esc(owner.contact)}" in page
        listed = next(p for p in mesh_index(catalog)["products"] if p["id"] == product.unique_id)
        shown = listed["owner"]
        assert (shown["group"], shown["contact"], shown["principal"]) == (
            owner.group,
            owner.contact,
            owner.principal,
        )
        searched = next(p for p in search_index(catalog)["products"] if p["url"] == entry.url)
        assert {owner.group, owner.contact, owner.principal} <= set(searched["owner"].split())


@pytest.mark.parametrize("cleared", [["orders-pii-readers"], "orders-pii-readers"], ids=["list", "lone-name"])
def test_pii_columns_and_cleared_groups_are_read_from_the_model_everywhere(
    clean_mesh: MeshModel, cleared: object
) -> None:
    """PII in clear and the groups cleared to read it: Trino, Iceberg, the ODCS contract, the site and the
    PII rule all follow `Model.pii_in_clear` and `Model.pii_cleared_groups` (a lone name is one group)."""
    model = clean_mesh.nodes["model.orders.dim_customers.v2"]
    assert isinstance(model, Model)
    with product_with_meta(clean_mesh, model, pii_cleared_groups=cleared) as product:
        assert product.pii_in_clear == ["email"]
        assert product.pii_cleared_groups == ["orders-pii-readers"]
        access = ProductAccess.of(product, clean_mesh.domains["orders"], load_trino_settings(TRINO))
        assert (access.pii, access.cleared) == (product.pii_in_clear, product.pii_cleared_groups)
        properties = product_properties(product, "mesh-publisher")
        assert properties["mesh.pii-columns"] == ",".join(product.pii_in_clear)
        surroundings = Surroundings.load(REPO)
        contract = build_contract(clean_mesh, product, surroundings)
        (table,) = contract["schema"]
        pii = [
            p["name"]
            for p in table["properties"]
            if {"property": "pii", "value": True} in p.get("customProperties", [])
        ]
        assert pii == [c.name for c in product.columns.values() if c.is_pii]
        unmasked = {r["role"] for r in contract["roles"] if "PII unmasked" in r["description"]}
        assert unmasked == {clean_mesh.owner(product).principal, *product.pii_cleared_groups}
        findings, _ = run_rules(clean_mesh, load_policy(), {"MESH023"})
        assert not [f for f in findings if f.node_id == product.unique_id]
