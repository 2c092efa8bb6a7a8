"""HTML pages of the catalog site. Every text that comes from YAML or artifacts goes through `esc`
(html.escape with quotes) before it reaches the page; no page has inline script or style, so the
Content-Security-Policy can forbid both."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

from governance.contracts.facts import ProductFacts
from governance.contracts.odcs import test_label
from governance.findings import Finding
from governance.lineage import NodeKind
from governance.model import Model
from governance.site.catalog import Catalog, DomainEntry, Health, ProductEntry, product_url
from governance.site.health import attention_list, health_section
from governance.site.svg import SvgNode, render_svg

# No network at view time: everything is 'self' (and file: for pages opened from disk).
CSP = (
    "default-src 'none'; script-src 'self' file:; style-src 'self' file:; img-src 'self' file: data:; "
    "connect-src 'none'; form-action 'none'; base-uri 'none'"
)
MAX_NEIGHBOURS = 40
MAX_FINDINGS = 200  # per page; a domain of a large mesh can have thousands
_SEVERITY_CSS = {"error": "fail", "warning": "warn", "info": "unknown"}


def esc(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _page(title: str, base: str, body: str, generated: str) -> str:
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        '<meta name="referrer" content="no-referrer">'
        f"<title>{esc(title)} · mesh catalog</title>"
        f'<link rel="stylesheet" href="{base}assets/site.css">'
        f'<script defer src="{base}assets/search.js"></script>'
        f'</head><body data-base="{base}">'
        f'<header class="top"><a href="{base}index.html">Mesh catalog</a>'
        '<div id="search"><input id="search-input" type="search" autocomplete="off" '
        'placeholder="Search products, columns, tags, owners, classifications" aria-label="Search">'
        '<div id="search-results" role="listbox"></div></div>'
        f'<a href="{base}mesh.json">mesh.json</a></header>'
        f"<main>{body}"
        f'<p class="muted">Generated {esc(generated)} by <code>mesh docs</code>.</p></main></body></html>\n'
    )


def _badge(health: Health) -> str:
    signal = esc(health.signal)
    return f'<span class="badge health-{signal}" data-health="{signal}">{signal}</span>'


def _table(headers: Sequence[str], rows: Iterable[Sequence[str]], css: str = "") -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{cell}</td>" for cell in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _link(base: str, url: str | None, text: str) -> str:
    return f'<a href="{esc(base + url)}">{esc(text)}</a>' if url else esc(text)


def _owners(entry: DomainEntry) -> str:
    parts = []
    for group, name, email in entry.owners:
        who = esc(name or group)
        if email:
            who += f' &lt;<a href="mailto:{esc(email)}">{esc(email)}</a>&gt;'
        parts.append(who)
    return "; ".join(parts) or '<span class="muted">no owner declared</span>'


def _health_summary(counts: dict[str, int]) -> str:
    order = ("healthy", "caution", "degraded", "unknown")
    return (
        " ".join(
            f'<span class="badge health-{s}">{s}: {counts.get(s, 0)}</span>'
            for s in order
            if counts.get(s, 0)
        )
        or '<span class="muted">no products</span>'
    )


def _findings_table(findings: Sequence[Finding], limit: int = MAX_FINDINGS) -> str:
    if not findings:
        return '<p class="muted">No policy findings.</p>'
    rows = [
        (
            f'<span class="status-{_SEVERITY_CSS[f.severity.value]}">{esc(f.severity.value)}</span>',
            f"<code>{esc(f.code)}</code>",
            esc(f.message),
            f"<code>{esc(str(f.location))}</code>",
        )
        for f in findings[:limit]
    ]
    more = len(findings) - limit
    rest = f'<p class="muted">{more} more: run <code>mesh check</code> for all.</p>' if more > 0 else ""
    return _table(["severity", "rule", "finding", "where to fix"], rows, "findings") + rest


# Home -------------------------------------------------------------------------------------------


def domain_graph(catalog: Catalog, base: str) -> str:
    """Domains as nodes, an edge where a domain's products feed another domain."""
    nodes = [
        SvgNode(
            id=name,
            label=f"{name} ({len(entry.products)})",
            href=base + entry.url,
            kind="domain" if not entry.is_hub else "hub_model",
            title=f"{name}: {len(entry.products)} products, platform {entry.platform}",
        )
        for name, entry in catalog.domains.items()
    ]
    edges = [(up, name) for name, entry in catalog.domains.items() for up in entry.upstream]
    return render_svg(nodes, edges, label="Cross-domain product graph", element_id="domain-graph")


