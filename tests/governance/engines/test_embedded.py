"""The embedded engine over the fixture mesh: DuckDB files and published Iceberg products, one session."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest

from governance.cli import main
from governance.engines.base import EngineError
from governance.engines.embedded import EmbeddedEngine
from governance.errors import ExitCode
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings, domain_catalog
from governance.iceberg.publisher import Publisher
from governance.project import Projects
from tests.governance.iceberg.mesh_fixture import BuiltMesh

pytestmark = pytest.mark.dbt

JOIN = """
select s.carrier_id, c.carrier_name, count(*) as shipments, sum(i.total_eur) as invoiced
from shipping.gold.fct_shipments as s
join shipping.gold.dim_carriers_v2 as c using (carrier_id)
left join billing.gold.fct_invoices as i using (shipment_id)
group by all order by 1
"""


@pytest.fixture(scope="module")
def published(mesh: BuiltMesh, tmp_path_factory: pytest.TempPathFactory) -> CatalogSettings:
    base = tmp_path_factory.mktemp("published")
    settings = CatalogSettings(
        "mesh",
        f"sqlite:///{base / 'catalog.db'}",
        (base / "lake").as_uri(),
        "bot",
        500,
        32 * 1024,
        mesh.warehouse,
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


def duckdb_answer(mesh: BuiltMesh, sql: str) -> list[tuple[object, ...]]:
    """The same query straight on the domains' DuckDB files: what the Iceberg path must reproduce."""
    with duckdb.connect() as connection:
        for name in ("shipping", "billing"):
            connection.execute(f"ATTACH '{mesh.warehouse / name}.duckdb' AS {name} (READ_ONLY)")
        return connection.execute(sql).fetchall()


def test_external_products_resolve_to_iceberg_under_their_mesh_names(engine: EmbeddedEngine) -> None:
    assert isinstance(engine.attached["billing"], Path)  # a DuckDB file
    assert str(engine.attached["shipping"]).startswith("iceberg catalog mesh (3 product(s))")
    views = engine.execute(
        "select table_catalog, table_schema, table_name from information_schema.tables "
        "where table_catalog = 'shipping' order by 3"
    ).rows
    assert views == [
        ("shipping", "gold", "dim_carriers_v1"),
        ("shipping", "gold", "dim_carriers_v2"),
        ("shipping", "gold", "fct_shipments"),
    ]
    assert engine.notes == []


def test_cross_domain_join_equals_the_duckdb_answer(mesh: BuiltMesh, engine: EmbeddedEngine) -> None:
    result = engine.execute(JOIN)
    assert result.columns == ["carrier_id", "carrier_name", "shipments", "invoiced"]
    assert result.rows == duckdb_answer(mesh, JOIN)
    assert [row[1] for row in result.rows] == ["Post'NL", "Dëutsche Post", "La Poste"]


def test_every_iceberg_row_equals_the_gold_row(mesh: BuiltMesh, engine: EmbeddedEngine) -> None:
    sql = "select * from shipping.gold.fct_shipments order by shipment_id"
    assert engine.execute(sql).rows == duckdb_answer(mesh, sql)


def test_silver_models_of_external_domains_are_not_exposed(engine: EmbeddedEngine) -> None:
    with pytest.raises(EngineError, match="int_legs"):
        engine.execute("select * from shipping.silver.int_legs")


def test_malformed_sql_is_the_engines_error_exit_1(engine: EmbeddedEngine) -> None:
    with pytest.raises(EngineError) as error:
        engine.execute("selec * from shipping.gold.fct_shipments")
    assert error.value.code is ExitCode.FAILED
    assert str(error.value).startswith("duckdb: Parser Error: syntax error")


def test_unpublished_external_domain_is_a_note(mesh: BuiltMesh, tmp_path: Path) -> None:
    empty = CatalogSettings(
        "mesh", f"sqlite:///{tmp_path / 'none.db'}", tmp_path.as_uri(), "bot", 1, 1, mesh.warehouse
    )
    engine = EmbeddedEngine(Projects.discover(mesh.root), empty)
    assert any("run `mesh publish` first" in note for note in engine.notes)
    assert engine.execute("select count(*) from billing.gold.fct_invoices").rows == [(800,)]
    engine.close()


@pytest.fixture
def cli_env(mesh: BuiltMesh, published: CatalogSettings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MESH_ROOT", str(mesh.root))
    monkeypatch.setenv("MESH_DATA_DIR", str(mesh.warehouse.parent))
    monkeypatch.setenv("MESH_CATALOG_URI", published.uri)
    monkeypatch.setenv("MESH_WAREHOUSE", published.warehouse)


def test_cli_prints_csv(cli_env: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        main(
            [
                "query",
                "select carrier_id, carrier_name from shipping.gold.dim_carriers_v1 order by 1",
                "--format",
                "csv",
            ]
        )
        == 0
    )
    out, err = capsys.readouterr()
    assert out.splitlines() == [  # the rows alone: what the query governs is on stderr
        "carrier_id,carrier_name",
        "10,Post'NL",
        "11,Dëutsche Post",
        "12,La Poste",
    ]
    assert err.splitlines()[0] == "governing 3 projects (2 domains + hub), 4 products"


def test_cli_malformed_sql_exits_1_without_traceback(
    cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["query", "select from where"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error: duckdb: Parser Error")
    assert "Traceback" not in err
