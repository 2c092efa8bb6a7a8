"""YAML locations are deferred: the property file is scanned when a line is first read, not at load."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from governance.loader import load_mesh
from governance.model import Location
from tests.fixtures.mesh_project import copy_tree, line_of

YML = "domains/orders/models/marts/fct_orders.yml"


def test_lines_are_looked_up_when_first_read(clean_root: Path, tmp_path: Path):
    root = copy_tree(clean_root, tmp_path / "mesh")
    model = load_mesh(root).model("model.orders.fct_orders")
    assert model is not None and model.yml_path is not None
    column = model.column_location("amount")
    assert column is not None and column.path == YML
    original = line_of(root, YML, "- name: amount")
    yml = root / YML
    yml.write_text("# moved down by two lines\n\n" + yml.read_text(encoding="utf-8"), encoding="utf-8")
    assert column.line == original + 2  # read after the edit: the file was not scanned at load
    assert str(model.yml_path) == f"{YML}:{line_of(root, YML, '- name: fct_orders')}"
    yml.write_text("# moved again\n" + yml.read_text(encoding="utf-8"), encoding="utf-8")
    assert column.line == original + 2  # each file is scanned once per load


def test_a_deferred_location_compares_like_a_plain_one(clean_root: Path):
    model = load_mesh(clean_root).model("model.orders.fct_orders")
    assert model is not None
    deferred = model.column_location("amount")
    assert deferred is not None
    plain = Location(YML, line_of(clean_root, YML, "- name: amount"))
    assert deferred == plain and hash(deferred) == hash(plain) and repr(deferred) == repr(plain)
    assert replace(deferred, line=999) == Location(YML, 999)
    assert model.column_location("amount") == deferred  # each read makes an equal location
