"""Writes generated tables as Parquet under `<out>/raw/<domain>/<table>/` and prints progress per table."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

import duckdb
from datagen.arrivals import Arrivals


def _literal(path: Path) -> str:
    return "'" + str(path).replace("'", "''") + "'"


class Writer:
    """One Parquet file per table, or one per part when a table arrives in batches."""

    def __init__(
        self,
        con: duckdb.DuckDBPyConnection,
        raw_dir: Path,
        say: Callable[[str], None],
        arrivals: Arrivals | None = None,
    ) -> None:
        self.con = con
        self.raw_dir = raw_dir
        self.say = say
        self.rows: dict[str, int] = {}
        self.arrivals = arrivals or Arrivals()

    def _arriving(self, domain: str, table: str, query: str) -> str:
        """The query as its rows arrive (the world's clock, held-back and dropped batches)."""
        if not self.arrivals.changes(domain):
            return query
        columns = [d[0] for d in self.con.execute(f"select * from ({query}) limit 0").description]
        return self.arrivals.wrap(domain, table, query, columns)

    def _fresh_dir(self, domain: str, table: str) -> Path:
        folder = self.raw_dir / domain / table
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        return folder

    def _copy(self, query: str, path: Path) -> int:
        self.con.execute(
            f"copy ({query}) to {_literal(path)} (format parquet, compression zstd, row_group_size 122880)"
        )
        row = self.con.execute(f"select count(*) from read_parquet({_literal(path)})").fetchone()
        return int(row[0]) if row else 0

    def table(self, domain: str, table: str, query: str) -> None:
        started = time.perf_counter()
        folder = self._fresh_dir(domain, table)
        rows = self._copy(self._arriving(domain, table, query), folder / f"{table}.parquet")
        self._done(domain, table, rows, 1, started)

    def table_in_parts(self, domain: str, table: str, query: str, part_column: str) -> None:
        """Split `query` by `part_column` (e.g. upload month) into one file per value, like batch uploads."""
        started = time.perf_counter()
        folder = self._fresh_dir(domain, table)
        self.con.execute(f"create or replace temp table t_parts as {self._arriving(domain, table, query)}")
        parts = [
            str(r[0])
            for r in self.con.execute(f'select distinct "{part_column}" from t_parts order by 1').fetchall()
        ]
        rows = 0
        for part in parts:
            escaped = part.replace("'", "''")
            rows += self._copy(
                f'select * exclude ("{part_column}") from t_parts where "{part_column}" = \'{escaped}\'',
                folder / f"{table}_{part}.parquet",
            )
        self.con.execute("drop table t_parts")
        self._done(domain, table, rows, len(parts), started)

    def _done(self, domain: str, table: str, rows: int, files: int, started: float) -> None:
        self.rows[f"{domain}.{table}"] = rows
        seconds = time.perf_counter() - started
        name = f"{domain}.{table}"
        self.say(f"  {name:<26} {rows:>10,} rows  {files:>3} file(s)  {seconds:6.2f}s")
