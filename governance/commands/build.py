"""`mesh build`: dbt build per project, in dependency order, with live progress and a summary."""

from __future__ import annotations

import argparse
import time

import yaml
from rich.console import Console

from governance.build.progress import BuildProgress, summary_table
from governance.build.results import Outcome
from governance.build.runner import BuildOptions
from governance.build.scheduler import build_mesh, default_jobs
from governance.build.targets import check_target, max_jobs, runs_on
from governance.errors import ExitCode, MeshError
from governance.project import Projects


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--domain", action="append", default=[], metavar="D",
                        help="build only this project (repeatable; 'hub' is the root project)")  # fmt: skip
    parser.add_argument("--target", default="ci", help="dbt target from profiles/profiles.yml (default: ci)")
    parser.add_argument("--select", nargs="+", default=[], metavar="SELECTOR",
                        help="dbt node selection passed to every project's build")  # fmt: skip
    parser.add_argument("--exclude", nargs="+", default=[], metavar="SELECTOR",
                        help="dbt nodes to leave out of every project's build")  # fmt: skip
    parser.add_argument("--vars", metavar="YAML",
                        help="dbt variables for every project, a YAML mapping: '{key: value}'")  # fmt: skip
    parser.add_argument("--full-refresh", action="store_true",
                        help="rebuild incremental models and reload seeds from scratch")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="projects built at once (default: number of cores)")  # fmt: skip
    parser.set_defaults(run=run)


def checked_vars(text: str | None) -> str | None:
    """`--vars` as dbt takes it, once known to be a YAML mapping (dbt's own error is a traceback)."""
    if text is None:
        return None
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MeshError(
            f"--vars: not valid YAML ({getattr(exc, 'problem', exc)}); pass '{{key: value}}'"
        ) from None
    if not isinstance(value, dict):
        raise MeshError(f"--vars: expected a YAML mapping such as '{{key: value}}', got {text!r}")
    return text


def run(args: argparse.Namespace) -> int:
    options = BuildOptions(
        target=args.target,
        select=tuple(args.select),
        exclude=tuple(args.exclude),
        vars=checked_vars(args.vars),
        full_refresh=args.full_refresh,
    )
    projects = Projects.discover()
    selected = projects.select(args.domain)
    external = [p.name for p in selected if not runs_on(p, args.target)]
    if external and args.domain:
        raise MeshError(
            f"{external[0]} opts out of Databricks (domains/{external[0]}/domain.yml: platform external); "
            f"build it with --target ci"
        )
    selected = [p for p in selected if runs_on(p, args.target)]
    for project in selected:  # each project's own profiles folder (mesh.yml profiles_dir)
        check_target(args.target, project.profiles_dir or projects.root / "profiles", [project])
    console = Console(highlight=False)
    started = time.perf_counter()
    with BuildProgress(console) as progress:
        results = build_mesh(
            projects,
            selected,
            options=options,
            jobs=max_jobs(args.target, args.jobs),
            on_start=progress.start,
            on_event=progress.event,
            on_finish=progress.finish,
        )
    console.print(summary_table(results, args.target))
    failed = [r for r in results if r.outcome is not Outcome.SUCCESS]
    elapsed = time.perf_counter() - started
    console.print(f"{len(results) - len(failed)} of {len(results)} projects built in {elapsed:.1f}s")
    return int(ExitCode.FAILED if failed else ExitCode.OK)
