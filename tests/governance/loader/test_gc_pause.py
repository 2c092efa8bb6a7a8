"""The mesh is built with the cyclic collector paused and stays frozen out of collections while alive."""

from __future__ import annotations

import gc
from pathlib import Path

import pytest

from governance.errors import MeshError
from governance.loader import load_mesh
from tests.fixtures.mesh_project import copy_tree


def test_frozen_while_the_mesh_is_alive(clean_root: Path):
    mesh = load_mesh(clean_root)
    assert gc.isenabled() and gc.get_freeze_count() > 0
    del mesh
    assert gc.get_freeze_count() == 0  # dropping the mesh gives its objects back to the collector


def test_failed_load_leaves_the_collector_as_it_was(clean_root: Path, tmp_path: Path):
    root = copy_tree(clean_root, tmp_path / "mesh")
    (root / "domains/orders/target/manifest.json").write_text("{")
    frozen = gc.get_freeze_count()
    with pytest.raises(MeshError, match="not valid JSON"):
        load_mesh(root)
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_a_caller_that_disabled_collection_keeps_it_disabled(clean_root: Path):
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        mesh = load_mesh(clean_root)
        assert not gc.isenabled() and gc.get_freeze_count() == frozen
    finally:
        gc.enable()
    assert mesh.model("model.orders.fct_orders") is not None
