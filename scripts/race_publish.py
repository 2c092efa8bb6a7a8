"""Race and kill `mesh publish`, many times, and count what the catalog looks like afterwards.

    .venv/bin/python scripts/race_publish.py --trials 50 [--backend sqlite|postgresql] [--kill-every 2]

One catalog (a SQLite file, or its own schema of MESH_TEST_PG_URI's PostgreSQL database) and one
warehouse over the fixture mesh of the tests (3 external products), published once, then trials:
  * race: 2 or 3 publishes started at once (alternating) over the existing catalog;
  * every `--kill-every` races, also a kill: one publish killed with SIGKILL at a random moment of a
    publish's duration (import, read, write or commit); the next race is the publish after it.
After each step every table of the catalog is opened and read in full (rows compared with the
product's source) and the files under the warehouse no table references are counted.
Printed: trials, corrupted catalogs (a table that does not open or read, or reads the wrong rows),
runs that ended otherwise than 0, or 1 in one line, or with a traceback, winners and losers, and
orphan files after a kill and after the next publish. docs/reliability.md quotes this output.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.governance.iceberg.conftest import pg_uri
from tests.governance.iceberg.mesh_fixture import built_mesh
from tests.governance.iceberg.race import (
    Target,
    finish,
    inspect_catalog,
    postgres_schema,
    publish_together,
    start,
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--trials", type=int, default=50, help="races (default 50)")
    parser.add_argument("--kill-every", type=int, default=2, help="one kill after every N races (default 2)")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    mesh = built_mesh()
    counts = dict.fromkeys(
        [
            "race trials",
            "publishes started together",
            "winners (exit 0)",
            "losers (exit 1, one line)",
            "bad exits or tracebacks",
            "corrupted catalogs after a race",
            "orphan files after a race",
            "kill trials",
            "killed mid-publish",
            "corrupted catalogs after a kill",
            "orphan files left by kills",
        ],
        0,
    )
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="race-") as scratch, ExitStack() as stack:
        if args.backend == "postgresql":
            uri = stack.enter_context(postgres_schema(os.environ.get("MESH_TEST_PG_URI", pg_uri())))
        else:
            uri = f"sqlite:///{scratch}/catalog.db"
        target = Target(uri, Path(scratch) / "lake", mesh.root, mesh.warehouse)
        timed = time.monotonic()
        if finish(start(target)).code != 0:
            print("the first publish failed", file=sys.stderr)
            return 1
        duration = time.monotonic() - timed
        for trial in range(args.trials):
            _race(target, 2 + trial % 2, counts)
            if (trial + 1) % args.kill_every == 0 and trial + 1 < args.trials:
                _kill(target, rng.uniform(0.2, 1.0) * duration, counts)
            print(f"trial {trial + 1}/{args.trials} ({time.monotonic() - began:.0f} s)", file=sys.stderr)
    print(f"backend: {args.backend}; one publish took {duration:.1f} s; seed {args.seed}")
    for name, value in counts.items():
        print(f"{name}: {value}")
    bad = sum(counts[k] for k in counts if k.startswith(("bad", "corrupted", "orphan files after")))
    return 1 if bad else 0


def _race(target: Target, count: int, counts: dict[str, int]) -> None:
    runs = publish_together(target, count)
    counts["race trials"] += 1
    counts["publishes started together"] += count
    for run in runs:
        errors = [line for line in run.stderr.splitlines() if line.startswith("error:")]
        if "Traceback" in run.stderr or run.code not in (0, 1) or (run.code == 1 and len(errors) != 1):
            counts["bad exits or tracebacks"] += 1
            print(f"bad run (exit {run.code}): {run.stderr[-1500:]}", file=sys.stderr)
        elif run.code == 0:
            counts["winners (exit 0)"] += 1
        else:
            counts["losers (exit 1, one line)"] += 1
    found = inspect_catalog(target)
    counts["orphan files after a race"] += len(found.orphans)
    if not found.consistent or len(found.tables) != 3:
        counts["corrupted catalogs after a race"] += 1
        print(f"corrupted after a race: {found.broken}", file=sys.stderr)


def _kill(target: Target, delay: float, counts: dict[str, int]) -> None:
    counts["kill trials"] += 1
    process = start(target)
    time.sleep(delay)
    if process.poll() is None:
        counts["killed mid-publish"] += 1
        process.kill()
    process.communicate(timeout=600)
    found = inspect_catalog(target)
    if not found.consistent:
        counts["corrupted catalogs after a kill"] += 1
        print(f"corrupted after a kill: {found.broken}", file=sys.stderr)
    counts["orphan files left by kills"] += len(found.orphans)


if __name__ == "__main__":
    sys.exit(main())
