"""`mesh query` under bad domain files, locks, file reads, huge and wide results (issue 22).

The engine is built over DuckDB files made here (no dbt run): one bad domain file must be a note while
queries over the others run; the attached files' own bytes must not be readable; results stream with a
row limit; a result wider than the terminal is printed one record per block."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import orjson
import pytest

from governance.engines.base import EngineError, QueryResult
from governance.engines.embedded import EmbeddedEngine
from governance.engines.output import write_result
from governance.errors import MeshError


def _domain(folder: Path, name: str) -> Path:
    path = folder / f"{name}.duckdb"
    with duckdb.connect(str(path)) as connection:
        connection.execute("CREATE SCHEMA gold")
        connection.execute(f"CREATE TABLE gold.facts AS SELECT '{name}' AS domain, range AS n FROM range(3)")
    return path


def _engine(folder: Path, names: list[str]) -> EmbeddedEngine:
    projects: Any = SimpleNamespace(projects={}, order=names)  # every domain on DuckDB
    settings: Any = SimpleNamespace(duckdb_path=lambda name: folder / f"{name}.duckdb")
    return EmbeddedEngine(projects, settings)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for name in ("orders", "marketing"):
        _domain(tmp_path, name)
    return tmp_path


def test_a_damaged_domain_file_is_a_note_and_the_others_answer(folder: Path) -> None:
    (folder / "broken.duckdb").write_bytes(b"not a database" * 1000)
    engine = _engine(folder, ["orders", "broken", "marketing"])
    try:
        assert any("broken" in note and "not attached" in note for note in engine.notes), engine.notes
        assert engine.execute("SELECT count(*) FROM marketing.gold.facts").rows == [(3,)]
        with pytest.raises(EngineError):
            engine.execute("SELECT * FROM broken.gold.facts")
    finally:
        engine.close()


@pytest.mark.parametrize("name", ["memory", "system", "temp", "main"])
def test_a_domain_with_a_name_duckdb_reserves_is_a_note(folder: Path, name: str) -> None:
    """A domain named `memory` or `system` (which `mesh new domain` accepted) broke every query."""
    _domain(folder, name)
    engine = _engine(folder, ["orders", name])
    try:
        assert any(name in note and "reserves" in note for note in engine.notes), engine.notes
        assert engine.execute("SELECT count(*) FROM orders.gold.facts").rows == [(3,)]
    finally:
        engine.close()


WRITER = textwrap.dedent(
    """
    import sys, time, duckdb
    connection = duckdb.connect(sys.argv[1])  # a build holding the write lock
    print("held", flush=True)
    time.sleep(60)
    """
)


def test_a_domain_a_build_is_writing_waits_briefly_then_names_the_process(folder: Path) -> None:
    writer = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(folder / "orders.duckdb")], stdout=subprocess.PIPE, text=True
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline().strip() == "held"
        engine = _engine(folder, ["orders", "marketing"])
        try:
            note = next(n for n in engine.notes if "orders" in n)
            assert f"process {writer.pid}" in note and "being written" in note, engine.notes
            assert engine.execute("SELECT count(*) FROM marketing.gold.facts").rows == [(3,)]
        finally:
            engine.close()
    finally:
        writer.kill()
        writer.wait()


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT * FROM read_blob('{db}')",
        "SELECT * FROM read_text('{db}')",
        "SELECT * FROM \"READ_BLOB\"('{db}')",
        "SELECT * FROM main.read_blob('{db}')",
        "SELECT * FROM system.main.read_text('{db}.wal')",
        "SELECT * FROM read_csv('{db}')",
        "SELECT * FROM '{db}'",
        "SELECT n FROM orders.gold.facts WHERE n IN (SELECT length(content) FROM read_blob('{db}'))",
        "WITH x AS (SELECT * FROM read_blob('{db}')) SELECT * FROM x",
    ],
)
def test_the_attached_files_own_bytes_cannot_be_read(folder: Path, sql: str) -> None:
    engine = _engine(folder, ["orders"])
    try:
        with pytest.raises(MeshError) as error:
            engine.execute(sql.format(db=folder / "orders.duckdb"))
        assert "\n" not in str(error.value)
        assert engine.execute("SELECT sum(n) FROM orders.gold.facts").rows == [(3,)]
    finally:
        engine.close()


def _counting(n: int, pulled: list[int]) -> Iterator[tuple[int, str]]:
    for i in range(n):
        pulled[0] += 1
        yield (i, f"row {i}")


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_a_huge_result_is_read_only_as_far_as_it_is_printed(fmt: str) -> None:
    """Ten million rows: nothing printed after 120 s and 3.6 GB (every row fetched, then formatted)."""
    pulled = [0]
    out = io.StringIO()
    shown = write_result(QueryResult(["n", "label"], _counting(10_000_000, pulled)), fmt, out, limit=1000)
    assert shown == 1000 and pulled[0] == 1001
    if fmt == "json":
        assert len(orjson.loads(out.getvalue())) == 1000
    if fmt == "table":
        assert "(1,000 rows (more not shown: --limit N or --all))" in out.getvalue()


def test_json_streamed_row_by_row_is_the_same_document() -> None:
    rows = [(1, "a"), (2, None)]
    out = io.StringIO()
    assert write_result(QueryResult(["n", "s"], iter(rows)), "json", out, limit=None) is None
    assert (
        out.getvalue()
        == orjson.dumps([{"n": 1, "s": "a"}, {"n": 2, "s": None}], option=orjson.OPT_INDENT_2).decode() + "\n"
    )
    out = io.StringIO()
    write_result(QueryResult(["n"], iter([])), "json", out)
    assert orjson.loads(out.getvalue()) == []


@pytest.mark.parametrize("columns", [20, 80])
def test_a_wide_result_shows_every_column_and_value(columns: int) -> None:
    """80 columns: every header and value collapsed to zero width; 20: the last column disappeared."""
    names = [f"column_{i:02d}" for i in range(columns)]
    rows = [tuple(f"value_{r}_{i:02d}" for i in range(columns)) for r in range(3)]
    out = io.StringIO()
    write_result(QueryResult(names, iter(rows)), "table", out, width=120)
    text = out.getvalue()
    for name in names:
        assert name in text, name
    for row in rows:
        for value in row:
            assert value in text, value
    assert "(3 rows)" in text and "RECORD 3" in text


def test_a_narrow_result_stays_a_table() -> None:
    out = io.StringIO()
    write_result(QueryResult(["a", "b"], iter([(1, 2)])), "table", out, width=120)
    assert "RECORD" not in out.getvalue() and "(1 row)" in out.getvalue()
