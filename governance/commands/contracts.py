"""`mesh contracts export`: one Open Data Contract Standard (v3.1.0) YAML per data product version."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = sub.add_parser(
        "export",
        help="write <out>/<domain>/<id>.odcs.yaml for every product version",
        description="Write one ODCS v3.1.0 contract per data product version; the folder is replaced whole.",
    )
    export.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="one folder <DIR>/<domain>/<id>.odcs.yaml, replaced whole (default: each domain's own "
        "contracts/ folder, which rule MESH040 checks)",
    )
    export.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from governance.contracts.export import MARKER, export_contracts, export_into_domains
    from governance.contracts.facts import Surroundings
    from governance.contracts.folder import check_replaceable
    from governance.coverage import describe
    from governance.errors import ExitCode
    from governance.fast_exit import keep
    from governance.loader import load_mesh
    from governance.settings import find_root

    root = find_root()
    if args.out is not None:
        check_replaceable(args.out, MARKER)  # a bad --out fails before the mesh is read
    mesh = load_mesh(root)
    keep(mesh)
    describe(mesh)
    surroundings = Surroundings.load(root)
    if args.out is not None:
        summary = export_contracts(mesh, args.out, surroundings)
        where = str(args.out)
    else:
        summary = export_into_domains(mesh, root, surroundings)
        where = "each domain's contracts/ folder"
    print(f"wrote {summary.contracts} contracts for {summary.domains} domains to {where}", file=sys.stderr)
    return int(ExitCode.OK)
