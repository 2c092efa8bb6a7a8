"""Benchmark the whole-mesh build on DuckDB.

For each scale: generate data, then build every project with `mesh build`'s own scheduler, with
independent domains concurrent (--jobs 2) and one at a time (--jobs 1), several repetitions each.
Reports medians: per-project dbt wall time, time inside nodes (SQL) vs dbt overhead, whole-mesh wall
time, the concurrency speedup, peak memory of the largest dbt process, and how wall time grows with scale.
Also compares one project's build as a subprocess (what `mesh build` does) with in-process `dbtRunner`.

    .venv/bin/python scripts/bench_build.py --scales 1 5 --repeat 2   (section of docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from governance.build.results import Outcome, ProjectResult  # noqa: E402
from governance.build.scheduler import build_mesh  # noqa: E402
from governance.project import Projects  # noqa: E402


def generate(scale: float, data_dir: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/generate_data.py"), "--scale", str(scale), "--seed", "42",
         "--out", str(data_dir)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    return time.perf_counter() - started


def build_once(projects: Projects, jobs: int) -> tuple[float, list[ProjectResult]]:
    started = time.perf_counter()
    results = build_mesh(
        projects,
        projects.select(None),
        target="ci",
        select=[],
        jobs=jobs,
        on_start=lambda _: None,
        on_event=lambda _: None,
        on_finish=lambda _: None,
    )
    wall = time.perf_counter() - started
    failed = [r for r in results if r.outcome is not Outcome.SUCCESS]
    if failed:
        raise SystemExit(f"build failed in {failed[0].project}: {failed[0].reason}")
    return wall, results


def in_process_vs_subprocess(projects: Projects, repeat: int) -> tuple[float, float]:
    """Median seconds to build the most upstream project: subprocess vs dbtRunner in this process."""
    project = projects.select(None)[0]
    profiles = projects.root / "profiles"
    args = ["build", "--project-dir", str(project.path), "--profiles-dir", str(profiles), "--quiet"]
    sub_times, inproc_times = [], []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run([str(Path(sys.executable).with_name("dbt")), *args], check=True, cwd=project.path,
                       stdout=subprocess.DEVNULL)  # fmt: skip
        sub_times.append(time.perf_counter() - started)
    from dbt.cli.main import dbtRunner

    cwd = os.getcwd()
    os.chdir(project.path)
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            result = dbtRunner().invoke(args)
            inproc_times.append(time.perf_counter() - started)
            if not result.success:
                raise SystemExit(f"in-process dbt build of {project.name} failed")
    finally:
        os.chdir(cwd)
    return statistics.median(sub_times), statistics.median(inproc_times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=float, nargs="+", default=[1.0, 5.0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=ROOT / ".mesh" / "bench" / "build-data")
    parser.add_argument("--markdown", type=Path, help="also write the results as markdown to this file")
    args = parser.parse_args()

    os.environ["MESH_DATA_DIR"] = str(args.data_dir)
    os.environ.setdefault("DBT_PROFILES_DIR", str(ROOT / "profiles"))
    os.environ["DO_NOT_TRACK"] = "1"
    projects = Projects.discover(ROOT)
    lines = [
        f"Machine: {os.cpu_count()} cores. Median of {args.repeat} runs per configuration.",
        "",
        "| scale | gen data | mesh wall (jobs 2) | mesh wall (jobs 1) | concurrency speedup | "
        "SQL time | dbt overhead | peak RSS (largest dbt) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    per_project_rows: list[str] = []
    walls: dict[float, float] = {}
    for scale in args.scales:
        gen = generate(scale, args.data_dir)
        concurrent = [build_once(projects, jobs=2) for _ in range(args.repeat)]
        sequential = [build_once(projects, jobs=1) for _ in range(args.repeat)]
        wall2 = statistics.median(w for w, _ in concurrent)
        wall1 = statistics.median(w for w, _ in sequential)
        walls[scale] = wall2
        by_project: dict[str, list[ProjectResult]] = {}
        for _, results in sequential:
            for r in results:
                by_project.setdefault(r.project, []).append(r)
        peak_rss = max(r.peak_rss_mb for _, results in concurrent + sequential for r in results)
        sql = sum(statistics.median(r.sql_seconds for r in rs) for rs in by_project.values())
        overhead = sum(statistics.median(r.overhead_seconds for r in rs) for rs in by_project.values())
        lines.append(
            f"| {scale:g} | {gen:.1f}s | {wall2:.1f}s | {wall1:.1f}s | {wall1 / wall2:.2f}x | "
            f"{sql:.1f}s | {overhead:.1f}s | {peak_rss:.0f} MB |"
        )
        for name, rs in by_project.items():
            per_project_rows.append(
                f"| {scale:g} | {name} | {statistics.median(r.seconds for r in rs):.1f}s | "
                f"{statistics.median(r.sql_seconds for r in rs):.1f}s | "
                f"{statistics.median(r.overhead_seconds for r in rs):.1f}s | {rs[0].models} | {rs[0].tests} |"
            )
        print(lines[-1], flush=True)
    lines += ["", "Per project (sequential runs, so times are not inflated by sharing the cores):", "",
              "| scale | project | dbt wall | SQL time | dbt overhead | models | tests |",
              "|---|---|---|---|---|---|---|", *per_project_rows]  # fmt: skip
    if len(walls) > 1:
        (s0, w0), (s1, w1) = sorted(walls.items())[0], sorted(walls.items())[-1]
        lines += [
            "",
            f"Growth: scale x{s1 / s0:g} took x{w1 / w0:.2f} the wall time (linear would be x{s1 / s0:g}).",
        ]
    sub, inproc = in_process_vs_subprocess(projects, args.repeat)
    lines += [
        "",
        f"One project (`{projects.select(None)[0].name}`) at the last scale: "
        f"subprocess `dbt build` {sub:.1f}s, "
        f"in-process `dbtRunner` {inproc:.1f}s (warm interpreter after the first run).",
    ]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
