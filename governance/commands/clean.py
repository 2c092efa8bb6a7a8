"""`mesh clean --pr ID`: remove a pull request's namespace (DuckDB files, artifacts, configurations), or
with `--platform databricks` its catalogs in Unity Catalog."""

from __future__ import annotations

import argparse
import shutil
import sys

from governance.build.namespace import PullRequestNamespace, checked_pr_id, pr_lock
from governance.errors import ExitCode, MeshError
from governance.options import renamed
from governance.project import Projects, find_root


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--pr", required=True, metavar="ID", help="pull request to clean up")
    renamed(
        parser,
        ["--platform"],
        ["--target"],
        dest="target",
        choices=["duckdb", "databricks"],
        default="duckdb",
        help="duckdb: the local namespace folder; databricks: the pull request's Unity Catalog catalogs",
    )
    parser.add_argument(
        "--yes", action="store_true", help="databricks: drop the listed catalogs (without it: a dry run)"
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    checked_pr_id(args.pr)  # bad input first, before any file or workspace is read
    namespace = PullRequestNamespace.of(find_root(), args.pr)
    if args.target == "databricks":
        return clean_databricks(namespace, args.yes)
    with pr_lock(namespace, "clean", exclusive=True):  # never under a running build --changed --pr
        return clean_duckdb(namespace)


def clean_duckdb(namespace: PullRequestNamespace) -> int:
    root = namespace.root
    if root.is_symlink():  # mesh made a folder here; a link points at something it does not manage
        raise MeshError(
            f"{root} is a symlink, not the folder mesh build made; mesh clean leaves it and what it points "
            "at alone: remove the link yourself"
        )
    if not root.is_dir():
        if root.exists():
            raise MeshError(f"{root} is not a folder; mesh build makes a folder here: remove it yourself")
        print(f"nothing to clean: no namespace for pull request {namespace.pr_id} at {root}")
        return int(ExitCode.OK)
    failed: list[str] = []
    shutil.rmtree(
        root, onerror=lambda _f, path, info: failed.append(f"{path} ({getattr(info[1], 'strerror', '')})")
    )
    if failed:
        raise MeshError(
            f"could not remove all of pull request {namespace.pr_id}'s namespace: {failed[0]}"
            f"{f' and {len(failed) - 1} more' if len(failed) > 1 else ''}; fix the permissions (or an "
            "immutable flag: chattr -i) and run mesh clean again"
        )
    print(f"removed pull request {namespace.pr_id}'s namespace {root}")
    return int(ExitCode.OK)


def clean_databricks(namespace: PullRequestNamespace, apply: bool) -> int:
    from governance.unity.client import UnityClient
    from governance.unity.pr_clean import Status, clean_pull_request

    domains = Projects.discover(find_root()).projects  # the mesh's projects: no build artifacts needed
    client = UnityClient.connect(warehouse_id="")  # catalogs API only: no SQL warehouse needed
    outcomes = clean_pull_request(client, domains, namespace.suffix, apply)
    pr = namespace.pr_id
    for outcome in outcomes:
        if outcome.status is Status.FAILED:
            print(f"error: catalog {outcome.catalog}: {outcome.detail}", file=sys.stderr)
        elif outcome.status is Status.ABSENT:
            print(f"absent: {outcome.catalog}")
        elif outcome.status is Status.PRESENT:
            print(f"would drop: {outcome.catalog} (owner {outcome.detail}, with everything in it)")
        else:
            print(f"dropped: {outcome.catalog}")
    failed = sum(o.status is Status.FAILED for o in outcomes)
    present = sum(o.status is Status.PRESENT for o in outcomes)
    if failed:
        print(f"error: {failed} catalog(s) of pull request {pr} could not be cleaned", file=sys.stderr)
        return int(ExitCode.FAILED)
    if present:
        print(f"dry run: pass --yes to drop these {present} catalog(s) of pull request {pr}")
    elif not any(o.status is Status.DROPPED for o in outcomes):
        print(f"nothing to clean: pull request {pr} has no catalog in Unity Catalog")
    return int(ExitCode.OK)
