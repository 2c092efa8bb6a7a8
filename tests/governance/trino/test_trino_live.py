"""Against a real Trino started with `mesh trino-config` output (deploy/trino): every product answers and
carries its description as the table comment. Skipped unless TRINO_HOST is set.

    TRINO_HOST=localhost TRINO_USER=admin .venv/bin/pytest -m live tests/governance/trino
"""

from __future__ import annotations

import os

import pytest

from governance.engines.trino_engine import TrinoEngine
from governance.loader import load_mesh
from governance.project import find_root
from governance.trino.config import load_trino_settings
from governance.trino.names import trino_table

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(
        not os.environ.get("TRINO_HOST"), reason="TRINO_HOST not set: no Trino to test against"
    ),
]


def test_every_product_answers_with_its_comment() -> None:
    settings = load_trino_settings()
    mesh = load_mesh(find_root())
    engine = TrinoEngine(settings)
    try:
        for domain in mesh.domains.values():
            if domain.is_hub:
                continue
            for model in domain.products:
                table = trino_table(model, domain, settings)
                (count,) = engine.execute(
                    f'SELECT count(*) FROM "{table.catalog}"."{table.schema}"."{table.table}"'
                ).rows
                assert count[0] >= 0
                comments = engine.execute(
                    "SELECT comment FROM system.metadata.table_comments "
                    f"WHERE catalog_name = '{table.catalog}' AND schema_name = '{table.schema}' "
                    f"AND table_name = '{table.table}'"
                ).rows
                assert comments == [(model.description,)], str(table)
    finally:
        engine.close()
