"""Committed ODCS contracts (`domains/<d>/contracts/*.odcs.yaml`) still describe their products."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from governance.checks.context import RuleContext
from governance.checks.registry import Param, rule
from governance.findings import Finding, Severity
from governance.model import Location


@rule(
    code="MESH040",
    name="contract-matches-product",
    title="Committed data contracts match their products",
    severity=Severity.ERROR,
    rationale="Consumers outside dbt (Trino users, Delta Sharing partners, catalogs) read and test the "
    "committed ODCS contract; once the product changes without it, they rely on columns, types, SLAs or "
    "readers that are no longer true.",
    remediation="Re-export with `mesh contracts export` (writes each domain's `contracts/` folder) and "
    "commit the result; a breaking change needs a new product version first (deprecate the old one). "
    "Delete a contract whose product was removed.",
    example="# domains/orders/contracts/orders-fct_orders.odcs.yaml\nschema:\n  - name: fct_orders\n"
    "    properties:\n      - name: amount\n        logicalType: integer   # the product now says double",
    params=(Param("folder", "contracts", "folder of committed contracts, relative to each domain's folder"),),
)
def contract_matches_product(ctx: RuleContext) -> Iterator[Finding]:
    from governance.contracts.drift import find_drift  # only meshes with committed contracts pay for it

    for drift in find_drift(ctx.mesh, Path(ctx.mesh.root), str(ctx.params["folder"])):
        location = Location(drift.path, 1)
        if drift.problem is not None:
            message = f"contract {drift.path} {drift.problem}"
            yield Finding(ctx.rule.code, ctx.severity, message, drift.domain, None, location, None)
        elif drift.model is None:
            message = (
                f"contract {drift.path} describes no product of domain {drift.domain} (removed or renamed?)"
            )
            yield Finding(
                ctx.rule.code,
                ctx.severity,
                message,
                drift.domain,
                ctx.domain_owner(drift.domain) if drift.domain in ctx.mesh.domains else None,
                location,
                None,
            )
        else:
            shown = "; ".join(drift.differences[:3])
            more = len(drift.differences) - 3
            message = (
                f"{drift.model.display_name}: contract {drift.path} no longer matches the product: {shown}"
                + (f" (and {more} more)" if more > 0 else "")
            )
            yield Finding(
                ctx.rule.code,
                ctx.severity,
                message,
                drift.model.project,
                ctx.contact_of(drift.model),
                location,
                drift.model.unique_id,
            )
