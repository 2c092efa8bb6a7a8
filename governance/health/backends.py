"""Which health store a mesh keeps (governance/health/settings.py): the embedded DuckDB file
(store.py, the default) or a table in the warehouse (warehouse.py, imported only when configured, so
`mesh health` on the embedded store loads neither SQLAlchemy nor pyarrow)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path

import duckdb

from governance.errors import MeshError
from governance.health.settings import load_health_settings
from governance.health.store import HealthStore, Observation, store_path


def open_store(root: Path, data: Path, *, create: bool) -> HealthStore | None:
    """The mesh's health store: for writing (`create`: made when absent), or for reading (None when
    there is none yet). Settings are read from the mesh at `root`; the DuckDB file lives under `data`."""
    settings = load_health_settings(root)
    store: HealthStore | None
    if settings.uri is None:
        path = store_path(data)
        store = HealthStore.open(path) if create else HealthStore.open_existing(path)
    else:
        from governance.health.warehouse import WarehouseHealthStore

        kind = WarehouseHealthStore
        store = kind.open(settings) if create else kind.open_existing(settings)
    if store is not None:
        store.retention_days = settings.retention_days
    return store


def open_writer(root: Path, data: Path) -> HealthStore:
    """The store to append to (created when absent); a problem is a MeshError (callers warn)."""
    store = open_store(root, data, create=True)
    assert store is not None  # `create`: never None
    return store


def append_and_prune(store: HealthStore, observations: Iterable[Observation], now: datetime) -> int:
    """Append one run's observations, prune by the store's retention, close it; rows written."""
    try:
        written = store.append(observations)
        store.prune(now)
    except duckdb.Error as error:
        raise MeshError(f"{store.path}: {str(error).splitlines()[0]}") from None
    finally:
        store.close()
    return written


def record_observations(
    root: Path,
    data: Path,
    observations: Callable[[], Iterable[Observation]],
    now: datetime,
    warn: Callable[[str], None],
) -> int:
    """Append one run's observations to the configured store; rows written. A store that cannot be
    written is one warning: recording health never fails the build, publish or sync that feeds it."""
    try:
        return append_and_prune(open_writer(root, data), observations(), now)
    except (MeshError, OSError, duckdb.Error, ValueError) as error:
        warn(f"health not recorded: {error}")
        return 0
