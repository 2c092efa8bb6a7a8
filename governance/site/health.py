"""The health history on the site: what `mesh health` says, from the same store and the same code.

When the mesh has a health store (`mesh build` keeps one under the data folder), each product the store
knows gets the store's status and reasons (so the site and `mesh health` agree), a freshness and
row-count history chart (inline SVG, no script, nothing fetched), its recent test runs and, when an
upstream product is the cause, the root cause with the path to it. Products the store does not know
keep the catalog's own judgement. The home page lists degraded products first.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING

from governance.errors import MeshError
from governance.health.backends import open_store
from governance.health.causes import CAUTION, DEGRADED, ORDER, HealthReport, ProductHealth, evaluate
from governance.health.store import HealthStore, StoreBusyError, store_path

if TYPE_CHECKING:
    from governance.site.catalog import Catalog

CHART_W, CHART_H, PAD = 640, 120, 34
HISTORY_RUNS = 90


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


@dataclass(frozen=True, slots=True)
class History:
    health: ProductHealth
    points: list[tuple[datetime, int | None, float | None]]  # oldest first
    tests: list[tuple[datetime, str, int, int, int]]  # newest first
    root_names: dict[str, str]  # root unique_id -> name


def load_histories(
    data: Path, at: datetime, root: Path | None = None
) -> tuple[HealthReport, dict[str, History]] | None:
    """The health report and each product's history from the mesh's store (`root`'s health.yml; the
    embedded one under `data` without a root), or None without one."""
    try:
        store = (
            HealthStore.open_existing(store_path(data))
            if root is None
            else open_store(root, data, create=False)
        )
    except StoreBusyError as busy:  # a build is writing it: the site keeps its own judgement this time
        print(f"warning: {busy}; the catalog shows no health history this time", file=sys.stderr)
        return None
    except MeshError as error:  # the warehouse table unreachable: the site is still built
        print(f"warning: {error}; the catalog shows no health history this time", file=sys.stderr)
        return None
    if store is None:
        return None
    try:
        snapshot = store.snapshot()
        series = store.series(per_product=HISTORY_RUNS)
        report = evaluate(snapshot.latest, snapshot.history, at)
        histories = {
            product: History(
                health,
                list(series.get(product, [])),
                store.recent_tests(product),
                {r: report.products[r].name for r in health.root_causes},
            )
            for product, health in report.products.items()
        }
    finally:
        store.close()
    return report, histories


def _polyline(values: Sequence[float | None], top: float, css: str) -> str:
    step = (CHART_W - 2 * PAD) / max(len(values) - 1, 1)
    points = []
    for i, value in enumerate(values):
        if value is None:
            continue
        y = CHART_H - PAD / 2 - (value / top if top else 0) * (CHART_H - PAD)
        points.append(f"{PAD + i * step:.1f},{y:.1f}")
    if not points:
        return ""
    return (
        f'<polyline class="{css}" fill="none" stroke="#2563eb" stroke-width="2" points="{" ".join(points)}"/>'
    )


def chart(title: str, values: Sequence[float | None], moments: Sequence[datetime], unit: str, *,
          limit: float | None = None, element_id: str) -> str:  # fmt: skip
    """One small line chart: a value per run, oldest left, with an optional limit (the SLA) dashed."""
    known = [v for v in values if v is not None]
    if not known:
        return f'<p class="muted" id="{esc(element_id)}">{esc(title)}: no figures recorded yet.</p>'
    top = max([*known, limit or 0.0]) * 1.1 or 1.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="history" id="{esc(element_id)}" '
        f'viewBox="0 0 {CHART_W} {CHART_H}" width="{CHART_W}" height="{CHART_H}" role="img" '
        f'aria-label="{esc(title)}" data-points="{len(known)}">',
        f"<title>{esc(title)}</title>",
        f'<line x1="{PAD}" y1="{CHART_H - PAD / 2}" x2="{CHART_W - PAD}" y2="{CHART_H - PAD / 2}" '
        'stroke="#9ca3af" stroke-width="1"/>',
    ]
    if limit is not None:
        y = CHART_H - PAD / 2 - limit / top * (CHART_H - PAD)
        parts.append(
            f'<line class="limit" x1="{PAD}" y1="{y:.1f}" x2="{CHART_W - PAD}" y2="{y:.1f}" '
            f'stroke="#dc2626" stroke-width="1" stroke-dasharray="4 3">'
            f"<title>SLA {limit:g} {esc(unit)}</title></line>"
        )
    parts.append(_polyline(values, top, "series"))
    last = known[-1]
    parts.append(
        f'<text x="{PAD}" y="12" font-size="11" fill="#374151">{esc(title)}: last {last:,.1f} {esc(unit)}, '
        f"max {max(known):,.1f}</text>"
    )
    parts.append(
        f'<text x="{PAD}" y="{CHART_H - 2}" font-size="10" fill="#6b7280">{moments[0]:%Y-%m-%d}</text>'
        f'<text x="{CHART_W - PAD}" y="{CHART_H - 2}" font-size="10" fill="#6b7280" text-anchor="end">'
        f"{moments[-1]:%Y-%m-%d %H:%M}</text></svg>"
    )
    return "".join(parts)


def _tests_rows(history: History) -> str:
    rows = "".join(
        f"<tr><td>{esc(f'{moment:%Y-%m-%d %H:%M}')}</td><td>{esc(status)}</td><td>{total}</td>"
        f"<td>{failed}</td><td>{warned}</td></tr>"
        for moment, status, total, failed, warned in history.tests
    )
    return (
        '<table class="test-history"><thead><tr><th>run (UTC)</th><th>build</th><th>tests</th>'
        f"<th>failed</th><th>warned</th></tr></thead><tbody>{rows}</tbody></table>"
    )


def health_section(history: History, url_of: Callable[[str], str | None], base: str) -> str:
    """The product page's health history: upstream cause, charts, recent test runs."""
    health = history.health
    parts = []
    upstream = {r: p for r, p in health.root_causes.items() if r != health.product}
    if upstream:
        items = []
        for root, path in sorted(upstream.items(), key=lambda item: item[1]):
            name = history.root_names.get(root, root)
            url = url_of(root)
            link = f'<a href="{esc(base + url)}">{esc(name)}</a>' if url else esc(name)
            items.append(f"<li>{link}: {esc(' → '.join(path))}</li>")
        parts.append(f'<p>Upstream cause:</p><ul class="upstream-cause">{"".join(items)}</ul>')
    moments = [p[0] for p in history.points]
    parts.append('<h3 id="history">Freshness and row count, run by run</h3>')
    parts.append(
        chart("hours since the newest load, at each build", [p[2] for p in history.points], moments, "h",
              limit=health.sla_hours, element_id="freshness-chart")
    )  # fmt: skip
    parts.append(
        chart("rows", [None if p[1] is None else float(p[1]) for p in history.points], moments, "rows",
              element_id="rows-chart")
    )  # fmt: skip
    parts.append('<h3 id="test-history">Recent test runs</h3>' + _tests_rows(history))
    return "".join(parts)


