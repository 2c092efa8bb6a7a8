"""`mesh publish`: publish external domains' data products to the Iceberg catalog Trino reads.

Each product is published on its own, all or nothing; a product that fails (breaking change, missing
build) is reported and the others still publish. One publish per catalog at a time: a second one
exits 1 at once, having written nothing. Exit 0 when all published, 1 when one failed or another
publish holds the catalog, 2 when the catalog database is unreachable or the input is wrong
(nothing is written then).
"""

from __future__ import annotations

import argparse
from functools import partial
from pathlib import Path

from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from governance.coverage import describe
from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import CatalogUnreachableError, open_catalog
from governance.iceberg.config import CatalogSettings, domain_catalog, load_catalog_settings
from governance.iceberg.lock import publish_lock
from governance.iceberg.publisher import Publisher
from governance.iceberg.verify import TRINO_ADAPTER, TrinoBuiltVerifier, built_on
from governance.loader import load_mesh
from governance.model import MeshModel, Model
from governance.project import Platform, Projects, data_dir, find_root
from governance.settings import settings_file


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--domain",
        metavar="D",
        action="append",
        help="publish only this external domain (repeatable); default: every platform: external domain",
    )
    parser.set_defaults(run=run)


def products_to_publish(mesh: MeshModel, domains: list[str] | None) -> list[Model]:
    """Public gold products of the chosen external domains, in a stable order."""
    external = [d for d in mesh.domains.values() if d.platform is Platform.EXTERNAL and not d.is_hub]
    if domains:
        for name in domains:
            domain = mesh.domains.get(name)
            if domain is None:
                raise MeshError(f"unknown domain {name!r}; known domains: {', '.join(sorted(mesh.domains))}")
            if domain.platform is not Platform.EXTERNAL:
                raise MeshError(
                    f"domain {name!r} runs on {domain.platform.value}; only `platform: external` domains "
                    f"publish to the Iceberg catalog (see {domain.path}/domain.yml)"
                )
        external = [d for d in external if d.name in domains]
    return sorted(
        (product for domain in external for product in domain.products),
        key=lambda m: (m.project, m.name, m.version or ""),
    )


def _set_total(progress: Progress, task: TaskID, total: int) -> None:
    progress.update(task, total=total)


def run(args: argparse.Namespace) -> int:
    root = find_root()
    console = Console(stderr=True)
    projects = Projects.discover(root)
    mesh = load_mesh(root, projects)
    products = products_to_publish(mesh, args.domain)
    if not products:
        describe(mesh)  # never silently green: what was looked at
        console.print("no products to publish: no domain has `platform: external` with public gold models")
        return int(ExitCode.OK)
    settings = load_catalog_settings(root, settings_file("publish", root))
    with publish_lock(settings):
        # A domain whose last build ran on Trino wrote its products itself: verified and completed instead.
        on_trino = {p.name for p in projects.projects.values() if built_on(p.manifest_path) == TRINO_ADAPTER}
        refuse_failed_trino_builds(projects, on_trino & {p.project for p in products})
        done: list[tuple[Model, str, dict[str, str]]] = []
        failed = _publish_all(products, settings, console, on_trino, done)
        _record_health(mesh, done, data_dir(root), console)
    console.print(
        f"published {len(products) - failed} of {len(products)} product(s) to catalog {settings.name} "
        f"at {settings.display_uri}",
        markup=False,
        highlight=False,
    )
    describe(mesh)
    return int(ExitCode.FAILED if failed else ExitCode.OK)


def refuse_failed_trino_builds(projects: Projects, on_trino: set[str]) -> None:
    """A domain whose last Trino build failed holds tables of two builds: nothing is published."""
    from governance.build.trino_failures import last_build_failure

    for name in sorted(on_trino):
        failure = last_build_failure(projects.projects[name].target_dir, name)
        if failure:
            raise MeshError(
                f"{name}: its last build on Trino failed ({failure}); nothing published: build it again "
                f"(mesh build --target trino --domain {name}), then publish",
                ExitCode.FAILED,
            )


