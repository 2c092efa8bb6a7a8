"""Parse a small fixture mesh with the real dbt (+ dbt-loom) in-process, for tests that need manifests.

dbt-loom reads `dbt_loom.config.yml` from the working directory, so each parse runs inside its
project folder. Projects are parsed upstream first, as `mesh build` does. A fixture is parsed once
per test session (`parsed_fixture`); tests that edit it work on a copy.
"""

from __future__ import annotations

import atexit
import contextlib
import functools
import os
import shutil
import tempfile
from pathlib import Path

from tests.lanes import refuse_dbt_in_unit_lane

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
PROJECTS = {"orders": "domains/orders", "marketing": "domains/marketing", "hub": "."}  # upstream first


def parse(root: Path, *folders: str) -> None:
    """`dbt parse` each project folder (relative to `root`), in the order given."""
    from dbt.cli.main import dbtRunner

    refuse_dbt_in_unit_lane(f"dbt parse of {', '.join(folders)}")
    os.environ.setdefault("DO_NOT_TRACK", "1")
    for project in folders:
        folder = (root / project).resolve()
        args = ["--quiet", "--log-path", str(root / "logs"), "parse", "--no-partial-parse"]
        args += ["--project-dir", str(folder), "--profiles-dir", str(root)]
        with contextlib.chdir(folder):
            result = dbtRunner().invoke(args)
        if not result.success:
            raise AssertionError(f"dbt parse of {folder} failed: {result.exception}")


@functools.cache
def parsed_fixture(name: str) -> Path:
    """`tests/fixtures/<name>` copied to a temporary folder and parsed; its manifests are also saved as
    production state in `<folder>/../state/<project>/manifest.json`. Read-only for callers."""
    base = Path(tempfile.mkdtemp(prefix=f"mesh-{name}-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    root = base / "mesh"
    shutil.copytree(FIXTURES / name, root, ignore=shutil.ignore_patterns("target", "logs"))
    parse(root, *PROJECTS.values())
    for project, folder in PROJECTS.items():
        (base / "state" / project).mkdir(parents=True)
        shutil.copyfile(
            root / folder / "target" / "manifest.json", base / "state" / project / "manifest.json"
        )
    return root
