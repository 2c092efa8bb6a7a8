"""`mesh trino-config --out DIR`: write Trino's catalogs, access rules, group file and docker-compose.

Everything is rendered before anything is written; files are replaced atomically (write + rename).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from governance.coverage import describe
from governance.errors import ExitCode, MeshError
from governance.files import write_all
from governance.iceberg.config import load_catalog_settings
from governance.loader import load_mesh
from governance.project import Projects, find_root
from governance.settings import settings_file
from governance.trino.bundle import build_bundle
from governance.trino.config import load_trino_settings
from governance.trino.properties import CONFIG_DIR
from governance.unity.config import load_config


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", metavar="DIR", required=True, type=Path, help="folder to write into")
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        default=CONFIG_DIR,
        help=f"where Trino will read rules.json and group.txt (default {CONFIG_DIR}, the container's)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    out: Path = args.out
    if out.exists() and not out.is_dir():
        raise MeshError(f"--out {out} is a file; give a folder")
    config_dir = str(args.config_dir)
    if not config_dir.startswith("/") or "\n" in config_dir:
        raise MeshError(f"--config-dir {config_dir!r} must be an absolute path (Trino resolves it itself)")
    mesh = load_mesh(root, Projects.discover(root))
    # The same central policy the Unity Catalog sync enforces (consumer group, restricted readers, shares),
    # so Trino grants what `mesh access` prints.
    policy = load_config(root, settings_file("unity", root)).access_policy()
    bundle = build_bundle(
        mesh,
        load_trino_settings(settings_file("trino", root)),
        load_catalog_settings(root, settings_file("publish", root)),
        config_dir.rstrip("/") or "/",
        policy,
    )
    write_all({out / relative: content for relative, content in sorted(bundle.files.items())})
    describe(mesh)  # what the rules cover, and what could not be placed
    for warning in bundle.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    print(f"wrote {len(bundle.files)} file(s) to {out}: {', '.join(sorted(bundle.files))}")
    return int(ExitCode.OK)
