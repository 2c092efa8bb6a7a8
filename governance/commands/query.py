"""`mesh query "SQL"`: query data products on the embedded DuckDB mesh, Trino or Databricks SQL.

Every engine runs exactly one read-only query per call (governance/engines/read_only.py): DuckDB
checks with its own parser inside a locked-down session; Trino and Databricks SQL statements are
classified client-side, so a write or a second statement never reaches the server.

Exit 0 with the result; 1 when the engine rejects the query (its own message: syntax error, unknown
table, access denied) or cannot be reached (Trino or Databricks SQL down: not the caller's mistake);
2 when the engine is not configured (missing or bad settings) or the SQL is not one query.
"""

from __future__ import annotations

import argparse
import sys

from governance.engines.base import Engine
from governance.engines.output import DEFAULT_LIMIT, FORMATS, write_result
from governance.engines.read_only import require_one_query
from governance.errors import ExitCode, MeshError
from governance.project import Projects, find_root
from governance.settings import settings_file

# The engines whose statements are classified client-side, with sqlglot's name for their dialect.
SQLGLOT_DIALECTS = {"trino": "trino", "databricks": "databricks"}


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", help="the SQL to run (in the engine's dialect)")
    parser.add_argument(
        "--engine",
        choices=["duckdb", "trino", "databricks"],
        default="duckdb",
        help="duckdb: the embedded mesh (default); trino; databricks",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    rows = parser.add_mutually_exclusive_group()
    rows.add_argument("--limit", type=_row_limit, default=DEFAULT_LIMIT, metavar="N",
                      help=f"print at most N rows (default {DEFAULT_LIMIT:,}); more is noted")  # fmt: skip
    rows.add_argument("--all", action="store_true", help="print every row (streamed, memory stays flat)")
    parser.set_defaults(run=run)


def _row_limit(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of rows") from None
    if not 1 <= value <= 10**12:
        raise argparse.ArgumentTypeError(f"{text}: give a number of rows from 1 (or --all for every row)")
    return value


def open_engine(name: str) -> Engine:
    if name == "trino":
        from governance.engines.trino_engine import TrinoEngine, local_trino
        from governance.project import data_dir
        from governance.trino.config import load_trino_settings

        # The Trino `make trino` started, found by itself (scripts/ci/trino.sh writes <data>/trino/trino.env).
        trino_env = data_dir(find_root()) / "trino" / "trino.env"
        return TrinoEngine(local_trino(load_trino_settings(settings_file("trino")), trino_env))
    if name == "databricks":
        from governance.engines.databricks_engine import DatabricksEngine

        return DatabricksEngine()
    from governance.engines.embedded import EmbeddedEngine
    from governance.iceberg.config import load_catalog_settings

    root = find_root()
    engine = EmbeddedEngine(
        Projects.discover(root), load_catalog_settings(root, settings_file("publish", root))
    )
    for note in engine.notes:
        print(f"note: {note}", file=sys.stderr)
    return engine


def governed() -> None:
    """What the embedded mesh governs, on stderr after the answer came back (a failure stays one line).

    Trino and Databricks SQL answer from their own catalogs, not from this working tree, so only the
    embedded engine reports it; a project not built yet is a warning, the query still ran.
    """
    from governance.coverage import describe
    from governance.loader import load_mesh

    try:
        mesh = load_mesh(find_root())
    except MeshError as error:
        print(f"warning: cannot say what this query governs: {error}", file=sys.stderr)
        return
    describe(mesh)


def run(args: argparse.Namespace) -> int:
    if not args.sql.strip():
        raise MeshError("empty query; pass the SQL to run as the first argument")
    if args.engine in SQLGLOT_DIALECTS:
        require_one_query(args.sql, SQLGLOT_DIALECTS[args.engine], args.engine)
    engine = open_engine(args.engine)
    try:
        stream = getattr(engine, "stream", None)  # the embedded engine streams its rows
        result = stream(args.sql) if callable(stream) else engine.execute(args.sql)
        if args.engine == "duckdb":
            governed()
        shown = write_result(result, args.format, limit=None if args.all else args.limit)
    finally:
        engine.close()
    if shown is not None:
        print(f"note: showing the first {shown:,} rows; pass --limit N or --all for more", file=sys.stderr)
    return int(ExitCode.OK)
