"""Each product's status and reasons, and causes traced across domains.

A product's own signals come first:
  degraded  its build failed or was skipped, a data test failed, its own sources are older than its SLA,
            the data it reads is older than its SLA, or its volume is anomalous against its own history;
  caution   a test warned, its schema changed since the previous run, its load came unusually late
            (still within the SLA), or something could not be judged (no SLA, no tests);
  unknown   nothing could be judged: no history, or neither test results nor freshness.
Then upstream: a product reading a degraded product (in any domain) is degraded too, and says which
product is the root cause (a product degraded by its own signals) and the path from it. Each root cause
is reported once, to its owner (`notify.py`); downstream products point at it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy

from governance.health.anomalies import DEFAULT, Anomaly, Batch, Detector, detect_batch, weekdays
from governance.health.store import NO_OWN_SOURCES, TESTED_AGAINST, HealthStore, History, Observation

HEALTHY, CAUTION, DEGRADED, UNKNOWN = "healthy", "caution", "degraded", "unknown"
FAILED_BUILD = "\x00"  # marks a failure reason (build or tests) until `_judge` has placed its cause
ORDER = {DEGRADED: 0, CAUTION: 1, UNKNOWN: 2, HEALTHY: 3}


@dataclass(slots=True)
class ProductHealth:
    product: str
    name: str
    domain: str
    owner: str | None
    contact: str | None
    status: str = UNKNOWN
    reasons: list[str] = field(default_factory=list)
    own_degraded: bool = False
    root_causes: dict[str, tuple[str, ...]] = field(default_factory=dict)  # root id -> path (names)
    age_hours: float | None = None  # age of the data it serves (its own and its upstreams')
    sla_hours: float | None = None
    row_count: int | None = None
    observed_at: datetime | None = None
    upstreams: tuple[str, ...] = ()
    tested_against: tuple[str, ...] = ()  # products its tests compare it with

    @property
    def owning_group(self) -> str:
        return self.owner or self.domain

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else ""


@dataclass(slots=True)
class HealthReport:
    at: datetime
    products: dict[str, ProductHealth]  # unique_id -> health
    notes: list[str] = field(default_factory=list)

    def ordered(self) -> list[ProductHealth]:
        """Degraded first, then caution, unknown, healthy; by name within each."""
        return sorted(self.products.values(), key=lambda p: (ORDER[p.status], p.name))

    def roots(self) -> dict[str, list[ProductHealth]]:
        """Root cause id -> the downstream products it degrades (sorted by name)."""
        found: dict[str, list[ProductHealth]] = {}
        for health in self.products.values():
            if health.own_degraded:
                found.setdefault(health.product, [])
        for health in self.ordered():
            for root in health.root_causes:
                if root != health.product:
                    found.setdefault(root, []).append(health)
        return found

    @property
    def degraded(self) -> bool:
        return any(p.status == DEGRADED for p in self.products.values())


def _hours(seconds: float) -> str:
    hours = seconds / 3600
    return f"{hours:.1f} h" if hours < 10 else f"{hours:.0f} h"


def _schema_change(previous: str | None, current: str) -> str | None:
    if previous is None or previous == current:
        return None
    before = set(filter(None, previous.split("; ")))
    after = set(filter(None, current.split("; ")))
    added = sorted(after - before)
    removed = sorted(before - after)
    parts = [f"+{c}" for c in added[:3]] + [f"-{c}" for c in removed[:3]]
    more = len(added) + len(removed) - len(parts)
    return (
        "schema changed since the previous run: "
        + ", ".join(parts)
        + (f" and {more} more" if more > 0 else "")
    )


def _build_and_tests(obs: Observation, degraded: list[str], caution: list[str]) -> bool:
    """Adds the build's and tests' reasons; whether the tests judged the product."""
    if obs.build_status == "failed":
        degraded.append(f"{FAILED_BUILD}its last build failed")
    elif obs.build_status == "skipped":
        degraded.append(f"{FAILED_BUILD}not built in the last run: a node it depends on failed")
    if obs.tests_warned:
        caution.append(f"{obs.tests_warned} tests warned")
    if not obs.tests_total:
        caution.append("no data tests")
    if obs.tests_failed:
        names = ", ".join(obs.failed_tests[:3])
        degraded.append(f"{FAILED_BUILD}{obs.tests_failed} of {obs.tests_total} tests failed ({names})")
        return True
    return bool(obs.tests_total) and obs.build_status == "success"


def history_anomalies(history: History, detector: Detector = DEFAULT) -> tuple[
    dict[str, Anomaly], dict[str, Anomaly]
]:  # fmt: skip
    """(volume anomalies, late-load anomalies) of every product's newest run against its own history:
    rows added per run (both ways), hours from the newest load to the build (only later than usual).
    A product that is built and published is judged on its builds (a publish serves the figures of the
    build before it: its rows added would read 0); one only ever published, on its publishes.

    Vectorised over every product at once (no Python per product: 10,000 products x 90 runs in tens of
    milliseconds); tests/governance/health/test_anomalies.py holds it equal to the loop per product."""
    n = len(history.products)
    if not n:
        return {}, {}
    sizes = numpy.diff(history.start)
    product = numpy.repeat(numpy.arange(n), sizes)
    runs = numpy.ones(len(product), dtype=bool)
    if history.published is not None:
        published = numpy.add.reduceat(history.published.astype("int64"), history.start[:-1])
        mixed = (published > 0) & (published < sizes)  # a publish repeats its build's figures
        runs = ~(history.published & mixed[product])
    chosen = numpy.flatnonzero(runs)
    keep = detector.window + 2  # the last runs judged: the window, the current one and one to diff
    back = (numpy.cumsum(numpy.bincount(product[chosen], minlength=n)) - 1)[product[chosen]]
    chosen = chosen[back - numpy.arange(len(chosen)) < keep]
    days = weekdays(history.t[chosen])
    counts, lags, owner = history.rows[chosen], history.lag[chosen], product[chosen]
    known = ~numpy.isnan(counts)
    k_owner, k_counts, k_days = owner[known], counts[known], days[known]
    same = k_owner[1:] == k_owner[:-1]  # rows added: from the previous known count of the same product
    added = (k_counts[1:] - k_counts[:-1])[same]
    volume = Batch.from_flat(k_owner[1:][same], k_days[1:][same], added, n, detector.window)
    known = ~numpy.isnan(lags)
    lateness = Batch.from_flat(owner[known], days[known], lags[known], n, detector.window)
    found_volume = detect_batch(volume, detector)
    found_late = detect_batch(lateness, detector, direction=1)
    return (
        {p: a for p, a in zip(history.products, found_volume, strict=True) if a is not None},
        {p: a for p, a in zip(history.products, found_late, strict=True) if a is not None},
    )


def _own_signals(
    obs: Observation,
    previous_columns: str | None,
    anomalies: tuple[Anomaly | None, Anomaly | None],
    at: datetime,
) -> tuple[list[str], list[str], bool]:
    """(degraded reasons, caution reasons, whether anything was judged) from the product's own signals."""
    degraded: list[str] = []
    caution: list[str] = []
    judged = _build_and_tests(obs, degraded, caution)
    if obs.loaded_at is not None and obs.sla_hours is not None:
        judged = True
        age = (at - obs.loaded_at).total_seconds()
        if age > obs.sla_hours * 3600:
            degraded.append(f"stale: last loaded {_hours(age)} ago; the SLA is {obs.sla_hours:g} h")
    volume, late = anomalies
    if volume is not None:
        degraded.append("volume: " + volume.describe("rows added in the last run"))
    if late is not None and not any(r.startswith("stale") for r in degraded):
        caution.append("late load: " + late.describe("newest load", " h old at the build").replace(",", ""))
    change = _schema_change(previous_columns, obs.columns)
    if change:
        caution.append(change)
    return degraded, caution, judged


