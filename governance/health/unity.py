"""Health of Databricks domains' products from Unity Catalog: freshness from each table's LAST_ALTERED.

A product of a `platform: databricks` domain is built in the workspace, so the mesh's data folder holds
no figures of it. Its freshness comes from the catalog instead (governance.unity.freshness:
information_schema.tables LAST_ALTERED, which a dbt rebuild moves): the table holds nothing newer than
its last alteration, and when the product's own sources report an earlier load (dbt's `sources.json`),
the data is only as recent as that load, so the earlier of the two is kept (as a publish does with an
Iceberg snapshot). Row counts are not in information_schema: unknown. Tests: the last build's results.

Recorded by `mesh sync --platform unity` before it writes (the sync's own comments and tags alter the
tables) and by `mesh health --refresh unity`; the run ids start with `unity-` (store.UNITY_RUN), so a
product built and refreshed is judged for volume on its builds. Nothing here fails the sync: a problem
recording health is one warning line.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from databricks.sdk.errors.base import DatabricksError

from governance.health.backends import record_observations
from governance.health.signals import observe
from governance.health.store import UNITY_RUN, Observation
from governance.model import MeshModel
from governance.unity.client import StatementError, UnityClient, describe_error
from governance.unity.desired import synced_products
from governance.unity.freshness import last_altered

NOT_FOUND = "no table in Unity Catalog (not built yet, or not visible to the sync principal)"


def run_id_for(moment: datetime) -> str:
    return f"{UNITY_RUN}{moment:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def observe_unity(
    mesh: MeshModel, altered: Mapping[str, datetime], *, run_id: str, observed_at: datetime
) -> list[Observation]:
    """One observation per product of a Databricks domain whose table Unity Catalog shows
    (`altered`: lower-case `catalog.schema.table` -> LAST_ALTERED)."""
    from governance.lineage import build_lineage

    tables = {
        m.unique_id: altered[m.relation.lower()]
        for m in synced_products(mesh)
        if m.relation.lower() in altered
    }
    if not tables:
        return []
    projects = {mesh.nodes[uid].project: "success" for uid in tables}  # the table exists: its build ran
    found = []
    for observation in observe(
        mesh, build_lineage(mesh), run_id=run_id, observed_at=observed_at, projects=projects, row_counts={}
    ):
        moment = tables.get(observation.product)
        if moment is None:
            continue  # a hub mart or another domain's product: not this refresh's
        loaded_at = moment if observation.loaded_at is None else min(observation.loaded_at, moment)
        found.append(replace(observation, loaded_at=loaded_at, freshness_note=None))
    return found


def record_unity(
    mesh: MeshModel,
    client: UnityClient,
    *,
    data: Path,
    warn: Callable[[str], None],
    now: datetime | None = None,
) -> int:
    """Read every synced product's LAST_ALTERED and append one observation each; rows written."""
    relations = [m.relation for m in synced_products(mesh)]
    if not relations:
        return 0
    moment = now or datetime.now(UTC)
    try:
        altered = last_altered(client, relations)
    except (DatabricksError, StatementError, TimeoutError, OSError) as error:
        warn(f"health not recorded: cannot read Unity Catalog table metadata: {describe_error(error)}")
        return 0
    missing = sorted(r for r in relations if r.lower() not in altered)
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        warn(f"health: {', '.join(missing[:3])}{more}: {NOT_FOUND}")
    return record_observations(
        Path(mesh.root),
        data,
        lambda: observe_unity(mesh, altered, run_id=run_id_for(moment), observed_at=moment),
        moment,
        warn,
    )


def refresh(root: Path, data: Path, warn: Callable[[str], None]) -> int:
    """`mesh health --refresh unity`: connect as the sync does (unity.yml, the Databricks environment)
    and record every synced product's freshness; rows written. Bad settings are a MeshError (exit 2)."""
    from governance.loader import load_mesh
    from governance.settings import settings_file
    from governance.unity.config import load_config

    config = load_config(root, settings_file("unity", root))
    mesh = load_mesh(root)
    client = UnityClient.connect(config.resolve_warehouse_id(), retries=config.retries)
    return record_unity(mesh, client, data=data, warn=warn)
