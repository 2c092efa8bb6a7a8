"""The catalog fixture mesh (real dbt: orders built with source freshness, the rest parsed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from governance.loader import load_mesh
from governance.model import MeshModel
from governance.site.pipeline import SiteSummary, write_site
from tests.fixtures.catalog_mesh import CATALOG
from tests.fixtures.mesh_fixtures import clean_root  # noqa: F401 - pytest fixture
from tests.fixtures.mesh_project import cache_dir, prepare


@pytest.fixture(scope="session")
def catalog_root(request: pytest.FixtureRequest) -> Path:
    return prepare(CATALOG, cache_dir(request.config))


@pytest.fixture(scope="session")
def catalog_mesh(catalog_root: Path) -> MeshModel:
    return load_mesh(catalog_root)


@pytest.fixture(scope="session")
def site(
    catalog_root: Path, catalog_mesh: MeshModel, tmp_path_factory: pytest.TempPathFactory
) -> SiteSummary:
    out = tmp_path_factory.mktemp("catalog") / "site"
    return write_site(catalog_mesh, catalog_root, out)
