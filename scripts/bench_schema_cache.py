"""A cold dbt interpreter's first command, without and with dbt's JSON schemas from the environment's cache
(governance/build/schema_cache.py), side by side.

Each run is a fresh interpreter: dbt's import, then a pull request's planning command for marketing with
its leaf model edited, as in bench_ci.py's leaf scenario (`dbt ls --select state:modified --state`,
parsing partially from the project's last parse, dbt-loom reading orders' production manifest), twice.
The first costs more than the second: dbt builds the JSON schema of every class it validates, and
mashumaro its serialisers. Runs alternate without and with the cache (warmed by one run first); medians
of `--runs`, with the load average.

    .venv/bin/python scripts/bench_schema_cache.py --runs 5      (after scripts/bench_ci.py --scale 1)
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from scripts.bench_ci import REVIEWED  # noqa: E402
from tests.fixtures.built_mesh import edited  # noqa: E402

LEAF = Path("domains/marketing/models/marts/fct_campaign_spend.sql")

RUN = """
import contextlib, json, os, shutil, sys, time
started = time.perf_counter()
from dbt.cli.main import dbtRunner
out = {"import": time.perf_counter() - started}
cache = None
if sys.argv[1] == "cache":
    from governance.build import schema_cache
    cache = schema_cache.install()
project, profiles, state, work = sys.argv[2:6]
for run in ("first", "second"):
    target = os.path.join(work, run)
    os.makedirs(target)
    shutil.copyfile(os.path.join(project, "target", "partial_parse.msgpack"),
                    os.path.join(target, "partial_parse.msgpack"))
    argv = ["ls", "--project-dir", project, "--profiles-dir", profiles, "--target", "ci", "--target-path",
            target, "--quiet", "--select", "state:modified", "--state", state, "--output", "json"]
    began = time.perf_counter()
    with contextlib.chdir(project), contextlib.redirect_stdout(open(os.devnull, "w")):
        if not dbtRunner().invoke(argv).success:
            raise SystemExit("dbt ls failed")
    out[run] = time.perf_counter() - began
if cache is not None:
    cache.save()
print(json.dumps(out), flush=True)
os._exit(0)
"""


def one(mode: str, workdir: Path) -> dict[str, float]:
    mesh = workdir / "mesh"
    with tempfile.TemporaryDirectory() as work:
        loom = Path(work) / "loom.yml"
        orders = workdir / "state" / "orders" / "manifest.json"
        loom.write_text(f"manifests:\n- name: orders\n  type: file\n  config:\n    path: {orders}\n")
        env = {**os.environ, "MESH_ROOT": str(mesh), "MESH_DATA_DIR": str(workdir / "data"),
               "DO_NOT_TRACK": "1", "DBT_LOOM_CONFIG": str(loom)}  # fmt: skip
        marketing = [mesh / "domains" / "marketing", mesh / "profiles", workdir / "state" / "marketing"]
        command = [sys.executable, "-c", RUN, mode, *map(str, marketing), work]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the {mode} run failed:\n{done.stdout[-1500:]}\n{done.stderr[-1500:]}")
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".mesh" / "bench-ci")
    args = parser.parse_args()
    workdir = args.workdir.resolve()
    if not (workdir / "state" / "marketing" / "manifest.json").is_file():
        raise SystemExit(f"{workdir}: no built mesh; run scripts/bench_ci.py --scale 1 first")
    load = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    runs: dict[str, list[dict[str, float]]] = {"no cache": [], "cache": []}
    with edited(workdir / "mesh" / LEAF, *REVIEWED):
        one("cache", workdir)  # the environment's cache written, as after any earlier mesh build
        for _ in range(args.runs):
            runs["no cache"].append(one("none", workdir))
            runs["cache"].append(one("cache", workdir))
    after = " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{args.runs} runs each, alternating; medians; load average {load} before, {after} after")
    print("| schemas | dbt import | first command | second command | first's extra |")
    print("|---|---:|---:|---:|---:|")
    for mode, results in runs.items():
        median = {k: statistics.median(r[k] for r in results) for k in ("import", "first", "second")}
        extra = statistics.median(r["first"] - r["second"] for r in results)
        print(f"| {mode} | {median['import']:.2f} s | {median['first']:.2f} s | {median['second']:.2f} s "
              f"| {extra:.2f} s |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
