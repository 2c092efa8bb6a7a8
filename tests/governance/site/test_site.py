"""`mesh docs` on the catalog fixture mesh: every page and link, escaping, health, atomic output."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag

import orjson
import pytest

from governance.cli import main
from governance.errors import MeshError
from governance.loader import load_mesh
from governance.model import MeshModel
from governance.site import pipeline
from governance.site.pipeline import SiteSummary, write_site
from tests.fixtures.catalog_mesh import HOSTILE_COLUMN, HOSTILE_DESCRIPTION, freshness_taken_at


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "src"):
            value = values.get(name)
            if value:
                self.links.append(value)
        if tag == "script":
            self.scripts.append(values)


def _pages(out: Path) -> list[Path]:
    return sorted(out.rglob("*.html"))


def test_a_page_per_domain_product_and_hub_mart(site: SiteSummary, catalog_mesh: MeshModel):
    out = site.out
    assert (out / "index.html").is_file()
    for name in catalog_mesh.domains:
        assert (out / "domains" / f"{name}.html").is_file()
    index = orjson.loads((out / "mesh.json").read_bytes())
    names = {p["name"] for p in index["products"]}
    assert {m.display_name for m in catalog_mesh.products()} <= names
    assert "hub.customer_revenue" in names  # the hub mart
    assert {d["name"] for d in index["domains"]} == set(catalog_mesh.domains)
    for product in index["products"]:
        assert (out / product["page"]).is_file()
        if product["kind"] == "product":
            assert (out / product["contract"]).is_file()


def test_every_local_link_resolves_and_nothing_points_off_the_machine(site: SiteSummary):
    checked = 0
    for page in _pages(site.out):
        parser = _Links()
        parser.feed(page.read_text(encoding="utf-8"))
        assert all(script.get("src") for script in parser.scripts), f"{page}: inline script"
        for link in parser.links:
            if link.startswith("mailto:"):
                continue
            assert "://" not in link and not link.startswith("//"), f"{page}: {link} leaves the site"
            target = urldefrag(link).url
            assert (page.parent / target).resolve().is_file(), f"{page}: broken link {link}"
            checked += 1
    assert checked > 50


def test_hostile_yaml_text_is_escaped_everywhere(site: SiteSummary):
    page = (site.out / "products/orders/fct_orders.html").read_text(encoding="utf-8")
    assert "<script>document" not in page and "<img src=x" not in page and "<svg onload" not in page
    assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in page
    assert "&lt;svg onload=" in page
    for page_path in _pages(site.out):
        text = page_path.read_text(encoding="utf-8")
        assert not re.search(r"<script>(?!</script>)", text), page_path
    index_js = (site.out / "assets/search-index.js").read_text(encoding="utf-8")
    assert "</script" not in index_js and "<" not in index_js.removeprefix("window.MESH_INDEX = ")
    index = orjson.loads((site.out / "mesh.json").read_bytes())
    fct = next(p for p in index["products"] if p["name"] == "orders.fct_orders")
    assert fct["description"] == HOSTILE_DESCRIPTION  # data kept as data in the JSON index
    assert HOSTILE_COLUMN in [c["description"] for c in fct["columns"]]


def _health(site: SiteSummary, name: str) -> dict[str, object]:
    index = orjson.loads((site.out / "mesh.json").read_bytes())
    product = next(p for p in index["products"] if p["name"] == name)
    return dict(product["health"])


def test_health_from_real_run_results_and_freshness(site: SiteSummary):
    built = _health(site, "orders.fct_orders")
    assert built["signal"] == "healthy", built
    parsed_only = _health(site, "marketing.fct_campaign_orders")
    assert parsed_only["signal"] == "unknown"
    assert any("no run results" in str(r) for r in parsed_only["reasons"])  # type: ignore[attr-defined]
    deprecated = _health(site, "orders.dim_customers.v1")
    assert any("deprecated" in str(r) for r in deprecated["reasons"])  # type: ignore[attr-defined]
    page = (site.out / "products/marketing/fct_campaign_orders.html").read_text(encoding="utf-8")
    assert 'data-health="unknown"' in page


ISO_TIME = re.compile(rb'"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?)(Z|\+00:00)?"')


def test_a_fixture_mesh_cached_days_ago_reads_as_on_the_day_it_was_built(catalog_root: Path, tmp_path: Path):
    """`make test` on a developer's cache from earlier days: the fixture's health is taken as of its
    freshness run, so its 24 h SLA does not run out while the mesh sits in the cache."""
    aged = tmp_path / "mesh"
    shutil.copytree(catalog_root, aged)

    def three_days_earlier(match: re.Match[bytes]) -> bytes:
        moment = datetime.fromisoformat(match.group(1).decode()) - timedelta(days=3)
        return b'"' + moment.isoformat().encode() + (match.group(2) or b"") + b'"'

    for artifact in ("sources.json", "run_results.json"):
        path = aged / "domains/orders/target" / artifact
        path.write_bytes(ISO_TIME.sub(three_days_earlier, path.read_bytes()))
    mesh = load_mesh(aged)
    today = write_site(mesh, aged, tmp_path / "today", now=datetime.now(UTC))
    assert _health(today, "orders.fct_orders")["signal"] == "degraded"  # the copy is three days old
    as_built = write_site(mesh, aged, tmp_path / "as-built", now=freshness_taken_at(aged))
    assert _health(as_built, "orders.fct_orders")["signal"] == "healthy"


def test_a_source_older_than_the_sla_degrades_the_product(
    catalog_root: Path, catalog_mesh: MeshModel, tmp_path: Path
):
    later = freshness_taken_at(catalog_root) + timedelta(hours=48)
    summary = write_site(catalog_mesh, catalog_root, tmp_path / "site", now=later)
    health = _health(summary, "orders.fct_orders")
    assert health["signal"] == "degraded"
    assert any("the SLA is 24 h" in str(r) for r in health["reasons"])  # type: ignore[attr-defined]


def test_without_any_run_results_every_product_is_unknown(clean_root: Path, tmp_path: Path):
    summary = write_site(load_mesh(clean_root), clean_root, tmp_path / "site")
    assert set(summary.health) == {"unknown"}
    page = (tmp_path / "site/products/orders/fct_orders.html").read_text(encoding="utf-8")
    assert "unknown" in page and "Source freshness against the SLA" in page


def test_product_page_facts(site: SiteSummary):
    page = (site.out / "products/orders/dim_customers.v2.html").read_text(encoding="utf-8")
    for fact in (
        "orders-pii-readers",  # PII clearance
        "data-consumers",  # grants
        "orders.gold.dim_customers_v2",  # exact name on the engines
        "latest",
        "hub.customer_revenue",  # a transitive consumer in the hub
        "contracts/orders/orders-dim_customers-v2.odcs.yaml",
        "PII",
    ):
        assert fact in page, fact
    external = (site.out / "products/marketing/fct_campaign_orders.html").read_text(encoding="utf-8")
    assert "marketing.gold.fct_campaign_orders" in external  # one name on every engine
    assert "Trino (Iceberg catalog)" in external  # Trino: the domain's own Iceberg catalog
    assert "Databricks SQL" not in external


def test_output_folder_is_replaced_whole_and_only_if_ours(
    catalog_root: Path, catalog_mesh: MeshModel, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    out = tmp_path / "site"
    write_site(catalog_mesh, catalog_root, out)
    (out / "stale.html").write_text("old", encoding="utf-8")
    write_site(catalog_mesh, catalog_root, out)
    assert not (out / "stale.html").exists()

    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}

    def broken(*_: object) -> str:
        raise RuntimeError("renderer crashed half way")

    monkeypatch.setattr(pipeline, "product_page", broken)
    with pytest.raises(RuntimeError):
        write_site(catalog_mesh, catalog_root, out)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert after == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # no half-written sibling left
    monkeypatch.undo()

    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    with pytest.raises(MeshError, match="not written by mesh"):
        write_site(catalog_mesh, catalog_root, foreign)
    assert (foreign / "notes.txt").read_text(encoding="utf-8") == "keep me"


def test_mesh_docs_command(catalog_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys):
    monkeypatch.setenv("MESH_ROOT", str(catalog_root))
    out = tmp_path / "docs"
    assert main(["docs", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.out.strip() == (out / "index.html").as_uri()
    assert "3 domains" in captured.err
    blocker = tmp_path / "a-file"
    blocker.write_text("x", encoding="utf-8")
    assert main(["docs", "--out", str(blocker)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "not a folder" in err[0]


# The forked rendering in a process of its own: the test process runs other threads (xdist's, DuckDB's),
# where `in_parallel` rightly renders in-process.
FORKED = """
import sys
from datetime import UTC, datetime
from pathlib import Path
from governance.contracts import parallel
from governance.loader import load_mesh
from governance.site.pipeline import write_site
root, out = Path(sys.argv[1]), Path(sys.argv[2])
mesh = load_mesh(root)
parallel.MIN_ITEMS, parallel._cores = 1, lambda: 2
assert parallel.only_thread(), "this process must be single-threaded for the forked path to run"
write_site(mesh, root, out, now=datetime(2026, 6, 1, tzinfo=UTC))
"""


def test_rendering_on_both_cores_writes_the_same_site(
    catalog_root: Path, catalog_mesh: MeshModel, tmp_path: Path
):
    moment = datetime(2026, 6, 1, tzinfo=UTC)
    write_site(catalog_mesh, catalog_root, tmp_path / "serial", now=moment)
    forked = [sys.executable, "-c", FORKED, str(catalog_root), str(tmp_path / "forked")]
    done = subprocess.run(forked, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-2000:]

    def files(folder: Path) -> dict[str, bytes]:
        return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}

    serial, forked_files = files(tmp_path / "serial"), files(tmp_path / "forked")
    assert serial == forked_files
    assert any(name.startswith("contracts/") for name in forked_files)


def test_a_process_running_other_threads_renders_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    """Forking beside other threads left a pool worker waiting forever on a lock one of them held."""
    import os
    import threading

    from governance.contracts import parallel

    monkeypatch.setattr(parallel, "MIN_ITEMS", 1)
    monkeypatch.setattr(parallel, "_cores", lambda: 2)
    stop = threading.Event()
    other = threading.Thread(target=stop.wait, daemon=True)
    other.start()
    try:
        pids: list[int] = []
        assert parallel.in_parallel([1, 2, 3], lambda chunk: pids.append(os.getpid()) or len(chunk)) == 3
        assert pids == [os.getpid()]  # one call, in this process: no child was forked
    finally:
        stop.set()
        other.join()
