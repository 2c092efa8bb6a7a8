"""Two commands timed side by side, as whole processes: A B A B ..., so a drift of the machine's speed
during the call moves both; the ratio A/B is taken pair by pair.

Each run is timed from outside (wall: a monotonic clock around the child; CPU: the user and system seconds
the operating system accounts to the finished child and everything it waited for). Figures are printed as
min, median and max: quote the median; a wide spread says the machine was noisy. The commands run without a
shell (write `sh -c '...'` for one that needs it); their output is thrown away, their exit codes printed.

    .venv/bin/python scripts/side_by_side.py -n 7 --vs "sh -c 'PYTHONPATH=/tmp/before exec mesh build'" \
        -- mesh build
"""

from __future__ import annotations

import argparse
import os
import resource
import shlex
import statistics
import subprocess
import sys
import time


def timed(command: list[str]) -> tuple[float, float, int]:
    """(wall seconds, CPU seconds, exit code) of one run of `command`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    code = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, check=False).returncode  # fmt: skip
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, code


def spread(values: list[float]) -> str:
    return f"{min(values):9.3f} {statistics.median(values):9.3f} {max(values):9.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--runs", type=int, default=5, help="counted runs of each command")
    parser.add_argument("--warmup", type=int, default=1, help="runs of each first, not counted")
    parser.add_argument("--vs", required=True, help="command B (the baseline), split as a shell splits words")
    parser.add_argument("command", nargs=argparse.REMAINDER, help="command A, after --")
    args = parser.parse_args()
    a = args.command[1:] if args.command[:1] == ["--"] else args.command
    b = shlex.split(args.vs)
    if not a or args.runs < 1:
        parser.error("give command A after --, and at least one run")
    for _ in range(args.warmup):
        timed(a)
        timed(b)
    keys = ("A wall", "A cpu", "B wall", "B cpu", "A/B wall", "A/B cpu")
    rows: dict[str, list[float]] = {key: [] for key in keys}
    codes: dict[str, set[int]] = {"A": set(), "B": set()}
    for run in range(args.runs):
        a_wall, a_cpu, a_code = timed(a)
        b_wall, b_cpu, b_code = timed(b)
        codes["A"].add(a_code)
        codes["B"].add(b_code)
        values = (a_wall, a_cpu, b_wall, b_cpu, a_wall / b_wall, a_cpu / b_cpu if b_cpu else 0.0)
        for key, value in zip(keys, values, strict=True):
            rows[key].append(value)
        print(f"run {run + 1}: A {a_wall:.2f} s, B {b_wall:.2f} s", file=sys.stderr, flush=True)
    print(f"{args.runs} pairs, load average {' / '.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    print(f"{'':10} {'min':>9} {'median':>9} {'max':>9}")
    for key, values in rows.items():
        print(f"{key:10} {spread(values)}")
    print(f"exit codes: A {sorted(codes['A'])}, B {sorted(codes['B'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
