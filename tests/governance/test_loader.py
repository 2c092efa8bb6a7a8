"""The loader: real manifests of the fixture mesh -> one typed model, and one clear error for bad input."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from governance.errors import MeshError
from governance.loader import load_mesh, load_state
from governance.model import Access, Layer, MeshModel
from governance.project import Projects
from tests.fixtures.fuzz import Edit, edits, examples, mutate
from tests.fixtures.mesh_project import CLEAN, cache_dir, copy_tree, line_of, prepare
from tests.fixtures.violations import violations_recipe
from tests.lanes import builds_dbt


@pytest.fixture(scope="module")
@builds_dbt
def root(request: pytest.FixtureRequest) -> Path:
    return prepare(CLEAN, cache_dir(request.config))


@pytest.fixture(scope="module")
def mesh(root: Path) -> MeshModel:
    return load_mesh(root)


def test_domains_in_dependency_order(mesh: MeshModel):
    assert list(mesh.domains) == ["orders", "marketing", "hub"]
    assert mesh.domains["marketing"].upstream == ("orders",)
    assert mesh.domains["marketing"].platform.value == "external"
    assert mesh.domains["hub"].is_hub and mesh.domains["hub"].path == "."
    assert mesh.domains["orders"].dbt_version == "1.11.8"


def test_each_node_belongs_to_its_owning_project(mesh: MeshModel):
    """dbt-loom copies orders' nodes into marketing's and the hub's manifests; they are not duplicated."""
    assert all(uid.split(".")[1] == "marketing" for uid in mesh.domains["marketing"].models)
    assert all(uid.split(".")[1] == "hub" for uid in mesh.domains["hub"].models)
    assert sorted(m.unique_id for m in mesh.products()) == [
        "model.marketing.fct_campaign_orders",
        "model.orders.dim_customers.v1",
        "model.orders.dim_customers.v2",
        "model.orders.fct_orders",
    ]


def test_cross_project_parents_and_children(mesh: MeshModel):
    children = set(mesh.children["model.orders.fct_orders"])
    assert children == {
        "model.marketing.int_campaign_orders",
        "model.hub.customer_revenue",
        "exposure.hub.revenue_dashboard",
    }
    assert "model.orders.dim_customers.v2" in mesh.parents["model.hub.customer_revenue"]
    downstream = {n.unique_id for n in mesh.downstream("model.orders.fct_orders")}
    assert "model.marketing.fct_campaign_orders" in downstream
    assert "exposure.hub.revenue_dashboard" in downstream


def test_model_fields(mesh: MeshModel):
    model = mesh.model("model.orders.fct_orders")
    assert model is not None
    assert (model.access, model.layer, model.group, model.contract_enforced) == (
        Access.PUBLIC,
        Layer.GOLD,
        "orders",
        True,
    )
    assert model.relation == "orders.gold.fct_orders"
    assert model.grants == {"select": ("data-consumers",)}
    assert model.primary_key == ["order_id"]
    assert model.meta["sla"] == {"freshness_hours": 24}
    assert model.columns["order_id"].data_type == "integer"
    assert mesh.model("model.orders.stg_orders").layer is Layer.BRONZE  # type: ignore[union-attr]
    assert mesh.model("model.hub.customer_revenue").layer is Layer.HUB  # type: ignore[union-attr]


def test_versions_and_refs(mesh: MeshModel):
    v1 = mesh.model("model.orders.dim_customers.v1")
    assert v1 is not None and (v1.version, v1.latest_version) == ("1", "2")
    assert v1.deprecation_date is not None and v1.deprecation_date.year == 2099
    assert "country" not in v1.columns
    hub = mesh.model("model.hub.customer_revenue")
    assert hub is not None
    assert {(r.package, r.name, r.version) for r in hub.refs} == {
        ("orders", "dim_customers", "2"),
        ("orders", "fct_orders", None),
    }


def test_locations_point_at_the_yaml_lines(mesh: MeshModel, root: Path):
    yml = "domains/orders/models/marts/fct_orders.yml"
    model = mesh.model("model.orders.fct_orders")
    assert model is not None
    assert str(model.yml_path) == f"{yml}:{line_of(root, yml, '- name: fct_orders')}"
    assert str(model.column_location("amount")) == f"{yml}:{line_of(root, yml, '- name: amount')}"
    assert str(model.sql_path) == "domains/orders/models/marts/fct_orders.sql"
    versioned = "domains/orders/models/marts/dim_customers.yml"
    v1 = mesh.model("model.orders.dim_customers.v1")
    assert v1 is not None and v1.yml_path is not None
    assert v1.yml_path.line == line_of(root, versioned, "- v: 1")
    assert v1.column_location("email") is not None
    assert v1.column_location("email").line == line_of(root, versioned, "- name: email")
    hub = mesh.model("model.hub.customer_revenue")
    assert hub is not None and str(hub.yml_path) == "models/marts/customer_revenue.yml:2"


