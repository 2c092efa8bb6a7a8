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
from typing import Annotated

import msgspec
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from governance.database_uri import checked_uri
from governance.errors import MeshError
from governance.iceberg.expiry import Retention
from governance.settings import decode_yaml, network_timeout

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


Positive = Annotated[int, msgspec.Meta(ge=1)]


class CatalogFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    name: str = "mesh"  # lower case: Trino's catalog name
    uri: str | None = None  # else MESH_CATALOG_URI
    warehouse: str | None = None  # else MESH_WAREHOUSE


class PublisherFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    identity: Annotated[str, msgspec.Meta(min_length=1)] = "mesh-publisher"
    batch_rows: Positive = 131072
    target_file_bytes: Positive = 256 * 1024 * 1024


class SourceFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    warehouse_dir: str = "data/warehouse"


class RetentionFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    keep_snapshots: Annotated[int, msgspec.Meta(ge=1, le=100_000)] = Retention.keep_snapshots
    keep_days: Annotated[float, msgspec.Meta(ge=0, le=36_500)] = Retention.keep_days


class PublishFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """publish.yml as written: every key typed, an unknown one refused naming the closest known key."""

    catalog: CatalogFile | None = None
    publisher: PublisherFile | None = None
    source: SourceFile | None = None
    retention: RetentionFile | None = None


def load_catalog_settings(root: Path, config_file: Path | None = None) -> CatalogSettings:
    path = config_file or CONFIG_FILE
    found = decode_yaml(path, PublishFile)
    catalog = found.catalog or CatalogFile()
    publisher = found.publisher or PublisherFile()
    retention = found.retention or RetentionFile()
    if not catalog.name or catalog.name != catalog.name.lower():
        raise MeshError(f"{path}: catalog.name must be a non-empty lower-case name, got {catalog.name!r}")
    uri = os.environ.get("MESH_CATALOG_URI") or catalog.uri
    if not uri:
        raise MeshError(f"{path}: catalog.uri is missing; set it or export MESH_CATALOG_URI")
    warehouse = os.environ.get("MESH_WAREHOUSE") or catalog.warehouse
    if not warehouse:
        raise MeshError(f"{path}: catalog.warehouse is missing; set it or export MESH_WAREHOUSE")
    data_dir = os.environ.get("MESH_DATA_DIR")  # the team-wide data location (profiles/profiles.yml)
    source_dir = (
        Path(data_dir) / "warehouse" if data_dir else Path((found.source or SourceFile()).warehouse_dir)
    )
    return CatalogSettings(
        name=catalog.name,
        uri=_resolve_uri(uri, root, path),
        warehouse=_resolve_warehouse(warehouse, root),
        identity=publisher.identity,
        batch_rows=publisher.batch_rows,
        target_file_bytes=publisher.target_file_bytes,
        source_dir=source_dir if source_dir.is_absolute() else root / source_dir,
        retention=Retention(retention.keep_snapshots, float(retention.keep_days)),
    )
