"""Personal data: PII-looking columns are classified; products expose PII masked or to cleared groups."""

from __future__ import annotations

import re
from collections.abc import Iterator

from governance.checks.context import RuleContext
from governance.checks.registry import Param, rule
from governance.findings import Finding, Severity

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
    rationale="A public product is readable by every consumer group; personal data in it must be hashed "
    "or masked, or the product must name the groups cleared to read it unmasked.",
    remediation="Mask the column in SQL and set `meta: {masked: true}`, or add "
    "`meta: {pii_cleared_groups: [<group>]}` to the product so the sync applies a column mask.",
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
