"""The repository's mesh on a real Trino 476 (scripts/ci/trino.sh, `make test-trino`), configured with
`mesh trino-config` output as generated, reading what `mesh publish` wrote to PostgreSQL.

Needs the mesh built (`make test-dbt`); publishes its external products itself. Under CI a missing
Trino is a failure, elsewhere a skip naming `make trino`.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import orjson
import pytest

from governance.access import AccessPolicy, Grant, access_matrix
from governance.access import ProductAccess as MatrixRow
from governance.cli import main
from governance.engines.base import EngineError
from governance.engines.embedded import EmbeddedEngine
from governance.engines.quoting import qualified, quote_ident
from governance.engines.trino_engine import TrinoEngine
from governance.iceberg.config import CatalogSettings, load_catalog_settings
from governance.loader import load_mesh
from governance.model import MeshModel
from governance.project import Projects
from governance.settings import settings_file
from governance.trino.config import TrinoSettings, load_trino_settings
from governance.trino.names import TrinoTable, trino_table
from governance.trino.rules import ProductAccess, RulesBuilder, databricks_domains, external_domains
from governance.unity.config import load_config
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


@functools.cache
def publish(catalog_uri: str, warehouse: str) -> str:
    """`mesh publish` of the built mesh into the catalog database and warehouse Trino reads: once per test
    run (the modules that import the fixtures below read the same tables); its output."""
    env = {**os.environ, "MESH_CATALOG_URI": catalog_uri, "MESH_WAREHOUSE": warehouse}
    done = subprocess.run(
        [sys.executable, "-m", "governance", "publish"],
        check=False,
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def published(server: TrinoServer, catalog_uri: str, mesh: MeshModel) -> CatalogSettings:
    publish(catalog_uri, server.warehouse)
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


def member(settings: TrinoSettings, group: str) -> str:
    members = settings.groups.get(group)
    assert members, f"group {group} has no members in governance/trino.yml"
    return members[0]


@pytest.fixture(scope="module")
def served(server: TrinoServer, settings: TrinoSettings, mesh: MeshModel) -> list[str]:
    """The Databricks domains' catalogs, which Trino must serve (the REST servers were started)."""
    wanted = sorted(d.name for d in databricks_domains(mesh))
    assert wanted, "the mesh has no Databricks domain"
    admin = server.engine(settings, member(settings, settings.admin_group))
    try:
        catalogs = {row[0] for row in admin.execute("SHOW CATALOGS").rows}
    finally:
        admin.close()
    absent = [name for name in wanted if name not in catalogs]
    if absent:
        pytest.fail(
            f"Trino serves no catalog {', '.join(absent)}: start the REST catalog servers first "
            "(scripts/ci/iceberg_rest.sh start, then scripts/ci/trino.sh start; make test-trino does both)"
        )
    return wanted


# --- the access matrix on Trino ----------------------------------------------------------------------------
# One table of cases, derived from governance.access for every product Trino serves (the external domains'
# published to the JDBC catalogs, the Databricks domains' through the REST catalogs), every principal the
# matrix names (share recipients and a user in no group too) and every column: per (principal, product) one
# query as a member of that group (SELECT * with the row count: its columns are the column list Trino gives
# the principal, as information_schema does) and one naming the withheld columns.

COUNT = "mesh_access_rows"  # the row count, a column of the one query
# How Trino 476 refuses a read: a table the user may read nothing of is "not found or not allowed" (it
# does not say which; every product is read by its owner here, so it exists), a hidden column is denied.
REFUSED = re.compile(r"Access Denied|Relation not found or not allowed")


def central_policy() -> AccessPolicy:
    return load_config(REPO, settings_file("unity", REPO)).access_policy()


def trino_matrix(mesh: MeshModel) -> list[MatrixRow]:
    """The matrix `mesh trino-config` enforces: the repository's central policy (unity.yml), share
    recipients left out (they read through Delta Sharing, never as Trino users: on Trino they read
    nothing)."""
    return access_matrix(mesh, dataclasses.replace(central_policy(), shares={}))


def trino_user(settings: TrinoSettings, principal: str, reads: bool) -> str:
    """A member of the group and of no other, so what it reads is the group's access alone; a principal
    that reads nothing on Trino and has no members there (a share recipient): a user of its name."""
    members = settings.groups.get(principal)
    if not members and not reads:
        return principal
    assert members, f"group {principal} has no members in governance/trino.yml: no Trino user to test it"
    only = [m for m in members if sum(m in users for users in settings.groups.values()) == 1]
    return (only or members)[0]


def normalised(row: tuple[object, ...], places: int = 6) -> tuple[str, ...]:
    """A row as text, numbers by value to `places` decimals (DuckDB and Trino return DECIMAL and DOUBLE as
    different types), instants in UTC."""
    out = []
    for value in row:
        if isinstance(value, bool) or value is None:
            out.append(repr(value))
        elif isinstance(value, (int, float, Decimal)):
            out.append(f"{float(value):.{places}f}")
        elif isinstance(value, datetime) and value.tzinfo is not None:
            out.append(value.astimezone(UTC).replace(tzinfo=None).isoformat())
        else:
            out.append(str(value))
    return tuple(out)


def sql_name(table: TrinoTable) -> str:
    return qualified(table.catalog, table.schema, table.table)


@dataclass(frozen=True)
class Case:
    """One product of the table: its Trino name, its matrix rows, and what the mesh holds."""

    table: TrinoTable
    access: MatrixRow
    order: list[str]  # columns every reader sees that pick one row: the key if unique, else all of them
    row: dict[str, str]  # that row, column -> normalised value
    count: int

    @property
    def sql(self) -> str:
        """The one query per principal: every column it may see, the first row, and the row count."""
        name = sql_name(self.table)
        order = ", ".join(quote_ident(c) for c in self.order)
        return f"SELECT *, (SELECT count(*) FROM {name}) AS {COUNT} FROM {name} ORDER BY {order} LIMIT 1"


