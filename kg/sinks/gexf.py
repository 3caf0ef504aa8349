"""GEXF 1.2 for Gephi: typed attributes, and time.

Every relation edge with a known ``first_seen``/``last_seen`` is a dynamic edge whose
``start``/``end`` are those dates (``timeformat="date"``), so Gephi's timeline shows each
relation from the first to the last publication date of its evidence; nodes and the other edges
are always there. Attributes are declared once with their GEXF type (``integer``, ``long``,
``double``, ``boolean``, ``string``; lists and dicts are JSON text, as in GraphML). Node labels
are names (documents: titles, else file names), edge labels relation labels, edge weights
``kg.sinks.graphml.edge_weight``.

Gephi merges parallel edges of one edge type and takes an edge's type from a ``kind`` attribute
(GEXF 1.3's name; the 1.2 schema has none, so it comes in through kg's extension of it, see
tests/data/xsd): kg writes the relation type there. ``gephi_edge_types=False`` leaves it out.
"""
from __future__ import annotations

from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET

import networkx as nx

from ..errors import InputError
from .files import write_xml
from .graphml import _id, _key_type, _scalar, _text, edge_weight, node_name, xml_token

__all__ = ["write_gexf", "GEXF_NS"]

GEXF_NS = "http://www.gexf.net/1.2draft"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{GEXF_NS} http://www.gexf.net/1.2draft/gexf.xsd"
_GEXF_TYPES = {"boolean": "boolean", "int": "integer", "long": "long", "double": "double", "string": "string"}
# Written as the element's own attributes, not as attvalues.
_NATIVE = {"label", "weight"}


def _attributes(items, prefix: str) -> dict[str, tuple[str, str]]:
    """Attribute title -> (id, GraphML-style type) for one class of element."""
    values: dict[str, list] = {}
    for data in items:
        for name, value in data.items():
            if name not in _NATIVE:
                values.setdefault(name, []).append(value)
    return {name: (f"{prefix}.{xml_token(name)}", _key_type(values[name])) for name in sorted(values)}


def _gexf_tree(graph: nx.MultiDiGraph, *, gephi_edge_types: bool) -> ET.ElementTree:
    nodes = sorted(((_id(n), {k: _scalar(v) for k, v in d.items() if v is not None}, d)
                    for n, d in graph.nodes(data=True)), key=lambda n: str(n[0]))
    edges = sorted(((_id(s), _id(t), _id(k), {k2: _scalar(v) for k2, v in d.items() if v is not None})
                    for s, t, k, d in graph.edges(keys=True, data=True)), key=lambda e: str(e[2]))
    if len({n for n, _, _ in nodes}) < len(nodes):
        raise InputError("two node ids would be one GEXF node once escaped (see kg.sinks.graphml._id)")
    node_attributes = _attributes((d for _, d, _ in nodes), "n")
    edge_attributes = _attributes((d for *_, d in edges), "e")

    ET.register_namespace("", GEXF_NS)
    ET.register_namespace("xsi", XSI_NS)
    g = f"{{{GEXF_NS}}}"
    root = ET.Element(f"{g}gexf", {"version": "1.2", f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION})
    meta = ET.SubElement(root, f"{g}meta")
    ET.SubElement(meta, f"{g}creator").text = "kg"
    ET.SubElement(meta, f"{g}description").text = "knowledge graph of entities, documents and relations with evidence"
    body = ET.SubElement(root, f"{g}graph", {"defaultedgetype": "directed", "mode": "dynamic", "timeformat": "date"})
    for cls, declared in (("node", node_attributes), ("edge", edge_attributes)):
        block = ET.SubElement(body, f"{g}attributes", {"class": cls, "mode": "static"})
        for title, (attribute_id, kind) in declared.items():
            ET.SubElement(block, f"{g}attribute", {"id": attribute_id, "title": title, "type": _GEXF_TYPES[kind]})

    node_block = ET.SubElement(body, f"{g}nodes", {"count": str(len(nodes))})
    for node_id, data, original in nodes:
        element = ET.SubElement(node_block, f"{g}node", {"id": str(node_id), "label": _scalar(node_name(node_id, original))})
        _attvalues(element, data, node_attributes, g)
    edge_block = ET.SubElement(body, f"{g}edges", {"count": str(len(edges))})
    for source, target, key, data in edges:
        attributes = {"id": str(key), "source": str(source), "target": str(target),
                      "label": str(data.get("label") or data.get("type", "")), "weight": repr(float(edge_weight(data)))}
        if gephi_edge_types and data.get("type"):
            attributes["kind"] = str(data["type"])
        if data.get("first_seen") and data.get("last_seen"):
            attributes["start"], attributes["end"] = str(data["first_seen"]), str(data["last_seen"])
        element = ET.SubElement(edge_block, f"{g}edge", attributes)
        _attvalues(element, data, edge_attributes, g)
    ET.indent(root, space="  ")
    return ET.ElementTree(root)


def _attvalues(element: ET.Element, data: dict, declared: dict[str, tuple[str, str]], g: str) -> None:
    names = [name for name in sorted(data) if name not in _NATIVE]
    if not names:
        return
    holder = ET.SubElement(element, f"{g}attvalues")
    for name in names:
        attribute_id, kind = declared[name]
        ET.SubElement(holder, f"{g}attvalue", {"for": attribute_id, "value": _text(data[name], kind)})


def write_gexf(graph: nx.MultiDiGraph, path: str | Path | IO[bytes], *, gephi_edge_types: bool = True) -> None:
    """Write ``graph`` as GEXF 1.2 to ``path`` (replaced atomically) or to a binary stream
    (``"-"``: standard output)."""
    write_xml(_gexf_tree(graph, gephi_edge_types=gephi_edge_types), path)
