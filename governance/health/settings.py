"""Where the health history lives (`governance/defaults/health.yml`, or mesh.yml `files.health`).

    version: 1
    store:
      kind: duckdb | warehouse     duckdb (default): <data>/health/health.duckdb
      uri: postgresql+psycopg://USER@HOST:5432/DB   warehouse only; MESH_HEALTH_STORE_URI overrides it,
                                   MESH_HEALTH_STORE_PASSWORD gives the password (never in the file)
      table: mesh_health.observations              warehouse only: schema.table, created on first write
    retention_days: 180            observations older than this are pruned after every write

Decoded into msgspec structs that reject unknown keys (with the closest known one), as mesh.yml is;
every bad value is one line naming the file and the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import msgspec

from governance.database_uri import checked_uri
from governance.errors import MeshError
from governance.settings import decode_yaml, environ, load_settings

DEFAULT_TABLE = "mesh_health.observations"
_IDENTIFIER = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


class StoreSettings(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    kind: Literal["duckdb", "warehouse"] = "duckdb"
    uri: str | None = None
    table: str = DEFAULT_TABLE


class HealthFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    version: Literal[1] = 1
    store: StoreSettings = StoreSettings()
    retention_days: int = 180


@dataclass(frozen=True)
class HealthSettings:
    """The health store as configured: `uri` is None for the embedded DuckDB file."""

    path: Path | None  # the settings file read (None: the defaults)
    uri: str | None  # SQLAlchemy URI with the password, for the warehouse table
    schema: str
    table: str
    retention_days: int = 180

    @property
    def display(self) -> str:
        """Where the store is, safe to print (no password)."""
        if self.uri is None:
            return "the embedded DuckDB store"
        from sqlalchemy.engine import make_url  # the warehouse store only: `mesh health` stays light

        url = make_url(self.uri).render_as_string(hide_password=True)
        return f"{url} table {self.schema}.{self.table}"


DUCKDB = HealthSettings(None, None, "", "")


def load_health_settings(root: Path) -> HealthSettings:
    """The health store settings of the mesh at `root`."""
    path = load_settings(root).file("health")
    decoded = decode_yaml(path, HealthFile)
    if decoded.retention_days <= 0:
        raise MeshError(
            f"{path}: retention_days must be a positive number of days, got {decoded.retention_days}"
        )
    store = decoded.store
    if store.kind == "duckdb":
        if store.uri is not None:
            raise MeshError(
                f"{path}: store.uri is set but store.kind is duckdb; set kind: warehouse or drop uri"
            )
        return HealthSettings(path, None, "", "", decoded.retention_days)
    schema, table = _table_name(store.table, path)
    raw = environ("MESH_HEALTH_STORE_URI") or store.uri
    if not raw:
        raise MeshError(
            f"{path}: store.kind is warehouse but store.uri is not set; set it "
            "(postgresql+psycopg://USER@HOST/DB) or export MESH_HEALTH_STORE_URI"
        )
    return HealthSettings(path, _resolve_uri(raw, path), schema, table, decoded.retention_days)


def _table_name(name: str, path: Path) -> tuple[str, str]:
    parts = name.split(".")
    if len(parts) != 2 or not all(_IDENTIFIER.match(p) for p in parts):
        raise MeshError(
            f"{path}: store.table {name!r} must be schema.table in lower case letters, digits and _ "
            f"(e.g. {DEFAULT_TABLE})"
        )
    return parts[0], parts[1]


def _resolve_uri(raw: str, path: Path) -> str:
    url = checked_uri(
        raw,
        backends=("postgresql",),
        wrong_backend="the warehouse store is PostgreSQL",
        bad=lambda _shown, problem: MeshError(
            f"{path}: store.uri {problem}; use postgresql+psycopg://USER@HOST:5432/DB"
        ),
        password_env="MESH_HEALTH_STORE_PASSWORD",
        password=environ("MESH_HEALTH_STORE_PASSWORD"),
    )
    return url.render_as_string(hide_password=False)
