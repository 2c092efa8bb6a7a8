"""The promise every `mesh query` engine keeps: one read-only query per call, refused otherwise.

DuckDB classifies statements with its own parser (`extract_statements`); for Trino and Databricks
SQL the text is parsed client-side with sqlglot in the engine's dialect, before anything is sent.
Whatever is not exactly one query (SELECT, WITH ... SELECT, set operations, VALUES, DESCRIBE, SHOW)
is refused whole with one line and exit 2: nothing runs.
"""

from __future__ import annotations

import logging

import sqlglot
from sqlglot import exp
from sqlglot.errors import SqlglotError

from governance.errors import ExitCode, MeshError

# Statements that write, change the session or call procedures, wherever they appear in the tree
# (`WITH x AS (...) INSERT ...`, a query inside a CREATE ... AS).
_WRITE_KINDS = """Insert Update Delete Merge Create Drop Alter TruncateTable Copy Use Set Grant Revoke Command
Cache Uncache Refresh LoadData Pragma Transaction Commit Rollback Analyze Export Attach Detach Install Put"""
_QUERY_KINDS = "Query Values Describe Show"
_READ_COMMANDS = ("SHOW", "DESCRIBE", "DESC")  # statements sqlglot parses as opaque commands


def _kinds(names: str) -> tuple[type[exp.Expr], ...]:
    found = (getattr(exp, name, None) for name in names.split())
    return tuple(kind for kind in found if isinstance(kind, type))


_WRITES = _kinds(_WRITE_KINDS)
_QUERIES = _kinds(_QUERY_KINDS)


class NotAQueryError(MeshError):
    def __init__(self, engine: str, what: str) -> None:
        super().__init__(
            f"{engine}: mesh query runs one read-only query per call (SELECT, WITH, VALUES, DESCRIBE, "
            f"SHOW); got {what}; nothing was run",
            ExitCode.BAD_INPUT,
        )


def _is_read_command(node: exp.Expr) -> bool:
    return isinstance(node, exp.Command) and str(node.this).upper() in _READ_COMMANDS


def require_one_query(sql: str, dialect: str, engine: str) -> None:
    """Raise NotAQueryError unless `sql` is exactly one read-only query in `dialect` (sqlglot's name)."""
    # sqlglot logs a warning for each statement it falls back to parsing as an opaque command
    logging.getLogger("sqlglot").setLevel(logging.ERROR)
    try:
        statements = [s for s in sqlglot.parse(sql, read=dialect) if s is not None]
    except SqlglotError as error:
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise NotAQueryError(engine, f"text that does not parse as {dialect} SQL ({first[:200]})") from None
    if len(statements) != 1:
        raise NotAQueryError(engine, f"{len(statements)} statements")
    statement = statements[0]
    if _is_read_command(statement):
        return
    if not isinstance(statement, _QUERIES):
        raise NotAQueryError(engine, f"a {type(statement).__name__.upper()} statement")
    for node in statement.walk():
        if isinstance(node, _WRITES):
            raise NotAQueryError(engine, f"a {type(node).__name__.upper()} inside the query")
