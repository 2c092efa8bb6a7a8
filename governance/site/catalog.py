"""Everything the site shows, worked out once from the mesh, the policy report and the lineage.

Health follows the dbt Cloud Catalog signals (shared/reference: healthy / caution / degraded / unknown):
  degraded  a test failed or errored, an upstream source's freshness check errored, a source is older
            than the product's SLA, or the version is past its deprecation date;
  caution   a test warned, a source warned, tests without results, no tests at all, a deprecation date
            ahead, or policy errors on the product;
  unknown   nothing is degraded, and its tests have no run results (or it has no tests and no upstream
            source freshness result) - there is nothing to judge it on;
  healthy   otherwise.
Every signal carries its reasons, so a reader sees why.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cached_property

from governance.access import AccessPolicy, ProductAccess, product_access
from governance.contracts.facts import ProductFacts, Surroundings, contract_file, product_facts
from governance.findings import Finding, Severity
from governance.lineage import LineageGraph, LineageNode, NodeKind
from governance.model import DataTest, Exposure, MeshModel, Model, Source
from governance.site.health import History

HEALTHY, CAUTION, DEGRADED, UNKNOWN = "healthy", "caution", "degraded", "unknown"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def safe_name(text: str) -> str:
    cleaned = _UNSAFE.sub("_", text).strip(".") or "_"
    return cleaned[:120]


@dataclass(frozen=True, slots=True)
class Health:
    signal: str
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class FreshnessRow:
    source: Source
    status: str  # pass | warn | error | runtime error | unknown
    max_loaded_at: datetime | None
    age_hours: float | None
    within_sla: bool | None  # None: no SLA or no load time


@dataclass(frozen=True, slots=True)
class Consumer:
    node: Model | Exposure
    kind: str  # product | hub mart | model | exposure
    url: str | None  # site-relative page, when it has one


@dataclass(slots=True)
class ProductEntry:
    model: Model
    facts: ProductFacts
    kind: NodeKind  # product or hub mart
    url: str  # site-relative
    contract_url: str | None
    tests: list[DataTest]
    freshness: list[FreshnessRow]
    health: Health
    consumers: list[Consumer]
    producers: list[str]  # unique_ids of products feeding it (lineage)
    findings: list[Finding]
    versions: list[Model]  # every version of the same model, newest first
    history: History | None = None  # from the health store, when the mesh keeps one (site/health.py)
    access: ProductAccess | None = None  # "Who may read it": the access matrix (governance.access)


@dataclass(slots=True)
class DomainEntry:
    name: str
    url: str
    platform: str
    is_hub: bool
    owners: list[tuple[str, str | None, str | None]]  # (group, name, email)
    products: list[ProductEntry] = field(default_factory=list)
    upstream: list[str] = field(default_factory=list)
    downstream: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    exposures: list[Exposure] = field(default_factory=list)

    def scorecard(self) -> list[tuple[str, int, int, int]]:
        """(rule code, errors, warnings, infos) for each rule with findings in the domain."""
        counts: dict[str, Counter[Severity]] = defaultdict(Counter)
        for finding in self.findings:
            counts[finding.code][finding.severity] += 1
        return [
            (code, c[Severity.ERROR], c[Severity.WARNING], c[Severity.INFO])
            for code, c in sorted(counts.items())
        ]

    @property
    def clean_products(self) -> int:
        return sum(1 for p in self.products if not p.findings)


@dataclass
class Catalog:
    mesh: MeshModel
    lineage: LineageGraph
    generated_at: datetime
    domains: dict[str, DomainEntry]
    products: dict[str, ProductEntry]  # unique_id -> entry (products and hub marts)
    findings: list[Finding]

    @cached_property
    def lineage_nodes(self) -> dict[str, LineageNode]:
        return {n.id: n for n in self.lineage.nodes}

    @cached_property
    def lineage_children(self) -> dict[str, list[str]]:
        """Lineage node -> the nodes it feeds directly, sorted."""
        children: dict[str, list[str]] = defaultdict(list)
        for edge in self.lineage.edges:  # sorted by source, then target
            children[edge.source].append(edge.target)
        return children

    def url_of(self, unique_id: str) -> str | None:
        entry = self.products.get(unique_id)
        return entry.url if entry else None

    def health_counts(self) -> Counter[str]:
        return Counter(p.health.signal for p in self.products.values())


def product_url(model: Model) -> str:
    suffix = f".v{model.version}" if model.version else ""
    return f"products/{safe_name(model.project)}/{safe_name(model.name + suffix)}.html"


def domain_url(name: str) -> str:
    return f"domains/{safe_name(name)}.html"


class _Ancestry:
    """Sources each node reads, transitively, across projects (memoised: products share their upstream)."""

    def __init__(self, mesh: MeshModel) -> None:
        self.mesh = mesh
        self.memo: dict[str, frozenset[str]] = {}

    def sources(self, unique_id: str) -> frozenset[str]:
        # iterative post-order so a deep chain does not hit the recursion limit
        visiting: set[str] = set()
        stack = [(unique_id, False)]
        while stack:
            node, expanded = stack.pop()
            if node in self.memo:
                continue
            parents = self.mesh.parents.get(node, ())
            if expanded:
                found: set[str] = set()
                for parent in parents:
                    if isinstance(self.mesh.nodes.get(parent), Source):
                        found.add(parent)
                    found |= self.memo.get(parent, frozenset())
                self.memo[node] = frozenset(found)
            elif node not in visiting:  # a node already being expanded is on a cycle: skip it
                visiting.add(node)
                stack.append((node, True))
                stack.extend((p, False) for p in parents if p not in self.memo)
        return self.memo[unique_id]


def _freshness(source: Source, sla_hours: float | None, now: datetime) -> FreshnessRow:
    freshness = source.freshness
    status = (freshness.status if freshness and freshness.status else None) or "unknown"
    loaded = freshness.max_loaded_at if freshness else None
    age = None
    if loaded is not None:
        moment = loaded if loaded.tzinfo else loaded.replace(tzinfo=UTC)
        age = max(0.0, (now - moment).total_seconds() / 3600)
    within = None if age is None or sla_hours is None else age <= sla_hours
    return FreshnessRow(source, status, loaded, age, within)


@dataclass(slots=True)
class _Signals:
    degraded: list[str] = field(default_factory=list)
    caution: list[str] = field(default_factory=list)


def _judge_tests(tests: list[DataTest], signals: _Signals) -> int:
    """Adds the tests' signals; returns how many tests have a recorded result."""
    with_result = [t.result for t in tests if t.result is not None]
    failed = sum(1 for r in with_result if r.status in ("fail", "error"))
    warned = sum(1 for r in with_result if r.status == "warn")
    if failed:
        signals.degraded.append(f"{failed} of {len(tests)} tests failed or errored in the last run")
    if warned:
        signals.caution.append(f"{warned} tests warned in the last run")
    if not tests:
        signals.caution.append("no data tests")
    elif with_result and len(with_result) < len(tests):
        signals.caution.append(
            f"{len(tests) - len(with_result)} of {len(tests)} tests have no recorded result"
        )
    return len(with_result)


