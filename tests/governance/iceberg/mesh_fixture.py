"""Build `fixture_mesh/` (a tiny real mesh) once per test session with real dbt, into a temp folder.

Shared by the iceberg, trino and engines tests: `built_mesh()` is cached, so the dbt runs (shipping,
billing and the hub's parse, side by side) happen once however many tests use it.
"""

from __future__ import annotations

import atexit
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from governance.loader import load_mesh
from governance.model import MeshModel
from tests.fixtures.cache_lock import exclusive
from tests.lanes import refuse_dbt_in_unit_lane

FIXTURE = Path(__file__).resolve().parent / "fixture_mesh"
CACHE = Path(__file__).resolve().parents[3] / ".pytest_cache" / "d" / "mesh-fixture-external"
DBT = Path(sys.executable).parent / "dbt"


@dataclass(frozen=True)
class BuiltMesh:
    root: Path  # the copied mesh (hub at the root, domains/<name>/)
    warehouse: Path  # <warehouse>/<project>.duckdb for every project
    mesh: MeshModel


def _dbt(command: str, project: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(DBT), command, "--quiet"], cwd=project, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )


def _wait(process: subprocess.Popen[bytes], what: str) -> None:
    output, _ = process.communicate()
    if process.returncode != 0:
        raise RuntimeError(f"dbt failed for {what}:\n{output.decode(errors='replace')[-4000:]}")


def _fingerprint() -> str:
    """Hash of the fixture's files and the dbt version: a changed fixture is rebuilt."""
    digest = hashlib.sha256(importlib.metadata.version("dbt-core").encode())
    for path in sorted(p for p in FIXTURE.rglob("*") if p.is_file()):
        digest.update(str(path.relative_to(FIXTURE)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


@cache
def built_mesh() -> BuiltMesh:
    """The built fixture; reused from .pytest_cache when its files have not changed (tests only read it)."""
    refuse_dbt_in_unit_lane("the external fixture mesh")
    cached = CACHE / _fingerprint()
    with exclusive(CACHE.parent / "mesh-fixture-external.lock"):  # one builder across xdist workers
        if (cached / "complete").is_file():
            return BuiltMesh(cached / "mesh", cached / "warehouse", load_mesh(cached / "mesh"))
        return _build_and_cache(cached)


def _build_and_cache(cached: Path) -> BuiltMesh:
    base = Path(tempfile.mkdtemp(prefix="mesh-fixture-"))
    atexit.register(shutil.rmtree, base, ignore_errors=True)
    built = _build(base)
    try:
        CACHE.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(dir=CACHE))
        shutil.copytree(base / "mesh", staging / "mesh")
        shutil.copytree(base / "warehouse", staging / "warehouse")
        (staging / "complete").touch()
        staging.rename(cached)
    except OSError:
        pass  # another session cached it first, or the cache is read-only: the temp build still serves
    return built


def _build(base: Path) -> BuiltMesh:
    root = base / "mesh"
    shutil.copytree(FIXTURE, root)
    warehouse = base / "warehouse"
    warehouse.mkdir()
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(root),
        "MESH_TEST_WAREHOUSE": str(warehouse),
        "DO_NOT_TRACK": "1",
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    # The fixture's projects do not depend on each other: build them side by side.
    processes = {
        "shipping": _dbt("run", root / "domains" / "shipping", env),
        "billing": _dbt("run", root / "domains" / "billing", env),
        "hub": _dbt("parse", root, env),
    }
    for name, process in processes.items():
        _wait(process, name)
    return BuiltMesh(root, warehouse, load_mesh(root))
