"""Benchmark `mesh check` against dbt-bouncer on synthetic meshes, side by side in one run.

    .venv/bin/python scripts/bench_check.py   (section of docs/benchmarks.md)

For each size (default 1,000 models / 10 domains and 10,000 models / 50 domains) it writes a synthetic
repository (scripts/generate_manifests.py), then alternates, `--repeat` times:
  * `mesh check --select <overlapping codes> --format json` as a subprocess over the whole mesh;
  * dbt-bouncer with the equivalent checks, once per project manifest (bouncer checks one dbt project
    per run: it keeps only nodes whose package is the manifest's project, so a merged manifest would
    not be checked as a whole), sequentially, as a mesh CI job would.
Reported: median wall time, peak RSS (per process, from wait4), checks evaluated and failures found.
dbt-bouncer lives in its own virtualenv (`.mesh/bench/bouncer-venv`), never in the project's.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / ".mesh" / "bench"
BOUNCER_VERSION = "4.3.0"
BOUNCER_VENV = BENCH / "bouncer-venv"
MESH = [sys.executable, "-m", "governance"]

# mesh rule <-> dbt-bouncer check(s) doing the same job on the same resources.
OVERLAP: dict[str, list[str]] = {
    "MESH003": [
        "check_model_has_meta_keys\n    include: ^models/marts\n"
        "    keys: [domain, owner, classification, sla]"
    ],
    "MESH005": [
        "check_model_access\n    access: protected\n    include: ^models/staging",
        "check_model_access\n    access: private\n    include: ^models/intermediate",
    ],
    "MESH006": ["check_model_contract_enforced_for_public_model"],
    "MESH007": ["check_model_columns_have_types\n    include: ^models/marts"],
    "MESH008": ["check_model_single_primary_key\n    include: ^models/marts"],
    "MESH009": ["check_model_has_unique_test\n    include: ^models/marts"],
    "MESH010": ["check_model_description_populated\n    include: ^models/marts"],
    "MESH011": ["check_model_column_description_populated\n    include: ^models/marts"],
    "MESH013": ["check_exposure_based_on_non_public_models"],
    "MESH016": ["check_model_version_pinned_in_ref"],
    "MESH021": ["check_model_hard_coded_references"],
    "MESH024": ["check_model_grant_privilege_required\n    include: ^models/marts\n    privilege: select"],
    "MESH025": ["check_source_freshness_populated"],
    "MESH026": ["check_source_loader_populated"],
    "MESH027": ["check_exposure_has_owner"],
    "MESH029": [
        "check_model_names\n    include: ^models/marts\n    model_name_pattern: ^(fct|dim)_",
        "check_model_names\n    include: ^models/staging\n    model_name_pattern: ^stg_",
        "check_model_names\n    include: ^models/intermediate\n    model_name_pattern: ^int_",
    ],
}


@dataclass(frozen=True)
class Run:
    wall: float  # seconds
    peak_rss_mb: float  # largest single process
    evaluated: int  # mesh: rules run; bouncer: check runs (check x resource)
    failures: int


def run_measured(cmd: list[str], cwd: Path, env: dict[str, str] | None = None) -> tuple[float, float, int]:
    """(wall seconds, peak RSS MB of that process, exit code), stdout/stderr discarded."""
    started = time.perf_counter()
    process = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    wall = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_maxrss / 1024, process.returncode


def ensure_bouncer() -> Path:
    exe = BOUNCER_VENV / "bin" / "dbt-bouncer"
    if not exe.exists():
        subprocess.run([sys.executable, "-m", "venv", str(BOUNCER_VENV)], check=True)
        pip = [str(BOUNCER_VENV / "bin" / "pip"), "install", "-q", f"dbt-bouncer=={BOUNCER_VERSION}"]
        subprocess.run(pip, check=True)
    return exe


def projects_of(mesh_dir: Path) -> list[tuple[str, Path]]:
    domains = sorted((p.name, p / "target") for p in (mesh_dir / "domains").iterdir())
    return [*domains, ("hub", mesh_dir / "target")]


def bouncer_configs(mesh_dir: Path, out: Path) -> list[Path]:
    checks = "\n".join(f"  - name: {check}" for checks in OVERLAP.values() for check in checks)
    out.mkdir(parents=True, exist_ok=True)
    configs = []
    for name, target in projects_of(mesh_dir):
        config = out / f"{name}.yml"
        config.write_text(f"dbt_artifacts_dir: {target}\nmanifest_checks:\n{checks}\n")
        configs.append(config)
    return configs


def compile_package() -> None:
    """Byte-compile `governance` as pip does on install: this workplace sets PYTHONDONTWRITEBYTECODE,
    so an editable checkout would otherwise recompile every module on every run (~20 ms)."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "governance")], check=True)


