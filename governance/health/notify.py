"""Notifications: one message per owning group, each root cause in exactly one message (its owner's).

A group is told about the products it owns that are degraded by their own signals (root causes), with
every downstream product, in any domain, that they degrade and the path to it. A product degraded only
by an upstream is listed under that upstream's root cause, never sent on its own.

    webhook JSON  {"group", "contact", "text", "root_causes": [{"product", "domain", "reasons",
                   "affected": [{"product", "domain", "owner", "path"}]}]}
    GitHub        one `::error title=...::...` workflow annotation per root cause
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from governance.health.causes import HealthReport, ProductHealth


@dataclass(frozen=True, slots=True)
class Message:
    group: str
    contact: str | None
    payload: dict[str, Any]
    annotations: tuple[str, ...]


def _escape_annotation(text: str) -> str:
    """GitHub workflow-command data escaping (%, CR, LF), plus ':' and ',' in properties."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_annotation(text).replace(":", "%3A").replace(",", "%2C")


def messages(report: HealthReport) -> list[Message]:
    by_group: dict[str, list[tuple[ProductHealth, list[ProductHealth]]]] = {}
    for root_id, affected in report.roots().items():
        root = report.products[root_id]
        by_group.setdefault(root.owning_group, []).append((root, affected))
    found = []
    for group in sorted(by_group):
        roots = sorted(by_group[group], key=lambda item: item[0].name)
        causes = []
        lines = [f"{len(roots)} product(s) owned by {group} degraded at {report.at:%Y-%m-%d %H:%M} UTC:"]
        annotations = []
        for root, affected in roots:
            own = [r for r in root.reasons if not r.startswith("upstream ")]
            causes.append(
                {
                    "product": root.name,
                    "unique_id": root.product,
                    "domain": root.domain,
                    "reasons": own,
                    "affected": [
                        {
                            "product": a.name,
                            "domain": a.domain,
                            "owner": a.owning_group,
                            "path": list(a.root_causes[root.product]),
                        }
                        for a in affected
                    ],
                }
            )
            downstream = ", ".join(a.name for a in affected) or "no downstream product"
            lines.append(f"- {root.name}: {'; '.join(own)} (affects {downstream})")
            annotations.append(
                f"::error title={_escape_property('mesh health: ' + root.name)}::"
                + _escape_annotation(f"{'; '.join(own)}. Owner {group}. Affects {downstream}.")
            )
        contact = roots[0][0].contact
        payload = {"group": group, "contact": contact, "text": "\n".join(lines), "root_causes": causes}
        found.append(Message(group, contact, payload, tuple(annotations)))
    return found
