"""The catalog site in real headless Chromium (Debian's `chromium`, driven by Playwright; no browser is
ever downloaded), loaded from disk: home, product page, search, consumer links, the lineage pictures,
hostile text, and no request leaving the machine.

Chromium comes from `scripts/ci/chromium.sh` (run by .ci/run). In CI (CI=true) a missing browser fails
these tests instead of skipping them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from governance.model import MeshModel
from governance.site.pipeline import SiteSummary
from tests.services import unavailable

CHROMIUM = os.environ.get("MESH_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"


pytestmark = pytest.mark.browser


def _unavailable(reason: str) -> None:
    unavailable(reason, "scripts/ci/chromium.sh")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).is_file():
        _unavailable(f"Debian chromium not found at {CHROMIUM}; run scripts/ci/chromium.sh")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("playwright is not installed (make install)")
    with sync_playwright() as playwright:
        args = ["--no-sandbox"] if os.geteuid() == 0 else []  # Chromium's sandbox refuses root
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield launched
        launched.close()


class Visit:
    """A page in a fresh context that records every request and aborts any that is not a local file."""

    def __init__(self, browser: object) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        self.requests: list[str] = []
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []

        def gate(route: object) -> None:
            url = route.request.url  # type: ignore[attr-defined]
            if url.startswith("file://"):
                route.continue_()  # type: ignore[attr-defined]
            else:
                self.blocked.append(url)
                route.abort()  # type: ignore[attr-defined]

        self.context.route("**/*", gate)
        self.page = self.context.new_page()
        self.page.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.on("dialog", lambda dialog: (self.dialogs.append(dialog.message), dialog.dismiss()))

    def open(self, path: Path) -> object:
        self.page.goto(path.as_uri())
        self.page.wait_for_load_state("load")
        return self.page

    def assert_local_only(self) -> None:
        assert self.requests, "no request seen at all: the recorder is broken"
        outside = [u for u in self.requests if not u.startswith("file://")]
        assert outside == [] and self.blocked == [], f"requests left the machine: {outside + self.blocked}"
        assert self.errors == [], self.errors
        assert self.dialogs == [], f"a script from YAML ran: {self.dialogs}"


@pytest.fixture
def visit(browser: object) -> Iterator[Visit]:
    opened = Visit(browser)
    yield opened
    opened.context.close()


def test_home_lists_every_domain_and_draws_the_graph(
    visit: Visit, site: SiteSummary, catalog_mesh: MeshModel
):
    page = visit.open(site.out / "index.html")
    listed = page.locator("table.domains tbody tr td:first-child a").all_inner_texts()
    assert sorted(listed) == sorted(catalog_mesh.domains)
    graph = page.locator("svg#domain-graph")
    box = graph.bounding_box()
    assert box is not None and box["width"] > 100 and box["height"] > 20
    assert graph.locator("g.node").count() == len(catalog_mesh.domains)
    assert graph.locator("path.edge").count() >= 2  # orders -> marketing -> hub
    assert page.locator("link[rel=stylesheet]").count() == 1
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == "flex"
    visit.assert_local_only()


def test_product_page_shows_contract_columns_health_and_lineage(visit: Visit, site: SiteSummary):
    page = visit.open(site.out / "products/orders/fct_orders.html")
    columns = page.locator("table.columns tbody tr td:first-child").all_inner_texts()
    assert columns == ["order_id", "customer_id", "amount"]
    assert page.locator("h1 [data-health]").inner_text() == "healthy"
    assert page.locator("ul.reasons li").count() >= 1
    graph = page.locator("svg#product-graph")
    assert graph.bounding_box() is not None
    assert graph.locator("g.node.current").count() == 1
    assert graph.locator("g.node").count() >= 4  # itself, two consumers in other domains, the exposure
    # hostile YAML text is on the page as text and never ran
    description = page.locator("#product-description").inner_text()
    assert "<script>document.title='pwned'</script>" in description
    assert page.title() != "pwned" and "pwned" not in page.title()
    assert page.locator("#product-description script, #product-description img").count() == 0
    visit.assert_local_only()


def test_search_finds_a_product_by_a_column_name(visit: Visit, site: SiteSummary):
    page = visit.open(site.out / "index.html")
    page.fill("#search-input", "campaign_id")
    hit = page.locator("#search-results a.hit").first
    hit.wait_for()
    assert hit.inner_text().startswith("marketing.fct_campaign_orders")
    assert "column campaign_id" in hit.inner_text()
    hit.click()
    page.wait_for_load_state("load")
    assert page.locator("#product-name").inner_text() == "marketing.fct_campaign_orders"
    visit.assert_local_only()


def test_a_consumer_link_opens_the_consumer(visit: Visit, site: SiteSummary):
    page = visit.open(site.out / "products/orders/fct_orders.html")
    page.locator("table.consumers a", has_text="marketing.fct_campaign_orders").click()
    page.wait_for_load_state("load")
    assert page.locator("#product-name").inner_text() == "marketing.fct_campaign_orders"
    page.locator("svg#product-graph a").first.click()  # back upstream through the picture
    page.wait_for_load_state("load")
    assert page.locator("#product-name").inner_text() == "orders.fct_orders"
    visit.assert_local_only()


def test_a_domain_page_from_home(visit: Visit, site: SiteSummary):
    page = visit.open(site.out / "index.html")
    page.locator("table.domains tbody td:first-child").get_by_role("link", name="orders", exact=True).click()
    page.wait_for_load_state("load")
    assert page.locator("#domain-name").inner_text() == "orders"
    assert "marketing" in page.locator("dl.facts").inner_text()  # its downstream domain
    assert page.locator("table.products tbody tr").count() == 3
    visit.assert_local_only()
