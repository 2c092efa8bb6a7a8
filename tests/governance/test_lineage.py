"""Product-level lineage of a real parsed mesh, and its JSON / Mermaid / DOT renderings.

Graphviz `dot` comes from `scripts/ci/packages.sh` (run by .ci/run). In CI (CI=true) a missing `dot`
fails the rendering tests; elsewhere they skip with the reason.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from governance.cli import main
from governance.errors import MeshError
from governance.lineage import (
    LineageGraph,
    LineageNode,
    NodeKind,
    build_lineage,
    dot_string,
    mermaid_text,
    to_dot,
    to_json,
    to_mermaid,
)
from governance.loader import load_mesh
from tests.governance.dbt_fixture import parsed_fixture
from tests.services import unavailable

EXPECTED_EDGES = {
    ("model.orders.fct_orders", "model.marketing.fct_campaign_attribution"),  # via private int_order_touches
    ("model.orders.dim_customers.v2", "model.marketing.fct_campaign_attribution"),
    ("model.orders.fct_orders", "model.hub.mart_customer_value"),
    ("model.marketing.fct_campaign_attribution", "model.hub.mart_customer_value"),
    ("model.hub.mart_customer_value", "exposure.hub.weekly_revenue"),
    ("model.orders.dim_customers.v1", "exposure.hub.customer_directory"),
}


def graphviz_dot() -> str:
    """The `dot` executable: a skip without it, a failure in CI, which must provide it."""
    dot = shutil.which("dot")
    if dot is None:
        unavailable("graphviz `dot` not installed", "scripts/ci/packages.sh")
    return dot


@pytest.fixture(scope="module")
def mesh_root() -> Path:
    return parsed_fixture("breaking")


@pytest.fixture(scope="module")
def graph(mesh_root: Path) -> LineageGraph:
    return build_lineage(load_mesh(mesh_root))


@pytest.mark.dbt
def test_graph_collapses_private_hops_into_product_edges(graph: LineageGraph) -> None:
    kinds = {n.id: n.kind for n in graph.nodes}
    assert kinds == {
        "model.orders.fct_orders": NodeKind.PRODUCT,
        "model.orders.dim_customers.v1": NodeKind.PRODUCT,
        "model.orders.dim_customers.v2": NodeKind.PRODUCT,
        "model.marketing.fct_campaign_attribution": NodeKind.PRODUCT,
        "model.hub.mart_customer_value": NodeKind.HUB_MODEL,
        "exposure.hub.weekly_revenue": NodeKind.EXPOSURE,
        "exposure.hub.customer_directory": NodeKind.EXPOSURE,
    }
    assert {(e.source, e.target) for e in graph.edges} == EXPECTED_EDGES


@pytest.mark.dbt
def test_json_carries_domain_owner_version_and_deprecation(graph: LineageGraph) -> None:
    nodes = {n["id"]: n for n in to_json(graph)["nodes"]}
    v1 = nodes["model.orders.dim_customers.v1"]
    assert v1 == {
        "id": "model.orders.dim_customers.v1",
        "kind": "product",
        "domain": "orders",
        "name": "orders.dim_customers.v1",
        "owner": "orders-team@example.com",
        "version": "1",
        "deprecated": True,
        "deprecation_date": "2999-01-01",
    }
    assert nodes["model.orders.dim_customers.v2"]["deprecated"] is False
    assert nodes["exposure.hub.weekly_revenue"]["owner"] == "finance@example.com"
    assert nodes["model.hub.mart_customer_value"]["domain"] == "hub"


@pytest.mark.dbt
def test_domain_filter_keeps_direct_producers_and_consumers(graph: LineageGraph) -> None:
    marketing = graph.for_domain("marketing")
    assert {n.id for n in marketing.nodes} == {
        "model.marketing.fct_campaign_attribution",
        "model.orders.fct_orders",
        "model.orders.dim_customers.v2",
        "model.hub.mart_customer_value",
    }
    assert len(marketing.edges) == 3
    with pytest.raises(MeshError, match="unknown domain 'billing'"):
        graph.for_domain("billing")


@pytest.mark.dbt
def test_mermaid_has_one_subgraph_per_domain_and_quoted_labels(graph: LineageGraph) -> None:
    text = to_mermaid(graph)
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    assert [line.strip() for line in lines if line.strip().startswith("subgraph")] == [
        'subgraph d0["hub"]',
        'subgraph d1["marketing"]',
        'subgraph d2["orders"]',
    ]
    assert text.count("\n  end\n") == 3
    assert len([line for line in lines if "-->" in line]) == len(EXPECTED_EDGES)
    node_lines = [line.strip() for line in lines if re.match(r"\s+n\d+[\[\(\{]", line)]
    assert len(node_lines) == len(graph.nodes)
    assert all(
        re.fullmatch(r'n\d+(\["[^"]*"\]|\(\["[^"]*"\]\)|\{\{"[^"]*"\}\})', line) for line in node_lines
    )
    assert "class " in text and "deprecated" in text


@pytest.mark.dbt
def test_dot_has_clusters_and_renders_when_graphviz_is_installed(graph: LineageGraph, tmp_path: Path) -> None:
    text = to_dot(graph)
    assert text.startswith("digraph mesh {")
    assert text.count('subgraph "cluster_') == 3
    assert text.count(" -> ") == len(EXPECTED_EDGES)
    rendered = subprocess.run(
        [graphviz_dot(), "-Tsvg"], input=text, capture_output=True, text=True, check=True
    )
    assert rendered.stdout.count('class="cluster"') == 3


HOSTILE = 'a "quoted" <b>x</b> #1; back\\slash `tick`\nnext line'


def test_mermaid_escaping_leaves_no_syntax_characters() -> None:
    escaped = mermaid_text(HOSTILE)
    assert not set('"<>`\n') & set(escaped)
    assert escaped == ("a #quot;quoted#quot; #lt;b#gt;x#lt;/b#gt; #35;1; back\\slash #96;tick#96; next line")


def test_dot_escaping_keeps_one_quoted_string() -> None:
    assert dot_string(HOSTILE) == '"a \\"quoted\\" <b>x</b> #1; back\\\\slash `tick`\\nnext line"'


def test_hostile_labels_render_with_graphviz() -> None:
    dot = graphviz_dot()
    node = LineageNode(HOSTILE, NodeKind.PRODUCT, HOSTILE, HOSTILE, None, None, False, None)
    rendered = subprocess.run(
        [dot, "-Tplain"], check=False, input=to_dot(LineageGraph((node,), ())), capture_output=True, text=True
    )
    assert rendered.returncode == 0, rendered.stderr
    assert rendered.stdout.count("\nnode ") == 1


@pytest.mark.dbt
def test_cli_prints_json_and_rejects_unknown_domain(
    mesh_root: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("MESH_ROOT", str(mesh_root))
    assert main(["lineage", "--format", "json", "--domain", "orders"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {e["source"] for e in data["edges"]} >= {
        "model.orders.fct_orders",
        "model.orders.dim_customers.v1",
    }
    assert main(["lineage", "--format", "mermaid"]) == 0
    assert capsys.readouterr().out.startswith("flowchart LR\n")
    assert main(["lineage", "--domain", "nope"]) == 2
    assert "unknown domain 'nope'" in capsys.readouterr().err
