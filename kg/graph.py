"""The merged graph: per-document extractions reduced into one networkx ``MultiDiGraph``.

Nodes are entities and documents; edges are relations (one edge per subject, type and object,
with the evidence of every document that states it), ``MENTIONS`` (document -> entity) and
``NEAR_DUPLICATE_OF`` (document -> document). The reduce is deterministic: the same
extractions in any order give the same graph.
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from hashlib import blake2b

import networkx as nx
import numpy as np

from .extract.resolve import GlobalResolution, KnownEntity, resolve_across
from .types import Document, Entity, Extraction, Merge, Relation

__all__ = [
    "MENTIONS",
    "NEAR_DUPLICATE_OF",
    "NearDuplicate",
    "NearDuplicateFinder",
    "near_duplicates",
    "build_graph",
    "relation_edge_id",
    "localise",
    "add_quotes",
]

MENTIONS = "MENTIONS"
SAID = "SAID"
NEAR_DUPLICATE_OF = "NEAR_DUPLICATE_OF"
_WORD = re.compile(r"\w+")
_SHINGLE = 2  # word bigrams: a rewrite keeps many, unrelated stories share almost none
_NUM_PERM = 128
_EXACT_UP_TO = 64  # documents; above this, MinHash LSH proposes the pairs to compare
# MinHash as datasketch computes it (universal hashing modulo the Mersenne prime 2**61 - 1, seed 1),
# over the shingles' own 64-bit hashes: importing datasketch pulls in scipy, half a second of a
# short build. LSH bands and rows for the default threshold, as datasketch.lsh._optimal_param(0.12,
# 128, 0.5, 0.5) gives them (tests/test_graph.py checks it); another threshold asks datasketch.
_MERSENNE_PRIME = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_DEFAULT_BANDS = {0.12: (64, 2)}


@dataclass(frozen=True, slots=True)
class NearDuplicate:
    source: str  # a later member of a cluster points at the cluster's earliest document
    target: str
    similarity: float


def _hashed_shingles(text: str) -> np.ndarray:
    """The word bigrams of ``text`` as sorted, distinct 64-bit hashes (blake2b: the same in every
    process), made a word at a time: a 16 MB text costs 8 bytes a bigram, never a set of strings.
    A tenth of the memory of the strings, and exact Jaccard by one sorted intersection (two
    bigrams share a hash once in 2^64)."""
    def hashes() -> Iterator[int]:
        previous = None
        for match in _WORD.finditer(text):
            word = match.group(0).lower()
            if previous is not None:
                yield int.from_bytes(blake2b(f"{previous} {word}".encode("utf-8", "surrogatepass"),
                                             digest_size=8).digest(), "little")
            previous = word

    return np.unique(np.fromiter(hashes(), dtype=np.uint64))


def minhash_permutations(count: int, *, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The (a, b) pairs of ``count`` universal hash functions, drawn as datasketch draws them."""
    generator = np.random.RandomState(seed)
    pairs = [(generator.randint(1, _MERSENNE_PRIME, dtype=np.uint64), generator.randint(0, _MERSENNE_PRIME, dtype=np.uint64))
             for _ in range(count)]
    a, b = np.array(pairs, dtype=np.uint64).T
    return a, b


