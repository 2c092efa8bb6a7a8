"""Where the health history lives: health.yml (mesh.yml `files.health`), decoded strictly; the warehouse
table chosen by it is the store `mesh health` reads (PostgreSQL, marker `postgres`)."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.cli import main
from governance.errors import MeshError
from governance.health.backends import open_store
from governance.health.settings import load_health_settings
from governance.health.store import HealthStore
from governance.health.warehouse import WarehouseHealthStore
from tests.governance.health.stores import Backend
from tests.governance.health.test_causes import late_orders
from tests.governance.iceberg.conftest import pg_uri


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mesh"
    root.mkdir()
    (root / "mesh.yml").write_text("projects: {include: ['domains/*']}\nfiles: {health: health.yml}\n")
    monkeypatch.setenv("MESH_ROOT", str(root))
    monkeypatch.setenv("MESH_DATA_DIR", str(tmp_path / "data"))
    for name in ("MESH_HEALTH_CONFIG", "MESH_HEALTH_STORE_URI", "MESH_HEALTH_STORE_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    return root


def health_yml(root: Path, text: str) -> None:
    (root / "health.yml").write_text(text)


def test_the_default_is_the_embedded_store_under_the_data_folder(tmp_path: Path, root: Path) -> None:
    (root / "mesh.yml").write_text("projects: {include: ['domains/*']}\n")  # no files.health: the package's
    settings = load_health_settings(root)
    assert settings.uri is None and settings.retention_days == 180
    store = open_store(root, tmp_path / "data", create=True)
    assert type(store) is HealthStore and store.path == tmp_path / "data" / "health" / "health.duckdb"
    store.close()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("store: {kind: duckdb, tabel: x}\n", "unknown key `tabel` under `store`; did you mean `table`?"),
        ("retention: 30\n", "unknown key `retention`; did you mean `retention_days`?"),
        ("store: {kind: lake}\n", "store.kind"),
        ("store: {kind: warehouse}\n", "store.uri is not set; set it"),
        ("store: {kind: duckdb, uri: 'postgresql+psycopg://h/db'}\n", "but store.kind is duckdb"),
        ("store: {kind: warehouse, uri: 'sqlite:///x.db'}\n", "is a sqlite database; the warehouse store"),
        ("store: {kind: warehouse, uri: 'nonsense'}\n", "is not a database URI"),
        ("store: {kind: warehouse, uri: 'postgresql+psycopg://h/db', table: 'Drop Table'}\n", "schema.table"),
        ("store: {kind: warehouse, uri: 'postgresql+psycopg://h/db', table: observations}\n", "schema.table"),
        ("retention_days: 0\n", "retention_days must be a positive number of days"),
    ],
)  # fmt: skip
def test_bad_settings_are_one_line_naming_the_file(root: Path, text: str, message: str) -> None:
    health_yml(root, text)
    with pytest.raises(MeshError, match=r"health\.yml: ") as raised:
        load_health_settings(root)
    assert message in str(raised.value) and "\n" not in str(raised.value)


def test_the_uri_and_password_come_from_the_environment_and_are_never_shown(
    root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    health_yml(root, "store: {kind: warehouse, uri: 'postgresql+psycopg://mesh@db.example:5432/lake'}\n")
    monkeypatch.setenv("MESH_HEALTH_STORE_PASSWORD", "s3cret-pass")
    settings = load_health_settings(root)
    assert settings.uri is not None and "s3cret-pass" in settings.uri
    assert (settings.schema, settings.table) == ("mesh_health", "observations")
    assert "s3cret-pass" not in settings.display and "db.example" in settings.display
    monkeypatch.setenv("MESH_HEALTH_STORE_URI", "postgresql+psycopg://other@db2.example/health")
    assert "db2.example" in load_health_settings(root).display


def test_an_unreachable_warehouse_store_is_one_line_exit_2(
    root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    health_yml(
        root, "store: {kind: warehouse, uri: 'postgresql+psycopg://mesh:pw-secret@127.0.0.1:1/none'}\n"
    )
    assert main(["health"]) == 2
    err = capsys.readouterr().err
    assert (
        "health store postgresql+psycopg://mesh:***@127.0.0.1:1/none table mesh_health.observations " in err
    )
    assert "unreachable" in err and "pw-secret" not in err and "Traceback" not in err


@pytest.mark.postgres
def test_mesh_health_reads_the_warehouse_table_health_yml_names(
    root: Path, warehouse: Backend, capsys: pytest.CaptureFixture[str]
) -> None:
    assert warehouse.settings is not None
    health_yml(
        root,
        f"store: {{kind: warehouse, uri: '{pg_uri()}', table: {warehouse.settings.schema}.observations}}\n"
        "retention_days: 30\n",
    )
    store = open_store(root, root / "unused", create=True)
    assert isinstance(store, WarehouseHealthStore) and store.retention_days == 30
    store.append(late_orders())
    store.close()
    assert main(["health", "--at", "2026-03-02T06:00:00+00:00", "--domain", "orders"]) == 1
    out = capsys.readouterr().out
    assert "stale: last loaded 60 h ago; the SLA is 24 h" in out
    assert not (root / "unused").exists()  # nothing written under the data folder
