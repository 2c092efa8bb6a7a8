"""`mesh build`: dbt build per project, in dependency order, with live progress and a summary."""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING

import yaml
from rich.console import Console
from rich.text import Text

from governance.build.namespace import PullRequestNamespace, pr_lock
from governance.build.progress import BuildProgress, summary_table
from governance.build.results import Outcome, ProjectResult
from governance.build.runner import BuildOptions, WorkerPool
from governance.build.scheduler import build_mesh, check_upstream_manifests, default_jobs
from governance.build.targets import (
    EXTERNAL_TARGETS,
    SINGLE_PROCESS_TARGETS,
    check_target,
    default_target,
    max_jobs,
    not_built_reason,
    runs_on,
)
from governance.claims import refuse_claims
from governance.coverage import describe_build
from governance.errors import ExitCode, MeshError
from governance.project import DbtProject, Projects, data_dir

if TYPE_CHECKING:
    from governance.build.trino_build import TrinoBuild


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--domain", action="append", default=[], metavar="D",
                        help="build only this project (repeatable; 'hub' is the root project)")  # fmt: skip
    parser.add_argument(
        "--target",
        default=None,
        help="dbt target from the projects' profiles (default: the profiles' own `target:`, as dbt does)",
    )
    parser.add_argument("-s", "--select", nargs="+", default=[], metavar="SELECTOR",
                        help="dbt node selection passed to every project's build")  # fmt: skip
    parser.add_argument("--exclude", nargs="+", default=[], metavar="SELECTOR",
                        help="dbt nodes to leave out of every project's build")  # fmt: skip
    parser.add_argument("--vars", metavar="YAML",
                        help="dbt variables for every project, a YAML mapping: '{key: value}'")  # fmt: skip
    parser.add_argument("--full-refresh", action="store_true",
                        help="rebuild incremental models and reload seeds from scratch")  # fmt: skip
    parser.add_argument("--changed", action="store_true",
                        help="build only what changed against production (--state) and what reads it, "
                             "in the pull request's own namespace (--pr)")  # fmt: skip
    parser.add_argument("--state", type=Path, metavar="DIR",
                        help="production's artifacts: DIR/<project>/manifest.json")  # fmt: skip
    parser.add_argument("--pr", metavar="ID", default=os.environ.get("MESH_PR_ID", "local"),
                        help="pull request namespace (default: $MESH_PR_ID, else 'local')")  # fmt: skip
    parser.add_argument("--dry-run", action="store_true",
                        help="with --changed: print what would be built, build nothing")  # fmt: skip
    parser.add_argument("--jobs", type=int, default=default_jobs(),
                        help="projects built at once (default: number of cores)")  # fmt: skip
    parser.set_defaults(run=run)


def checked_vars(text: str | None) -> str | None:
    """`--vars` as dbt takes it, once known to be a YAML mapping (dbt's own error is a traceback)."""
    if text is None:
        return None
    from governance.settings import load_yaml_text

    try:
        value = load_yaml_text(text, "--vars")
    except (ValueError, RecursionError) as exc:
        raise MeshError(f"--vars: invalid value ({exc}); pass '{{key: value}}'") from None
    except yaml.YAMLError as exc:
        raise MeshError(
            f"--vars: not valid YAML ({getattr(exc, 'problem', exc)}); pass '{{key: value}}'"
        ) from None
    if not isinstance(value, dict):
        raise MeshError(f"--vars: expected a YAML mapping such as '{{key: value}}', got {text!r}")
    return text