def _record_health(
    mesh: MeshModel, done: list[tuple[Model, str, dict[str, str]]], data: Path, console: Console
) -> None:
    """One health observation per published product (governance.health.published); never fails the publish."""
    from governance.health.published import record_publish, table_at

    def warn(line: str) -> None:
        console.print(f"warning: {line}", markup=False, highlight=False)

    try:
        tables = [(model, table_at(location, properties)) for model, location, properties in done]
    except Exception as error:  # unreadable metadata: the publish itself succeeded
        warn(f"health not recorded: {error}")
        return
    record_publish(mesh, tables, data=data, warn=warn)


def _publish_all(
    products: list[Model],
    settings: CatalogSettings,
    console: Console,
    on_trino: set[str] | None = None,
    done: list[tuple[Model, str, dict[str, str]]] | None = None,
) -> int:
    """Publish each product (the caller holds the catalog's lock); return how many failed. Each domain is
    its own Iceberg catalog in the database, named after it (iceberg.config.domain_catalog). `done` gets
    each published product with its table's metadata file and the catalog's properties."""
    publishers: dict[str, tuple[Publisher, TrinoBuiltVerifier]] = {}
    failed = 0
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as progress:
        for product in products:
            task = progress.add_task(escape(product.relation), total=None)
            if product.project not in publishers:
                domain = domain_catalog(settings, product.project)
                catalog = open_catalog(domain)
                publishers[product.project] = (
                    Publisher(catalog, domain),
                    TrinoBuiltVerifier(catalog, domain),
                )
            publisher, verifier = publishers[product.project]
            if product.project in (on_trino or set()):
                failed += _verify(verifier, product, settings, progress, task, done=done)
                continue
            try:
                published = publisher.publish(
                    product,
                    on_total=partial(_set_total, progress, task),
                    on_rows=partial(progress.advance, task),
                )
            except MeshError as error:
                if isinstance(error, CatalogUnreachableError):
                    raise
                failed += 1
                progress.update(task, description=f"[red]✗ {escape(product.relation)}")
                progress.console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
                continue
            if done is not None:
                done.append((product, published.metadata_location, dict(publisher.catalog.properties)))
            if published.lost_metadata:
                progress.console.print(
                    f"warning: {product.project}.{published.identifier}: the catalog pointed at metadata "
                    "file "
                    f"{published.lost_metadata}, which the warehouse no longer has (emptied or moved); "
                    f"re-created the table from {product.relation}",
                    markup=False,
                    highlight=False,
                )
            leftovers = (
                f", removed {published.orphans_removed} file(s) an interrupted publish left"
                if published.orphans_removed
                else ""
            )
            progress.update(
                task,
                description=f"[green]✓ {escape(product.relation)} -> "
                f"{escape(product.project)}.{escape(published.identifier)} "
                f"({published.action}, {published.data_files} file(s){leftovers})",
            )
    return failed


def _verify(
    verifier: TrinoBuiltVerifier,
    product: Model,
    settings: CatalogSettings,
    progress: Progress,
    task: TaskID,
    *,
    done: list[tuple[Model, str, dict[str, str]]] | None = None,
) -> int:
    """A product its domain built on Trino: checked and completed in place; 1 when it failed. `done`
    gets it as the copying publish's products (its health is recorded from the build's snapshot)."""
    try:
        verified = verifier.verify(product)
    except MeshError as error:
        if isinstance(error, CatalogUnreachableError):
            raise
        progress.update(task, description=f"[red]✗ {escape(product.relation)}")
        progress.console.print(f"[red]error:[/red] {escape(str(error))}", highlight=False)
        return 1
    if done is not None:
        done.append((product, verified.metadata_location, dict(verifier.catalog.properties)))
    progress.update(
        task,
        total=verified.rows,
        completed=verified.rows,
        description=f"[green]✓ {escape(product.relation)} = "
        f"{escape(product.project)}.{escape(verified.identifier)} (built on Trino, verified"
        f"{', completed' if verified.changed else ''})",
    )
    return 0
