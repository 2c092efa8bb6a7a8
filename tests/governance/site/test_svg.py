"""The lineage picture's layout: producers left of consumers, escaped labels, cycles survive."""

from __future__ import annotations

import re

from governance.site.svg import SvgNode, render_svg


def _x(svg: str, node_id: str) -> int:
    match = re.search(rf'data-id="{re.escape(node_id)}"><title>[^<]*</title><rect x="(\d+)"', svg)
    assert match, node_id
    return int(match.group(1))


def test_producers_are_drawn_left_of_consumers():
    nodes = [SvgNode("c", "c"), SvgNode("a", "a"), SvgNode("b", "b")]
    svg = render_svg(nodes, [("a", "b"), ("b", "c"), ("a", "c")], label="g")
    assert _x(svg, "a") < _x(svg, "b") < _x(svg, "c")
    assert svg.count('class="edge"') == 3


def test_labels_and_links_are_escaped():
    hostile = '<script>alert(1)</script>"'
    svg = render_svg([SvgNode("x", hostile, href='p.html?"><script>')], [], label=hostile)
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg and "&quot;&gt;&lt;script&gt;" in svg


def test_a_cycle_is_still_drawn():
    nodes = [SvgNode("a", "a"), SvgNode("b", "b")]
    svg = render_svg(nodes, [("a", "b"), ("b", "a")], label="cycle")
    assert svg.count("<rect") == 2
