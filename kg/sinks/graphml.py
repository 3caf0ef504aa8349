"""GraphML for Gephi, Cytoscape, yEd, igraph and networkx.

What each reader needs, and how the file gives it:

- Element ids are XML NMTOKENs, as the GraphML schema requires (kg's edge ids hold ``[``, ``]``
  and ``>``): characters outside ``[A-Za-z0-9._:-]`` are written ``_xHHHH_`` (the escape .NET's
  ``XmlConvert`` uses; a literal ``_x`` is escaped too, so two ids never become one). kg's own id
  is kept whole in a ``kg_id`` attribute, and ``read_graphml`` gives the graph back under it.
- Every node has a ``name`` and a ``label`` (documents: their title, else their source's file
  name, else their id); every edge a ``label`` and a ``weight`` (relations: their evidence
  count; ``MENTIONS``: the mention count; others 1, the key's default).
- Gephi merges parallel edges of one edge type, and its GraphML importer takes an edge's type
  only from a ``label`` XML attribute on ``<edge>``: kg writes the relation type there, so
  ``BASED_IN`` and ``LOCATED_IN`` between the same two nodes stay two edges. The GraphML schema
  admits such an attribute through its ``edge.extra.attrib`` extension point;
  ``gephi_edge_types=False`` leaves it out for a file that the unextended schema accepts.
- Key ids are ``n.<name>`` and ``e.<name>``, never networkx's ``d0, d1, ...``: Gephi reads the
  keys ``d3`` and ``d7`` as yEd's node and edge labels, whatever they hold.
- ``yed=True`` adds yEd's own label extension (``y:ShapeNode``/``y:NodeLabel``,
  ``y:PolyLineEdge``/``y:EdgeLabel``): yEd shows no other labels.

Values are scalars (lists and dicts become JSON text); text keeps what XML 1.0 can hold (U+FFFD
for the rest, a newline for a carriage return).
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from pathlib import Path
from typing import IO
from xml.etree import ElementTree as ET
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_xml
import networkx as nx
from defusedxml import DefusedXmlException

from ..errors import InputError
from .files import write_xml

__all__ = ["to_graphml_graph", "write_graphml", "read_graphml", "under_kg_ids", "xml_token", "node_name", "edge_weight"]

GRAPHML_NS = "http://graphml.graphdrawing.org/xmlns"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
YED_NS = "http://www.yworks.com/xml/graphml"
SCHEMA_LOCATION = f"{GRAPHML_NS} http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"

# Characters XML 1.0 forbids (C0 controls but tab/newline/return, surrogates, U+FFFE/U+FFFF).
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# ASCII name characters only: which non-ASCII letters count differs between XML editions (and so
# between validators), so those are escaped too; kg_id keeps them.
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9._:\-]|_(?=x)")
_ID_ESCAPED = re.compile("[\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_token(text: str) -> str:
    """``text`` as an XML NMTOKEN, one to one: ``organization:a-[BASED_IN]->location:b`` becomes
    ``organization:a-_x005B_BASED_IN_x005D_-_x003E_location:b``."""
    return _NOT_TOKEN.sub(lambda m: f"_x{ord(m.group(0)):04X}_", text) or "_x_"


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


def _id(value):
    """kg's id as XML text can hold it (the ``kg_id`` attribute): characters XML 1.0 forbids and
    carriage returns become ``\\xNN``/``\\uNNNN`` escapes, not U+FFFD, so ``a\\x01`` and
    ``a\\x02`` stay two nodes (``to_graphml_graph`` refuses the rare graph where an escape meets
    an id spelt that way)."""
    if not isinstance(value, str) or ("\r" not in value and not _XML_FORBIDDEN.search(value)):
        return value
    return _ID_ESCAPED.sub(_escape_char, value)


def _escape_char(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def node_name(node_id: str, data: dict) -> str:
    """A node's display name: an entity's name; a document's title, else its source's file name;
    a quotation's text; else its id."""
    name = data.get("name") or data.get("title") or Path(str(data.get("source") or "")).name or data.get("text")
    return str(name or node_id)


def edge_weight(data: dict) -> int | float:
    """An edge's weight: a relation's evidence count, ``MENTIONS``' mention count, else 1."""
    for key in ("weight", "count"):
        value = data.get(key)
        if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
            return value
    return 1


