"""One document's stages, in order: parsed chunks -> mentions -> entities (resolve) -> relations,
quotations.

This is kg's map step: a pure function of the document, the model, the schema, the known
entities and the relation model, run in this process, in worker processes (kg.workers) or on a
cluster (kg.distributed). It imports nothing that imports it.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from .extract.resolve import KnownEntity, resolve_document
from .extract.schema import Schema
from .nlp import Chunk, analysed_text, load_model, memory_zone, parse
from .types import Document, Evidence, Extraction, Mention

__all__ = ["ExtractionSettings", "extract_document", "extract_batch", "document_stages"]


@dataclass(frozen=True, slots=True)
class ExtractionSettings:
    """Everything the map step needs besides the documents: shipped once to each worker process
    or cluster node, which loads the model itself (once per process)."""

    model: str
    schema: Schema
    known: tuple[KnownEntity, ...] = ()
    batch_size: int = 32
    # "default": the model shipped with kg; a path: a model of `kg train`; None: rules alone
    relation_model: str | None = "default"
    min_confidence: float = 0.0


def extract_document(
    document: Document,
    chunks: Sequence[Chunk],
    *,
    schema: Schema,
    known: Sequence[KnownEntity] = (),
    relation_model: str | None = None,
    min_confidence: float = 0.0,
) -> Extraction:
    """The map step: one parsed document -> its entities and relations. With a relation model,
    the model decides the relation types it was trained on (see kg.extract.model)."""
    entities, analysed, per_chunk = document_stages(document, chunks, schema=schema, known=known)
    relations = []
    for chunk, mentions, found in per_chunk:
        if relation_model is not None:
            found = _decided(chunk, mentions, found, schema, relation_model, doc_id=document.id)
        relations.extend(r for r in found if r.confidence >= min_confidence)
    stats = {"boilerplate_chars": document.boilerplate_chars}
    sentences: dict[tuple[int, int], str] = {}  # the relations of one sentence share its text
    relations = [replace(r, evidence=_trimmed(r.evidence, document.text, analysed, sentences)) for r in relations]
    from .extract.quotes import find_quotes  # reads the same parse: no second one

    quotes = find_quotes(analysed, [chunk for chunk, _, _ in per_chunk], entities, lexicon=schema.lexicon)
    return Extraction(document, entities, tuple(relations), stats, quotes)


def document_stages(document: Document, chunks: Sequence[Chunk], *, schema: Schema, known: Sequence[KnownEntity] = ()):
    """Mentions, entities and the rules' relations of one parsed document: (entities, the
    analysed text, [(chunk, its outermost mentions, the rules' relations in it)]). What the
    relation model reads, at run time and when it is trained."""
    # Here, not at the top: these read spaCy's Docs and import spaCy, which a run answered from
    # the cache never needs.
    from .extract.mentions import find_mentions
    from .extract.relations import find_relations

    names, refs = find_mentions(chunks)
    subjects, examples = _mention_roles(chunks, names)
    sentence_starts = sorted(sent.start_char + c.offset for c in chunks for sent in c.doc.sents)
    analysed = analysed_text(document)
    entities = resolve_document(
        document.id, analysed, names, refs,
        known=known, subjects=subjects, sentence_starts=sentence_starts, examples=examples,
    )
    mentions = sorted((m for e in entities for m in e.mentions), key=lambda m: (m.start, m.end))
    per_chunk = []
    for chunk in chunks:
        inside = _outermost([m for m in mentions if chunk.offset <= m.start and m.end <= chunk.end])
        per_chunk.append((chunk, inside, find_relations(chunk.doc, inside, schema, doc_id=document.id, offset=chunk.offset)))
    return entities, analysed, per_chunk


def _decided(chunk: Chunk, mentions: Sequence[Mention], rule_relations, schema: Schema, relation_model: str, *, doc_id: str):
    from .extract.features import candidates
    from .extract.model import decide_relations, load_relation_model, longest_names

    model = load_relation_model(relation_model)
    pairs = candidates(chunk.doc, mentions, rule_relations, schema, offset=chunk.offset)
    return decide_relations(pairs, rule_relations, model, schema, doc_id=doc_id, names=longest_names(mentions))


def _trimmed(evidence: Evidence, text: str, analysed: str, sentences: dict[tuple[int, int], str]) -> Evidence:
    """Evidence offsets without the blanked furniture or spaces a parsed sentence may start or
    end with, so ``text[start:end]`` is the sentence. ``sentences``: the text of each sentence
    span met so far, shared by the relations it states."""
    piece = analysed[evidence.start:evidence.end]
    start = evidence.start + len(piece) - len(piece.lstrip())
    end = evidence.end - (len(piece) - len(piece.rstrip()))
    if end <= start:
        return evidence
    sentence = sentences.get((start, end))
    if sentence is None:
        sentence = text[start:end] if text[start:end] == analysed[start:end] else analysed[start:end]
        sentences[start, end] = sentence
    return replace(evidence, sentence=sentence, start=start, end=end)


def _outermost(mentions: Sequence[Mention]) -> list[Mention]:
    """Mentions not nested inside another (a place inside an institution's name is a mention of
    the place, but relations are read between whole names)."""
    kept: list[Mention] = []
    reach = -1
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.end <= reach and kept and (kept[-1].start, kept[-1].end) != (mention.start, mention.end):
            continue
        kept.append(mention)
        reach = max(reach, mention.end)
    return sorted(kept, key=lambda m: (m.start, m.end))


def _mention_roles(chunks: Sequence[Chunk], mentions: Iterable[Mention]) -> tuple[frozenset[int], frozenset[int]]:
    """Start offsets of the mentions that are grammatical subjects, and of those given as
    examples ("retailers such as X", "firms like X", "including X"): both matter to salience."""
    subjects, examples = set(), set()
    for mention in mentions:
        chunk = next((c for c in chunks if c.offset <= mention.start < c.end), None)
        if chunk is None:
            continue
        span = chunk.doc.char_span(mention.start - chunk.offset, mention.end - chunk.offset, alignment_mode="expand")
        if span is None or not len(span):
            continue
        if _given_as_example(span.root):
            examples.add(mention.start)
        elif span.root.dep_ in {"nsubj", "nsubjpass"}:
            subjects.add(mention.start)
    return frozenset(subjects), frozenset(examples)


def _given_as_example(token) -> bool:
    while token.dep_ == "conj" and token.head.i != token.i:  # "such as X and Y": Y too
        token = token.head
    if token.dep_ == "nsubj" and token.head.dep_ == "pcomp":  # "such as X dropping ..."
        token = token.head
    if token.dep_ not in {"pobj", "pcomp"}:
        return False
    prep = token.head
    word = prep.lower_
    return (word == "as" and any(c.lower_ == "such" for c in prep.children)) or (
        word == "like" and prep.head.pos_ in {"NOUN", "PROPN"}) or word == "including"


def extract_batch(documents: Sequence[Document], settings: ExtractionSettings) -> list[Extraction]:
    """The map over a batch of documents, in one process: parse, then extract each document.
    Parsed Docs exist only inside this call, in a spaCy memory zone, so the vocabulary of a long
    run does not keep every word it ever met; only the plain Extractions leave."""
    nlp = load_model(settings.model)
    with memory_zone(nlp):
        return [
            extract_document(document, chunks, schema=settings.schema, known=settings.known,
                             relation_model=settings.relation_model, min_confidence=settings.min_confidence)
            for document, chunks in parse(nlp, documents, batch_size=settings.batch_size)
        ]
