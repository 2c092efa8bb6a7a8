"""What `mesh plan` and `mesh sync --platform unity` share on the command line: their common arguments,
how a plan is shown, and the exit for declared products without a table (commands never import each
other; the work itself is in governance/unity/pipeline.py)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from governance.coverage import describe
from governance.errors import ExitCode
from governance.options import renamed
from governance.unity.pipeline import Inputs
from governance.unity.plan import Plan
from governance.unity.render import render_plan


def add_common_arguments(parser: argparse.ArgumentParser) -> None:
    renamed(parser, ["--platform"], ["--target"], dest="target", choices=["unity"], default="unity",
            help="catalog to sync (unity)")  # fmt: skip
    parser.add_argument(
        "--prune",
        action="store_true",
        help="also remove managed tags and managed principals' grants that are no longer declared",
    )
    parser.add_argument(
        "--allow-missing",
        action="store_true",
        help="exit 0 even when declared products have no table yet (they are reported and skipped)",
    )
    parser.add_argument(
        "--config", type=Path, metavar="F", help="sync config (default governance/unity.yml at the root)"
    )
    parser.add_argument("--format", choices=["table", "json"], default="table", help="plan output on stdout")


def show(plan: Plan, args: argparse.Namespace) -> None:
    if args.format == "json":
        sys.stdout.buffer.write(plan.to_json() + b"\n")
    else:
        render_plan(plan, Console(soft_wrap=False))


def missing_exit(plan: Plan, args: argparse.Namespace) -> ExitCode:
    if plan.missing and not args.allow_missing:
        print(
            f"error: {len(plan.missing)} declared product(s) have no table in Unity Catalog "
            "(listed above); build them or pass --allow-missing",
            file=sys.stderr,
        )
        return ExitCode.FAILED
    return ExitCode.OK


def governed(inputs: Inputs) -> None:
    """What the sync governs, on stderr once the workspace answered (a failure stays one line)."""
    if inputs.mesh is not None:
        describe(inputs.mesh)
