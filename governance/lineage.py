"""The cross-domain product graph: data products, hub marts and exposures, and who consumes what.

Private and protected models between two of those nodes are collapsed, so an edge means "this
product feeds that product, hub mart or exposure" however many intermediate hops lie between them.
Renderers turn the graph into JSON, Mermaid (`flowchart LR`) or Graphviz DOT; every label comes from
YAML anyone can edit, so each format escapes it for its own syntax.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from governance.errors import MeshError
from governance.model import Exposure, Layer, MeshModel, Model


class NodeKind(StrEnum):
    PRODUCT = "product"
    HUB_MODEL = "hub_model"
    EXPOSURE = "exposure"


@dataclass(frozen=True, slots=True)
class LineageNode:
    id: str  # dbt unique_id
    kind: NodeKind
    domain: str
    name: str  # project.name[.vN]
    owner: str | None
    version: str | None
    deprecated: bool
    deprecation_date: str | None  # ISO date

    @property
    def label(self) -> str:
        text = self.name if self.kind is not NodeKind.EXPOSURE else f"exposure {self.name}"
        if self.deprecation_date:
            text += f" (deprecated {self.deprecation_date})"
        return text


@dataclass(frozen=True, slots=True)
class LineageEdge:
    source: str
    target: str


@dataclass(frozen=True, slots=True)
class LineageGraph:
    nodes: tuple[LineageNode, ...]  # sorted by domain, then id
    edges: tuple[LineageEdge, ...]  # sorted by source, then target

    @property
    def domains(self) -> list[str]:
        return sorted({n.domain for n in self.nodes})

    def for_domain(self, domain: str) -> LineageGraph:
        """The domain's nodes plus everything directly feeding or consuming them."""
        if domain not in self.domains:
            known = ", ".join(self.domains) or "none"
            raise MeshError(f"unknown domain {domain!r} in the lineage graph; known: {known}")
        own = {n.id for n in self.nodes if n.domain == domain}
        edges = tuple(e for e in self.edges if e.source in own or e.target in own)
        keep = own | {e.source for e in edges} | {e.target for e in edges}
        return LineageGraph(tuple(n for n in self.nodes if n.id in keep), edges)


def build_lineage(mesh: MeshModel) -> LineageGraph:
    """Product-level lineage of the whole mesh."""
    visible: dict[str, LineageNode] = {}
    for domain in mesh.domains.values():
        for model in domain.models.values():
            kind = _model_kind(model, is_hub=domain.is_hub)
            if kind is not None:
                visible[model.unique_id] = _model_node(mesh, model, kind)
        for exposure in domain.exposures.values():
            visible[exposure.unique_id] = _exposure_node(exposure)
    edges = {
        LineageEdge(source, target)
        for source in visible
        for target in _visible_consumers(mesh, source, visible)
    }
    nodes = sorted(visible.values(), key=lambda n: (n.domain, n.id))
    return LineageGraph(tuple(nodes), tuple(sorted(edges, key=lambda e: (e.source, e.target))))


def _model_kind(model: Model, *, is_hub: bool) -> NodeKind | None:
    if is_hub and model.layer is Layer.HUB:
        return NodeKind.HUB_MODEL
    if not is_hub and model.is_product:
        return NodeKind.PRODUCT
    return None


def _visible_consumers(mesh: MeshModel, start: str, visible: dict[str, LineageNode]) -> set[str]:
    """First visible nodes downstream of `start`, walking through (collapsing) hidden models."""
    found: set[str] = set()
    seen = {start}
    frontier = [start]
    while frontier:
        for consumer in mesh.consumers(frontier.pop()):
            uid = consumer.unique_id
            if uid in seen:
                continue
            seen.add(uid)
            if uid in visible:
                found.add(uid)
            else:
                frontier.append(uid)
    return found


def _model_node(mesh: MeshModel, model: Model, kind: NodeKind) -> LineageNode:
    owner = mesh.owner(model).contact
    date = model.deprecation_date
    return LineageNode(
        id=model.unique_id,
        kind=kind,
        domain=model.domain,
        name=model.display_name,
        owner=owner,
        version=model.version,
        deprecated=date is not None,
        deprecation_date=date.date().isoformat() if date else None,
    )


