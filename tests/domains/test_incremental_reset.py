"""Incremental models survive a reset source: raw data regenerated (another scale or seed) between builds.

`make demo` (scale 1) then `make test` (scale 0.02) regenerates the raw files under the same data
directory; an incremental model that only appends rows newer than its watermark would keep the
demo's rows, whose keys no longer exist upstream.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from governance.build.runner import WorkerPool
from tests.domains.mesh_copy import MeshCopy, copy_mesh, generate_data

pytestmark = pytest.mark.dbt

MODEL = "stg_web_events"


def _loaded_and_raw(data: Path) -> tuple[int, int, int]:
    """(rows loaded, raw rows, loaded event ids absent from the raw files)."""
    raw = str(data / "raw" / "marketing" / "web_events" / "*.parquet")
    with duckdb.connect(str(data / "warehouse" / "marketing.duckdb"), read_only=True) as con:
        row = con.execute(
            f"select (select count(*) from marketing.bronze.{MODEL}), "
            f"(select count(*) from read_parquet(?)), "
            f"(select count(*) from marketing.bronze.{MODEL} where event_id not in "
            f"(select event_id from read_parquet(?)))",
            [raw, raw],
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1]), int(row[2])


@pytest.fixture(scope="module")
def dbt_interpreter() -> Iterator[WorkerPool]:
    """One dbt interpreter for the module's dbt commands, the one `mesh build` runs them in
    (governance/build/worker.py): it closes DuckDB after each command, so no connection outlives a build."""
    with WorkerPool(1) as pool:
        yield pool


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory, dbt_interpreter: WorkerPool) -> tuple[MeshCopy, Path]:
    """One copy for the module, both projects parsed once: orders' manifest (which marketing's dbt-loom
    reads) does not depend on the data, and one data folder keeps the profile, hence dbt's partial parse,
    the same from build to build."""
    base = tmp_path_factory.mktemp("incremental")
    data = base / "data"
    copy = copy_mesh(base / "mesh", domains=("orders", "marketing"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MESH_DATA_DIR", str(data))
        _dbt(dbt_interpreter, copy, "orders", "parse")
        _dbt(dbt_interpreter, copy, "marketing", "parse")
    return copy, data


@pytest.fixture
def mesh(parsed: tuple[MeshCopy, Path], monkeypatch: pytest.MonkeyPatch) -> MeshCopy:
    """The module's copy over an empty data folder (each test generates its own raw data)."""
    copy, data = parsed
    shutil.rmtree(data, ignore_errors=True)
    monkeypatch.setenv("MESH_DATA_DIR", str(data))
    return copy


def _dbt(interpreter: WorkerPool, mesh: MeshCopy, project: str, *args: str) -> None:
    folder = mesh.folder(project)
    argv = [*args, "--project-dir", str(folder), "--profiles-dir", str(mesh.root / "profiles")]
    request = {"argv": argv, "cwd": str(folder), "env": dict(os.environ)}
    returncode, _, lines = interpreter.run(request, lambda _: None)
    assert returncode == 0, b"".join(lines).decode(errors="replace")[-3000:]


def _build(interpreter: WorkerPool, mesh: MeshCopy, data: Path) -> None:
    # marketing's connection attaches orders' warehouse read-only; this model does not read it
    (data / "warehouse").mkdir(parents=True, exist_ok=True)
    duckdb.connect(str(data / "warehouse" / "orders.duckdb")).close()
    _dbt(interpreter, mesh, "marketing", "run", "--select", MODEL)


@pytest.mark.parametrize(
    ("first", "second"), [(("0.004", "1"), ("0.002", "1")), (("0.002", "1"), ("0.002", "2"))]
)
def test_a_regenerated_source_is_reloaded_not_appended_to(
    mesh: MeshCopy,
    parsed: tuple[MeshCopy, Path],
    dbt_interpreter: WorkerPool,
    first: tuple[str, str],
    second: tuple[str, str],
) -> None:
    data = parsed[1]
    generate_data(data, *first)
    _build(dbt_interpreter, mesh, data)
    loaded, raw, orphans = _loaded_and_raw(data)
    assert loaded == raw and orphans == 0

    generate_data(data, *second)
    _build(dbt_interpreter, mesh, data)
    loaded, raw, orphans = _loaded_and_raw(data)
    assert orphans == 0, f"{orphans} rows of the previous source kept"
    assert loaded == raw


def test_an_unchanged_source_is_appended_to_not_reloaded(
    mesh: MeshCopy, parsed: tuple[MeshCopy, Path], dbt_interpreter: WorkerPool
) -> None:
    data = parsed[1]
    generate_data(data, "0.002", "1")
    _build(dbt_interpreter, mesh, data)
    before = _loaded_and_raw(data)
    _build(dbt_interpreter, mesh, data)
    assert _loaded_and_raw(data) == before
