"""What `mesh publish` does for health: one observation per published product, from Iceberg metadata.

freshness   the current snapshot's commit time (`timestamp-ms`, committed_at): the published table holds
            nothing newer. When the product's own sources report a newer load (dbt's `sources.json`),
            the data is still only as recent as that load, so the earlier of the two is kept: a publish
            of stale data is not a fresh product.
row count   the snapshot summary's `total-records`, written by the committing engine; no table is read.
tests       the product's data tests and results of its domain's last build, as `mesh build` records them
            (a publish runs no tests; it serves what that build produced).
The run id starts with `publish-` (RUN_KIND), so a store's rows say which command wrote them.
Nothing here can fail the publish: a problem recording health is one warning line.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from pyiceberg.table import StaticTable, Table
from pyiceberg.table.metadata import TableMetadata

from governance.health.backends import record_observations
from governance.health.signals import observe
from governance.health.store import PUBLISH_RUN, Observation
from governance.model import MeshModel, Model

RUN_KIND = PUBLISH_RUN.removesuffix("-")


def iceberg_signal(table: Table | TableMetadata) -> tuple[datetime | None, int | None]:
    """(committed_at of the current snapshot, its total-records) from the table's metadata alone;
    (None, None) for a table without a snapshot, the count None when the summary lacks it."""
    metadata = table.metadata if isinstance(table, Table) else table
    snapshot = metadata.current_snapshot()
    if snapshot is None:
        return None, None
    committed_at = datetime.fromtimestamp(snapshot.timestamp_ms / 1000, tz=UTC)
    total = snapshot.summary.get("total-records") if snapshot.summary is not None else None
    try:
        rows = int(total) if total is not None else None
    except ValueError:
        rows = None
    return committed_at, rows if rows is None or rows >= 0 else None


def table_at(metadata_location: str, properties: Mapping[str, str] | None = None) -> Table:
    """The table a publish committed, from its metadata file (no catalog, no data file read);
    `properties`: the catalog's (how to reach its storage)."""
    return StaticTable.from_metadata(metadata_location, dict(properties or {}))


def run_id_for(moment: datetime) -> str:
    return f"{PUBLISH_RUN}{moment:%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"


def observe_published(
    mesh: MeshModel,
    published: Sequence[tuple[Model, Table | TableMetadata]],
    *,
    run_id: str,
    observed_at: datetime,
) -> list[Observation]:
    """One observation per published product (its build's tests, the Iceberg snapshot's figures)."""
    from governance.lineage import build_lineage

    tables = {model.unique_id: table for model, table in published}
    if not tables:
        return []
    projects = {model.project: "success" for model, _ in published}  # published: its build succeeded
    found = []
    for observation in observe(
        mesh, build_lineage(mesh), run_id=run_id, observed_at=observed_at, projects=projects, row_counts={}
    ):
        table = tables.get(observation.product)
        if table is None:
            continue  # another product of a published domain: this run did not touch it
        committed_at, rows = iceberg_signal(table)
        loaded_at, note = observation.loaded_at, observation.freshness_note
        if committed_at is not None:
            loaded_at, note = (committed_at if loaded_at is None else min(loaded_at, committed_at)), None
        elif loaded_at is None:
            note = "the published Iceberg table has no snapshot"
        found.append(replace(observation, loaded_at=loaded_at, freshness_note=note, row_count=rows))
    return found


def record_publish(
    mesh: MeshModel,
    published: Sequence[tuple[Model, Table | TableMetadata]],
    *,
    data: Path,
    warn: Callable[[str], None],
    now: datetime | None = None,
) -> int:
    """Append the published products' observations to the health store under `data`; rows written."""
    if not published:
        return 0
    moment = now or datetime.now(UTC)
    return record_observations(
        Path(mesh.root),
        data,
        lambda: observe_published(mesh, published, run_id=run_id_for(moment), observed_at=moment),
        moment,
        warn,
    )
