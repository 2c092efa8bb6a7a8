from __future__ import annotations

import pytest

from tests.governance.iceberg.mesh_fixture import BuiltMesh, built_mesh


@pytest.fixture(scope="session")
def mesh() -> BuiltMesh:
    return built_mesh()
