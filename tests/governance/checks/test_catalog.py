"""The rule catalog page is generated from the code and committed unchanged."""

from __future__ import annotations

from pathlib import Path

from governance.checks.catalog import entries, render_markdown
from governance.checks.registry import all_rules

REPO = Path(__file__).resolve().parents[3]


def test_committed_rules_page_equals_the_generated_one():
    committed = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert committed == render_markdown(entries()), "regenerate with `mesh rules --write docs/rules.md`"


def test_page_documents_every_rule_with_reason_and_remediation():
    page = render_markdown(entries())
    for code in all_rules():
        section = page.split(f"\n## {code}\n", 1)[1].split("\n## ", 1)[0]
        assert "### Reason to flag" in section and "### How to remediate" in section
        assert "### Example" in section
