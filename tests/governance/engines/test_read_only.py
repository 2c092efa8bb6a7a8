"""Every `mesh query` engine runs one read-only query per call and refuses anything else in one line.

DuckDB classifies with its own parser (test_embedded_sandbox.py); Trino and Databricks SQL are
classified client-side, so a refused statement never reaches the server: below, the servers are
unreachable or unconfigured, and the refusal still comes first.
"""

from __future__ import annotations

import socket

import pytest

from governance.cli import main
from governance.engines.read_only import NotAQueryError, require_one_query

QUERIES = [
    "select 1",
    "SELECT * FROM mesh.shipping.fct_shipments WHERE carrier = 'DROP TABLE x; --'",
    "with a as (select 1 as x) select x from a",
    "select 1 union all select 2",
    "values (1), (2)",
    "show tables",
    "describe mesh.shipping.fct_shipments",
    "select 1;",
    "select '${var}', ':param', '{{x}}'",
]

NOT_QUERIES = [
    "",
    ";",
    "select 1; select 2",
    "select 1; drop table t",
    "show tables; drop table t",
    "drop table mesh.shipping.fct_shipments",
    "delete from t where 1 = 1",
    "insert into t values (1)",
    "with a as (select 1) insert into t select * from a",
    "create table t as select 1",
    "create or replace view v as select 1",
    "alter table t rename to u",
    "update t set a = 1",
    "merge into t using s on t.a = s.a when matched then delete",
    "truncate table t",
    "grant select on t to bob",
    "set session query_max_run_time = '1s'",
    "use mesh.shipping",
    "call system.register_table('a', 'b', 'c')",
    "explain analyze insert into t values (1)",
    "refresh table t",
    "selec 1",
]


@pytest.mark.parametrize("dialect", ["trino", "databricks"])
@pytest.mark.parametrize("sql", QUERIES)
def test_queries_pass(sql: str, dialect: str) -> None:
    require_one_query(sql, dialect, dialect)


@pytest.mark.parametrize("dialect", ["trino", "databricks"])
@pytest.mark.parametrize("sql", NOT_QUERIES)
def test_everything_else_is_refused_in_one_line(sql: str, dialect: str) -> None:
    with pytest.raises(NotAQueryError) as error:
        require_one_query(sql, dialect, dialect)
    assert "\n" not in str(error.value) and "one read-only query" in str(error.value)


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("sql", ["drop table mesh.shipping.fct_shipments", "select 1; select 2"])
def test_trino_refuses_before_connecting(
    sql: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("TRINO_HOST", "127.0.0.1")
    monkeypatch.setenv("TRINO_PORT", str(_closed_port()))
    assert main(["query", "--engine", "trino", sql]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "one read-only query" in err


@pytest.mark.parametrize("sql", ["drop table orders.gold.fct_orders", "insert into t values (1)"])
def test_databricks_refuses_before_connecting(
    sql: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("DATABRICKS_HOST", "DATABRICKS_TOKEN", "DATABRICKS_HTTP_PATH", "DATABRICKS_WAREHOUSE_ID"):
        monkeypatch.delenv(name, raising=False)
    assert main(["query", "--engine", "databricks", sql]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "one read-only query" in err