def run_mesh(mesh_dir: Path, work: Path, *, every_rule: bool = False) -> Run:
    """`mesh check` with the overlapping rules (or, `every_rule`, the whole policy)."""
    report = work / "mesh-report.json"
    cmd = [*MESH, "check", "--format", "json", "--output", str(report)]
    cmd += [] if every_rule else ["--select", *OVERLAP]
    env = {**os.environ, "MESH_ROOT": str(mesh_dir)}
    wall, rss, code = run_measured(cmd, ROOT, env)
    if code not in (0, 1):
        raise SystemExit(f"mesh check exited {code}: run `MESH_ROOT={mesh_dir} {' '.join(cmd)}`")
    summary = orjson.loads(report.read_bytes())["summary"]
    return Run(wall, rss, summary["rules_run"], summary["errors"] + summary["warnings"])


def run_bouncer(exe: Path, configs: list[Path], work: Path) -> Run:
    wall = rss = 0.0
    evaluated = failures = 0
    for config in configs:
        out = work / f"bouncer-{config.stem}.json"
        cmd = [
            str(exe),
            "run",
            "--config-file",
            str(config),
            "--output-file",
            str(out),
            "--output-format",
            "json",
        ]
        seconds, peak, code = run_measured(cmd, work)
        if code not in (0, 1):
            raise SystemExit(f"dbt-bouncer exited {code} for {config}: run `{' '.join(cmd)}`")
        results = orjson.loads(out.read_bytes())
        wall += seconds
        rss = max(rss, peak)
        evaluated += len(results)
        failures += sum(1 for r in results if r["outcome"] == "failed")
    return Run(wall, rss, evaluated, failures)


# One `mesh check` in a fresh interpreter, CPU seconds (time.process_time) per phase, as JSON on stdout.
PHASES = """
import time, sys, json
started = time.process_time()
from pathlib import Path
from governance.checks.catalog import breaking_entries
from governance.checks.config import load_policy
from governance.checks.evaluation import evaluate
from governance.formatters import render
from governance.loader import load_mesh
from governance.project import Projects
marks = {"imports": time.process_time()}
projects = Projects.discover(Path(sys.argv[1]))
marks["discover"] = time.process_time()
policy = load_policy(None, root=projects.root, extra_codes=[e.code for e in breaking_entries()])
marks["policy"] = time.process_time()
mesh = load_mesh(projects=projects)
marks["load"] = time.process_time()
selected = set(sys.argv[2:]) or None
report = evaluate(mesh, policy, selected=selected)
marks["rules + sort"] = time.process_time()
render("json", report)
marks["render"] = time.process_time()
previous, spent = started, {}
for phase, mark in marks.items():
    spent[phase], previous = mark - previous, mark
print(json.dumps(spent))
"""


def phases(mesh_dir: Path, repeat: int, selected: list[str]) -> dict[str, float]:
    """Median CPU seconds per phase of `mesh check` over `repeat` fresh interpreters."""
    runs = []
    for _ in range(repeat):
        cmd = [sys.executable, "-c", PHASES, str(mesh_dir), *selected]
        out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True).stdout
        runs.append(orjson.loads(out))
    return {phase: statistics.median(run[phase] for run in runs) for phase in runs[0]}


def phases_markdown(mesh_dir: Path, repeat: int) -> str:
    overlap, every = phases(mesh_dir, repeat, list(OVERLAP)), phases(mesh_dir, repeat, [])
    lines = [
        f"CPU seconds per phase, median of {repeat} fresh interpreters each "
        f"(`python scripts/bench_check.py --phases {repeat}`, mesh `{mesh_dir.name}`):",
        "",
        f"| phase | {len(OVERLAP)} overlapping rules | every rule |",
        "|---|---|---|",
    ]
    lines += [f"| {phase} | {overlap[phase]:.3f} s | {every[phase]:.3f} s |" for phase in overlap]
    lines.append(f"| total | {sum(overlap.values()):.3f} s | {sum(every.values()):.3f} s |")
    return "\n".join(lines) + "\n"


def median_run(runs: list[Run]) -> Run:
    return Run(
        statistics.median(r.wall for r in runs),
        max(r.peak_rss_mb for r in runs),
        runs[0].evaluated,
        runs[0].failures,
    )


