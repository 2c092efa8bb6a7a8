"""Breaking changes (with `mesh check --state`): each product now versus the last deployment.

Ordinary rules: severity, scope and exceptions come from policies.yml, `--select` takes their codes or
names, and they run only when the context carries the previous mesh (`RuleContext.previous`). The
comparison itself (`governance.breaking`) runs once per check and each rule keeps its own code.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from governance.breaking import (
    ACCESS_NARROWED,
    COLUMN_REMOVED,
    CONTRACT_DISABLED,
    PRODUCT_REMOVED,
    TYPE_CHANGED,
    VERSION_REMOVED_EARLY,
    find_breaking_changes,
)
from governance.checks.context import RuleContext
from governance.checks.registry import CheckFunction, rule
from governance.findings import Finding, Severity
from governance.model import MeshModel

# (current, previous) of the check being run -> its breaking changes: six rules, one comparison.
_LAST: dict[str, tuple[MeshModel, MeshModel, list[Finding]]] = {}


def _changes(ctx: RuleContext) -> list[Finding]:
    assert ctx.previous is not None  # the evaluation runs these rules only with a previous mesh
    cached = _LAST.get("last")
    if cached is None or cached[0] is not ctx.mesh or cached[1] is not ctx.previous:
        cached = (ctx.mesh, ctx.previous, find_breaking_changes(ctx.mesh, ctx.previous))
        _LAST["last"] = cached
    return cached[2]


def _of_code(code: str) -> CheckFunction:
    def check(ctx: RuleContext) -> Iterator[Finding]:
        for finding in _changes(ctx):
            if finding.code == code:
                yield replace(finding, severity=ctx.severity)

    return check


def _breaking(  # noqa: PLR0917 - a table of six entries, one field per line
    code: str, name: str, title: str, rationale: str, remediation: str, example: str
) -> None:
    rule(
        code=code,
        name=name,
        title=title,
        severity=Severity.ERROR,
        rationale=rationale,
        remediation=remediation,
        example=example,
        needs_state=True,
    )(_of_code(code))


_breaking(
    COLUMN_REMOVED,
    "product-column-removed-or-renamed",
    "Product column removed or renamed",
    "Consumers select columns by name; a removed or renamed column makes their queries fail.",
    "Keep the column, or publish the change as a new model version and deprecate the old one "
    "with a `deprecation_date` so consumers can migrate.",
    "# production: columns [order_id, discount]; now: [order_id]",
)
_breaking(
    TYPE_CHANGED,
    "product-column-data-type-changed",
    "Product column data type changed",
    "A changed type breaks joins, casts and contracts of consumers that rely on the old type.",
    "Restore the previous `data_type`, or publish the new type in a new model version.",
    "# production: amount decimal(18,2); now: amount varchar",
)
_breaking(
    CONTRACT_DISABLED,
    "product-contract-disabled",
    "Product contract disabled",
    "Without an enforced contract the product's shape can change silently under its consumers.",
    "Set `contract: {enforced: true}` again on the product.",
    "config:\n  contract: {enforced: false}",
)
_breaking(
    ACCESS_NARROWED,
    "product-access-narrowed",
    "Product access narrowed",
    "Other domains and the hub may only reference public models; narrowing access breaks their refs.",
    "Keep `access: public`, or first migrate every consumer listed in the finding, then narrow access.",
    "access: protected  # was public",
)
_breaking(
    VERSION_REMOVED_EARLY,
    "product-version-removed-before-its-deprecation-date",
    "Product version removed before its deprecation date",
    "Consumers pin versions (`ref(..., v=N)`); a version must live until the deprecation date it announced.",
    "Restore the version until its `deprecation_date` has passed (set one if it has none).",
    "versions:\n  - v: 2  # v1 removed, deprecation_date 2099-01-01",
)
_breaking(
    PRODUCT_REMOVED,
    "product-removed",
    "Product removed",
    "Every consumer of a removed product fails; a product must be deprecated before it is deleted.",
    "Restore the product, set a `deprecation_date`, and remove it only after that date.",
    "# production: model.orders.fct_orders; now: absent",
)
