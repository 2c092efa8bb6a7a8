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
    from governance.contracts.folder import check_replaceable
    from governance.coverage import describe
    from governance.errors import ExitCode
    from governance.fast_exit import keep
    from governance.loader import load_mesh
    from governance.settings import find_root, load_settings
    from governance.site.pipeline import MARKER, write_site

    root = find_root()
    out = args.out or root / "target" / "catalog"
    check_replaceable(out, MARKER)  # a bad --out fails before the mesh is read
    policy = args.config or load_settings(root).file("policies")
    mesh = load_mesh(root)
    keep(mesh)
    describe(mesh)
    summary = write_site(mesh, root, out, policy=policy)
    health = ", ".join(f"{count} {signal}" for signal, count in summary.health.items()) or "no products"
    print(
        f"wrote {summary.pages} pages for {summary.domains} domains, {summary.products} products and "
        f"{summary.hub_marts} hub marts ({health}) to {out}",
        file=sys.stderr,
    )
    print((out.absolute() / "index.html").as_uri())
    return int(ExitCode.OK)
