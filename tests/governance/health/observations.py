"""Observations of a small cross-domain mesh, as `mesh build` would append them."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from governance.health.store import NO_OWN_SOURCES, Observation

AT = datetime(2026, 3, 2, 6, tzinfo=UTC)  # a Monday morning

# orders.fct_orders -> marketing.fct_attributed_orders -> hub.marketing_roi; orders.dim_customers
MESH = {
    "model.orders.fct_orders": ("orders", "orders", 24.0, ()),
    "model.orders.dim_customers": ("orders", "orders", 24.0, ()),
    "model.marketing.fct_attributed_orders": ("marketing", "marketing", 24.0, ("model.orders.fct_orders",)),
    "model.hub.marketing_roi": ("hub", "analytics", 24.0, ("model.marketing.fct_attributed_orders",)),
}


def observation(product: str, run: int, at: datetime, **changes: object) -> Observation:
    domain, owner, sla, upstreams = MESH[product]
    base = Observation(
        run_id=f"run-{run:03d}",
        observed_at=at,
        product=product,
        name=f"{domain}.{product.rsplit('.', 1)[-1]}",
        domain=domain,
        owner=owner,
        contact=f"{owner}@example.com",
        sla_hours=sla,
        loaded_at=None if domain == "hub" else at - timedelta(hours=4),
        freshness_note=NO_OWN_SOURCES if domain == "hub" else None,
        row_count=1000 + 100 * run,
        tests_total=3,
        tests_failed=0,
        tests_warned=0,
        failed_tests=(),
        build_status="success",
        columns="id integer; amount double",
        upstreams=upstreams,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def daily_runs(days: int, at: datetime = AT) -> list[Observation]:
    """`days` daily builds of the whole mesh, the last one at `at`, all healthy."""
    return [
        observation(product, day, at - timedelta(days=days - 1 - day))
        for day in range(days)
        for product in MESH
    ]
