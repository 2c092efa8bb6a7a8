"""Settings of the Iceberg catalog the external domains publish to (`governance/publish.yml`).

The file is shipped beside this package; `MESH_CATALOG_URI`, `MESH_CATALOG_PASSWORD` and
`MESH_WAREHOUSE` override it, so that production secrets never live in the repository;
`MESH_DATA_DIR` moves the domains' DuckDB files, as in profiles/profiles.yml.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from governance.database_uri import checked_uri
from governance.errors import MeshError
from governance.files import mapping
from governance.iceberg.expiry import Retention, load_retention
from governance.project import read_yaml
from governance.settings import network_timeout

CATALOG_TIMEOUT = "MESH_CATALOG_TIMEOUT"  # seconds a silent PostgreSQL catalog is waited for

CONFIG_FILE = Path(__file__).resolve().parent.parent / "publish.yml"


@dataclass(frozen=True)
class CatalogSettings:
    """Where products are published and how: everything `mesh publish` and `mesh query` need."""

    name: str  # pyiceberg catalog name == Trino iceberg.jdbc-catalog.catalog-name
    uri: str  # SQLAlchemy URI, password included when given through MESH_CATALOG_PASSWORD
    warehouse: str  # URI of the folder table locations are created under
    identity: str
    batch_rows: int
    target_file_bytes: int
    source_dir: Path  # folder of the domains' DuckDB files
    retention: Retention = field(
        default_factory=Retention
    )  # snapshots kept after each publish (governance/iceberg/expiry.py)

    @property
    def display_uri(self) -> str:
        """The catalog URI safe to print: the password replaced by ***."""
        return redact_uri(self.uri)

    def duckdb_path(self, domain: str) -> Path:
        return self.source_dir / f"{domain}.duckdb"

    @property
    def tag(self) -> str:
        """A short name for this catalog (its name and database), the same on every run: new tables are
        created under `<table>-<tag>`, so two catalogs over one warehouse never share a table folder
        (each publish removes what is left in its own folders; a shared one would lose the other's files)."""
        url = make_url(self.uri)
        if url.get_backend_name() == "sqlite":
            database = str(Path(url.database).resolve()) if url.database else ":memory:"
            place = f"sqlite:{database}"
        else:
            query = {k: v for k, v in sorted(url.query.items()) if k not in DEADLINE_KEYS}
            host = f"{(url.host or '').lower()}:{url.port or ''}"
            place = f"{url.get_backend_name()}://{host}/{url.database}?{query}"
        return hashlib.sha256(f"{self.name}\0{place}".encode()).hexdigest()[:8]


DEADLINE_KEYS = (
    "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count",
    "tcp_user_timeout",
)  # fmt: skip


def domain_catalog(settings: CatalogSettings, domain: str) -> CatalogSettings:
    """The Iceberg catalog of one domain in the catalog database: named after the domain (its rows'
    `catalog_name`, Trino's catalog `<domain>`), its tables under `<warehouse>/<domain>/`. The publish lock
    stays the database's (`settings`)."""
    return dataclasses.replace(settings, name=domain, warehouse=f"{settings.warehouse.rstrip('/')}/{domain}")


def redact_uri(uri: str) -> str:
    """The URI as shown: no password, nor the deadlines `_deadlines` adds."""
    try:
        return make_url(uri).difference_update_query(DEADLINE_KEYS).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return "<unparseable catalog URI>"


def _positive_int(section: dict[str, Any], key: str, default: int, path: Path) -> int:
    value = section.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise MeshError(f"{path}: `{key}` must be a positive integer, got {value!r}")
    return value


# The catalog databases `mesh publish` can serialise publishes on (governance/iceberg/lock.py) and
# Trino's JDBC catalog reads.
CATALOG_BACKENDS = ("sqlite", "postgresql")


def _bad_uri(raw: str, path: Path, problem: str) -> MeshError:
    return MeshError(
        f"{path}: catalog.uri {redact_uri(raw)!r} {problem}; "
        "use sqlite:///data/iceberg/catalog.db or postgresql+psycopg://USER@HOST/DB"
    )


def _resolve_uri(raw: str, root: Path, path: Path) -> str:
    """Make relative sqlite paths absolute (against the root) and inject MESH_CATALOG_PASSWORD."""
    url = checked_uri(
        raw,
        backends=CATALOG_BACKENDS,
        wrong_backend="the catalog must be sqlite or postgresql",
        bad=lambda shown, problem: _bad_uri(shown, path, problem),
        password_env="MESH_CATALOG_PASSWORD",
        password=os.environ.get("MESH_CATALOG_PASSWORD"),
    )
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        database = Path(url.database)
        if not database.is_absolute():
            url = url.set(database=str(root / database))
    if url.get_backend_name() == "postgresql":
        url = url.update_query_dict(_deadlines(url.query), append=False)
    return url.render_as_string(hide_password=False)


def _deadlines(query: Mapping[str, object]) -> dict[str, str]:
    """libpq's deadlines, from MESH_CATALOG_TIMEOUT, for those the URI does not set: without them a
    server that accepts and never answers holds a publish for minutes (connect) or for ever (a query)."""
    seconds = network_timeout(CATALOG_TIMEOUT)
    whole = max(2, math.ceil(seconds))  # libpq's connect_timeout: whole seconds, at least 2
    wanted = {  # DEADLINE_KEYS
        "connect_timeout": str(whole),
        "keepalives": "1",
        "keepalives_idle": str(whole),
        "keepalives_interval": str(max(1, whole // 3)),
        "keepalives_count": "3",
        "tcp_user_timeout": str(int(seconds * 1000)),  # unacknowledged writes, in milliseconds
    }
    return {key: value for key, value in wanted.items() if key not in query}


def _resolve_warehouse(raw: str, root: Path) -> str:
    if "://" in raw:
        return raw.rstrip("/")
    folder = Path(raw)
    return (folder if folder.is_absolute() else root / folder).resolve().as_uri()


def load_catalog_settings(root: Path, config_file: Path | None = None) -> CatalogSettings:
    path = config_file or CONFIG_FILE
    data = read_yaml(path)
    data = mapping(data, str(path), ("catalog", "publisher", "source", "retention"))
    catalog = mapping(data.get("catalog"), f"{path}: `catalog`", ("name", "uri", "warehouse"))
    publisher = mapping(
        data.get("publisher"), f"{path}: `publisher`", ("identity", "batch_rows", "target_file_bytes")
    )
    source = mapping(data.get("source"), f"{path}: `source`", ("warehouse_dir",))
    name = catalog.get("name", "mesh")
    if not isinstance(name, str) or not name or name != name.lower():
        raise MeshError(f"{path}: catalog.name must be a non-empty lower-case name, got {name!r}")
    uri = os.environ.get("MESH_CATALOG_URI") or catalog.get("uri")
    if not isinstance(uri, str) or not uri:
        raise MeshError(f"{path}: catalog.uri is missing; set it or export MESH_CATALOG_URI")
    warehouse = os.environ.get("MESH_WAREHOUSE") or catalog.get("warehouse")
    if not isinstance(warehouse, str) or not warehouse:
        raise MeshError(f"{path}: catalog.warehouse is missing; set it or export MESH_WAREHOUSE")
    identity = publisher.get("identity", "mesh-publisher")
    if not isinstance(identity, str) or not identity:
        raise MeshError(f"{path}: publisher.identity must be a non-empty string")
    data_dir = os.environ.get("MESH_DATA_DIR")  # the team-wide data location (profiles/profiles.yml)
    source_dir = (
        Path(data_dir) / "warehouse" if data_dir else Path(str(source.get("warehouse_dir", "data/warehouse")))
    )
    return CatalogSettings(
        name=name,
        uri=_resolve_uri(uri, root, path),
        warehouse=_resolve_warehouse(warehouse, root),
        identity=identity,
        batch_rows=_positive_int(publisher, "batch_rows", 131072, path),
        target_file_bytes=_positive_int(publisher, "target_file_bytes", 256 * 1024 * 1024, path),
        source_dir=source_dir if source_dir.is_absolute() else root / source_dir,
        retention=load_retention(data.get("retention"), path),
    )
