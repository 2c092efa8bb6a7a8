"""The embedded engine's promise: one read-only query per call, no file read or written outside the mesh.

Every attempt below was tried against the engine as it shipped: writes through COPY, reads of any
file, a detach and read-write re-attach followed by DROP, several statements in one call.
Each must be refused with one line and leave the domain files byte-identical.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.cli import main
from governance.engines.base import EngineError
from governance.engines.embedded import EmbeddedEngine
from governance.errors import MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings, domain_catalog
from governance.iceberg.publisher import Publisher
from governance.project import Projects
from tests.governance.iceberg.mesh_fixture import BuiltMesh

pytestmark = pytest.mark.dbt


@pytest.fixture(scope="module")
def published(mesh: BuiltMesh, tmp_path_factory: pytest.TempPathFactory) -> CatalogSettings:
    base = tmp_path_factory.mktemp("sandbox")
    warehouse = base / "warehouse"  # a copy: the attacks must not reach the session's shared fixture
    shutil.copytree(mesh.warehouse, warehouse)
    settings = CatalogSettings(
        "mesh", f"sqlite:///{base / 'catalog.db'}", (base / "lake").as_uri(), "bot", 500, 32 * 1024, warehouse
    )
    domain = domain_catalog(settings, "shipping")  # the domain's own Iceberg catalog, as `mesh publish` does
    publisher = Publisher(open_catalog(domain), domain)
    for model in mesh.mesh.domains["shipping"].products:
        publisher.publish(model)
    return settings


@pytest.fixture
def engine(mesh: BuiltMesh, published: CatalogSettings) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(Projects.discover(mesh.root), published)
    yield engine
    engine.close()


def _digests(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def attacks(secret: Path, out: Path, billing: Path) -> list[str]:
    return [
        f"COPY (select 1 as x) TO '{out}'",
        f"select * from read_csv('{secret}')",
        f"select * from read_text('{secret}')",
        f"select * from read_blob('{secret}')",
        f"select * from read_parquet('{secret}')",
        f"select * from '{secret}'",
        "select * from glob('/etc/*')",
        "select getenv('HOME')",
        "DETACH billing",
        f"DETACH billing; ATTACH '{billing}' AS billing; DROP TABLE billing.gold.fct_invoices",
        "select 1; select 2",
        "select 1; DROP TABLE billing.gold.fct_invoices",
        "DROP TABLE billing.gold.fct_invoices",
        "DELETE FROM billing.gold.fct_invoices",
        "CREATE TABLE t AS select 1",
        "CREATE VIEW shipping.gold.fct_shipments_2 AS select 1",
        "SET enable_external_access = true",
        "RESET enable_external_access",
        "SET lock_configuration = false",
        "PRAGMA enable_profiling",
        "INSTALL httpfs",
        "LOAD httpfs",
        f"EXPORT DATABASE '{out.parent / 'export'}'",
        f"ATTACH '{out}.duckdb' AS scratch",
        "CALL pragma_version()",
        f"EXPLAIN ANALYZE COPY (select 1) TO '{out}'",
        f"select * from query('COPY (select 1) TO ''{out}''')",
        f"select * from query_table('{secret}')",
        "USE billing",
        "CHECKPOINT",
        "VACUUM",
        "BEGIN TRANSACTION",
        "SET VARIABLE x = 1",
        "CREATE SECRET s (TYPE s3, KEY_ID 'x', SECRET 'y')",
    ]


def test_every_attack_is_refused_and_nothing_changes(
    engine: EmbeddedEngine, mesh: BuiltMesh, published: CatalogSettings, tmp_path: Path
) -> None:
    secret = tmp_path / "secret.csv"
    secret.write_text("token\ns3cr3t-canary\n")
    out = tmp_path / "stolen.csv"
    billing = published.duckdb_path("billing")
    lake = Path(published.warehouse.removeprefix("file://"))
    before = (_digests(published.source_dir), _digests(lake))
    accepted = []
    for sql in attacks(secret, out, billing):
        try:
            result = engine.execute(sql)
        except MeshError as error:
            assert "\n" not in str(error), sql
            assert "s3cr3t-canary" not in str(error), sql
            continue
        accepted.append(f"{sql} -> {result.rows[:2]}")
    assert accepted == []
    assert not out.exists() and not (tmp_path / "export").exists() and not Path(f"{out}.duckdb").exists()
    assert (_digests(published.source_dir), _digests(lake)) == before
    # and the engine still answers queries over both kinds of domain
    assert engine.execute("select count(*) from billing.gold.fct_invoices").rows == [(800,)]
    assert engine.execute("select count(*) > 0 from shipping.gold.fct_shipments").rows == [(True,)]


@pytest.mark.parametrize(
    "sql",
    [
        "DROP TABLE billing.gold.fct_invoices",
        "select 1; select 2",
        "COPY (select 1) TO '{out}'",
    ],
)
def test_a_non_query_is_refused_in_one_line(engine: EmbeddedEngine, sql: str, tmp_path: Path) -> None:
    with pytest.raises(MeshError) as error:
        engine.execute(sql.format(out=tmp_path / "x.csv"))
    message = str(error.value)
    assert "\n" not in message
    assert "one read-only query" in message


def test_queries_still_work(engine: EmbeddedEngine) -> None:
    assert engine.execute("with x as (select 1 as a) select a from x").rows == [(1,)]
    assert engine.execute("select 1 union all select 2").rows == [(1,), (2,)]
    assert engine.execute("describe billing.gold.fct_invoices").rows
    assert engine.execute("from billing.gold.fct_invoices limit 1").rows
    with pytest.raises(EngineError):
        engine.execute("select * from nowhere.gold.nothing")


@pytest.fixture
def cli_env(mesh: BuiltMesh, published: CatalogSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_ROOT", str(mesh.root))
    monkeypatch.setenv("MESH_DATA_DIR", str(mesh.warehouse.parent))
    monkeypatch.setenv("MESH_CATALOG_URI", published.uri)
    monkeypatch.setenv("MESH_WAREHOUSE", published.warehouse)


def test_cli_refuses_a_write_in_one_line(
    cli_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    assert main(["query", f"COPY (select 1) TO '{out}'"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and err.startswith("error: ")
    assert not out.exists()


@pytest.mark.parametrize("damage", ["delete metadata", "truncate metadata", "delete manifests"])
def test_a_damaged_catalog_is_a_note_not_a_traceback(
    mesh: BuiltMesh,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    damage: str,
) -> None:
    settings = CatalogSettings(
        "mesh",
        f"sqlite:///{tmp_path / 'catalog.db'}",
        (tmp_path / "lake").as_uri(),
        "bot",
        500,
        32 * 1024,
        mesh.warehouse,
    )
    domain = domain_catalog(settings, "shipping")  # the domain's own Iceberg catalog, as `mesh publish` does
    publisher = Publisher(open_catalog(domain), domain)
    published = {m.name: publisher.publish(m) for m in mesh.mesh.domains["shipping"].products}
    broken = Path(published["fct_shipments"].metadata_location.removeprefix("file://"))
    if damage == "delete metadata":
        broken.unlink()
    elif damage == "truncate metadata":
        broken.write_text('{"format-version": 2')
    else:
        for manifest in (broken.parent).glob("*.avro"):
            manifest.unlink()
    monkeypatch.setenv("MESH_ROOT", str(mesh.root))
    monkeypatch.setenv("MESH_DATA_DIR", str(mesh.warehouse.parent))
    monkeypatch.setenv("MESH_CATALOG_URI", settings.uri)
    monkeypatch.setenv("MESH_WAREHOUSE", settings.warehouse)

    assert main(["query", "select count(*) from shipping.gold.dim_carriers_v1", "--format", "csv"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines() == ["count_star()", "3"]
    assert "shipping.gold.fct_shipments" in captured.err and "Traceback" not in captured.err

    assert main(["query", "select count(*) from shipping.gold.fct_shipments"]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "fct_shipments" in errors[0]