def case(embedded: EmbeddedEngine, table: TrinoTable, access: MatrixRow) -> Case:
    """The embedded engine reads the product under the same name: the row every reader must get."""
    seen = [c for c in access.model.columns if c not in access.withheld_columns]
    key = quote_ident(seen[0])
    ((rows, keys),) = embedded.execute(f"SELECT count(*), count(DISTINCT {key}) FROM {sql_name(table)}").rows
    one = Case(table, access, seen[:1] if rows == keys else seen, {}, rows)
    result = embedded.execute(one.sql)
    ((*values, count),) = list(result.rows)
    row = dict(zip([c.lower() for c in result.columns[:-1]], normalised(tuple(values)), strict=True))
    return dataclasses.replace(one, row=row, count=count)


def test_trino_enforces_the_access_matrix_for_every_principal_product_and_column(
    server: TrinoServer, settings: TrinoSettings, mesh: MeshModel, served: list[str], embedded: EmbeddedEngine
) -> None:
    """denied: the query is refused; clear: the column is there with the stored value; masked: there, with
    the stored (masked) value, the same for every reader, never a clear PII value; withheld: absent from
    SELECT *, and naming it is refused."""
    matrix = trino_matrix(mesh)
    assert all(access.readers for access in matrix)  # a refusal is no missing table: someone reads each
    domains = {d.name: d for d in [*external_domains(mesh), *databricks_domains(mesh)]}
    cases = [case(embedded, trino_table(a.model, domains[a.model.project], settings), a) for a in matrix]
    catalogs = {c.table.catalog for c in cases}
    assert catalogs >= {*served, *(d.name for d in external_domains(mesh))}, catalogs
    # Every principal of `mesh access` (share recipients included) and a user in no group.
    everyone = access_matrix(mesh, central_policy())
    principals = [*sorted({p.name for access in everyone for p in access.principals}), NOBODY]

    def as_principal(principal: str) -> list[str]:
        """One connection, one query per product (two when a column is withheld)."""
        reads = any(one.access.principal(principal).reads for one in cases)
        engine = server.engine(settings, trino_user(settings, principal, reads))
        try:
            wrong = [line for one in cases for line in check(engine, one, principal)]
            if principal == NOBODY:  # a user in no group does not even see the mesh's catalogs
                shown = {row[0] for row in engine.execute("SHOW CATALOGS").rows}
                wrong += [f"{NOBODY} sees catalog {c}" for c in sorted(shown & catalogs)]
            return wrong
        finally:
            engine.close()

    # Principals side by side: a query mostly waits on Trino's planning, so three at a time take about
    # half as long as one after the other on two cores.
    with ThreadPoolExecutor(max_workers=3) as pool:
        wrong = [line for lines in pool.map(as_principal, principals) for line in lines]
    assert not wrong, "Trino does not enforce the access matrix:\n" + "\n".join(wrong)
    # The table has every kind of cell (the repository's mesh has each one): none is left untested.
    kinds = {g for one in cases for p in principals for g in one.access.principal(p).columns.values()}
    assert kinds == set(Grant), kinds


def check(engine: TrinoEngine, one: Case, principal: str) -> list[str]:
    """What is wrong with what `principal` reads of one product, a line per cell (empty: as the matrix)."""
    # Trino names every column in lower case.
    cells = {c.lower(): g for c, g in one.access.principal(principal).columns.items()}
    where = f"{principal} on {one.table}"
    denied = set(cells.values()) == {Grant.DENIED}
    try:
        result = engine.execute(one.sql)
    except EngineError as error:
        if not REFUSED.search(str(error)):
            raise
        summary = one.access.principal(principal).summary
        return [] if denied else [f"{where}: refused ({error}), the matrix says {summary}"]
    if denied:
        return [f"{where}: read, the matrix says denied"]
    ((*values, count),) = result.rows
    seen = dict(zip(result.columns[:-1], normalised(tuple(values)), strict=True))
    wrong = [] if count == one.count else [f"{where}: {count} rows, the mesh has {one.count}"]
    pii = {c.lower(): column.is_pii for c, column in one.access.model.columns.items()}
    clear_pii = [c for c, g in cells.items() if g is Grant.CLEAR and pii[c]]
    for column, grant in cells.items():
        if grant is Grant.WITHHELD:
            if column in seen:
                wrong.append(f"{where}: {column} is withheld, SELECT * shows it ({seen[column]})")
        elif column not in seen:
            wrong.append(f"{where}: {column} is {grant}, SELECT * hides it")
        elif seen[column] != one.row[column]:
            wrong.append(f"{where}: {column} is {grant}, reads {seen[column]}, stored {one.row[column]}")
        elif grant is Grant.MASKED:
            wrong += [
                f"{where}: masked {column} is {c} in clear" for c in clear_pii if seen[c] == seen[column]
            ]
    if set(seen) - set(cells):
        wrong.append(f"{where}: columns the product does not declare: {sorted(set(seen) - set(cells))}")
    withheld = [c for c, g in cells.items() if g is Grant.WITHHELD]
    if withheld:  # hidden from SELECT *, and refused when named
        named = ", ".join(quote_ident(c) for c in withheld)
        try:
            engine.execute(f"SELECT {named} FROM {sql_name(one.table)} LIMIT 1")
        except EngineError as error:
            if not REFUSED.search(str(error)):
                raise
        else:
            wrong.append(f"{where}: naming the withheld {', '.join(withheld)} is not refused")
    return wrong


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
