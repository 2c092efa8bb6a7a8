"""Console: findings grouped by domain (with owners), one line each, then a summary (rich)."""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Mapping

from rich.console import Console
from rich.table import Table
from rich.text import Text

from governance.checks.catalog import Entry
from governance.checks.evaluation import Report
from governance.findings import Finding, Severity

STYLES = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.INFO: "cyan"}


def render(report: Report, rules: Mapping[str, Entry], *, color: bool = False) -> str:
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=color, no_color=not color, width=160, highlight=False)
    by_domain: dict[str, list[Finding]] = defaultdict(list)
    for finding in report.findings:
        by_domain[finding.domain].append(finding)
    for domain, findings in sorted(by_domain.items()):
        owners = sorted({f.owner for f in findings if f.owner})
        console.print(Text(f"{domain}", style="bold") + Text(f"  owner: {', '.join(owners) or 'unknown'}"))
        table = Table(show_header=False, box=None, padding=(0, 1), pad_edge=False)
        for finding in findings:
            table.add_row(
                Text(finding.severity.value, style=STYLES[finding.severity]),
                finding.code,
                Text(str(finding.location), style="dim"),
                Text(finding.message),
            )
        console.print(table)
        console.print()
    errors, warnings = report.count(Severity.ERROR), report.count(Severity.WARNING)
    summary = Text(f"{errors} errors, {warnings} warnings", style="bold red" if errors else "bold green")
    extra = (
        f" ({len(report.excepted)} excepted, {len(report.baselined)} baselined; {len(report.rules)} rules)"
    )
    console.print(summary + Text(extra))
    return buffer.getvalue()
