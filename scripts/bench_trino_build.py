"""Benchmark the opted-out domain's two paths into the Iceberg catalog: logistics built on Trino (`mesh build
--target trino` + the verifying `mesh publish`) vs built on DuckDB + the copying `mesh publish`.

    .venv/bin/python scripts/bench_trino_build.py [--scales 0.02 1] [--repeat 3]

Needs PostgreSQL (scripts/ci/postgres.sh; a fresh database `bench_trino_build` is made) and the Trino 476
of scripts/ci/trino.sh (started here on a free port with its own state folder, stopped at the end). Per
scale: raw data generated, the mesh copied to a temporary folder and built once on DuckDB (not timed),
then --repeat times each path as whole CLI processes. Prints medians and the load average (markdown).
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BIN = REPO / ".venv" / "bin"
CROSS_DOMAIN_TEST = "relationships_fct_shipments_order_id__order_id__ref_orders_fct_orders_"


def trino_build(mesh: str) -> list[str]:
    """The trino build; the test to orders' product needs the Databricks catalog this Trino lacks."""
    return [mesh, "build", "--target", "trino", "--domain", "logistics", "--exclude", CROSS_DOMAIN_TEST]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def run(command: list[str], env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"{' '.join(command[1:4])} failed:\n{(done.stdout + done.stderr).strip()[-3000:]}")
    return elapsed


def copy_mesh(root: Path) -> None:
    for name in ("mesh.yml", "dbt_project.yml", "dbt_loom.config.yml"):
        shutil.copyfile(REPO / name, root / name)
    skip = shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml")
    for name in ("models", "macros", "profiles", "domains"):
        shutil.copytree(REPO / name, root / name, ignore=skip)
    (root / "governance").mkdir()
    for path in (REPO / "governance").glob("*.yml"):
        shutil.copyfile(path, root / "governance" / path.name)
    trino_yml = root / "governance" / "trino.yml"
    trino_yml.write_text(
        trino_yml.read_text().replace("external_catalog: mesh", "external_catalog: logistics")
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scales", nargs="+", default=["0.02", "1"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    uri = subprocess.run(
        ["bash", str(REPO / "scripts/ci/postgres.sh"), "fresh", "bench_trino_build"],
        capture_output=True, text=True, check=True,
    ).stdout.strip().splitlines()[-1]  # fmt: skip
    mesh = str(BIN / "mesh")
    lines = ["| scale | path | median (s) | runs (s) | load avg before |", "|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory(prefix="bench-trino-build-") as tmp:
        for scale in args.scales:
            work = Path(tmp) / f"scale-{scale}"
            (work / "mesh").mkdir(parents=True)
            root = work / "mesh"
            copy_mesh(root)
            env = dict(os.environ)
            env.update(
                MESH_ROOT=str(root),
                MESH_DATA_DIR=str(work / "data"),
                MESH_CATALOG_URI=uri,
                MESH_WAREHOUSE=str(work / "warehouse"),
                MESH_TRINO_CONFIG=str(root / "governance" / "trino.yml"),
                TRINO_PORT=str(free_port()),
                TRINO_STATE_DIR=str(work / "trino"),
                MESH_TRINO_TIMEOUT="600",
            )
            run([sys.executable, str(REPO / "scripts/generate_data.py"), "--scale", scale, "--seed", "7",
                 "--out", str(work / "data")], env, REPO)  # fmt: skip
            run([mesh, "build"], env, root)
            run(["bash", str(REPO / "scripts/ci/trino.sh"), "start"], env, REPO)
            env["TRINO_HOST"] = "127.0.0.1"
            try:
                paths: dict[str, list[float]] = {
                    "DuckDB build + copying publish": [],
                    "Trino build + verify": [],
                }
                loads: dict[str, list[float]] = {name: [] for name in paths}
                for _ in range(args.repeat):
                    loads["DuckDB build + copying publish"].append(os.getloadavg()[0])
                    paths["DuckDB build + copying publish"].append(
                        run([mesh, "build", "--domain", "logistics"], env, root)
                        + run([mesh, "publish", "--domain", "logistics"], env, root)
                    )
                    loads["Trino build + verify"].append(os.getloadavg()[0])
                    paths["Trino build + verify"].append(
                        run(trino_build(mesh), env, root)
                        + run([mesh, "publish", "--domain", "logistics"], env, root)
                    )
            finally:
                subprocess.run(["bash", str(REPO / "scripts/ci/trino.sh"), "stop"], env=env, check=False)
            for name, runs in paths.items():
                lines.append(
                    f"| {scale} | {name} | {statistics.median(runs):.1f} | "
                    f"{', '.join(f'{r:.1f}' for r in runs)} | {statistics.median(loads[name]):.2f} |"
                )
            print("\n".join(lines), flush=True)
    print(f"\n{os.cpu_count()} cores; medians of {args.repeat}")


if __name__ == "__main__":
    main()
