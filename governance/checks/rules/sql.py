"""SQL: relations are referenced only through ref() and source()."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

from governance.checks.context import RuleContext
from governance.checks.registry import rule
from governance.findings import Finding, Severity
from governance.model import Location

# Jinja, comments and string literals are blanked (same length, newlines kept) so offsets map to lines.
_NOISE = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}|--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", re.DOTALL)
_IDENT = r'(?:"[^"\n]+"|`[^`\n]+`|[A-Za-z_][\w$]*)'
_HARD_CODED = re.compile(rf"\b(?:from|join)\s+({_IDENT}(?:\s*\.\s*{_IDENT}){{1,2}})(?!\s*\()", re.IGNORECASE)


_NOT_NEWLINE = re.compile(r"[^\n]")


def _blank(match: re.Match[str]) -> str:
    """Spaces in place of the match, keeping its newlines so line numbers stay right."""
    text = match.group(0)
    return " " * len(text) if "\n" not in text else _NOT_NEWLINE.sub(" ", text)


def hard_coded_relations(sql: str) -> list[tuple[str, int]]:
    """(relation, 1-based line) of each `schema.table` or `catalog.schema.table` after FROM/JOIN."""
    code = _NOISE.sub(_blank, sql)
    if "." not in code:  # no qualified name outside Jinja, comments and strings: nothing to find
        return []
    return [(m.group(1), code.count("\n", 0, m.start(1)) + 1) for m in _HARD_CODED.finditer(code)]


@rule(
    code="MESH021",
    name="no-hard-coded-relations",
    title="SQL references relations only through ref() and source()",
    severity=Severity.ERROR,
    rationale="A hard-coded `catalog.schema.table` hides a dependency from lineage, breaks on every other "
    "engine and environment, and bypasses access rules between domains.",
    remediation="Replace the name with `{{ ref(...) }}` (a model or another domain's product) or "
    "`{{ source(...) }}` (raw data declared in `__sources.yml`).",
    example="select * from orders.gold.fct_orders",
)
def no_hard_coded_relations(ctx: RuleContext) -> Iterator[Finding]:
    for model in ctx.mesh.models():
        for relation, line in hard_coded_relations(model.raw_code):
            finding = ctx.model(
                model,
                f"hard-codes relation {relation}; use ref() or source()",
                at_sql=True,
                subject=f"edge:{relation}",
            )
            yield replace(finding, location=Location(model.sql_path.path, line))
