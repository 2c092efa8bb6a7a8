"""The small build mesh (tests/fixtures/build_mesh) copied fresh for each test that builds it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

BUILD_MESH = Path(__file__).parents[2] / "fixtures" / "build_mesh"


@pytest.fixture
def mesh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "mesh"
    shutil.copytree(BUILD_MESH, root)
    monkeypatch.setenv("MESH_ROOT", str(root))
    monkeypatch.setenv("MESH_DATA_DIR", str(tmp_path / "warehouse"))
    (tmp_path / "warehouse").mkdir()
    return root
