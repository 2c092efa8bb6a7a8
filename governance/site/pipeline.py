"""`mesh docs`: load the mesh, run the policies and the lineage, and write the static catalog site.

    <out>/index.html                    home: domains, owners, platforms, products, domain graph, health
    <out>/domains/<domain>.html         products, owners, up/downstream domains, policy scorecard
    <out>/products/<domain>/<name>.html one per product version and hub mart
    <out>/contracts/<domain>/<id>.odcs.yaml   the ODCS contracts the product pages link to
    <out>/mesh.json                     the whole mesh for tools and agents
    <out>/assets/                       stylesheet, search script, search index
The folder is written beside `out` and swapped in whole (`governance.contracts.folder`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import orjson

from governance.contracts.export import contract_paths
from governance.contracts.facts import Surroundings
from governance.contracts.folder import check_replaceable, replace_folder
from governance.contracts.odcs import build_contract, to_yaml
from governance.contracts.parallel import in_parallel
from governance.errors import MeshError
from governance.findings import Finding
from governance.lineage import build_lineage
from governance.model import MeshModel
from governance.project import data_dir
from governance.site.assets import static_files
from governance.site.catalog import Catalog, ProductEntry, build_catalog
from governance.site.health import apply_health
from governance.site.index import mesh_index, search_script
from governance.site.pages import domain_page, home_page, product_page

MARKER = ".mesh-site"


@dataclass(frozen=True, slots=True)
class SiteSummary:
    out: Path
    domains: int
    products: int
    hub_marts: int
    pages: int
    health: dict[str, int]


def policy_findings(mesh: MeshModel, root: Path, config: Path | None) -> list[Finding]:
    """The `mesh check` findings shown on the pages (same policy file, rules and exceptions)."""
    from governance.checks.catalog import breaking_entries
    from governance.checks.config import load_policy
    from governance.checks.evaluation import evaluate

    policy = load_policy(config, root=root, extra_codes=[e.code for e in breaking_entries()])
    report = evaluate(mesh, policy)
    return report.findings


def shared_files(catalog: Catalog) -> dict[str, bytes]:
    """Relative path -> content of every file but the per-product ones."""
    files: dict[str, bytes] = {
        "index.html": home_page(catalog).encode(),
        **static_files(),
        "assets/search-index.js": search_script(catalog),
        "mesh.json": orjson.dumps(mesh_index(catalog)),  # compact: 10,000 models make 20 MB indented
    }
    for entry in catalog.domains.values():
        files[entry.url] = domain_page(catalog, entry).encode()
    return files


def write_bytes(folder: Path, files: dict[str, bytes]) -> None:
    made: set[Path] = set()
    for relative, data in files.items():
        target = folder / relative
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        target.write_bytes(data)


def write_products(folder: Path, catalog: Catalog, surroundings: Surroundings) -> int:
    """Each product's page and, for data products, its contract (on both cores for a large mesh)."""
    entries = sorted(catalog.products.values(), key=lambda p: p.model.unique_id)

    def work(chunk: Sequence[ProductEntry]) -> int:
        files: dict[str, bytes] = {}
        for entry in chunk:
            files[entry.url] = product_page(catalog, entry).encode()
            if entry.contract_url:
                contract = build_contract(catalog.mesh, entry.model, surroundings, entry.facts)
                files[entry.contract_url] = to_yaml(contract).encode()
        write_bytes(folder, files)
        return len(chunk)

    return in_parallel(entries, work)


def write_site(
    mesh: MeshModel,
    root: Path,
    out: Path,
    *,
    policy: Path | None = None,
    now: datetime | None = None,
) -> SiteSummary:
    if not mesh.domains:
        raise MeshError(f"{root}: no dbt projects found; nothing to document")
    check_replaceable(out, MARKER)
    surroundings = Surroundings.load(root)
    findings = policy_findings(mesh, root, policy)
    lineage = build_lineage(mesh)
    contract_paths(mesh)  # two products with one contract id: fail before writing anything
    catalog = build_catalog(mesh, lineage, findings, surroundings, now=now)
    apply_health(catalog, data_dir(root), root)  # the health store's verdicts and history, if any
    files = shared_files(catalog)

    def write(folder: Path) -> None:
        write_bytes(folder, files)
        write_products(folder, catalog, surroundings)

    replace_folder(out, MARKER, write)
    kinds = [p.kind.value for p in catalog.products.values()]
    return SiteSummary(
        out=out,
        domains=len(catalog.domains),
        products=kinds.count("product"),
        hub_marts=kinds.count("hub_model"),
        pages=sum(1 for name in files if name.endswith(".html")) + len(catalog.products),
        health=dict(sorted(catalog.health_counts().items())),
    )
