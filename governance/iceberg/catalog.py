"""Open the Iceberg SQL catalog (SQLite or PostgreSQL) in the layout Trino's JDBC catalog reads.

pyiceberg's `SqlCatalog` writes the tables of Iceberg's Java `JdbcCatalog` schema V1
(`iceberg_tables` with `iceberg_type`, `iceberg_namespace_properties`); Trino reads them with
`iceberg.catalog.type=jdbc`. A catalog database that cannot be reached is a user mistake (exit 2),
reported in one line without the password.
"""

from __future__ import annotations

from pathlib import Path

from pyiceberg.catalog.sql import SqlCatalog
from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from governance.errors import MeshError
from governance.iceberg.config import CatalogSettings


def _first_line(error: BaseException) -> str:
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return text[0] if text else type(original).__name__


class CatalogUnreachableError(MeshError):
    """The catalog database refused the connection: nothing can be published (exit 2)."""


def catalog_unreachable(settings: CatalogSettings, error: BaseException) -> CatalogUnreachableError:
    return CatalogUnreachableError(
        f"catalog database {settings.display_uri} unreachable: {_first_line(error)}; "
        "check catalog.uri in governance/publish.yml or MESH_CATALOG_URI / MESH_CATALOG_PASSWORD"
        f"{'' if sqlite_file(settings) else ' (a silent server is waited for MESH_CATALOG_TIMEOUT seconds)'}"
    )


def sqlite_file(settings: CatalogSettings) -> Path | None:
    url = make_url(settings.uri)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database)
    return None


def open_catalog(settings: CatalogSettings, *, create: bool = True) -> SqlCatalog:
    """The catalog, its tables created (V1) when `create` and absent; MeshError when unreachable."""
    database = sqlite_file(settings)
    if database is not None:
        if create:
            database.parent.mkdir(parents=True, exist_ok=True)
        elif not database.is_file():
            raise MeshError(
                f"no Iceberg catalog at {database}: run `mesh publish` first (or set MESH_CATALOG_URI)"
            )
    try:
        catalog = SqlCatalog(
            settings.name,
            uri=settings.uri,
            warehouse=settings.warehouse,
            init_catalog_tables=str(create).lower(),
            # Trino's JDBC catalog defaults to schema V1; migrate a V0 catalog the same way it does.
            schema_version="v1",
            pool_pre_ping="true",
        )
        if not create:
            catalog.list_namespaces()  # fail here, in one line, when the tables are absent
    except SQLAlchemyError as error:
        raise catalog_unreachable(settings, error) from None
    return catalog
