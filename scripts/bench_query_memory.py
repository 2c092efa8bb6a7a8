"""Peak memory of `mesh query` over a large result: the rows stream, so memory must stay flat.

Runs `mesh query` as a child process (the real CLI, its own interpreter) over a query of N rows in every
output format, with the default row limit and with `--all` (output to /dev/null), and reports the
child's peak resident memory (`os.wait4`'s ru_maxrss) and wall time. The mesh is the repository's own
(read only: the query reads no domain table, only DuckDB's `range`); MESH_ROOT points elsewhere.

    .venv/bin/python scripts/bench_query_memory.py --rows 10000000   (section of docs/reliability.md)
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MESH = Path(sys.executable).parent / "mesh"


def measure(argv: list[str]) -> tuple[int, float, float]:
    """(exit code, peak RSS in MB, seconds) of one `mesh` run, its output thrown away."""
    started = time.perf_counter()
    with open(os.devnull, "wb") as sink:
        process = subprocess.Popen([str(MESH), *argv], stdout=sink, stderr=subprocess.PIPE, cwd=ROOT)
        assert process.stderr is not None
        error = process.stderr.read()
        _, status, usage = os.wait4(process.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write(error.decode(errors="replace")[-2000:])
    return code, usage.ru_maxrss / 1024, time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=10_000_000)
    args = parser.parse_args()
    sql = f"SELECT range AS n, 'row ' || range AS label, range * 0.5 AS half FROM range({args.rows})"
    print(f"mesh query over {args.rows:,} rows (3 columns), output to /dev/null")
    print(f"{'format':<8} {'rows printed':<14} {'exit':>4} {'peak RSS MB':>12} {'seconds':>8}")
    for fmt in ("table", "csv", "json"):
        for limit in ([], ["--all"]) if fmt != "table" else ([],):
            code, peak, seconds = measure(["query", sql, "--format", fmt, *limit])
            shown = "all" if limit else "1,000 (default)"
            print(f"{fmt:<8} {shown:<14} {code:>4} {peak:>12.0f} {seconds:>8.1f}")
    code, peak, seconds = measure(["query", "SELECT 1"])
    print(f"{'baseline':<8} {'SELECT 1':<14} {code:>4} {peak:>12.0f} {seconds:>8.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
