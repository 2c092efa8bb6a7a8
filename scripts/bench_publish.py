"""Benchmark `mesh publish` against DuckDB's own Parquet writer, and `mesh query` at scale 1.

    .venv/bin/python scripts/bench_publish.py [--rows 5000000] [--repeat 3] [--mesh-data DIR]

Part 1: one product of --rows rows (8 typed columns) in a DuckDB file, written side by side, --repeat
times, each run in its own process (peak RSS from wait4):
  * publish            the mesh publisher (stream Arrow batches -> Parquet data files -> catalog commit)
  * duckdb-copy        the peer: COPY (SELECT ...) TO 'x.parquet' (FORMAT parquet, COMPRESSION zstd)
  * pyiceberg-append   pyiceberg's own Table.append(RecordBatchReader), for the memory comparison
  * publish-fifth      the publisher on a fifth of the rows: same peak memory = memory bounded by batches
  * baseline           the same imports and nothing else (the RSS every process starts with)
Part 2: `mesh query` (embedded engine, whole CLI process) for a join of orders, marketing and the
published logistics products at scale 1, against the same join in plain DuckDB on the three files.
The scale-1 mesh is read from --mesh-data (default $MESH_DATA_DIR, else .mesh/bench/scale1, which is
generated and built with `mesh build` when absent: several minutes).
Prints a markdown section (medians) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
MODES = ("publish", "duckdb-copy", "pyiceberg-append", "publish-fifth", "baseline")
COLUMNS = {
    "id": "integer",
    "customer_id": "bigint",
    "label": "varchar",
    "amount": "decimal(12, 2)",
    "weight": "double",
    "day": "date",
    "at": "timestamp",
    "flag": "boolean",
}
GENERATE = """
CREATE SCHEMA gold;
CREATE TABLE gold.fct_bench AS
SELECT i::INTEGER AS id, (hash(i) % 1000000)::BIGINT AS customer_id, 'label-' || (i % 5000) AS label,
       ((hash(i) % 100000) / 100)::DECIMAL(12, 2) AS amount, (i % 977) * 0.37 AS weight,
       DATE '2024-01-01' + (i % 730)::INTEGER AS day, TIMESTAMP '2024-01-01' + to_seconds(i) AS at,
       i % 3 = 0 AS flag
FROM range({rows}) t(i)
"""
JOIN = """
select a.attribution_channel, count(*) as orders, sum(o.order_total) as revenue,
       avg(s.transit_hours) as avg_transit_hours, avg(case when s.is_on_time then 1.0 else 0.0 end) as on_time
