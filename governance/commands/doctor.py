"""`mesh doctor --platform unity`: preflight of the Unity Catalog sync (reads only, writes nothing)."""

from __future__ import annotations

import argparse
from pathlib import Path

from rich.console import Console

from governance.coverage import describe
from governance.errors import ExitCode
from governance.options import renamed
from governance.project import find_root
from governance.settings import settings_file
from governance.unity.client import UnityClient
from governance.unity.doctor import Report, diagnose
from governance.unity.pipeline import Inputs, load_inputs


def configure(parser: argparse.ArgumentParser) -> None:
    renamed(parser, ["--platform"], ["--target"], dest="target", choices=["unity"], default="unity",
            help="catalog to check (unity)")  # fmt: skip
    parser.add_argument(
        "--config", type=Path, metavar="F", help="sync config (default governance/unity.yml at the root)"
    )
    parser.set_defaults(run=run)


def render_report(report: Report, console: Console) -> None:
    """One line per fact, one line per problem with its fix; text from the workspace is never markup."""
    if report.principal:
        console.print(f"principal: {report.principal}", markup=False, highlight=False)
    if report.warehouse:
        console.print(f"warehouse: {report.warehouse}", markup=False, highlight=False)
    if report.scripting is not None:
        console.print(f"sql scripting: {'available' if report.scripting else 'off'}", highlight=False)
    for problem in report.problems:
        label = "[red]problem[/]" if problem.blocking else "[yellow]warning[/]"
        console.print(label + ": ", end="")
        console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    if not report.problems:
        console.print("[green]ok[/]: the sync principal can apply every change the plan may need")


def preflight(client: UnityClient, inputs: Inputs, stderr: bool = False) -> Report:
    """The doctor's checks, shown after a plan (on stderr when stdout carries JSON)."""
    report = diagnose(client, inputs.desired.state, trino=inputs.config.trino_principal)
    render_report(report, Console(soft_wrap=False, stderr=stderr))
    return report


def run(args: argparse.Namespace) -> int:
    from governance.commands.plan import connect  # the one place that builds the client from config

    inputs = load_inputs(find_root(), args.config or settings_file("unity"))
    report = diagnose(connect(inputs), inputs.desired.state, trino=inputs.config.trino_principal)
    if inputs.mesh is not None:
        describe(inputs.mesh)  # what the sync it checks would govern
    render_report(report, Console(soft_wrap=False))
    return int(ExitCode.FAILED if report.blocking else ExitCode.OK)