def minhash_signature(hashed: np.ndarray, permutations: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """The MinHash signature of a set of 64-bit hashes (their low 32 bits), one value per
    permutation."""
    a, b = permutations
    signature = np.full(a.shape, _MAX_HASH, dtype=np.uint64)
    for start in range(0, hashed.size, _SIGNATURE_BLOCK):  # blocks: a long text's shingles times 128 is gigabytes
        values = (hashed[start:start + _SIGNATURE_BLOCK] & _MAX_HASH).reshape(-1, 1)
        np.minimum(signature, np.bitwise_and((values * a + b) % _MERSENNE_PRIME, _MAX_HASH).min(axis=0), out=signature)
    return signature


_SIGNATURE_BLOCK = 4096


def lsh_bands(threshold: float, count: int = _NUM_PERM) -> tuple[int, int]:
    """(bands, rows) of an LSH index over ``count`` permutations for a Jaccard ``threshold``."""
    if count == _NUM_PERM and round(threshold, 6) in _DEFAULT_BANDS:
        return _DEFAULT_BANDS[round(threshold, 6)]
    from datasketch.lsh import _optimal_param

    return _optimal_param(threshold, count, 0.5, 0.5)


def _jaccard(a: np.ndarray, b: np.ndarray) -> float:
    shared = np.intersect1d(a, b, assume_unique=True).size
    return shared / (a.size + b.size - shared)


def _body(document: Document) -> str:
    return " ".join(document.text[s:e] for s, e in document.body_spans())


def near_duplicates(documents: Iterable[Document], *, threshold: float = 0.2) -> list[NearDuplicate]:
    """Near-duplicate documents (word-bigram Jaccard similarity at least ``threshold``) in
    clusters, each later member linked to its cluster's earliest document: as many links as
    documents at most, not one per pair (1,000 copies of a brief are 999 links, not 499,500)."""
    finder = NearDuplicateFinder(threshold=threshold)
    for document in documents:
        finder.add(document)
    return finder.pairs()


class NearDuplicateFinder:
    """``near_duplicates`` one document at a time: each document's shingles (and, once the
    corpus is past 64 documents, its MinHash signature) are computed as it arrives, so a build
    does this while it waits for parsing; ``pairs()`` then only compares.

    Clusters grow around their earliest document (by publication date, then id; documents
    without a date after those with one): documents are taken in that order, and each joins the
    most similar earlier cluster whose first document it is similar to (at least ``threshold``),
    else starts a cluster of its own. Up to 64 documents each is compared with every cluster;
    above, MinHash LSH bands propose at most ``max_candidates`` clusters (each band bucket keeps
    at most ``bucket_size`` of them), so time and memory grow linearly with the corpus. The
    result does not depend on the order documents arrive in (of two with one id, the later one
    counts)."""

    def __init__(self, *, threshold: float = 0.2, max_candidates: int = 16, bucket_size: int = 16) -> None:
        self.threshold = threshold
        self.max_candidates = max_candidates
        self.bucket_size = bucket_size
        self._shingles: dict[str, np.ndarray] = {}
        self._order: dict[str, tuple] = {}
        self._signatures: dict[str, np.ndarray] = {}
        self._permutations: tuple[np.ndarray, np.ndarray] | None = None  # drawn once needed

    def add(self, document: Document) -> None:
        self._shingles.pop(document.id, None)
        self._signatures.pop(document.id, None)
        self._order.pop(document.id, None)
        grams = _hashed_shingles(_body(document))
        if grams.size < 5:
            return
        self._shingles[document.id] = grams
        self._order[document.id] = (document.published is None, document.published or "", document.id)
        if self._signatures or len(self._shingles) > _EXACT_UP_TO:
            if not self._signatures:  # the corpus just outgrew comparing every cluster
                for doc_id, earlier in self._shingles.items():
                    self._signatures[doc_id] = self._signature(earlier)
            else:
                self._signatures[document.id] = self._signature(self._shingles[document.id])

    def _signature(self, hashed: np.ndarray) -> np.ndarray:
        if self._permutations is None:
            self._permutations = minhash_permutations(_NUM_PERM, seed=1)
        return minhash_signature(hashed, self._permutations)

    def pairs(self) -> list[NearDuplicate]:
        ids = sorted(self._shingles, key=self._order.__getitem__)
        if len(ids) < 2:
            return []
        banded = len(ids) > _EXACT_UP_TO
        if banded:
            bands, rows = lsh_bands(max(0.05, self.threshold * 0.6))
            buckets: list[dict[bytes, list[str]]] = [{} for _ in range(bands)]
        leaders: list[str] = []
        found = []
        for doc_id in ids:
            grams = self._shingles[doc_id]
            if banded:
                signature = self._signatures[doc_id]
                keys = [signature[band * rows:(band + 1) * rows].tobytes() for band in range(bands)]
                votes: Counter[str] = Counter()
                for band, key in enumerate(keys):
                    votes.update(buckets[band].get(key, ()))
                candidates = [leader for leader, _ in votes.most_common(self.max_candidates)]
            else:
                candidates = leaders
            best, best_similarity = None, self.threshold
            for leader in candidates:
                similarity = _jaccard(grams, self._shingles[leader])
                if similarity >= best_similarity and (best is None or similarity > best_similarity
                                                      or self._order[leader] < self._order[best]):
                    best, best_similarity = leader, similarity
            if best is not None:
                found.append(NearDuplicate(doc_id, best, round(best_similarity, 4)))
                continue
            leaders.append(doc_id)
            if banded:
                for band, key in enumerate(keys):
                    bucket = buckets[band].setdefault(key, [])
                    if len(bucket) < self.bucket_size:
                        bucket.append(doc_id)
        return sorted(found, key=lambda pair: (pair.target, pair.source))


def relation_edge_id(subject: str, relation_type: str, obj: str) -> str:
    return f"{subject}-[{relation_type}]->{obj}"


def localise(extraction: Extraction, resolution: GlobalResolution, *, by_id: Mapping[str, Entity] | None = None) -> Extraction:
    """The extraction with its entity ids replaced by the corpus-wide ids. ``by_id``: the
    resolution's entities by id, when the caller localises many extractions."""
    doc_id = extraction.document.id
    mapping = {e.id: resolution.local_to_global.get((doc_id, e.id), e.id) for e in extraction.entities}
    if by_id is None:
        by_id = {e.id: e for e in resolution.entities}
    entities: dict[str, Entity] = {}
    for entity in extraction.entities:
        global_id = mapping[entity.id]
        merged = by_id.get(global_id)
        # A mention already under its corpus-wide id is kept, not copied: a long document's
        # hundreds of thousands of mentions would otherwise be held twice.
        mentions = tuple(m if m.entity == global_id else replace(m, entity=global_id) for m in entity.mentions)
        if global_id in entities:
            previous = entities[global_id]
            mentions = tuple(sorted({*previous.mentions, *mentions}, key=lambda m: (m.start, m.end)))
            aliases = tuple(sorted({*previous.aliases, entity.name, *entity.aliases} - {previous.name}))
            entities[global_id] = replace(previous, aliases=aliases, mentions=mentions,
                                          merged_from=previous.merged_from + entity.merged_from)
            continue
        name = merged.name if merged else entity.name
        entity_type = merged.type if merged else entity.type
        aliases = tuple(sorted({entity.name, *entity.aliases} - {name}))
        merged_from = entity.merged_from
        if name != entity.name:
            # The corpus named it after another document: the merge that did is on record here too.
            merged_from += tuple(m for m in merged.merged_from if m.doc == doc_id and m.name == entity.name) or (
                Merge(entity.name, "same name in another document", doc_id),)
        # The document's own place link stays its own (kg.extract.places), whatever others say.
        entities[global_id] = replace(entity, id=global_id, name=name, type=entity_type, aliases=aliases,
                                      mentions=mentions, merged_from=merged_from)
    relations = tuple(
        _relabel(r, mapping) for r in extraction.relations
        if mapping.get(r.subject, r.subject) != mapping.get(r.object, r.object)
    )
    quotes = tuple(replace(q, speaker=mapping.get(q.speaker, q.speaker),
                           mentions=tuple(sorted({mapping.get(m, m) for m in q.mentions})))
                   for q in extraction.quotes)
    return Extraction(extraction.document, tuple(sorted(entities.values(), key=lambda e: e.id)), relations,
                      extraction.stats, quotes)


def _relabel(relation: Relation, mapping: dict[str, str]) -> Relation:
    return replace(relation, subject=mapping.get(relation.subject, relation.subject), object=mapping.get(relation.object, relation.object))


def build_graph(
    extractions: Sequence[Extraction],
    *,
    known: Sequence[KnownEntity] = (),
    near_duplicate_threshold: float = 0.2,
    near: Sequence[NearDuplicate] | None = None,
) -> tuple[nx.MultiDiGraph, list[Extraction]]:
    """Reduce extractions into the merged graph. Returns the graph and the extractions with
    corpus-wide entity ids (what ``kg extract`` writes). ``near``: the near-duplicate pairs of
    these documents when already found (``NearDuplicateFinder``), else they are found here."""
    ordered = sorted(extractions, key=lambda x: x.document.id)
    resolution = resolve_across([(x.document.id, x.entities) for x in ordered], known=known)
    by_id = {e.id: e for e in resolution.entities}
    local = [localise(x, resolution, by_id=by_id) for x in ordered]
    graph = nx.MultiDiGraph()
    mention_counts: Counter[str] = Counter()
    document_counts: Counter[str] = Counter()
    for extraction in local:
        for entity in extraction.entities:
            mention_counts[entity.id] += len(entity.mentions)
            document_counts[entity.id] += 1
    for entity in resolution.entities:
        graph.add_node(
            entity.id, kind="entity", name=entity.name, type=entity.type, aliases=list(entity.aliases),
            mentions=mention_counts[entity.id], documents=document_counts[entity.id],
            merged_from=[{"name": m.name, "reason": m.reason, "doc": m.doc} for m in entity.merged_from],
            **_place_properties(entity),
        )
    for extraction in local:
        document = extraction.document
        graph.add_node(
            document.id, kind="document", title=document.title or "", source=document.source or "",
            published=document.published or "", authors=list(document.authors), url=document.url or "",
        )
        for entity in extraction.entities:
            graph.add_edge(
                document.id, entity.id, key=f"{document.id}-[{MENTIONS}]->{entity.id}",
                type=MENTIONS, label="mentions", count=len(entity.mentions),
            )
    _add_relations(graph, local)
    add_quotes(graph, local)
    if near is None:
        near = near_duplicates([x.document for x in local], threshold=near_duplicate_threshold)
    for pair in near:
        graph.add_edge(
            pair.source, pair.target, key=f"{pair.source}-[{NEAR_DUPLICATE_OF}]->{pair.target}",
            type=NEAR_DUPLICATE_OF, label="near duplicate of", similarity=pair.similarity,
        )
    return graph, local


_PLACE_PROPERTIES = ("geonames_id", "country_code", "lat", "lon", "iso_code")


def _place_properties(entity: Entity) -> dict:
    """A place's GeoNames link as node properties, only those it has (kg.extract.places)."""
    return {p: getattr(entity, p) for p in _PLACE_PROPERTIES if getattr(entity, p) is not None}


def _add_relations(graph: nx.MultiDiGraph, extractions: Sequence[Extraction]) -> None:
    grouped: dict[tuple[str, str, str], list[Relation]] = defaultdict(list)
    for extraction in extractions:
        for relation in extraction.relations:
            if relation.negated or relation.modality or relation.subject == relation.object:
                continue  # hedged or denied statements are never the positive fact
            grouped[(relation.subject, relation.type, relation.object)].append(relation)
    dates = {x.document.id: _iso_date(x.document.published) for x in extractions}
    for (subject, relation_type, obj), found in sorted(grouped.items()):
        # A fact stated as current outweighs statements of it as ended; an edge only ever
        # stated as ended is kept, marked past.
        current = [r for r in found if not r.past]
        past = not current
        # Most confident first, so the kept rule and label do not depend on extraction order.
        relations = sorted(current or found, key=lambda r: (-r.confidence, r.evidence.rule, r.label))
        evidence: dict[tuple, dict] = {}
        best: dict[tuple, float] = {}
        for r in relations:
            key = (r.evidence.doc, r.evidence.start, r.evidence.end)
            best[key] = max(best.get(key, 0.0), r.confidence)
            evidence.setdefault(key, {
                "doc": r.evidence.doc, "sentence": r.evidence.sentence,
                "start": r.evidence.start, "end": r.evidence.end, "rule": r.evidence.rule,
            })
        ordered = [evidence[k] for k in sorted(evidence)]
        doubt = 1.0
        for value in best.values():
            doubt *= 1.0 - value
        graph.add_edge(
            subject, obj, key=relation_edge_id(subject, relation_type, obj), type=relation_type,
            label=relations[0].label, weight=len(ordered), documents=len({e["doc"] for e in ordered}),
            confidence=round(1.0 - doubt, 4), evidence=ordered,
            sources=sorted({s for r in relations for s in r.source}), past=past,
            **_seen(dates.get(e["doc"]) for e in ordered),
        )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(published: str | None) -> str | None:
    """The ISO date (YYYY-MM-DD) a publication date starts with, if any."""
    match = _ISO_DATE.match(published or "")
    return match.group(0) if match else None


def _seen(dates: Iterable[str | None]) -> dict[str, str]:
    """``first_seen`` and ``last_seen``: the earliest and latest publication dates among an
    edge's evidence documents, when any of them has one (ISO dates sort as text)."""
    known = sorted({d for d in dates if d})
    return {"first_seen": known[0], "last_seen": known[-1]} if known else {}


def add_quotes(graph: nx.MultiDiGraph, extractions: Sequence[Extraction]) -> None:
    """Quote nodes (one per normalised text, whatever documents carry it), ``SAID`` edges from
    their speakers and ``MENTIONS`` edges to the entities named inside them; every node and edge
    lists the documents and offsets it stands on."""
    quotes: dict[str, dict] = {}
    said: dict[tuple[str, str], list[dict]] = defaultdict(list)
    named: dict[tuple[str, str], set[str]] = defaultdict(set)
    for extraction in extractions:
        doc_id = extraction.document.id
        for quote in extraction.quotes:
            item = {"doc": doc_id, "start": quote.start, "end": quote.end}
            node = quotes.setdefault(quote.id, {"text": quote.text, "quote_kind": quote.kind, "evidence": []})
            if item not in node["evidence"]:
                node["evidence"].append(item)
            if quote.speaker and quote.speaker in graph:
                said[(quote.speaker, quote.id)].append(item)
            for entity in quote.mentions:
                if entity in graph:
                    named[(quote.id, entity)].add(doc_id)
    for quote_id, node in sorted(quotes.items()):
        evidence = sorted(node["evidence"], key=lambda e: (e["doc"], e["start"], e["end"]))
        graph.add_node(quote_id, kind="quote", text=node["text"], quote_kind=node["quote_kind"],
                       documents=sorted({e["doc"] for e in evidence}), evidence=evidence)
    for (speaker, quote_id), evidence in sorted(said.items()):
        evidence = sorted({tuple(e.items()): e for e in evidence}.values(), key=lambda e: (e["doc"], e["start"]))
        seen = _seen(_iso_date(graph.nodes[e["doc"]].get("published")) if e["doc"] in graph else None for e in evidence)
        graph.add_edge(speaker, quote_id, key=f"{speaker}-[{SAID}]->{quote_id}", type=SAID, label="said",
                       weight=len(evidence), documents=len({e["doc"] for e in evidence}), evidence=evidence, **seen)
    for (quote_id, entity), documents in sorted(named.items()):
        graph.add_edge(quote_id, entity, key=f"{quote_id}-[{MENTIONS}]->{entity}", type=MENTIONS,
                       label="mentions", documents=len(documents))
