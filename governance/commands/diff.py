"""`mesh diff --pr ID`: each product a pull request rebuilt against production: rows and primary keys."""

from __future__ import annotations

import argparse
import os

from rich.console import Console
from rich.table import Table
from rich.text import Text

from governance.build.namespace import PullRequestNamespace
from governance.errors import ExitCode
from governance.project import Projects


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pr", metavar="ID", default=os.environ.get("MESH_PR_ID", "local"),
                        help="pull request namespace (default: $MESH_PR_ID, else 'local')")  # fmt: skip
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from governance.build.namespace import pr_lock

    projects = Projects.discover()
    namespace = PullRequestNamespace.of(projects.root, args.pr)
    with pr_lock(namespace, "diff"):  # never while a build or a clean of the namespace runs
        return _compare(namespace, projects)


def _compare(namespace: PullRequestNamespace, projects: Projects) -> int:
    from governance.build.diff import diff_products
    from governance.build.pr_files import read_plan, read_results
    from governance.loader import load_state
    from governance.project import data_dir

    results = read_results(namespace, required=True)
    plan = read_plan(namespace)
    products = [
        p for name, project in plan["projects"].items() for p in project["products"]
        if results.get(name, {}).get("outcome") == "success"
    ]  # fmt: skip
    console = Console(highlight=False)
    if not products:
        console.print(f"pull request {namespace.pr_id} rebuilt no product: nothing to compare")
        return int(ExitCode.OK)
    pr_mesh = load_state(namespace.root / "plan", projects)
    diffs = diff_products(products, pr_mesh, namespace, data_dir(projects.root) / "warehouse")
    table = Table(title=f"pull request {namespace.pr_id} vs production", title_justify="left")
    for column in ("product", "production rows", "pull request rows", "keys added", "keys removed",
                   "rows changed", "note"):  # fmt: skip
        table.add_column(column)
    for d in diffs:
        cells = (d.production_rows, d.pr_rows, d.keys_added, d.keys_removed, d.rows_changed)
        table.add_row(Text(d.product), *("-" if c is None else f"{c:,}" for c in cells), Text(d.note))
    console.print(table)
    return int(ExitCode.OK)
