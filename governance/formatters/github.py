"""GitHub step summary: a markdown table per domain, for `$GITHUB_STEP_SUMMARY` or a PR comment."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping

from governance.checks.catalog import Entry
from governance.checks.evaluation import Report
from governance.findings import Finding, Severity

ICONS = {Severity.ERROR: ":x:", Severity.WARNING: ":warning:", Severity.INFO: ":information_source:"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(report: Report, rules: Mapping[str, Entry]) -> str:
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    verdict = "failed" if errors else "passed"
    lines = [
        f"## mesh check {verdict}",
        "",
        f"{errors} errors, {warnings} warnings, {len(report.excepted)} excepted, "
        f"{len(report.baselined)} baselined; {len(report.rules)} rules ran.",
    ]
    by_domain: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_domain[finding.domain].append(finding)
    for domain, findings in sorted(by_domain.items()):
        owners = sorted({f.owner for f in findings if f.owner})
        lines += ["", f"### {domain}" + (f" ({', '.join(owners)})" if owners else ""), ""]
        lines += ["| | code | where | finding |", "|---|---|---|---|"]
        for f in findings:
            title = rules[f.code].title if f.code in rules else ""
            code = f'<abbr title="{_cell(title)}">{f.code}</abbr>' if title else f.code
            lines.append(
                f"| {ICONS[f.severity]} | {code} | `{_cell(str(f.location))}` | {_cell(f.message)} |"
            )
    return "\n".join(lines) + "\n"