def to_graphml_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` as the GraphML file holds it, and as ``networkx.read_graphml`` reads
    it back: NMTOKEN node ids and edge keys (``xml_token``), kg's ids in ``kg_id`` (escaped
    where XML cannot hold them), scalar values, ``name``/``label`` on every node,
    ``label``/``weight`` on every edge."""
    out = nx.MultiDiGraph()
    tokens: dict = {}
    for node_id, data in graph.nodes(data=True):
        attrs = {k: _scalar(v) for k, v in data.items() if v is not None}
        written = _id(node_id)
        if written is not node_id and written in graph:
            raise InputError(f"node ids {node_id!r} and {written!r} would be one GraphML node")
        tokens[node_id] = xml_token(str(written))
        attrs["kg_id"] = _scalar(written)
        # An entity's name stays exactly as it is (even blank); documents get one.
        attrs["label"] = _scalar(node_name(written, data))
        attrs.setdefault("name", attrs["label"])
        out.add_node(tokens[node_id], **attrs)
    for source, target, key, data in graph.edges(keys=True, data=True):
        attrs = {k: _scalar(v) for k, v in data.items() if v is not None}
        attrs["kg_id"] = _scalar(_id(key))
        attrs["label"] = _scalar(data.get("label") or data.get("type", ""))
        attrs["weight"] = edge_weight(data)
        out.add_edge(tokens[source], tokens[target], key=xml_token(str(_id(key))), **attrs)
    return out


# --------------------------------------------------------------------------- writing

_TYPES = {bool: "boolean", int: "int", float: "double", str: "string"}
_INT32 = 2**31


def _key_type(values: Iterable) -> str:
    """The narrowest GraphML type that holds every value: boolean, int, long, double or string."""
    kinds = {type(v) for v in values}
    if not kinds:
        return "string"
    if kinds == {bool}:
        return "boolean"
    if kinds <= {int}:
        return "int" if all(-_INT32 <= v < _INT32 for v in values) else "long"
    if kinds <= {int, float}:
        return "double"
    return "string"


def _text(value, kind: str) -> str:
    if kind == "boolean":
        return "true" if value else "false"
    if kind == "string":
        return value if isinstance(value, str) else str(value)
    if kind == "double":
        value = float(value)
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "INF" if value > 0 else "-INF"
        return repr(value)
    return str(int(value))


def _keys(items: Iterable[dict], prefix: str) -> dict[str, tuple[str, str]]:
    """Attribute name -> (key id, type) for one kind of element, names sorted."""
    values: dict[str, list] = {}
    for data in items:
        for name, value in data.items():
            values.setdefault(name, []).append(value)
    return {name: (f"{prefix}.{xml_token(name)}", _key_type(values[name])) for name in sorted(values)}


def _graphml_tree(graph: nx.MultiDiGraph, *, gephi_edge_types: bool, yed: bool) -> ET.ElementTree:
    written = to_graphml_graph(graph)
    nodes = sorted(written.nodes(data=True), key=lambda n: str(n[0]))
    edges = sorted(written.edges(keys=True, data=True), key=lambda e: str(e[2]))
    node_keys = _keys((d for _, d in nodes), "n")
    edge_keys = _keys((d for _, _, _, d in edges), "e")

    ET.register_namespace("", GRAPHML_NS)
    ET.register_namespace("xsi", XSI_NS)
    if yed:
        ET.register_namespace("y", YED_NS)
    g = f"{{{GRAPHML_NS}}}"
    root = ET.Element(f"{g}graphml", {f"{{{XSI_NS}}}schemaLocation": SCHEMA_LOCATION})
    for scope, keys in (("node", node_keys), ("edge", edge_keys)):
        for name, (key_id, kind) in keys.items():
            key = ET.SubElement(root, f"{g}key", {"id": key_id, "for": scope, "attr.name": _scalar(name),
                                                  "attr.type": kind})
            if scope == "edge" and name == "weight":
                ET.SubElement(key, f"{g}default").text = _text(1, kind)
    if yed:
        ET.SubElement(root, f"{g}key", {"id": "yed.node", "for": "node", "yfiles.type": "nodegraphics"})
        ET.SubElement(root, f"{g}key", {"id": "yed.edge", "for": "edge", "yfiles.type": "edgegraphics"})
    body = ET.SubElement(root, f"{g}graph", {"id": "G", "edgedefault": "directed"})
    for node_id, data in nodes:
        element = ET.SubElement(body, f"{g}node", {"id": node_id})
        _data(element, data, node_keys, g)
        if yed:
            _yed_node(ET.SubElement(element, f"{g}data", {"key": "yed.node"}), data["label"])
    for source, target, key, data in edges:
        attributes = {"id": key, "source": source, "target": target}
        if gephi_edge_types:
            attributes["label"] = str(data.get("type") or data["label"])
        element = ET.SubElement(body, f"{g}edge", attributes)
        _data(element, data, edge_keys, g)
        if yed:
            _yed_edge(ET.SubElement(element, f"{g}data", {"key": "yed.edge"}), data["label"])
    ET.indent(root, space="  ")
    return ET.ElementTree(root)


def _data(element: ET.Element, data: dict, keys: dict[str, tuple[str, str]], g: str) -> None:
    for name in sorted(data):
        key_id, kind = keys[name]
        ET.SubElement(element, f"{g}data", {"key": key_id}).text = _text(data[name], kind)


def _yed_node(holder: ET.Element, label: str) -> None:
    y = f"{{{YED_NS}}}"
    shape = ET.SubElement(holder, f"{y}ShapeNode")
    # yEd sizes nothing by itself: a box about as wide as its label.
    ET.SubElement(shape, f"{y}Geometry", {"height": "30.0", "width": f"{max(30, 7 * min(len(label), 60) + 16)}.0"})
    ET.SubElement(shape, f"{y}NodeLabel").text = label


def _yed_edge(holder: ET.Element, label: str) -> None:
    y = f"{{{YED_NS}}}"
    line = ET.SubElement(holder, f"{y}PolyLineEdge")
    ET.SubElement(line, f"{y}Arrows", {"source": "none", "target": "standard"})
    ET.SubElement(line, f"{y}EdgeLabel").text = label


def write_graphml(graph: nx.MultiDiGraph, path: str | Path | IO[bytes], *, gephi_edge_types: bool = True,
                  yed: bool = False) -> None:
    """Write ``graph`` as GraphML to ``path`` (replaced atomically) or to a binary stream
    (``"-"``: standard output)."""
    write_xml(_graphml_tree(graph, gephi_edge_types=gephi_edge_types, yed=yed), path)


# --------------------------------------------------------------------------- reading

def read_graphml(path: str | Path) -> nx.MultiDiGraph:
    """Read a GraphML file written by kg, nodes and edges under kg's ids (``kg_id``; attribute
    values stay scalars). A file with a DTD is refused before anything is expanded: GraphML
    never needs one, and entity declarations are how a small file expands into gigabytes
    ("billion laughs") or reads local files (XXE). Raises InputError, one line, for that and for
    anything that is not GraphML."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    try:
        # defusedxml's parser stops at the DOCTYPE; the trusted parse below then never sees one.
        safe_xml.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise InputError(f"{path}: refused: the XML declares a DTD or entities (GraphML needs none)") from None
    except ParseError as error:
        raise InputError(f"{path} is not well-formed XML: {error}") from None
    try:
        parsed = nx.parse_graphml(data, force_multigraph=True)
    except (nx.NetworkXError, KeyError, ValueError, TypeError) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise InputError(f"{path} is not GraphML kg can read: {reason}") from None
    return under_kg_ids(parsed)


def under_kg_ids(parsed: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """The graph with node ids and edge keys taken back from ``kg_id`` (files without it keep
    theirs)."""
    names = {n: d.get("kg_id", n) for n, d in parsed.nodes(data=True)}
    if len(set(names.values())) != len(names):
        names = {n: n for n in parsed.nodes}
    graph = nx.MultiDiGraph()
    graph.graph.update(parsed.graph)
    for node_id, data in parsed.nodes(data=True):
        graph.add_node(names[node_id], **data)
    for source, target, key, data in parsed.edges(keys=True, data=True):
        graph.add_edge(names[source], names[target], key=data.get("kg_id", key), **data)
    return graph