def run(args: argparse.Namespace) -> int:
    from governance.build.runner import forward_termination

    forward_termination()  # a SIGTERM to mesh build ends its dbt children too
    projects = Projects.discover()
    if args.target is None:  # what `dbt build` would pick: the profiles' own default target
        args.target = default_target(
            {p.name: projects.profiles_dir(p) for p in projects.select(args.domain)},
            projects.select(args.domain),
        )
    options = BuildOptions(
        target=args.target,
        select=tuple(args.select),
        exclude=tuple(args.exclude),
        vars=checked_vars(args.vars),
        full_refresh=args.full_refresh,
    )
    selected = projects.select(args.domain)
    elsewhere = [p for p in selected if not runs_on(p, args.target)]
    if elsewhere and args.domain:
        raise MeshError(not_built_reason(elsewhere[0], args.target))
    selected = [p for p in selected if runs_on(p, args.target)]
    for project in selected:  # each project's own profiles folder (mesh.yml profiles_dir)
        check_target(args.target, projects.profiles_dir(project), [project])
    console = Console(highlight=False)
    if args.changed or args.state is not None or args.dry_run:
        return run_changed(args, projects, selected, options, console)
    check_upstream_manifests(projects, selected)  # bad input stays one line, before any other output
    refuse_claims(projects, selected)  # a model configured into another domain's catalog: before dbt runs
    describe_build(selected, len(projects.projects), args.target)  # never silently green
    for note in projects.notes:  # how an order was chosen between projects that read each other
        print(f"order: {note}", file=sys.stderr)
    for warning in projects.loom_warnings_for(selected):  # dependencies.yml alone: dbt Core cannot compile
        print(f"warning: {warning}", file=sys.stderr)
    started = time.perf_counter()
    on_trino: dict[str, TrinoBuild] = {}
    if args.target in EXTERNAL_TARGETS:  # the domain's own Trino: owner's user, sources landed first
        options, on_trino = prepare_trino(projects, selected, options, console)
    sources = SourceFingerprints(projects, selected, options)  # what `--changed` compares against
    jobs = max_jobs(args.target, args.jobs)
    # one dbt interpreter per build slot serves every project's build and freshness check in turn
    with WorkerPool(jobs) as workers:
        options = dataclasses.replace(options, workers=workers)
        with BuildProgress(console) as progress:
            results = build_mesh(
                projects,
                selected,
                options=options,
                jobs=jobs,
                on_start=progress.start,
                on_event=progress.event,
                on_finish=progress.finish,
            )
        from governance.health.record import record_build  # freshness checks and health history

        record_build(projects, results, options=options, jobs=jobs,
                     warn=lambda line: console.print(Text(f"warning: {line}"), style="yellow"))  # fmt: skip
    sources.record([r.project for r in results if r.outcome is Outcome.SUCCESS])
    failures = explain_trino_failures(projects, results, options, on_trino)
    code = report(console, results, args.target, started)
    if failures:  # one line naming the model and what to do (the table above has each project's)
        raise MeshError(failures[0], ExitCode.FAILED)
    return code


class SourceFingerprints:
    """Each project's source fingerprint taken before dbt parses, written beside the manifest its build
    wrote (governance/build/fingerprint.py): production's state then lets a pull request whose change is
    documentation only plan without dbt."""

    def __init__(self, projects: Projects, selected: list[DbtProject], options: BuildOptions) -> None:
        from governance.build import fingerprint

        self.env = {**os.environ, "MESH_DATA_DIR": str(data_dir(projects.root))}
        self.options = options
        self.taken: dict[str, tuple[DbtProject, Path, dict[str, object]]] = {}
        for project in selected:
            profiles = projects.profiles_dir(project)
            env = {**self.env, **options.project_env.get(project.name, {})}
            try:
                taken = fingerprint.fingerprint(
                    project, profiles, env, target=options.target, vars=options.vars
                )
            except (fingerprint.UnsureError, OSError, ValueError, yaml.YAMLError):
                continue
            self.taken[project.name] = (project, profiles, taken)

    def record(self, built: list[str]) -> None:
        from governance.build import fingerprint

        for name, (project, profiles, taken) in self.taken.items():
            env = {**self.env, **self.options.project_env.get(name, {})}
            if name not in built:
                (project.target_dir / fingerprint.FILE_NAME).unlink(missing_ok=True)
                continue
            with contextlib.suppress(fingerprint.UnsureError, OSError, ValueError, yaml.YAMLError):
                fingerprint.record(project, profiles, env, taken, target=self.options.target,
                                   vars=self.options.vars)  # fmt: skip


def prepare_trino(
    projects: Projects, selected: list[DbtProject], options: BuildOptions, console: Console
) -> tuple[BuildOptions, dict[str, TrinoBuild]]:
    from governance.build import trino_build

    env = {"MESH_DATA_DIR": str(data_dir(projects.root))}
    project_env = dict(options.project_env)
    builds: dict[str, TrinoBuild] = {}
    for project in selected:
        prepared = trino_build.prepare(project, projects.root, projects.profiles_dir(project), env)
        landed = ", ".join(f"{s.namespace}.{s.table} ({s.rows:,} rows)" for s in prepared.landed)
        console.print(
            Text(
                f"{project.name}: builds on Trino as {prepared.user} ({prepared.owner}); "
                f"landed {landed or 'nothing'}"
            )
        )
        project_env[project.name] = {**project_env.get(project.name, {}), **prepared.env}
        builds[project.name] = prepared
    return dataclasses.replace(options, project_env=project_env), builds


