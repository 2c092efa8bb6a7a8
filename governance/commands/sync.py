"""`mesh sync --platform unity`: push descriptions, owners, tags, grants and shares to Unity Catalog.

A dry run (prints the plan) unless `--apply`. With `--plan-file`, applies exactly a reviewed plan and
refuses (exit 2) when the workspace changed since it was computed. Exit 1 when an object failed or a
declared product has no table (unless `--allow-missing`).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from rich.console import Console

from governance.errors import ExitCode, MeshError
from governance.project import data_dir, find_root
from governance.settings import settings_file
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig
from governance.unity.frontend import add_common_arguments, governed, missing_exit, show
from governance.unity.pipeline import Inputs, apply_plan, compute_plan, connect, load_inputs
from governance.unity.plan import Plan, check_reviewed
from governance.unity.render import render_result


def configure(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser)
    parser.add_argument("--apply", action="store_true", help="write the changes (default: dry run)")
    parser.add_argument(
        "--plan-file", type=Path, metavar="F", help="apply exactly this reviewed plan (from mesh plan --out)"
    )
    parser.add_argument(
        "--audit-log", type=Path, metavar="F", help="append every applied change to F (JSONL)"
    )
    parser.set_defaults(run=run)


def _reviewed_plan(args: argparse.Namespace) -> tuple[Plan, UnityClient, UnityConfig]:
    """The reviewed plan, after checking every change is one the tool computes now (else exit 2)."""
    plan = Plan.read(args.plan_file)
    if args.prune and not plan.prune:
        raise MeshError(f"{args.plan_file}: the plan was computed without --prune; re-run mesh plan --prune")
    inputs = load_inputs(find_root(), args.config or settings_file("unity"))
    client = connect(inputs)
    check_reviewed(plan, compute_plan(client, inputs, plan.prune), args.plan_file)
    governed(inputs)
    _record_health(inputs, client)
    return plan, client, inputs.config


def _record_health(inputs: Inputs, client: UnityClient) -> None:
    """Each product's freshness from its table's LAST_ALTERED (governance.health.unity), read before the
    sync writes: its comments and tags alter the tables too. Never fails the sync: a warning at most."""
    from governance.health.unity import record_unity

    if inputs.mesh is not None:
        root = Path(inputs.mesh.root)
        record_unity(
            inputs.mesh,
            client,
            data=data_dir(root),
            warn=lambda line: print(f"warning: {line}", file=sys.stderr),
        )


def run(args: argparse.Namespace) -> int:
    if args.plan_file and not args.apply:
        raise MeshError("--plan-file applies a reviewed plan: add --apply (or use mesh plan to view it)")
    if args.plan_file:
        plan, client, config = _reviewed_plan(args)
    else:
        inputs = load_inputs(find_root(), args.config or settings_file("unity"))
        client = connect(inputs)
        plan, config = compute_plan(client, inputs, args.prune), inputs.config
        governed(inputs)
        if args.apply:
            _record_health(inputs, client)
    show(plan, args)
    if not args.apply:
        return int(missing_exit(plan, args))
    console = Console(stderr=args.format == "json")
    result = apply_plan(client, plan, config, args.audit_log)
    render_result(result, console)
    if result.failures:
        print(
            f"error: {len(result.failures)} object(s) failed to sync (listed above); re-run to retry",
            file=sys.stderr,
        )
        return int(ExitCode.FAILED)
    return int(missing_exit(plan, args))
