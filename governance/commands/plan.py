"""`mesh plan --platform unity`: what a governance sync would change in Unity Catalog (reads only)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from governance.errors import MeshError
from governance.project import find_root
from governance.settings import settings_file
from governance.unity.client import UnityClient
from governance.unity.doctor import Report, diagnose
from governance.unity.frontend import add_common_arguments, governed, missing_exit, show
from governance.unity.pipeline import Inputs, compute_plan, connect, load_inputs
from governance.unity.plan import Plan
from governance.unity.render import render_report


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


def preflight(client: UnityClient, inputs: Inputs, stderr: bool = False) -> Report:
    """The doctor's checks, shown after a plan (on stderr when stdout carries JSON); the plan itself
    shows the state's findings."""
    report = diagnose(client, inputs.desired.state, trino=inputs.config.trino_principal)
    render_report(report, Console(soft_wrap=False, stderr=stderr))
    return report


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
