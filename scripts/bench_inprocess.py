"""A small command in a long-lived process: `mesh check` run in-process, as the test suite and any
embedding tool run it, in a process that has imported dbt (about 130,000 objects the collector tracks).

Compares the loader's collection before the mesh is frozen (governance/loader/gc_pause.py): the young
generations only (what it does) against a full collection (what it did), side by side in one run.

    .venv/bin/python scripts/bench_inprocess.py [--repeat 7]   # after `make demo` (reads target/ manifests)
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import statistics
import time
from collections.abc import Callable


def cpu_per_run(argv: list[str], runs: int) -> float:
    from governance.cli import main

    started = time.process_time()
    for _ in range(runs):
        with (
            contextlib.redirect_stdout(io.StringIO()),
            contextlib.redirect_stderr(io.StringIO()),
            contextlib.suppress(SystemExit),
        ):
            main(argv)
    return (time.process_time() - started) / runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--runs", type=int, default=10, help="commands per sample")
    args = parser.parse_args()
    import dbt.cli.main  # noqa: F401  (the heap the suite has)

    real_collect: Callable[..., int] = gc.collect
    objects = len(gc.get_objects())
    figures: dict[str, list[float]] = {"young generations (now)": [], "full collection (before)": []}
    for _ in range(args.repeat):
        for name, samples in figures.items():
            gc.collect = real_collect if name.startswith("young") else (lambda generation=2: real_collect())
            try:
                samples.append(cpu_per_run(["check"], args.runs))
            finally:
                gc.collect = real_collect
    load = os.getloadavg()[0]
    print(f"in-process `mesh check` on {os.getcwd()}, {objects:,} objects tracked, load average {load:.2f}")
    for name, samples in figures.items():
        median = statistics.median(samples) * 1000
        print(f"  {name:26} median {median:6.1f} ms CPU per command ({args.repeat} x {args.runs})")


if __name__ == "__main__":
    main()
