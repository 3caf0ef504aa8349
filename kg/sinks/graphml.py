"""GraphML for Gephi, Cytoscape and yEd: directed, typed keys, scalar values only (lists and
dicts become JSON strings), ``label`` on nodes and edges, unique edge ids, XML-1.0-safe text."""
from __future__ import annotations

import json
import re
from pathlib import Path

import networkx as nx

from .files import atomic_writer

__all__ = ["to_graphml_graph", "write_graphml", "read_graphml"]

# Characters XML 1.0 forbids (C0 controls but tab/newline/return, surrogates, U+FFFE/U+FFFF).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _scalar(value):
    if isinstance(value, (list, tuple, dict)):
        value = json.dumps(value, ensure_ascii=False, sort_keys=isinstance(value, dict))
    if value is None:
        return ""
    if isinstance(value, str):
        # XML parsers turn a raw carriage return into a newline: do it here so files re-read equal.
        value = value.replace("\r\n", "\n").replace("\r", "\n")
        return _XML_FORBIDDEN.sub("\ufffd", value)
    return value


def to_graphml_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` with scalar attributes and labels, ready for GraphML."""
    out = nx.MultiDiGraph()
    for node_id, data in graph.nodes(data=True):
        attrs = {k: _scalar(v) for k, v in data.items()}
        attrs["label"] = _scalar(data.get("name") or data.get("title") or node_id)
        out.add_node(_scalar(node_id), **attrs)
    for source, target, key, data in graph.edges(keys=True, data=True):
        attrs = {k: _scalar(v) for k, v in data.items()}
        attrs["label"] = _scalar(data.get("label") or data.get("type", ""))
        out.add_edge(_scalar(source), _scalar(target), key=_scalar(key), **attrs)
    return out


def write_graphml(graph: nx.MultiDiGraph, path: str | Path) -> None:
    with atomic_writer(path, mode="wb", encoding=None) as stream:
        nx.write_graphml_xml(to_graphml_graph(graph), stream, encoding="utf-8", prettyprint=True, named_key_ids=False)


def read_graphml(path: str | Path) -> nx.MultiDiGraph:
    """Read a GraphML file written by kg (attribute values stay scalars)."""
    return nx.read_graphml(path, force_multigraph=True)
