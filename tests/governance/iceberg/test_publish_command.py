"""`mesh publish` end to end on the fixture mesh: exit codes and one-line errors."""

from __future__ import annotations

import shutil
import socket
from pathlib import Path

import pytest

from governance.cli import main
from tests.governance.iceberg.mesh_fixture import BuiltMesh

pytestmark = pytest.mark.dbt


@pytest.fixture
def env(mesh: BuiltMesh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MESH_ROOT", str(mesh.root))
    monkeypatch.setenv("MESH_DATA_DIR", str(mesh.warehouse.parent))
    monkeypatch.setenv("MESH_CATALOG_URI", f"sqlite:///{tmp_path / 'catalog.db'}")
    monkeypatch.setenv("MESH_WAREHOUSE", (tmp_path / "lake").as_uri())
    monkeypatch.delenv("MESH_CATALOG_PASSWORD", raising=False)
    return tmp_path


def test_publishes_every_external_product(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish"]) == 0
    err = capsys.readouterr().err
    assert "published 3 of 3 product(s) to catalog mesh" in err
    assert [p.name for p in (env / "lake" / "shipping" / "gold").glob("fct_shipments-*/metadata")] == [
        "metadata"
    ]
    assert not (env / "lake" / "billing").exists()  # Databricks domains are not published here


def test_a_databricks_domain_is_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", "--domain", "billing"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: domain 'billing' runs on databricks")
    assert "Traceback" not in err and len(err.splitlines()) == 1


def test_unknown_domain_is_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["publish", "--domain", "nope"]) == 2
    assert "unknown domain 'nope'" in capsys.readouterr().err


def test_unreachable_catalog_is_exit_2_and_writes_nothing(
    env: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("MESH_CATALOG_URI", f"postgresql+psycopg://mesh@127.0.0.1:{port}/iceberg")
    monkeypatch.setenv("MESH_CATALOG_PASSWORD", "hunter2")
    assert main(["publish"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: catalog database postgresql+psycopg://mesh:***@127.0.0.1")
    assert "hunter2" not in err and "Traceback" not in err
    assert not (env / "lake").exists()


def test_a_catalog_that_outlived_its_warehouse_is_published_again(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["publish"]) == 0
    shutil.rmtree(env / "lake")
    capsys.readouterr()
    assert main(["publish"]) == 0
    err = capsys.readouterr().err
    assert "published 3 of 3 product(s)" in err
    assert "re-created" in err and "metadata file" in err
    assert [p.name for p in (env / "lake" / "shipping" / "gold").glob("fct_shipments-*/metadata")] == [
        "metadata"
    ]
