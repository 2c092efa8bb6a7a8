"""publish.yml: paths resolve against the root, secrets come from the environment, bad values fail."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.errors import MeshError
from governance.iceberg.config import CONFIG_FILE, CatalogSettings, load_catalog_settings, redact_uri


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "publish.yml"
    path.write_text(text, encoding="utf-8")
    return path


def test_shipped_config_resolves_against_the_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("MESH_CATALOG_URI", "MESH_CATALOG_PASSWORD", "MESH_WAREHOUSE", "MESH_DATA_DIR"):
        monkeypatch.delenv(name, raising=False)
    settings = load_catalog_settings(tmp_path, CONFIG_FILE)
    assert settings.name == "mesh"
    assert settings.uri == f"sqlite:///{tmp_path}/data/iceberg/catalog.db"
    assert settings.warehouse == (tmp_path / "data" / "iceberg" / "warehouse").as_uri()
    assert settings.duckdb_path("shipping") == tmp_path / "data" / "warehouse" / "shipping.duckdb"


def test_password_comes_from_the_environment_and_is_never_displayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESH_CATALOG_URI", "postgresql+psycopg://mesh@db.internal:5432/iceberg")
    monkeypatch.setenv("MESH_CATALOG_PASSWORD", "p@ss:w/rd")
    monkeypatch.setenv("MESH_WAREHOUSE", "s3://lake/warehouse/")
    settings = load_catalog_settings(tmp_path, CONFIG_FILE)
    assert "p%40ss%3Aw%2Frd" in settings.uri  # URL-encoded into the connection URI
    assert "p@ss" not in settings.display_uri and "***" in settings.display_uri
    assert settings.warehouse == "s3://lake/warehouse"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("catalog: [1, 2]\n", "expected a mapping, got a list at `catalog`"),
        ("catalog: {name: Mesh}\n", "lower-case"),
        ("catalog: {uri: 'not a uri', warehouse: w}\n", "is not a database URI"),
        (
            "catalog: {uri: 'sqlite:///c.db', warehouse: w}\npublisher: {batch_rows: 0}\n",
            "expected a whole number >= 1 at `publisher.batch_rows`",
        ),
        ("catalog: {uri: 'sqlite:///x.db'\n", "invalid YAML"),
    ],
)
def test_bad_values_are_one_line_naming_the_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, text: str, message: str
) -> None:
    monkeypatch.delenv("MESH_CATALOG_URI", raising=False)
    monkeypatch.delenv("MESH_WAREHOUSE", raising=False)
    path = write(tmp_path, text)
    with pytest.raises(MeshError, match=message) as error:
        load_catalog_settings(tmp_path, path)
    assert str(path) in str(error.value)


def test_redaction_of_unparseable_uri() -> None:
    assert redact_uri("::::") == "<unparseable catalog URI>"


@pytest.mark.parametrize(
    "uri",
    [
        "postgresql+psycopg://mesh:s3cret@db:notaport/iceberg",
        "postgresql+psycopg://mesh:s3cret@[::1/iceberg",
        "postgresql+nosuchdriver://mesh:s3cret@db/iceberg",
        "mysql://mesh:s3cret@db/iceberg",
        "oracle://mesh:s3cret@db/iceberg",
        "sqlite:///catalog\n.db",
        "postgresql+psycopg://mesh:s3cret@db:99999/iceberg",
    ],
)
def test_a_malformed_catalog_uri_is_one_line_without_the_password(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, uri: str
) -> None:
    monkeypatch.setenv("MESH_CATALOG_URI", uri)
    with pytest.raises(MeshError) as error:
        load_catalog_settings(tmp_path, CONFIG_FILE)
    message = str(error.value)
    assert "\n" not in message and "s3cret" not in message
    assert "catalog.uri" in message and error.value.code == 2


def test_a_catalogs_tag_names_its_database_and_name_only(tmp_path: Path) -> None:
    def tag(uri: str, name: str = "mesh") -> str:
        return CatalogSettings(name, uri, "file:///w", "me", 1, 1, tmp_path).tag

    pg = "postgresql+psycopg://mesh:pw@db.example.com:5432/iceberg"
    assert tag(pg) == tag("postgresql+psycopg://other:secret@DB.example.com:5432/iceberg?connect_timeout=3")
    assert tag(f"sqlite:///{tmp_path}/a.db") == tag(f"sqlite:///{tmp_path}/x/../a.db")
    different = {
        tag(pg), tag(pg, "mesh_dev"), tag(pg.replace("/iceberg", "/other")),
        tag(f"{pg}?options=-csearch_path%3Dteam"), tag(f"sqlite:///{tmp_path}/a.db"),
    }  # fmt: skip
    assert len(different) == 5
