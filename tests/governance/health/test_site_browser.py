"""The product page's health history chart in real headless Chromium, from disk, nothing fetched."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.governance.health.test_site import RUNS, site_with_health  # noqa: F401 - pytest fixture
from tests.governance.site.test_browser import Visit, browser  # noqa: F401 - pytest fixture

pytestmark = pytest.mark.browser


def test_the_history_charts_draw_every_run_and_the_sla(browser: object, site_with_health: Path) -> None:  # noqa: F811
    visit = Visit(browser)
    page = visit.open(site_with_health / "products" / "orders" / "fct_orders.html")
    chart = page.locator("#freshness-chart")  # type: ignore[attr-defined]
    assert chart.is_visible()
    box = chart.bounding_box()
    assert box["width"] > 300 and box["height"] > 60
    points = page.eval_on_selector("#freshness-chart polyline", "line => line.points.numberOfItems")  # type: ignore[attr-defined]
    assert points == RUNS
    drawn = page.eval_on_selector("#freshness-chart polyline", "line => line.getBBox().width")  # type: ignore[attr-defined]
    assert drawn > 300  # the line spans the chart
    assert page.locator("#freshness-chart line.limit").count() == 1  # type: ignore[attr-defined]
    assert page.locator("#rows-chart polyline").is_visible()  # type: ignore[attr-defined]
    cause = page.locator(".upstream-cause a")  # type: ignore[attr-defined]
    assert cause.count() == 0  # orders is the root cause itself
    visit.open(site_with_health / "products" / "marketing" / "fct_campaign_orders.html")
    visit.page.locator(".upstream-cause a").first.click()
    visit.page.wait_for_load_state("load")
    assert visit.page.url.endswith("/products/orders/fct_orders.html")
    visit.assert_local_only()
