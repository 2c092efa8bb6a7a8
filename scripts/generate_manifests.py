"""Write a synthetic mesh repository with dbt 1.11 manifests, for benchmarks and scale tests.

    .venv/bin/python scripts/generate_manifests.py --domains 50 --models 10000 --columns 8 \
        --out .mesh/bench/mesh-10k

DIR gets a hub `dbt_project.yml` + `target/manifest.json` and `domains/<d>/` projects with
`dbt_project.yml`, `dependencies.yml`, `domain.yml` and `target/manifest.json`, readable by
`governance.loader.load_mesh(DIR)` and by dbt-bouncer. See scripts/synthetic/mesh.py for the shape.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run as a plain script from any folder

from scripts.synthetic.mesh import MeshSpec, write_mesh  # noqa: E402
from scripts.synthetic.templates import load_templates  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--domains", type=int, required=True, help="number of domain projects")
    parser.add_argument("--models", type=int, required=True, help="model nodes across all domains")
    parser.add_argument("--columns", type=int, default=8, help="columns per model (at least 3)")
    parser.add_argument("--out", type=Path, required=True, help="output folder (replaced if it exists)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--cache", type=Path, default=ROOT / ".mesh" / "synthetic", help="template cache")
    args = parser.parse_args(argv)
    spec = MeshSpec(domains=args.domains, models=args.models, columns=args.columns, seed=args.seed)
    if args.domains < 1 or args.models < args.domains * 5 or args.columns < 3:
        parser.error("need --domains >= 1, --models >= 5 per domain and --columns >= 3")
    started = time.perf_counter()
    templates = load_templates(args.cache)
    if args.out.exists():
        shutil.rmtree(args.out)
    summary = write_mesh(spec, templates, args.out)
    print(
        f"wrote {args.out}: {summary.domains} domains, {summary.models} models "
        f"({summary.products} products), {summary.tests} tests, {summary.exposures} exposures "
        f"in {time.perf_counter() - started:.1f}s; seeded violations: "
        + ", ".join(f"{k}={v}" for k, v in summary.violations.items())
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
