"""The health store: append-only, newest per product, series, pruning, damage and absence; the same
tests against the embedded DuckDB file and the warehouse table (PostgreSQL, marker `postgres`)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from governance.health.store import HealthStore, StoreBusyError
from tests.governance.health.observations import AT, daily_runs, observation
from tests.governance.health.stores import Backend


def test_appended_runs_give_each_products_newest_observation_and_its_series(backend: Backend) -> None:
    store = backend.open()
    assert store.append(daily_runs(5)) == 20
    latest = dict((o.product, (o, previous)) for o, previous in store.latest())
    newest, previous_columns = latest["model.orders.fct_orders"]
    assert newest.run_id == "run-004" and newest.observed_at == AT
    assert newest.loaded_at == AT - timedelta(hours=4)
    assert newest.upstreams == () and latest["model.hub.marketing_roi"][0].loaded_at is None
    assert previous_columns == "id integer; amount double"
    series = store.series(["model.orders.fct_orders"])
    assert list(series) == ["model.orders.fct_orders"]
    assert [count for _, count, _ in series["model.orders.fct_orders"]] == [1000, 1100, 1200, 1300, 1400]
    assert [lag for _, _, lag in series["model.orders.fct_orders"]] == [4.0] * 5
    assert store.runs() == 5
    store.close()


def test_a_missing_row_count_or_load_time_stays_missing(backend: Backend) -> None:
    store = backend.open()
    store.append([observation("model.orders.fct_orders", 0, AT, row_count=None, loaded_at=None)])
    ((moment, count, lag),) = store.series()["model.orders.fct_orders"]
    assert (moment, count, lag) == (AT, None, None)
    store.close()


def test_prune_removes_only_what_is_older_than_the_retention(backend: Backend) -> None:
    store = backend.open()
    store.append(daily_runs(10))
    assert store.prune(AT, days=5) == 4 * 4  # runs 0..3 are more than 5 days old
    assert store.runs() == 6
    store.retention_days = 3  # health.yml retention_days: the default of every prune
    assert store.prune(AT) == 2 * 4
    assert [count for _, count, _ in store.series()["model.orders.fct_orders"]] == [1600, 1700, 1800, 1900]
    store.close()


def test_appended_runs_are_read_back_by_a_later_reader(backend: Backend) -> None:
    """A second process (here: a second store object) sees what the first appended; nothing rewritten."""
    writer = backend.open()
    writer.append(daily_runs(2))
    writer.close()
    writer = backend.open()
    writer.append([observation("model.orders.fct_orders", 9, AT, row_count=5)])
    writer.close()
    reader = backend.open_existing()
    assert reader is not None
    try:
        assert reader.runs() == 3
        assert [count for _, count, _ in reader.series()["model.orders.fct_orders"]] == [1000, 1100, 5]
        assert [t[0] for t in reader.recent_tests("model.orders.fct_orders", limit=2)] == [AT, AT]
    finally:
        reader.close()


def test_no_store_yet_is_none_and_creates_nothing(backend: Backend) -> None:
    assert backend.open_existing() is None
    assert not backend.exists()


def test_a_damaged_store_is_set_aside_with_one_warning_and_a_fresh_one_started(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "health.duckdb"
    path.write_bytes(b"not a database, a disk that lost its blocks" * 100)
    store = HealthStore.open(path)
    store.append(daily_runs(1))
    assert store.runs() == 1
    store.close()
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "set aside as health.duckdb.damaged-" in err
    aside = [p for p in tmp_path.iterdir() if p.name.startswith("health.duckdb.damaged-")]
    assert len(aside) == 1 and aside[0].read_bytes().startswith(b"not a database")


def test_a_damaged_store_read_by_mesh_health_is_set_aside_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "health.duckdb"
    path.write_bytes(b"\x00" * 4096)
    assert HealthStore.open_existing(path) is None
    assert "set aside" in capsys.readouterr().err
    fresh = HealthStore.open_existing(path)  # the fresh one is empty, and readable
    assert fresh is not None and fresh.latest() == []
    fresh.close()


def test_a_store_held_open_is_busy_not_damaged(tmp_path: Path) -> None:
    path = tmp_path / "health.duckdb"
    writer = HealthStore.open(path)
    writer.append(daily_runs(1))
    try:
        with pytest.raises(StoreBusyError, match="in use by another mesh command"):
            HealthStore.open_existing(path)  # this process holds it with other settings
    finally:
        writer.close()
    assert [p.name for p in tmp_path.iterdir()] == ["health.duckdb"]  # nothing set aside
    reader = HealthStore.open_existing(path)
    assert reader is not None and reader.runs() == 1
    reader.close()


def test_a_duckdb_file_cut_short_is_damaged(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "health.duckdb"
    store = HealthStore.open(path)
    store.append(daily_runs(3))
    store.close()
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    assert HealthStore.open_existing(path) is None
    assert "set aside" in capsys.readouterr().err


@pytest.mark.postgres
def test_a_warehouse_table_of_another_shape_is_set_aside_with_one_warning(
    warehouse: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert warehouse.settings is not None
    schema = warehouse.settings.schema
    warehouse.sql(f"create schema {schema}")
    warehouse.sql(f"create table {schema}.observations (id integer, note text)")
    warehouse.sql(f"insert into {schema}.observations values (1, 'kept')")
    assert warehouse.open_existing() is None
    err = capsys.readouterr().err
    assert err.count("warning:") == 1 and "set aside as " + schema + ".observations_damaged_" in err
    store = warehouse.open_existing()  # the fresh one is empty, and readable
    assert store is not None and store.latest() == []
    store.close()
    aside = warehouse.sql(
        f"select table_name from information_schema.tables where table_schema = '{schema}' "
        "and starts_with(table_name, 'observations_damaged_')"
    )
    assert aside is not None and warehouse.sql(f"select note from {schema}.{aside}") == "kept"
