"""Print a query result as a table (rich), CSV or JSON (one object per row, in a list)."""

from __future__ import annotations

import itertools
import re
import sys
from collections.abc import Iterable
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TextIO

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from governance.engines.base import QueryResult

FORMATS = ("table", "csv", "json")
_CSV_SPECIAL = re.compile(r'[,"\r\n]')


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


def _csv_line(values: Iterable[Any]) -> str:
    """One RFC 4180 record: a field holding a comma, a quote or any line break (\r too) is quoted."""
    fields = []
    for value in values:
        text = "" if value is None else str(value)
        fields.append('"' + text.replace('"', '""') + '"' if _CSV_SPECIAL.search(text) else text)
    if fields == [""]:
        return '""\n'  # a record of one empty field, not an empty line
    return ",".join(fields) + "\n"


DEFAULT_LIMIT = 1000  # rows printed unless --limit N or --all: a query of ten million rows stays readable


def write_result(
    result: QueryResult,
    fmt: str,
    stream: TextIO | None = None,
    *,
    limit: int | None = None,
    width: int | None = None,
) -> int | None:
    """Print `result` as it streams from the engine; at most `limit` rows (None: all of them).

    Returns the number of rows printed when the result held more than `limit` (the caller says so on
    stderr), else None. CSV and JSON are written row by row, so memory stays flat whatever the size; the
    table holds at most `limit` rows. A table wider than the terminal (`width`) is printed one record per
    block instead (`-[ RECORD n ]-` then `column | value` lines), so no column is squeezed to nothing.
    """
    stream = stream or sys.stdout
    rows = iter(result.rows)
    taken = rows if limit is None else itertools.islice(rows, limit)
    count = 0
    if fmt == "csv":
        stream.write(_csv_line(result.columns))
        for row in taken:
            stream.write(_csv_line(row))
            count += 1
    elif fmt == "json":
        options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
        stream.write("[")
        for row in taken:
            record = orjson.dumps(
                dict(zip(result.columns, row, strict=True)), default=_json_default, option=options
            )
            stream.write(("," if count else "") + "\n  " + record.decode().replace("\n", "\n  "))
            count += 1
        stream.write("\n]\n" if count else "]\n")
    else:
        held = list(taken)
        count = len(held)
        _table(result.columns, held, stream, width)
    truncated = limit is not None and count == limit and next(rows, _END) is not _END
    if fmt == "table":
        more = " (more not shown: --limit N or --all)" if truncated else ""
        stream.write(f"({count:,} row{'s' if count != 1 else ''}{more})\n")
    return count if truncated else None


_END = object()


def _cell(value: Any) -> str:
    return "NULL" if value is None else str(value)


def _table(columns: list[str], rows: list[tuple[Any, ...]], stream: TextIO, width: int | None) -> None:
    # Values are data: no emoji codes (:smile:), no highlighting; markup is escaped.
    console = Console(file=stream, emoji=False, highlight=False, width=width)
    widths = [len(c) for c in columns]
    for row in rows:
        for i, value in enumerate(row):
            widths[i] = max(widths[i], max((len(line) for line in _cell(value).splitlines()), default=0))
    natural = sum(widths) + 3 * len(columns) + 1  # rich's borders and padding
    if natural <= console.width or len(columns) < 2:  # one column: wrapping it loses nothing
        table = Table(show_lines=False)
        for column in columns:
            table.add_column(escape(column), overflow="fold")  # every character shown, wrapped
        for row in rows:
            table.add_row(*(escape(_cell(v)) for v in row))
        console.print(table)
        return
    for number, row in enumerate(rows, 1):  # past the terminal's width: one record per block, as psql -x
        console.print(f"-[ RECORD {number} ]-", markup=False)
        grid = Table.grid(padding=(0, 1))
        grid.add_column(overflow="fold", max_width=max(10, console.width // 3))
        grid.add_column(overflow="fold")
        for column, value in zip(columns, row, strict=True):
            grid.add_row(escape(column), "| " + escape(_cell(value)))
        console.print(grid)
