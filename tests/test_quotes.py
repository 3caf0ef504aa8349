"""Quotations (kg.extract.quotes) on sentences written for each construction, and on the seeds."""
from __future__ import annotations

import pytest

from kg.extract.quotes import quotation_spans, quote_id
from kg.extract.schema import load_schema
from kg.extraction import extract_document
from kg.graph import build_graph
from kg.ingest import read_documents
from kg.nlp import parse
from kg.sinks.json import extraction_record, graph_to_json
from kg.types import Document


@pytest.fixture(scope="module")
def quotes_of(nlp):
    schema = load_schema()

    def run(text: str):
        document = Document("t", text)
        (_, chunks), = list(parse(nlp, [document]))
        extraction = extract_document(document, chunks, schema=schema)
        return [(q.kind, q.speaker, text[q.start:q.end], q.text) for q in extraction.quotes]

    return run


def test_direct_quote_with_curly_marks_and_name(quotes_of):
    text = "\u201cWe will not give up on this town,\u201d Mara Quill said."
    assert quotes_of(text) == [("direct", "person:mara-quill", "We will not give up on this town,",
                                "We will not give up on this town")]


def test_quote_without_verb_takes_the_previous_speaker(quotes_of):
    text = '"We will not give up on this town," Mara Quill said. "The workers deserve better."'
    assert quotes_of(text)[1] == ("direct", "person:mara-quill", "The workers deserve better.",
                                  "The workers deserve better.")


def test_split_quote_is_one_quotation_by_the_pronoun_resolution_chose(quotes_of):
    text = 'Ada Brenn called the plan a mistake. "The plan is dead," she said, "and nobody will revive it."'
    assert quotes_of(text) == [("direct", "person:ada-brenn",
                                'The plan is dead," she said, "and nobody will revive it.',
                                "The plan is dead and nobody will revive it.")]


def test_single_marks_after_a_colon(quotes_of):
    text = "Oren Pell said: 'We have waited long enough for this decision.'"
    assert quotes_of(text) == [("direct", "person:oren-pell", "We have waited long enough for this decision.",
                                "We have waited long enough for this decision.")]


def test_reported_speech_said_and_told(quotes_of):
    assert quotes_of("Mara Quill, the director of Halvern Works, said the plant would close in March.") == [
        ("reported", "person:mara-quill", "the plant would close in March", "the plant would close in March")]
    assert quotes_of("Tomas Vell told reporters that the bridge was unsafe.") == [
        ("reported", "person:tomas-vell", "the bridge was unsafe", "the bridge was unsafe")]


def test_description_speaker_is_the_entity_resolution_tied_it_to(quotes_of):
    text = 'Norland Air Inc. said on Monday that it would cut 200 jobs. "This was a hard decision for everyone," the company said.'
    found = quotes_of(text)
    assert found[0] == ("reported", "organization:norland-air", "it would cut 200 jobs", "it would cut 200 jobs")
    assert found[1][:3] == ("direct", "organization:norland-air", "This was a hard decision for everyone,")


def test_no_speaker_is_kept_unattributed(quotes_of):
    text = '"Nobody here has seen anything like it before," a bystander said.'
    assert quotes_of(text) == [("direct", "", "Nobody here has seen anything like it before,",
                                "Nobody here has seen anything like it before")]


@pytest.mark.parametrize("text", [
    'She starred in "The Long Night of Harrow" last year.',  # a title
    'The so-called "reform" changed nothing for the residents of the valley.',  # scare quotes
    "It isn't the valley's 'best' road, the residents say, and they're right.",
])
def test_not_quotations(quotes_of, text):
    assert [q for q in quotes_of(text) if q[0] == "direct"] == []


def test_spans_run_on_into_the_next_paragraph_and_drop_unclosed():
    text = '"First part of it.\n\n"Second part," he said.\n\n"Never closed\n\nPlain.'
    assert quotation_spans(text) == [((1, 18), (21, 33))]


def test_quote_ids_ignore_marks_case_and_trailing_punctuation():
    assert quote_id("We will win, he knows.") == quote_id("we will win he knows")
    assert quote_id("We will win") != quote_id("We will lose")


def test_seeds(nlp, seeds_dir):
    documents = [d for d in read_documents([str(seeds_dir)]) if isinstance(d, Document)]
    assert len(documents) == 2
    schema = load_schema()
    extractions = [extract_document(d, c, schema=schema) for d, c in parse(nlp, documents)]
    graph, local = build_graph(extractions)
    data = graph_to_json(graph)
    quotes = [n for n in data["nodes"] if n["kind"] == "quote"]
    letter = [q for q in quotes if q["text"].startswith("DHS has harmed") and q["quote_kind"] == "direct"]
    assert len(letter) == 1 and len(letter[0]["documents"]) == 2 and len(letter[0]["evidence"]) == 2
    said = {(e["source"], e["target"]) for e in data["edges"] if e["type"] == "SAID"}
    assert ("person:eugene-kaspersky", letter[0]["id"]) in said
    denial = [q for q in quotes if "help a government with cyber espionage" in q["text"]]
    assert len(denial) == 1 and denial[0]["quote_kind"] == "reported"
    assert ("organization:kaspersky-lab", denial[0]["id"]) in said
    # nothing from the reader comments (they follow the reporting credit) or other furniture
    for extraction in local:
        text = extraction.document.text
        comments = text.find("(Reporting by")
        body = extraction.document.body_spans()
        for quote in extraction_record(extraction)["quotes"]:
            assert any(s <= quote["start"] and quote["end"] <= e for s, e in body), quote["text"]
            assert comments < 0 or quote["end"] < comments, quote["text"]


def test_quotes_in_graphml_are_scalar_and_labelled(nlp, tmp_path):
    from kg.sinks.graphml import read_graphml, write_graphml

    text = '"We will not give up on this town," Mara Quill said.'
    document = Document("t", text)
    (_, chunks), = list(parse(nlp, [document]))
    graph, _ = build_graph([extract_document(document, chunks, schema=load_schema())])
    path = tmp_path / "g.graphml"
    write_graphml(graph, path)
    back = read_graphml(path)
    quote = next(n for n, d in back.nodes(data=True) if d.get("kind") == "quote")
    assert back.nodes[quote]["label"] == "We will not give up on this town"
    assert back.nodes[quote]["quote_kind"] == "direct"
    assert [d["type"] for _, _, d in back.in_edges(quote, data=True)] == ["SAID"]


def test_quote_without_verb_takes_the_speaker_of_the_sentence_before(quotes_of):
    text = 'Lena Ostrow also said the plan had failed. "We warned the council about this for years."'
    assert quotes_of(text)[-1] == ("direct", "person:lena-ostrow", "We warned the council about this for years.",
                                   "We warned the council about this for years.")


def test_quote_without_verb_or_speaker_nearby_stays_unattributed(quotes_of):
    text = 'The hall was full.\n\n"We warned the council about this for years."'
    assert quotes_of(text) == [("direct", "", "We warned the council about this for years.",
                                "We warned the council about this for years.")]
