"""The `spark` target: the Databricks SQL dialect proven on a local Spark session, in a throw-away copy.

`mesh build` runs dbt in subprocesses exactly as CI does (dbt-spark `method: session`, one JVM per
project, one shared Derby metastore and warehouse under the data directory).
"""

from __future__ import annotations

import contextlib
import io
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

import duckdb
import orjson
import pytest

from governance.cli import main
from tests.domains.mesh_copy import MeshCopy, copy_mesh, generate_data

SCALE = "0.005"  # small: these tests prove dialect and semantics, the benchmark measures speed


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_data(tmp_path_factory.mktemp("spark-data"), scale=SCALE, seed="7")


@pytest.fixture(scope="module")
def orders_mesh(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> MeshCopy:
    return copy_mesh(tmp_path_factory.mktemp("spark-mesh"))


@pytest.fixture
def in_mesh(orders_mesh: MeshCopy, data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> MeshCopy:
    monkeypatch.setenv("MESH_ROOT", str(orders_mesh.root))
    monkeypatch.setenv("MESH_DATA_DIR", str(data_dir))
    return orders_mesh


def test_unknown_target_lists_the_known_targets(
    in_mesh: MeshCopy, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["build", "--domain", "orders", "--target", "sprak"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0
    assert "unknown target 'sprak'" in err
    assert "known targets: ci, databricks, spark" in err


@pytest.mark.dbt
@pytest.mark.parametrize("target", ["ci", "spark", "databricks"])
def test_names_and_clickstream_materialization_follow_the_target(orders_mesh: MeshCopy, target: str) -> None:
    """One naming rule per engine (macros/naming) and one clickstream model, materialized per engine."""
    orders = orders_mesh.dbt_ok("orders", "parse", "--no-partial-parse", "--target", target).result
    marketing = orders_mesh.dbt_ok("marketing", "parse", "--no-partial-parse", "--target", target).result
    fct_orders = orders.nodes["model.orders.fct_orders"]
    expected = {
        "ci": ('"orders"."gold"."fct_orders"', "incremental"),
        "spark": ("orders__gold.fct_orders", "incremental"),
        "databricks": ("`orders_dev`.`gold`.`fct_orders`", "streaming_table"),
    }[target]
    assert fct_orders.relation_name == expected[0]
    # dbt-loom hands marketing the upstream product under the name orders gave it on this target
    assert marketing.nodes["model.orders.fct_orders"].relation_name == expected[0]
    clickstream = marketing.nodes["model.marketing.stg_web_events"]
    assert clickstream.config.materialized == expected[1]
    assert clickstream.depends_on.nodes == ["source.marketing.clickstream.web_events"]
    gold = [n for n in orders.nodes.values() if n.resource_type == "model" and n.schema.endswith("gold")]
    # On Databricks: change data feed, and Iceberg reads (UniForm) so Trino reads the products through Unity
    # Catalog's Iceberg REST endpoint (MESH051 holds the same four properties).
    uniform = {
        "delta.enableIcebergCompatV2": "true",
        "delta.universalFormat.enabledFormats": "iceberg",
        "delta.columnMapping.mode": "name",
        "delta.enableDeletionVectors": "false",
    }
    properties = {"delta.enableChangeDataFeed": "true", **uniform} if target == "databricks" else None
    assert gold and all(n.config.get("tblproperties") == properties for n in gold)
    docs = [n.config.persist_docs for n in gold]
    assert not any(d.get("relation") or d.get("columns") for d in docs), "the governance sync writes comments"


def _comparable(connection: duckdb.DuckDBPyConnection, relation: str) -> str:
    """A select of every column, doubles rounded: two engines may differ in a sum's last bits."""
    columns = connection.execute(f"describe select * from {relation}").fetchall()
    exprs = [
        f'round("{name}", 9)' if kind in ("DOUBLE", "FLOAT") else f'"{name}"' for name, kind, *_ in columns
    ]
    return f"select {', '.join(exprs)} from {relation}"


def delta_files(table: Path) -> list[str]:
    """The Parquet files of a Delta table's current version, from its commit log (add minus remove)."""
    log = table / "_delta_log"
    assert not list(log.glob("*.checkpoint*.parquet")), f"{table}: checkpointed log; read it with delta-spark"
    files: set[str] = set()
    for commit in sorted(log.glob("*.json")):
        for line in commit.read_text().splitlines():
            action = orjson.loads(line)
            if "add" in action:
                files.add(action["add"]["path"])
            elif "remove" in action:
                files.discard(action["remove"]["path"])
    assert files, f"{table}: no data files in the Delta log"
    return sorted(str(table / unquote(f)) for f in files)


# `make test`'s spark lane (scripts/ci/test.sh) builds the whole mesh on Spark in a copy, over the raw data
# the build lane built on DuckDB, and names both data folders here: the parity test then compares every
# table of every project without building anything again. Run alone, it builds orders both ways itself.
LANE_SPARK_DATA = "MESH_TEST_SPARK_BUILT_DATA"
LANE_DUCKDB_DATA = "MESH_TEST_DUCKDB_BUILT_DATA"


def spark_tables(warehouse: Path) -> dict[tuple[str, str, str], Path]:
    """Every Delta table of a Spark warehouse, keyed as DuckDB names it: (project, layer, table).
    Spark folds the project and the layer into one schema, `<project>__<layer>` (macros/naming)."""
    tables: dict[tuple[str, str, str], Path] = {}
    for log in sorted(warehouse.glob("*__*.db/*/_delta_log")):  # not the sources landed for Spark
        project, _, layer = log.parent.parent.name.removesuffix(".db").partition("__")
        tables[(project, layer, log.parent.name)] = log.parent
    return tables


def duckdb_tables(warehouse: Path, projects: set[str]) -> set[tuple[str, str, str]]:
    """The base tables each project's DuckDB file holds (views are compared through the tables they feed)."""
    found: set[tuple[str, str, str]] = set()
    for project in sorted(projects):
        with duckdb.connect(str(warehouse / f"{project}.duckdb"), read_only=True) as connection:
            rows = connection.execute(
                "select table_schema, table_name from information_schema.tables "
                "where table_type = 'BASE TABLE' and table_catalog = current_database()"
            ).fetchall()
        found |= {(project, schema, name) for schema, name in rows}
    return found


@pytest.mark.spark
def test_every_table_is_identical_on_spark_and_duckdb(
    in_mesh: MeshCopy, data_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lane_spark, lane_duckdb = os.environ.get(LANE_SPARK_DATA), os.environ.get(LANE_DUCKDB_DATA)
    if lane_spark and lane_duckdb:
        spark_data, duckdb_data = Path(lane_spark), Path(lane_duckdb)
        expected_projects = {"orders", "marketing", "logistics", "hub"}
    else:
        assert main(["build", "--domain", "orders", "--target", "ci"]) == 0
        assert main(["build", "--domain", "orders", "--target", "spark"]) == 0, capsys.readouterr().out
        spark_data = duckdb_data = data_dir
        expected_projects = {"orders"}
    on_spark = spark_tables(spark_data / "spark" / "warehouse")
    projects = {project for project, _, _ in on_spark}
    assert projects == expected_projects
    on_duckdb = duckdb_tables(duckdb_data / "warehouse", projects)
    assert {("orders", "gold", "fct_orders"), ("orders", "gold", "dim_products")} <= on_duckdb
    assert set(on_spark) == on_duckdb, "the same tables on both engines"
    connection = duckdb.connect()
    for project in sorted(projects):
        connection.execute(
            f"attach '{duckdb_data / 'warehouse' / f'{project}.duckdb'}' as \"duck_{project}\" (read_only)"
        )
    for (project, layer, table), folder in sorted(on_spark.items()):
        duck = _comparable(connection, f'"duck_{project}"."{layer}"."{table}"')
        spark = _comparable(connection, f"read_parquet({delta_files(folder)!r})")
        differences = connection.execute(
            f"select count(*) from (({duck}) except all ({spark})) union all "
            f"select count(*) from (({spark}) except all ({duck}))"
        ).fetchall()
        assert differences == [(0,), (0,)], f"{project}.{layer}.{table}: rows differ between DuckDB and Spark"
        if layer == "gold":  # every product has rows, so the comparison compared something
            counted = connection.execute(f"select count(*) from ({duck})").fetchone()
            assert counted is not None and counted[0] > 0, f"{project}.{layer}.{table} is empty"


# The failures Spark must report, in one Spark build (one JVM): a DuckDB-only function, an ANSI cast, and
# two enforced-contract violations. Each test below reads its models' results from that one build.
DUCKDB_DIALECT_MODEL = "int_duckdb_dialect"
FAILING_MODELS = {
    # list_value() is DuckDB's list constructor; Spark SQL has no such function
    f"{DUCKDB_DIALECT_MODEL}.sql": (
        "select order_id, list_value(order_id, order_id) as pair from {{ ref('stg_orders') }}\n"
    ),
    # ANSI mode (Databricks SQL's default): a cast that cannot succeed fails instead of yielding NULL.
    "int_bad_cast.sql": "select cast('not a number' as int) as n\n",
    # Enforced contract, declared int, produced string: dbt's contract check fails before Spark runs it.
    "int_wrong_type.sql": "select 'x' as n\n",
    # Enforced contract with NOT NULL: Delta rejects the write, as on Databricks (Parquet would not).
    "int_null_in_not_null.sql": "select cast(null as int) as n\n",
}
CONTRACTS_YML = """version: 2
models:
""" + "".join(
    f"""  - name: {name}
    config: {{contract: {{enforced: true}}}}
    columns:
      - name: n
        data_type: int
        constraints: [{{type: not_null}}]
"""
    for name in ("int_wrong_type", "int_null_in_not_null")
)


@dataclass(frozen=True)
class FailedBuild:
    status: int
    out: str
    duckdb_status: int  # the DuckDB-only model built on DuckDB first: valid SQL there
    results: dict[str, tuple[str, str]]  # unique id -> (status, message)


@pytest.fixture(scope="module")
def failed_spark_build(orders_mesh: MeshCopy, data_dir: Path) -> FailedBuild:
    folder = orders_mesh.folder("orders") / "models" / "intermediate"
    written = [folder / name for name in FAILING_MODELS]
    contracts = folder / "int_ansi_contracts.yml"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MESH_ROOT", str(orders_mesh.root))
        patch.setenv("MESH_DATA_DIR", str(data_dir))
        for path in written:
            path.write_text(FAILING_MODELS[path.name])
        contracts.write_text(CONTRACTS_YML)
        out = io.StringIO()
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # only its exit code matters
                on_duckdb = main(
                    ["build", "--domain", "orders", "--target", "ci", "--select", f"+{DUCKDB_DIALECT_MODEL}"]
                )
            selection = [f"+{DUCKDB_DIALECT_MODEL}", *(path.stem for path in written[1:])]
            with contextlib.redirect_stdout(out):
                status = main(["build", "--domain", "orders", "--target", "spark", "--select", *selection])
        finally:
            for path in [*written, contracts]:
                path.unlink()
    run = orjson.loads((orders_mesh.folder("orders") / "target" / "run_results.json").read_bytes())
    results = {r["unique_id"]: (r["status"], r["message"] or "") for r in run["results"]}
    return FailedBuild(status, out.getvalue(), on_duckdb, results)


def failures(build: FailedBuild) -> dict[str, str]:
    return {uid: message for uid, (status, message) in build.results.items() if status == "error"}


@pytest.mark.spark
def test_the_failing_build_fails_on_exactly_the_models_spark_must_refuse(
    failed_spark_build: FailedBuild,
) -> None:
    assert failed_spark_build.status == 1
    # the console names the first failed model, counts the others, and gives dbt's error for that model
    named = re.search(
        r"\[orders\] failed in [\d.]+s: (\w+) \(and 3 more failed node\(s\)\)", failed_spark_build.out
    )
    assert named, failed_spark_build.out
    assert f"{named[1]}.sql" in FAILING_MODELS
    assert f"Error in model {named[1]}" in failed_spark_build.out
    assert sorted(failures(failed_spark_build)) == sorted(
        f"model.orders.{name.removesuffix('.sql')}" for name in FAILING_MODELS
    )
    # the DuckDB-only model's upstream still built on Spark
    assert failed_spark_build.results["model.orders.stg_orders"][0] == "success"


@pytest.mark.spark
def test_duckdb_only_function_fails_the_spark_build_naming_the_model(failed_spark_build: FailedBuild) -> None:
    assert failed_spark_build.duckdb_status == 0
    message = failures(failed_spark_build)[f"model.orders.{DUCKDB_DIALECT_MODEL}"]
    assert "UNRESOLVED_ROUTINE" in message
    assert "list_value" in message


@pytest.mark.spark
def test_bad_cast_and_contract_violations_fail_the_spark_build(failed_spark_build: FailedBuild) -> None:
    failed = failures(failed_spark_build)
    assert "CAST_INVALID_INPUT" in failed["model.orders.int_bad_cast"]
    assert "contract" in failed["model.orders.int_wrong_type"].lower()
    assert "NOT_NULL" in failed["model.orders.int_null_in_not_null"].upper()
