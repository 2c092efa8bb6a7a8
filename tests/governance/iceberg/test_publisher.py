"""Publishing the fixture mesh's external products to a real Iceberg SQL catalog (SQLite and PostgreSQL)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from urllib.parse import urlparse

import duckdb
import pyarrow as pa
import pytest
import sqlalchemy
from pyiceberg.exceptions import NoSuchTableError
from pyiceberg.schema import Schema
from pyiceberg.types import NestedField, StringType

from governance.errors import ExitCode, MeshError
from governance.iceberg.catalog import open_catalog
from governance.iceberg.config import CatalogSettings
from governance.iceberg.contract import contract_fingerprint
from governance.iceberg.publisher import BreakingChangeError, Publisher
from governance.model import Model
from tests.governance.iceberg.mesh_fixture import BuiltMesh

pytestmark = pytest.mark.dbt

# Iceberg's Java JdbcUtil, schema V1: the tables Trino's JDBC catalog reads.
JAVA_V1_COLUMNS = {
    "iceberg_tables": {
        "catalog_name",
        "table_namespace",
        "table_name",
        "metadata_location",
        "previous_metadata_location",
        "iceberg_type",
    },
    "iceberg_namespace_properties": {"catalog_name", "namespace", "property_key", "property_value"},
}
METADATA_FILE = re.compile(
    r"\d{5}-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\.metadata\.json"
)


def product(mesh: BuiltMesh, name: str, version: str | None = None) -> Model:
    for model in mesh.mesh.domains["shipping"].products:
        if model.name == name and model.version == version:
            return model
    raise AssertionError(f"no product {name} v{version}")


def gold_rows(mesh: BuiltMesh, model: Model) -> pa.Table:
    with duckdb.connect(str(mesh.warehouse / "shipping.duckdb"), read_only=True) as connection:
        connection.execute("SET TimeZone = 'UTC'")
        columns = ", ".join(f'"{c}"' for c in model.columns)
        return connection.sql(f'SELECT {columns} FROM gold."{model.alias}"').to_arrow_table()


def catalog_rows(settings: CatalogSettings) -> list[tuple[str, ...]]:
    engine = sqlalchemy.create_engine(settings.uri)
    with engine.connect() as connection:
        rows = connection.execute(
            sqlalchemy.text(
                "SELECT table_namespace, table_name, metadata_location, previous_metadata_location, "
                "iceberg_type FROM iceberg_tables WHERE catalog_name = :name ORDER BY table_name"
            ),
            {"name": settings.name},
        ).all()
    engine.dispose()
    return [tuple(row) for row in rows]


def files_under(settings: CatalogSettings) -> set[Path]:
    root = Path(urlparse(settings.warehouse).path)
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


def sorted_table(table: pa.Table) -> pa.Table:
    return table.sort_by([(table.column_names[0], "ascending")])


def test_publishes_products_in_the_layout_trino_reads(mesh: BuiltMesh, settings: CatalogSettings) -> None:
    catalog = open_catalog(settings)
    publisher = Publisher(catalog, settings)
    published = [
        publisher.publish(m) for m in sorted(mesh.mesh.domains["shipping"].products, key=lambda m: m.alias)
    ]
    assert [p.identifier for p in published] == [
        "gold.dim_carriers_v1",
        "gold.dim_carriers_v2",
        "gold.fct_shipments",
    ]
    assert {p.action for p in published} == {"created"}

    inspector = sqlalchemy.inspect(sqlalchemy.create_engine(settings.uri))
    for table, columns in JAVA_V1_COLUMNS.items():
        assert {c["name"] for c in inspector.get_columns(table)} == columns
    rows = catalog_rows(settings)
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("gold", "dim_carriers_v1", "TABLE"),
        ("gold", "dim_carriers_v2", "TABLE"),
        ("gold", "fct_shipments", "TABLE"),
    ]
    for namespace, name, metadata_location, _, _ in rows:
        location = catalog.load_table((namespace, name)).location()
        assert metadata_location.startswith(f"{location}/metadata/")
        assert METADATA_FILE.fullmatch(metadata_location.rsplit("/", 1)[1])
        assert Path(urlparse(metadata_location).path).is_file()
    assert catalog.list_namespaces() == [("gold",)]


def test_table_carries_descriptions_owner_tags_and_fingerprint(
    mesh: BuiltMesh, settings: CatalogSettings
) -> None:
    model = product(mesh, "fct_shipments")
    catalog = open_catalog(settings)
    Publisher(catalog, settings).publish(model)
    table = catalog.load_table(("gold", "fct_shipments"))
    assert table.properties["comment"] == model.description
    assert table.properties["owner"] == "shipping-team"
    assert table.properties["mesh.domain"] == "shipping"
    assert table.properties["mesh.classification"] == "confidential"
    assert table.properties["mesh.tags"] == "daily,logistics"
    assert table.properties["mesh.pii-columns"] == "recipient_email"
    assert table.properties["mesh.contract-fingerprint"] == contract_fingerprint(model)
    assert table.properties["mesh.relation"] == "shipping.gold.fct_shipments"
    assert {f.name: f.doc for f in table.schema().fields} == {
        name: column.description for name, column in model.columns.items()
    }
    assert [str(f.field_type) for f in table.schema().fields] == [
        "int",
        "int",
        "string",
        "decimal(12, 2)",
        "double",
        "date",
        "timestamp",
        "timestamptz",
        "boolean",
        "long",
    ]
    versioned = product(mesh, "dim_carriers", "2")
    Publisher(catalog, settings).publish(versioned)
    assert catalog.load_table(("gold", "dim_carriers_v2")).properties["mesh.version"] == "2"


def test_rows_read_back_equal_the_duckdb_gold_rows(mesh: BuiltMesh, settings: CatalogSettings) -> None:
    model = product(mesh, "fct_shipments")
    catalog = open_catalog(settings)
    result = Publisher(catalog, settings).publish(model)
    assert result.rows == 1500
    assert result.data_files > 1  # 400-row batches rolled at 16 KiB: streamed into several files
    read_back = catalog.load_table(("gold", "fct_shipments")).scan().to_arrow()
    expected = gold_rows(mesh, model)
    assert sorted_table(read_back).cast(expected.schema).equals(sorted_table(expected))


def test_republish_overwrites_with_a_new_snapshot(mesh: BuiltMesh, settings: CatalogSettings) -> None:
    model = product(mesh, "dim_carriers", "2")
    catalog = open_catalog(settings)
    publisher = Publisher(catalog, settings)
    first = publisher.publish(model)
    second = publisher.publish(model)
    assert second.action == "replaced"
    table = catalog.load_table(("gold", "dim_carriers_v2"))
    assert table.scan().to_arrow().num_rows == 3  # replaced, not appended
    assert len(table.snapshots()) >= 2
    (row,) = catalog_rows(settings)
    assert row[2] == second.metadata_location
    assert row[3] == first.metadata_location


def test_additive_change_evolves_the_table(mesh: BuiltMesh, settings: CatalogSettings) -> None:
    full = product(mesh, "dim_carriers", "2")
    narrower = dataclasses.replace(full, columns={k: v for k, v in full.columns.items() if k != "country"})
    catalog = open_catalog(settings)
    publisher = Publisher(catalog, settings)
    publisher.publish(narrower)
    evolved = publisher.publish(full)
    assert evolved.action == "evolved"
    assert evolved.diff is not None and evolved.diff.added == (("country", "string"),)
    table = catalog.load_table(("gold", "dim_carriers_v2"))
    assert [f.name for f in table.schema().fields] == ["carrier_id", "carrier_name", "country"]
    assert table.schema().find_field("country").doc == "ISO country code of the carrier."
    assert sorted(table.scan().to_arrow().column("country").to_pylist()) == ["DE", "FR", "NL"]


def test_breaking_change_is_refused_with_the_column_diff(mesh: BuiltMesh, settings: CatalogSettings) -> None:
    full = product(mesh, "dim_carriers", "2")
    narrower = dataclasses.replace(full, columns={k: v for k, v in full.columns.items() if k != "country"})
    catalog = open_catalog(settings)
    publisher = Publisher(catalog, settings)
    publisher.publish(full)
    before_rows, before_files = catalog_rows(settings), files_under(settings)
    with pytest.raises(BreakingChangeError) as refused:
        publisher.publish(narrower)
    assert refused.value.code is ExitCode.FAILED
    assert "removed country (string)" in str(refused.value)
    assert "new version" in str(refused.value)
    assert catalog_rows(settings) == before_rows
    assert files_under(settings) == before_files


class BoomError(RuntimeError):
    pass


def explode_after_first_batch(rows: int) -> None:
    raise BoomError("disk full")


def test_failed_first_publish_leaves_no_table_namespace_or_files(
    mesh: BuiltMesh, settings: CatalogSettings
) -> None:
    catalog = open_catalog(settings)
    with pytest.raises(BoomError):
        Publisher(catalog, settings).publish(
            product(mesh, "fct_shipments"), on_rows=explode_after_first_batch
        )
    assert catalog_rows(settings) == []
    assert catalog.list_namespaces() == []
    assert files_under(settings) == set()


def test_failed_republish_keeps_the_published_version(mesh: BuiltMesh, settings: CatalogSettings) -> None:
    model = product(mesh, "fct_shipments")
    catalog = open_catalog(settings)
    publisher = Publisher(catalog, settings)
    publisher.publish(model)
    before_rows, before_files = catalog_rows(settings), files_under(settings)
    with pytest.raises(BoomError):
        publisher.publish(model, on_rows=explode_after_first_batch)
    assert catalog_rows(settings) == before_rows
    assert files_under(settings) == before_files
    assert catalog.load_table(("gold", "fct_shipments")).scan().to_arrow().num_rows == 1500


def test_a_table_the_mesh_did_not_publish_is_never_overwritten(
    mesh: BuiltMesh, settings: CatalogSettings
) -> None:
    catalog = open_catalog(settings)
    catalog.create_namespace("gold")
    catalog.create_table(("gold", "dim_carriers_v1"), Schema(NestedField(1, "x", StringType())))
    with pytest.raises(MeshError, match="not published by the mesh"):
        Publisher(catalog, settings).publish(product(mesh, "dim_carriers", "1"))
    assert [f.name for f in catalog.load_table(("gold", "dim_carriers_v1")).schema().fields] == ["x"]


def test_missing_warehouse_file_is_bad_input(
    mesh: BuiltMesh, settings: CatalogSettings, tmp_path: Path
) -> None:
    moved = dataclasses.replace(settings, source_dir=tmp_path / "nowhere")
    catalog = open_catalog(moved)
    with pytest.raises(MeshError, match="warehouse is missing") as missing:
        Publisher(catalog, moved).publish(product(mesh, "fct_shipments"))
    assert missing.value.code is ExitCode.BAD_INPUT
    with pytest.raises(NoSuchTableError):
        catalog.load_table(("gold", "fct_shipments"))


def test_unwritable_warehouse_fails_the_product_and_registers_nothing(
    mesh: BuiltMesh, settings: CatalogSettings, tmp_path: Path
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the warehouse should be")
    unwritable = dataclasses.replace(settings, warehouse=(blocker / "warehouse").as_uri())
    catalog = open_catalog(unwritable)
    with pytest.raises(MeshError, match="cannot write to the warehouse") as error:
        Publisher(catalog, unwritable).publish(product(mesh, "dim_carriers", "2"))
    assert error.value.code is ExitCode.FAILED
    assert catalog_rows(unwritable) == []
    assert catalog.list_namespaces() == []


def test_a_table_whose_files_the_warehouse_lost_is_published_again(
    mesh: BuiltMesh, settings: CatalogSettings
) -> None:
    """The catalog database outlived the warehouse (emptied, restored from an older backup, a fresh
    CI checkout against a kept database): its rows point at metadata files that no longer exist."""
    model = product(mesh, "fct_shipments")
    catalog = open_catalog(settings)
    Publisher(catalog, settings).publish(model)
    lost = catalog_rows(settings)[0][2]
    for path in files_under(settings):
        path.unlink()
    published = Publisher(catalog, settings).publish(model)
    assert published.action == "re-created"
    assert published.lost_metadata == lost
    assert [row[1] for row in catalog_rows(settings)] == ["fct_shipments"]
    assert catalog.load_table(("gold", "fct_shipments")).scan().to_arrow().num_rows == 1500


def test_a_lost_table_the_mesh_did_not_publish_is_left_alone(
    mesh: BuiltMesh, settings: CatalogSettings
) -> None:
    catalog = open_catalog(settings)
    catalog.create_namespace("gold")  # not the mesh's: no mesh.managed property
    catalog.create_table(("gold", "fct_shipments"), Schema(NestedField(1, "x", StringType())))
    before = catalog_rows(settings)
    Path(urlparse(before[0][2]).path).unlink()
    with pytest.raises(MeshError, match="missing") as error:
        Publisher(catalog, settings).publish(product(mesh, "fct_shipments"))
    assert error.value.code is ExitCode.FAILED
    assert "Traceback" not in str(error.value) and "\n" not in str(error.value)
    assert catalog_rows(settings) == before


def test_two_catalogs_over_one_warehouse_keep_each_others_tables(
    mesh: BuiltMesh, settings: CatalogSettings, tmp_path: Path
) -> None:
    """`make demo` publishes to the SQLite catalog, `make trino` to PostgreSQL, both into the default
    warehouse: the second publish took the first catalog's files for leftovers of a dead run."""
    other = dataclasses.replace(settings, uri=f"sqlite:///{tmp_path / 'other-catalog.db'}")
    first, second = open_catalog(settings), open_catalog(other)
    models = [product(mesh, "fct_shipments"), product(mesh, "dim_carriers", "2")]
    for model in models:
        Publisher(first, settings).publish(model)
    for model in models:
        Publisher(second, other).publish(model)
        Publisher(second, other).publish(model)  # a republish, with its own clean-up, too
    for catalog in (first, second):
        for model in models:
            table = catalog.load_table(("gold", model.name if not model.version else f"{model.name}_v2"))
            assert table.scan().to_arrow().num_rows == gold_rows(mesh, model).num_rows


def test_a_lost_table_another_writer_made_in_a_mesh_namespace_is_left_alone(
    mesh: BuiltMesh, settings: CatalogSettings
) -> None:
    """The owning group may create tables in its schema through Trino (in a folder of Trino's choosing):
    one whose metadata is lost is not the mesh's to forget, even under a product's name."""
    catalog = open_catalog(settings)
    Publisher(catalog, settings).publish(product(mesh, "dim_carriers", "2"))  # the mesh's namespace
    trino_folder = f"{settings.warehouse}/gold/fct_shipments-{'0' * 32}"
    catalog.create_table(
        ("gold", "fct_shipments"), Schema(NestedField(1, "x", StringType())), location=trino_folder
    )
    before = catalog_rows(settings)
    lost = next(row[2] for row in before if row[1] == "fct_shipments")
    Path(urlparse(lost).path).unlink()
    with pytest.raises(MeshError, match="not published by the mesh"):
        Publisher(catalog, settings).publish(product(mesh, "fct_shipments"))
    assert catalog_rows(settings) == before
