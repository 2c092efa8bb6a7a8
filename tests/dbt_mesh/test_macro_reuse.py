"""A full parse takes its macros from an earlier parse only where no macro could differ, and then parses
exactly the manifest dbt parses on its own (dbt_mesh/macro_reuse.py).

A small real dbt project with a macro of its own described in a properties file, a dispatched macro and
a generic test; every manifest is compared with a parse without the reuse, timestamps aside."""

from __future__ import annotations

import contextlib
import shutil
from pathlib import Path
from typing import Any

import orjson
import pytest

from dbt_mesh.macro_reuse import MACROS_FROM_ENV
from governance.build import slim
from scripts.bench_macro_reuse import comparable  # the manifest, timestamps aside

pytestmark = pytest.mark.dbt

FILES = {
    "dbt_project.yml": "name: shop\nprofile: shop\nversion: '1.0'\nconfig-version: 2\n",
    "profiles.yml": "shop:\n  target: ci\n  outputs:\n    ci:\n      type: duckdb\n"
    "      path: \"{{ env_var('SHOP_DB') }}\"\n",
    "macros/cents.sql": "{% macro to_cents(amount) %}({{ amount }} * 100)::bigint{% endmacro %}\n",
    "macros/label.sql": "{% macro label(text) %}{{ return(adapter.dispatch('label')(text)) }}{% endmacro %}\n"
    "{% macro default__label(text) %}'{{ text }}'{% endmacro %}\n",
    "macros/macros.yml": "version: 2\nmacros:\n  - name: to_cents\n    description: Amount in cents.\n",
    "tests/generic/positive.sql": "{% test positive(model, column_name) %}\n"
    "select * from {{ model }} where {{ column_name }} <= 0\n{% endtest %}\n",
    "models/orders.sql": "select 1 as id, {{ to_cents('2.5') }} as amount, {{ label('a') }} as tag\n",
    "models/orders.yml": "version: 2\nmodels:\n  - name: orders\n    columns:\n      - name: amount\n"
    "        data_tests: [positive]\n",
}


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    for name, text in FILES.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


def parse(project: Path, target: str, *, db: str, macros_from: Path | None = None,
          extra: tuple[str, ...] = ()) -> tuple[dict[str, Any], list[str]]:  # fmt: skip
    """`dbt parse` in-process into `project/<target>`; the manifest without timestamps, and the mesh's
    lines in dbt's log file."""
    from dbt.cli.main import dbtRunner

    env = {"SHOP_DB": str(project.parent / db), "DO_NOT_TRACK": "1"}
    if macros_from is not None:
        env[MACROS_FROM_ENV] = str(macros_from)
    logs = project / f"{target}-logs"
    shutil.rmtree(logs, ignore_errors=True)
    argv = ["parse", "--project-dir", str(project), "--profiles-dir", str(project), "--quiet",
            "--target-path", str(project / target), "--log-path", str(logs), "--log-format-file", "json",
            *extra]  # fmt: skip
    with pytest.MonkeyPatch.context() as patch, contextlib.chdir(project):
        for name, value in env.items():
            patch.setenv(name, value)
        result = dbtRunner().invoke(argv)
    assert result.success, result.exception
    lines = [orjson.loads(line)["info"]["msg"] for line in (logs / "dbt.log").read_text().splitlines()]
    return comparable(project / target), [line for line in lines if line.startswith("mesh: ")]


def taken(lines: list[str]) -> bool:
    return any(line.endswith("macros taken from an earlier parse") for line in lines)


