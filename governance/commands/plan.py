"""`mesh plan --platform unity`: what a governance sync would change in Unity Catalog (reads only)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from governance.coverage import describe
from governance.errors import ExitCode, MeshError
from governance.options import renamed
from governance.project import find_root
from governance.settings import settings_file
from governance.unity.client import UnityClient
from governance.unity.doctor import Report, diagnose
from governance.unity.pipeline import Inputs, compute_plan, connect, load_inputs
from governance.unity.plan import Plan
from governance.unity.render import render_plan, render_report

__all__ = ["add_common_arguments", "connect", "governed", "missing_exit", "show"]  # shared with mesh sync


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


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument(
        "--out", type=Path, metavar="F", help="also write the plan as JSON to F (for sync --plan-file)"
    )
    parser.set_defaults(run=run)


def write_plan(path: Path, plan: Plan) -> None:
    from governance.files import write_atomic

    if path.is_dir():
        raise MeshError(f"--out {path}: is a folder; name the plan file to write, like {path}/plan.json")
    write_atomic(path, plan.to_json().decode("utf-8"))  # symlinks followed, FIFOs and devices refused


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


def preflight(client: UnityClient, inputs: Inputs, stderr: bool = False) -> Report:
    """The doctor's checks, shown after a plan (on stderr when stdout carries JSON); the plan itself
    shows the state's findings."""
    report = diagnose(client, inputs.desired.state, trino=inputs.config.trino_principal)
    render_report(report, Console(soft_wrap=False, stderr=stderr))
    return report


def governed(inputs: Inputs) -> None:
    """What the sync governs, on stderr once the workspace answered (a failure stays one line)."""
    if inputs.mesh is not None:
        describe(inputs.mesh)


def run(args: argparse.Namespace) -> int:
    inputs = load_inputs(find_root(), args.config or settings_file("unity"))
    client = connect(inputs)
    plan = compute_plan(client, inputs, args.prune)
    governed(inputs)
    show(plan, args)
    preflight(client, inputs, stderr=args.format == "json")  # the checks of mesh doctor
    if args.out:
        write_plan(args.out, plan)
    return int(missing_exit(plan, args))
