"""Result formats: CSV and JSON keep every value exact; the table shows NULLs and escapes markup."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from decimal import Decimal

from governance.engines.base import QueryResult
from governance.engines.output import write_result

RESULT = QueryResult(
    ["id", "amount", "at", "note"],
    [(1, Decimal("12.30"), datetime(2026, 1, 2, 3, 4, tzinfo=UTC), "[bold]x[/bold]"), (2, None, None, None)],
)


def render(fmt: str) -> str:
    stream = io.StringIO()
    write_result(RESULT, fmt, stream)
    return stream.getvalue()


def test_csv() -> None:
    assert render("csv").splitlines() == [
        "id,amount,at,note",
        "1,12.30,2026-01-02 03:04:00+00:00,[bold]x[/bold]",
        "2,,,",
    ]


def test_json_keeps_decimals_exact() -> None:
    assert json.loads(render("json")) == [
        {"id": 1, "amount": "12.30", "at": "2026-01-02T03:04:00+00:00", "note": "[bold]x[/bold]"},
        {"id": 2, "amount": None, "at": None, "note": None},
    ]


def test_table_shows_nulls_and_literal_markup() -> None:
    text = render("table")
    assert "[bold]x[/bold]" in text and "NULL" in text and "(2 rows)" in text
