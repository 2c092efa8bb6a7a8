"""Hostile text is inert in every sink: it comes back byte-identical, and never acts.

One shared corpus (tests/fixtures/hostile.py, plus random text from hypothesis) is fed to each sink
the project writes YAML-sourced text into:
  * SQL: DuckDB/Trino literals and identifiers (round trip through a real DuckDB), Databricks/Spark
    literals (parsed back by sqlglot; no `${...}` left for Spark's variable substitution, which
    rewrites the statement text, string literals included, before parsing; a real Spark session
    checks the same under `-m spark`);
  * the console: rich tables and markup (text printed as written, never as markup);
  * JSON and CSV output of `mesh query`;
  * file names (the catalog site's page names; Trino catalog names are validated in trino/config.py).
HTML escaping of the catalog site is covered the same way in tests/governance/site/.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

import duckdb
import orjson
import pytest
import sqlglot
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from governance.engines import quoting
from governance.engines.base import QueryResult
from governance.engines.output import write_result
from governance.site.catalog import safe_name
from governance.unity import sql as databricks_sql
from governance.unity.plan import Change, Plan
from governance.unity.render import render_plan
from tests.fixtures.hostile import HOSTILE, hostile_text

PROPERTY = settings(
    max_examples=200, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
corpus = st.one_of(st.sampled_from(HOSTILE), st.text(), hostile_text)


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as connection:
        yield connection


@PROPERTY
@given(text=corpus)
def test_duckdb_literal_and_identifier_round_trip(duck: duckdb.DuckDBPyConnection, text: str) -> None:
    # one connection for every example: a SELECT changes nothing in it (a new database costs ~0.1 s)
    column = text or "x"  # an empty identifier is not a name
    cursor = duck.execute(f"SELECT {quoting.quote_literal(text)} AS {quoting.quote_ident(column)}")
    assert cursor.fetchall() == [(text,)]
    assert cursor.description is not None and cursor.description[0][0] == column


def _spark_substitution_free(sql: str) -> bool:
    # Spark's VariableSubstitution pattern: ${name}, ${env:NAME}, ${system:name}, ${hiveconf:name} ...
    return re.search(r"\$\{[^}$ ]+\}", sql) is None


@PROPERTY
@given(text=corpus)
def test_databricks_literal_parses_back_and_leaves_nothing_to_substitute(text: str) -> None:
    literal = databricks_sql.quote_literal(text)
    statement = f"COMMENT ON TABLE {databricks_sql.quote_name('c.s.t')} IS {literal}"
    assert "\n" not in statement and "\r" not in statement
    assert _spark_substitution_free(statement), statement
    parsed = sqlglot.parse(f"SELECT {literal} AS v", read="databricks")  # one statement, one literal
    assert len(parsed) == 1 and parsed[0] is not None
    assert len(list(parsed[0].find_all(sqlglot.exp.Literal))) == 1


@pytest.mark.spark
def test_databricks_literals_come_back_identical_from_spark() -> None:
    from pyspark.sql import SparkSession

    spark = SparkSession.builder.master("local[1]").appName("hostile-text").getOrCreate()
    try:
        for text in (*HOSTILE, "${env:HOME}", "${system:user.home}", "${spark.app.name}"):
            row = spark.sql(f"SELECT {databricks_sql.quote_literal(text)} AS v").collect()[0]
            assert row["v"] == text, text
    finally:
        spark.stop()


def _rendered(print_to: Console) -> str:
    file = print_to.file
    assert isinstance(file, io.StringIO)
    return file.getvalue()


def _visible(text: str) -> str:
    """What a terminal shows of `text`, compared without spacing: rich wraps cells and drops controls."""
    return re.sub(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]", "", text)


BOX = re.compile(r"[│┃━─┏┓┗┛┡┩└┘┌┐╇╿╽]")


@PROPERTY
@given(column=corpus, value=corpus)
def test_query_table_prints_text_as_written(column: str, value: str) -> None:
    out = io.StringIO()
    write_result(QueryResult([column], [(value,)]), "table", out)
    printed = _visible(BOX.sub("", out.getvalue()))
    assert _visible(column) in printed and _visible(value) in printed


@PROPERTY
@given(column=corpus, value=corpus)
def test_query_json_and_csv_round_trip(column: str, value: str) -> None:
    out = io.StringIO()
    write_result(QueryResult([column], [(value,)]), "json", out)
    assert orjson.loads(out.getvalue()) == [{column: value}]
    out = io.StringIO()
    write_result(QueryResult([column], [(value,)]), "csv", out)
    assert list(csv.reader(io.StringIO(out.getvalue(), newline=""))) == [[column], [value]]


@PROPERTY
@given(description=corpus, tag=corpus)
def test_plan_tables_print_text_as_written(description: str, tag: str) -> None:
    plan = Plan(fingerprint="f", prune=False)
    plan.changes.append(Change("comment", "table", "c.s.t", "d", None, description))
    plan.changes.append(Change("tags", "table", "c.s.t", "d", {}, {"set": {tag: tag}, "unset": []}))
    plan.drift.append(f"c.s.t: tag {tag!s} set by someone else")
    console = Console(file=io.StringIO(), width=400, color_system=None)
    render_plan(plan, console)  # a MarkupError here is a traceback for the user
    printed = _visible(BOX.sub("", _rendered(console)))
    assert _visible(tag) in printed


@PROPERTY
@given(text=corpus)
def test_file_names_stay_in_their_folder(text: str) -> None:
    name = safe_name(text)
    assert name and "/" not in name and "\\" not in name and name not in (".", "..")
    assert not name.startswith(".") and len(name) <= 120
