"""Fixtures for the publisher tests: the built fixture mesh and a catalog on SQLite or PostgreSQL.

PostgreSQL comes from scripts/ci/postgres.sh (MESH_TEST_PG_URI, default below); its tests are skipped
with the reason when it is unreachable, except under CI (`CI` set), where that is a failure.
Each test gets its own catalog name, so tests sharing the PostgreSQL database never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy

from governance.iceberg.config import CatalogSettings
from tests.governance.iceberg.mesh_fixture import BuiltMesh, built_mesh
from tests.lanes import builds_dbt
from tests.services import unavailable

DEFAULT_PG_URI = "postgresql+psycopg://mesh:mesh@127.0.0.1:55432/iceberg"


def pg_uri() -> str:
    return os.environ.get("MESH_TEST_PG_URI", DEFAULT_PG_URI)


def pg_unreachable_reason() -> str | None:
    engine = sqlalchemy.create_engine(pg_uri())
    try:
        with engine.connect():
            return None
    except sqlalchemy.exc.OperationalError as error:
        where = engine.url.render_as_string(hide_password=True)
        return f"PostgreSQL unreachable at {where} ({error.orig}); run scripts/ci/postgres.sh"
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
@builds_dbt
def mesh() -> BuiltMesh:
    return built_mesh()


def make_settings(base: Path, uri: str, source_dir: Path, **overrides: object) -> CatalogSettings:
    values: dict[str, object] = {
        "name": f"t{uuid.uuid4().hex[:12]}",
        "uri": uri,
        "warehouse": (base / "warehouse").as_uri(),
        "identity": "mesh-publisher",
        "batch_rows": 400,
        "target_file_bytes": 16 * 1024,
        "source_dir": source_dir,
    }
    values.update(overrides)
    return CatalogSettings(**values)  # type: ignore[arg-type]


CATALOG_DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


def require_postgres() -> None:
    reason = pg_unreachable_reason()
    if reason:
        unavailable(reason, "scripts/ci/postgres.sh")


@pytest.fixture(params=CATALOG_DATABASES)
def settings(request: pytest.FixtureRequest, tmp_path: Path, mesh: BuiltMesh) -> Iterator[CatalogSettings]:
    if request.param == "postgresql":
        require_postgres()
        uri = pg_uri()
    else:
        uri = f"sqlite:///{tmp_path / 'catalog.db'}"
    yield make_settings(tmp_path, uri, mesh.warehouse)
