"""Both health stores for one test: the embedded DuckDB file and the warehouse table (PostgreSQL, from
scripts/ci/postgres.sh; each test its own schema, dropped after it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from governance.health.settings import HealthSettings
from governance.health.store import HealthStore, store_path
from governance.health.warehouse import WarehouseHealthStore
from tests.governance.iceberg.conftest import pg_uri, require_postgres


def observations(data: Path, columns: str, order: str) -> list[tuple[Any, ...]]:
    """`select <columns> from observations order by <order>` in the embedded store under `data`."""
    store = HealthStore.open_existing(store_path(data))
    assert store is not None, f"no health store under {data}"
    try:
        return store.connection.execute(f"select {columns} from observations order by {order}").fetchall()
    finally:
        store.close()


BACKENDS = ["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Backend:
    name: str
    path: Path  # the DuckDB file
    settings: HealthSettings | None  # the warehouse table

    def open(self) -> HealthStore:
        return (
            HealthStore.open(self.path) if self.settings is None else WarehouseHealthStore.open(self.settings)
        )

    def open_existing(self) -> HealthStore | None:
        if self.settings is None:
            return HealthStore.open_existing(self.path)
        return WarehouseHealthStore.open_existing(self.settings)

    def exists(self) -> bool:
        if self.settings is None:
            return self.path.exists()
        return bool(
            self.sql(f"select to_regclass('{self.settings.schema}.{self.settings.table}') is not null")
        )

    def sql(self, statement: str) -> object:
        assert self.settings is not None and self.settings.uri is not None
        engine = sqlalchemy.create_engine(self.settings.uri)
        try:
            with engine.begin() as connection:
                result = connection.exec_driver_sql(statement)
                return result.scalar() if result.returns_rows else None
        finally:
            engine.dispose()


def warehouse_settings(**changes: object) -> HealthSettings:
    values: dict[str, object] = {
        "path": None, "uri": pg_uri(), "schema": f"health_{uuid.uuid4().hex[:12]}", "table": "observations",
    }  # fmt: skip
    values.update(changes)
    return HealthSettings(**values)  # type: ignore[arg-type]


def _warehouse(tmp_path: Path) -> Iterator[Backend]:
    require_postgres()
    found = Backend("postgres", tmp_path / "unused", warehouse_settings())
    try:
        yield found
    finally:
        assert found.settings is not None
        found.sql(f"drop schema if exists {found.settings.schema} cascade")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "duckdb":
        yield Backend("duckdb", tmp_path / "health" / "health.duckdb", None)
    else:
        yield from _warehouse(tmp_path)


@pytest.fixture
def warehouse(tmp_path: Path) -> Iterator[Backend]:
    """The warehouse table alone (tests marked `postgres`)."""
    yield from _warehouse(tmp_path)
