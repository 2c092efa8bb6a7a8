# ruff: noqa: F811 (fixtures imported from test_trino_live are parameters here)
"""The Databricks domains on a real Trino 476, read through Iceberg REST as Unity Catalog serves them.
Who reads which of their columns is asserted with every other product's, from the access matrix
(test_trino_live.py: test_trino_enforces_the_access_matrix_for_every_principal_product_and_column).

`make test-trino` starts Apache Iceberg's REST catalog servers behind the gateway at Unity Catalog's path
(scripts/ci/iceberg_rest.sh), then Trino with the catalogs `mesh trino-config` generates for the Databricks
domains, unchanged (DATABRICKS_HOST pointed at the gateway). Under CI a missing server or catalog fails.
"""

from __future__ import annotations

import re

import pytest

from governance.engines.embedded import EmbeddedEngine
from governance.model import MeshModel
from governance.trino.config import TrinoSettings
from tests.governance.trino.live import REPO, TrinoServer
from tests.governance.trino.test_trino_live import (  # noqa: F401 (fixtures)
    catalog_uri,
    embedded,
    member,
    mesh,
    normalised,
    published,
    served,
    server,
    settings,
)

pytestmark = pytest.mark.trino


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
    assert sorted(normalised(r, places=2) for r in rows) == sorted(normalised(r, places=2) for r in expected)
