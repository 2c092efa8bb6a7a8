"""The health history: an embedded DuckDB file under the data folder, one row per product per run.

    <MESH_DATA_DIR>/health/health.duckdb   table `observations`, keyed by (run_id, product)

Rows are only ever appended; `prune` deletes those older than the retention (180 days by default), so
the file stays near a fixed size (docs/benchmarks.md: bytes per product per day). A file DuckDB cannot
open or read is damaged: it is set aside as `health.duckdb.damaged-<UTC time>` and a fresh store started,
with one warning. A store another process holds open is busy, not damaged: one line, exit 2.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy

from governance.errors import MeshError

RETENTION_DAYS = 180
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
TESTED_AGAINST = "tested-against:"  # an upstream its tests compare it with, not one it reads
NO_OWN_SOURCES = "reads no source of its own domain"  # the freshness note of a mart over other products
PUBLISH_RUN = "publish-"  # the run ids of `mesh publish` (health/published.py) start so
UNITY_RUN = "unity-"  # the run ids of a Unity Catalog refresh (health/unity.py) start so
# Observations read from a catalog after a build (a publish, a Unity Catalog refresh): they repeat the
# figures of the build before them, so a product that also has builds is judged on its builds.
_AFTER_BUILD = f"(starts_with(run_id, '{PUBLISH_RUN}') or starts_with(run_id, '{UNITY_RUN}'))"
STORE_FILE = "health.duckdb"
SCHEMA_VERSION = 1

COLUMNS_SQL = """
    run_id varchar not null,
    observed_at timestamptz not null,
    product varchar not null,
    name varchar not null,
    domain varchar not null,
    owner varchar,
    contact varchar,
    sla_hours double,
    loaded_at timestamptz,
    freshness_note varchar,
    row_count bigint,
    tests_total integer not null,
    tests_failed integer not null,
    tests_warned integer not null,
    failed_tests varchar[] not null,
    build_status varchar not null,
    columns varchar not null,
    upstreams varchar[] not null