def test_sources_groups_exposures_tests(mesh: MeshModel, root: Path):
    source = mesh.nodes["source.orders.raw_orders.customers"]
    sources_yml = "domains/orders/models/staging/__sources.yml"
    assert str(source.location) == f"{sources_yml}:{line_of(root, sources_yml, '- name: customers')}"
    assert source.freshness is not None and source.freshness.warn_after == "12 hour"  # type: ignore[union-attr]
    assert source.loader == "fivetran"  # type: ignore[union-attr]
    assert mesh.domains["orders"].groups["orders"].owner_email == "orders-team@example.com"
    exposure = mesh.nodes["exposure.hub.revenue_dashboard"]
    assert str(exposure.location) == "models/exposures.yml:2"
    tests = {t.name for t in mesh.tests_by_node["model.orders.fct_orders"]}
    assert tests == {"unique", "not_null", "relationships"}


@pytest.mark.dbt
def test_run_results_and_freshness(request: pytest.FixtureRequest):
    built = load_mesh(prepare(violations_recipe(), cache_dir(request.config)))
    results = {t.name: t.result for t in built.tests_by_node["model.orders.fct_orders"]}
    assert results["relationships"] is not None and results["relationships"].status == "fail"
    assert results["relationships"].failures == 1
    assert results["unique"] is not None and results["unique"].status == "pass"
    assert results["unique"].executed_at is not None
    freshness = built.nodes["source.orders.raw_orders.customers"].freshness  # type: ignore[union-attr]
    assert freshness is not None and freshness.status == "error" and freshness.max_loaded_at is not None


def test_load_state_reads_the_state_folder(root: Path, tmp_path: Path):
    state = tmp_path / "state"
    (state / "orders").mkdir(parents=True)
    shutil.copy(root / "domains/orders/target/manifest.json", state / "orders" / "manifest.json")
    previous = load_state(state, Projects.discover(root))
    assert list(previous.domains) == ["orders"]  # projects absent from the state are new since then
    assert previous.model("model.orders.fct_orders") is not None
    with pytest.raises(MeshError, match=r"no <project>/manifest\.json inside"):
        load_state(tmp_path, Projects.discover(root))


def test_manifest_of_another_project(root: Path, tmp_path: Path):
    copy = copy_tree(root, tmp_path / "mesh")
    shutil.copy(root / "domains/orders/target/manifest.json", copy / "domains/marketing/target/manifest.json")
    with pytest.raises(MeshError, match="manifest is for project 'orders', not 'marketing'"):
        load_mesh(copy)


def test_bad_run_results_is_one_clear_error(root: Path, tmp_path: Path):
    copy = copy_tree(root, tmp_path / "mesh")
    (copy / "domains/orders/target/run_results.json").write_text('{"metadata": {}, "results": []}')
    with pytest.raises(MeshError, match=r"run_results\.json: not a dbt run-results artifact"):
        load_mesh(copy)


# --- property-based: mutated real manifests load or fail with MeshError, never anything else ---


@pytest.fixture(scope="module")
def orders_manifest(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = orjson.loads((root / "domains/orders/target/manifest.json").read_bytes())
    keep = {"model.orders.fct_orders", "model.orders.dim_customers.v1", "model.orders.stg_orders"}
    keep |= {k for k in data["nodes"] if k.startswith("test.orders.unique_fct")}
    data["nodes"] = {k: v for k, v in data["nodes"].items() if k in keep}
    data["macros"], data["docs"] = {}, {}  # large and never read by the loader
    return data


@pytest.fixture(scope="module")
def scratch(root: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = copy_tree(root, tmp_path_factory.mktemp("fuzz") / "mesh")
    for folder in ("domains/marketing", "."):  # the fuzzed project alone keeps each example fast
        (copy / folder / "target" / "manifest.json").unlink()
    return copy


def _load_orders_only(copy: Path) -> None:
    projects = Projects.discover(copy)
    only_orders = Projects(projects.root, {"orders": projects.projects["orders"]})
    load_mesh(projects=only_orders)


@examples(60)
@given(changes=edits, cut=st.one_of(st.none(), st.integers(min_value=0)))
def test_mutated_manifest_loads_or_raises_mesh_error(
    changes: list[Edit], cut: int | None, orders_manifest: dict[str, Any], scratch: Path
) -> None:
    """Edits of a real manifest (tests/fixtures/fuzz.py), sometimes cut short as a crashed write leaves it."""
    raw = orjson.dumps(mutate(orders_manifest, changes), default=str)
    if cut is not None:
        raw = raw[: cut % (len(raw) + 1)]
    (scratch / "domains/orders/target/manifest.json").write_bytes(raw)
    try:
        _load_orders_only(scratch)
    except MeshError as error:
        assert "\n" not in str(error) and "domains/orders/target/manifest.json" in str(error)
