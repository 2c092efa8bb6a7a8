"""Benchmark pull-request CI: `mesh build --changed --state` against a full `mesh build`, side by side.

One mesh copy at the given scale is built in full (that build's manifests become production's state), then
each scenario edits one file, runs `mesh build --changed --state` in a fresh pull-request namespace (cold:
no partial parse left from an earlier run), records what was built and the wall time, and undoes the edit.
Repetitions alternate the full build and the scenarios; medians are reported, with the ratio to the full
build's median wall time, and the CPU seconds (user + system) of `mesh` and every process it started:
on the shared 2-core machine the wall time mostly measures the other jobs, the CPU time does not.

Each scenario is then run once more in the same namespace, as the next push of the same pull request would
be where CI keeps the namespace (`.mesh/pr-ci` locally): "next push", its wall time.

The floor: what any orchestrator driving dbt pays for the change on a cold machine, as a lower bound
(everything else, planning and `mesh` itself included, left out): one cold dbt interpreter (its start,
dbt's import, and what dbt's first command costs more than the next: serialisers built; dbt's JSON
schemas come from the environment's cache, governance/build/schema_cache.py, as in the workers), a full
parse of the changed project (a pull request's namespace is a new profile: dbt does not parse partially
across a profile change), and the SQL on the longest chain of projects the change
reaches (each project's `elapsed_time` in the build's run_results.json, upstream before downstream). The
costs are measured in the same run by a probe interpreter parsing production's projects.

Scenarios: a staging model in orders whose products no other domain reads (stg_products), a staging model
in orders that feeds products three other projects read (stg_orders), a leaf model in marketing
(fct_campaign_spend: no child in marketing, one reader in the hub), and a documentation-only change.

    .venv/bin/python scripts/bench_ci.py --scale 1 --repeat 3      (section of docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.domains.mesh_copy import copy_mesh, generate_data  # noqa: E402
from tests.fixtures.built_mesh import MESH_SETTINGS, PROJECTS, STATE_FILES, edited  # noqa: E402

REVIEWED = ("select * from final", "select * from final -- reviewed")


@dataclass(frozen=True)
class Scenario:
    name: str
    path: str
    old: str
    new: str


SCENARIOS = (
    Scenario("orders staging (stg_products)", "domains/orders/models/staging/stg_products.sql", *REVIEWED),
    Scenario("orders staging (stg_orders)", "domains/orders/models/staging/stg_orders.sql", *REVIEWED),
    Scenario(
        "marketing leaf (fct_campaign_spend)",
        "domains/marketing/models/marts/fct_campaign_spend.sql",
        *REVIEWED,
    ),
    Scenario(
        "documentation only (dim_campaigns.yml)",
        "domains/marketing/models/marts/dim_campaigns.yml",
        "Every marketing campaign",
        "Each marketing campaign",
    ),
)


CPU: list[float] = []  # CPU seconds of the last `mesh` command and everything it started


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def load() -> str:
    return " / ".join(f"{x:.1f}" for x in os.getloadavg())


def mesh(args: list[str], env: dict[str, str]) -> float:
    started, cpu = time.perf_counter(), children_cpu()
    done = subprocess.run(
        [sys.executable, "-m", "governance", *args], env=env, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    CPU.append(children_cpu() - cpu)
    if done.returncode != 0:
        raise SystemExit(f"mesh {' '.join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-2000:]}")
    return wall


# In a fresh interpreter: dbt's import (as the workers import it), then per project a parse from
# production's partial parse (the first one also pays what a first dbt command costs), the same again,
# and a full parse.
PROBE = """
import contextlib, json, os, shutil, sys, tempfile, time
started = time.perf_counter()
from governance.build.worker import import_dbt
import_dbt()  # as the workers import it: the collector set as theirs
from dbt.cli.main import dbtRunner
from governance.build import schema_cache
schemas = schema_cache.install()  # as the workers run dbt: its schemas from the environment's cache
out = {"import": time.perf_counter() - started, "projects": {}}
profiles, projects = sys.argv[1], json.loads(sys.argv[2])

def parse(path, target):
    began = time.perf_counter()
    with contextlib.chdir(path):
        argv = ["parse", "--project-dir", path, "--profiles-dir", profiles, "--target", "ci",
                "--target-path", target, "--log-path", target, "--quiet"]
        if not dbtRunner().invoke(argv).success:
            raise SystemExit(f"dbt parse failed in {path}")
    return time.perf_counter() - began

