"""Benchmark the real Trino of scripts/ci/trino.sh: start-up time, the stand-in for Unity Catalog's
Iceberg REST endpoint (scripts/ci/iceberg_rest.sh), and the demo query on Trino vs the embedded engine.

    .venv/bin/python scripts/bench_trino.py [--repeat 5] [--starts 3]

Needs the mesh built (`make test-dbt` or `make demo`) and PostgreSQL (scripts/ci/postgres.sh); uses
MESH_CATALOG_URI, else MESH_TEST_PG_URI, else the postgres.sh database, and its own state folder and port.
Publishes the external products there, then:
  * REST start-up `scripts/ci/iceberg_rest.sh start` to ready (jars cached): the Databricks products
                  written as Iceberg tables, one REST catalog server per Databricks domain, the gateway
  * start-up      `scripts/ci/trino.sh start` to ready (cache warm), --starts times, stopped in between
  * query         the README demo query (Makefile DEMO_QUERY: logistics, published, joined with orders,
                  a Databricks domain read through the REST catalog), the same SQL on both engines,
                  `mesh query` as a whole CLI process, --repeat times per engine, side by side:
                  embedded (DuckDB) and `--engine trino` (analyst user)
Prints a markdown section (medians) for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TRINO_SH = REPO / "scripts" / "ci" / "trino.sh"
REST_SH = REPO / "scripts" / "ci" / "iceberg_rest.sh"


def demo_query() -> str:
    """The README's cross-domain demo query, as `make demo` runs it (Makefile DEMO_QUERY)."""
    for line in (REPO / "Makefile").read_text().splitlines():
        if line.startswith("DEMO_QUERY := "):
            return line.removeprefix("DEMO_QUERY := ").strip()
    raise SystemExit("Makefile has no DEMO_QUERY")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(command: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[:3])} failed: {done.stderr.strip()[-2000:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--starts", type=int, default=3)
    args = parser.parse_args()
    uri = (
        os.environ.get("MESH_CATALOG_URI")
        or os.environ.get("MESH_TEST_PG_URI")
        or "postgresql+psycopg://mesh:mesh@127.0.0.1:55432/iceberg"
    )
    state = Path(tempfile.mkdtemp(prefix="bench-trino-"))
    env = {
        **os.environ,
        "MESH_CATALOG_URI": uri,
        "MESH_WAREHOUSE": str(state / "warehouse"),
        "TRINO_STATE_DIR": str(state),
        "TRINO_PORT": str(free_port()),
        "ICEBERG_REST_PORT": str(free_port()),  # the gateway; the servers take the next ports
    }
    mesh = [sys.executable, "-m", "governance"]
    timed([*mesh, "publish"], env)
    bash = ["bash", str(TRINO_SH)]
    rest = ["bash", str(REST_SH)]
    starts: list[float] = []
    rest_starts: list[float] = []
    try:
        timed([*rest, "fetch"], env)
        for attempt in range(args.starts):
            rest_starts.append(timed([*rest, "start"], env))
            if attempt < args.starts - 1:
                timed([*rest, "stop"], env)
        for attempt in range(args.starts):
            starts.append(timed([*bash, "start"], env))
            if attempt < args.starts - 1:
                timed([*bash, "stop"], env)
        values = dict(line.split("=", 1) for line in (state / "trino.env").read_text().splitlines())
        trino_env = {**env, "TRINO_HOST": values["TRINO_HOST"], "TRINO_USER": "analyst"}
        embedded_sql = trino_sql = demo_query()  # one name on every engine
        embedded: list[float] = []
        trino: list[float] = []
        for _ in range(args.repeat):  # side by side, alternating
            embedded.append(timed([*mesh, "query", embedded_sql, "--format", "csv"], env))
            trino.append(
                timed([*mesh, "query", trino_sql, "--engine", "trino", "--format", "csv"], trino_env)
            )
    finally:
        subprocess.run([*bash, "stop"], env=env, capture_output=True, check=False)
        subprocess.run([*rest, "stop"], env=env, capture_output=True, check=False)
    embedded_median, trino_median = statistics.median(embedded), statistics.median(trino)
    print("| measure | median | runs |")
    print("|---|---|---|")
    print(
        f"| REST catalog stand-in start-up (`iceberg_rest.sh start`: tables written, 2 servers + gateway) | "
        f"{statistics.median(rest_starts):.1f} s | {', '.join(f'{s:.1f}' for s in rest_starts)} |"
    )
    print(
        f"| Trino 476 start-up (`trino.sh start`, cache warm) | {statistics.median(starts):.1f} s | "
        f"{', '.join(f'{s:.1f}' for s in starts)} |"
    )
    print(
        f"| demo query, `mesh query` (embedded DuckDB over Iceberg) | {embedded_median:.2f} s | "
        f"{', '.join(f'{s:.2f}' for s in embedded)} |"
    )
    print(
        f"| demo query, `mesh query --engine trino` | {trino_median:.2f} s | "
        f"{', '.join(f'{s:.2f}' for s in trino)} |"
    )
    print(f"| ratio Trino / embedded | {trino_median / embedded_median:.2f}x | |")


if __name__ == "__main__":
    main()
