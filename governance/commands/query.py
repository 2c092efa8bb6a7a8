"""`mesh query "SQL"`: query data products on the embedded DuckDB mesh, Trino or Databricks SQL.

Exit 0 with the result; 1 when the engine rejects the query (its own message: syntax error, unknown
table, access denied); 2 when the engine cannot be reached or configured.
"""

from __future__ import annotations

import argparse
import sys

from governance.engines.base import Engine
from governance.engines.output import FORMATS, write_result
from governance.errors import ExitCode, MeshError
from governance.project import Projects, find_root


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("sql", help="the SQL to run (in the engine's dialect)")
    parser.add_argument(
        "--engine",
        choices=["duckdb", "trino", "databricks"],
        default="duckdb",
        help="duckdb: the embedded mesh (default); trino; databricks",
    )
    parser.add_argument("--format", choices=FORMATS, default="table", help="output format (default table)")
    parser.set_defaults(run=run)


def open_engine(name: str) -> Engine:
    if name == "trino":
        from governance.engines.trino_engine import TrinoEngine
        from governance.trino.config import load_trino_settings

        return TrinoEngine(load_trino_settings())
    if name == "databricks":
        from governance.engines.databricks_engine import DatabricksEngine

        return DatabricksEngine()
    from governance.engines.embedded import EmbeddedEngine
    from governance.iceberg.config import load_catalog_settings

    root = find_root()
    engine = EmbeddedEngine(Projects.discover(root), load_catalog_settings(root))
    for note in engine.notes:
        print(f"note: {note}", file=sys.stderr)
    return engine


def run(args: argparse.Namespace) -> int:
    if not args.sql.strip():
        raise MeshError("empty query; pass the SQL to run as the first argument")
    engine = open_engine(args.engine)
    try:
        result = engine.execute(args.sql)
    finally:
        engine.close()
    write_result(result, args.format)
    return int(ExitCode.OK)
