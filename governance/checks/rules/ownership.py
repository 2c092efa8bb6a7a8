"""Ownership: every model is in a group with a reachable owner, and says which domain it belongs to."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from governance.checks.context import RuleContext
from governance.checks.registry import Param, rule
from governance.errors import MeshError
from governance.findings import Finding, Severity


@rule(
    code="MESH001",
    name="model-in-group",
    title="Every model belongs to a group of its project",
    severity=Severity.ERROR,
    rationale="The group is how a finding, an incident or an access request reaches the team that owns "
    "the model; a model without a group has no owner.",
    remediation="Set `config: {group: <domain>}` on the model (or per folder in dbt_project.yml) and "
    "declare the group in `models/groups.yml`.",
    example="models:\n  - name: fct_orders\n    config:\n      access: public   # no group",
)
def model_in_group(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.models():
        if not model.group:
            yield ctx.model(model, "has no group")
        elif model.group not in ctx.mesh.domains[model.project].groups:
            yield ctx.model(model, f"group {model.group!r} is not declared in {model.project}'s groups.yml")


@rule(
    code="MESH002",
    name="group-has-owner",
    title="Every group names an owner with an e-mail",
    severity=Severity.ERROR,
    rationale="Findings and consumer questions are routed to the group owner's e-mail.",
    remediation="Add `owner: {name: <team>, email: <team>@example.com}` to the group in `models/groups.yml`.",
    example="groups:\n  - name: orders\n    owner: {name: Orders team}   # no email",
)
def group_has_owner(ctx: RuleContext) -> Iterator[Finding]:
    for domain in ctx.mesh.domains.values():
        for group in domain.groups.values():
            if not group.owner_email or "@" not in group.owner_email:
                yield ctx.group(group, "owner has no e-mail")


@rule(
    code="MESH003",
    name="product-meta-keys",
    title="Data products carry the required meta keys",
    severity=Severity.ERROR,
    rationale="The catalog sync, the SLA monitor and access reviews read these keys; a product without "
    "them is published without an owner principal, a classification or an SLA.",
    remediation="Add the missing keys under the product's `config.meta`, as in the example.",
    example="config:\n  meta:\n    domain: orders   # owner, classification, sla missing",
    params=(Param("keys", ["domain", "owner", "classification", "sla"], "meta keys every product needs"),),
)
def product_meta_keys(ctx: RuleContext) -> Iterator[Finding]:
    required = [str(k) for k in ctx.params["keys"]]
    for model in ctx.mesh.products():
        missing = [k for k in required if model.meta.get(k) in (None, "", [], {})]
        if missing:
            yield ctx.model(model, f"meta is missing {', '.join(missing)}")


@rule(
    code="MESH004",
    name="domain-matches-project",
    title="A model's meta.domain is the project (folder) it lives in",
    severity=Severity.ERROR,
    rationale="Ownership, catalogs (catalog = domain) and grants are derived from the domain; a model "
    "claiming another domain is published under the wrong owner and catalog.",
    remediation="Set `meta.domain` to the project's name, or move the model to the domain that owns it.",
    example="# in domains/marketing/models/marts/fct_orders.yml\nconfig:\n  meta: {domain: orders}",
)
def domain_matches_project(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.models():
        declared = model.meta.get("domain")
        if declared is not None and str(declared) != model.project:
            yield ctx.model(model, f"meta.domain is {declared!r} but the model lives in {model.project!r}")


@rule(
    code="MESH034",
    name="model-in-own-catalog",
    title="A model is built only into its own domain's catalog and schemas",
    severity=Severity.ERROR,
    rationale="Catalog = domain: a model configured (`database`, `schema`) into another domain's catalog "
    "or `<domain>__<layer>` schema overwrites or shadows that domain's objects, and is published, "
    "granted and synced under the wrong owner. The sync refuses it; the check catches it first.",
    remediation="Remove the `database`/`schema` setting (the naming macros place the model in its own "
    "catalog), or move the model to the domain that owns that catalog.",
    example="# in domains/marketing/models/marts/fct_leads.sql\n{{ config(database='orders') }}",
)
def model_in_own_catalog(ctx: RuleContext) -> Iterator[Finding]:
    from governance.claims import model_claims
    from governance.project import Projects

    try:
        projects: Projects | None = Projects.discover(Path(ctx.mesh.root))
    except MeshError:
        projects = None  # a mesh assembled in memory: the manifests' catalogs alone
    for model, claim in model_claims(ctx.mesh, projects):
        yield ctx.model(model, f"is configured into {claim}", at_sql=True)
