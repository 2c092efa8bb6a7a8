"""`mesh build` does what a dbt user expects: packages installed, seeds built, --vars, --full-refresh and
--target passed, and a failure's summary shows dbt's error lines (the cause), not a header."""

from __future__ import annotations

import textwrap
from pathlib import Path

import duckdb
import orjson
import pytest

from governance.cli import main

pytestmark = pytest.mark.dbt


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


def query(tmp_path: Path, project: str, sql: str) -> list[tuple[object, ...]]:
    with duckdb.connect(str(tmp_path / "warehouse" / f"{project}.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_installs_packages_and_builds_seeds(
    mesh: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a local package outside the mesh (no network); gamma's model calls its macro and reads a seed
    write(tmp_path / "util" / "dbt_project.yml", "name: util\nversion: '1.0'\nconfig-version: 2\n")
    write(tmp_path / "util" / "macros" / "double.sql", "{% macro double(x) %}({{ x }} * 2){% endmacro %}\n")
    gamma = mesh / "domains" / "gamma"
    write(gamma / "packages.yml", f"packages:\n  - local: {tmp_path / 'util'}\n")
    write(gamma / "seeds" / "gamma_seed.csv", "id,amount\n1,10\n2,20\n")
    write(gamma / "models" / "gamma_model.sql",
          "select id, {{ util.double('amount') }} as doubled from {{ ref('gamma_seed') }}\n")  # fmt: skip
    assert main(["build", "--domain", "gamma"]) == 0
    out = capsys.readouterr().out
    assert "[gamma] success" in out
    assert query(tmp_path, "gamma", "select id, doubled from main.gamma_model order by id") == [
        (1, 20),
        (2, 40),
    ]
    results = orjson.loads((gamma / "target" / "run_results.json").read_bytes())
    assert {r["unique_id"] for r in results["results"]} >= {
        "seed.gamma.gamma_seed",
        "model.gamma.gamma_model",
    }
    # installed once: the next build does not reinstall an unchanged declaration
    marker = gamma / "dbt_packages" / ".mesh-deps"
    installed_at = marker.stat().st_mtime_ns
    assert main(["build", "--domain", "gamma"]) == 0
    assert marker.stat().st_mtime_ns == installed_at


def test_passes_vars_and_full_refresh(mesh: Path, tmp_path: Path) -> None:
    gamma = mesh / "domains" / "gamma"
    write(gamma / "models" / "gamma_model.sql", """
        {{ config(materialized='incremental') }}
        select {{ var('batch', 0) }} as batch
        """)  # fmt: skip
    assert main(["build", "--domain", "gamma", "--vars", "{batch: 1}"]) == 0
    assert main(["build", "--domain", "gamma", "--vars", "batch: 2"]) == 0
    rows = "select batch from main.gamma_model order by batch"
    assert query(tmp_path, "gamma", rows) == [(1,), (2,)]
    assert main(["build", "--domain", "gamma", "--vars", "{batch: 3}", "--full-refresh"]) == 0
    assert query(tmp_path, "gamma", rows) == [(3,)]


def test_target_is_passed(mesh: Path, tmp_path: Path) -> None:
    profiles = mesh / "profiles" / "profiles.yml"
    text = profiles.read_text()
    text = text.replace(
        "gamma:\n  target: ci\n  outputs:\n",
        "gamma:\n  target: ci\n  outputs:\n    other:\n      type: duckdb\n"
        "      path: \"{{ env_var('MESH_DATA_DIR') }}/gamma_other.duckdb\"\n      threads: 1\n",
    )
    profiles.write_text(text)
    # every project must declare the target; only gamma is built
    assert main(["build", "--domain", "gamma", "--target", "other"]) == 0
    assert query(tmp_path, "gamma_other", "select id from main.gamma_model") == [(1,)]
    assert not (tmp_path / "warehouse" / "gamma.duckdb").exists()


def test_bad_vars_is_one_line(mesh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--domain", "gamma", "--vars", "[1, 2]"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "--vars" in err and "mapping" in err


def test_failure_summary_shows_the_sql_error(mesh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(mesh / "domains" / "gamma" / "models" / "gamma_model.sql", "select * from no_such_table\n")
    assert main(["build", "--domain", "gamma"]) == 1
    out = capsys.readouterr().out
    assert "gamma_model" in out
    assert "no_such_table" in out and "does not exist" in out  # DuckDB's own words, not a header


def test_failure_summary_shows_the_compilation_error(mesh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(mesh / "domains" / "gamma" / "models" / "gamma_model.sql", "select {{ ref('no_such_model') }}\n")
    assert main(["build", "--domain", "gamma"]) == 1
    out = capsys.readouterr().out
    assert "no_such_model" in out and "was not found" in out


def test_failure_summary_shows_the_failing_test(mesh: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gamma = mesh / "domains" / "gamma" / "models"
    write(gamma / "gamma_model.sql", "select 1 as id union all select 1\n")
    write(gamma / "gamma_model.yml", """
        models:
          - name: gamma_model
            columns:
              - name: id
                data_tests: [unique]
        """)  # fmt: skip
    assert main(["build", "--domain", "gamma"]) == 1
    out = capsys.readouterr().out
    assert "unique_gamma_model_id" in out and "Got 1 result" in out
