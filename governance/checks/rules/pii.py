"""Personal data: PII-looking columns are classified; products expose PII masked or to cleared groups."""

from __future__ import annotations

import re
from collections.abc import Iterator

from governance.checks.context import RuleContext
from governance.checks.registry import Param, rule
from governance.findings import Finding, Severity
from governance.model import names

PII_PATTERNS = [
    r"e_?mail",
    r"phone|mobile|fax",
    r"address|street|postal|post_?code|zip_?code",
    r"^(first|last|middle|full|given|family|sur|customer|contact|person|user)_?name$",
    r"^name$",
    r"(^|_)ip(_?address)?($|_)",
    r"birth|^dob$",
    r"ssn|social_security|passport|national_id|tax_id",
    r"iban|card_number|credit_card",
]


@rule(
    code="MESH022",
    name="pii-classified",
    title="PII-looking columns carry a classification",
    severity=Severity.ERROR,
    rationale="Masking, grants and sharing decisions are made from the classification; a personal-data "
    "column without one is treated as harmless by every downstream policy.",
    remediation="Add `meta: {classification: <value>, pii: true|false}` to the column (pii: false when the "
    "name only looks personal).",
    example="columns:\n  - name: email\n    description: Customer e-mail.   # no meta.classification",
    params=(
        Param("patterns", PII_PATTERNS, "regexes (case-insensitive) on column names that look personal"),
    ),
)
def pii_classified(ctx: RuleContext) -> Iterator[Finding]:
    # One alternation instead of a search per pattern, and one search per distinct column name.
    personal = re.compile("|".join(f"(?:{p})" for p in ctx.params["patterns"]), re.IGNORECASE)
    seen: dict[str, bool] = {}

    def looks_personal(name: str) -> bool:
        found = seen.get(name)
        if found is None:
            found = seen[name] = personal.search(name) is not None
        return found

    for model in ctx.mesh.models():
        for column in model.columns.values():
            if column.classification is None and looks_personal(column.name):
                yield ctx.model(
                    model, f"column {column.name} looks personal but has no classification", column
                )
    for source in ctx.mesh.sources():
        for column in source.columns.values():
            if column.classification is None and looks_personal(column.name):
                yield ctx.source(
                    source, f"column {column.name} looks personal but has no classification", column
                )


@rule(
    code="MESH023",
    name="pii-protected",
    title="PII columns of products are masked or restricted to cleared groups",
    severity=Severity.ERROR,
    rationale="A public product is readable by every consumer group. Personal data in clear is withheld "
    "from every reader but its owner and the groups cleared for it (the access matrix, `mesh access`): "
    "Trino hides the column and the Unity Catalog sync sets a column mask that returns NULL to them. A "
    "product must say who reads its personal data: mask it in SQL, or name the groups cleared to read it.",
    remediation="Mask the column in SQL and set `meta: {masked: true}`, or add "
    "`meta: {pii_cleared_groups: [<group>]}` to the product: those groups then read the column in clear "
    "(SELECT granted, and the Unity Catalog column mask lets them through), every other reader gets NULL "
    "(Unity Catalog) or no column (Trino).",
    example="columns:\n  - name: email\n    meta: {classification: confidential, pii: true}   # not masked",
)
def pii_protected(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.products():
        if model.pii_cleared_groups:
            continue
        for column in model.columns.values():
            if column.is_pii and not column.is_masked:
                yield ctx.model(
                    model,
                    f"PII column {column.name} is neither masked nor restricted (pii_cleared_groups)",
                    column,
                )


@rule(
    code="MESH050",
    name="share-protected",
    title="Products listed in a share carry no personal data in clear and no restricted classification",
    severity=Severity.ERROR,
    rationale="A Delta Sharing recipient reads the shared table outside the workspace's groups: the "
    "column masks that withhold personal data from uncleared readers, and the grants that keep a "
    "restricted product to its readers, are the workspace's and do not follow the data to a recipient. "
    "Only a product whose personal data is masked in the data itself may be shared.",
    remediation="Remove the share from `meta.shares`, or share a product built for the recipient: personal "
    "columns masked in SQL (`meta: {masked: true}`) and not of a restricted classification.",
    example="config:\n  meta:\n    shares: [partner-analytics]\ncolumns:\n  - name: email\n"
    "    meta: {classification: confidential, pii: true}   # in clear",
    params=(
        Param(
            "restricted_classifications",
            ["restricted"],
            "classifications never shared (those unity.yml `restricted_readers` lists)",
        ),
    ),
)
def share_protected(ctx: RuleContext) -> Iterator[Finding]:
    restricted = {str(c) for c in ctx.params["restricted_classifications"]}
    for model in ctx.mesh.products():
        shares = names(model.meta.get("shares"))
        if not shares:
            continue
        listed = ", ".join(shares)
        if model.classification in restricted:
            yield ctx.model(model, f"is {model.classification} yet listed in share {listed}")
        for column in model.columns.values():
            if column.is_pii and not column.is_masked:
                yield ctx.model(model, f"shares PII column {column.name} in clear (share {listed})", column)
