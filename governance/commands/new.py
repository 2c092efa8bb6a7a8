"""`mesh new`: scaffold a domain, a data product or the next version of a product (governance.scaffold)."""

from __future__ import annotations

import argparse
from pathlib import Path

from governance.errors import ExitCode, MeshError


def configure(parser: argparse.ArgumentParser) -> None:
    kinds = parser.add_subparsers(dest="kind", required=True, metavar="KIND")
    domain = kinds.add_parser("domain", help="a new domain project where mesh.yml puts domains")
    domain.add_argument("name", metavar="NAME")
    domain.add_argument("--platform", choices=["databricks", "external"], default="databricks")
    domain.add_argument(
        "--upstream", action="append", default=[], metavar="DOMAIN", help="a domain it reads (repeatable)"
    )
    domain.add_argument("--owner-email", metavar="EMAIL", help="the owning team's e-mail (models/groups.yml)")
    product = kinds.add_parser("product", help="a contracted public gold model in a domain")
    product.add_argument("domain", metavar="DOMAIN")
    product.add_argument("name", metavar="NAME")
    product.add_argument(
        "--from",
        dest="source",
        metavar="RELATION",
        help="[schema.]name of a built model: its columns and types",
    )
    version = kinds.add_parser("version", help="the next version of a product, deprecating the current one")
    version.add_argument("product", metavar="PRODUCT", help="[DOMAIN.]NAME")
    version.add_argument(
        "--deprecate-after",
        type=int,
        default=90,
        metavar="DAYS",
        help="days until the replaced version's deprecation_date (default 90)",
    )
    for kind in (domain, product, version):  # `mesh new domain NAME --root DIR` reads naturally too
        kind.add_argument(
            "--root", type=Path, metavar="DIR", default=argparse.SUPPRESS, help="repository root"
        )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from governance.model import Platform
    from governance.project import Projects
    from governance.scaffold import new_domain, new_product, new_version

    if args.kind == "version" and not 1 <= args.deprecate_after <= 36_500:  # a date past 9999 overflowed
        raise MeshError(
            f"--deprecate-after {args.deprecate_after}: give a number of days from 1 to 36500 (100 years)"
        )
    root = None
    if args.kind == "domain":  # the first domain of a new mesh: an empty folder with no mesh.yml yet
        from governance.adoption import has_projects
        from governance.settings import find_root

        try:
            root = find_root()
        except MeshError:
            if has_projects(Path.cwd()):
                raise
            root = Path.cwd()
    projects = Projects.discover(root, allow_empty=args.kind == "domain")
    if args.kind == "domain":
        written = new_domain(projects, args.name, Platform(args.platform), args.upstream, args.owner_email)
    elif args.kind == "product":
        written = new_product(projects, args.domain, args.name, args.source)
    else:
        written = new_version(projects, args.product, deprecate_after_days=args.deprecate_after)
    for path in written.created:
        print(f"created {path}")
    for path in written.appended:
        print(f"updated {path}")
    for note in written.notes:
        print(f"note: {note}")
    print("next: `mesh build`, then `mesh check`")
    return int(ExitCode.OK)
