"""The `trino` target: logistics built straight into the Iceberg catalog by a real Trino 476, as its owner.

One throw-away mesh copy, built on DuckDB (`mesh build`) and published the copying way (`mesh publish`:
namespace `logistics`), then logistics built again on a Trino of its own (`mesh build --target trino`,
catalog `logistics`, schemas = layers) and published the verifying way. Both paths must end in the same
catalog state: the same columns, types and docs, the same properties, the same rows.

Under CI a Trino or PostgreSQL that cannot start is a failure, elsewhere a skip with the reason.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import duckdb
import orjson
import pytest

from governance.cli import main
from tests.domains.mesh_copy import REPO, MeshCopy, generate_data
from tests.fixtures.built_mesh import SCALE, built_mesh
from tests.fixtures.mesh_project import cache_dir
from tests.governance.iceberg.conftest import pg_unreachable_reason
from tests.governance.trino.live import TrinoServer, free_port, free_ports, missing, started_trino

pytestmark = [pytest.mark.trino, pytest.mark.dbt]

PRODUCTS = ("dim_carriers", "fct_delivery_performance", "fct_shipments")
DATABRICKS_DOMAINS = ("orders", "marketing")  # each served by a REST server of the stand-in
# The relationships test to orders.fct_orders reads Databricks' `orders` catalog, which a CI Trino lacks.
CROSS_DOMAIN_TEST = "relationships_fct_shipments_order_id__order_id__ref_orders_fct_orders_"
DATABASE = "mesh_trino_build_test"


Rows = list[tuple[object, ...]]


@dataclass(frozen=True)
class CatalogState:
    """What Trino shows of one product: columns (name, type, comment), mesh properties, rows."""

    columns: Rows
    properties: dict[str, str]
    rows: Rows


@dataclass(frozen=True)
class Built:
    mesh: MeshCopy
    server: TrinoServer
    env: dict[str, str]
    copied: dict[str, CatalogState]  # DuckDB build, then the copying mesh publish
    on_trino: dict[str, CatalogState]  # Trino build, then the verifying mesh publish


def fresh_database(name: str) -> str:
    """An empty database on the scripts/ci/postgres.sh server (dropped and created); its SQLAlchemy URI."""
    done = subprocess.run(
        ["bash", str(REPO / "scripts" / "ci" / "postgres.sh"), "fresh", name],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if done.returncode != 0:
        missing(f"scripts/ci/postgres.sh fresh {name} failed: {done.stderr.strip()[-500:]}")
    return done.stdout.strip().splitlines()[-1]


def mesh_main(env: dict[str, str], *args: str) -> int:
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        return main(list(args))


def comparable(rows: Rows) -> Rows:
    """Rows in a stable order, doubles rounded: two engines may differ in a sum's last bits."""
    rounded = [
        tuple(round(v, 9) if isinstance(v, float) and math.isfinite(v) else v for v in row) for row in rows
    ]
    return sorted(rounded, key=repr)


def published_names(env: dict[str, str]) -> dict[str, str]:
    """Each logistics product's name in Trino, as `mesh trino-config` names it."""
    from governance.loader import load_mesh
    from governance.project import Projects
    from governance.trino.config import load_trino_settings
    from governance.trino.names import trino_table

    root = Path(env["MESH_ROOT"])
    with pytest.MonkeyPatch.context() as patch:
        for key, value in env.items():
            patch.setenv(key, value)
        mesh = load_mesh(root, Projects.discover(root))
        settings = load_trino_settings(Path(env["MESH_TRINO_CONFIG"]))
    domain = mesh.domains["logistics"]
    return {m.name: str(trino_table(m, domain, settings)) for m in domain.products if m.name in PRODUCTS}


def catalog_state(
    server: TrinoServer, env: dict[str, str], tables: dict[str, str]
) -> dict[str, CatalogState]:
    from governance.trino.config import load_trino_settings

    engine = server.engine(load_trino_settings(Path(env["MESH_TRINO_CONFIG"])), "admin")
    states: dict[str, CatalogState] = {}
    try:
        for product, table in tables.items():
            catalog, schema, name = table.split(".")
            columns = engine.execute(f"SHOW COLUMNS FROM {table}").rows
            properties = engine.execute(
                f'SELECT key, value FROM {catalog}.{schema}."{name}$properties" '
                "WHERE key LIKE 'mesh.%' OR key IN ('comment', 'owner')"
            ).rows
            comment = engine.execute(
                "SELECT comment FROM system.metadata.table_comments "
                f"WHERE catalog_name = '{catalog}' AND schema_name = '{schema}' AND table_name = '{name}'"
            ).rows
            rows = engine.execute(f"SELECT * FROM {table}").rows
            states[product] = CatalogState(
                [(c[0], c[1], c[3]) for c in columns],
                {str(k): str(v) for k, v in [*properties, ("table comment", comment[0][0])]},
                comparable(rows),
            )
    finally:
        engine.close()
    return states