with tempfile.TemporaryDirectory() as tmp:
    for name, path in projects.items():
        target = os.path.join(tmp, name)
        os.makedirs(target)
        seeded = os.path.join(target, "partial_parse.msgpack")
        shutil.copyfile(os.path.join(path, "target", "partial_parse.msgpack"), seeded)
        first, again = parse(path, target), parse(path, target)
        os.remove(seeded)
        out["projects"][name] = {"first": first, "partial": again, "full": parse(path, target)}
if schemas is not None:
    schemas.save()
print(json.dumps(out), flush=True)
os._exit(0)  # the interpreter's own teardown is no cost of dbt's
"""


def dbt_costs(root: Path, env: dict[str, str]) -> dict[str, float]:
    """Seconds: `cold` (a dbt interpreter's start, import and first-command extra) and per project
    `full:<project>` (a full parse in a warm interpreter)."""
    folders = {p: str(root if p == "hub" else root / "domains" / p) for p in PROJECTS}
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(root / "profiles"), orjson.dumps(folders).decode()],
        env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    wall = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"the dbt probe failed:\n{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    probe = orjson.loads(done.stdout.strip().splitlines()[-1])
    parses = probe["projects"]
    first = parses[PROJECTS[0]]
    interpreter = wall - probe["import"] - sum(v for p in parses.values() for v in p.values())
    costs = {"cold": interpreter + probe["import"] + first["first"] - first["partial"]}
    costs |= {f"full:{name}": p["full"] for name, p in parses.items()}
    return costs


def sql_chain(namespace: Path, built: list[str], upstream: dict[str, set[str]]) -> float:
    """The longest chain of dbt's execution time (run_results.json `elapsed_time`) through the projects
    the pull request built, upstream before downstream."""
    elapsed = {
        p: float(orjson.loads((namespace / "target" / p / "run_results.json").read_bytes())["elapsed_time"])
        for p in built
    }
    longest: dict[str, float] = {}
    for project in [p for p in PROJECTS if p in built] + [p for p in built if p not in PROJECTS]:
        before = [longest[u] for u in upstream.get(project, set()) if u in longest]
        longest[project] = elapsed[project] + max(before, default=0.0)
    return max(longest.values(), default=0.0)


def built_nodes(folder: Path) -> list[str]:
    """Models, seeds and snapshots a build wrote, from its run_results.json."""
    results = orjson.loads((folder / "run_results.json").read_bytes())["results"]
    return sorted(
        r["unique_id"] for r in results if r["unique_id"].split(".")[0] in ("model", "seed", "snapshot")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="1")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--workdir", type=Path, default=ROOT / ".mesh" / "bench-ci")
    args = parser.parse_args()
    shutil.rmtree(args.workdir, ignore_errors=True)
    workdir = args.workdir.resolve()  # dbt runs in each project folder: every path absolute
    root, data, state = workdir / "mesh", workdir / "data", workdir / "state"
    copy_mesh(root)
    (root / "mesh.yml").write_text(MESH_SETTINGS, encoding="utf-8")
    started = time.perf_counter()
    generate_data(data, scale=args.scale, seed="42")
    print(f"data at scale {args.scale}: {time.perf_counter() - started:.1f}s", flush=True)
    env = {**os.environ, "MESH_ROOT": str(root), "MESH_DATA_DIR": str(data), "DO_NOT_TRACK": "1"}
    env.pop("DBT_PROFILES_DIR", None)
    full_walls: list[float] = []
    full_cpu: list[float] = []
    cpus: dict[str, list[float]] = {s.name: [] for s in SCENARIOS}
    loads = [load()]
    full_nodes: list[str] = []
    walls: dict[str, list[float]] = {s.name: [] for s in SCENARIOS}
    again: dict[str, list[float]] = {s.name: [] for s in SCENARIOS}
    nodes: dict[str, list[str]] = {}
    started_projects: dict[str, list[str]] = {}
    floors: dict[str, list[float]] = {s.name: [] for s in SCENARIOS}
    colds: list[float] = []
    from governance.build.slim import all_upstream
    from governance.project import Projects

    mesh_projects = Projects.discover(root)
    upstream = {name: all_upstream(mesh_projects, name) for name in mesh_projects.projects}
    for round_ in range(args.repeat):
        full_walls.append(mesh(["build"], env))
        full_cpu.append(CPU[-1])
        folders = {p: root / "target" if p == "hub" else root / "domains" / p / "target" for p in PROJECTS}
        full_nodes = sorted(n for p in PROJECTS for n in built_nodes(folders[p]))
        for project in PROJECTS:
            (state / project).mkdir(parents=True, exist_ok=True)
            for name in STATE_FILES:  # the manifest and the source fingerprint beside it
                shutil.copyfile(folders[project] / name, state / project / name)
        costs = dbt_costs(root, env)
        colds.append(costs["cold"])
        print(f"round {round_ + 1}: full build {full_walls[-1]:.1f}s ({full_cpu[-1]:.1f}s CPU), "
              f"{len(full_nodes)} nodes; a cold dbt interpreter {costs['cold']:.1f}s; "
              f"load average {load()}", flush=True)  # fmt: skip
        for scenario in SCENARIOS:
            pr = f"bench-{SCENARIOS.index(scenario)}"
            shutil.rmtree(data / "pr" / pr, ignore_errors=True)  # cold: nothing left from a previous round
            with edited(root / scenario.path, scenario.old, scenario.new):
                walls[scenario.name].append(
                    mesh(["build", "--changed", "--state", str(state), "--pr", pr], env)
                )
                cpus[scenario.name].append(CPU[-1])
                namespace = data / "pr" / pr
                plan_file = orjson.loads((namespace / "plan" / "plan.json").read_bytes())
                built_projects = list(plan_file["projects"])
                if built_projects:  # the floor: a cold interpreter, the changed project's full parse, SQL
                    changed = scenario.path.split("/")[1] if scenario.path.startswith("domains/") else "hub"
                    chain = sql_chain(namespace, built_projects, upstream)
                    floors[scenario.name].append(costs["cold"] + costs[f"full:{changed}"] + chain)
                # the next push of the same pull request, its namespace kept (dbt's partial parse too)
                again[scenario.name].append(
                    mesh(["build", "--changed", "--state", str(state), "--pr", pr], env)
                )
            namespace = data / "pr" / pr
            plan = orjson.loads((namespace / "plan" / "plan.json").read_bytes())
            started_projects[scenario.name] = list(plan["projects"])
            nodes[scenario.name] = sorted(
                n for p in plan["projects"] for n in built_nodes(namespace / "target" / p)
            )
            print(f"  {scenario.name}: {walls[scenario.name][-1]:.1f}s "
                  f"({cpus[scenario.name][-1]:.1f}s CPU; {again[scenario.name][-1]:.1f}s again), "
                  f"{len(nodes[scenario.name])} nodes "
                  f"in {started_projects[scenario.name] or 'no project'}", flush=True)  # fmt: skip
    loads.append(load())
    full, full_c = statistics.median(full_walls), statistics.median(full_cpu)
    print()
    print(f"scale {args.scale}, {args.repeat} rounds, {os.cpu_count()} cores; medians; "
          f"load average (1/5/15 min) {loads[0]} before, {loads[1]} after")  # fmt: skip
    print(f"a cold dbt interpreter (start, import, first command's extra): {statistics.median(colds):.2f} s")
    print("| change | projects started | models built | wall | vs full build | CPU | vs full build "
          "| next push: wall | vs full build | dbt floor | vs full build |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    print(f"| full `mesh build` | {len(PROJECTS)} | {len(full_nodes)} | {full:.1f} s | 1.00x "
          f"| {full_c:.1f} s | 1.00x | | | | |")  # fmt: skip
    for scenario in SCENARIOS:
        wall, cpu = statistics.median(walls[scenario.name]), statistics.median(cpus[scenario.name])
        built = ", ".join(n.split(".", 1)[1] for n in nodes[scenario.name]) or "none"
        projects = ", ".join(started_projects[scenario.name]) or "none"
        next_push = statistics.median(again[scenario.name])
        floor = statistics.median(floors[scenario.name]) if floors[scenario.name] else None
        floor_cells = f"{floor:.1f} s | {floor / full:.2f}x" if floor is not None else "none | none"
        print(f"| {scenario.name} | {projects} | {len(nodes[scenario.name])}: {built} | {wall:.1f} s "
              f"| {wall / full:.2f}x | {cpu:.1f} s | {cpu / full_c:.2f}x | {next_push:.1f} s "
              f"| {next_push / full:.2f}x | {floor_cells} |")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
