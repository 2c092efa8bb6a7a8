"""Settings for Trino (`governance/trino.yml`): connection defaults, catalogs, groups."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from governance.errors import MeshError
from governance.files import mapping
from governance.project import read_yaml

CONFIG_FILE = Path(__file__).resolve().parent.parent / "trino.yml"


@dataclass(frozen=True)
class TrinoSettings:
    host: str
    port: int
    user: str
    http_scheme: str
    external_catalog: str  # Trino catalog name over the Iceberg JDBC catalog
    jdbc_url: str
    jdbc_driver: str
    jdbc_user_env: str
    jdbc_password_env: str
    jdbc_warehouse: str
    databricks_host_env: str
    databricks_token_env: str
    admin_group: str
    groups: dict[str, tuple[str, ...]]


def _text(section: dict[str, Any], key: str, default: str, path: Path) -> str:
    value = section.get(key, default)
    if not isinstance(value, str) or not value:
        raise MeshError(f"{path}: `{key}` must be a non-empty string")
    return value


def _groups(data: dict[str, Any], path: Path) -> dict[str, tuple[str, ...]]:
    groups = mapping(data.get("groups"), f"{path}: `groups`")
    result: dict[str, tuple[str, ...]] = {}
    for group, members in groups.items():
        if not isinstance(members, list) or not all(isinstance(m, str) and m for m in members):
            raise MeshError(f"{path}: groups.{group} must be a list of user names")
        if any("," in m or ":" in m for m in [group, *members]):
            raise MeshError(f"{path}: groups.{group}: names may not contain ',' or ':' (group file syntax)")
        result[str(group)] = tuple(members)
    return result


def load_trino_settings(config_file: Path | None = None) -> TrinoSettings:
    # MESH_TRINO_CONFIG: another mesh's trino.yml (scripts/ci/trino.sh serving a test mesh).
    path = config_file or Path(os.environ.get("MESH_TRINO_CONFIG") or CONFIG_FILE)
    data = read_yaml(path)
    connection = mapping(data.get("connection"), f"{path}: `connection`")
    jdbc = mapping(data.get("jdbc"), f"{path}: `jdbc`")
    databricks = mapping(data.get("databricks"), f"{path}: `databricks`")
    port_text = os.environ.get("TRINO_PORT") or str(connection.get("port", 8080))
    if not port_text.isdigit():
        raise MeshError(
            f"Trino port {port_text!r} is not a number; fix TRINO_PORT or connection.port in {path}"
        )
    return TrinoSettings(
        host=os.environ.get("TRINO_HOST") or _text(connection, "host", "localhost", path),
        port=int(port_text),
        user=os.environ.get("TRINO_USER") or _text(connection, "user", "analyst", path),
        http_scheme=os.environ.get("TRINO_HTTP_SCHEME") or _text(connection, "http_scheme", "http", path),
        external_catalog=_text(data, "external_catalog", "mesh", path),
        # As Trino sees them (they differ from the publisher's view under docker-compose).
        jdbc_url=os.environ.get("TRINO_JDBC_URL")
        or _text(jdbc, "connection_url", "jdbc:postgresql://postgres:5432/iceberg", path),
        jdbc_driver=_text(jdbc, "driver_class", "org.postgresql.Driver", path),
        jdbc_user_env=_text(jdbc, "user_env", "MESH_CATALOG_USER", path),
        jdbc_password_env=_text(jdbc, "password_env", "MESH_CATALOG_PASSWORD", path),
        jdbc_warehouse=os.environ.get("TRINO_WAREHOUSE")
        or _text(jdbc, "warehouse", "file:///warehouse", path),
        databricks_host_env=_text(databricks, "host_env", "DATABRICKS_HOST", path),
        databricks_token_env=_text(databricks, "token_env", "DATABRICKS_TOKEN", path),
        admin_group=_text(data, "admin_group", "mesh-admins", path),
        groups=_groups(data, path),
    )