def home_page(catalog: Catalog) -> str:
    base = ""
    counts = catalog.health_counts()
    products = [p for p in catalog.products.values() if p.kind is NodeKind.PRODUCT]
    rows = []
    for name, entry in catalog.domains.items():
        own = [p for p in entry.products]
        rows.append(
            (
                _link(base, entry.url, name) + (' <span class="badge">hub</span>' if entry.is_hub else ""),
                _owners(entry),
                esc(entry.platform),
                ", ".join(_link(base, p.url, p.model.display_name) for p in own[:12])
                + (f' <span class="muted">and {len(own) - 12} more</span>' if len(own) > 12 else "")
                or '<span class="muted">none</span>',
                _health_summary(
                    dict(
                        (s, sum(1 for p in own if p.health.signal == s))
                        for s in ("healthy", "caution", "degraded", "unknown")
                    )
                ),
            )
        )
    body = (
        "<h1>Data mesh catalog</h1>"
        f"<p>{len(catalog.domains)} domains, {len(products)} data products, "
        f"{sum(1 for p in catalog.products.values() if p.kind is NodeKind.HUB_MODEL)} hub marts, "
        f"{sum(len(d.exposures) for d in catalog.domains.values())} exposures. "
        f"Overall health: {_health_summary(dict(counts))}</p>"
        + attention_list(catalog, base)
        + '<h2 id="domains">Domains</h2>'
        + _table(["domain", "owners", "platform", "products", "health"], rows, "domains")
        + '<h2 id="graph">Cross-domain product graph</h2>'
        '<p class="muted">Each box is a domain (number of products); an arrow means the left domain\'s '
        "products feed the right one. Click a domain for its products.</p>" + domain_graph(catalog, base)
    )
    return _page("Home", base, body, catalog.generated_at.isoformat(timespec="seconds"))


# Product ----------------------------------------------------------------------------------------


def _columns_table(entry: ProductEntry) -> str:
    model = entry.model
    keys = set(model.primary_key)
    rows = []
    for column in model.columns.values():
        tests = sorted({t.name for t in entry.facts.tests_on(column.name)})
        pii = (
            '<span class="pii">PII</span>' + (" (masked)" if column.is_masked else "")
            if column.is_pii
            else ""
        )
        rows.append(
            (
                f"<code>{esc(column.name)}</code>",
                f"<code>{esc(column.data_type)}</code>"
                if column.data_type
                else '<span class="muted">untyped</span>',
                "PK" if column.name in keys else "",
                pii,
                esc(column.classification or ""),
                f'<span class="description">{esc(column.description)}</span>',
                esc(", ".join(tests)),
            )
        )
    if not rows:
        return '<p class="muted">The model declares no columns.</p>'
    return _table(["column", "type", "key", "PII", "classification", "description", "tests"], rows, "columns")


def _tests_table(entry: ProductEntry) -> str:
    if not entry.tests:
        return '<p class="muted">No data tests.</p>'
    rows = []
    for test in entry.tests:
        result = test.result
        status = result.status if result else "unknown"
        when = result.executed_at.isoformat(timespec="seconds") if result and result.executed_at else ""
        failures = "" if not result or result.failures is None else str(result.failures)
        rows.append(
            (
                f"<code>{esc(test_label(test))}</code>",
                esc(test.name),
                esc(test.column_name or "(model)"),
                f'<span class="status-{esc(status.replace(" ", "-"))}">{esc(status)}</span>',
                esc(failures),
                esc(when),
            )
        )
    return _table(["test", "kind", "column", "last result", "failures", "run at"], rows, "tests")