def evaluate(
    latest: Sequence[tuple[Observation, str | None]],
    history: History,
    at: datetime | None = None,
) -> HealthReport:
    """Every product's health at `at` from its newest observation (and the previous one's columns)
    and its history (`HealthStore.snapshot()` gives both)."""
    at = at or datetime.now(UTC)
    volume, late = history_anomalies(history)
    observations = {obs.product: obs for obs, _ in latest}
    products: dict[str, ProductHealth] = {}
    own: dict[str, tuple[list[str], list[str], bool]] = {}
    for obs, previous in latest:
        health = ProductHealth(
            obs.product, obs.name, obs.domain, obs.owner, obs.contact, sla_hours=obs.sla_hours,
            row_count=obs.row_count, observed_at=obs.observed_at,
            upstreams=tuple(u for u in obs.upstreams if u in observations),
            tested_against=tuple(
                t for u in obs.upstreams if (t := u.removeprefix(TESTED_AGAINST)) != u and t in observations
            ),
        )  # fmt: skip
        products[obs.product] = health
        found = (volume.get(obs.product), late.get(obs.product))
        own[obs.product] = _own_signals(obs, previous, found, at)
    loaded: dict[str, datetime | None] = {}
    for product in _topological(products):
        health, obs = products[product], observations[product]
        loaded[product] = _data_loaded(obs, [loaded.get(u) for u in health.upstreams])
        if loaded[product] is not None:
            health.age_hours = (at - loaded[product]).total_seconds() / 3600  # type: ignore[operator]
        _judge(health, obs, own[product], products)
    return HealthReport(at, products)


