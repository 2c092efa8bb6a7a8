"""Quoting for DuckDB and Trino SQL (both ANSI): every identifier quoted, every literal escaped.

Names and descriptions come from YAML anyone can edit, so nothing is ever spliced in raw.
"""

from __future__ import annotations

from collections.abc import Iterable


def quote_ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def qualified(*parts: str) -> str:
    """`"catalog"."schema"."table"` from its parts."""
    return ".".join(quote_ident(p) for p in parts)


def literal_list(values: Iterable[str]) -> str:
    return "[" + ", ".join(quote_literal(v) for v in values) + "]"
