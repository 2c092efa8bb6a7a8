"""A local stand-in for what UniForm makes of the Databricks domains' products (CI and `make trino`).

In production each gold product of a `platform: databricks` domain is a Delta table with Iceberg reads
enabled (UniForm), which Unity Catalog's Iceberg REST endpoint serves as `<catalog>.<schema>.<table>`.
No Databricks runs here, so this module writes each such product, built on DuckDB, as an Iceberg table
into a local SQL catalog: one Iceberg catalog per domain (its `catalog_name` is the domain, as a Unity
Catalog catalog is), namespace = the product's schema (layer), table = its alias. Apache Iceberg's REST
catalog server (scripts/ci/iceberg_rest.sh) then serves each domain's catalog to Trino, behind the
loopback gateway that answers at Unity Catalog's path (scripts/ci/uc_iceberg_gateway.py).

What it keeps is what UniForm serves: the same names, the same columns and types, the table and column
comments; plus the mesh's own bookkeeping properties (`mesh.*`), which the publisher needs to replace a
table it wrote. It is the same publisher as `mesh publish` (whole or not at all, schema evolution).

    python -m governance.iceberg.standin --catalog-uri sqlite:///data/trino/uniform/catalog.db \
        --warehouse data/trino/uniform/warehouse [--root DIR]

prints one line per domain written: `<domain>` (the catalog names the REST servers serve).
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

from pyiceberg.catalog.sql import SqlCatalog

from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings, load_catalog_settings
from governance.iceberg.contract import MANAGED_KEY, MANAGED_VALUE
from governance.iceberg.lock import publish_lock
from governance.iceberg.publisher import Publisher
from governance.model import Domain, MeshModel, Model
from governance.project import Platform


def databricks_domains(mesh: MeshModel) -> list[Domain]:
    return sorted(
        (d for d in mesh.domains.values() if d.platform is Platform.DATABRICKS and not d.is_hub),
        key=lambda d: d.name,
    )


def uc_identifier(model: Model) -> tuple[str, str, str]:
    """(catalog, schema, table) of the product in Unity Catalog, lower-case as Unity Catalog stores names."""
    return (model.database or model.project).lower(), model.schema.lower(), model.alias.lower()


def domain_settings(base: CatalogSettings, catalog: str) -> CatalogSettings:
    """The stand-in catalog of one domain: an Iceberg catalog named after it in the stand-in database,
    its tables under `<warehouse>/<catalog>/` (as each Unity Catalog catalog has its own storage root)."""
    return dataclasses.replace(base, name=catalog, warehouse=f"{base.warehouse.rstrip('/')}/{catalog}")


def served(model: Model) -> bool:
    """Whether Unity Catalog's Iceberg REST endpoint would serve the product: not when it opts out of
    Iceberg reads (`meta.iceberg_reads: false`, which rule MESH051 reports)."""
    return model.meta.get("iceberg_reads") is not False


def write_domain(domain: Domain, base: CatalogSettings) -> tuple[str, int]:
    """Write every product of `domain` that UniForm would serve to its stand-in catalog; (catalog name,
    products written)."""
    every = sorted(domain.products, key=lambda m: (m.name, m.version or ""))
    products = [m for m in every if served(m)]
    catalogs = {uc_identifier(m)[0] for m in every}
    if len(catalogs) != 1:
        raise MeshError(
            f"domain {domain.name}: its products are in {len(catalogs)} catalogs "
            f"({', '.join(sorted(catalogs)) or 'none'}); a Databricks domain is one Unity Catalog catalog"
        )
    (catalog,) = catalogs
    settings = domain_settings(base, catalog)
    with publish_lock(settings):
        iceberg = open_catalog(settings)
        publisher = Publisher(iceberg, settings)
        for model in products:
            _, schema, table = uc_identifier(model)
            publisher.publish(model, identifier=(schema, table))
        for model in every:
            if not served(model):
                _withdraw(iceberg, uc_identifier(model)[1:])
    return catalog, len(products)


def _withdraw(iceberg: SqlCatalog, identifier: tuple[str, str]) -> None:
    """Drop a table an earlier run wrote for a product that is no longer served (only the stand-in's own
    tables: those carrying the mesh's managed-by property)."""
    if not iceberg.table_exists(identifier):
        return
    if iceberg.load_table(identifier).properties.get(MANAGED_KEY) == MANAGED_VALUE:
        iceberg.drop_table(identifier)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m governance.iceberg.standin", description=__doc__)
    parser.add_argument(
        "--catalog-uri", required=True, help="SQLAlchemy URI of the stand-in catalog database"
    )
    parser.add_argument(
        "--warehouse", required=True, help="folder (or URI) the stand-in tables are written to"
    )
    parser.add_argument(
        "--root", type=Path, default=None, help="the mesh root (default: found as `mesh` does)"
    )
    args = parser.parse_args(argv)
    try:
        from governance.loader import load_mesh
        from governance.project import Projects
        from governance.settings import find_root

        root = (args.root or find_root()).resolve()
        mesh = load_mesh(root, Projects.discover(root))
        warehouse = str(args.warehouse)
        if "://" not in warehouse:
            folder = Path(warehouse).resolve()
            folder.mkdir(parents=True, exist_ok=True)
            warehouse = folder.as_uri()
        base = dataclasses.replace(load_catalog_settings(root), uri=args.catalog_uri, warehouse=warehouse)
        base = dataclasses.replace(base, uri=load_catalog_settings_uri(base, root))
        domains = databricks_domains(mesh)
        if not domains:
            raise MeshError(
                "the mesh has no `platform: databricks` domain: nothing for the REST catalog to serve"
            )
        for domain in domains:
            catalog, count = write_domain(domain, base)
            print(catalog)
            print(
                f"standin: {count} product(s) of {domain.name} -> Iceberg catalog {catalog}", file=sys.stderr
            )
    except MeshError as error:
        print(f"error: {error}", file=sys.stderr)
        return int(error.code)
    return int(ExitCode.OK)


def load_catalog_settings_uri(settings: CatalogSettings, root: Path) -> str:
    """A relative SQLite path resolved against the root, as publish.yml's own URI is."""
    from sqlalchemy.engine import make_url

    url = make_url(settings.uri)
    if url.get_backend_name() == "sqlite" and url.database and not Path(url.database).is_absolute():
        return url.set(database=str((root / url.database).resolve())).render_as_string(hide_password=False)
    return settings.uri


if __name__ == "__main__":
    sys.exit(main())
