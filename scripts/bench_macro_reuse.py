"""Benchmark a full `dbt parse` with and without the macros of an earlier parse (dbt_mesh/macro_reuse.py).

In one warm interpreter, alternating: a full parse in another profile than the project's last parse (as a
pull request's namespace parses), once as dbt parses on its own and once with `MESH_DBT_MACROS_FROM` naming
the project's `target/partial_parse.msgpack`. Each pair's two manifests are compared, timestamps aside (and
the checksums dbt gives the upstream nodes dbt-loom injects: a hash of the time of the parse): a difference
stops the benchmark. Medians of the pairs; the first pair (dbt's first command in the
interpreter) is left out. Needs a project parsed before (`mesh build`, or `make demo`).

    .venv/bin/python scripts/bench_macro_reuse.py domains/orders --profiles-dir <namespace>/profiles -n 7
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import orjson

TIMES = ("generated_at", "invocation_id", "invocation_started_at", "run_started_at")


def comparable(target: Path) -> dict[str, object]:
    manifest = orjson.loads((target / "manifest.json").read_bytes())
    for key in TIMES:
        manifest["metadata"].pop(key, None)
    for resources in manifest.values():  # macros, nodes, sources, exposures ...: when each was parsed
        for resource in resources.values() if isinstance(resources, dict) else ():
            if isinstance(resource, dict):
                resource.pop("created_at", None)
    for node in manifest["nodes"].values():  # dbt-loom injects them; dbt hashes each with the time of parse
        if node["package_name"] != manifest["metadata"]["project_name"]:
            node.pop("checksum", None)
    return manifest


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("project", type=Path)
    parser.add_argument("--profiles-dir", type=Path, required=True, help="not the last parse's profile")
    parser.add_argument("-n", type=int, default=7, help="pairs timed (after one left out)")
    args = parser.parse_args()
    project, profiles = args.project.resolve(), args.profiles_dir.resolve()
    earlier = project / "target" / "partial_parse.msgpack"
    if not earlier.is_file():
        raise SystemExit(f"{earlier} not found: parse or build the project first")
    from dbt.cli.main import dbtRunner

    from dbt_mesh.macro_reuse import MACROS_FROM_ENV

    os.environ.setdefault("DO_NOT_TRACK", "1")
    work = Path(tempfile.mkdtemp(prefix="bench-macro-reuse-"))
    runner = dbtRunner()

    def parse(target: Path, reuse: bool) -> float:
        shutil.rmtree(target, ignore_errors=True)
        if reuse:
            os.environ[MACROS_FROM_ENV] = str(earlier)
        else:
            os.environ.pop(MACROS_FROM_ENV, None)
        argv = ["parse", "--project-dir", str(project), "--profiles-dir", str(profiles),
                "--target-path", str(target), "--quiet", "--log-path", str(work / "logs")]  # fmt: skip
        started = time.perf_counter()
        result = runner.invoke(argv)
        elapsed = time.perf_counter() - started
        if not result.success:
            raise SystemExit(f"dbt parse failed: {result.exception}")
        return elapsed

    fresh: list[float] = []
    reused: list[float] = []
    os.chdir(project)  # dbt-loom reads its configuration from the working directory
    try:
        for pair in range(args.n + 1):
            a, b = parse(work / "fresh", False), parse(work / "reused", True)
            if comparable(work / "fresh") != comparable(work / "reused"):
                raise SystemExit("the manifests differ: the macros taken do not stand for dbt's")
            if pair:
                fresh.append(a)
                reused.append(b)
            print(f"pair {pair}: dbt {a:.3f} s, macros taken {b:.3f} s", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ratios = sorted(b / a for a, b in zip(fresh, reused, strict=True))
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.n} pairs, manifests identical; load average {load}")
    dbt, taken = statistics.median(fresh), statistics.median(reused)
    print(f"full parse: dbt {dbt:.3f} s, macros taken {taken:.3f} s, "
          f"ratio {statistics.median(ratios):.3f} (pairs {ratios[0]:.3f}-{ratios[-1]:.3f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
