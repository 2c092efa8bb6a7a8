"""The repository's mesh on a real Trino 476 (scripts/ci/trino.sh, `make test-trino`), configured with
`mesh trino-config` output as generated, reading what `mesh publish` wrote to PostgreSQL.

Needs the mesh built (`make test-dbt`); publishes its external products itself. Under CI a missing
Trino is a failure, elsewhere a skip naming `make trino`.
"""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from collections.abc import Iterator

import orjson
import pytest

from governance.cli import main
from governance.engines.base import EngineError
from governance.engines.embedded import EmbeddedEngine
from governance.iceberg.config import CatalogSettings, load_catalog_settings
from governance.loader import load_mesh
from governance.model import MeshModel
from governance.project import Projects
from governance.trino.config import TrinoSettings, load_trino_settings
from governance.trino.names import TrinoTable, trino_table
from governance.trino.rules import ProductAccess, RulesBuilder, external_domains
from tests.governance.iceberg.conftest import pg_uri
from tests.governance.trino.live import REPO, TrinoServer, default_state_dir, jdbc_url_of, missing, read_state

pytestmark = pytest.mark.trino

NOBODY = "nobody-in-no-group"


@pytest.fixture(scope="module")
def server() -> TrinoServer:
    found = read_state(default_state_dir())
    if found is None:
        missing(f"no Trino recorded in {default_state_dir() / 'trino.env'} answers")
    assert found is not None
    return found


@pytest.fixture(scope="module")
def catalog_uri(server: TrinoServer) -> str:
    uri = os.environ.get("MESH_CATALOG_URI") or pg_uri()
    if jdbc_url_of(uri) != server.jdbc_url:
        pytest.fail(
            f"Trino reads {server.jdbc_url}, the tests would publish to {jdbc_url_of(uri)}: restart it"
        )
    return uri


@pytest.fixture(scope="module")
def mesh() -> MeshModel:
    return load_mesh(REPO)


@pytest.fixture(scope="module")
def settings() -> TrinoSettings:
    return load_trino_settings()


