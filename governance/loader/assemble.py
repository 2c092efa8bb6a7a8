"""Domains -> one `MeshModel`: node index, cross-project parent/child maps, tests per node, sanity checks."""

from __future__ import annotations

from collections import defaultdict
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

from governance.errors import MeshError
from governance.model import DataTest, Domain, Exposure, MeshModel, Model, Source


def assemble(root: Path, domains: list[Domain]) -> MeshModel:
    mesh = MeshModel(root=str(root), domains={d.name: d for d in domains})
    nodes: dict[str, Model | Source | Exposure] = {}
    tests_by_node: dict[str, list[DataTest]] = defaultdict(list)
    for domain in domains:
        nodes.update(domain.models)
        nodes.update(domain.sources)
        nodes.update(domain.exposures)
        for test in domain.tests.values():
            if test.attached_node:
                tests_by_node[test.attached_node].append(test)
    children: dict[str, list[str]] = defaultdict(list)
    parents: dict[str, tuple[str, ...]] = {}
    for unique_id, node in nodes.items():
        if isinstance(node, Source):
            continue
        parents[unique_id] = node.depends_on
        for parent in node.depends_on:
            children[parent].append(unique_id)
    mesh.nodes, mesh.parents = nodes, parents
    mesh.children, mesh.tests_by_node = dict(children), dict(tests_by_node)
    _reject_project_cycles(mesh)
    return mesh


def _reject_project_cycles(mesh: MeshModel) -> None:
    """Models refer across projects only upstream: a cycle means two domains read each other."""
    graph: dict[str, set[str]] = {name: set() for name in mesh.domains}
    for unique_id, parents in mesh.parents.items():
        node = mesh.nodes[unique_id]
        for parent in parents:
            other = mesh.nodes.get(parent)
            if other is not None and other.project != node.project:
                graph[node.project].add(other.project)
    try:
        TopologicalSorter(graph).prepare()
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise MeshError(
            f"dependency cycle between domains in their manifests: {cycle}; "
            "remove the ref that points back upstream"
        ) from None
