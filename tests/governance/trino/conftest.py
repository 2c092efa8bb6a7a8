from __future__ import annotations

import pytest

from tests.governance.iceberg.mesh_fixture import BuiltMesh, built_mesh
from tests.lanes import builds_dbt


@pytest.fixture(scope="session")
@builds_dbt
def mesh() -> BuiltMesh:
    return built_mesh()