@contextmanager
def rest_standin(mesh_root: Path, data: Path, trino_state: Path) -> Iterator[None]:
    """scripts/ci/iceberg_rest.sh for the copy's Databricks domains, where scripts/ci/trino.sh finds it
    (<TRINO_STATE_DIR>/iceberg-rest), on a port of its own; stopped on exit."""
    env = {
        **os.environ,
        "MESH_ROOT": str(mesh_root),
        "MESH_DATA_DIR": str(data),
        "ICEBERG_REST_STATE_DIR": str(trino_state / "iceberg-rest"),
        # the gateway's port and one per Databricks domain after it
        "ICEBERG_REST_PORT": str(free_ports(1 + len(DATABRICKS_DOMAINS))),
    }
    script = ["bash", str(REPO / "scripts" / "ci" / "iceberg_rest.sh")]
    started = subprocess.run([*script, "start"], check=False, env=env, capture_output=True, text=True)
    try:
        if started.returncode != 0:
            missing(f"scripts/ci/iceberg_rest.sh start failed: {started.stderr.strip()[-2000:]}")
        yield
    finally:
        subprocess.run([*script, "stop"], check=False, env=env, capture_output=True, text=True)


@pytest.fixture(scope="module")
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    reason = pg_unreachable_reason()
    if reason:
        missing(reason)
    uri = fresh_database(DATABASE)
    # The session's production mesh, built once on DuckDB (tests/fixtures/built_mesh.py), copied whole:
    # mesh trino-config and mesh publish load every project's manifest.
    production = built_mesh(cache_dir(request.config))
    folder = tmp_path_factory.mktemp("trino-build")
    shutil.copytree(production.root, folder / "mesh")
    shutil.copytree(production.data, folder / "data")
    mesh, data = MeshCopy(folder / "mesh"), folder / "data"
    (mesh.root / "governance").mkdir()
    for settings_file in (REPO / "governance").glob("*.yml"):
        shutil.copyfile(settings_file, mesh.root / "governance" / settings_file.name)
    trino_yml = mesh.root / "governance" / "trino.yml"
    env = {
        "MESH_ROOT": str(mesh.root),
        "MESH_DATA_DIR": str(data),
        "MESH_CATALOG_URI": uri,
        "MESH_WAREHOUSE": str(tmp_path_factory.mktemp("trino-build-warehouse")),
        "MESH_TRINO_CONFIG": str(trino_yml),
        "MESH_TRINO_TIMEOUT": os.environ.get("MESH_TRINO_TIMEOUT", "120"),
    }
    state = tmp_path_factory.mktemp("trino-build-state")
    # The README's demo query joins orders (a Databricks domain): its Trino catalog reads Unity Catalog's
    # Iceberg REST endpoint, stood in for by scripts/ci/iceberg_rest.sh over this copy's orders build.
    with rest_standin(mesh.root, data, state), started_trino(mesh.root, trino_yml, state, uri) as server:
        env = {**env, "TRINO_HOST": server.host, "TRINO_PORT": str(server.port)}
        tables = published_names(env)
        assert mesh_main(env, "publish", "--domain", "logistics") == 0  # the copying path
        copied = catalog_state(server, env, tables)
        build = ("build", "--target", "trino", "--domain", "logistics", "--exclude", CROSS_DOMAIN_TEST)
        assert mesh_main(env, *build) == 0
        assert mesh_main(env, "publish", "--domain", "logistics") == 0  # the verifying path
        built_tables = {product: f"logistics.gold.{product}" for product in PRODUCTS}
        yield Built(mesh, server, env, copied, catalog_state(server, env, built_tables))


@pytest.mark.parametrize("product", PRODUCTS)
def test_trino_build_and_duckdb_publish_end_in_the_same_catalog_state(built: Built, product: str) -> None:
    copied, on_trino = built.copied[product], built.on_trino[product]
    assert copied.rows, "the copied product has rows"
    assert on_trino.columns == copied.columns
    assert on_trino.properties == copied.properties
    assert on_trino.rows == copied.rows


