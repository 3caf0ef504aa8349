"""Streaming (real model): documents are read as the run goes, parsed Docs live only inside a
spaCy memory zone, and a document longer than spaCy's max_length (over 1,000,000 characters) is
parsed in pieces whose mentions and evidence still point at the right text."""
from __future__ import annotations

import pytest

from kg.extract.schema import load_schema
from kg.nlp import analysed_text, model_name, split_text
from kg.extraction import ExtractionSettings, extract_batch
from kg.pipeline import BuildOptions, build, extract
from kg.types import Document

pytestmark = pytest.mark.model

FIRST = ["Helena", "Marcus", "Ingrid", "Tobias", "Amara", "Viktor", "Leila", "Oskar"]
LAST = ["Varga", "Lindqvist", "Okonkwo", "Brandt", "Moreau", "Castell", "Novak", "Heller"]
ORGS = ["Quillstone Robotics", "Ambrel Group", "Pavex Energy", "Corvane Biotech", "Tessaro Shipping"]
CITIES = ["Graz", "Vienna", "Lyon", "Basel", "Leeds", "Oslo", "Porto", "Krakow"]


def _paragraph(index: int) -> str:
    person = f"{FIRST[index % len(FIRST)]} {LAST[(index * 3) % len(LAST)]}"
    org = ORGS[index % len(ORGS)]
    city = CITIES[(index * 5) % len(CITIES)]
    return (
        f"{person} joined {org} in {city} last spring. {org} is based in {city}, "
        f"and {person.split()[1]} said the move was overdue."
    )


def _check_offsets(document: Document, extractions) -> int:
    """Every mention and every evidence sentence is the text at its offsets; returns the count."""
    text = document.text
    checked = 0
    for extraction in extractions:
        for entity in extraction.entities:
            for mention in entity.mentions:
                assert text[mention.start:mention.end] == mention.text, mention
                checked += 1
        for relation in extraction.relations:
            evidence = relation.evidence
            assert text[evidence.start:evidence.end] == evidence.sentence, evidence
    return checked


@pytest.mark.slow
def test_a_document_over_a_million_characters_keeps_its_offsets(nlp):
    paragraphs = [_paragraph(i) for i in range(40)]
    # Long runs of blank lines between the paragraphs (as in a badly converted page) make the
    # document huge while keeping the test fast: spaCy reads a run of whitespace as one token.
    gap = "\n\n" + " " * 26_000 + "\n\n"
    text = gap.join(paragraphs)
    assert len(text) > max(1_000_000, nlp.max_length)
    document = Document("huge", text)
    assert len(split_text(analysed_text(document), min(nlp.max_length, 200_000))) >= 5

    result = build([], options=BuildOptions(), documents=[document])
    assert _check_offsets(document, result.extractions) >= 80
    last = paragraphs[-1]
    last_person = last.split(" joined ")[0]
    start = text.rindex(last_person)
    assert start > 900_000
    mentions = {(m.start, m.text) for x in result.extractions for e in x.entities for m in e.mentions}
    assert (start, last_person) in mentions
    # A name met in the first piece and in the last is one entity of the document.
    org = ORGS[0]
    [entity] = [e for e in result.extractions[0].entities if e.name == org]
    assert min(m.start for m in entity.mentions) < 1_000 and max(m.start for m in entity.mentions) > 800_000
    assert any(r.evidence.start > 800_000 for r in result.extractions[0].relations)


def test_cuts_inside_running_text_keep_offsets(nlp, monkeypatch):
    """With a small max_length the text is cut between sentences of one paragraph."""
    text = " ".join(_paragraph(i) for i in range(30))
    monkeypatch.setattr(nlp, "max_length", 800)
    pieces = split_text(text, 800)
    assert len(pieces) >= 5 and "\n" not in text
    document = Document("running", text)
    [extraction] = list(extract([document], options=BuildOptions()))
    assert _check_offsets(document, [extraction]) >= 60
    # Mentions right after every cut were found, at the right place.
    starts = {m.start for e in extraction.entities for m in e.mentions}
    for offset, _ in pieces[1:]:
        next_name = min(s for s in starts if s >= offset)
        assert next_name - offset < 120


def test_documents_are_read_as_the_run_goes(nlp):
    pulled = []

    def documents():
        for index in range(30):
            pulled.append(index)
            yield Document(f"d{index}", _paragraph(index))

    stream = extract(documents(), options=BuildOptions(batch_size=2))
    first = next(stream)
    assert first.document.id == "d0"
    assert len(pulled) <= 8  # a batch or two of batch_size documents, not the corpus
    assert len(list(stream)) == 29


def test_parsed_words_do_not_stay_in_the_vocabulary(nlp):
    settings = ExtractionSettings(model=model_name(None), schema=load_schema())
    extract_batch([Document("warm", _paragraph(0))], settings)  # a process's first batch warms caches
    strings, lexemes = len(nlp.vocab.strings), len(nlp.vocab)
    invented = " ".join(f"Zorblaxian{i}qu" for i in range(300))
    [extraction] = extract_batch([Document("new", f"The Velmorian council met. {invented}.")], settings)
    assert extraction.document.id == "new"
    assert (len(nlp.vocab.strings), len(nlp.vocab)) == (strings, lexemes)
    # Outside a memory zone the same kind of text would have grown both.
    list(nlp.pipe([" ".join(f"Quorbixian{i}zz" for i in range(300))]))
    assert len(nlp.vocab.strings) > strings + 250
