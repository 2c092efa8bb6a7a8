"""Grants: every product is readable by the consumer group."""

from __future__ import annotations

from collections.abc import Iterator

from governance.checks.context import RuleContext
from governance.checks.registry import Param, rule
from governance.findings import Finding, Severity


@rule(
    code="MESH024",
    name="product-granted-to-consumers",
    title="Data products grant select to the consumer group",
    severity=Severity.ERROR,
    rationale="A product nobody may read is not published; the governance sync applies exactly the grants "
    "declared in dbt, so the consumer grant must be declared.",
    remediation="Add the consumer group to `config: {grants: {select: [...]}}` on the product.",
    example="config:\n  grants: {select: ['orders-team']}",
    params=(Param("consumer_group", "data-consumers", "group that must be able to read every product"),),
)
def product_granted_to_consumers(ctx: RuleContext) -> Iterator[Finding]:
    group = str(ctx.params["consumer_group"])
    for model in ctx.mesh.products():
        if group not in model.grants.get("select", ()):
            yield ctx.model(model, f"does not grant select to {group}")
