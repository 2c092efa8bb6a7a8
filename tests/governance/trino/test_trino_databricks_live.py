# ruff: noqa: F811 (fixtures imported from test_trino_live are parameters here)
"""The Databricks domains on a real Trino 476, read through Iceberg REST as Unity Catalog serves them.

`make test-trino` starts Apache Iceberg's REST catalog servers behind the gateway at Unity Catalog's path
(scripts/ci/iceberg_rest.sh), then Trino with the catalogs `mesh trino-config` generates for the Databricks
domains, unchanged (DATABRICKS_HOST pointed at the gateway). Under CI a missing server or catalog fails.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from governance.engines.base import EngineError
from governance.engines.embedded import EmbeddedEngine
from governance.iceberg.config import CatalogSettings
from governance.model import MeshModel
from governance.project import Projects
from governance.trino.config import TrinoSettings
from governance.trino.rules import ProductAccess, RulesBuilder, databricks_domains
from tests.governance.trino.live import REPO, TrinoServer
from tests.governance.trino.test_trino_live import (  # noqa: F401 (fixtures)
    NOBODY,
    catalog_uri,
    member,
    mesh,
    published,
    readers,
    server,
    settings,
)

pytestmark = pytest.mark.trino


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


@pytest.fixture(scope="module")
def embedded(published: CatalogSettings) -> Iterator[EmbeddedEngine]:
    engine = EmbeddedEngine(Projects.discover(REPO), published)
    yield engine
    engine.close()


def databricks_products(mesh: MeshModel, settings: TrinoSettings) -> list[tuple[ProductAccess, str]]:
    """(who may read it, embedded-engine name) of every Databricks product: the same name on Trino."""
    access = {str(p.table): p for p in RulesBuilder(mesh, settings, "mesh-publisher").products}
    found = []
    for domain in databricks_domains(mesh):
        for model in domain.products:
            name = f"{(model.database or model.project).lower()}.{model.schema}.{model.alias}".lower()
            assert name in access, f"{name}: no Trino access rule for a Databricks product"
            found.append((access[name], name))
    return found


def test_every_databricks_product_is_read_by_every_group_granted_it_under_its_mesh_name(
    server: TrinoServer, settings: TrinoSettings, mesh: MeshModel, served: list[str], embedded: EmbeddedEngine
) -> None:
    products = databricks_products(mesh, settings)
    assert products
    for product, name in products:
        assert str(product.table) == name  # one name on every engine
        (expected,) = embedded.execute(f"SELECT count(*) FROM {name}").rows
        for group in readers(product):
            engine = server.engine(settings, member(settings, group))
            try:
                (count,) = engine.execute(f"SELECT count(*) FROM {name}").rows
            finally:
                engine.close()
            assert count == expected, (
                f"{group} reads {count} rows of {name} on Trino, the mesh has {expected}"
            )


def test_a_user_in_no_group_sees_no_databricks_catalog(
    server: TrinoServer, settings: TrinoSettings, mesh: MeshModel, served: list[str]
) -> None:
    engine = server.engine(settings, NOBODY)
    try:
        catalogs = {row[0] for row in engine.execute("SHOW CATALOGS").rows}
        assert not catalogs & set(served)
        for _, name in databricks_products(mesh, settings):
            with pytest.raises(EngineError, match="Access Denied"):
                engine.execute(f"SELECT count(*) FROM {name}")
    finally:
        engine.close()


def test_pii_columns_of_databricks_products_are_hidden_from_uncleared_readers(
    server: TrinoServer, settings: TrinoSettings, mesh: MeshModel, served: list[str]
) -> None:
    with_pii = [(p, name) for p, name in databricks_products(mesh, settings) if p.pii]
    assert with_pii, "no Databricks product has PII columns: nothing would show they are hidden"
    for product, name in with_pii:
        uncleared = sorted(set(product.readers) - set(product.cleared))
        assert uncleared, f"{name}: every reader is cleared for its PII"
        reader = server.engine(settings, member(settings, uncleared[0]))
        try:
            columns = set(reader.execute(f"SELECT * FROM {name} LIMIT 1").columns)
            assert columns and not columns & set(product.pii), f"{name}: SELECT * shows PII to {uncleared[0]}"
            with pytest.raises(EngineError, match="Access Denied"):
                reader.execute(f"SELECT {product.pii[0]} FROM {name} LIMIT 1")
        finally:
            reader.close()
        for group in product.cleared:
            cleared = server.engine(settings, member(settings, group))
            try:
                assert set(product.pii) <= set(cleared.execute(f"SELECT * FROM {name} LIMIT 1").columns)
            finally:
                cleared.close()


def makefile_demo_query() -> str:
    """The demo query `make demo` runs and the README shows (Makefile DEMO_QUERY)."""
    text = (REPO / "Makefile").read_text()
    found = re.search(r"^DEMO_QUERY := (.+)$", text, re.MULTILINE)
    assert found, "Makefile has no DEMO_QUERY"
    return found.group(1).strip()


def test_the_cross_domain_demo_query_returns_the_embedded_engines_rows_on_trino(
    server: TrinoServer,
    settings: TrinoSettings,
    mesh: MeshModel,
    served: list[str],
    embedded: EmbeddedEngine,
) -> None:
    """Logistics (published, the JDBC catalog) joined with orders (Databricks, the REST catalog). The
    whole result, not its first rows: ties at `limit 8` may be cut differently by two engines."""
    query = re.sub(r"\s+limit \d+$", "", makefile_demo_query())
    assert "orders.gold.fct_orders" in query and "logistics.gold." in query
    on_trino = query  # unchanged: every product is <domain>.<layer>.<table> on both engines
    expected = embedded.execute(query).rows
    engine = server.engine(settings, member(settings, "data-consumers"))
    try:
        rows = engine.execute(on_trino).rows
    finally:
        engine.close()
    assert expected
    assert sorted(map(normalised, rows)) == sorted(map(normalised, expected))


def normalised(row: tuple[object, ...]) -> tuple[str, ...]:
    """A row as text, numbers by value (DuckDB and Trino return DECIMAL and DOUBLE as different types)."""
    out = []
    for value in row:
        if isinstance(value, (int, float)) or type(value).__name__ == "Decimal":
            out.append(f"{float(value):.2f}")  # type: ignore[arg-type]
        else:
            out.append(str(value))
    return tuple(out)