def _freshness_table(entry: ProductEntry) -> str:
    sla = entry.facts.sla_hours
    sla_text = f"SLA: {sla:g} h" if sla is not None else "no SLA declared"
    if not entry.freshness:
        return f'<p class="muted">{esc(sla_text)}; it reads no source with a freshness check: unknown.</p>'
    rows = []
    for row in entry.freshness:
        verdict = {True: "within SLA", False: "older than SLA", None: "unknown"}[row.within_sla]
        rows.append(
            (
                f"<code>{esc(row.source.source_name)}.{esc(row.source.name)}</code>",
                esc(row.source.project),
                f'<span class="status-{esc(row.status.replace(" ", "-"))}">{esc(row.status)}</span>',
                esc(row.max_loaded_at.isoformat(timespec="seconds") if row.max_loaded_at else "unknown"),
                esc(f"{row.age_hours:.1f} h" if row.age_hours is not None else "unknown"),
                esc(verdict),
            )
        )
    return f"<p>{esc(sla_text)}</p>" + _table(
        ["source", "domain", "freshness check", "last loaded", "age", "against the SLA"], rows, "freshness"
    )


def _query_section(facts: ProductFacts) -> str:
    parts = []
    for endpoint in facts.endpoints:
        if endpoint.engine == "duckdb":
            snippet = f'mesh query "select * from {endpoint.name} limit 10"'
        elif endpoint.engine == "trino":
            snippet = f"-- mesh query --engine trino\nselect * from {endpoint.name} limit 10"
        elif endpoint.engine == "databricks":
            snippet = f"-- mesh query --engine databricks\nSELECT * FROM {endpoint.name} LIMIT 10"
        else:
            snippet = f'import delta_sharing\ndelta_sharing.load_as_pandas("<profile>.share#{endpoint.name}")'
        note = f' <span class="muted">{esc(endpoint.note)}</span>' if endpoint.note else ""
        parts.append(
            f'<div class="endpoint" data-engine="{esc(endpoint.engine)}"><h3>{esc(endpoint.label)}{note}</h3>'
            f'<p>Name: <code class="relation">{esc(endpoint.name)}</code></p><pre>{esc(snippet)}</pre></div>'
        )
    return "".join(parts)


def _readers_table(entry: ProductEntry) -> str:
    """From the access matrix (governance.access), the one definition every engine enforces."""
    access = entry.access
    if access is None or not access.principals:
        return '<p class="muted">No grants: nobody but the owner may read it.</p>'
    rows = [
        (
            f"<code>{esc(p.name)}</code>",
            esc("owner" if p.name == access.owner else "select" if p.reads else "denied"),
            esc(", ".join(p.via)),
            esc(p.summary),
        )
        for p in access.principals
    ]
    return _table(["principal", "access", "from", "columns"], rows, "readers")


def _consumers_table(base: str, entry: ProductEntry) -> str:
    if not entry.consumers:
        return '<p class="muted">No consumers outside its domain yet.</p>'
    rows = []
    for consumer in entry.consumers:
        node = consumer.node
        name = f"{node.project}.{node.name}" if not isinstance(node, Model) else node.display_name
        rows.append(
            (
                _link(base, consumer.url, name),
                esc(consumer.kind),
                esc(node.project),
            )
        )
    return _table(["consumer", "kind", "domain"], rows, "consumers")


def _versions_table(base: str, entry: ProductEntry) -> str:
    model = entry.model
    if not model.version:
        return '<p class="muted">Not versioned.</p>'
    rows = []
    for version in entry.versions:
        latest = version.version == (
            str(version.latest_version) if version.latest_version is not None else None
        )
        date = version.deprecation_date.date().isoformat() if version.deprecation_date else ""
        rows.append(
            (
                _link(
                    base,
                    product_url(version),
                    f"v{version.version}",
                ),
                '<span class="badge health-healthy">latest</span>' if latest else "",
                esc(date and f"deprecated, removed after {date}"),
            )
        )
    return _table(["version", "", "deprecation"], rows, "versions")


