"""Which load said what: the per-load record that lets a Neo4j database take a load out again.

Each ``kg load`` writes a whole graph's view of an entity or a relation edge (its name, aliases,
``merged_from``, confidence, sources, ...). To undo exactly one load, every entity and relation
edge keeps, in ``kg_provenance``, one *contribution* per load that touched it: what that load's
graph file said, tagged with the documents that supported it there (those that mention the
entity or cite the edge). The visible properties are always recomputed from the contributions
(``entity_properties``, ``relation_properties``): lists are unions in load order, counts and
confidence the highest, ``first_seen`` the earliest and ``last_seen`` the latest, anything else
the latest load's value. Loading the same graph again replaces its contribution (same
documents), so a second load changes nothing. Removing documents (``without_documents``) takes
them out of every tag; a contribution left with no document goes, and one that lost some keeps
its words but not its counts (they counted the removed documents too). So after loads A and B
and the removal of A's documents, what is left is exactly what a load of B alone writes.

Pure functions over plain dicts: the Neo4j sink reads the stored properties, calls these, and
writes the result back in the same transaction.
"""
from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

__all__ = [
    "PROVENANCE",
    "LOCK",
    "contribution",
    "entity_properties",
    "relation_properties",
    "count_floors",
    "without_documents",
    "contributions_of",
]

PROVENANCE = "kg_provenance"  # a list of JSON texts, one per contribution
LOCK = "kg_lock"  # set while a transaction reads and rewrites a node or edge (its write lock)

# Numbers a graph file states as "at least" (it may have counted more than it lists).
_FLOORS = ("mentions", "documents", "weight")
_HIGHEST = frozenset({"confidence", "last_seen", *_FLOORS})
_LOWEST = frozenset({"first_seen"})
_EVIDENCE = ("evidence_docs", "evidence_sentences", "evidence_starts", "evidence_ends")


def _canonical(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str)


def contribution(docs: Iterable[str], props: Mapping[str, Any]) -> str:
    """One load's word on an entity or edge, as stored: JSON text, canonical, so the same load
    gives the same text. ``props`` are the graph file's values (lists and maps as they are)."""
    return _canonical({"docs": sorted(set(docs)), "props": dict(props)})


def contributions_of(stored: Mapping[str, Any]) -> list[dict] | None:
    """The contributions kept on a stored node or edge; None when it has no record (written by a
    kg before this one), an empty list when every contribution has gone."""
    texts = stored.get(PROVENANCE)
    if texts is None:
        return None
    found = []
    for text in texts:
        try:
            item = json.loads(text)
        except (TypeError, ValueError):
            continue  # not kg's: ignored rather than fatal
        if isinstance(item, dict) and isinstance(item.get("props"), dict):
            found.append(item)
    return found


def _with(contributions: list[dict] | None, new: str) -> list[str]:
    """The stored texts with ``new`` in: in the place of one with the same documents (the same
    load again, or the same documents re-extracted), else last."""
    texts = [_canonical(c) for c in contributions or []]
    tag = json.loads(new)["docs"]
    for index, item in enumerate(contributions or []):
        if item.get("docs") == tag:
            texts[index] = new
            return texts
    return [*texts, new]


def _legacy(stored: Mapping[str, Any], keys: Iterable[str]) -> str:
    """A contribution standing for what a node or edge written before provenance holds: it names
    no document, so no removal takes it away."""
    return contribution((), {k: v for k, v in stored.items() if k in keys})


def _merged(contributions: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """The properties the contributions say together (oldest first)."""
    merged: dict[str, Any] = {}
    for item in contributions:
        for key, value in item["props"].items():
            if value is None:
                continue
            if key not in merged:
                merged[key] = list(value) if isinstance(value, list) else value
            elif isinstance(value, list) and isinstance(merged[key], list):
                seen = {_canonical(v) for v in merged[key]}
                merged[key] += [v for v in value if _canonical(v) not in seen]
            elif key in _HIGHEST and _comparable(merged[key], value):
                merged[key] = max(merged[key], value)
            elif key in _LOWEST and _comparable(merged[key], value):
                merged[key] = min(merged[key], value)
            else:
                merged[key] = value
    return merged


def _comparable(a: Any, b: Any) -> bool:
    numbers = (int, float)
    return (isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool)) \
        or (isinstance(a, str) and isinstance(b, str))


