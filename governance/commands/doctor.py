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
from governance.unity.pipeline import connect, doctor_report, load_inputs
from governance.unity.render import render_report


def configure(parser: argparse.ArgumentParser) -> None:
    renamed(parser, ["--platform"], ["--target"], dest="target", choices=["unity"], default="unity",
            help="catalog to check (unity)")  # fmt: skip
    parser.add_argument(
        "--config", type=Path, metavar="F", help="sync config (default governance/unity.yml at the root)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    inputs = load_inputs(find_root(), args.config or settings_file("unity"))
    report = doctor_report(connect(inputs), inputs)
    if inputs.mesh is not None:
        describe(inputs.mesh)  # what the sync it checks would govern
    render_report(report, Console(soft_wrap=False))
    return int(ExitCode.FAILED if report.blocking else ExitCode.OK)
