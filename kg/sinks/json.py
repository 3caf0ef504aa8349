"""The contract's JSON: the merged graph (``kg build --format json``) and per-document lines
(``kg extract``)."""
from __future__ import annotations

import codecs
import json
from collections.abc import Iterable
from pathlib import Path
from typing import IO

import networkx as nx

from ..types import Extraction
from .files import atomic_writer

__all__ = ["graph_to_json", "write_graph_json", "write_graph_json_to", "read_graph_json", "extraction_record", "write_extractions"]

_ENTITY_FIELDS = ("name", "type", "aliases", "mentions", "documents", "merged_from",
                  "geonames_id", "country_code", "lat", "lon", "iso_code")  # the last five: places only
_DOCUMENT_FIELDS = ("title", "source", "published", "authors", "url")
_QUOTE_FIELDS = ("text", "quote_kind", "documents", "evidence")
# A lone surrogate (a Python string can hold one; no Unicode text can) has no UTF-8 form: the
# graph file gets U+FFFD in its place, as GraphML does, instead of failing halfway through.
SURROGATES_AS_FFFD = "kg-surrogates-as-fffd"


def graph_to_json(graph: nx.MultiDiGraph) -> dict:
    """``{"nodes": [...], "edges": [...]}`` as CONTRACT.md describes, sorted by id."""
    nodes = []
    for node_id, data in sorted(graph.nodes(data=True)):
        kind = data.get("kind")
        fields = _ENTITY_FIELDS if kind == "entity" else _QUOTE_FIELDS if kind == "quote" else _DOCUMENT_FIELDS
        node = {"id": node_id, "kind": data.get("kind")}
        node.update({f: data[f] for f in fields if f in data})
        nodes.append(node)
    edges = []
    for source, target, key, data in sorted(graph.edges(keys=True, data=True), key=lambda e: e[2]):
        edges.append({"id": key, "source": source, "target": target, **data})
    return {"nodes": nodes, "edges": edges}


def _surrogates_as_fffd(error: UnicodeError) -> tuple[bytes, int]:
    # The UTF-8 encoder takes only ASCII text from a handler, but any bytes: U+FFFD's UTF-8 form.
    if isinstance(error, UnicodeEncodeError) and error.encoding.replace("-", "").lower() == "utf8":
        return "\ufffd".encode("utf-8") * (error.end - error.start), error.end
    raise error


codecs.register_error(SURROGATES_AS_FFFD, _surrogates_as_fffd)


def write_graph_json(graph: nx.MultiDiGraph, path: str | Path) -> None:
    """The graph JSON with one node or edge per line: easy to grep and diff, and written by
    json's C encoder (an indented dump goes through the pure-Python one, several times slower)."""
    with atomic_writer(path, errors=SURROGATES_AS_FFFD) as stream:
        write_graph_json_to(graph, stream)


def write_graph_json_to(graph: nx.MultiDiGraph, stream: IO[str]) -> None:
    """``write_graph_json`` into an open text stream (standard output, for ``--out -``)."""
    data = graph_to_json(graph)
    stream.write("{\n")
    for index, key in enumerate(("nodes", "edges")):
        stream.write(f'"{key}": [')
        items = data[key]
        for position, item in enumerate(items):
            stream.write("\n" if position == 0 else ",\n")
            stream.write(json.dumps(item, ensure_ascii=False))
        stream.write("\n]" if items else "]")
        stream.write(",\n" if index == 0 else "\n")
    stream.write("}\n")


def read_graph_json(path: str | Path) -> dict:
    with open(path, encoding="utf-8") as stream:
        return json.load(stream)


def extraction_record(extraction: Extraction) -> dict:
    """One ``kg extract`` line."""
    document = extraction.document
    return {
        "id": document.id,
        "title": document.title,
        "published": document.published,
        "authors": list(document.authors),
        "source": document.source,
        "entities": [
            {
                "id": entity.id,
                "name": entity.name,
                "type": entity.type,
                "aliases": list(entity.aliases),
                "mentions": [
                    {"text": m.text, "start": m.start, "end": m.end, "kind": m.kind} for m in entity.mentions
                ],
                "merged_from": [{"name": m.name, "reason": m.reason} for m in entity.merged_from],
                **{f: getattr(entity, f) for f in ("geonames_id", "country_code", "lat", "lon", "iso_code")
                   if getattr(entity, f) is not None},
            }
            for entity in extraction.entities
        ],
        "relations": [
            {
                "subject": r.subject,
                "type": r.type,
                "object": r.object,
                "label": r.label,
                "confidence": r.confidence,
                "negated": r.negated,
                "modality": r.modality,
                "past": r.past,
                "source": list(r.source),
                "evidence": {
                    "sentence": r.evidence.sentence, "start": r.evidence.start,
                    "end": r.evidence.end, "rule": r.evidence.rule,
                },
            }
            for r in extraction.relations
        ],
        "quotes": [
            {"id": q.id, "text": q.text, "quote_kind": q.kind, "start": q.start, "end": q.end,
             "speaker": q.speaker or None, "mentions": list(q.mentions)}
            for q in extraction.quotes
        ],
    }


def write_extractions(extractions: Iterable[Extraction], stream: IO[str]) -> int:
    count = 0
    for extraction in extractions:
        stream.write(json.dumps(extraction_record(extraction), ensure_ascii=False) + "\n")
        count += 1
    return count
