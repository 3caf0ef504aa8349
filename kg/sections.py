"""Long documents a section at a time, so memory stays flat in document size.

``extract_bounded`` is ``kg.extraction.extract_batch`` for any batch: documents up to
``SECTION_CHARS`` characters go as they are; a longer one is cut into sections at paragraph, then
line, then sentence boundaries (``kg.nlp.split_text``), each section is extracted on its own (its
parsed Docs exist only while it is extracted), and the sections' entities are merged as the
documents of a corpus are (shared full names; ``kg.extract.resolve.resolve_across``), with every
offset moved back into the whole document's text. What a long document costs is then the
memory of one section plus its plain results, whatever its length.
"""
from __future__ import annotations

import pickle
import sys
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from .types import Document, Entity, Extraction, Mention, Quote, Relation

if TYPE_CHECKING:
    from .extraction import ExtractionSettings

__all__ = ["SECTION_CHARS", "extract_bounded", "sections", "extract_long"]

SECTION_CHARS = 200_000


def extract_bounded(documents: Sequence[Document], settings: ExtractionSettings) -> list[Extraction]:
    """One Extraction per document, in order, long documents a section at a time."""
    from .extraction import extract_batch

    results: list[Extraction] = []
    run: list[Document] = []
    for document in documents:
        if len(document.text) <= SECTION_CHARS:
            run.append(document)
            continue
        if run:
            results.extend(extract_batch(run, settings))
            run = []
        results.append(extract_long(document, settings))
    if run:
        results.extend(extract_batch(run, settings))
    return results


def sections(document: Document, size: int = SECTION_CHARS) -> Iterator[tuple[int, Document]]:
    """``(offset, section)`` pairs: the document's text cut at natural breaks into pieces of at
    most ``size`` characters, each a Document with the same id and metadata and its part of the
    body. Sections holding no body text are left out. Made one at a time: the sections of a long
    text, held together, would be a second copy of it."""
    from .nlp import analysed_text, text_cuts

    cuts = text_cuts(analysed_text(document), size)
    for offset, end in cuts:
        body = None
        if document.body is not None:
            body = tuple((max(s, offset) - offset, min(e, end) - offset)
                         for s, e in document.body if s < end and e > offset)
            if not body:
                continue
        yield offset, replace(document, text=document.text[offset:end], body=body)


def extract_long(document: Document, settings: ExtractionSettings, *, size: int = SECTION_CHARS) -> Extraction:
    """The Extraction of one long document, made section by section. While the sections are
    parsed, each finished one is kept packed (pickled, compressed), beside what the merge of
    the sections reads of it (``_resolution_view``); the merge unpacks one section at a time."""
    from .extract.resolve import resolve_across
    from .extraction import extract_batch
    from .graph import localise

    packed: list[bytes | None] = []
    views: list[tuple[str, tuple[Entity, ...]]] = []
    shared: dict[tuple[str, str, str], Mention] = {}
    for index, (offset, section) in enumerate(sections(document, size)):
        [found] = extract_batch([section], settings)  # its Docs are gone when this returns
        part = _moved(found, offset, pseudo_id=f"{document.id}#section-{index}")
        views.append((part.document.id, tuple(_resolution_view(e, shared) for e in part.entities)))
        packed.append(zlib.compress(pickle.dumps(part, protocol=pickle.HIGHEST_PROTOCOL), 1))
        del found, section, part
        _give_back_memory()  # what parsing the section took, before the next one takes it again
    resolution = resolve_across(views, known=settings.known)
    del views, shared
    by_id = {e.id: e for e in resolution.entities}
    entities: dict[str, Entity] = {}
    mentions: dict[str, list[Mention]] = {}
    relations: list[Relation] = []
    quotes: list[Quote] = []
    for index, data in enumerate(packed):
        packed[index] = None  # one section unpacked at a time
        local = localise(pickle.loads(zlib.decompress(data)), resolution, by_id=by_id)
        relations.extend(local.relations)
        quotes.extend(local.quotes)
        for entity in local.entities:
            mentions.setdefault(entity.id, []).extend(entity.mentions)
            previous = entities.get(entity.id)
            if previous is None:
                entities[entity.id] = replace(entity, mentions=())
                continue
            aliases = tuple(sorted({*previous.aliases, *entity.aliases, entity.name} - {previous.name}))
            merged = previous.merged_from + tuple(m for m in entity.merged_from if m not in previous.merged_from)
            entities[entity.id] = replace(previous, aliases=aliases, merged_from=merged)  # keeps its place link
    merged_entities = tuple(
        replace(entity, mentions=tuple(sorted(set(mentions.pop(entity_id)), key=lambda m: (m.start, m.end))))
        for entity_id, entity in sorted(entities.items())
    )
    stats = {"boilerplate_chars": document.boilerplate_chars, "sections": len(packed)}
    return Extraction(document, merged_entities, tuple(relations), stats, tuple(quotes))


def _resolution_view(entity: Entity, shared: dict[tuple[str, str, str], Mention]) -> Entity:
    """What merging the sections reads of a section's entity: all of it but its mentions, of
    which only the names' texts count (as in ``resolve_across``'s names and type votes); equal
    ones are one object, so a long document's hundreds of thousands of mentions are not held
    twice while it is parsed."""
    names = tuple(shared.setdefault((m.text, m.type, m.entity), replace(m, start=0, end=0))
                  for m in entity.mentions if m.kind == "name")
    return replace(entity, mentions=names)


def _give_back_memory() -> None:
    """Return freed heap memory to the system (glibc keeps it otherwise, and a long document's
    sections would leave the small objects they keep scattered over the parser's old pages)."""
    global _TRIM
    if _TRIM is None:
        try:
            import ctypes

            _TRIM = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _TRIM = False
    if _TRIM:
        _TRIM(0)


_TRIM = None


def _moved(extraction: Extraction, offset: int, *, pseudo_id: str) -> Extraction:
    """A section's extraction with offsets in the whole text, under an id of its own (for the
    merge; evidence keeps the document's id). Mention texts are interned: a long document names
    the same few thousand entities hundreds of thousands of times."""
    entities = tuple(
        replace(e, mentions=tuple(replace(m, start=m.start + offset, end=m.end + offset, text=sys.intern(m.text))
                                  for m in e.mentions))
        for e in extraction.entities
    )
    relations = tuple(
        replace(r, evidence=replace(r.evidence, start=r.evidence.start + offset, end=r.evidence.end + offset))
        for r in extraction.relations
    )
    quotes = tuple(replace(q, start=q.start + offset, end=q.end + offset) for q in extraction.quotes)
    return Extraction(replace(extraction.document, id=pseudo_id, text=""), entities, relations, extraction.stats, quotes)
