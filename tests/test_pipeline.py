"""The whole pipeline with the real model on the two seed articles, checked against the gold."""
from __future__ import annotations

import json

import pytest

from kg.ids import name_key, without_text_hash
from kg.pipeline import BuildOptions, build
from conftest import SEED_GOLD, SEEDS

pytestmark = pytest.mark.model

GOLD = SEED_GOLD


@pytest.fixture(scope="module")
def seed_build():
    return build([str(SEEDS)], options=BuildOptions())


@pytest.fixture(scope="module")
def gold():
    return [json.loads(line) for line in GOLD.read_text().splitlines() if line.strip()]


def _entity_nodes(graph):
    return {n: d for n, d in graph.nodes(data=True) if d["kind"] == "entity"}


def _names(data):
    return {name_key(n) for n in (data["name"], *data["aliases"])}


def test_every_gold_entity_is_one_node_of_the_right_type(seed_build, gold):
    entities = _entity_nodes(seed_build.graph)
    for record in gold:
        for expected in record["entities"]:
            keys = {name_key(n) for n in (expected["name"], *expected["aliases"])}
            matches = [d for d in entities.values() if _names(d) & keys]
            assert len(matches) == 1, (expected["name"], [d["name"] for d in matches])
            assert matches[0]["type"] == expected["type"], expected["name"]


def test_nothing_from_comments_navigation_or_biography(seed_build, gold):
    entities = _entity_nodes(seed_build.graph)
    every_name = set().union(*(_names(d) for d in entities.values()))
    for record in gold:
        for absent in record["absent_entities"]:
            assert name_key(absent) not in every_name, absent


def test_document_properties_come_from_the_article(seed_build, gold):
    # Gold names the seed files by their stems; kg adds a hash of the text.
    documents = {without_text_hash(n): d for n, d in seed_build.graph.nodes(data=True) if d["kind"] == "document"}
    for record in gold:
        node = documents[record["id"]]
        for field, value in record["document"].items():
            assert node[field] == value, (record["id"], field)


def test_the_two_seeds_are_near_duplicates(seed_build):
    pairs = [
        (u, v, d["similarity"]) for u, v, d in seed_build.graph.edges(data=True) if d["type"] == "NEAR_DUPLICATE_OF"
    ]
    assert len(pairs) == 1
    u, v, similarity = pairs[0]
    assert {without_text_hash(u), without_text_hash(v)} == {"000_4492bc89f768e1dd", "004_82ff1074eb669021"}
    assert 0.0 < similarity <= 1.0


def test_every_relation_edge_carries_evidence_inside_its_document(seed_build):
    texts = {x.document.id: x.document.text for x in seed_build.extractions}
    edges = [d for _, _, d in seed_build.graph.edges(data=True) if d["type"] not in {"MENTIONS", "NEAR_DUPLICATE_OF"}]
    relation_edges = [d for d in edges if d["type"] != "SAID"]
    assert relation_edges
    for data in relation_edges:
        assert data["weight"] == len(data["evidence"]) >= 1
        for evidence in data["evidence"]:
            assert texts[evidence["doc"]][evidence["start"]:evidence["end"]] == evidence["sentence"]
    for data in (d for d in edges if d["type"] == "SAID"):  # a quotation's span in each document
        assert data["weight"] == len(data["evidence"]) >= 1
        for evidence in data["evidence"]:
            assert 0 <= evidence["start"] < evidence["end"] <= len(texts[evidence["doc"]])


def test_mention_offsets_point_at_their_text_and_ids_are_global(seed_build):
    node_ids = set(seed_build.graph.nodes)
    for extraction in seed_build.extractions:
        text = extraction.document.text
        for entity in extraction.entities:
            assert entity.id in node_ids
            for mention in entity.mentions:
                assert text[mention.start:mention.end] == mention.text


def test_the_build_is_the_same_twice(seed_build):
    from kg.sinks.json import graph_to_json

    again = build([str(SEEDS)], options=BuildOptions())
    assert graph_to_json(again.graph) == graph_to_json(seed_build.graph)


def test_summary_reports_furniture_set_aside(seed_build):
    summary = seed_build.summary
    assert summary.documents == 2 and not summary.skipped
    assert summary.boilerplate_chars > 0
    assert any("furniture" in line for line in summary.lines())


def test_seed_gold_passes_per_document_and_on_the_merged_graph():
    """What `kg eval` reports on the seeds: every must relation (in both documents and on the
    merged graph), every gold entity, and no absent entity or relation."""
    from kg import eval as scoring
    from kg.ingest import read_documents
    from kg.pipeline import run_documents

    report = scoring.evaluate(
        str(GOLD), [str(SEEDS)], run=lambda docs: run_documents(docs),
        read=lambda paths: read_documents(paths),
    )
    assert report.per_document.missing_must == () and report.per_document.violations == ()
    assert report.per_document.levels["must"].fn == 0 and report.per_document.levels["must"].tp == 10
    assert report.graph.missing_must == () and report.graph.violations == ()
    assert report.per_document.passed and report.graph.passed


def test_a_pronoun_prefers_the_topic_over_a_name_given_as_an_example(nlp):
    from kg.extraction import extract_document
    from kg.extract.schema import load_schema
    from kg.nlp import parse
    from kg.types import Document

    text = ("Halden Works makes routers. Regulators criticised Halden Works last year. "
            "The criticism hurt sales, with retailers such as Corvin Stores dropping their products. "
            "In May, the company said it would appeal.")
    document = Document("t", text)
    [(_, chunks)] = list(parse(nlp, [document]))
    extraction = extract_document(document, chunks, schema=load_schema(None))
    owner = {m.text + "@" + str(m.start): e.name for e in extraction.entities for m in e.mentions}
    their = text.index("their")
    company = text.index("the company")
    assert owner[f"their@{their}"] == "Halden Works"
    assert owner[f"the company@{company}"] == "Halden Works"
