"""Benchmarks of product health (docs/benchmarks.md, "Product health").

    .venv/bin/python scripts/bench_health.py [--products 10000] [--days 90] [--repeat 3]

1. Anomaly detection: precision and recall of `governance.health.anomalies.detect` on generated daily
   series with known drops and spikes (tests/governance/health/series.py): 200 series of 90 days, with
   and without weekday seasonality, each point judged against the history before it, as `mesh health`
   judges the newest run.
2. Speed: a health store of `--products` products (50 domains, chains of upstreams across domains)
   with one build a day for `--days` days, then `mesh health` (the whole command, a fresh process) over
   it: median wall time of `--repeat` runs, with the load average. Also the store's size per product
   per day.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from governance.health.anomalies import detect  # noqa: E402
from governance.health.store import HealthStore, store_path  # noqa: E402
from tests.governance.health.series import daily, scored  # noqa: E402


def anomalies(series: int) -> None:
    print("anomaly detection (median/MAD, window 56 runs, min history 14, z > 3.5)")
    print("| series | anomalies | found | false alarms | missed | precision | recall |")
    print("|---|---|---|---|---|---|---|")
    for seasonal in (True, False):
        tp = fp = fn = 0
        for seed in range(series):
            found = scored(daily(seed, seasonal=seasonal), detect)
            tp, fp, fn = tp + found[0], fp + found[1], fn + found[2]
        label = "weekday rhythm" if seasonal else "flat"
        figures = f"{tp + fn} | {tp} | {fp} | {fn} | {tp / (tp + fp):.3f} | {tp / (tp + fn):.3f}"
        print(f"| {series} x 90 days, {label} | {figures} |")


def fill(data: Path, products: int, days: int) -> Path:
    path = store_path(data)
    store = HealthStore.open(path)
    store.connection.execute(
        f"""insert into observations
            select 'run-' || day, date_trunc('hour', now()) - to_days({days - 1} - day) - interval 5 minute,
                   'model.d' || (p % 50) || '.p' || p, 'd' || (p % 50) || '.p' || p, 'd' || (p % 50),
                   'team_d' || (p % 50), 'd' || (p % 50) || '@example.com', 24.0,
                   date_trunc('hour', now()) - to_days({days - 1} - day)
                       - to_hours(cast(2 + hash(p, day) % 4 + case when p % 997 = 0 and day = {days - 1}
                                                                     then 60 else 0 end as int)),
                   null,
                   100000 + day * (1000 + p % 300) + cast(hash(p, day, 'n') % 50 as bigint)
                       - case when p % 1499 = 0 and day = {days - 1} then 900 else 0 end,
                   5, case when p % 4999 = 0 and day = {days - 1} then 1 else 0 end, 0,
                   case when p % 4999 = 0 and day = {days - 1} then ['unique(id)'] else [] end,
                   'success', 'amount double; id integer',
                   case when p % 10 > 0 then ['model.d' || ((p - 1) % 50) || '.p' || (p - 1)] else [] end
            from range({products}) t(p), range({days}) d(day)"""
    )
    store.connection.execute("checkpoint")
    store.close()
    return path


def speed(products: int, days: int, repeat: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        (root / "mesh.yml").write_text("projects: {include: ['domains/*']}\n")
        started = time.perf_counter()
        path = fill(root / "data", products, days)
        filled = time.perf_counter() - started
        size = path.stat().st_size
        env = {**os.environ, "MESH_ROOT": str(root), "MESH_DATA_DIR": str(root / "data")}
        times, cpus = [], []
        code, out = None, b""
        for _ in range(repeat):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            began = time.perf_counter()
            done = subprocess.run([sys.executable, "-m", "governance", "health", "--format", "json"],
                                  env=env, capture_output=True, check=False)  # fmt: skip
            times.append(time.perf_counter() - began)
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpus.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
            code, out = done.returncode, done.stdout
            if code not in (0, 1):
                raise SystemExit(done.stderr.decode())
        load = os.getloadavg()
        degraded = out.count(b'"status": "degraded"')
        print(f"\n`mesh health` over {products:,} products x {days} daily runs ({products * days:,} rows)")
        per_day = size / (products * days)
        print(
            f"  store: {size / 1e6:.1f} MB ({per_day:.0f} bytes per product per day), {filled:.1f} s to fill"
        )
        runs = ", ".join(f"{t:.2f}" for t in times)
        median = statistics.median(times)
        print(f"  wall: median {median:.2f} s (runs: {runs}); exit {code}, {degraded:,} degraded")
        print(f"  CPU (user + system): median {statistics.median(cpus):.2f} s")
        cores = len(os.sched_getaffinity(0))
        print(f"  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}; {cores} cores")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--series", type=int, default=200)
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    anomalies(args.series)
    speed(args.products, args.days, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