def _data_loaded(obs: Observation, upstream: list[datetime | None]) -> datetime | None:
    """When the data it serves last got new input: its own sources' newest load, else (a mart over
    other products) the newest of its upstreams'. A stale upstream is reported as a cause, not here."""
    if obs.loaded_at is not None or obs.freshness_note != NO_OWN_SOURCES:
        return obs.loaded_at
    known = [m for m in upstream if m is not None]
    return max(known) if known else None


def _topological(products: Mapping[str, ProductHealth]) -> list[str]:
    order: list[str] = []
    state: dict[str, int] = {}
    for start in sorted(products):
        stack = [(start, False)]
        while stack:
            node, done = stack.pop()
            if done:
                state[node] = 2
                order.append(node)
                continue
            if state.get(node):
                continue
            state[node] = 1
            stack.append((node, True))
            stack.extend(
                (u, False)
                for u in sorted((*products[node].upstreams, *products[node].tested_against), reverse=True)
                if not state.get(u)
            )
    return order


def _upstream_reasons(
    health: ProductHealth, products: Mapping[str, ProductHealth], upstreams: Sequence[str]
) -> list[str]:
    for upstream in (products[u] for u in upstreams):
        for root, path in upstream.root_causes.items():
            if root not in health.root_causes:
                health.root_causes[root] = (*path, health.name)
    reasons = []
    for root, path in sorted(health.root_causes.items(), key=lambda item: item[1]):
        cause = products[root]
        reasons.append(f"upstream {cause.name} is degraded ({cause.reason}); path: {' -> '.join(path)}")
    return reasons


def _judge(
    health: ProductHealth,
    obs: Observation,
    own: tuple[list[str], list[str], bool],
    products: Mapping[str, ProductHealth],
) -> None:
    degraded, caution, judged = own
    upstream_reasons = _upstream_reasons(health, products, health.upstreams)
    if obs.freshness_note == NO_OWN_SOURCES and health.age_hours is not None and health.sla_hours:
        judged = True  # a mart over other products: as fresh as the newest of them
        if health.age_hours > health.sla_hours and not upstream_reasons:
            degraded.append(
                f"stale: the products it reads were last loaded {health.age_hours:.0f} h ago; "
                f"the SLA is {health.sla_hours:g} h"
            )
    if health.sla_hours is None:
        caution.append("freshness not judged: no SLA (meta.sla.freshness_hours)")
    elif health.age_hours is None:
        caution.append(f"freshness unknown: {obs.freshness_note or 'no load time'}")
    failures = [r for r in degraded if r.startswith(FAILED_BUILD)]
    degraded = [r.removeprefix(FAILED_BUILD) for r in degraded]
    if failures and len(failures) == len(degraded) and not upstream_reasons:
        # its tests compare it with a degraded product (a relationships test): that product's cause
        upstream_reasons = _upstream_reasons(health, products, health.tested_against)
    if failures and len(failures) == len(degraded) and upstream_reasons:
        # failing while what it reads is degraded: the upstream's root cause is its cause too (a late
        # batch upstream fails a relationships test here); reported once, to the root cause's owner
        degraded = [f"{r}, with an upstream degraded" for r in degraded]
        upstream_reasons, degraded = degraded + upstream_reasons, []
    if degraded:
        health.own_degraded = True
        health.root_causes = {health.product: (health.name,), **health.root_causes}
    if degraded or upstream_reasons:
        health.status = DEGRADED
        health.reasons = degraded + upstream_reasons + caution
    elif not judged:
        health.status = UNKNOWN
        health.reasons = ["nothing to judge it on: no test results and no freshness", *caution]
    elif caution:
        health.status = CAUTION
        health.reasons = caution
    else:
        health.status = HEALTHY
        fresh = ""
        if health.age_hours is not None:
            fresh = f"data {health.age_hours:.0f} h old within its {health.sla_hours:g} h SLA"
        health.reasons = [r for r in (f"{obs.tests_total} tests passed", fresh) if r]


def report_from_store(
    store: HealthStore | None, at: datetime | None = None, products: Sequence[str] | None = None
) -> HealthReport:
    if store is None:
        report = HealthReport(at or datetime.now(UTC), {})
        report.notes.append("no health history yet: run `mesh build` (it records every product's health)")
        return report
    snapshot = store.snapshot(products)
    return evaluate(snapshot.latest, snapshot.history, at)
