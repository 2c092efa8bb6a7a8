"""End to end: a small mesh (orders, and marketing reading orders' products) built a few times over
generated arrivals, then once more with orders' batch late. `mesh health` must say orders' products are
stale (their own fault), marketing's attribution is degraded because of orders (with the path), and the
notifications must carry orders' root causes once, to orders' owner, and nothing for marketing's
downstream product. Real dbt builds and `dbt source freshness` runs, at a tiny scale."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from governance.health.store import HealthStore, store_path
from tests.domains.mesh_copy import copy_mesh

pytestmark = pytest.mark.dbt

REPO = Path(__file__).resolve().parents[3]
SETTINGS = "version: 1\nprojects:\n  include: ['domains/*']\nprofiles_dir: profiles\n"


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, *args], env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def late_mesh(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], Path]:
    folder = tmp_path_factory.mktemp("health-e2e")
    root = copy_mesh(folder / "mesh", domains=("orders", "marketing")).root
    (root / "mesh.yml").write_text(SETTINGS)
    data = folder / "data"
    env = {**os.environ, "MESH_ROOT": str(root), "MESH_DATA_DIR": str(data), "DO_NOT_TRACK": "1"}
    env.pop("DBT_PROFILES_DIR", None)
    generator = [
        str(REPO / "scripts" / "generate_data.py"),
        "--scale",
        "0.01",
        "--seed",
        "3",
        "--out",
        str(data),
    ]
    for incident in ([], [], ["--late-batch", "orders:40"]):
        made = run(env, *generator, "--as-of", "now", *incident)
        assert made.returncode == 0, made.stderr
        built = run(env, "-m", "governance", "build", "--jobs", "2")
        assert built.returncode == 0, built.stdout + built.stderr
    return env, folder


def test_every_build_appends_one_observation_per_product(late_mesh: tuple[dict[str, str], Path]) -> None:
    _, folder = late_mesh
    store = HealthStore.open_existing(store_path(folder / "data"))
    assert store is not None
    try:
        assert store.runs() == 3
        latest = {o.name: o for o, _ in store.latest()}
        series = store.series()
    finally:
        store.close()
    assert {"orders.fct_orders", "marketing.fct_attributed_orders"} <= set(latest)
    fct_orders = latest["orders.fct_orders"]
    assert fct_orders.row_count and fct_orders.tests_total and fct_orders.loaded_at is not None
    assert len(series[fct_orders.product]) == 3
    # the late batch held rows back: fewer orders than in the build before
    counts = [count for _, count, _ in series[fct_orders.product]]
    assert counts[0] == counts[1] and counts[2] is not None and counts[2] < counts[1]


def test_the_late_upstream_batch_is_the_root_cause_downstream(late_mesh: tuple[dict[str, str], Path]) -> None:
    env, folder = late_mesh
    notes = folder / "notes"
    done = run(env, "-m", "governance", "health", "--format", "json", "--notify", str(notes))
    assert done.returncode == 1, done.stderr  # degraded
    products = {p["product"]: p for p in json.loads(done.stdout)["products"]}
    orders = products["orders.fct_orders"]
    assert orders["status"] == "degraded"
    assert orders["reasons"][0].startswith("stale: last loaded 4")  # 40 h late, and a few more
    assert orders["root_causes"] == {"orders.fct_orders": ["orders.fct_orders"]}
    attributed = products["marketing.fct_attributed_orders"]
    assert attributed["status"] == "degraded"
    assert "orders.fct_orders" in attributed["root_causes"]
    assert attributed["root_causes"]["orders.fct_orders"] == [
        "orders.fct_orders",
        "marketing.fct_attributed_orders",
    ]
    assert "marketing.fct_attributed_orders" not in attributed["root_causes"]  # its own signals are fine
    assert any(r.startswith("upstream orders.fct_orders is degraded") for r in attributed["reasons"])
    # one message per owning group; orders' root causes are in orders' message only, once each
    messages = {p.name: json.loads(p.read_text()) for p in notes.glob("*.json")}
    roots = [c["product"] for m in messages.values() for c in m["root_causes"]]
    assert len(roots) == len(set(roots))
    assert "marketing.fct_attributed_orders" not in roots
    (owner,) = [
        m for m in messages.values() if any(c["product"] == "orders.fct_orders" for c in m["root_causes"])
    ]
    assert owner["group"] == orders["owner"]
    cause = next(c for c in owner["root_causes"] if c["product"] == "orders.fct_orders")
    assert "marketing.fct_attributed_orders" in [a["product"] for a in cause["affected"]]
    annotations = (notes / "annotations.txt").read_text().splitlines()
    assert len(annotations) == len(roots)
