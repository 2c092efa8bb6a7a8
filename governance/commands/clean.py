"""`mesh clean --pr ID`: remove a pull request's namespace (DuckDB files, artifacts, configurations)."""

from __future__ import annotations

import argparse
import shutil

from governance.build.namespace import PullRequestNamespace
from governance.errors import ExitCode
from governance.project import find_root


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pr", required=True, metavar="ID", help="pull request to clean up")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    namespace = PullRequestNamespace.of(find_root(), args.pr)
    if not namespace.root.is_dir():
        print(f"nothing to clean: no namespace for pull request {namespace.pr_id} at {namespace.root}")
        return int(ExitCode.OK)
    shutil.rmtree(namespace.root)
    print(f"removed pull request {namespace.pr_id}'s namespace {namespace.root}")
    return int(ExitCode.OK)