def explain_trino_failures(
    projects: Projects, results: list[ProjectResult], options: BuildOptions, on_trino: dict[str, TrinoBuild]
) -> list[str]:
    """Each failed `trino` build's cause as one line (its result's note becomes that line too)."""
    from governance.build.trino_build import explain_failure

    lines = []
    for result in results:
        build = on_trino.get(result.project)
        if build is None or result.outcome is not Outcome.FAILED:
            continue
        result.reason = explain_failure(build, result, options.target_dir(projects.projects[result.project]))
        lines.append(result.reason)
    return lines


def report(console: Console, results: list[ProjectResult], target: str, started: float) -> int:
    console.print(summary_table(results, target))
    failed = [r for r in results if r.outcome is not Outcome.SUCCESS]
    elapsed = time.perf_counter() - started
    console.print(f"{len(results) - len(failed)} of {len(results)} projects built in {elapsed:.1f}s")
    return int(ExitCode.FAILED if failed else ExitCode.OK)


def run_changed(
    args: argparse.Namespace,
    projects: Projects,
    selected: list[DbtProject],
    options: BuildOptions,
    console: Console,
) -> int:
    """`--changed --state DIR`: plan from dbt's state:modified across domains, then build the plan."""
    if not (args.changed and args.state is not None):
        raise MeshError("--changed and --state DIR go together: mesh build --changed --state prod/")
    if args.select:
        raise MeshError("--changed chooses the nodes itself; drop --select (use --exclude to leave some out)")
    if args.target in SINGLE_PROCESS_TARGETS:
        raise MeshError(
            f"--changed needs a catalog per domain; target {args.target!r} has one, use --target ci"
        )
    namespace = PullRequestNamespace.of(projects.root, args.pr)
    with pr_lock(namespace, "build --changed", exclusive=True):  # mesh clean --pr waits, or says who holds it
        return _build_changed(args, projects, selected, options, console=console, namespace=namespace)


def _build_changed(
    args: argparse.Namespace,
    projects: Projects,
    selected: list[DbtProject],
    options: BuildOptions,
    *,
    console: Console,
    namespace: PullRequestNamespace,
) -> int:
    from governance.build import slim

    started = time.perf_counter()
    production_env = {"MESH_DATA_DIR": str(data_dir(projects.root))}
    try:
        plan = slim.plan_changed(
            projects, selected, state_dir=args.state, namespace=namespace, target=args.target,
            vars=options.vars, env={**os.environ, **production_env}, jobs=max_jobs(args.target, args.jobs),
            preparse=not args.dry_run,
        )  # fmt: skip
    except slim.PlanFailedError as failure:
        console.print(Text(f"the pull request does not parse:\n{failure}"))
        return int(ExitCode.FAILED)
    for warning in plan.warnings:
        console.print(Text(warning), style="yellow")
    slim.write_plan(plan)
    for line in slim.describe(plan):
        console.print(Text(line))
    to_build = [p for p in selected if p.name in plan.plans]
    describe_build(
        to_build, len(projects.projects), args.target, "would start" if args.dry_run else "starting"
    )
    if args.dry_run or not plan.plans:
        if not plan.plans:
            console.print("nothing to build: no project changed against the state")
        return int(ExitCode.OK)
    build_options = slim.build_options(
        plan, projects, target=args.target, vars=options.vars, full_refresh=options.full_refresh,
        exclude=options.exclude,
    )  # fmt: skip
    profiles = plan.profiles_dir or slim.pr_profiles(projects, namespace, args.target)
    build_env = {**production_env, **namespace.env}

    built: set[str] = set()
    built_lock = threading.Lock()

    def finished(result: ProjectResult) -> None:
        if result.outcome is Outcome.SUCCESS:
            with built_lock:
                built.add(result.project)
                ready = slim.ready_after(plan, projects, built)
            if plan.workers is not None:  # promised their interpreters now: a pre-parse would take the one
                plan.workers.expect(ready)  # this build just freed before they ask for it
            slim.write_loom_manifest(plan, result.project)  # before any consumer starts
        progress.finish(result)

    with BuildProgress(console) as progress:
        try:
            results = build_mesh(
                projects, to_build, options=build_options, jobs=max_jobs(args.target, args.jobs),
                on_start=progress.start, on_event=progress.event, on_finish=finished,
                env=build_env, profiles_dir=profiles, upstream_manifests_checked=False,
                weight=lambda name: len(plan.plans[name].nodes),  # the nodes each project builds and tests
            )  # fmt: skip
        finally:
            if plan.workers is not None:  # the build is over: the pre-parse threads stop at a closed pool
                plan.workers.close()
    slim.write_results(plan, results)
    return report(console, results, f"{args.target}, pull request {namespace.pr_id}", started)
