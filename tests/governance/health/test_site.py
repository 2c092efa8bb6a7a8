"""The catalog site shows the health store's verdicts: the same status and reasons as `mesh health`,
a freshness and row-count history chart (inline SVG), recent test runs, the upstream cause, and the
degraded products first on the home page. The fixture mesh's real artifacts give the observations."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from governance.cli import main
from governance.health.signals import observe
from governance.health.store import HealthStore, Observation, store_path
from governance.lineage import build_lineage
from governance.model import MeshModel
from governance.site.pipeline import write_site

NOW = datetime.now(UTC).replace(microsecond=0)
RUNS = 12


def history(mesh: MeshModel) -> list[Observation]:
    """RUNS daily builds of orders and marketing; in the last one orders' sources are 3 days old."""
    lineage = build_lineage(mesh)
    found: list[Observation] = []
    for run in range(RUNS):
        moment = NOW - timedelta(days=RUNS - 1 - run, minutes=5)
        for obs in observe(
            mesh, lineage, run_id=f"r{run:02d}", observed_at=moment,
            projects={"orders": "success", "marketing": "success"}, row_counts={},
        ):  # fmt: skip
            late = run == RUNS - 1 and obs.domain == "orders"
            found.append(
                replace(
                    obs,
                    loaded_at=moment - timedelta(hours=72 if late else 3),
                    freshness_note=None,
                    row_count=1000 + 50 * run,
                    tests_total=max(obs.tests_total, 1),
                )
            )
    return found


@pytest.fixture
def site_with_health(
    catalog_mesh: MeshModel, catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv("MESH_DATA_DIR", str(data))
    monkeypatch.setenv("MESH_ROOT", str(catalog_root))
    store = HealthStore.open(store_path(data))
    store.append(history(catalog_mesh))
    store.close()
    out = tmp_path / "site"
    write_site(catalog_mesh, catalog_root, out)
    return out


def test_product_pages_show_the_stores_verdict_history_and_cause(site_with_health: Path) -> None:
    page = (site_with_health / "products" / "orders" / "fct_orders.html").read_text()
    health = page[page.index('<h2 id="health">') : page.index('<h2 id="contract">')]
    assert 'data-health="degraded"' in health
    assert "stale: last loaded 72 h ago; the SLA is 24 h" in health
    chart = re.search(r'<svg[^>]*id="freshness-chart"[^>]*data-points="(\d+)"', health)
    assert chart and int(chart.group(1)) == RUNS
    assert re.search(r'<svg[^>]*id="rows-chart"[^>]*data-points="12"', health)
    assert 'class="limit"' in health  # the SLA line
    assert health.count("<tr><td>") == 10  # the last ten runs
    attributed = (site_with_health / "products" / "marketing" / "fct_campaign_orders.html").read_text()
    cause = attributed[attributed.index('class="upstream-cause"') :]
    assert '<a href="../../products/orders/fct_orders.html">orders.fct_orders</a>' in cause
    assert "orders.fct_orders → marketing.fct_campaign_orders" in cause


def test_the_home_page_lists_degraded_products_first(site_with_health: Path) -> None:
    home = (site_with_health / "index.html").read_text()
    attention = home[home.index('<h2 id="attention">') : home.index('<h2 id="domains">')]
    statuses = re.findall(r'<li><span class="badge health-(\w+)">', attention)
    assert statuses and statuses[0] == "degraded"
    assert statuses == sorted(statuses, key=["degraded", "caution"].index)
    assert home.index('id="attention"') < home.index('id="domains"')


def test_the_site_and_mesh_health_agree(site_with_health: Path, capsys: pytest.CaptureFixture[str]) -> None:
    index = json.loads((site_with_health / "mesh.json").read_bytes())
    site = {p["name"]: p["health"]["signal"] for p in index["products"] if "health" in p}
    main(["health", "--format", "json"])
    command = {p["product"]: p["status"] for p in json.loads(capsys.readouterr().out)["products"]}
    shared = set(site) & set(command)
    assert "orders.fct_orders" in shared and len(shared) == len(command)
    assert {name: site[name] for name in shared} == command
