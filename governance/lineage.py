"""The cross-domain product graph: data products, hub marts and exposures, and who consumes what.

With `consumers=True` (`mesh lineage`), every model that reads another project's product is a node
too, grouped by its project, so a project that reads products but publishes none is on the graph.
Other models between two nodes are collapsed, so an edge means "this product feeds that product, hub
mart, consumer model or exposure" however many intermediate hops lie between them; `hidden()` says in
words what a graph leaves out.
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
    CONSUMER = "consumer"  # a model reading another project's product (not a product itself)


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
    projects: tuple[str, ...] = ()  # every project of the mesh, with nodes or not
    focus: str | None = None  # the project `for_domain` kept, with its direct neighbours

    @property
    def domains(self) -> list[str]:
        return sorted({n.domain for n in self.nodes})

    def for_domain(self, domain: str) -> LineageGraph:
        """The domain's nodes plus everything directly feeding or consuming them."""
        known = sorted({*self.projects, *self.domains})
        if domain not in known:
            raise MeshError(f"unknown domain {domain!r}; projects of the mesh: {', '.join(known) or 'none'}")
        own = {n.id for n in self.nodes if n.domain == domain}
        edges = tuple(e for e in self.edges if e.source in own or e.target in own)
        keep = own | {e.source for e in edges} | {e.target for e in edges}
        return LineageGraph(tuple(n for n in self.nodes if n.id in keep), edges, self.projects, domain)


def build_lineage(mesh: MeshModel, *, consumers: bool = False) -> LineageGraph:
    """Product-level lineage of the whole mesh; with `consumers`, also every model reading another
    project's product (a consumer project publishing nothing is on the graph)."""
    visible: dict[str, LineageNode] = {}
    for domain in mesh.domains.values():
        for model in domain.models.values():
            kind = _model_kind(model, is_hub=domain.is_hub)
            if kind is not None:
                visible[model.unique_id] = _model_node(mesh, model, kind)
        for exposure in domain.exposures.values():
            visible[exposure.unique_id] = _exposure_node(exposure)
    if consumers:
        for model in mesh.models():
            if model.unique_id not in visible and _reads_a_product(mesh, model):
                visible[model.unique_id] = _model_node(mesh, model, NodeKind.CONSUMER)
    edges = {
        LineageEdge(source, target)
        for source in visible
        for target in _visible_consumers(mesh, source, visible)
    }
    nodes = sorted(visible.values(), key=lambda n: (n.domain, n.id))
    return LineageGraph(
        tuple(nodes), tuple(sorted(edges, key=lambda e: (e.source, e.target))), tuple(sorted(mesh.domains))
    )


def _reads_a_product(mesh: MeshModel, model: Model) -> bool:
    """`model` reads (refs) a product or hub mart of another project."""
    for parent in model.depends_on:
        node = mesh.model(parent)
        if node is not None and node.project != model.project:
            hub = mesh.domains[node.project].is_hub if node.project in mesh.domains else False
            if _model_kind(node, is_hub=hub) is not None:
                return True
    return False


def hidden(mesh: MeshModel, graph: LineageGraph) -> list[str]:
    """What the graph leaves out, one sentence each: collapsed models, projects without a node, and
    the rest of the mesh when it shows one project."""
    notes: list[str] = []
    shown = {n.id for n in graph.nodes}
    everything = build_lineage(mesh, consumers=True) if graph.focus else graph
    on_graph = {n.domain for n in everything.nodes}
    projects = [graph.focus] if graph.focus else sorted(mesh.domains)
    for name in projects:
        domain = mesh.domains.get(name)
        if domain is None:
            continue
        collapsed = sum(1 for uid in domain.models if uid not in shown)
        if name not in on_graph:
            notes.append(f"{name}: no node (it publishes no product and reads none; {collapsed} models)")
        elif collapsed:
            notes.append(
                f"{name}: {collapsed} models that are neither products, hub marts nor readers of another "
                "project's product are collapsed into the edges"
            )
    if graph.focus:
        others = len(everything.nodes) - len(graph.nodes)
        if others > 0:
            notes.append(
                f"only {graph.focus}'s nodes and their direct producers and consumers: {others} other "
                "nodes not shown (drop --domain for the whole mesh)"
            )
    return notes


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
    NodeKind.CONSUMER: ('("', '")'),
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


_DOT_SHAPES = {
    NodeKind.PRODUCT: "box",
    NodeKind.HUB_MODEL: "box3d",
    NodeKind.EXPOSURE: "hexagon",
    NodeKind.CONSUMER: "ellipse",
}


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
