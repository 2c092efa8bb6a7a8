"""The pull-request summary (markdown, for a review comment or GitHub's job summary).

What the change does across the mesh, from `mesh build --changed`'s plan and results: the domains and
products it affects, the owners to notify (of those products and of their consumers in other domains),
breaking changes (MESH1xx) with their downstream, and for each rebuilt product its row count and
primary-key differences against production (`governance.build.diff`). Every text taken from the projects
is escaped: it is data, never markdown.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from governance.build.diff import ProductDiff
from governance.findings import Finding
from governance.model import MeshModel, Model

MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+!|~])")


def md(text: object) -> str:
    """Text as literal markdown: special characters escaped, one line."""
    return MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(str(text).split()))


@dataclass
class PullRequestSummary:
    pr_id: str
    plan: dict[str, Any]  # plan.json of `mesh build --changed`
    results: dict[str, Any]  # results.json ({} for a dry run or when nothing was built)
    breaking: Sequence[Finding] = ()
    diffs: Sequence[ProductDiff] = ()
    owners: dict[str, set[str]] = field(default_factory=dict)  # owner -> products/consumers to look at


def owners_to_notify(pr_mesh: MeshModel, products: Sequence[str]) -> dict[str, set[str]]:
    """Owner (a model's `MeshModel.owner` contact, an exposure's owner) -> what of theirs the change
    touches: the affected products, and the consumers of those products in other domains."""
    found: dict[str, set[str]] = {}
    for unique_id in products:
        model = pr_mesh.model(unique_id)
        if model is None:
            continue
        touched = [model, *(c for c in pr_mesh.downstream(unique_id) if c.project != model.project)]
        for node in touched:
            if isinstance(node, Model):
                owner = pr_mesh.owner(node).contact
            else:
                owner = node.owner_email or node.owner_name
            name = f"{node.project}.{node.name}"
            found.setdefault(owner or f"(no owner: {node.project})", set()).add(name)
    return found


def render(summary: PullRequestSummary) -> str:
    plan = summary.plan
    projects: dict[str, Any] = plan.get("projects", {})
    lines = [f"## Mesh pull-request summary: {md(summary.pr_id)}", ""]
    for warning in plan.get("warnings", []):
        lines.append(f"> {md(warning)}")
    if not projects:
        lines += ["Nothing to build: no project changed against production.", ""]
    else:
        lines += ["| domain | why | models built | build |", "|---|---|---|---|"]
        for name, project in projects.items():
            why = (
                "no production state: built in full"
                if project.get("full")
                else ("changed" if project.get("modified") else "reads changed products")
            )
            if project.get("reads"):
                why += ": reads " + ", ".join(md(short(n)) for n in project["reads"])
            result = summary.results.get(name, {})
            outcome = result.get("outcome", "not run")
            if result.get("reason"):
                outcome += ": " + md(result["reason"].splitlines()[0])
            built = ", ".join(md(short(n)) for n in project.get("built", [])) or "tests only"
            lines.append(f"| {md(name)} | {why} | {built} | {outcome} |")
        lines.append("")
    if plan.get("unchanged"):
        lines += [f"Not started (nothing changed): {', '.join(md(n) for n in plan['unchanged'])}", ""]
    lines += render_diffs(summary.diffs)
    lines += render_breaking(summary.breaking)
    if summary.owners:
        lines += ["### Owners to notify", ""]
        for owner, touched in sorted(summary.owners.items()):
            lines.append(f"- {md(owner)}: {', '.join(md(t) for t in sorted(touched))}")
        lines.append("")
    return "\n".join(lines)


def render_diffs(diffs: Sequence[ProductDiff]) -> list[str]:
    if not diffs:
        return []
    lines = ["### Products rebuilt, against production", "",
             "| product | rows (production → pull request) | primary key | keys added | keys removed "
             "| rows changed | note |", "|---|---|---|---|---|---|---|"]  # fmt: skip

    def number(value: int | None) -> str:
        return "-" if value is None else f"{value:,}"

    for d in diffs:
        rows = f"{number(d.production_rows)} → {d.pr_rows:,}"
        key = ", ".join(md(k) for k in d.primary_key) or "-"
        counts = " | ".join(number(n) for n in (d.keys_added, d.keys_removed, d.rows_changed))
        lines.append(f"| {md(d.product)} | {rows} | {key} | {counts} | {md(d.note)} |")
    return [*lines, ""]


def render_breaking(findings: Sequence[Finding]) -> list[str]:
    if not findings:
        return ["### Breaking changes", "", "None against production.", ""]
    lines = ["### Breaking changes", "", "| code | product | what | downstream |", "|---|---|---|---|"]
    for f in findings:
        downstream = ", ".join(md(i) for i in f.impact) or "none"
        lines.append(f"| {f.code} | {md(f.node_id or f.domain)} | {md(f.message)} | {downstream} |")
    return [*lines, ""]


def short(unique_id: str) -> str:
    return unique_id.split(".", 1)[1] if "." in unique_id else unique_id
