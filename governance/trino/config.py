"""Settings for Trino (`governance/trino.yml`): connection defaults, catalogs, groups."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal

import msgspec

from governance.errors import MeshError
from governance.settings import decode_yaml

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


def _groups(found: TrinoFile, path: Path) -> dict[str, tuple[str, ...]]:
    result: dict[str, tuple[str, ...]] = {}
    for group, members in (found.groups or {}).items():
        for name in [group, *members]:
            _plain(name, f"{path}: groups.{group!r}")
        if any("," in m or ":" in m for m in [group, *members]):
            raise MeshError(f"{path}: groups.{group}: names may not contain ',' or ':' (group file syntax)")
        result[group] = tuple(members)
    return result


# The workspace's cloud -> the storage its Unity Catalog tables live on (governance/trino/properties.py);
# `local` reads file:// tables (the local stand-in for Unity Catalog, scripts/ci/iceberg_rest.sh).
Cloud = Literal["aws", "azure", "gcp", "local"]
Text = Annotated[str, msgspec.Meta(min_length=1)]


class ConnectionFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    host: Text = "localhost"
    port: int | str = 8080
    user: Text = "analyst"
    http_scheme: Text = "http"


class JdbcFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """As Trino sees the catalog database (it differs from the publisher's view under docker-compose)."""

    connection_url: Text = "jdbc:postgresql://postgres:5432/iceberg"
    driver_class: Text = "org.postgresql.Driver"
    user_env: Text = "MESH_CATALOG_USER"
    password_env: Text = "MESH_CATALOG_PASSWORD"
    warehouse: Text = "file:///warehouse"


class DatabricksFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    host_env: Text = "DATABRICKS_HOST"
    token_env: Text = "DATABRICKS_TOKEN"
    cloud: Cloud = "aws"


class TrinoFile(msgspec.Struct, forbid_unknown_fields=True, kw_only=True, frozen=True):
    """trino.yml as written: every key typed, an unknown one refused naming the closest known key."""

    connection: ConnectionFile | None = None
    jdbc: JdbcFile | None = None
    databricks: DatabricksFile | None = None
    admin_group: Text = "mesh-admins"
    groups: dict[str, list[Text]] | None = None


def load_trino_settings(config_file: Path | None = None, *, environment: bool = True) -> TrinoSettings:
    """trino.yml, with the TRINO_* variables over it (`environment=False`: the file alone, as a catalog
    page or a contract shows the configured Trino whoever exports it)."""
    env: Mapping[str, str] = os.environ if environment else {}
    # MESH_TRINO_CONFIG: another mesh's trino.yml (scripts/ci/trino.sh serving a test mesh).
    path = config_file or Path(os.environ.get("MESH_TRINO_CONFIG") or CONFIG_FILE)
    found = decode_yaml(path, TrinoFile)
    connection = found.connection or ConnectionFile()
    jdbc = found.jdbc or JdbcFile()
    databricks = found.databricks or DatabricksFile()
    text = {  # every configured string: none may add a line to a generated properties or group file
        f"connection.{k}": v for k, v in msgspec.structs.asdict(connection).items() if isinstance(v, str)
    }
    text |= {f"jdbc.{k}": v for k, v in msgspec.structs.asdict(jdbc).items()}
    text |= {f"databricks.{k}": v for k, v in msgspec.structs.asdict(databricks).items()}
    text["admin_group"] = found.admin_group
    for name, value in text.items():
        _plain(value, f"{path}: `{name}`")
    return TrinoSettings(
        host=_environ(env, "TRINO_HOST", connection.host),
        port=_port(env, path, connection.port),
        user=_header(
            _environ(env, "TRINO_USER", connection.user), "the Trino user (TRINO_USER or connection.user)"
        ),
        http_scheme=_environ(env, "TRINO_HTTP_SCHEME", connection.http_scheme),
        jdbc_url=_environ(env, "TRINO_JDBC_URL", jdbc.connection_url),
        jdbc_driver=jdbc.driver_class,
        jdbc_user_env=jdbc.user_env,
        jdbc_password_env=jdbc.password_env,
        jdbc_warehouse=_environ(env, "TRINO_WAREHOUSE", jdbc.warehouse),
        databricks_host_env=databricks.host_env,
        databricks_token_env=databricks.token_env,
        databricks_cloud=databricks.cloud,
        admin_group=found.admin_group,
        groups=_groups(found, path),
        session_catalog=_session_catalog(env),
    )
