"""The plan for people: a rich table grouped by domain, then missing products and drift."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from governance.unity.apply import ApplyResult
from governance.unity.doctor import Report
from governance.unity.plan import Change, Plan

_WIDTH = 60


def _short(value: Any) -> str:
    if value is None:
        return "-"
    text = (
        value
        if isinstance(value, str)
        else ", ".join(f"{k}={v}" for k, v in value.items())
        if isinstance(value, dict)
        else str(value)
    )
    return text if len(text) <= _WIDTH else text[: _WIDTH - 1] + "…"


def _after(change: Change) -> str:
    if change.kind == "tags":
        parts = [f"+{k}={v}" if v else f"+{k}" for k, v in sorted(change.after["set"].items())]
        return " ".join(parts + [f"-{k}" for k in change.after["unset"]])
    if change.kind in ("grants", "share_recipients"):
        return " ".join(
            f"{p}: " + " ".join([f"+{x}" for x in d["add"]] + [f"-{x}" for x in d["remove"]])
            for p, d in sorted(change.after.items())
        )
    if change.kind == "share_objects":
        return " ".join([f"+{t}" for t in change.after["add"]] + [f"-{t}" for t in change.after["remove"]])
    if change.kind == "mask":
        function = change.after["function"]
        return f"SET MASK {function}" if function else "DROP MASK"
    if change.kind == "function":
        return f"CREATE FUNCTION ({change.after['data_type']}): {_short(change.after['body'])}"
    if change.kind == "column_comments":
        return f"{len(change.after)} column(s): " + ", ".join(sorted(change.after))
    return _short(change.after)


def render_plan(plan: Plan, console: Console) -> None:
    by_domain: dict[str, list[Change]] = {}
    for change in plan.changes:
        by_domain.setdefault(change.domain or "(shared)", []).append(change)
    if not plan.changes:
        console.print("No changes: Unity Catalog matches the mesh.")
    for domain, changes in sorted(by_domain.items()):
        table = Table(title=f"{domain}: {len(changes)} change(s)", title_justify="left", expand=False)
        for header in ("object", "change", "before", "after"):
            table.add_column(header, overflow="fold")
        for change in changes:
            where = f"{change.target}.{change.column}" if change.column else change.target
            kind = change.kind + (" (drift)" if change.drift else "")
            before = (
                _short(change.before)
                if change.kind != "column_comments"
                else f"{sum(1 for v in change.before.values() if v)} set"
            )
            # Text cells: names, descriptions and tags are data, never markup or emoji codes.
            table.add_row(*(Text(cell) for cell in (where, kind, before, _after(change))))
        console.print(table)
    for item in plan.missing:
        # an older plan file has no reason: the table was simply not found
        reason = item.get("reason") or "does not exist"
        label = "not visible" if reason != "does not exist" else "missing"
        console.print(
            Text.assemble(
                (label, "yellow"), f": {item['product']} declares {item['table']}, which {reason}; skipped"
            ),
            soft_wrap=True,
        )
    for note in plan.drift:
        console.print(Text.assemble(("drift", "cyan"), f": {note}"), soft_wrap=True)
    for finding in plan.findings:
        console.print(
            Text.assemble((finding.code, "yellow"), f" {finding.location}: {finding.message}"), soft_wrap=True
        )


def render_result(result: ApplyResult, console: Console) -> None:
    console.print(f"applied {result.applied} change(s), {len(result.failures)} object(s) failed")
    for failure in result.failures:
        console.print(Text.assemble(("failed", "red"), f": {failure}"), soft_wrap=True)  # one line each


def render_report(report: Report, console: Console) -> None:
    """One line per fact, one line per problem with its fix; text from the workspace is never markup."""
    if report.principal:
        console.print(f"principal: {report.principal}", markup=False, highlight=False)
    if report.warehouse:
        console.print(f"warehouse: {report.warehouse}", markup=False, highlight=False)
    if report.scripting is not None:
        console.print(f"sql scripting: {'available' if report.scripting else 'off'}", highlight=False)
    for problem in report.problems:
        label = "[red]problem[/]" if problem.blocking else "[yellow]warning[/]"
        console.print(label + ": ", end="")
        console.print(str(problem), markup=False, highlight=False, soft_wrap=True)
    if not report.problems:
        console.print("[green]ok[/]: the sync principal can apply every change the plan may need")
