"""A small layered layout of a directed graph as inline SVG (no script, no external library).

Nodes go into columns by their longest path from a root (producers left, consumers right), are ordered
in each column by the mean row of their producers (fewer crossings), and edges are Bezier curves from
the right edge of the producer to the left edge of the consumer. Every label is escaped, and is cut to
fit its box with the whole text kept in the node's <title>.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

NODE_W = 190
NODE_H = 30
COL_GAP = 70
ROW_GAP = 12
PAD = 14
MAX_LABEL = 27


@dataclass(frozen=True, slots=True)
class SvgNode:
    id: str
    label: str
    href: str | None = None
    kind: str = "product"  # css class kind-<kind>
    title: str | None = None
    current: bool = False
    deprecated: bool = False


def _layers(nodes: Sequence[SvgNode], edges: Sequence[tuple[str, str]]) -> dict[str, int]:
    ids = {n.id for n in nodes}
    parents: dict[str, list[str]] = defaultdict(list)
    children: dict[str, list[str]] = defaultdict(list)
    indegree = dict.fromkeys(ids, 0)
    for source, target in edges:
        if source in ids and target in ids and source != target:
            parents[target].append(source)
            children[source].append(target)
            indegree[target] += 1
    layer = dict.fromkeys(ids, 0)
    ready = sorted(i for i, d in indegree.items() if d == 0)
    done: set[str] = set()
    while ready:
        node = ready.pop()
        done.add(node)
        for child in children[node]:
            layer[child] = max(layer[child], layer[node] + 1)
            indegree[child] -= 1
            if indegree[child] == 0:
                ready.append(child)
    last = max(layer.values(), default=0)
    for node in ids - done:  # on a cycle: after everything else rather than nowhere
        layer[node] = last + 1
    return layer


def _cut(text: str) -> str:
    return text if len(text) <= MAX_LABEL else text[: MAX_LABEL - 1] + "\u2026"


def _rows(
    nodes: Sequence[SvgNode], edges: Sequence[tuple[str, str]], layer: dict[str, int]
) -> tuple[dict[int, list[SvgNode]], dict[str, int]]:
    """Nodes per column, each column ordered by the mean row of its producers; and each node's row."""
    by_id = {n.id: n for n in nodes}
    columns: dict[int, list[SvgNode]] = defaultdict(list)
    for node in sorted(nodes, key=lambda n: n.label):
        columns[layer[node.id]].append(node)
    producers: dict[str, list[str]] = defaultdict(list)
    for source, target in edges:
        if source in by_id and target in by_id:
            producers[target].append(source)
    row: dict[str, int] = {}

    def mean_producer_row(node: SvgNode) -> tuple[float, str]:
        rows = [row.get(p, 0) for p in producers[node.id]]
        return (sum(rows) / len(rows) if rows else 0.0, node.label)

    for index in sorted(columns):
        column = columns[index]
        if index > 0:
            column.sort(key=mean_producer_row)
        for position, node in enumerate(column):
            row[node.id] = position
    return columns, row


def _node(node: SvgNode, x: int, y: int) -> str:
    classes = ["node", f"kind-{node.kind}"]
    if node.current:
        classes.append("current")
    if node.deprecated:
        classes.append("deprecated")
    body = (
        f"<title>{escape(node.title or node.label)}</title>"
        f'<rect x="{x}" y="{y}" width="{NODE_W}" height="{NODE_H}" rx="5"/>'
        f'<text x="{x + 8}" y="{y + NODE_H // 2 + 4}">{escape(_cut(node.label))}</text>'
    )
    group = f'<g class="{" ".join(classes)}" data-id="{escape(node.id)}">{body}</g>'
    return f'<a href="{escape(node.href)}">{group}</a>' if node.href else group


def render_svg(
    nodes: Sequence[SvgNode], edges: Sequence[tuple[str, str]], *, label: str, element_id: str = "lineage"
) -> str:
    if not nodes:
        return '<p class="muted">Nothing to draw.</p>'
    layer = _layers(nodes, edges)
    columns, row = _rows(nodes, edges, layer)
    height = PAD * 2 + max(len(c) for c in columns.values()) * (NODE_H + ROW_GAP) - ROW_GAP
    width = PAD * 2 + (max(columns) + 1) * (NODE_W + COL_GAP) - COL_GAP
    marker = escape(f"arrow-{element_id}")

    def x_of(node_id: str) -> int:
        return PAD + layer[node_id] * (NODE_W + COL_GAP)

    def y_of(node_id: str) -> int:
        return PAD + row[node_id] * (NODE_H + ROW_GAP)

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="lineage" id="{escape(element_id)}" '
        f'viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'aria-label="{escape(label)}">',
        f'<defs><marker id="{marker}" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#8c959f"/>'
        "</marker></defs>",
    ]
    for source, target in sorted(set(edges)):
        if source not in row or target not in row or source == target:
            continue
        x1, y1 = x_of(source) + NODE_W, y_of(source) + NODE_H // 2
        x2, y2 = x_of(target), y_of(target) + NODE_H // 2
        bend = max(30, (x2 - x1) // 2)
        parts.append(
            f'<path class="edge" d="M{x1},{y1} C{x1 + bend},{y1} {x2 - bend},{y2} {x2},{y2}" '
            f'marker-end="url(#{marker})"/>'
        )
    parts.extend(_node(node, x_of(node.id), y_of(node.id)) for node in nodes)
    parts.append("</svg>")
    return "".join(parts)
