"""The sync scenario against a real Databricks workspace, in a scratch schema and share it creates and
removes again, with every catalog grant it added revoked.

Runs only when DATABRICKS_HOST, DATABRICKS_TOKEN and MESH_WAREHOUSE_ID are set. MESH_LIVE_CATALOG names
an existing catalog the token may create schemas in (default `main`); MESH_LIVE_GROUP an existing group
to grant SELECT to (default `account users`); MESH_LIVE_OWNER the group the tables are handed to
(default `account users`). The principal needs CREATE SHARE on the metastore for the share steps.
Covered: first sync and convergence, one changed comment, key-only tags, a share with its owner's
SELECT, an owner change after which the sync still converges, and --prune revoking an undeclared grant.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import uuid
from collections.abc import Iterator

import pytest
from databricks.sdk import WorkspaceClient
from databricks.sdk.errors.platform import NotFound

from governance.model import MeshModel
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from governance.unity.desired import build_desired, synced_products
from governance.unity.pipeline import Inputs, apply_plan, compute_plan
from governance.unity.plan import Plan
from governance.unity.sql import quote_ident, quote_name

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not all(os.environ.get(v) for v in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "MESH_WAREHOUSE_ID")),
        reason="needs DATABRICKS_HOST, DATABRICKS_TOKEN and MESH_WAREHOUSE_ID",
    ),
]

Live = tuple[MeshModel, UnityConfig, UnityClient, str]


@pytest.fixture
def live(mesh: MeshModel, config: UnityConfig) -> Iterator[Live]:
    catalog = os.environ.get("MESH_LIVE_CATALOG", "main")
    group = os.environ.get("MESH_LIVE_GROUP", "account users")
    owner = os.environ.get("MESH_LIVE_OWNER", "account users")
    scratch_id = uuid.uuid4().hex[:8]
    schema, share = f"mesh_live_{scratch_id}", f"mesh_live_{scratch_id}"
    client = UnityClient(WorkspaceClient(), os.environ["MESH_WAREHOUSE_ID"])
    me = quote_ident(client.principal)
    schema_name = f"{quote_name(catalog)}.{quote_ident(schema)}"
    catalog_grants_before = client.get_grants("catalog", catalog)
    client.execute(f"CREATE SCHEMA {schema_name}")
    try:
        # once the tables belong to `owner`, the principal keeps its rights through the schema
        client.execute(f"GRANT USE SCHEMA, SELECT, MODIFY, APPLY TAG, MANAGE ON SCHEMA {schema_name} TO {me}")
        for model in synced_products(mesh):
            model.database, model.schema = catalog, schema
            columns = ", ".join(
                f"{quote_ident(c.name)} {c.data_type or 'string'}" for c in model.columns.values()
            )
            client.execute(f"CREATE TABLE {quote_name(model.relation)} ({columns})")
        scratch = dataclasses.replace(
            config,
            principals={},
            consumer_group=group,
            managed_principals=frozenset({group}),
            shares={share: ()},
        )
        for model in synced_products(mesh):
            model.meta = {k: v for k, v in model.meta.items() if k not in ("owner", "shares")}
            model.grants = {}
            model.tags = ("live",)  # key-only tag dbt_live = ''
        yield mesh, scratch, client, owner
    finally:
        with contextlib.suppress(NotFound):  # the share may never have been created
            client.workspace.shares.delete(share)
        client.execute(f"DROP SCHEMA IF EXISTS {schema_name} CASCADE")
        # the catalog's grants as they were: what the sync added is revoked, what --prune took is given back
        after = client.get_grants("catalog", catalog)
        for principal in sorted(set(after) | set(catalog_grants_before)):
            was, now = catalog_grants_before.get(principal, frozenset()), after.get(principal, frozenset())
            for verb, privileges, word in (("REVOKE", now - was, "FROM"), ("GRANT", was - now, "TO")):
                if privileges:
                    listed = ", ".join(sorted(p.replace("_", " ") for p in privileges))
                    client.execute(
                        f"{verb} {listed} ON CATALOG {quote_name(catalog)} {word} {quote_ident(principal)}"
                    )


def _apply(client: UnityClient, config: UnityConfig, plan: Plan) -> None:
    result = apply_plan(client, plan, config, None)
    assert not result.failures, [str(f) for f in result.failures]


def test_live_sync_converges_through_owner_change_share_tags_and_prune(live: Live) -> None:
    mesh, config, client, owner = live
    products = list(synced_products(mesh))
    first_product = products[0]
    first_product.meta = {**first_product.meta, "shares": list(config.shares)}
    inputs = Inputs(config, build_desired(mesh, config))
    first = compute_plan(client, inputs, prune=False)
    assert first.changes and not first.missing
    _apply(client, config, first)
    assert compute_plan(client, inputs, prune=False).changes == []
    state = client.get_share(next(iter(config.shares)))
    assert state is not None and first_product.relation in {o.name for o in state.objects or []}

    first_product.description = "Changed by the live test; it's quoted `safely`."
    inputs = Inputs(config, build_desired(mesh, config))
    one = compute_plan(client, inputs, prune=False)
    assert [c.kind for c in one.changes] == ["comment"]
    _apply(client, config, one)

    # hand every table to the owner group: the sync must still converge afterwards
    for model in products:
        model.meta = {**model.meta, "owner": owner}
    inputs = Inputs(config, build_desired(mesh, config))
    owners = compute_plan(client, inputs, prune=False)
    assert {c.kind for c in owners.changes} == {"owner"}
    _apply(client, config, owners)
    first_product.description = "Changed again after the owner change."
    inputs = Inputs(config, build_desired(mesh, config))
    _apply(client, config, compute_plan(client, inputs, prune=False))
    assert compute_plan(client, inputs, prune=False).changes == []

    # --prune: the group's SELECT, no longer declared, is revoked only with prune
    group = config.consumer_group or ""
    config = dataclasses.replace(config, consumer_group=None)
    inputs = Inputs(config, build_desired(mesh, config))
    assert not [c for c in compute_plan(client, inputs, prune=False).changes if c.kind == "grants"]
    pruned = compute_plan(client, inputs, prune=True)
    assert any(c.kind == "grants" and group in c.after for c in pruned.changes)
    _apply(client, config, pruned)
    assert compute_plan(client, inputs, prune=True).changes == []
