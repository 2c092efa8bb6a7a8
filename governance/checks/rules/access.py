"""Access boundaries: what may be public, and who may read what across domains."""

from __future__ import annotations

from collections.abc import Iterator

from governance.checks.context import RuleContext
from governance.checks.queries import domain_models
from governance.checks.registry import rule
from governance.findings import Finding, Severity
from governance.model import Access, Layer, Model


@rule(
    code="MESH005",
    name="public-only-gold",
    title="Only gold models of a domain may be public",
    severity=Severity.ERROR,
    rationale="Public models are the domain's promises to others. Staging and intermediate models change "
    "with the source systems; exposing them couples consumers to internals.",
    remediation="Set `access: protected` (or private) on the model, or move it to `models/marts/` as a "
    "contracted gold product.",
    example="# models/staging/stg_orders.yml\nconfig:\n  access: public",
)
def public_only_gold(ctx: RuleContext) -> Iterator[Finding]:
    for model in domain_models(ctx.mesh):
        if model.access is Access.PUBLIC and model.layer is not Layer.GOLD:
            yield ctx.model(model, f"is public but in layer {model.layer.value!r}; only gold may be public")


def _foreign_parents(ctx: RuleContext, model: Model) -> Iterator[tuple[str, Model | None]]:
    """Model dependencies in another project; None when the node is gone from that project."""
    for parent in model.depends_on:
        if not parent.startswith("model."):
            continue
        project = parent.split(".")[1]
        if project != model.project:
            yield parent, ctx.mesh.model(parent)


@rule(
    code="MESH013",
    name="exposure-public-only",
    title="Exposures use only public products (or their own project's marts)",
    severity=Severity.ERROR,
    rationale="Dashboards and applications outlive refactorings; they must sit on contracted, public "
    "products whose changes are versioned, not on staging or intermediate internals. The marts of the "
    "exposure's own project (the hub's cross-domain marts) qualify: they read only public products.",
    remediation="Point the exposure at the public product that carries the data, or make the model a "
    "public, contracted product first.",
    example="exposures:\n  - name: campaign_feed\n    depends_on: [ref('stg_campaign_orders')]",
)
def exposure_public_only(ctx: RuleContext) -> Iterator[Finding]:
    for exposure in ctx.mesh.exposures():
        for parent in exposure.depends_on:
            if not parent.startswith("model."):
                continue
            model = ctx.mesh.model(parent)
            if model is None:
                yield ctx.exposure(exposure, f"depends on {parent}, which does not exist", f"edge:{parent}")
            elif model.access is not Access.PUBLIC and not _own_mart(model, exposure.project):
                what = f"is {model.access.value} in layer {model.layer.value}"
                yield ctx.exposure(exposure, f"depends on {parent}, which {what}", f"edge:{parent}")


def _own_mart(model: Model, project: str) -> bool:
    return model.project == project and model.layer in {Layer.GOLD, Layer.HUB}


@rule(
    code="MESH014",
    name="hub-products-only",
    title="Hub models read only domains' data products",
    severity=Severity.ERROR,
    rationale="The hub combines domains through their published interfaces; reading a domain's internal "
    "model breaks as soon as that domain refactors.",
    remediation="Replace the ref with the domain's public gold product (pin its version), or ask the domain "
    "to publish the data as a product.",
    example="select * from {{ ref('orders', 'int_order_lines') }}",
)
def hub_products_only(ctx: RuleContext) -> Iterator[Finding]:
    for domain in ctx.mesh.domains.values():
        if not domain.is_hub:
            continue
        for model in domain.models.values():
            for parent, target in _foreign_parents(ctx, model):
                if target is None or not target.is_product:
                    what = "no longer exists" if target is None else "is not a public gold product"
                    yield ctx.model(
                        model, f"reads {parent}, which {what}", at_sql=True, subject=f"edge:{parent}"
                    )


@rule(
    code="MESH015",
    name="cross-domain-public-only",
    title="Cross-domain refs target only public models",
    severity=Severity.ERROR,
    rationale="A domain may only depend on another domain's published products; dbt-loom blocks such refs "
    "at parse time, but a producer narrowing access later leaves consumers' manifests pointing at it.",
    remediation="Ref the producer's public product instead, or ask the producer to restore `access: public` "
    "(a breaking change needs a new version, not a narrowed one).",
    example="-- domains/marketing/models/intermediate/int_x.sql\n"
    "select * from {{ ref('orders', 'stg_orders') }}",
)
def cross_domain_public_only(ctx: RuleContext) -> Iterator[Finding]:
    for model in domain_models(ctx.mesh):
        for parent, target in _foreign_parents(ctx, model):
            if target is None or target.access is not Access.PUBLIC:
                what = "no longer exists" if target is None else f"is {target.access.value}"
                message = f"reads {parent} from another domain, which {what}"
                yield ctx.model(model, message, at_sql=True, subject=f"edge:{parent}")


@rule(
    code="MESH027",
    name="exposure-has-owner",
    title="Exposures name an owner with an e-mail",
    severity=Severity.ERROR,
    rationale="Producers must be able to warn the people behind a dashboard before a breaking change.",
    remediation="Add `owner: {name: <team>, email: <team>@example.com}` to the exposure.",
    example="exposures:\n  - name: revenue_dashboard\n    owner: {name: Analytics}",
)
def exposure_has_owner(ctx: RuleContext) -> Iterator[Finding]:
    for exposure in ctx.mesh.exposures():
        if not exposure.owner_email or "@" not in exposure.owner_email:
            yield ctx.exposure(exposure, "owner has no e-mail")
