"""`mesh docs`: write the mesh catalog, a static site that works from file:// with no network."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="output folder, replaced as a whole (default: target/catalog)"
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="policy file for the findings shown (default as mesh check)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from governance.errors import ExitCode
    from governance.fast_exit import keep
    from governance.loader import load_mesh
    from governance.project import find_root
    from governance.site.pipeline import write_site

    root = find_root()
    out = args.out or root / "target" / "catalog"
    mesh = load_mesh(root)
    keep(mesh)
    summary = write_site(mesh, root, out, policy=args.config)
    health = ", ".join(f"{count} {signal}" for signal, count in summary.health.items()) or "no products"
    print(
        f"wrote {summary.pages} pages for {summary.domains} domains, {summary.products} products and "
        f"{summary.hub_marts} hub marts ({health}) to {out}",
        file=sys.stderr,
    )
    if summary.products == 0:
        print(
            "warning: the mesh has no data products (public gold models); the catalog lists none",
            file=sys.stderr,
        )
    print((out.absolute() / "index.html").as_uri())
    return int(ExitCode.OK)
