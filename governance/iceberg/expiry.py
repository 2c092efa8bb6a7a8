"""Snapshot expiry after each `mesh publish`: a table keeps its last snapshots, not every one ever made.

Each publish that replaces a product commits two snapshots (the delete of the old rows, the append of
the new) and keeps every earlier one, so 25 publishes of unchanged data grew a table's folder from 9 MB
to 100 MB. After a publish commits, the snapshots outside the retention of `publish.yml` are expired
from the table's metadata, and the files no remaining snapshot needs are deleted (under the publish
lock, as every file removal of the publisher is):

    retention:
      keep_snapshots: 10   # the newest N snapshots are always kept (at least 1: the current one)
      keep_days: 0         # and every snapshot younger than D days (0: age keeps nothing)

A snapshot is expired only when it is outside both: older than `keep_days` and not among the newest
`keep_snapshots`. The current snapshot and any snapshot a branch or tag names are never expired.

The trade-off is time travel: `FOR VERSION AS OF <snapshot>` / `FOR TIMESTAMP AS OF` in Trino reads only
the snapshots kept, and a query that started on a snapshot before it was expired can fail when its
files are deleted under it. Raise `keep_snapshots` or `keep_days` to keep more history (at the cost of
the table's folder growing by one copy of the data for each two snapshots kept).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # settings read this module; only a publish pays for pyiceberg
    from pyiceberg.table import Table

DAY_MS = 86_400_000


@dataclass(frozen=True)
class Retention:
    keep_snapshots: int = 10
    keep_days: float = 0.0


def expired_ids(table: Table, retention: Retention, now_ms: int | None = None) -> list[int]:
    """The snapshots `retention` lets go, newest first: outside the newest N and older than D days,
    never the current one nor one a branch or tag names."""
    now_ms = int(time.time() * 1000) if now_ms is None else now_ms
    metadata = table.metadata
    protected = {ref.snapshot_id for ref in metadata.refs.values()}
    if metadata.current_snapshot_id is not None:
        protected.add(metadata.current_snapshot_id)
    newest = sorted(metadata.snapshots, key=lambda s: (s.timestamp_ms, s.sequence_number or 0), reverse=True)
    cutoff = now_ms - retention.keep_days * DAY_MS
    return [
        s.snapshot_id
        for s in newest[retention.keep_snapshots :]
        if s.snapshot_id not in protected and s.timestamp_ms < cutoff
    ]


def expire_snapshots(table: Table, retention: Retention) -> tuple[Table, int, int]:
    """Expire what `retention` lets go and delete the files only those snapshots needed.

    Returns (the table as committed, snapshots expired, files deleted). Call under the publish lock.
    """
    from governance.iceberg.cleanup import referenced_files, remove_orphans

    ids = expired_ids(table, retention)
    if not ids:
        return table, 0, 0
    table.maintenance.expire_snapshots().by_ids(ids).commit()
    table = table.refresh()
    removed = remove_orphans(table.location(), keep=referenced_files(table))
    return table, len(ids), len(removed)