def _judge_freshness(freshness: list[FreshnessRow], sla_hours: float | None, signals: _Signals) -> int:
    """Adds the upstream sources' signals; returns how many sources have a freshness result."""
    for row in freshness:
        name = f"{row.source.source_name}.{row.source.name}"
        if row.status in ("error", "runtime error"):
            signals.degraded.append(f"source {name} freshness check: {row.status}")
        elif row.status == "warn":
            signals.caution.append(f"source {name} freshness check: warn")
        if row.within_sla is False and row.age_hours is not None and sla_hours is not None:
            signals.degraded.append(
                f"source {name} last loaded {row.age_hours:.0f} h ago; the SLA is {sla_hours:g} h"
            )
    return sum(1 for f in freshness if f.status != "unknown")


def _judge_deprecation(model: Model, now: datetime, signals: _Signals) -> None:
    date = model.deprecation_date
    if date is None:
        return
    moment = date if date.tzinfo else date.replace(tzinfo=UTC)
    if moment <= now:
        signals.degraded.append(
            f"deprecated since {date.date().isoformat()}; move to v{model.latest_version}"
        )
    else:
        signals.caution.append(f"deprecated: removed after {date.date().isoformat()}")


def product_health(entry: ProductEntry, now: datetime) -> Health:
    signals = _Signals()
    tested = _judge_tests(entry.tests, signals)
    judged_sources = _judge_freshness(entry.freshness, entry.facts.sla_hours, signals)
    _judge_deprecation(entry.model, now, signals)
    errors = sum(1 for f in entry.findings if f.severity is Severity.ERROR)
    if errors:
        signals.caution.append(f"{errors} policy errors")
    if signals.degraded:
        return Health(DEGRADED, tuple(signals.degraded + signals.caution))
    if not tested and (entry.tests or not judged_sources):
        reasons = ["no run results for its tests (run `mesh build`)"]
        if not judged_sources:
            reasons.append("no source freshness results (`dbt source freshness`)")
        return Health(UNKNOWN, tuple(reasons + signals.caution))
    if not judged_sources:
        signals.caution.append(
            "source freshness unknown" if entry.freshness else "reads no source with a freshness check"
        )
    if signals.caution:
        return Health(CAUTION, tuple(signals.caution))
    return Health(HEALTHY, ("all tests passed", "sources fresh within the SLA"))


def _consumers(mesh: MeshModel, model: Model, kinds: Mapping[str, NodeKind]) -> list[Consumer]:
    """Transitive consumers worth showing: other domains' models, products, hub marts and exposures."""
    found = []
    for node in mesh.downstream(model.unique_id):
        if isinstance(node, Exposure):
            found.append(Consumer(node, "exposure", None))
        elif node.unique_id in kinds:
            kind = "hub mart" if kinds[node.unique_id] is NodeKind.HUB_MODEL else "product"
            found.append(Consumer(node, kind, product_url(node)))
        elif node.project != model.project:
            found.append(Consumer(node, "model", None))
    return sorted(found, key=lambda c: (c.node.project, c.kind, c.node.name))


