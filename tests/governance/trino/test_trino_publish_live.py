"""The fixture mesh (tests/governance/iceberg/fixture_mesh) on a real Trino 476 of its own, started by
scripts/ci/trino.sh from its `mesh trino-config` output: PII columns, schema evolution, new versions
and a publish failing half-way, as Trino reads them.

Under CI a Trino that cannot start is a failure, elsewhere a skip with the reason.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from decimal import Decimal

import pytest
from pyiceberg.catalog.sql import SqlCatalog

from governance.engines.base import EngineError
from governance.errors import ExitCode
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings, domain_catalog
from governance.iceberg.publisher import Publisher
from governance.model import Model
from governance.trino.config import TrinoSettings, load_trino_settings
from tests.governance.iceberg.conftest import pg_unreachable_reason, pg_uri
from tests.governance.iceberg.mesh_fixture import BuiltMesh, built_mesh
from tests.governance.trino import FIXTURE_TRINO
from tests.governance.trino.live import TrinoServer, missing, started_trino

pytestmark = pytest.mark.trino

SHIPPING = "shipping.gold"


@pytest.fixture(scope="module")
def mesh() -> BuiltMesh:
    return built_mesh()


@pytest.fixture(scope="module")
def settings() -> TrinoSettings:
    return load_trino_settings(FIXTURE_TRINO)


@pytest.fixture(scope="module")
def server(mesh: BuiltMesh, tmp_path_factory: pytest.TempPathFactory) -> Iterator[TrinoServer]:
    reason = pg_unreachable_reason()
    if reason:
        missing(reason)
    with started_trino(mesh.root, FIXTURE_TRINO, tmp_path_factory.mktemp("trino"), pg_uri()) as running:
        yield running


@pytest.fixture(scope="module")
def catalog_settings(mesh: BuiltMesh, server: TrinoServer) -> CatalogSettings:
    # The shipping domain's Iceberg catalog, which Trino's catalog `shipping` reads: its database and
    # warehouse (`mesh publish` publishes each domain so, iceberg.config.domain_catalog).
    database = CatalogSettings(
        "mesh", pg_uri(), server.warehouse, "mesh-publisher", 400, 16 * 1024, mesh.warehouse
    )
    return domain_catalog(database, "shipping")


@pytest.fixture
def publisher(catalog_settings: CatalogSettings) -> Publisher:
    """A publisher over an empty `shipping.gold` namespace (earlier tests' tables dropped)."""
    catalog = open_catalog(catalog_settings)
    assert isinstance(catalog, SqlCatalog)
    if catalog.namespace_exists("gold"):
        for identifier in catalog.list_tables("gold"):
            catalog.drop_table(identifier)
    return Publisher(catalog, catalog_settings)


def product(mesh: BuiltMesh, name: str, version: str | None = None) -> Model:
    for model in mesh.mesh.domains["shipping"].products:
        if model.name == name and model.version == version:
            return model
    raise AssertionError(f"no product {name} v{version}")


def run(server: TrinoServer, settings: TrinoSettings, user: str, sql: str) -> list[tuple[object, ...]]:
    engine = server.engine(settings, user)
    try:
        return engine.execute(sql).rows
    finally:
        engine.close()


def columns(server: TrinoServer, settings: TrinoSettings, table: str) -> list[str]:
    return [row[0] for row in run(server, settings, "admin", f"SHOW COLUMNS FROM {SHIPPING}.{table}")]


def test_pii_columns_are_readable_by_cleared_groups_only(
    server: TrinoServer, settings: TrinoSettings, mesh: BuiltMesh, publisher: Publisher
) -> None:
    model = product(mesh, "fct_shipments")
    publisher.publish(model)
    table = f"{SHIPPING}.fct_shipments"
    # Trino denies a hidden column by naming the table (file-based access control, Trino 476).
    with pytest.raises(
        EngineError, match=r"Access Denied: Cannot select from table shipping\.gold\.fct_shipments"
    ):
        run(server, settings, "alice", f"SELECT recipient_email FROM {table}")
    assert run(server, settings, "alice", f"SELECT count(*) FROM {table}") == [(1500,)]
    # hide-inaccessible-columns=true (scripts/ci/trino.sh): SELECT * is every column but the PII ones.
    engine = server.engine(settings, "alice")
    try:
        visible = engine.execute(f"SELECT * FROM {table} ORDER BY shipment_id LIMIT 1").columns
    finally:
        engine.close()
    assert visible == [c for c in model.columns if c != "recipient_email"]
    assert run(server, settings, "petra", f"SELECT recipient_email FROM {table} WHERE shipment_id = 7") == [
        ("user7@example.com",)
    ]
    engine = server.engine(settings, "petra")
    try:
        assert engine.execute(f"SELECT * FROM {table} LIMIT 1").columns == list(model.columns)
    finally:
        engine.close()
    publisher.publish(product(mesh, "dim_carriers", "2"))  # finance-analysts are granted fct_shipments only
    with pytest.raises(EngineError, match="Access Denied: Cannot select from table"):
        run(server, settings, "frank", f"SELECT count(*) FROM {SHIPPING}.dim_carriers_v2")


def test_trino_reads_the_new_schema_after_an_additive_change(
    server: TrinoServer, settings: TrinoSettings, mesh: BuiltMesh, publisher: Publisher
) -> None:
    full = product(mesh, "dim_carriers", "2")
    narrower = dataclasses.replace(full, columns={k: v for k, v in full.columns.items() if k != "country"})
    publisher.publish(narrower)
    assert columns(server, settings, "dim_carriers_v2") == ["carrier_id", "carrier_name"]
    publisher.publish(full)
    assert columns(server, settings, "dim_carriers_v2") == ["carrier_id", "carrier_name", "country"]
    rows = run(server, settings, "alice", f"SELECT country FROM {SHIPPING}.dim_carriers_v2 ORDER BY 1")
    assert rows == [("DE",), ("FR",), ("NL",)]


def test_trino_reads_each_product_version_with_its_own_schema(
    server: TrinoServer, settings: TrinoSettings, mesh: BuiltMesh, publisher: Publisher
) -> None:
    for version in ("1", "2"):
        publisher.publish(product(mesh, "dim_carriers", version))
    for version in ("1", "2"):
        model = product(mesh, "dim_carriers", version)
        assert columns(server, settings, f"dim_carriers_v{version}") == list(model.columns)
        (count,) = run(server, settings, "alice", f"SELECT count(*) FROM {SHIPPING}.dim_carriers_v{version}")
        assert count == (3,)


def test_rows_come_back_typed_and_syntax_errors_pass_through(
    server: TrinoServer, settings: TrinoSettings, mesh: BuiltMesh, publisher: Publisher
) -> None:
    publisher.publish(product(mesh, "fct_shipments"))
    rows = run(
        server,
        settings,
        "alice",
        f"SELECT carrier_id, count(*), sum(cost_eur) FROM {SHIPPING}.fct_shipments GROUP BY 1 ORDER BY 1",
    )
    assert [r[0] for r in rows] == [10, 11, 12] and sum(r[1] for r in rows) == 1500  # type: ignore[misc]
    assert all(isinstance(r[2], Decimal) for r in rows)  # decimal(…) mapped back by the trino client
    with pytest.raises(EngineError, match=r"^trino: SYNTAX_ERROR: ") as error:
        run(server, settings, "alice", "SELECT FROM WHERE")
    assert error.value.code is ExitCode.FAILED


class BoomError(RuntimeError):
    pass


def explode(rows: int) -> None:
    raise BoomError("disk full")


def test_a_publish_failing_half_way_leaves_trino_on_the_previous_snapshot(
    server: TrinoServer, settings: TrinoSettings, mesh: BuiltMesh, publisher: Publisher
) -> None:
    model = product(mesh, "fct_shipments")
    publisher.publish(model)
    table = f"{SHIPPING}.fct_shipments"
    snapshot_sql = f'SELECT snapshot_id FROM {SHIPPING}."fct_shipments$snapshots" ORDER BY committed_at'
    before = run(server, settings, "admin", snapshot_sql)
    with pytest.raises(BoomError):
        publisher.publish(model, on_rows=explode)
    assert run(server, settings, "admin", snapshot_sql) == before
    assert run(server, settings, "alice", f"SELECT count(*) FROM {table}") == [(1500,)]


# Every write Trino checks against a table privilege (file-based access control, Trino 476): OWNERSHIP for
# DDL, INSERT/DELETE/UPDATE for data, schema ownership for DROP SCHEMA. A product is written by `mesh
# publish` alone. Not here: table procedures (ALTER TABLE ... EXECUTE optimize, rollback_to_snapshot, ...),
# which Trino 476's file-based access control allows to anyone reaching the catalog (its
# checkCanExecuteTableProcedure is empty), so rules.json cannot deny them.
PRODUCT_WRITES = [
    "DROP TABLE {t}",
    "ALTER TABLE {t} ADD COLUMN sneaky varchar",
    "ALTER TABLE {t} DROP COLUMN cost_eur",
    "ALTER TABLE {t} RENAME COLUMN cost_eur TO cost",
    "ALTER TABLE {t} RENAME TO {schema}.fct_shipments_moved",
    "ALTER TABLE {t} SET PROPERTIES format_version = 2",
    "ALTER TABLE {t} SET AUTHORIZATION USER sam",
    "COMMENT ON TABLE {t} IS 'changed'",
    "COMMENT ON COLUMN {t}.cost_eur IS 'changed'",
    "INSERT INTO {t} SELECT * FROM {t} LIMIT 1",
    "DELETE FROM {t} WHERE shipment_id = 7",
    "UPDATE {t} SET cost_eur = 0 WHERE shipment_id = 7",
    "TRUNCATE TABLE {t}",
    "DROP SCHEMA {schema} CASCADE",
]


@pytest.mark.parametrize("user", ["sam", "alice", "petra"])
def test_only_the_publisher_writes_a_product(
    server: TrinoServer, settings: TrinoSettings, mesh: BuiltMesh, publisher: Publisher, user: str
) -> None:
    """Neither the owning group (sam) nor readers may change a published product; reads still work."""
    model = product(mesh, "fct_shipments")
    publisher.publish(model)
    table = f"{SHIPPING}.fct_shipments"
    engine = server.engine(settings, user)
    allowed = []
    try:
        for statement in PRODUCT_WRITES:
            sql = statement.format(t=table, schema=SHIPPING)
            try:
                engine.execute(sql)
            except EngineError as error:
                if "Access Denied" in str(error):
                    continue
                allowed.append(f"{sql}: {error}")  # passed the access check, failed later
            else:
                allowed.append(sql)
            publisher.publish(model)  # the next statement meets the product as published
    finally:
        engine.close()
    assert allowed == [], f"{user} may write the product: {allowed}"
    assert run(server, settings, "admin", f"SELECT count(*) FROM {table}") == [(1500,)]
    assert columns(server, settings, "fct_shipments") == list(product(mesh, "fct_shipments").columns)
    assert run(server, settings, user, f"SELECT count(*) FROM {table}") == [(1500,)]


def test_the_owning_group_keeps_every_right_on_its_other_tables(
    server: TrinoServer, settings: TrinoSettings, mesh: BuiltMesh, publisher: Publisher
) -> None:
    publisher.publish(product(mesh, "fct_shipments"))
    scratch = f"{SHIPPING}.sam_scratch"
    engine = server.engine(settings, "sam")
    try:
        for sql in (
            f"CREATE TABLE {scratch} AS SELECT shipment_id, cost_eur FROM {SHIPPING}.fct_shipments",
            f"INSERT INTO {scratch} VALUES (0, 1.00)",
            f"UPDATE {scratch} SET cost_eur = 2.00 WHERE shipment_id = 0",
            f"DELETE FROM {scratch} WHERE shipment_id = 7",
            f"ALTER TABLE {scratch} ADD COLUMN note varchar",
            f"COMMENT ON TABLE {scratch} IS 'scratch'",
            f"ALTER TABLE {scratch} RENAME TO {SHIPPING}.sam_scratch2",
            f"TRUNCATE TABLE {SHIPPING}.sam_scratch2",
            f"DROP TABLE {SHIPPING}.sam_scratch2",
        ):
            engine.execute(sql)
    finally:
        engine.close()
    with pytest.raises(EngineError, match="Access Denied"):
        run(server, settings, "alice", f"CREATE TABLE {SHIPPING}.alice_scratch AS SELECT 1 AS x")
