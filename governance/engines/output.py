"""Print a query result as a table (rich), CSV or JSON (one object per row, in a list)."""

from __future__ import annotations

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


def write_result(result: QueryResult, fmt: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "csv":
        stream.write(_csv_line(result.columns))
        for row in result.rows:
            stream.write(_csv_line(row))
    elif fmt == "json":
        records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
        stream.write(orjson.dumps(records, default=_json_default, option=options).decode() + "\n")
    else:
        table = Table(show_lines=False)
        for column in result.columns:
            table.add_column(escape(column), overflow="fold")  # every character shown, wrapped
        for row in result.rows:
            table.add_row(*("NULL" if v is None else escape(str(v)) for v in row))
        # Values are data: no emoji codes (:smile:), no highlighting; markup is escaped above.
        console = Console(file=stream, emoji=False, highlight=False)
        console.print(table)
        console.print(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
