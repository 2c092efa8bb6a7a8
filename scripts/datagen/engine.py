"""The DuckDB session every table generator runs in, with seeded pseudo-random SQL macros.

Randomness comes from `hash(key, salt, seed)`, never from `random()`: a hash of the row key is the same
on every run and every thread count, so the same seed gives byte-identical Parquet files.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

# The synthetic business runs from START to END (UTC); as-of dates are fixed so output is reproducible.
START = "2024-01-01"
END = "2026-01-01"


@dataclass(frozen=True)
class Sizes:
    """Row counts for one scale factor (scale 1 is about 1M order lines)."""

    customers: int
    products: int
    orders: int
    campaigns: int
    sessions: int

    @classmethod
    def for_scale(cls, scale: float) -> Sizes:
        def n(base: int, floor: int) -> int:
            return max(floor, round(base * scale))

        return cls(
            customers=n(50_000, 200),
            products=n(2_000, 50),
            orders=n(333_000, 1_000),
            campaigns=n(60, 12),
            sessions=n(400_000, 1_000),
        )


def _macros(seed: int) -> list[str]:
    return [
        # uniform [0, 1) from a row key and a salt naming the attribute
        f"create or replace macro u(k, salt) as (hash(k, salt, {int(seed)}) % 1000000) / 1000000.0",
        "create or replace macro ri(k, salt, lo, hi) as "
        "cast(lo + floor(u(k, salt) * (hi - lo + 1)) as bigint)",
        "create or replace macro pick(k, salt, arr) as arr[1 + cast(floor(u(k, salt) * len(arr)) as bigint)]",
        # a UTC instant rendered the way different upstream systems do: naive, Z, or with an offset
        """create or replace macro ts_text(ts, k, salt) as (
            case cast(floor(u(k, salt) * 4) as int)
                when 0 then strftime(ts, '%Y-%m-%d %H:%M:%S')
                when 1 then strftime(ts, '%Y-%m-%dT%H:%M:%SZ')
                when 2 then strftime(ts + interval 2 hour, '%Y-%m-%d %H:%M:%S') || '+02:00'
                else strftime(ts - interval 5 hour, '%Y-%m-%dT%H:%M:%S') || '-05:00'
            end)""",
        "create or replace macro offset_secs(k, salt, span) as "
        "to_seconds(cast(floor(u(k, salt) * span) as bigint))",
    ]


def with_exact_duplicates(salt: str, order_by: str) -> str:
    """The CTE `rendered` plus about 1% of its rows again (an upstream re-extract), in shuffled order,
    without its `row_key` column. `salt` names which rows repeat; `order_by` fixes the file order."""
    return f"""select * exclude (row_key) from (
            select * from rendered
            union all
            select * from rendered where u(row_key, '{salt}') < 0.01
        ) order by {order_by}"""


def connect(seed: int, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("set TimeZone = 'UTC'")
    # insertion order is what makes the written files deterministic under parallel execution
    con.execute("set preserve_insertion_order = true")
    if threads:
        con.execute(f"set threads = {int(threads)}")
    for statement in _macros(seed):
        con.execute(statement)
    return con