def _exposure_node(exposure: Exposure) -> LineageNode:
    return LineageNode(
        id=exposure.unique_id,
        kind=NodeKind.EXPOSURE,
        domain=exposure.project,
        name=f"{exposure.project}.{exposure.name}",
        owner=exposure.owner_email or exposure.owner_name,
        version=None,
        deprecated=False,
        deprecation_date=None,
    )


def _text(value: object) -> str | None:
    return None if value is None else str(value)


# Renderers ---------------------------------------------------------------------------------------


def to_json(graph: LineageGraph) -> dict[str, Any]:
    return {
        "nodes": [
            {
                "id": n.id,
                "kind": n.kind.value,
                "domain": n.domain,
                "name": n.name,
                "owner": n.owner,
                "version": n.version,
                "deprecated": n.deprecated,
                "deprecation_date": n.deprecation_date,
            }
            for n in graph.nodes
        ],
        "edges": [{"source": e.source, "target": e.target} for e in graph.edges],
    }


# Mermaid decodes `#name;` / `#code;` entities inside quoted labels; `#` itself must go first.
_MERMAID_ENTITIES = (("#", "#35;"), ('"', "#quot;"), ("<", "#lt;"), (">", "#gt;"), ("`", "#96;"))


def mermaid_text(text: str) -> str:
    """A label safe inside a quoted Mermaid label."""
    for raw, entity in _MERMAID_ENTITIES:
        text = text.replace(raw, entity)
    return " ".join(text.split())  # a newline would end the statement


_MERMAID_SHAPES: dict[NodeKind, tuple[str, str]] = {
    NodeKind.PRODUCT: ('["', '"]'),
    NodeKind.HUB_MODEL: ('(["', '"])'),
    NodeKind.EXPOSURE: ('{{"', '"}}'),
}


def to_mermaid(graph: LineageGraph) -> str:
    # Generated ids (n0, d0) keep user-controlled names out of identifier positions; names such as
    # `end` or ones with dots would otherwise break the parser.
    ids = {node.id: f"n{i}" for i, node in enumerate(graph.nodes)}
    lines = ["flowchart LR"]
    for d, domain in enumerate(graph.domains):
        lines.append(f'  subgraph d{d}["{mermaid_text(domain)}"]')
        for node in (n for n in graph.nodes if n.domain == domain):
            left, right = _MERMAID_SHAPES[node.kind]
            lines.append(f"    {ids[node.id]}{left}{mermaid_text(node.label)}{right}")
        lines.append("  end")
    lines.extend(f"  {ids[e.source]} --> {ids[e.target]}" for e in graph.edges)
    deprecated = [ids[n.id] for n in graph.nodes if n.deprecated]
    if deprecated:
        lines.append("  classDef deprecated stroke-dasharray: 5 5")
        lines.append(f"  class {','.join(deprecated)} deprecated")
    return "\n".join(lines) + "\n"


def dot_string(text: str) -> str:
    """A double-quoted DOT string: backslashes and quotes escaped, newlines as \\n."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + escaped.replace("\r", "").replace("\n", "\\n") + '"'


_DOT_SHAPES = {NodeKind.PRODUCT: "box", NodeKind.HUB_MODEL: "box3d", NodeKind.EXPOSURE: "hexagon"}


def to_dot(graph: LineageGraph) -> str:
    lines = ["digraph mesh {", "  rankdir=LR;", "  node [fontname=Helvetica];"]
    for domain in graph.domains:
        lines.append(f"  subgraph {dot_string('cluster_' + domain)} {{")
        lines.append(f"    label={dot_string(domain)};")
        for node in (n for n in graph.nodes if n.domain == domain):
            style = ', style="dashed"' if node.deprecated else ""
            attrs = f"label={dot_string(node.label)}, shape={_DOT_SHAPES[node.kind]}{style}"
            lines.append(f"    {dot_string(node.id)} [{attrs}];")
        lines.append("  }")
    lines.extend(f"  {dot_string(e.source)} -> {dot_string(e.target)};" for e in graph.edges)
    lines.append("}")
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[LineageGraph], str]] = {
    "mermaid": to_mermaid,
    "dot": to_dot,
}
