"""Benchmark the mesh build on local Spark (the Databricks dialect in CI) next to DuckDB, same data, same run.

In a throw-away copy of the mesh (the working tree's manifests stay untouched), for each scale: generate
data once, then build every project with `mesh build`'s scheduler on target `ci` (DuckDB) and `spark`,
alternating engines in each repetition so both see the same machine state. One project at a time on
both engines (Spark's embedded Derby metastore admits one process). Reports medians per project: dbt wall
time, the Spark/DuckDB ratio, and the fixed cost of one dbt process that only connects (for Spark: JVM,
session, metastore) and registers the raw sources.

    .venv/bin/python scripts/bench_spark.py --scales 0.02 --repeat 3   (section of docs/benchmarks.md)
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from governance.build.results import Outcome  # noqa: E402
from governance.build.scheduler import build_mesh  # noqa: E402
from governance.build.targets import runs_on  # noqa: E402
from governance.project import Projects  # noqa: E402
from tests.domains.mesh_copy import copy_mesh  # noqa: E402

ENGINES = {"ci": "DuckDB", "spark": "Spark"}


def generate(scale: float, data_dir: Path) -> None:
    subprocess.run(
        [sys.executable, str(ROOT / "scripts/generate_data.py"), "--scale", str(scale), "--seed", "7",
         "--out", str(data_dir)],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip


def fixed_cost_seconds(projects: Projects, target: str, data_dir: Path) -> float:
    """Wall time of a dbt process that only opens its connection (for Spark: the JVM, the session and the
    metastore) and registers the raw sources: what every project pays before its first model."""
    project = projects.projects[projects.order[0]]
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "run-operation", "register_raw_sources",
         "--target", target, "--profiles-dir", str(projects.root / "profiles")],
        check=True, cwd=project.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "MESH_DATA_DIR": str(data_dir)},
    )  # fmt: skip
    return time.perf_counter() - started


def build_once(projects: Projects, target: str, data_dir: Path) -> dict[str, float]:
    """{project: dbt wall seconds} for one whole-mesh build on `target`."""
    selected = [p for p in projects.select(None) if runs_on(p, target)]
    results = build_mesh(
        projects, selected, target=target, select=[], jobs=1,
        on_start=lambda _: None, on_event=lambda _: None, on_finish=lambda _: None,
        env={"MESH_DATA_DIR": str(data_dir)},
    )  # fmt: skip
    failed = [r for r in results if r.outcome is not Outcome.SUCCESS]
    if failed:
        raise SystemExit(f"{target} build failed in {failed[0].project}: {failed[0].reason}")
    return {r.project: r.seconds for r in results}


def bench_scale(scale: float, repeat: int, workdir: Path) -> list[str]:
    data_dir = workdir / f"data-{scale}"
    generate(scale, data_dir)
    mesh = copy_mesh(workdir / f"mesh-{scale}")
    projects = Projects.discover(mesh.root)
    runs: dict[str, list[dict[str, float]]] = {t: [] for t in ENGINES}
    walls: dict[str, list[float]] = {t: [] for t in ENGINES}
    fixed: dict[str, list[float]] = {t: [] for t in ENGINES}
    for index in range(repeat):
        for target in ENGINES:
            started = time.perf_counter()
            runs[target].append(build_once(projects, target, data_dir))
            walls[target].append(time.perf_counter() - started)
            fixed[target].append(fixed_cost_seconds(projects, target, data_dir))
            print(f"scale {scale} run {index + 1}/{repeat} {target}: {walls[target][-1]:.1f}s", flush=True)
    rows = []
    for name in projects.order:
        duck = statistics.median(r[name] for r in runs["ci"])
        spark = statistics.median(r[name] for r in runs["spark"])
        rows.append(f"| {scale} | {name} | {duck:.1f} | {spark:.1f} | {spark / duck:.1f}x |")
    duck_wall, spark_wall = statistics.median(walls["ci"]), statistics.median(walls["spark"])
    rows.append(
        f"| {scale} | **whole mesh** | {duck_wall:.1f} | {spark_wall:.1f} | {spark_wall / duck_wall:.1f}x |"
    )
    duck_fixed, spark_fixed = statistics.median(fixed["ci"]), statistics.median(fixed["spark"])
    rows.append(
        f"| {scale} | fixed cost per project | {duck_fixed:.1f} | {spark_fixed:.1f} | "
        f"{spark_fixed / duck_fixed:.1f}x |"
    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", type=float, nargs="+", default=[0.02])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--markdown", type=Path, help="write the results section to this file")
    args = parser.parse_args()
    rows: list[str] = []
    with tempfile.TemporaryDirectory(prefix="bench-spark-") as tmp:
        for scale in args.scales:
            rows += bench_scale(scale, args.repeat, Path(tmp))
    command = "scripts/bench_spark.py --scales " + " ".join(str(s) for s in args.scales)
    lines = [
        "## Spark build (the Databricks dialect in CI) vs DuckDB",
        "",
        f"`.venv/bin/python {command} --repeat {args.repeat}`; medians of {args.repeat} runs, engines "
        f"alternating within each run, one project at a time, {platform.machine()} with "
        f"{len(os.sched_getaffinity(0))} cores. Seconds are dbt wall time per project "
        "(`dbt build`: parse, models, data and unit tests); the fixed cost is `dbt run-operation "
        "register_raw_sources` in orders: dbt start, connection (Spark: JVM, session, Derby metastore) and "
        "source registration, paid by every project before its first model.",
        "",
        "| scale | project | DuckDB s | Spark s | Spark/DuckDB |",
        "|---|---|---:|---:|---:|",
        *rows,
    ]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.markdown:
        args.markdown.write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
