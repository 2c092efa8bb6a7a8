"""`mesh check`: mesh policies (and, with `--state`, cross-domain breaking changes) over every manifest."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from governance.formatters import FORMATS
from governance.options import renamed


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=list(FORMATS), default="console", help="report format")
    renamed(parser, ["--out"], ["--output"], dest="output", type=Path, metavar="FILE",
            help="write the report here instead of stdout")  # fmt: skip
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="policy file (default: mesh.yml files.policies, else the package's)",
    )
    renamed(parser, ["--rules"], ["--select"], dest="select", nargs="+", action="extend", default=[],
            metavar="CODE", help="run only these rules (codes or names)")  # fmt: skip
    parser.add_argument(
        "--domain",
        nargs="+",
        action="extend",
        default=[],
        metavar="D",
        help="report only findings of these domains",
    )
    parser.add_argument(
        "--state",
        type=Path,
        metavar="DIR",
        help="production artifacts (DIR/<project>/manifest.json): also report breaking changes",
    )
    parser.add_argument(
        "--baseline", type=Path, metavar="FILE", help="ignore findings recorded in this baseline"
    )
    parser.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="record the current findings as the baseline and exit 0",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    # Imported here, not at the top: `mesh check --help` and usage errors need none of them.
    from governance.checks.baseline import read_baseline, write_baseline
    from governance.checks.config import load_policy, resolve_codes
    from governance.checks.evaluation import evaluate
    from governance.checks.registry import all_rules
    from governance.coverage import describe
    from governance.errors import ExitCode
    from governance.fast_exit import keep
    from governance.files import write_atomic
    from governance.formatters import render
    from governance.loader import load_mesh, load_state
    from governance.project import Projects, find_root

    projects = Projects.discover(find_root())
    projects.select(args.domain)  # unknown domain names fail before anything is read
    policy_file = args.config or (projects.settings.file("policies") if projects.settings else None)
    policy = load_policy(policy_file, root=projects.root)
    selected = resolve_codes(args.select, all_rules()) if args.select else None
    baseline = read_baseline(args.baseline) if args.baseline else frozenset()
    mesh = load_mesh(projects=projects)
    keep(mesh)  # freed by the OS at exit, not object by object
    previous = load_state(args.state, projects) if args.state is not None else None
    keep(previous)
    # breaking-change rules (MESH101...) run as any other rule when there is a previous mesh
    report = evaluate(
        mesh, policy, selected=selected, domains=args.domain, baseline=baseline, previous=previous
    )
    describe(mesh)  # what was governed, and what could not be placed (never silently green)
    if args.state is not None:  # each project the comparison could not cover, and why
        from governance.breaking import state_gaps

        for gap in state_gaps(args.state, projects):
            print(f"warning: --state: {gap}", file=sys.stderr)
    if args.write_baseline is not None:
        count = write_baseline(args.write_baseline, [*report.findings, *report.baselined])
        print(f"wrote {count} findings to baseline {args.write_baseline}", file=sys.stderr)
        return int(ExitCode.OK)
    color = args.output is None and sys.stdout.isatty() and args.format == "console"
    text = render(args.format, report, color=color)
    if args.output is not None:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(text if args.format == "github" else render("github", report))
    return int(report.exit_code)