@pytest.fixture(scope="module")
def published(server: TrinoServer, catalog_uri: str, mesh: MeshModel) -> CatalogSettings:
    """`mesh publish` of the built mesh into the catalog database and warehouse Trino reads."""
    env = {**os.environ, "MESH_CATALOG_URI": catalog_uri, "MESH_WAREHOUSE": server.warehouse}
    done = subprocess.run(
        [sys.executable, "-m", "governance", "publish"],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert external_domains(mesh), "the mesh has no external domain: nothing reaches Trino's JDBC catalog"
    return dataclasses.replace(load_catalog_settings(REPO), uri=catalog_uri, warehouse=server.warehouse)


@pytest.fixture(scope="module")
def embedded(published: CatalogSettings) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(Projects.discover(REPO), published)
    yield engine
    engine.close()


def external_products(
    mesh: MeshModel, settings: TrinoSettings
) -> list[tuple[TrinoTable, str, ProductAccess]]:
    """(Trino table, embedded-engine name, who may read it) of every product in the external catalog."""
    access = {str(p.table): p for p in RulesBuilder(mesh, settings, "mesh-publisher").products}
    products = []
    for domain in external_domains(mesh):
        for model in domain.products:
            table = trino_table(model, domain, settings)
            products.append((table, f"{domain.name}.{model.schema}.{model.alias}", access[str(table)]))
    return products


def readers(product: ProductAccess) -> list[str]:
    return sorted({*product.readers, *product.cleared, *([product.owner] if product.owner else [])})


def member(settings: TrinoSettings, group: str) -> str:
    members = settings.groups.get(group)
    assert members, f"group {group} has no members in governance/trino.yml"
    return members[0]


def test_every_published_product_is_readable_by_every_group_granted_it(
    server: TrinoServer, settings: TrinoSettings, mesh: MeshModel, embedded: EmbeddedEngine
) -> None:
    products = external_products(mesh, settings)
    assert products
    for table, mesh_name, product in products:
        (expected,) = embedded.execute(f"SELECT count(*) FROM {mesh_name}").rows
        for group in readers(product):
            engine = server.engine(settings, member(settings, group))
            try:
                (count,) = engine.execute(f"SELECT count(*) FROM {table}").rows
            finally:
                engine.close()
            assert count == expected, f"{group} reads {count} rows of {table}, the mesh has {expected}"


def test_products_carry_their_description_as_table_comment(
    server: TrinoServer, settings: TrinoSettings, mesh: MeshModel, published: CatalogSettings
) -> None:
    engine = server.engine(settings, member(settings, settings.admin_group))
    try:
        for domain in external_domains(mesh):
            for model in domain.products:
                rows = engine.execute(
                    "SELECT table_name, comment FROM system.metadata.table_comments "
                    f"WHERE catalog_name = '{domain.name}' AND schema_name = '{model.schema}'"
                ).rows
                comments = dict(rows)
                assert any(c == model.description for c in comments.values()), model.name
    finally:
        engine.close()


def test_a_user_in_no_group_sees_nothing(
    server: TrinoServer, settings: TrinoSettings, mesh: MeshModel, published: CatalogSettings
) -> None:
    engine = server.engine(settings, NOBODY)
    try:
        catalogs = {row[0] for row in engine.execute("SHOW CATALOGS").rows}
        assert not catalogs & {d.name for d in external_domains(mesh)}
        table, _, _ = external_products(mesh, settings)[0]
        with pytest.raises(EngineError, match="Access Denied"):
            engine.execute(f"SELECT count(*) FROM {table}")
    finally:
        engine.close()


def test_the_owning_group_writes_its_own_catalog_only(
    server: TrinoServer, settings: TrinoSettings, mesh: MeshModel, published: CatalogSettings
) -> None:
    """Each external domain has its own catalog, named after it. Its owning group builds there on Trino
    (the domain declares the `trino` target; `mesh trino-config` then lets it create, write and drop in
    its catalog); a reader writes nothing, and nobody but the admins writes another domain's catalog."""
    owned, _, product = external_products(mesh, settings)[0]
    owner_group = product.owner
    assert owner_group
    admin = server.engine(settings, member(settings, settings.admin_group))
    owner = server.engine(settings, member(settings, owner_group))
    reader_group = next(g for g in product.readers if g != owner_group)
    reader = server.engine(settings, member(settings, reader_group))
    catalog = owned.catalog  # the domain's own catalog
    others = sorted(
        {p.table.catalog for p in RulesBuilder(mesh, settings, "mesh-publisher").products} - {catalog}
    )
    assert others, "no other domain's catalog to try"
    scratch = f"{catalog}.{owned.schema}.trino_owner_check"
    try:
        admin.execute(f"DROP TABLE IF EXISTS {scratch}")
        owner.execute(f"CREATE TABLE {scratch} AS SELECT 1 AS x")
        with pytest.raises(EngineError, match="Access Denied"):
            reader.execute(f"INSERT INTO {scratch} VALUES (2)")
        owner.execute(f"DROP TABLE {scratch}")
        for other in others:  # denied, or not even visible to the owner
            with pytest.raises(EngineError, match=r"Access Denied|CATALOG_NOT_FOUND"):
                owner.execute(f"CREATE TABLE {other}.{owned.schema}.trino_owner_check AS SELECT 1 AS x")
        for write in (  # a reader never writes a product
            f"INSERT INTO {owned} SELECT * FROM {owned} LIMIT 1",
            f"DELETE FROM {owned}",
            f"ALTER TABLE {owned} ADD COLUMN trino_owner_check varchar",
            f"DROP TABLE {owned}",
            f"DROP SCHEMA {catalog}.{owned.schema} CASCADE",
        ):
            with pytest.raises(EngineError, match="Access Denied"):
                reader.execute(write)
    finally:
        admin.execute(f"DROP TABLE IF EXISTS {scratch}")
        for engine in (admin, owner, reader):
            engine.close()


def demo_query(tables: dict[str, str]) -> str:
    """The README's demo query over the published (external) products only."""
    return (
        "select c.carrier_name, count(*) as shipments, round(avg(s.transit_hours), 1) as avg_transit_hours "
        f"from {tables['fct_shipments']} as s join {tables['dim_carriers']} as c "
        "on s.carrier_id = c.carrier_id group by c.carrier_name order by shipments desc, carrier_name limit 8"
    )


def test_mesh_query_on_trino_returns_the_embedded_engines_rows(
    server: TrinoServer,
    settings: TrinoSettings,
    published: CatalogSettings,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MESH_CATALOG_URI", published.uri)
    monkeypatch.setenv("MESH_WAREHOUSE", published.warehouse)
    monkeypatch.setenv("TRINO_HOST", server.host)
    monkeypatch.setenv("TRINO_PORT", str(server.port))
    monkeypatch.setenv("TRINO_USER", member(settings, "data-consumers"))
    embedded_sql = demo_query({t: f"logistics.gold.{t}" for t in ("fct_shipments", "dim_carriers")})
    trino_sql = demo_query({t: f"logistics.gold.{t}" for t in ("fct_shipments", "dim_carriers")})
    assert main(["query", embedded_sql, "--format", "json"]) == 0
    embedded_rows = orjson.loads(capsys.readouterr().out)
    assert main(["query", trino_sql, "--engine", "trino", "--format", "json"]) == 0
    trino_rows = orjson.loads(capsys.readouterr().out)
    assert embedded_rows and trino_rows == embedded_rows


def one_line_exit_1(capsys: pytest.CaptureFixture[str], argv: list[str]) -> str:
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "Traceback" not in err, err
    return err


def test_unreachable_trino_is_one_line_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.governance.trino.live import free_port

    monkeypatch.setenv("TRINO_HOST", "127.0.0.1")
    monkeypatch.setenv("TRINO_PORT", str(free_port()))
    err = one_line_exit_1(capsys, ["query", "SELECT 1", "--engine", "trino"])
    assert "cannot reach Trino at http://127.0.0.1:" in err and "TRINO_PORT" in err


@pytest.mark.usefixtures("published")
def test_unknown_catalog_and_denied_user_are_one_line_exit_1(
    server: TrinoServer,
    settings: TrinoSettings,
    mesh: MeshModel,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("TRINO_HOST", server.host)
    monkeypatch.setenv("TRINO_PORT", str(server.port))
    monkeypatch.setenv("TRINO_USER", member(settings, settings.admin_group))
    err = one_line_exit_1(capsys, ["query", "SELECT 1 FROM nosuchcatalog.s.t", "--engine", "trino"])
    assert "nosuchcatalog" in err and "SHOW CATALOGS" in err
    table, _, _ = external_products(mesh, settings)[0]
    monkeypatch.setenv("TRINO_USER", NOBODY)
    err = one_line_exit_1(capsys, ["query", f"SELECT count(*) FROM {table}", "--engine", "trino"])
    assert f"catalog {table.catalog}" in err and "Access Denied" in err
    assert f"user {NOBODY} may not read it" in err and "governance/trino.yml" in err