def test_a_parse_in_another_profile_takes_the_macros_and_parses_what_dbt_parses(project: Path) -> None:
    parse(project, "production", db="production.duckdb")
    earlier = project / "production" / "partial_parse.msgpack"
    fresh, fresh_lines = parse(project, "fresh", db="pr.duckdb")
    reused, lines = parse(project, "reused", db="pr.duckdb", macros_from=earlier)
    assert not taken(fresh_lines) and taken(lines), lines
    assert reused == fresh
    assert reused["macros"]["macro.shop.to_cents"]["description"] == "Amount in cents."  # described once
    assert "macro.shop.default__label" in reused["macros"]["macro.shop.label"]["depends_on"]["macros"]
    assert (
        reused["nodes"]["model.shop.orders"]["depends_on"]["macros"]
        == fresh["nodes"]["model.shop.orders"]["depends_on"]["macros"]
    )


def test_dbt_partially_parses_a_macro_edit_after_the_macros_were_taken(project: Path) -> None:
    parse(project, "production", db="production.duckdb")
    parse(project, "reused", db="pr.duckdb", macros_from=project / "production" / "partial_parse.msgpack")
    cents = project / "macros" / "cents.sql"
    cents.write_text(cents.read_text().replace("* 100", "* 1000"))
    again, _ = parse(project, "reused", db="pr.duckdb")  # the next push: dbt's partial parse of the edit
    fresh, _ = parse(project, "fresh", db="pr.duckdb")
    assert again == fresh
    assert "* 1000" in again["macros"]["macro.shop.to_cents"]["macro_sql"]


def test_a_saved_parse_dbt_sets_aside_lends_its_macros(project: Path) -> None:
    parse(project, "target", db="production.duckdb")
    other_vars, lines = parse(project, "target", db="production.duckdb", extra=("--vars", "{day: 1}"))
    fresh, _ = parse(project, "fresh", db="production.duckdb", extra=("--vars", "{day: 1}"))
    assert taken(lines), lines  # dbt parsed in full (other vars) but not its macros
    assert other_vars == fresh


def add_macro(project: Path) -> None:
    (project / "macros" / "more.sql").write_text("{% macro more() %}1{% endmacro %}\n")


def edit_macro(project: Path) -> None:
    (project / "macros" / "cents.sql").write_text(
        "{% macro to_cents(amount) %}({{ amount }} * 1000){% endmacro %}\n"
    )


def edit_generic_test(project: Path) -> None:
    test = project / "tests" / "generic" / "positive.sql"
    test.write_text(test.read_text().replace("<= 0", "< 0"))


def edit_project(project: Path) -> None:
    settings = project / "dbt_project.yml"
    settings.write_text(
        settings.read_text() + "dispatch:\n  - macro_namespace: shop\n    search_order: [shop]\n"
    )


def tear_earlier(project: Path) -> None:
    earlier = project / "production" / "partial_parse.msgpack"
    earlier.write_bytes(earlier.read_bytes()[:1000])


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (add_macro, "macro files added or removed"),
        (edit_macro, "shop://macros/cents.sql changed"),
        (edit_generic_test, "shop://tests/generic/positive.sql changed"),
        (edit_project, "another dbt_project.yml or package"),
        (tear_earlier, None),
    ],
)
def test_anything_a_macro_could_differ_by_parses_them_anew(
    project: Path, change: Any, reason: str | None
) -> None:
    parse(project, "production", db="production.duckdb")
    change(project)
    reused, lines = parse(
        project, "reused", db="pr.duckdb", macros_from=project / "production" / "partial_parse.msgpack"
    )
    fresh, _ = parse(project, "fresh", db="pr.duckdb")
    assert not taken(lines)
    if reason is not None:
        assert lines == [f"mesh: macros parsed anew ({reason})"]
    assert reused == fresh


def test_no_partial_parse_parses_from_scratch(project: Path) -> None:
    parse(project, "production", db="production.duckdb")
    earlier = project / "production" / "partial_parse.msgpack"
    _, lines = parse(project, "reused", db="pr.duckdb", macros_from=earlier, extra=("--no-partial-parse",))
    assert not taken(lines)


def test_the_build_names_the_variable_the_plugin_reads() -> None:
    assert slim.MACROS_FROM_ENV == MACROS_FROM_ENV  # two names: governance must not import dbt_mesh (dbt)
