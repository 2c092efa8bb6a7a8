"""The health store as a table in the warehouse (health.yml `store.kind: warehouse`).

A PostgreSQL table, `store.table` of `store.uri`, with the observation columns and the embedded store's
behaviour: rows only ever appended, keyed by (product, run_id) (the primary key), pruned by age (an
index on observed_at), a table of another shape set aside as damaged (`<table>_damaged_<UTC time>`) with
one warning and a fresh one created. Reads copy the rows into an in-memory DuckDB once per change, so
`mesh health`, the site and the tests judge both stores with the same SQL and numpy code; the embedded
file stays the fast path (docs/benchmarks.md).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import astuple
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import psycopg
import sqlalchemy
from sqlalchemy.exc import OperationalError, SQLAlchemyError

from governance.credentials import redact
from governance.errors import MeshError
from governance.health.settings import HealthSettings
from governance.health.store import COLUMNS_SQL, FIELDS, HealthStore, Observation, Snapshot

PG_COLUMNS = (
    ("run_id", "text not null"), ("observed_at", "timestamptz not null"), ("product", "text not null"),
    ("name", "text not null"), ("domain", "text not null"), ("owner", "text"), ("contact", "text"),
    ("sla_hours", "double precision"), ("loaded_at", "timestamptz"), ("freshness_note", "text"),
    ("row_count", "bigint"), ("tests_total", "integer not null"), ("tests_failed", "integer not null"),
    ("tests_warned", "integer not null"), ("failed_tests", "text[] not null"),
    ("build_status", "text not null"), ("columns", "text not null"), ("upstreams", "text[] not null"),
)  # fmt: skip
assert tuple(name for name, _ in PG_COLUMNS) == FIELDS
# Reading: each column as PostgreSQL exports it to CSV, its type in DuckDB's reader, and how it is restored.
_EXPORT = {
    "observed_at": "(extract(epoch from observed_at) * 1000000)::bigint",
    "loaded_at": "(extract(epoch from loaded_at) * 1000000)::bigint",
    "failed_tests": "array_to_json(failed_tests)::text", "upstreams": "array_to_json(upstreams)::text",
}  # fmt: skip
_CSV_TYPES = {
    "observed_at": "BIGINT", "loaded_at": "BIGINT", "sla_hours": "DOUBLE", "row_count": "BIGINT",
    "tests_total": "INTEGER", "tests_failed": "INTEGER", "tests_warned": "INTEGER",
}  # fmt: skip
_IMPORT = {
    "observed_at": "make_timestamp(observed_at)::timestamptz",
    "loaded_at": "make_timestamp(loaded_at)::timestamptz",
    "failed_tests": "cast(failed_tests::json as varchar[])",
    "upstreams": "cast(upstreams::json as varchar[])",
}  # fmt: skip


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class WarehouseHealthStore(HealthStore):
    """The health history in a PostgreSQL table (see the module's docstring)."""

    def __init__(self, engine: sqlalchemy.Engine, settings: HealthSettings) -> None:
        super().__init__(duckdb.connect(":memory:"), Path(settings.display))
        self.engine = engine
        self.settings = settings
        self.qualified = f"{_quote(settings.schema)}.{_quote(settings.table)}"
        self._copied = False
        self.connection.execute("set TimeZone = 'UTC'")
        self.connection.execute(f"create table observations ({COLUMNS_SQL})")

    # -- opening -----------------------------------------------------------------------------------
    @classmethod
    def open(cls, settings: HealthSettings) -> WarehouseHealthStore:  # type: ignore[override]
        store = cls(_engine(settings), settings)
        try:
            with store._begin() as connection:
                connection.exec_driver_sql(
                    "select pg_advisory_xact_lock(hashtext(%(name)s))", {"name": store.qualified}
                )  # two first writers at once: one creates, the other finds it
                connection.exec_driver_sql(f"create schema if not exists {_quote(settings.schema)}")
                found = store._columns(connection)
                if found and found != list(FIELDS):
                    aside = f"{settings.table}_damaged_{datetime.now(UTC):%Y%m%d_%H%M%S}"[:63]
                    connection.exec_driver_sql(f"alter table {store.qualified} rename to {_quote(aside)}")
                    print(
                        f"warning: {settings.display}: the health store table has other columns "
                        f"({', '.join(found[:4])}...); set aside as {settings.schema}.{aside}, a fresh one "
                        "started",
                        file=sys.stderr,
                    )
                    found = []
                if not found:
                    columns = ", ".join(f"{_quote(n)} {kind}" for n, kind in PG_COLUMNS)
                    connection.exec_driver_sql(
                        f"create table {store.qualified} ({columns}, primary key (product, run_id))"
                    )
                    index = _quote(f"{settings.table}_observed_at"[:63])
                    connection.exec_driver_sql(
                        f"create index if not exists {index} on {store.qualified} (observed_at)"
                    )
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def open_existing(cls, settings: HealthSettings) -> WarehouseHealthStore | None:  # type: ignore[override]
        """The store for reading, or None when its table does not exist yet (nothing is created); a
        table of another shape is set aside as in `open`."""
        store = cls(_engine(settings), settings)
        try:
            with store._begin() as connection:
                found = store._columns(connection)
        except BaseException:
            store.close()
            raise
        if not found:
            store.close()
            return None
        if found != list(FIELDS):
            store.close()
            cls.open(settings).close()  # sets it aside, with its warning
            return None
        return store

    def _columns(self, connection: sqlalchemy.Connection) -> list[str]:
        rows = connection.exec_driver_sql(
            "select column_name from information_schema.columns where table_schema = %(s)s "
            "and table_name = %(t)s order by ordinal_position",
            {"s": self.settings.schema, "t": self.settings.table},
        ).fetchall()
        return [str(r[0]) for r in rows]

    def _begin(self) -> Any:
        return _Guarded(self.engine.begin(), self.settings)

    def close(self) -> None:
        super().close()
        self.engine.dispose()

    # -- writing -----------------------------------------------------------------------------------
    def append(self, observations: Iterable[Observation]) -> int:
        rows = [_pg_row(o) for o in observations]
        if not rows:
            return 0
        names = ", ".join(_quote(n) for n in FIELDS)
        marks = ", ".join(f"%({n})s" for n in FIELDS)
        with self._begin() as connection:
            connection.exec_driver_sql(f"insert into {self.qualified} ({names}) values ({marks})", rows)
        self._copied = False
        return len(rows)

    def append_frame(self, frame: object) -> None:
        raise MeshError("the warehouse health store appends observations, not frames")

    def prune(self, now: datetime, days: int | None = None) -> int:
        cutoff = now - timedelta(days=days or self.retention_days)
        with self._begin() as connection:
            result = connection.exec_driver_sql(
                f"delete from {self.qualified} where observed_at < %(cutoff)s", {"cutoff": cutoff}
            )
        self._copied = False
        return int(result.rowcount or 0)

    def runs(self) -> int:
        with self._begin() as connection:
            row = connection.exec_driver_sql(
                f"select count(distinct run_id) from {self.qualified}"
            ).fetchone()
        return int(row[0]) if row else 0

    # -- reading: the table copied into DuckDB, then the embedded store's own code -----------------------
    def _copy(self) -> None:
        """The table into the in-memory DuckDB: PostgreSQL's COPY as CSV into a temporary file, read by
        DuckDB's CSV reader (times as epoch microseconds, lists as JSON): no Python object per value."""
        if self._copied:
            return
        exported = ", ".join(_EXPORT.get(n, _quote(n)) for n in FIELDS)
        with tempfile.TemporaryDirectory(prefix="mesh-health-") as folder:
            path = Path(folder) / "observations.csv"
            with self._begin() as connection, path.open("wb") as out:
                cursor = connection.connection.driver_connection.cursor()
                try:
                    with cursor.copy(
                        f"COPY (select {exported} from {self.qualified}) TO STDOUT (FORMAT csv)"
                    ) as copy:
                        for block in copy:
                            out.write(block)
                except psycopg.Error as error:
                    raise MeshError(
                        f"health store {self.settings.display}: {redact(str(error).splitlines()[0])}"
                    ) from None
            columns = ", ".join(f"'{n}': '{_CSV_TYPES.get(n, 'VARCHAR')}'" for n in FIELDS)
            imported = ", ".join(_IMPORT.get(n, n) for n in FIELDS)
            self.connection.execute("delete from observations")
            self.connection.execute(
                f"""insert into observations select {imported} from read_csv(?, columns = {{{columns}}},
                    header = false, auto_detect = false, allow_quoted_nulls = false)""",
                [str(path)],
            )
        self._copied = True

    def snapshot(self, products: Sequence[str] | None = None) -> Snapshot:
        self._copy()
        return super().snapshot(products)

    def series(
        self, products: Sequence[str] | None = None, per_product: int = 120
    ) -> dict[str, list[tuple[datetime, int | None, float | None]]]:
        self._copy()
        return super().series(products, per_product)

    def recent_tests(self, product: str, limit: int = 10) -> list[tuple[datetime, str, int, int, int]]:
        self._copy()
        return super().recent_tests(product, limit)


def _pg_row(observation: Observation) -> dict[str, object]:
    values = dict(zip(FIELDS, astuple(observation), strict=True))
    values["failed_tests"] = list(observation.failed_tests)
    values["upstreams"] = list(observation.upstreams)
    return values


def _engine(settings: HealthSettings) -> sqlalchemy.Engine:
    assert settings.uri is not None
    return sqlalchemy.create_engine(
        settings.uri,
        pool_pre_ping=False,
        connect_args={"connect_timeout": 10, "options": "-c timezone=UTC"},
    )


class _Guarded:
    """A connection context whose database errors are one line naming the store, never a traceback."""

    def __init__(self, context: Any, settings: HealthSettings) -> None:
        self.context = context
        self.settings = settings

    def __enter__(self) -> sqlalchemy.Connection:
        try:
            connection: sqlalchemy.Connection = self.context.__enter__()
        except SQLAlchemyError as error:
            raise _error(error, self.settings) from None
        return connection

    def __exit__(self, kind: Any, error: Any, trace: Any) -> None:
        try:
            self.context.__exit__(kind, error, trace)
        except SQLAlchemyError as failure:
            raise _error(failure, self.settings) from None
        if isinstance(error, SQLAlchemyError):
            raise _error(error, self.settings) from None


def _error(error: SQLAlchemyError, settings: HealthSettings) -> MeshError:
    cause = redact(str(getattr(error, "orig", None) or error).strip().splitlines()[0])
    if isinstance(error, OperationalError):
        return MeshError(
            f"health store {settings.display} unreachable ({cause}); start the database or set "
            f"store.kind: duckdb in {settings.path}"
        )
    return MeshError(f"health store {settings.display}: {cause}")
