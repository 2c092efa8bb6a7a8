"""`mesh pr-summary`: what a pull request's `mesh build --changed` did, as markdown for the review."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

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
    from governance.build.namespace import pr_lock
    from governance.build.pr_files import read_plan, read_results
    from governance.build.summary import PullRequestSummary, owners_to_notify, render
    from governance.files import output_target, write_atomic
    from governance.loader import load_state
    from governance.project import Projects, data_dir

    if args.output is not None:
        output_target(args.output)  # a FIFO, a device or a folder is refused before any work
    step_summary = os.environ.get("GITHUB_STEP_SUMMARY") if args.format == "github" else None
    if step_summary:
        checked_step_summary(Path(step_summary))  # before any work: the summary must not be lost at the end
    projects = Projects.discover()
    namespace = PullRequestNamespace.of(projects.root, args.pr)
    with pr_lock(namespace, "pr-summary"):  # never while a build or a clean of the namespace runs
        plan = read_plan(namespace)
        results = read_results(namespace, required=False)
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
    if step_summary:
        try:
            with open(step_summary, "a", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise MeshError(
                f"GITHUB_STEP_SUMMARY {step_summary}: cannot append the summary ({exc.strerror}); "
                "the summary above is complete"
            ) from None
    return int(ExitCode.OK)


def checked_step_summary(path: Path) -> None:
    """$GITHUB_STEP_SUMMARY is appended to: an existing regular file, or a new one in an existing folder."""
    import stat

    try:
        mode = path.stat().st_mode if path.exists() else None
        folder = path.parent.is_dir()
    except OSError as exc:
        raise MeshError(f"GITHUB_STEP_SUMMARY {path}: cannot use ({exc.strerror})") from None
    if mode is not None and not stat.S_ISREG(mode):
        raise MeshError(f"GITHUB_STEP_SUMMARY {path}: not a regular file; point it at a file to append to")
    if mode is None and not folder:
        raise MeshError(f"GITHUB_STEP_SUMMARY {path}: its folder does not exist; point it at a file in one")
