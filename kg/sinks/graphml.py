"""GraphML for Gephi, Cytoscape and yEd: directed, typed keys, scalar values only (lists and
dicts become JSON strings), ``label`` on nodes and edges, unique edge ids, XML-1.0-safe text."""
from __future__ import annotations

import json
import re
from pathlib import Path
from xml.etree.ElementTree import ParseError

import defusedxml.ElementTree as safe_xml
import networkx as nx
from defusedxml import DefusedXmlException

from ..errors import InputError
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


def _id(value):
    """An id as XML can hold it: characters XML 1.0 forbids and carriage returns become
    ``\\xNN``/``\\uNNNN`` escapes, not U+FFFD, so ``a\\x01`` and ``a\\x02`` stay two nodes
    (``to_graphml_graph`` refuses the rare graph where an escape meets an id spelt that way)."""
    if not isinstance(value, str) or ("\r" not in value and not _XML_FORBIDDEN.search(value)):
        return value
    return _ID_ESCAPED.sub(_escape_char, value)


_ID_ESCAPED = re.compile("[\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _escape_char(match: re.Match) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def to_graphml_graph(graph: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """A copy of ``graph`` with scalar attributes and labels, ready for GraphML."""
    out = nx.MultiDiGraph()
    for node_id, data in graph.nodes(data=True):
        attrs = {k: _scalar(v) for k, v in data.items()}
        attrs["label"] = _scalar(data.get("name") or data.get("title") or data.get("text") or node_id)
        written = _id(node_id)
        if written is not node_id and written in graph:
            raise InputError(f"node ids {node_id!r} and {written!r} would be one GraphML node")
        out.add_node(written, **attrs)
    for source, target, key, data in graph.edges(keys=True, data=True):
        attrs = {k: _scalar(v) for k, v in data.items()}
        attrs["label"] = _scalar(data.get("label") or data.get("type", ""))
        out.add_edge(_id(source), _id(target), key=_id(key), **attrs)
    return out


def write_graphml(graph: nx.MultiDiGraph, path: str | Path) -> None:
    with atomic_writer(path, mode="wb", encoding=None) as stream:
        nx.write_graphml_xml(to_graphml_graph(graph), stream, encoding="utf-8", prettyprint=True, named_key_ids=False)


def read_graphml(path: str | Path) -> nx.MultiDiGraph:
    """Read a GraphML file written by kg (attribute values stay scalars). A file with a DTD is
    refused before anything is expanded: GraphML never needs one, and entity declarations are how
    a small file expands into gigabytes ("billion laughs") or reads local files (XXE). Raises
    InputError, one line, for that and for anything that is not GraphML."""
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
        return nx.parse_graphml(data, force_multigraph=True)
    except (nx.NetworkXError, KeyError, ValueError, TypeError) as error:
        reason = (str(error).splitlines() or [type(error).__name__])[0]
        raise InputError(f"{path} is not GraphML kg can read: {reason}") from None
