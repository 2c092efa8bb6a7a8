"""The sync scenario against a real Databricks workspace, in a scratch schema it creates and drops.

Runs only when DATABRICKS_HOST, DATABRICKS_TOKEN and MESH_WAREHOUSE_ID are set. MESH_LIVE_CATALOG names
an existing catalog the token may create schemas in (default `main`); MESH_LIVE_GROUP an existing group
to grant SELECT to (default `account users`). Owners are left alone (no principal mapping).
"""

from __future__ import annotations

import dataclasses
import os
import uuid
from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient

from governance.model import MeshModel
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from governance.unity.desired import build_desired, synced_products
from governance.unity.pipeline import Inputs, apply_plan, compute_plan
from governance.unity.sql import quote_ident, quote_name

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not all(os.environ.get(v) for v in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "MESH_WAREHOUSE_ID")),
        reason="needs DATABRICKS_HOST, DATABRICKS_TOKEN and MESH_WAREHOUSE_ID",
    ),
]


@pytest.fixture
def live(mesh: MeshModel, config: UnityConfig) -> Iterator[tuple[MeshModel, UnityConfig, UnityClient]]:
    catalog = os.environ.get("MESH_LIVE_CATALOG", "main")
    schema = f"mesh_live_{uuid.uuid4().hex[:8]}"
    client = UnityClient(WorkspaceClient(), os.environ["MESH_WAREHOUSE_ID"])
    client.execute(f"CREATE SCHEMA {quote_name(catalog)}.{quote_ident(schema)}")
    try:
        for model in synced_products(mesh):
            model.database, model.schema = catalog, schema
            columns = ", ".join(
                f"{quote_ident(c.name)} {c.data_type or 'string'}" for c in model.columns.values()
            )
            client.execute(f"CREATE TABLE {quote_name(model.relation)} ({columns})")
        group = os.environ.get("MESH_LIVE_GROUP", "account users")
        scratch = dataclasses.replace(
            config, principals={}, consumer_group=group, managed_principals=frozenset(), shares={}
        )
        for model in synced_products(mesh):
            model.meta = {k: v for k, v in model.meta.items() if k not in ("owner", "shares")}
            model.grants = {}
        yield mesh, scratch, client
    finally:
        client.execute(f"DROP SCHEMA IF EXISTS {quote_name(catalog)}.{quote_ident(schema)} CASCADE")


def test_live_sync_converges(live: tuple[MeshModel, UnityConfig, UnityClient]) -> None:
    mesh, config, client = live
    inputs = Inputs(config, build_desired(mesh, config))
    first = compute_plan(client, inputs, prune=False)
    assert first.changes and not first.missing
    result = apply_plan(client, first, config, None)
    assert not result.failures, result.failures
    assert compute_plan(client, inputs, prune=False).changes == []
    next(iter(synced_products(mesh))).description = "Changed by the live test; it's quoted `safely`."
    inputs = Inputs(config, build_desired(mesh, config))
    one = compute_plan(client, inputs, prune=False)
    assert [c.kind for c in one.changes] == ["comment"]
    assert not apply_plan(client, one, config, None).failures
    assert compute_plan(client, inputs, prune=False).changes == []