from orders.gold.fct_orders as o
join marketing.gold.fct_attributed_orders as a using (order_id)
join logistics.gold.fct_shipments as s using (order_id)
group by 1 order by 2 desc
"""


# ---------------------------------------------------------------- child processes (one run each)


def _bench_model() -> Any:
    from governance.model import Access, Column, Layer, Location, Model

    return Model(
        unique_id="model.bench.fct_bench",
        project="bench",
        name="fct_bench",
        version=None,
        latest_version=None,
        deprecation_date=None,
        access=Access.PUBLIC,
        group="bench",
        layer=Layer.GOLD,
        description="Benchmark product.",
        columns={n: Column(n, t, f"{n} column") for n, t in COLUMNS.items()},
        contract_enforced=True,
        materialized="table",
        database="bench",
        schema="gold",
        alias="fct_bench",
        tags=(),
        meta={"domain": "bench", "owner": "bench-team"},
        grants={},
        constraints=(),
        depends_on=(),
        sql_path=Location("bench.sql"),
    )


def child(mode: str, source: Path, out: Path, rows: int) -> dict[str, Any]:
    import duckdb
    import pyarrow  # noqa: F401 - same imports in every mode, so the baseline RSS is comparable
    from pyiceberg.catalog.sql import SqlCatalog

    from governance.iceberg.catalog import open_catalog
    from governance.iceberg.config import CatalogSettings
    from governance.iceberg.publisher import Publisher

    out.mkdir(parents=True)
    started = time.perf_counter()
    if mode in ("publish", "publish-fifth"):
        settings = CatalogSettings(
            "bench",
            f"sqlite:///{out / 'catalog.db'}",
            (out / "lake").as_uri(),
            "bench",
            131072,
            256 * 1024 * 1024,
            source.parent,
        )
        published = Publisher(open_catalog(settings), settings).publish(_bench_model())
        assert published.rows == rows, published
    elif mode == "duckdb-copy":
        connection = duckdb.connect()
        connection.execute(f"ATTACH '{source}' AS bench (READ_ONLY)")
        connection.execute(
            f"COPY (SELECT * FROM bench.gold.fct_bench) TO '{out / 'x.parquet'}' "
            "(FORMAT parquet, COMPRESSION zstd)"
        )
    elif mode == "pyiceberg-append":
        connection = duckdb.connect()
        connection.execute(f"ATTACH '{source}' AS bench (READ_ONLY)")
        reader = connection.sql("SELECT * FROM bench.gold.fct_bench").to_arrow_reader(131072)
        catalog = SqlCatalog(
            "bench", uri=f"sqlite:///{out / 'catalog.db'}", warehouse=(out / "lake").as_uri()
        )
        catalog.create_namespace("bench")
        catalog.create_table(("bench", "fct_bench"), reader.schema).append(reader)
    return {"seconds": time.perf_counter() - started}


def run_child(mode: str, source: Path, work: Path, rows: int, run: int) -> dict[str, Any]:
    if mode == "publish-fifth":
        source, rows = source.parent / "fifth" / "bench.duckdb", rows // 5
    out = work / f"{mode}-{run}"
    process = subprocess.Popen(
        [PYTHON, __file__, "--child", mode, "--source", str(source), "--out", str(out), "--rows", str(rows)],
        stdout=subprocess.PIPE,
        cwd=REPO,
    )
    assert process.stdout is not None
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        raise SystemExit(f"{mode} run failed (status {status})")
    result: dict[str, Any] = json.loads(output)
    result["peak_rss_mb"] = usage.ru_maxrss / 1024
    shutil.rmtree(out, ignore_errors=True)
    return result


# ---------------------------------------------------------------- part 2: mesh query at scale 1


def scale1_data(requested: str | None) -> Path:
    data = Path(requested or os.environ.get("MESH_DATA_DIR") or REPO / ".mesh" / "bench" / "scale1")
    if all((data / "warehouse" / f"{d}.duckdb").is_file() for d in ("orders", "marketing", "logistics")):
        return data
    print(f"building the scale-1 mesh into {data} (generate_data + mesh build)...", file=sys.stderr)
    env = {**os.environ, "MESH_DATA_DIR": str(data), "DBT_PROFILES_DIR": str(REPO / "profiles")}
    subprocess.run(
        [PYTHON, "scripts/generate_data.py", "--scale", "1", "--seed", "42", "--out", str(data)],
        check=True,
        cwd=REPO,
        env=env,
    )
    subprocess.run([str(Path(PYTHON).parent / "mesh"), "build"], check=True, cwd=REPO, env=env)
    return data


def bench_query(data: Path, work: Path, repeat: int) -> dict[str, Any]:
    env = {
        **os.environ,
        "MESH_DATA_DIR": str(data),
        "MESH_CATALOG_URI": f"sqlite:///{work / 'q.db'}",
        "MESH_WAREHOUSE": (work / "q-lake").as_uri(),
    }
    mesh = str(Path(PYTHON).parent / "mesh")
    subprocess.run(
        [mesh, "publish", "--domain", "logistics"], check=True, cwd=REPO, env=env, stderr=subprocess.DEVNULL
    )
    import duckdb

    def plain() -> float:
        started = time.perf_counter()
        connection = duckdb.connect()
        for name in ("orders", "marketing", "logistics"):
            connection.execute(f"ATTACH '{data / 'warehouse' / name}.duckdb' AS {name} (READ_ONLY)")
        connection.execute(JOIN).fetchall()
        connection.close()
        return time.perf_counter() - started

    def cli() -> float:
        started = time.perf_counter()
        subprocess.run(
            [mesh, "query", JOIN, "--format", "csv"], check=True, cwd=REPO, env=env, stdout=subprocess.DEVNULL
        )
        return time.perf_counter() - started

    def startup() -> float:
        started = time.perf_counter()
        subprocess.run(
            [mesh, "query", "select 1", "--format", "csv"],
            check=True,
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
        )
        return time.perf_counter() - started

    timings: dict[str, list[float]] = {
        "mesh query (CLI, Iceberg logistics)": [],
        "mesh query select 1": [],
        "plain DuckDB, three files": [],
    }
    for _ in range(repeat):
        timings["mesh query (CLI, Iceberg logistics)"].append(cli())
        timings["mesh query select 1"].append(startup())
        timings["plain DuckDB, three files"].append(plain())
    with duckdb.connect() as connection:
        connection.execute(f"ATTACH '{data / 'warehouse' / 'logistics.duckdb'}' AS l (READ_ONLY)")
        shipments = connection.execute("select count(*) from l.gold.fct_shipments").fetchone()
    return {"timings": timings, "shipments": shipments[0] if shipments else 0}


# ---------------------------------------------------------------- main


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=5_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--mesh-data", help="scale-1 MESH_DATA_DIR (with warehouse/<domain>.duckdb)")
    parser.add_argument("--skip-query", action="store_true", help="only part 1")
    parser.add_argument("--child", choices=MODES, help=argparse.SUPPRESS)
    parser.add_argument("--source", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.source, args.out, args.rows)))
        return

    import duckdb

    work = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        source = work / "bench.duckdb"
        with duckdb.connect(str(source)) as connection:
            connection.execute(GENERATE.format(rows=args.rows))
        source_mb = source.stat().st_size / 1e6
        (work / "fifth").mkdir()
        with duckdb.connect(str(work / "fifth" / "bench.duckdb")) as connection:
            connection.execute(GENERATE.format(rows=args.rows // 5))
        results: dict[str, list[dict[str, Any]]] = {mode: [] for mode in MODES}
        for run in range(args.repeat):  # interleaved: every mode sees the same machine load
            for mode in MODES:
                results[mode].append(run_child(mode, source, work, args.rows, run))
                print(f"run {run + 1} {mode}: {results[mode][-1]}", file=sys.stderr)
        query = None if args.skip_query else bench_query(scale1_data(args.mesh_data), work, args.repeat)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def median(mode: str, key: str) -> float:
        return statistics.median(r[key] for r in results[mode])

    copy_seconds = median("duckdb-copy", "seconds")
    baseline_rss = median("baseline", "peak_rss_mb")
    command = " ".join(["python scripts/bench_publish.py", *sys.argv[1:]])
    print(
        f"## Publishing to Iceberg (`mesh publish`)\n\nCommand: `{command}` ({os.cpu_count()} cores; "
        f"medians of {args.repeat} interleaved runs, each in its own process). Product: {args.rows:,} rows, "
        f"8 typed columns, DuckDB file {source_mb:.0f} MB. Peak RSS includes the interpreter and imports "
        f"(baseline process: {baseline_rss:.0f} MB).\n"
    )
    print("| writer | seconds | rows/s | vs DuckDB COPY | peak RSS MB | above baseline MB |")
    print("|---|---:|---:|---:|---:|---:|")
    for mode in ("publish", "duckdb-copy", "pyiceberg-append"):
        seconds, rss = median(mode, "seconds"), median(mode, "peak_rss_mb")
        print(
            f"| {mode} | {seconds:.2f} | {args.rows / seconds:,.0f} | {seconds / copy_seconds:.2f}x | "
            f"{rss:.0f} | {rss - baseline_rss:.0f} |"
        )
    seconds, rss = median("publish-fifth", "seconds"), median("publish-fifth", "peak_rss_mb")
    print(
        f"| publish, {args.rows // 5:,} rows (memory check) | {seconds:.2f} | {args.rows / 5 / seconds:,.0f} "
        f"| - | {rss:.0f} | {rss - baseline_rss:.0f} |"
    )
    if query:
        print(
            f"\n## `mesh query` at scale 1 (embedded engine)\n\nJoin of orders.gold.fct_orders, "
            f"marketing.gold.fct_attributed_orders and logistics.gold.fct_shipments ({query['shipments']:,} "
            "shipments, read from the published Iceberg table); whole CLI process, medians.\n"
        )
        print("| run | seconds |\n|---|---:|")
        for name, values in query["timings"].items():
            print(f"| {name} | {statistics.median(values):.2f} |")


if __name__ == "__main__":
    main()