def test_the_owner_wrote_the_products_and_everyone_else_reads_them(built: Built) -> None:
    from governance.engines.base import EngineError
    from governance.trino.config import load_trino_settings

    settings = load_trino_settings(Path(built.env["MESH_TRINO_CONFIG"]))
    analyst = built.server.engine(settings, "analyst")
    try:
        assert analyst.execute("SELECT count(*) FROM logistics.gold.dim_carriers").rows[0][0] > 0
        with pytest.raises(EngineError, match="Access Denied"):
            analyst.execute("DELETE FROM logistics.gold.dim_carriers")
    finally:
        analyst.close()
    admin = built.server.engine(settings, "admin")
    try:
        owners = admin.execute(
            "SELECT value FROM logistics.gold.\"fct_shipments$properties\" WHERE key = 'owner'"
        ).rows
    finally:
        admin.close()
    assert owners == [("logistics-team",)]


def test_trino_down_is_one_line_and_exit_2(built: Built, capsys: pytest.CaptureFixture[str]) -> None:
    env = {**built.env, "TRINO_PORT": str(free_port())}
    code = mesh_main(env, "build", "--target", "trino", "--domain", "logistics")
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err[-1].startswith("error: cannot reach Trino at ") and "--target trino again" in err[-1]


def test_a_domain_on_databricks_does_not_build_on_trino(
    built: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    assert mesh_main(built.env, "build", "--target", "trino", "--domain", "orders") == 2
    err = capsys.readouterr().err.strip()
    assert "orders does not build on --target trino" in err and err.count("\n") == 0


def snapshots(built: Built, *tables: str) -> list[object]:
    """The snapshot ids of the tables (a write or a landing adds one)."""
    from governance.trino.config import load_trino_settings

    admin = built.server.engine(load_trino_settings(Path(built.env["MESH_TRINO_CONFIG"])), "admin")
    try:
        found: list[object] = []
        for table in tables:
            schema, name = table.rsplit(".", 1)
            found.append(list(admin.execute(f'SELECT snapshot_id FROM {schema}."{name}$snapshots"').rows))
        return found
    finally:
        admin.close()


def one_error_line(out: pytest.CaptureFixture[str]) -> str:
    """The error line of a failed command: stderr's last, the only `error:` line, no traceback anywhere."""
    captured = out.readouterr()
    assert "Traceback" not in captured.err + captured.out
    lines = captured.err.strip().splitlines()  # what it governs ("building 1 of 4 projects"), then the error
    assert lines and [line for line in lines if line.startswith("error:")] == [lines[-1]], lines
    return lines[-1]


def test_a_build_the_rules_deny_fails_in_one_line_naming_the_user_and_writes_nothing(
    built: Built, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The build's user is a reader as far as the running Trino's rules go (trino.yml lists `analyst` first
    for the owning group; Trino's group file says analyst is a data consumer). dbt-trino would fail listing
    the schemas before any model ("Relation not found or not allowed"): the build asks Trino first, as
    that user, and says in one line who was refused, by which rules and what to do; nothing landed."""
    trino_yml = tmp_path / "trino.yml"
    text = Path(built.env["MESH_TRINO_CONFIG"]).read_text()
    trino_yml.write_text(text.replace("logistics-team: [lena]", "logistics-team: [analyst, lena]"))
    env = {**built.env, "MESH_TRINO_CONFIG": str(trino_yml)}
    tables = ("logistics.wms.carriers", "logistics.gold.dim_carriers")  # a landed source, a product
    before = snapshots(built, *tables)
    code = mesh_main(env, "build", "--target", "trino", "--domain", "logistics", "--select", "dim_carriers")
    err = one_error_line(capsys)
    assert code == 1
    assert err.startswith(
        "error: logistics: Trino refused the build's user 'analyst' reading the relations dbt-trino lists "
        "before any model (PERMISSION_DENIED: Access Denied: Cannot select from table "
        "system.metadata.materialized_views); the rules from mesh trino-config let only the owning group "
        "'logistics-team' build the domain: build as its owner"
    ), err
    assert err.endswith("nothing was landed or built")
    assert all(snapshot for snapshot in before) and snapshots(built, *tables) == before  # nothing written


UNSUPPORTED = "select list_value(1, 2) as carriers\n"  # DuckDB's list constructor: Trino has no such function


def test_a_model_trino_cannot_run_is_one_line_naming_it_and_publish_then_publishes_nothing(
    built: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    """Every failed node goes through one translator (governance/build/trino_failures.py): the model, its
    table, the feature Trino lacks, what to do. The domain is then half built, so `mesh publish` refuses it
    until a build passes: the products keep what the last good publish wrote."""
    model = built.mesh.folder("logistics") / "models" / "staging" / "stg_carrier_lists.sql"
    model.write_text(UNSUPPORTED)
    before = snapshots(built, "logistics.gold.dim_carriers")
    try:
        code = mesh_main(
            built.env, "build", "--target", "trino", "--domain", "logistics", "--select", "stg_carrier_lists"
        )
        err = one_error_line(capsys)
        assert code == 1
        assert err.startswith(
            "error: logistics model 'stg_carrier_lists' (logistics.bronze.stg_carrier_lists): Trino cannot "
            "run a feature it uses (FUNCTION_NOT_FOUND: "
        ), err
        assert "Function 'list_value' not registered); write that part in Trino's SQL" in err
        assert mesh_main(built.env, "publish", "--domain", "logistics") == 1
        refused = one_error_line(capsys)
        assert refused.startswith(
            "error: logistics: its last build on Trino failed (model 'stg_carrier_lists' "
            "(logistics.bronze.stg_carrier_lists): line "
        ), refused
        assert refused.endswith(
            "nothing published: build it again (mesh build --target trino --domain logistics), then publish"
        )
        assert snapshots(built, "logistics.gold.dim_carriers") == before
    finally:
        model.unlink()


def readme_trino_query() -> tuple[str, str]:
    """The README's demo query on Trino (its Trino section) and the user it runs as, as the shell reads them
    (a backslash-newline inside double quotes is removed)."""
    text = (REPO / "README.md").read_text()
    found = re.search(r'TRINO_USER=(\w+) mesh query --engine trino "((?:[^"\\]|\\.)+)"', text, re.S)
    assert found, 'README.md shows no `TRINO_USER=... mesh query --engine trino "..."` demo query'
    return found[1], re.sub(r"\\\n", "", found[2])


def test_the_readmes_demo_query_on_trino_reads_the_trino_built_products(
    built: Built, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exactly the README's query, as its user, on the Trino whose logistics products the trino build wrote
    (orders through the REST stand-in): the rows the DuckDB build gives (both domains' DuckDB files)."""
    user, query = readme_trino_query()
    assert "logistics.gold." in query and "orders.gold.fct_orders" in query
    env = {**built.env, "TRINO_USER": user}
    assert mesh_main(env, "query", query, "--engine", "trino", "--format", "json") == 0
    on_trino = [tuple(row.values()) for row in orjson.loads(capsys.readouterr().out)]
    warehouse = Path(built.env["MESH_DATA_DIR"]) / "warehouse"
    duck = duckdb.connect()
    try:
        for domain in ("logistics", "orders"):
            duck.execute(f"ATTACH '{warehouse / domain}.duckdb' AS {domain} (READ_ONLY)")
        on_duckdb = duck.execute(query).fetchall()
    finally:
        duck.close()
    assert on_duckdb, "the DuckDB build gives the demo query no rows"
    assert on_trino == [tuple(row) for row in on_duckdb]


ARRIVALS = """
{{ config(
    materialized='incremental', incremental_strategy='append', schema='bronze',
    pre_hook="{{ empty_when_source_reset(source('carrier_tracking', 'delivery_events'),
                                         'received_at', 'event_id') }}"
) }}
select event_id, received_at
from {{ source('carrier_tracking', 'delivery_events') }}
{{ arrivals_after_newest_loaded('received_at') }}
"""


def test_incremental_models_append_and_start_over_when_their_source_was_reset(built: Built) -> None:
    """The platform's incremental macros in Trino's SQL: a second run appends nothing new, and a source
    replaced by other rows (another seed) empties the table first (the trino fingerprint differs)."""
    from governance.trino.config import load_trino_settings

    (built.mesh.folder("logistics") / "models" / "staging" / "stg_event_arrivals.sql").write_text(ARRIVALS)
    build = ("build", "--target", "trino", "--domain", "logistics", "--select", "stg_event_arrivals")
    engine = built.server.engine(load_trino_settings(Path(built.env["MESH_TRINO_CONFIG"])), "admin")

    def loaded() -> tuple[object, ...]:
        return tuple(
            engine.execute(
                "SELECT count(*), count(DISTINCT event_id) FROM logistics.bronze.stg_event_arrivals"
            ).rows[0]
        )

    def source() -> tuple[object, ...]:
        return tuple(
            engine.execute(
                "SELECT count(*), count(DISTINCT event_id) FROM logistics.carrier_tracking.delivery_events"
            ).rows[0]
        )

    try:
        assert mesh_main(built.env, *build) == 0
        first = loaded()
        assert first == source() and first[0] > 0
        assert mesh_main(built.env, *build) == 0  # incremental: nothing arrived, nothing appended
        assert loaded() == first
        generate_data(Path(built.env["MESH_DATA_DIR"]), scale=SCALE, seed="8")  # the feed replayed otherwise
        assert mesh_main(built.env, *build) == 0
        assert loaded() == source() != first
    finally:
        engine.close()
