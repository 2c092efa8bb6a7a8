"""`mesh rules`: the policy rule catalog as a table, or its generated markdown page (docs/rules.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

from governance.checks.catalog import entries, render_markdown
from governance.files import write_atomic
from governance.options import renamed


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=["table", "markdown"], default="table")
    renamed(parser, ["--out"], ["--write"], dest="write", type=Path, metavar="FILE",
            help="write the markdown catalog page here")  # fmt: skip
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    items = entries()
    if args.write is not None:
        write_atomic(args.write, render_markdown(items))
        print(f"wrote {len(items)} rules to {args.write}", file=sys.stderr)
        return 0
    if args.format == "markdown":
        sys.stdout.write(render_markdown(items))
        return 0
    table = Table("code", "name", "severity", "title", box=None, pad_edge=False)
    for e in items:
        table.add_row(e.code, e.name, e.severity.value, e.title)
    Console(highlight=False).print(table)
    return 0