@dataclass(frozen=True, slots=True)
class _Context:
    mesh: MeshModel
    surroundings: Surroundings
    kinds: Mapping[str, NodeKind]
    by_node: Mapping[str, list[Finding]]
    producers: Mapping[str, list[str]]
    versions: Mapping[tuple[str, str], list[Model]]
    ancestry: _Ancestry
    now: datetime


def _product_entry(ctx: _Context, model: Model, kind: NodeKind) -> ProductEntry:
    mesh = ctx.mesh
    facts = product_facts(mesh, model, ctx.surroundings)
    sources = (mesh.nodes[s] for s in sorted(ctx.ancestry.sources(model.unique_id)))
    entry = ProductEntry(
        model=model,
        facts=facts,
        kind=kind,
        url=product_url(model),
        contract_url=f"contracts/{contract_file(model)}" if model.is_product else None,
        tests=facts.tests,
        freshness=[
            _freshness(node, facts.sla_hours, ctx.now)
            for node in sources
            if isinstance(node, Source) and node.freshness is not None
        ],
        health=Health(UNKNOWN, ()),
        consumers=_consumers(mesh, model, ctx.kinds),
        producers=sorted(ctx.producers.get(model.unique_id, [])),
        findings=ctx.by_node.get(model.unique_id, []),
        versions=sorted(
            ctx.versions[(model.project, model.name)], key=lambda m: _version_key(m.version), reverse=True
        ),
    )
    entry.access = product_access(model, surroundings_policy(ctx.surroundings))
    entry.health = product_health(entry, ctx.now)
    return entry


def surroundings_policy(surroundings: Surroundings) -> AccessPolicy:
    """The central access policy (unity.yml) as the site's settings carry it."""
    return AccessPolicy(surroundings.consumer_group, surroundings.restricted_readers, surroundings.shares)


def build_catalog(
    mesh: MeshModel,
    lineage: LineageGraph,
    findings: list[Finding],
    surroundings: Surroundings,
    *,
    now: datetime | None = None,
) -> Catalog:
    now = now or datetime.now(UTC)
    kinds: dict[str, NodeKind] = {n.id: n.kind for n in lineage.nodes if n.kind is not NodeKind.EXPOSURE}
    by_node: dict[str, list[Finding]] = defaultdict(list)
    by_domain: dict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        if finding.node_id:
            by_node[finding.node_id].append(finding)
        by_domain[finding.domain].append(finding)
    producers: dict[str, list[str]] = defaultdict(list)
    for edge in lineage.edges:
        producers[edge.target].append(edge.source)
    models = {uid: m for uid in kinds if (m := mesh.model(uid)) is not None}
    versions: dict[tuple[str, str], list[Model]] = defaultdict(list)
    for model in models.values():
        versions[(model.project, model.name)].append(model)
    ctx = _Context(mesh, surroundings, kinds, by_node, producers, versions, _Ancestry(mesh), now)
    products = {uid: _product_entry(ctx, model, kinds[uid]) for uid, model in models.items()}
    domains: dict[str, DomainEntry] = {}
    for name, domain in sorted(mesh.domains.items()):
        domains[name] = DomainEntry(
            name=name,
            url=domain_url(name),
            platform=domain.platform.value,
            is_hub=domain.is_hub,
            owners=sorted((g.name, g.owner_name, g.owner_email) for g in domain.groups.values()),
            findings=sorted(by_domain.get(name, []), key=lambda f: (f.code, f.message)),
            exposures=sorted(domain.exposures.values(), key=lambda e: e.name),
        )
    for entry in sorted(products.values(), key=lambda p: p.model.unique_id):
        if entry.model.project in domains:
            domains[entry.model.project].products.append(entry)
    _link_domains(mesh, lineage, domains)
    return Catalog(mesh, lineage, now, domains, products, findings)


def _version_key(version: str | None) -> tuple[int, float, str]:
    if version is None:
        return (0, 0.0, "")
    try:
        return (1, float(version), version)
    except ValueError:
        return (1, 0.0, version)


def _link_domains(mesh: MeshModel, lineage: LineageGraph, domains: dict[str, DomainEntry]) -> None:
    """Up/downstream domains: from dependencies.yml, and from product edges (which also catch refs
    between domains that forgot to declare the dependency)."""
    up: dict[str, set[str]] = defaultdict(set)
    for name, domain in mesh.domains.items():
        up[name].update(u for u in domain.upstream if u != name)
    project_of = {n.id: _project_of(mesh, n.id, n.domain) for n in lineage.nodes}
    for edge in lineage.edges:
        source, target = project_of.get(edge.source), project_of.get(edge.target)
        if source and target and source != target:
            up[target].add(source)
    for name, entry in domains.items():
        entry.upstream = sorted(u for u in up[name] if u in domains)
        entry.downstream = sorted(d for d, ups in up.items() if name in ups and d in domains)


def _project_of(mesh: MeshModel, unique_id: str, fallback: str) -> str:
    node = mesh.nodes.get(unique_id)
    return node.project if node is not None else fallback
