"""Print a query result as a table (rich), CSV or JSON (one object per row, in a list)."""

from __future__ import annotations

import csv
import sys
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, TextIO

import orjson
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from governance.engines.base import QueryResult

FORMATS = ("table", "csv", "json")


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, date | datetime | time):
        return value.isoformat()
    return str(value)


def write_result(result: QueryResult, fmt: str, stream: TextIO | None = None) -> None:
    stream = stream or sys.stdout
    if fmt == "csv":
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows(result.rows)
    elif fmt == "json":
        records = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
        options = orjson.OPT_INDENT_2 | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_NON_STR_KEYS
        stream.write(orjson.dumps(records, default=_json_default, option=options).decode() + "\n")
    else:
        table = Table(*(escape(c) for c in result.columns), show_lines=False)
        for row in result.rows:
            table.add_row(*("NULL" if v is None else escape(str(v)) for v in row))
        Console(file=stream).print(table)
        Console(file=stream).print(f"({len(result.rows)} row{'s' if len(result.rows) != 1 else ''})")