"""


@dataclass(frozen=True, slots=True)
class Observation:
    """One product as one run left it. Times are UTC."""

    run_id: str
    observed_at: datetime
    product: str  # dbt unique_id
    name: str  # project.name[.vN]
    domain: str
    owner: str | None  # owning group
    contact: str | None
    sla_hours: float | None
    loaded_at: datetime | None  # the newest load among the product's own sources
    freshness_note: str | None  # why loaded_at is unknown
    row_count: int | None
    tests_total: int
    tests_failed: int
    tests_warned: int
    failed_tests: tuple[str, ...]
    build_status: str  # success | failed | skipped
    columns: str  # "name type" per column, sorted, joined by "; "
    upstreams: tuple[str, ...]  # unique_ids of the products it reads (any domain), and TESTED_AGAINST + id


FIELDS = tuple(f.name for f in fields(Observation))


@dataclass(frozen=True, slots=True)
class History:
    """Every observation's figures as columns, sorted by product then time (numpy arrays).

    `start[i]:start[i + 1]` are the rows of `products[i]`; `t` is seconds since the epoch (UTC),
    `rows` and `lag` (hours since the newest load, at the build) are NaN where unknown."""

    products: list[str]
    start: numpy.ndarray
    t: numpy.ndarray
    rows: numpy.ndarray
    lag: numpy.ndarray
    shape: numpy.ndarray  # a hash of the columns
    published: numpy.ndarray | None = None  # True where a publish or a Unity refresh wrote the row

    @classmethod
    def of(cls, table: dict[str, Any], names: dict[int, str]) -> History:
        """`table` (DuckDB's fetchnumpy): product_key (a hash of the product id), t, row_count and lag
        (NaN where unknown), shape, run_key, published; `names`: product_key -> product id. Products
        come in the order of their keys. Sorted here: numpy's lexsort costs a quarter of DuckDB's ORDER BY."""
        key = numpy.asarray(table["product_key"])
        t = _floats(table["t"])
        order = numpy.lexsort((numpy.asarray(table["run_key"]), t, key))  # product, time, run
        key = key[order]
        start = numpy.concatenate(([0], numpy.flatnonzero(key[1:] != key[:-1]) + 1, [len(key)]))
        products = [names[k] for k in key[start[:-1]].tolist()] if len(key) else []
        published = numpy.asarray(table["published"], dtype=bool)[order] if "published" in table else None
        return cls(
            products, start, t[order], _floats(table["row_count"])[order], _floats(table["lag"])[order],
            numpy.asarray(table["shape"])[order], published,
        )  # fmt: skip

    def reshaped(self) -> list[str]:
        """Products whose newest observation's columns differ from the one before."""
        if not self.products:
            return []
        last = self.start[1:] - 1
        earlier = numpy.maximum(last - 1, 0)
        changed = (last - self.start[:-1] >= 1) & (self.shape[last] != self.shape[earlier])
        return [self.products[i] for i in numpy.flatnonzero(changed).tolist()]

    def has_previous(self) -> set[str]:
        counts = self.start[1:] - self.start[:-1]
        return {self.products[i] for i in numpy.flatnonzero(counts > 1).tolist()}

    def rows_of(self, product_index: int) -> slice:
        return slice(int(self.start[product_index]), int(self.start[product_index + 1]))


@dataclass(frozen=True, slots=True)
class Snapshot:
    latest: list[tuple[Observation, str | None]]  # newest observation, the previous one's columns
    history: History


class StoreBusyError(MeshError):
    pass


def store_path(data: Path) -> Path:
    return data / "health" / STORE_FILE


def _damaged(error: duckdb.Error) -> bool:
    """Whether opening failed on the file itself (not a DuckDB file, cut short, not our table), rather
    than on another connection holding it (a lock, or this process with other settings)."""
    text = str(error).lower()
    return not isinstance(error, duckdb.ConnectionException) and "lock" not in text


class HealthStore:
    """The history of one mesh. `open` creates it (writers); `open_existing` never does (readers)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.connection = connection
        self.path = path
        self.retention_days = RETENTION_DAYS  # health.yml retention_days (backends.open_store)

    @classmethod
    def open(cls, path: Path) -> HealthStore:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            return cls._connect(path, read_only=False)
        except duckdb.Error as error:
            if not _damaged(error):
                raise StoreBusyError(
                    f"{path}: the health store is in use by another mesh command; retry"
                ) from None
            aside = path.with_name(f"{path.name}.damaged-{datetime.now(UTC):%Y%m%dT%H%M%S}")
            path.rename(aside)
            path.with_name(path.name + ".wal").unlink(missing_ok=True)
            print(
                f"warning: {path}: the health store was damaged ({str(error).splitlines()[0]}); "
                f"set aside as {aside.name}, a fresh one started",
                file=sys.stderr,
            )
            return cls._connect(path, read_only=False)

    @classmethod
    def open_existing(cls, path: Path) -> HealthStore | None:
        """The store for reading, or None when there is none yet; a damaged one is set aside as above."""
        if not path.is_file():
            return None
        try:
            return cls._connect(path, read_only=True)
        except duckdb.Error as error:
            if not _damaged(error):
                raise StoreBusyError(
                    f"{path}: the health store is in use by another mesh command; retry"
                ) from None
        store = cls.open(path)  # sets the damaged file aside, with its warning
        store.close()
        return None

    @classmethod
    def _connect(cls, path: Path, *, read_only: bool) -> HealthStore:
        connection = duckdb.connect(str(path), read_only=read_only)
        try:
            connection.execute("set TimeZone = 'UTC'")
            connection.execute("set enable_progress_bar = false")
            if not read_only:
                connection.execute(f"create table if not exists observations ({COLUMNS_SQL})")
                connection.execute("create table if not exists store_info (schema_version integer)")
                if not connection.execute("select 1 from store_info").fetchall():
                    connection.execute("insert into store_info values (?)", [SCHEMA_VERSION])
            connection.execute("select count(*) from observations").fetchall()  # readable, right shape
        except duckdb.Error:
            connection.close()
            raise
        return cls(connection, path)

    def close(self) -> None:
        self.connection.close()

    def append(self, observations: Iterable[Observation]) -> int:
        rows = [astuple(o) for o in observations]
        if not rows:
            return 0
        marks = ", ".join("?" for _ in FIELDS)
        self.connection.execute("begin")
        self.connection.executemany(f"insert into observations values ({marks})", [list(r) for r in rows])
        self.connection.execute("commit")
        return len(rows)

    def append_frame(self, frame: object) -> None:
        """Bulk append from an Arrow table or pandas frame with the observation columns (benchmarks)."""
        self.connection.register("incoming", frame)
        self.connection.execute(f"insert into observations select {', '.join(FIELDS)} from incoming")
        self.connection.unregister("incoming")

    def prune(self, now: datetime, days: int | None = None) -> int:
        cutoff = now - timedelta(days=days or self.retention_days)
        row = self.connection.execute(
            "delete from observations where observed_at < ? returning 1", [cutoff]
        ).fetchall()
        return len(row)

    def runs(self) -> int:
        row = self.connection.execute("select count(distinct run_id) from observations").fetchone()
        return int(row[0]) if row else 0

    def latest(self, products: Sequence[str] | None = None) -> list[tuple[Observation, str | None]]:
        """Each product's newest observation, with the previous one's columns (None when it has none)."""
        return self.snapshot(products).latest

    def snapshot(self, products: Sequence[str] | None = None) -> Snapshot:
        """The newest observation of each product and every product's history, as columns."""
        where, params = _product_filter(products)
        selected = ", ".join(
            f"epoch_us({f})" if f in ("observed_at", "loaded_at") else f for f in FIELDS
        )  # microseconds: a datetime each without a time zone database lookup
        rows = self.connection.execute(
            f"""select {selected}, hash(product) from observations o
                semi join (select product, max(observed_at) as newest from observations {where}
                           group by product) m on o.product = m.product and o.observed_at = m.newest
                order by product, run_id""",
            params,
        ).fetchall()
        # NULL figures as NaN: plain numpy columns, no masked arrays
        table = self.connection.execute(
            f"""select hash(product) as product_key, epoch(observed_at) as t,
                       coalesce(cast(row_count as double), 'nan'::double) as row_count,
                       coalesce((epoch(observed_at) - epoch(loaded_at)) / 3600.0, 'nan'::double) as lag,
                       hash(columns) as shape, hash(run_id) as run_key, {_AFTER_BUILD} as published
                from observations {where}""",
            params,
        ).fetchnumpy()
        history = History.of(table, {int(row[-1]): str(row[2]) for row in rows})
        latest: dict[str, Observation] = {}
        for row in rows:
            observation = _observation(row[:-1], epoch=True)
            latest[observation.product] = observation  # a tie in time: the greater run id, as in History
        previous_columns = self._previous_columns(history.reshaped(), latest)
        with_previous = history.has_previous()
        found = []
        for product in sorted(latest):
            observation = latest[product]
            before = previous_columns.get(product, observation.columns) if product in with_previous else None
            found.append((observation, before))
        return Snapshot(found, history)

    def _previous_columns(self, products: list[str], latest: dict[str, Observation]) -> dict[str, str]:
        found: dict[str, str] = {}
        for product in products:  # schema changes are rare: one small query each
            row = self.connection.execute(
                """select columns from observations where product = ? and observed_at < ?
                   order by observed_at desc, run_id desc limit 1""",
                [product, latest[product].observed_at],
            ).fetchone()
            if row is not None:
                found[product] = str(row[0])
        return found

    def series(
        self, products: Sequence[str] | None = None, per_product: int = 120
    ) -> dict[str, list[tuple[datetime, int | None, float | None]]]:
        """Each product's last runs, oldest first: (observed_at, row_count, hours since its newest load)."""
        where, params = _product_filter(products)
        result = self.connection.execute(
            f"""select product, observed_at, row_count,
                       date_diff('second', loaded_at, observed_at) / 3600.0 as lag_hours
                from (select product, observed_at, row_count, loaded_at,
                             row_number() over (partition by product order by observed_at desc, run_id desc)
                             as back
                      from observations {where})
                where back <= {int(per_product)}
                order by product, observed_at, back desc""",
            params,
        ).fetchnumpy()
        found: dict[str, list[tuple[datetime, int | None, float | None]]] = {}
        products_col = result["product"]
        moments = result["observed_at"]
        counts = result["row_count"]
        lags = result["lag_hours"]
        count_values, count_missing = _values(counts, 0)
        lag_values, lag_missing = _values(lags, 0.0)
        stamps = (moments.astype("datetime64[us]").astype("int64") if len(moments) else moments).tolist()
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        for i, product in enumerate(products_col.tolist()):
            moment = epoch + timedelta(microseconds=stamps[i])
            found.setdefault(product, []).append(
                (
                    moment,
                    None if count_missing[i] else int(count_values[i]),
                    None if lag_missing[i] else float(lag_values[i]),
                )
            )
        return found

    def recent_tests(self, product: str, limit: int = 10) -> list[tuple[datetime, str, int, int, int]]:
        """The product's last runs, newest first: (observed_at, build status, tests, failed, warned)."""
        rows = self.connection.execute(
            """select observed_at, build_status, tests_total, tests_failed, tests_warned
               from observations where product = ? order by observed_at desc, run_id desc limit ?""",
            [product, limit],
        ).fetchall()
        return [(_utc(r[0]), str(r[1]), int(r[2]), int(r[3]), int(r[4])) for r in rows]


def _floats(column: Any) -> numpy.ndarray:
    """A fetched numeric column as floats, NaN where NULL (DuckDB gives masked arrays then)."""
    if not isinstance(column, numpy.ma.MaskedArray):
        return numpy.asarray(column, dtype="float64")
    values: numpy.ndarray = numpy.ma.filled(column.astype("float64"), numpy.nan)
    return values


def _values(column: Any, fill: float) -> tuple[list[Any], list[bool]]:
    """A fetched column's values and which are NULL (DuckDB returns masked arrays when some are)."""
    mask = numpy.ma.getmaskarray(column)
    return numpy.ma.filled(column, fill).tolist(), mask.tolist()


def _product_filter(products: Sequence[str] | None) -> tuple[str, list[object]]:
    if products is None:
        return "", []
    return "where list_contains(?, product)", [list(products)]


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _observation(row: Sequence[object], *, epoch: bool = False) -> Observation:
    values = dict(zip(FIELDS, row, strict=True))
    for name in ("observed_at", "loaded_at"):
        value = values[name]
        if value is not None:
            values[name] = EPOCH + timedelta(microseconds=value) if epoch else _utc(value)  # type: ignore[arg-type]
    values["failed_tests"] = tuple(values["failed_tests"] or ())  # type: ignore[arg-type]
    values["upstreams"] = tuple(values["upstreams"] or ())  # type: ignore[arg-type]
    return Observation(**values)  # type: ignore[arg-type]
