"""`mesh trino-config`: catalog properties Trino accepts, no secrets, SQL that parses as Trino SQL."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import sqlglot
import yaml
from sqlglot import exp

from governance.cli import main
from governance.errors import MeshError
from governance.iceberg.config import CatalogSettings
from governance.trino.bundle import build_bundle
from governance.trino.config import load_trino_settings
from governance.trino.properties import jdbc_catalog
from tests.governance.iceberg.mesh_fixture import BuiltMesh
from tests.governance.trino import FIXTURE_TRINO

pytestmark = pytest.mark.dbt


def parse_properties(text: str) -> dict[str, str]:
    pairs = [line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#")]
    return {key: value for key, value in pairs}


@pytest.fixture
def bundle_files(mesh: BuiltMesh, tmp_path: Path) -> dict[str, str]:
    catalog = CatalogSettings(
        "mesh_catalog",
        "postgresql+psycopg://mesh:secret-pw@db/iceberg",
        tmp_path.as_uri(),
        "bot",
        1,
        1,
        tmp_path,
    )
    return build_bundle(mesh.mesh, load_trino_settings(FIXTURE_TRINO), catalog).files


def test_jdbc_catalog_reads_the_publishers_catalog_named_after_its_domain(
    bundle_files: dict[str, str],
) -> None:
    properties = parse_properties(bundle_files["catalog/shipping.properties"])
    assert properties["connector.name"] == "iceberg"
    assert properties["iceberg.catalog.type"] == "jdbc"
    # == the pyiceberg SqlCatalog name the publisher writes the domain's rows under: the domain
    assert properties["iceberg.jdbc-catalog.catalog-name"] == "shipping"
    assert properties["iceberg.jdbc-catalog.connection-password"] == "${ENV:MESH_CATALOG_PASSWORD}"
    assert properties["iceberg.jdbc-catalog.connection-user"] == "${ENV:MESH_CATALOG_USER}"
    assert properties["iceberg.jdbc-catalog.schema-version"] == "V1"
    assert properties["iceberg.register-table-procedure.enabled"] == "true"
    assert {
        "iceberg.jdbc-catalog.driver-class",
        "iceberg.jdbc-catalog.connection-url",
        "iceberg.jdbc-catalog.default-warehouse-dir",
    } <= set(properties)


def test_one_read_only_rest_catalog_per_databricks_domain(bundle_files: dict[str, str]) -> None:
    catalogs = sorted(p for p in bundle_files if p.startswith("catalog/"))
    assert catalogs == ["catalog/billing.properties", "catalog/shipping.properties"]
    properties = parse_properties(bundle_files["catalog/billing.properties"])
    assert properties["iceberg.catalog.type"] == "rest"
    assert (
        properties["iceberg.rest-catalog.uri"] == "${ENV:DATABRICKS_HOST}/api/2.1/unity-catalog/iceberg-rest"
    )
    assert properties["iceberg.rest-catalog.oauth2.token"] == "${ENV:DATABRICKS_TOKEN}"
    assert properties["iceberg.rest-catalog.warehouse"] == "billing"
    assert properties["iceberg.security"] == "read_only"
    assert properties["fs.native-s3.enabled"] == "true"  # the fixture's databricks.cloud: aws


def test_security_plugins_and_group_file(bundle_files: dict[str, str]) -> None:
    assert parse_properties(bundle_files["access-control.properties"]) == {
        "access-control.name": "file",
        "security.config-file": "/etc/trino/rules.json",
        "security.refresh-period": "1m",
    }
    assert parse_properties(bundle_files["group-provider.properties"]) == {
        "group-provider.name": "file",
        "file.group-file": "/etc/trino/group.txt",
    }
    lines = bundle_files["group.txt"].splitlines()
    assert "shipping-pii-readers:petra" in lines
    assert all(line.count(":") == 1 for line in lines)


def test_no_secret_is_ever_written(bundle_files: dict[str, str]) -> None:
    assert not any("secret-pw" in content for content in bundle_files.values())


def test_smoke_sql_parses_as_trino_sql(bundle_files: dict[str, str]) -> None:
    statements = [s for s in sqlglot.parse(bundle_files["smoke.sql"], read="trino") if s is not None]
    tables = {f"{t.catalog}.{t.db}.{t.name}" for s in statements for t in s.find_all(exp.Table)}
    assert {
        "shipping.gold.fct_shipments",
        "shipping.gold.dim_carriers_v1",
        "shipping.gold.dim_carriers_v2",
        "billing.gold.fct_invoices",
        "system.metadata.table_comments",
    } == tables
    assert all(isinstance(s, exp.Select) for s in statements)


def test_docker_compose_mounts_every_generated_file(bundle_files: dict[str, str]) -> None:
    compose = yaml.safe_load(bundle_files["docker-compose.yml"])
    mounts = " ".join(compose["services"]["trino"]["volumes"])
    for name in (
        "catalog",
        "rules.json",
        "group.txt",
        "access-control.properties",
        "group-provider.properties",
    ):
        assert f"./{name}:" in mounts
    assert compose["services"]["postgres"]["environment"]["POSTGRES_DB"] == "iceberg"


def test_every_trino_the_bundle_starts_hides_what_a_reader_may_not_see(bundle_files: dict[str, str]) -> None:
    """Docker's Trino and CI's (scripts/ci/trino.sh) run one server configuration: without
    hide-inaccessible-columns an uncleared reader's SELECT * fails instead of leaving PII out."""
    compose = yaml.safe_load(bundle_files["docker-compose.yml"])
    assert "./config.properties:/etc/trino/config.properties:ro" in compose["services"]["trino"]["volumes"]
    lines = bundle_files["config.properties"].splitlines()
    server = dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))
    assert server["hide-inaccessible-columns"] == "true"
    assert server["coordinator"] == "true"
    ci_script = (Path(__file__).resolve().parents[3] / "scripts" / "ci" / "trino.sh").read_text()
    assert 'config.properties" >"$ETC/config.properties"' in ci_script.replace(" > ", " >")


