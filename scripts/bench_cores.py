"""What two busy cores give on this machine: one CPU-bound process alone, then N at once, each timed by
its own CPU clock; the ratio is the throughput of N busy cores against one (2.0 would be two full cores).

usage: python scripts/bench_cores.py [--processes 2] [--steps 30000000] [--repeat 3]

Why it matters: `make test`'s lanes are CPU-bound, so how much running two of them side by side buys
depends on this figure, not on the core count (docs/benchmarks.md, the test command).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from concurrent.futures import ProcessPoolExecutor


def spin(steps: int) -> float:
    """CPU seconds of a fixed pure-Python loop."""
    started = time.process_time()
    total = 0
    for step in range(steps):
        total += step
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--steps", type=int, default=30_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    ratios = []
    with ProcessPoolExecutor(max_workers=args.processes) as pool:
        for _ in range(args.repeat):
            alone = pool.submit(spin, args.steps).result()
            together = list(pool.map(spin, [args.steps] * args.processes))
            ratio = args.processes * alone / statistics.mean(together)
            ratios.append(ratio)
            print(
                f"alone {alone:.2f} s; {args.processes} at once {', '.join(f'{t:.2f}' for t in together)} s "
                f"each; throughput {ratio:.2f}x one core"
            )
    print(
        f"median throughput of {args.processes} busy cores: {statistics.median(ratios):.2f}x one core "
        f"(load average after: {os.getloadavg()[0]:.2f})"
    )


if __name__ == "__main__":
    main()
