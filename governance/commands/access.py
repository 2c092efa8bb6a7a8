"""`mesh access [--product P] [--principal G] [--format table|json|csv]`: print the access matrix.

For every product, principal and column what the principal gets (clear, masked, withheld, denied), as
`governance.access` defines it for every engine. The table shows one line per product and principal;
JSON and CSV one row per column.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys

import orjson
from rich.console import Console
from rich.table import Table

from governance.access import ProductAccess, access_matrix, cells
from governance.coverage import describe
from governance.errors import ExitCode, MeshError
from governance.loader import load_mesh
from governance.product_names import select_named
from governance.project import find_root
from governance.settings import settings_file
from governance.unity.config import load_config


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--product", metavar="P", help="one product: <domain>.<name>[.v<version>] or <name>")
    parser.add_argument("--principal", metavar="G", help="one principal (a group, user or share recipient)")
    parser.add_argument("--format", choices=["table", "json", "csv"], default="table", help="default table")
    parser.set_defaults(run=run)


def _named(matrix: list[ProductAccess], wanted: str) -> list[ProductAccess]:
    """The rows of the product `wanted` names; a bare name two projects publish is one line (exit 2)."""
    return select_named(
        wanted,
        matrix,
        project=lambda p: p.model.project,
        bare=lambda p: p.model.name,
        qualified=lambda p: (
            p.model.display_name,
            f"{p.model.project}.{p.model.name}",
            p.model.relation,
            p.model.unique_id,
        ),
    )


def run(args: argparse.Namespace) -> int:
    root = find_root()
    policy = load_config(root, settings_file("unity", root)).access_policy()
    mesh = load_mesh(root)
    describe(mesh)
    matrix = access_matrix(mesh, policy)
    if args.product:
        matrix = _named(matrix, args.product)
        if not matrix:
            raise MeshError(f"--product {args.product!r} is not a product of the mesh; see mesh lineage")
    principal: str | None = args.principal
    if args.format == "table":
        table = Table("product", "principal", "via", "access")
        for product in matrix:
            listed = [product.principal(principal)] if principal else list(product.principals)
            for row in listed:
                table.add_row(product.name, row.name, ", ".join(row.via) or "-", row.summary)
        Console(width=400).print(table, markup=False, highlight=False)  # no wrapping: lines are read whole
        return int(ExitCode.OK)
    rows = [
        {
            "product": c.product,
            "principal": c.principal,
            "via": c.via,
            "column": c.column,
            "access": c.grant.value,
        }
        for c in cells(matrix, principal)
    ]
    if args.format == "json":
        sys.stdout.buffer.write(orjson.dumps(rows, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        buffer = io.StringIO()
        writer = csv.DictWriter(
            buffer, ["product", "principal", "via", "column", "access"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(rows)
        sys.stdout.write(buffer.getvalue())
    return int(ExitCode.OK)
