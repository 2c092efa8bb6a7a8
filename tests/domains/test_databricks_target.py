"""Every Databricks-bound project parses under the `databricks` target with no credentials and no network.

dbt-loom must still inject the upstream products from their manifests, and the shared naming macros must
give each domain its own catalog per environment.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest
from dbt.contracts.graph.manifest import Manifest

from tests.domains.mesh_copy import MeshCopy, copy_mesh

pytestmark = pytest.mark.dbt

ORDER = ("orders", "marketing", "logistics", "hub")


def _refuse(*args: Any, **kwargs: Any) -> None:
    raise OSError("network access attempted during a no-network test")


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("DATABRICKS_HOST", "DATABRICKS_HTTP_PATH", "DATABRICKS_TOKEN", "MESH_ENV"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(socket.socket, "connect", _refuse)
    monkeypatch.setattr(socket, "create_connection", _refuse)
    yield


def _parse_all(mesh: MeshCopy) -> dict[str, Manifest]:
    manifests = {}
    for project in ORDER:
        result = mesh.dbt_ok(project, "parse", "--no-partial-parse", "--target", "databricks")
        manifests[project] = result.result
    return manifests


@pytest.mark.usefixtures("offline")
def test_mesh_parses_for_databricks_without_network(tmp_path_factory: pytest.TempPathFactory) -> None:
    mesh = copy_mesh(tmp_path_factory.mktemp("databricks"))
    manifests = _parse_all(mesh)

    fct_orders = manifests["orders"].nodes["model.orders.fct_orders"]
    assert (fct_orders.database, fct_orders.schema) == ("orders_dev", "gold")
    assert fct_orders.relation_name == "`orders_dev`.`gold`.`fct_orders`"

    marketing = manifests["marketing"]
    assert "model.orders.fct_orders" in marketing.nodes, "dbt-loom did not inject the upstream product"
    attributable = marketing.nodes["model.marketing.int_orders_attributable"]
    assert attributable.depends_on.nodes == ["model.orders.fct_orders"]
    assert marketing.nodes["model.marketing.fct_sessions"].database == "marketing_dev"

    hub = manifests["hub"].nodes["model.hub.customer_360"]
    assert "model.orders.dim_customers.v2" in hub.depends_on.nodes
    assert {"model.marketing.fct_sessions", "model.logistics.fct_shipments"} <= set(hub.depends_on.nodes)
    assert (hub.database, hub.schema) == ("hub_dev", "hub")


@pytest.mark.usefixtures("offline")
def test_prod_environment_uses_the_bare_domain_catalog(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESH_ENV", "prod")
    mesh = copy_mesh(tmp_path_factory.mktemp("databricks-prod"), domains=("orders",))
    manifest = mesh.dbt_ok("orders", "parse", "--no-partial-parse", "--target", "databricks").result
    node = manifest.nodes["model.orders.dim_customers.v2"]
    assert node.relation_name == "`orders`.`gold`.`dim_customers_v2`"
