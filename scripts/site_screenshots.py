"""Regenerate the catalog screenshots in docs/ from the built mesh, with Debian's headless Chromium.

    .venv/bin/python scripts/site_screenshots.py [--product orders.fct_orders]

Runs `mesh docs` into a temporary folder (the mesh must be built: `make demo`), opens the home page and
one product page from disk, and writes docs/catalog-home.png and docs/catalog-product.png.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("MESH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
MAX_HEIGHT = 2600  # px: a long product page is cut here, enough to show contract, health and lineage


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--product", default="orders.fct_orders", help="product page to capture (project.name)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    if not Path(CHROMIUM).is_file():
        raise SystemExit(f"no Chromium at {CHROMIUM}: run scripts/ci/chromium.sh")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        subprocess.run([sys.executable, "-m", "governance", "docs", "--out", str(site)], cwd=ROOT, check=True)
        index = orjson.loads((site / "mesh.json").read_bytes())
        pages = {p["name"]: p["page"] for p in index["products"]}
        if args.product not in pages:
            raise SystemExit(f"no product {args.product!r}; known: {', '.join(sorted(pages))}")
        launch_args = ["--no-sandbox"] if os.geteuid() == 0 else []
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=launch_args)
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            for name, target in (
                ("catalog-home.png", "index.html"),
                ("catalog-product.png", pages[args.product]),
            ):
                page.goto((site / target).as_uri())
                page.wait_for_load_state("load")
                height = min(MAX_HEIGHT, int(page.evaluate("document.documentElement.scrollHeight")))
                page.screenshot(
                    path=str(args.out / name),
                    clip={"x": 0, "y": 0, "width": 1280, "height": height},
                    full_page=True,
                )
                print(f"wrote {args.out / name}")
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
