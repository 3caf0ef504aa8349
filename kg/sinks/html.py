"""The interactive HTML view (``kg view``, ``kg build --format html``): one self-contained page.

The page inlines the graph as JSON and the JavaScript it runs (sigma.js, graphology and
graphology-library, vendored in ``kg/data/js`` with their licences), so it opens from a file with
no network. This module only prepares the data: what the page shows is laid out and filtered by
``kg/data/view/view.js`` in the browser (ForceAtlas2 in a web worker: networkx's layouts take
minutes for 5,000 nodes, see kg/data/js/README.md).
"""
from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .files import atomic_writer
from .json import SURROGATES_AS_FFFD

__all__ = ["ViewSummary", "view_data", "summarise", "render_html", "write_html", "VENDORED_SCRIPTS"]

# In the order the page loads them: sigma and graphology-library need graphology's global.
VENDORED_SCRIPTS = ("graphology.umd.min.js", "sigma.min.js", "graphology-library.min.js")

_DATE = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")
_SOURCE_MAP = re.compile(r"^//# sourceMappingURL=.*$", re.M)
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
# Edges between a document or a quote and anything: shown with the documents, never counted as relations.
_LINK_TYPES = frozenset({"MENTIONS", "NEAR_DUPLICATE_OF", "SAID"})
_QUOTE_LABEL = 60


@dataclass(frozen=True)
class ViewSummary:
    """What a written page shows: counts for the command line's summary."""

    entities: int
    relations: int
    documents: int
    places: int

    def line(self) -> str:
        return ", ".join(_count(n, word) for n, word in ((self.entities, "entit|y|ies"), (self.relations, "relation||s"),
                                                          (self.documents, "document||s"), (self.places, "place||s")))



def _count(number: int, word: str) -> str:
    stem, one, many = word.split("|")
    return f"{number} {stem}{one if number == 1 else many}"


def _date(value) -> str | None:
    """The ISO date (or year, or year-month) a publication date starts with; None when unknown."""
    if not isinstance(value, str):
        return None
    match = _DATE.match(value.strip())
    return match.group(0) if match else None


def _node_label(node: dict) -> str:
    kind = node.get("kind")
    if kind == "entity":
        return str(node.get("name") or node["id"])
    if kind == "quote":
        text = str(node.get("text") or "")
        return text if len(text) <= _QUOTE_LABEL else text[: _QUOTE_LABEL - 1] + "…"
    return str(node.get("title") or node["id"])


def _is_relation(edge: dict, kinds: dict[str, str]) -> bool:
    return (edge.get("type") not in _LINK_TYPES
            and kinds.get(edge["source"]) == "entity" and kinds.get(edge["target"]) == "entity")


def view_data(graph: dict, *, title: str | None = None) -> dict:
    """The page's data from a graph in the contract's JSON shape (``kg build --format json``).

    Entities get ``dates``: the publication dates of the documents that mention them. Relations
    get ``first_seen``/``last_seen`` when the graph has none: the first and last publication date
    of their evidence's documents. Documents are also listed by id, for the evidence panel."""
    nodes = [n for n in graph.get("nodes", []) if isinstance(n, dict) and "id" in n]
    edges = [e for e in graph.get("edges", []) if isinstance(e, dict) and "source" in e and "target" in e]
    kinds = {n["id"]: n.get("kind") or "entity" for n in nodes}
    documents = {
        n["id"]: {k: n[k] for k in ("title", "published", "url", "source") if n.get(k)}
        for n in nodes if kinds[n["id"]] == "document"
    }
    published = {doc: _date(info.get("published")) for doc, info in documents.items()}
    entity_dates: dict[str, set[str]] = {}
    for edge in edges:
        if edge.get("type") == "MENTIONS" and published.get(edge["source"]):
            entity_dates.setdefault(edge["target"], set()).add(published[edge["source"]])

    out_nodes = []
    for node in nodes:
        item = dict(node)
        item["kind"] = kinds[node["id"]]
        item["label"] = _node_label(node)
        if node["id"] in entity_dates:
            item["dates"] = sorted(entity_dates[node["id"]])
        out_nodes.append(item)

    out_edges = []
    for edge in edges:
        item = dict(edge)
        item.setdefault("id", f"{edge['source']}-[{edge.get('type', '')}]->{edge['target']}")
        item["kind"] = "relation" if _is_relation(edge, kinds) else "link"
        if item["kind"] == "relation":
            seen = sorted(d for d in (published.get(e.get("doc")) for e in edge.get("evidence") or []
                                      if isinstance(e, dict)) if d)
            first, last = _date(edge.get("first_seen")), _date(edge.get("last_seen"))
            item["first_seen"] = first or (seen[0] if seen else None)
            item["last_seen"] = last or (seen[-1] if seen else first)
        out_edges.append(item)

    return {
        "title": title or "kg graph",
        "nodes": out_nodes,
        "edges": out_edges,
        "documents": documents,
    }


def summarise(data: dict) -> ViewSummary:
    """Counts of a ``view_data`` result, as the page shows them with nothing filtered out."""
    nodes = data["nodes"]
    return ViewSummary(
        entities=sum(1 for n in nodes if n["kind"] == "entity"),
        relations=sum(1 for e in data["edges"] if e["kind"] == "relation"),
        documents=len(data["documents"]),
        places=sum(1 for n in nodes if n["kind"] == "entity" and _coordinates(n)),
    )


def _coordinates(node: dict) -> bool:
    lat, lon = node.get("lat"), node.get("lon")
    return (isinstance(lat, (int, float)) and isinstance(lon, (int, float))
            and -90 <= lat <= 90 and -180 <= lon <= 180)


def _resource(*parts: str) -> str:
    return resources.files("kg").joinpath("data", *parts).read_text(encoding="utf-8")


def _script_json(data: dict) -> str:
    # Inside <script type="application/json"> only "</script" or "<!--" could end the block
    # early; JSON allows "\u003c" for "<" anywhere in a string, and "<" appears nowhere else.
    try:
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except ValueError:  # NaN or infinity (Python's json reads them): the browser's JSON has no such numbers
        text = json.dumps(_finite(data), ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c")


def _finite(value):
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def render_html(graph: dict, *, title: str | None = None) -> str:
    """The whole page as text: template, styles, vendored scripts, the view's script, the data."""
    return _page(view_data(graph, title=title))


def _page(data: dict) -> str:
    vendor = "\n".join(
        f"<script>\n{_SOURCE_MAP.sub('', _resource('js', name))}\n</script>" for name in VENDORED_SCRIPTS
    )
    parts = {
        "title": html.escape(data["title"]),
        "css": _resource("view", "view.css"),
        "vendor": vendor,
        "app": _resource("view", "view.js"),
        "data": _script_json(data),
    }
    # One pass: text put in (a sentence, a script) is never searched for placeholders again.
    return _PLACEHOLDER.sub(lambda m: parts[m.group(1)], _resource("view", "view.html"))


def write_html(graph: dict, path: str | Path, *, title: str | None = None) -> ViewSummary:
    """Write the page for ``graph`` (the contract's JSON shape) to ``path``, atomically."""
    data = view_data(graph, title=title)
    text = _page(data)
    with atomic_writer(path, errors=SURROGATES_AS_FFFD) as stream:
        stream.write(text)
    return summarise(data)
