"""Writing the merged graph in the format asked for, to a file or to standard output."""
from __future__ import annotations

import io
import sys
from pathlib import Path

import networkx as nx

from ..errors import UsageError

__all__ = ["FILE_FORMATS", "entities_only", "write_graph"]

# Formats that write one file; neo4j-csv writes a folder and html is the view's.
FILE_FORMATS = ("graphml", "graphml-yed", "gexf", "json")


def entities_only(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph without document nodes and what hangs on them (``MENTIONS``,
    ``NEAR_DUPLICATE_OF``): entities and the relations between them, for layouts."""
    keep = [n for n, d in graph.nodes(data=True) if d.get("kind") == "entity"]
    return graph.subgraph(keep).copy()


def write_graph(graph: nx.MultiDiGraph, out: str | Path, output_format: str) -> None:
    """Write ``graph`` as ``output_format`` to ``out`` (``"-"``: standard output)."""
    if output_format not in FILE_FORMATS:
        raise UsageError(f"--format {output_format} cannot be written by write_graph")
    if output_format == "json":
        from .json import SURROGATES_AS_FFFD, write_graph_json, write_graph_json_to

        if out != "-":
            write_graph_json(graph, out)
            return
        stream = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", errors=SURROGATES_AS_FFFD, newline="")
        write_graph_json_to(graph, stream)
        stream.flush()
        stream.detach()  # standard output stays open for whoever prints after
        return
    if output_format == "gexf":
        from .gexf import write_gexf

        write_gexf(graph, out)
    else:
        from .graphml import write_graphml

        write_graphml(graph, out, yed=output_format == "graphml-yed")
    if out == "-":
        sys.stdout.buffer.flush()