def count_floors(contributions: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    """The highest ``mentions``, ``documents`` and ``weight`` any contribution states (0 if none)."""
    floors = dict.fromkeys(_FLOORS, 0)
    for item in contributions:
        for key in _FLOORS:
            value = item["props"].get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                floors[key] = max(floors[key], value)
    return floors


def entity_properties(
    stored: Mapping[str, Any] | None, *, entity_id: str, docs: Iterable[str], props: Mapping[str, Any],
    to_value: Any,
) -> dict[str, Any]:
    """Every property of an entity after a load adds its contribution (``props``: the graph
    file's fields, aliases and counts included). ``stored``: the entity's properties now (None or
    only ``id``/``kg_lock`` when new). ``to_value`` turns a graph value into a Neo4j value.
    ``mentions`` and ``documents`` are the floors; the count step raises them to what the
    database's MENTIONS edges show."""
    stored = dict(stored or {})
    stored.pop(LOCK, None)
    kept = contributions_of(stored)
    if kept is None and set(stored) - {"id"}:
        kept = [json.loads(_legacy(stored, set(stored) - {"id", "mentions", "documents"}))]
    texts = _with(kept, contribution(docs, props))
    return _entity_from(entity_id, texts, to_value=to_value, counts=None)


def _entity_from(entity_id: str, texts: list[str], *, to_value: Any, counts: Mapping[str, int] | None) -> dict[str, Any]:
    contributions = [json.loads(text) for text in texts]
    merged = _merged(contributions)
    floors = count_floors(contributions)
    result = {key: to_value(value) for key, value in merged.items()
              if key not in _FLOORS and not (isinstance(value, list) and not value)}
    result["aliases"] = [str(a) for a in merged.get("aliases") or []]
    for key in ("mentions", "documents"):
        result[key] = max(floors[key], (counts or {}).get(key, 0))
    result["id"] = entity_id
    result[PROVENANCE] = texts
    return result


def relation_properties(
    stored: Mapping[str, Any] | None, *, row: Mapping[str, Any], to_value: Any,
) -> tuple[dict[str, Any], int]:
    """Every property of a relation edge after a load adds ``row`` (kg.sinks.neo4j's relation
    row: evidence as four parallel lists, label, confidence, weight, documents, other fields in
    ``raw``), and how many evidence sentences were new. Evidence already there (same document,
    start and end) is not added twice."""
    stored = dict(stored or {})
    stored.pop(LOCK, None)
    kept = contributions_of(stored)
    if kept is None and set(stored) - {"id"}:
        kept = [json.loads(_legacy(stored, set(stored) - {"id", *_EVIDENCE, *_FLOORS}))]
    evidence = [list(stored.get(key) or []) for key in _EVIDENCE]
    have = set(zip(evidence[0], evidence[2], evidence[3]))
    fresh = 0
    for doc, sentence, start, end in zip(*(row[key] for key in _EVIDENCE)):
        if (doc, start, end) not in have:
            have.add((doc, start, end))
            for column, value in zip(evidence, (doc, sentence, start, end)):
                column.append(value)
            fresh += 1
    props = {**row["raw"], "label": row["label"], "confidence": row["confidence"],
             "weight": row["weight"], "documents": row["documents"]}
    texts = _with(kept, contribution(row["evidence_docs"], props))
    return _relation_from(row["id"], texts, evidence, to_value=to_value), fresh


def _relation_from(edge_id: str, texts: list[str], evidence: list[list], *, to_value: Any) -> dict[str, Any]:
    contributions = [json.loads(text) for text in texts]
    merged = _merged(contributions)
    floors = count_floors(contributions)
    result = {key: to_value(value) for key, value in merged.items()
              if key not in _FLOORS and not (isinstance(value, list) and not value)}
    result.update(zip(_EVIDENCE, evidence))
    result["weight"] = max(floors["weight"], len(evidence[0]))
    result["documents"] = max(floors["documents"], len(set(evidence[0])))
    result["id"] = edge_id
    result[PROVENANCE] = texts
    return result


def without_documents(
    stored: Mapping[str, Any], removed: Iterable[str], *, kind: str, to_value: Any,
    counts: Mapping[str, int] | None = None,
) -> dict[str, Any] | None:
    """A stored entity's (``kind="entity"``) or relation edge's (``"relation"``) properties once
    ``removed`` documents are gone; None for an edge left without evidence. ``counts``: an
    entity's mentions and documents as the database's remaining MENTIONS edges show them. A node
    or edge written before provenance keeps its words (nothing says which load gave them); only
    its evidence and counts change."""
    gone = set(removed)
    stored = dict(stored)
    stored.pop(LOCK, None)
    kept = contributions_of(stored)
    if kind == "relation":
        evidence = [list(stored.get(key) or []) for key in _EVIDENCE]
        keep = [i for i, doc in enumerate(evidence[0]) if doc not in gone]
        if not keep:
            return None
        evidence = [[column[i] for i in keep] for column in evidence]
        if kept is None:
            return {**stored, **dict(zip(_EVIDENCE, evidence)), "weight": len(keep),
                    "documents": len({evidence[0][i] for i in range(len(keep))})}
        return _relation_from(stored["id"], _shrunk(kept, gone), evidence, to_value=to_value)
    if kept is None:
        if counts and counts.get("documents"):
            return {**stored, **counts}
        return stored
    texts = _shrunk(kept, gone)
    if not texts:  # nothing vouches for its words any more: counts only
        return {**stored, PROVENANCE: [], **(counts or {})}
    return _entity_from(stored["id"], texts, to_value=to_value, counts=counts)


def _shrunk(contributions: list[dict], gone: set[str]) -> list[str]:
    """Contributions without the ``gone`` documents: one left with none goes; one that lost some
    loses its counts (they included the documents that went)."""
    texts = []
    for item in contributions:
        docs = item.get("docs") or []
        left = [d for d in docs if d not in gone]
        if docs and not left:
            continue
        props = item["props"]
        if len(left) < len(docs):
            props = {k: v for k, v in props.items() if k not in _FLOORS}
        texts.append(contribution(left, props))
    return texts