def product_graph(catalog: Catalog, entry: ProductEntry, base: str) -> str:
    uid = entry.model.unique_id
    lineage_nodes = catalog.lineage_nodes
    producers = entry.producers[:MAX_NEIGHBOURS]
    consumers = catalog.lineage_children.get(uid, [])
    hidden = max(0, len(entry.producers) - MAX_NEIGHBOURS) + max(0, len(consumers) - MAX_NEIGHBOURS)
    consumers = consumers[:MAX_NEIGHBOURS]
    nodes: list[SvgNode] = []
    for node_id in [*producers, uid, *consumers]:
        node = lineage_nodes.get(node_id)
        if node is None or any(n.id == node_id for n in nodes):
            continue
        url = catalog.url_of(node_id)
        nodes.append(
            SvgNode(
                id=node_id,
                label=node.label,
                href=(base + url) if url and node_id != uid else None,
                kind=node.kind.value,
                title=f"{node.label} ({node.kind.value}, {node.domain})",
                current=node_id == uid,
                deprecated=node.deprecated,
            )
        )
    edges = [(p, uid) for p in producers] + [(uid, c) for c in consumers]
    svg = render_svg(nodes, edges, label=f"Lineage of {entry.model.display_name}", element_id="product-graph")
    more = f'<p class="muted">{hidden} more neighbours not drawn; see the tables.</p>' if hidden else ""
    return svg + more


def product_page(catalog: Catalog, entry: ProductEntry) -> str:
    base = "../../"
    model = entry.model
    facts = entry.facts
    owner = facts.owner
    domain = catalog.domains.get(model.project)
    contact = esc(owner.team or "")
    if owner.contact_email:
        mail = esc(owner.contact_email)
        contact += f' &lt;<a href="mailto:{mail}">{mail}</a>&gt;'
    elif owner.contact and owner.contact != owner.team:
        contact += f" ({esc(owner.contact)})"
    contact = contact.strip()
    sla = facts.sla_hours
    version_note = ""
    if model.version:
        latest = str(model.latest_version) if model.latest_version is not None else None
        version_note = f" v{esc(model.version)}" + (
            ' <span class="badge health-healthy">latest</span>' if model.version == latest else ""
        )
    contract = (
        f'<a class="contract" href="{esc(base + entry.contract_url)}">ODCS contract (YAML)</a>'
        if entry.contract_url
        else '<span class="muted">no contract (not a data product)</span>'
    )
    facts_list = (
        '<dl class="facts">'
        f"<dt>Domain</dt><dd>{_link(base, domain.url if domain else None, model.project)}</dd>"
        f"<dt>Owning team</dt><dd>{esc(owner.group or '')} {('— ' + contact) if contact else ''}</dd>"
        f"<dt>Owner principal</dt><dd><code>{esc(owner.principal or '')}</code></dd>"
        f"<dt>Classification</dt><dd>{esc(model.classification or 'not classified')}</dd>"
        f"<dt>SLA</dt><dd>{esc(f'fresh within {sla:g} hours' if sla is not None else 'not declared')}</dd>"
        f"<dt>Access</dt><dd>{esc(model.access.value)}, contract "
        f"{'enforced' if model.contract_enforced else 'not enforced'}, {esc(model.materialized)}</dd>"
        f"<dt>Tags</dt><dd>{esc(', '.join(model.tags)) or '<span class=muted>none</span>'}</dd>"
        f"<dt>Contract</dt><dd>{contract}</dd>"
        f"<dt>Definition</dt><dd><code>{esc(model.sql_path.path)}</code></dd>"
        "</dl>"
    )
    health = entry.health
    reasons = "".join(f"<li>{esc(r)}</li>" for r in health.reasons)
    kind = "Hub mart" if entry.kind is NodeKind.HUB_MODEL else "Data product"
    description = esc(model.description) or '<span class="muted">No description.</span>'
    body = (
        f'<h1><span class="kind">{kind}</span> <span id="product-name">{esc(model.project)}.'
        f"{esc(model.name)}</span>{version_note} {_badge(health)}</h1>"
        f'<p class="description" id="product-description">{description}</p>'
        + facts_list
        + f'<h2 id="health">Health: {_badge(health)}</h2><ul class="reasons">{reasons}</ul>'
        + (health_section(entry.history, catalog.url_of, base) if entry.history else "")
        + '<h2 id="contract">Contract: columns</h2>'
        + _columns_table(entry)
        + '<h2 id="versions">Versions</h2>'
        + _versions_table(base, entry)
        + '<h2 id="tests">Tests and their last results</h2>'
        + _tests_table(entry)
        + '<h2 id="freshness">Source freshness against the SLA</h2>'
        + _freshness_table(entry)
        + '<h2 id="lineage">Lineage</h2>'
        + product_graph(catalog, entry, base)
        + '<h2 id="consumers">Consumers (transitive, across domains)</h2>'
        + _consumers_table(base, entry)
        + '<h2 id="readers">Who may read it</h2>'
        + _readers_table(entry)
        + '<h2 id="query">How to query it</h2>'
        + _query_section(facts)
        + '<h2 id="findings">Policy findings</h2>'
        + _findings_table(entry.findings)
    )
    return _page(model.display_name, base, body, catalog.generated_at.isoformat(timespec="seconds"))