def test_command_writes_the_bundle(
    mesh: BuiltMesh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MESH_ROOT", str(mesh.root))
    out = tmp_path / "trino"
    assert main(["trino-config", "--out", str(out)]) == 0
    written = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert written == [
        "access-control.properties",
        "catalog/billing.properties",
        "catalog/shipping.properties",
        "config.properties",
        "docker-compose.yml",
        "group-provider.properties",
        "group.txt",
        "rules.json",
        "smoke.sql",
    ]
    assert "shipping-pii-readers" in capsys.readouterr().err  # granted, no members in governance/trino.yml


def test_command_refuses_a_file_as_out(
    mesh: BuiltMesh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MESH_ROOT", str(mesh.root))
    target = tmp_path / "file"
    target.write_text("x")
    assert main(["trino-config", "--out", str(target)]) == 2
    assert "is a file" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("warehouse", "expected"),
    [
        # Trino 476's trino-hdfs is not on Maven Central: file:// goes through the native local file system.
        ("file:///srv/lake", {"fs.native-local.enabled": "true", "local.location": "/"}),
        ("s3://bucket/lake", {"fs.native-s3.enabled": "true"}),
        ("gs://bucket/lake", {"fs.native-gcs.enabled": "true"}),
        ("abfss://c@a.dfs.core.windows.net/lake", {"fs.native-azure.enabled": "true"}),
    ],
)
def test_the_file_system_follows_the_warehouse_scheme(warehouse: str, expected: dict[str, str]) -> None:
    settings = dataclasses.replace(load_trino_settings(FIXTURE_TRINO), jdbc_warehouse=warehouse)
    catalog = CatalogSettings("mesh", "sqlite:///c.db", warehouse, "bot", 1, 1, Path("."))
    properties = parse_properties(jdbc_catalog(settings, catalog))
    assert {k: v for k, v in properties.items() if k.startswith(("fs.", "local."))} == expected


def test_an_unknown_warehouse_scheme_is_bad_input() -> None:
    settings = dataclasses.replace(load_trino_settings(FIXTURE_TRINO), jdbc_warehouse="ftp://host/lake")
    catalog = CatalogSettings("mesh", "sqlite:///c.db", "ftp://host/lake", "bot", 1, 1, Path("."))
    with pytest.raises(MeshError, match=r"no Trino file system for ftp://"):
        jdbc_catalog(settings, catalog)


def test_config_dir_is_where_trino_reads_rules_and_groups(
    mesh: BuiltMesh, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MESH_ROOT", str(mesh.root))
    out = tmp_path / "trino"
    assert main(["trino-config", "--out", str(out), "--config-dir", "/opt/trino/etc"]) == 0
    assert "security.config-file=/opt/trino/etc/rules.json" in (out / "access-control.properties").read_text()
    assert "file.group-file=/opt/trino/etc/group.txt" in (out / "group-provider.properties").read_text()
    assert main(["trino-config", "--out", str(out), "--config-dir", "etc"]) == 2
