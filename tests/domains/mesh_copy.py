"""A throw-away copy of the repository's dbt projects, and in-process dbt runs inside it.

Tests never build or parse in the working tree: other tools read its `target/manifest.json` files and
DuckDB warehouses. dbt-loom resolves `dbt_loom.config.yml` and its manifest paths from the working
directory, so every dbt command runs with the project folder as cwd, as `mesh build` does.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dbt.cli.main import dbtRunner, dbtRunnerResult

from tests.lanes import refuse_dbt_in_unit_lane

REPO = Path(__file__).resolve().parents[2]
ROOT_FILES = ("mesh.yml", "dbt_project.yml", "dbt_loom.config.yml")
# deploy/spark: the Ivy settings the profiles' spark target names by a path relative to each project
ROOT_DIRS = ("models", "macros", "profiles", "deploy/spark")
SKIP = shutil.ignore_patterns("target", "logs", "dbt_packages", ".user.yml")


@dataclass(frozen=True)
class MeshCopy:
    root: Path

    def folder(self, project: str) -> Path:
        return self.root if project == "hub" else self.root / "domains" / project

    def dbt(self, project: str, *args: str, on_event: Callable[[Any], None] | None = None) -> dbtRunnerResult:
        """Run `dbt <args>` for `project` in-process, from its folder; `on_event` sees every dbt event."""
        refuse_dbt_in_unit_lane(f"dbt {' '.join(args)}")
        folder = self.folder(project)
        command = [*args, "--project-dir", str(folder), "--profiles-dir", str(self.root / "profiles")]
        command += ["--log-path", str(self.root / "logs")]
        with contextlib.chdir(folder):
            return dbtRunner(callbacks=[on_event] if on_event else None).invoke(command)

    def dbt_ok(
        self, project: str, *args: str, on_event: Callable[[Any], None] | None = None
    ) -> dbtRunnerResult:
        result = self.dbt(project, *args, on_event=on_event)
        if not result.success:
            raise AssertionError(f"dbt {' '.join(args)} failed for {project}: {result.exception}")
        return result


def generate_data(out: Path, scale: str = "0.001", seed: str = "1") -> Path:
    """Raw data for a tiny mesh, written by the real generator (the floors keep every table non-empty)."""
    script = REPO / "scripts" / "generate_data.py"
    command = [sys.executable, str(script), "--scale", scale, "--seed", seed, "--out", str(out)]
    subprocess.run(command, check=True, capture_output=True)
    return out


def copy_mesh(destination: Path, domains: tuple[str, ...] = ("orders", "marketing", "logistics")) -> MeshCopy:
    """Copy the hub files, shared macros, profiles and the given domains to `destination`."""
    destination.mkdir(parents=True, exist_ok=True)
    for name in ROOT_FILES:
        shutil.copyfile(REPO / name, destination / name)
    for name in ROOT_DIRS:
        shutil.copytree(REPO / name, destination / name, ignore=SKIP)
    for domain in domains:
        shutil.copytree(REPO / "domains" / domain, destination / "domains" / domain, ignore=SKIP)
    # The Ivy settings keep Spark's jars in <root>/.cache/ivy: a copy reads the repository's own cache
    # (scripts/ci/jvm_deps.sh fills it) instead of downloading them again.
    (destination / ".cache").mkdir(exist_ok=True)
    if not (destination / ".cache" / "ivy").exists():
        (REPO / ".cache" / "ivy").mkdir(parents=True, exist_ok=True)
        (destination / ".cache" / "ivy").symlink_to(REPO / ".cache" / "ivy", target_is_directory=True)
    os.environ.setdefault("DO_NOT_TRACK", "1")
    return MeshCopy(destination)