def apply_health(catalog: Catalog, data: Path, root: Path | None = None) -> HealthReport | None:
    """Give each product the store knows its status, reasons and history (the site then agrees with
    `mesh health`); None when the mesh has no health store yet."""
    from governance.site.catalog import Health

    loaded = load_histories(data, catalog.generated_at, root)
    if loaded is None:
        return None
    report, histories = loaded
    for unique_id, entry in catalog.products.items():
        history = histories.get(unique_id)
        if history is not None:
            entry.health = Health(history.health.status, tuple(history.health.reasons))
            entry.history = history
    return report


def attention_list(catalog: Catalog, base: str = "") -> str:
    """The home page's first list: degraded products, then those to watch, each with its first reason."""
    entries = [e for e in catalog.products.values() if e.health.signal in (DEGRADED, CAUTION)]
    if not entries:
        return ""
    entries.sort(key=lambda e: (ORDER[e.health.signal], e.model.display_name))
    items = "".join(
        f'<li><span class="badge health-{esc(e.health.signal)}">{esc(e.health.signal)}</span> '
        f'<a href="{esc(base + e.url)}">{esc(e.model.display_name)}</a>: '
        f"{esc(e.health.reasons[0] if e.health.reasons else '')}</li>"
        for e in entries
    )
    degraded = sum(1 for e in entries if e.health.signal == DEGRADED)
    return (
        f'<h2 id="attention">Needs attention: {degraded} degraded, {len(entries) - degraded} caution</h2>'
        f'<ol class="attention">{items}</ol>'
    )
