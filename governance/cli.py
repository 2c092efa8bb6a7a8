"""`mesh`: a thin command line over the governance package.

Each command lives in `governance/commands/<name>.py` with `configure(parser)` (adds its arguments
and `parser.set_defaults(run=run)`) and `run(args) -> int`. Only the chosen command is imported, so
`mesh check` never pays for dbt, pyiceberg or the Databricks SDK.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import NoReturn

from governance.credentials import redact
from governance.errors import MeshError
from governance.fast_exit import run_and_exit
from governance.settings import set_root

COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("governance.commands.init", "find the dbt projects and their dependencies, write mesh.yml"),
    "new": ("governance.commands.new", "scaffold a domain, a data product or a product's next version"),
    "build": ("governance.commands.build", "run dbt build for each domain in dependency order"),
    "clean": ("governance.commands.clean", "remove a pull request's namespace (mesh build --changed --pr)"),
    "pr-summary": ("governance.commands.pr_summary", "summarise a pull request's slim build for review"),
    "diff": ("governance.commands.diff", "compare a pull request's rebuilt products with production's data"),
    "check": ("governance.commands.check", "check mesh policies and cross-domain breaking changes"),
    "rules": ("governance.commands.rules", "list the policy rules, or write their catalog page"),
    "lineage": ("governance.commands.lineage", "print the cross-domain product graph"),
    "access": (
        "governance.commands.access",
        "print who reads which column of every product (the access matrix)",
    ),
    "plan": ("governance.commands.plan", "show what a governance sync would change"),
    "sync": ("governance.commands.sync", "push descriptions, owners, tags and grants to Unity Catalog"),
    "doctor": (
        "governance.commands.doctor",
        "check the sync can reach Unity Catalog and holds every privilege",
    ),
    "publish": ("governance.commands.publish", "publish external domains' products to the Iceberg catalog"),
    "trino-config": ("governance.commands.trino_config", "write Trino catalogs and access rules"),
    "query": ("governance.commands.query", "query data products on DuckDB, Trino or Databricks"),
    "docs": ("governance.commands.docs", "write the mesh catalog: a static site of every data product"),
    "contracts": ("governance.commands.contracts", "export an ODCS data contract per product version"),
    "health": ("governance.commands.health", "each product's health: freshness, volume, tests, causes"),
}

EPILOG = "exit codes: 0 success, 1 failures (policy errors, failed builds or syncs), 2 bad input or usage"


def build_parser(argv: Sequence[str]) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mesh", description="Build and govern the lakehouse mesh.", epilog=EPILOG
    )
    root_help = "repository root (default: MESH_ROOT, else the nearest folder upward holding mesh.yml)"
    parser.add_argument("--root", type=Path, metavar="DIR", help=root_help)  # before or after COMMAND
    version_help = "show program's version number and exit"
    parser.add_argument("--version", action=VersionAction, nargs=0, help=version_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    chosen = next((a for i, a in enumerate(argv) if not a.startswith("-") and not _is_value(argv, i)), None)
    for name, (module, summary) in COMMANDS.items():
        command_parser = sub.add_parser(name, help=summary, description=summary, epilog=EPILOG)
        command_parser.add_argument(
            "--root", type=Path, metavar="DIR", default=argparse.SUPPRESS, help=root_help
        )
        if name == chosen:
            importlib.import_module(module).configure(command_parser)
    return parser


def _is_value(argv: Sequence[str], index: int) -> bool:
    """argv[index] is the value of a global option (`mesh --root DIR check`), not the command."""
    return index > 0 and argv[index - 1] == "--root"


class VersionAction(argparse.Action):
    """argparse's own `version` action needs the text when the parser is built: reading the installed
    package's metadata then cost every command about 40 ms; this reads it when asked."""

    def __call__(self, parser: argparse.ArgumentParser, *_: object) -> None:
        print(f"mesh {_version()}")
        parser.exit()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("lakehouse-mesh")
    except PackageNotFoundError:
        return "unknown (not installed)"


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    try:
        args = build_parser(args_list).parse_args(args_list)
        set_root(args.root)
        return int(args.run(args))
    except MeshError as error:
        print(f"error: {redact(str(error))}", file=sys.stderr)
        return int(error.code)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


def entry() -> NoReturn:
    """The `mesh` executable: `main()`, then exit (see `fast_exit`)."""
    sys.excepthook = redacted_traceback
    run_and_exit(main)


def redacted_traceback(kind: type[BaseException], error: BaseException, tb: TracebackType | None) -> None:
    """A bug's traceback still shows, with every credential the run read blanked out."""
    sys.stderr.write(redact("".join(traceback.format_exception(kind, error, tb))))


if __name__ == "__main__":
    entry()
