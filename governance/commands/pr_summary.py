"""`mesh pr-summary`: what a pull request's `mesh build --changed` did, as markdown for the review."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import orjson

from governance.build.namespace import PullRequestNamespace
from governance.errors import ExitCode, MeshError
from governance.options import renamed


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--state", type=Path, required=True, metavar="DIR",
                        help="production's artifacts, DIR/<project>/manifest.json")  # fmt: skip
    parser.add_argument("--pr", metavar="ID", default=os.environ.get("MESH_PR_ID", "local"),
                        help="pull request namespace (default: $MESH_PR_ID, else 'local')")  # fmt: skip
    parser.add_argument("--format", choices=("markdown", "github"), default="markdown",
                        help="github: also appended to $GITHUB_STEP_SUMMARY")  # fmt: skip
    renamed(parser, ["--out"], ["--output"], dest="output", type=Path, metavar="FILE",
            help="write here instead of stdout")  # fmt: skip
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from governance.breaking import find_breaking_changes
    from governance.build.diff import diff_products
    from governance.build.summary import PullRequestSummary, owners_to_notify, render
    from governance.files import write_atomic
    from governance.loader import load_state
    from governance.project import Projects, data_dir

    projects = Projects.discover()
    namespace = PullRequestNamespace.of(projects.root, args.pr)
    plan_file = namespace.root / "plan" / "plan.json"
    if not plan_file.is_file():
        raise MeshError(
            f"{plan_file}: not found; run `mesh build --changed --state DIR --pr {args.pr}` first"
        )
    plan = orjson.loads(plan_file.read_bytes())
    results_file = namespace.root / "plan" / "results.json"
    results = orjson.loads(results_file.read_bytes()) if results_file.is_file() else {}
    pr_mesh = load_state(
        namespace.root / "plan", projects
    )  # the pull request, parsed with production's names
    production = load_state(args.state, projects)
    products = [p for project in plan["projects"].values() for p in project["products"]]
    built = [p for p in products if results.get(p.split(".")[1], {}).get("outcome") == "success"]
    summary = PullRequestSummary(
        pr_id=namespace.pr_id,
        plan=plan,
        results=results,
        breaking=find_breaking_changes(pr_mesh, production),
        diffs=diff_products(built, pr_mesh, namespace, data_dir(projects.root) / "warehouse"),
        owners=owners_to_notify(pr_mesh, products),
    )
    text = render(summary)
    if args.output is not None:
        write_atomic(args.output, text)
    else:
        sys.stdout.write(text)
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if args.format == "github" and step_summary:
        with open(step_summary, "a", encoding="utf-8") as handle:
            handle.write(text)
    return int(ExitCode.OK)