# Domain -----------------------------------------------------------------------------------------


def domain_page(catalog: Catalog, entry: DomainEntry) -> str:
    base = "../"

    def domain_links(names: Sequence[str]) -> str:
        return (
            ", ".join(_link(base, catalog.domains[n].url if n in catalog.domains else None, n) for n in names)
            or '<span class="muted">none</span>'
        )

    product_rows = [
        (
            _link(base, p.url, p.model.display_name),
            esc(p.kind.value.replace("_", " ")),
            esc(p.model.classification or ""),
            _badge(p.health),
            esc(str(len(p.findings))),
            f'<span class="description">{esc(p.model.description[:200])}</span>',
        )
        for p in entry.products
    ]
    scorecard = entry.scorecard()
    rules = (
        _table(
            ["rule", "errors", "warnings", "info"],
            [(f"<code>{esc(c)}</code>", str(e), str(w), str(i)) for c, e, w, i in scorecard],
            "scorecard",
        )
        if scorecard
        else '<p class="muted">No policy findings in this domain.</p>'
    )
    exposures = (
        _table(
            ["exposure", "type", "owner", "maturity"],
            [
                (esc(e.name), esc(e.type), esc(e.owner_email or e.owner_name or ""), esc(e.maturity or ""))
                for e in entry.exposures
            ],
        )
        if entry.exposures
        else '<p class="muted">No exposures.</p>'
    )
    total = len(entry.products)
    body = (
        f'<h1>Domain <span id="domain-name">{esc(entry.name)}</span></h1>'
        '<dl class="facts">'
        f"<dt>Owners</dt><dd>{_owners(entry)}</dd>"
        f"<dt>Platform</dt><dd>{esc(entry.platform)}</dd>"
        f"<dt>Upstream domains</dt><dd>{domain_links(entry.upstream)}</dd>"
        f"<dt>Downstream domains</dt><dd>{domain_links(entry.downstream)}</dd>"
        "</dl>"
        f'<h2 id="products">Products ({total})</h2>'
        + (
            _table(
                ["product", "kind", "classification", "health", "findings", "description"],
                product_rows,
                "products",
            )
            if product_rows
            else '<p class="muted">No data products.</p>'
        )
        + f'<h2 id="scorecard">Policy scorecard</h2><p>{entry.clean_products} of {total} products without '
        f"findings; {len(entry.findings)} findings in the domain.</p>"
        + rules
        + _findings_table(entry.findings)
        + '<h2 id="exposures">Exposures</h2>'
        + exposures
    )
    return _page(f"Domain {entry.name}", base, body, catalog.generated_at.isoformat(timespec="seconds"))