def bench_size(models: int, domains: int, columns: int, repeat: int, exe: Path) -> dict[str, object]:
    mesh_dir = BENCH / f"mesh-{models}x{domains}"
    work = BENCH / f"work-{models}x{domains}"
    work.mkdir(parents=True, exist_ok=True)
    if not (mesh_dir / "target" / "manifest.json").exists():
        # A separate process: a forked child's peak RSS starts at its parent's, so this one stays small.
        generate = [sys.executable, str(ROOT / "scripts" / "generate_manifests.py"), "--out", str(mesh_dir)]
        generate += ["--domains", str(domains), "--models", str(models), "--columns", str(columns)]
        subprocess.run(generate, check=True, stdout=subprocess.DEVNULL)
    configs = bouncer_configs(mesh_dir, work / "bouncer-config")
    mesh_runs, all_rules_runs, bouncer_runs = [], [], []
    run_mesh(mesh_dir, work)  # warm the file cache for both tools alike
    for _ in range(repeat):
        mesh_runs.append(run_mesh(mesh_dir, work))
        all_rules_runs.append(run_mesh(mesh_dir, work, every_rule=True))
        bouncer_runs.append(run_bouncer(exe, configs, work))
    startup = statistics.median(run_measured([str(exe), "--version"], work)[0] for _ in range(3))
    size_mb = sum(f.stat().st_size for f in mesh_dir.rglob("manifest.json")) / 1e6
    return {
        "models": models,
        "domains": domains,
        "projects": len(configs),
        "manifest_mb": size_mb,
        "mesh": median_run(mesh_runs),
        "mesh_walls": [r.wall for r in mesh_runs],
        "mesh_all_rules": median_run(all_rules_runs),
        "bouncer": median_run(bouncer_runs),
        "bouncer_startup": startup,
    }


def markdown(results: list[dict[str, object]], command: str, repeat: int) -> str:
    lines = [
        "## `mesh check` vs dbt-bouncer",
        "",
        f"Command: `{command}`",
        "",
        f"Machine: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"dbt-bouncer {BOUNCER_VERSION}; "
        f"median of {repeat} alternating runs (one warm-up `mesh check` first; `governance` byte-compiled "
        "first, as an install does). Both tools run the same "
        f"{len(OVERLAP)} overlapping checks (`{', '.join(OVERLAP)}` and their bouncer equivalents, "
        "listed in `scripts/bench_check.py`). dbt-bouncer checks one dbt project per run, so it runs once "
        "per project manifest (domains + hub), sequentially; its time is the sum.",
        "",
        "| models / domains | manifests (MB) | mesh check wall | bouncer wall (all projects) | ratio | "
        "bouncer net of startup | mesh peak RSS | bouncer peak RSS | mesh rules / findings | "
        "bouncer check runs / failures | mesh check, every rule: wall / rules / findings |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        mesh, bouncer, every = r["mesh"], r["bouncer"], r["mesh_all_rules"]
        assert isinstance(mesh, Run) and isinstance(bouncer, Run) and isinstance(every, Run)
        startup = float(r["bouncer_startup"])  # type: ignore[arg-type]
        net = bouncer.wall - startup * int(r["projects"])  # type: ignore[call-overload]
        lines.append(
            f"| {r['models']:,} / {r['domains']} | {float(r['manifest_mb']):.0f} | {mesh.wall:.2f} s | "  # type: ignore[arg-type]
            f"{bouncer.wall:.2f} s ({r['projects']} runs) | {mesh.wall / bouncer.wall:.2f} | {net:.2f} s | "
            f"{mesh.peak_rss_mb:.0f} MB | {bouncer.peak_rss_mb:.0f} MB | "
            f"{mesh.evaluated} / {mesh.failures} | "
            f"{bouncer.evaluated:,} / {bouncer.failures} | "
            f"{every.wall:.2f} s / {every.evaluated} / {every.failures} |"
        )
    lines += [
        "",
        "ratio = mesh wall / bouncer wall (targets: 10,000 models in <= 1.0 s, <= 0.5 of bouncer, < 500 MB). "
        '"bouncer net of startup" subtracts one `dbt-bouncer --version` per project run '
        f"(median {float(results[-1]['bouncer_startup']):.2f} s) to show its checking time alone.",  # type: ignore[arg-type]
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", nargs="+", default=["1000x10", "10000x50"], help="MODELSxDOMAINS")
    parser.add_argument("--columns", type=int, default=8)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--write", type=Path, help="also write the markdown section to this file")
    parser.add_argument(
        "--phases",
        type=int,
        metavar="N",
        help="instead: CPU per phase of `mesh check` on the last size's mesh, median of N runs",
    )
    args = parser.parse_args()
    if args.phases:
        models, domains = args.sizes[-1].split("x")
        mesh_dir = BENCH / f"mesh-{models}x{domains}"
        if not (mesh_dir / "target" / "manifest.json").exists():
            raise SystemExit(f"{mesh_dir}: no synthetic mesh yet; run this script without --phases first")
        compile_package()
        print(phases_markdown(mesh_dir, args.phases))
        return 0
    exe = ensure_bouncer()
    compile_package()
    results = []
    load_before = os.getloadavg()[0]
    for size in args.sizes:
        models, domains = (int(x) for x in size.split("x"))
        results.append(bench_size(models, domains, args.columns, args.repeat, exe))
        print(f"done {size}", file=sys.stderr)
    command = "python scripts/bench_check.py " + " ".join(sys.argv[1:])
    text = markdown(results, command.strip(), args.repeat)
    text += f"Load average (1 min) before / after the run: {load_before:.1f} / {os.getloadavg()[0]:.1f}.\n"
    print(text)
    if args.write:
        args.write.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
