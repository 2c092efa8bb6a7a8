"""`mesh lineage`: print the cross-domain product graph as JSON, Mermaid or Graphviz DOT."""

from __future__ import annotations

import argparse
import sys

import orjson

from governance.coverage import describe
from governance.errors import ExitCode
from governance.fast_exit import keep
from governance.lineage import RENDERERS, build_lineage, hidden, to_json
from governance.loader import load_mesh
from governance.project import find_root


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        choices=["json", *RENDERERS],
        default="json",
        help="json (nodes and edges), mermaid (flowchart LR) or dot (Graphviz); default json",
    )
    parser.add_argument(
        "--domain",
        metavar="D",
        help="only this project's nodes and their direct producers and consumers (any project)",
    )
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    mesh = load_mesh(find_root())
    keep(mesh)  # freed by the OS at exit, not object by object
    describe(mesh)
    graph = build_lineage(mesh, consumers=True)
    if args.domain:
        graph = graph.for_domain(args.domain)
    for note in hidden(mesh, graph):  # a graph that leaves something out says so
        print(f"note: {note}", file=sys.stderr)
    if args.format == "json":
        sys.stdout.buffer.write(orjson.dumps(to_json(graph), option=orjson.OPT_INDENT_2) + b"\n")
    else:
        sys.stdout.write(RENDERERS[args.format](graph))
    return int(ExitCode.OK)
