"""Settings for Trino (`governance/trino.yml`): connection defaults, catalogs, groups."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
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
    jdbc_url: str
    jdbc_driver: str
    jdbc_user_env: str
    jdbc_password_env: str
    jdbc_warehouse: str
    databricks_host_env: str
    databricks_token_env: str
    databricks_cloud: str  # the workspace's cloud: which Trino file system reads its tables (properties.py)
    admin_group: str
    groups: dict[str, tuple[str, ...]]
    session_catalog: str | None = None  # TRINO_CATALOG: the catalog unqualified names resolve in


# Line breaks and other control characters would add lines to the generated properties and group
# files; they have no place in a host, a user, a URL or a variable name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
# A Trino catalog name, also the file name catalog/<name>.properties under --out.
CATALOG_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _plain(value: str, where: str) -> str:
    if _CONTROL.search(value):
        raise MeshError(f"{where} contains a line break or control character {value!r}; remove it")
    return value


def _text(section: dict[str, Any], key: str, default: str, path: Path, parent: str = "") -> str:
    value = section.get(key, default)
    name = f"{parent}.{key}" if parent else key
    if not isinstance(value, str) or not value:
        raise MeshError(f"{path}: `{name}` must be a non-empty string")
    return _plain(value, f"{path}: `{name}`")


def _environ(env: Mapping[str, str], variable: str, fallback: str) -> str:
    value = env.get(variable)
    return _plain(value, f"environment variable {variable}") if value else fallback


def _header(value: str, where: str) -> str:
    """A value sent in an HTTP header (the user): latin-1 is all a header can carry."""
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        raise MeshError(
            f"{where} {value!r} has a character an HTTP header cannot carry (Trino receives it in one); "
            "use a name in Latin-1"
        ) from None
    return value


def _session_catalog(env: Mapping[str, str]) -> str | None:
    name = env.get("TRINO_CATALOG")
    if not name:
        return None
    if not CATALOG_NAME.fullmatch(name.lower()):
        raise MeshError(
            f"environment variable TRINO_CATALOG {name!r} is not a Trino catalog name "
            "(letters, digits and _, starting with a letter); SHOW CATALOGS lists them"
        )
    return name.lower()


def _port(env: Mapping[str, str], path: Path, configured: object) -> int:
    variable = env.get("TRINO_PORT")
    text = variable or str(configured)
    if not (text.isascii() and text.isdigit() and 0 < int(text) < 65536):
        raise MeshError(
            f"Trino port {text!r} is not a TCP port (1-65535); fix TRINO_PORT or connection.port in {path}"
        )
    return int(text)


def _groups(data: dict[str, Any], path: Path) -> dict[str, tuple[str, ...]]:
    groups = mapping(data.get("groups"), f"{path}: `groups`")
    result: dict[str, tuple[str, ...]] = {}
    for group, members in groups.items():
        if not isinstance(members, list) or not all(isinstance(m, str) and m for m in members):
            raise MeshError(f"{path}: groups.{group} must be a list of user names")
        for name in [group, *members]:
            _plain(name, f"{path}: groups.{group!r}")
        if any("," in m or ":" in m for m in [group, *members]):
            raise MeshError(f"{path}: groups.{group}: names may not contain ',' or ':' (group file syntax)")
        result[str(group)] = tuple(members)
    return result


# The workspace's cloud -> the storage its Unity Catalog tables live on (governance/trino/properties.py);
# `local` reads file:// tables (the local stand-in for Unity Catalog, scripts/ci/iceberg_rest.sh).
CLOUDS = ("aws", "azure", "gcp", "local")


def _cloud(section: dict[str, Any], path: Path) -> str:
    cloud = _text(section, "cloud", "aws", path, "databricks")
    if cloud not in CLOUDS:
        raise MeshError(f"{path}: `databricks.cloud` {cloud!r} is not one of {', '.join(CLOUDS)}")
    return cloud


TRINO_KEYS = ("connection", "jdbc", "databricks", "admin_group", "groups")
CONNECTION_KEYS = ("host", "port", "user", "http_scheme")
JDBC_KEYS = ("connection_url", "driver_class", "user_env", "password_env", "warehouse")


def load_trino_settings(config_file: Path | None = None, *, environment: bool = True) -> TrinoSettings:
    """trino.yml, with the TRINO_* variables over it (`environment=False`: the file alone, as a catalog
    page or a contract shows the configured Trino whoever exports it)."""
    env: Mapping[str, str] = os.environ if environment else {}
    # MESH_TRINO_CONFIG: another mesh's trino.yml (scripts/ci/trino.sh serving a test mesh).
    path = config_file or Path(os.environ.get("MESH_TRINO_CONFIG") or CONFIG_FILE)
    data = mapping(read_yaml(path), str(path), TRINO_KEYS)
    connection = mapping(data.get("connection"), f"{path}: `connection`", CONNECTION_KEYS)
    jdbc = mapping(data.get("jdbc"), f"{path}: `jdbc`", JDBC_KEYS)
    databricks = mapping(data.get("databricks"), f"{path}: `databricks`", ("host_env", "token_env", "cloud"))
    return TrinoSettings(
        host=_environ(env, "TRINO_HOST", _text(connection, "host", "localhost", path, "connection")),
        port=_port(env, path, connection.get("port", 8080)),
        user=_header(
            _environ(env, "TRINO_USER", _text(connection, "user", "analyst", path, "connection")),
            "the Trino user (TRINO_USER or connection.user)",
        ),
        http_scheme=_environ(
            env, "TRINO_HTTP_SCHEME", _text(connection, "http_scheme", "http", path, "connection")
        ),
        # As Trino sees them (they differ from the publisher's view under docker-compose).
        jdbc_url=_environ(
            env,
            "TRINO_JDBC_URL",
            _text(jdbc, "connection_url", "jdbc:postgresql://postgres:5432/iceberg", path, "jdbc"),
        ),
        jdbc_driver=_text(jdbc, "driver_class", "org.postgresql.Driver", path, "jdbc"),
        jdbc_user_env=_text(jdbc, "user_env", "MESH_CATALOG_USER", path, "jdbc"),
        jdbc_password_env=_text(jdbc, "password_env", "MESH_CATALOG_PASSWORD", path, "jdbc"),
        jdbc_warehouse=_environ(
            env, "TRINO_WAREHOUSE", _text(jdbc, "warehouse", "file:///warehouse", path, "jdbc")
        ),
        databricks_host_env=_text(databricks, "host_env", "DATABRICKS_HOST", path, "databricks"),
        databricks_token_env=_text(databricks, "token_env", "DATABRICKS_TOKEN", path, "databricks"),
        databricks_cloud=_cloud(databricks, path),
        admin_group=_text(data, "admin_group", "mesh-admins", path),
        groups=_groups(data, path),
        session_catalog=_session_catalog(env),
    )
