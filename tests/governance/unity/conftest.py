"""Fixtures: the fixture mesh's real manifests, a started emulator seeded from them, a real SDK client."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from databricks.sdk import WorkspaceClient

from governance.loader import load_mesh
from governance.model import MeshModel
from governance.unity.client import UnityClient
from governance.unity.config import UnityConfig, load_config
from tests.emulators.unity_catalog import UnityCatalogEmulator, seed_from_mesh
from tests.fixtures.mesh_project import MeshRecipe, prepare
from tests.lanes import builds_dbt

CONFIG = Path(__file__).parent / "unity.yml"
TOKEN = "dapi-secret-0123456789abcdef"


@pytest.fixture(scope="session")
@builds_dbt
def fixture_mesh_manifests(pytestconfig: pytest.Config) -> Path:
    """The fixture mesh parsed by real dbt (cached on disk by content hash)."""
    return prepare(MeshRecipe("unity"), pytestconfig.cache.mkdir("fixture-meshes"))


@pytest.fixture
def mesh_root(tmp_path: Path, fixture_mesh_manifests: Path) -> Path:
    """A private copy of the fixture mesh, so a test can edit its manifests."""
    root = tmp_path / "mesh"
    shutil.copytree(fixture_mesh_manifests, root, ignore=shutil.ignore_patterns("logs", "*.msgpack"))
    return root


@pytest.fixture
def mesh(mesh_root: Path) -> MeshModel:
    return load_mesh(mesh_root)


@pytest.fixture
def config() -> UnityConfig:
    return load_config(CONFIG.parent, CONFIG)


def seeded_emulator(mesh: MeshModel) -> UnityCatalogEmulator:
    """A started emulator holding the mesh's tables and a share recipient; the caller stops it."""
    emu = UnityCatalogEmulator(token=TOKEN).start()
    emu.metastore.recipients.add("partner-co")
    seed_from_mesh(emu, mesh)
    return emu


@pytest.fixture
def emulator(mesh: MeshModel) -> Iterator[UnityCatalogEmulator]:
    emu = seeded_emulator(mesh)
    yield emu
    emu.stop()


@pytest.fixture
def client(emulator: UnityCatalogEmulator) -> UnityClient:
    workspace = WorkspaceClient(host=emulator.url, token=emulator.token)
    return UnityClient(workspace, emulator.warehouse_id, retries=3)


@pytest.fixture
def workspace_env(
    emulator: UnityCatalogEmulator, mesh_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Environment for the `mesh` CLI: the SDK resolves host and token from it, as in a deploy job."""
    point_cli_at(emulator, mesh_root, tmp_path, monkeypatch)
    return mesh_root


def point_cli_at(
    emulator: UnityCatalogEmulator, mesh_root: Path, folder: Path, env: pytest.MonkeyPatch
) -> None:
    for name in ("DATABRICKS_CLIENT_ID", "DATABRICKS_CLIENT_SECRET", "DATABRICKS_CONFIG_PROFILE"):
        env.delenv(name, raising=False)
    env.setenv("DATABRICKS_HOST", emulator.url)
    env.setenv("DATABRICKS_TOKEN", emulator.token)
    env.setenv("DATABRICKS_CONFIG_FILE", str(folder / "no-databrickscfg"))
    env.setenv("MESH_WAREHOUSE_ID", emulator.warehouse_id)
    env.setenv("MESH_ROOT", str(mesh_root))
