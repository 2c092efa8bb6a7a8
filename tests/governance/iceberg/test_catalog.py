"""Opening the catalog database: unreachable hosts and wrong credentials are one clear line, exit 2."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import CatalogUnreachableError, open_catalog
from tests.governance.iceberg.conftest import make_settings, pg_uri, require_postgres


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_unreachable_database_is_bad_input_without_the_password(tmp_path: Path) -> None:
    uri = f"postgresql+psycopg://mesh:s3cret-token@127.0.0.1:{closed_port()}/iceberg"
    with pytest.raises(CatalogUnreachableError) as error:
        open_catalog(make_settings(tmp_path, uri, tmp_path))
    message = str(error.value)
    assert error.value.code is ExitCode.BAD_INPUT
    assert "s3cret-token" not in message
    assert "***" in message and "unreachable" in message and "MESH_CATALOG_URI" in message
    assert "\n" not in message


@pytest.mark.postgres
def test_wrong_credentials_are_bad_input_without_the_password(tmp_path: Path) -> None:
    require_postgres()
    from sqlalchemy.engine import make_url

    wrong = make_url(pg_uri()).set(password="not-the-password").render_as_string(hide_password=False)
    with pytest.raises(CatalogUnreachableError) as error:
        open_catalog(make_settings(tmp_path, wrong, tmp_path))
    assert error.value.code is ExitCode.BAD_INPUT
    assert "not-the-password" not in str(error.value)
    assert "password authentication failed" in str(error.value)


def test_reading_a_catalog_that_was_never_created_says_to_publish(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'absent.db'}", tmp_path)
    with pytest.raises(MeshError, match="run `mesh publish` first"):
        open_catalog(settings, create=False)
    assert not (tmp_path / "absent.db").exists()


def test_creating_a_sqlite_catalog_makes_its_folder(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'data' / 'iceberg' / 'catalog.db'}", tmp_path)
    catalog = open_catalog(settings)
    assert catalog.list_namespaces() == []
    assert (tmp_path / "data" / "iceberg" / "catalog.db").is_file()
