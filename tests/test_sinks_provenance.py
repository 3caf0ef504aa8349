"""kg.sinks.provenance (pure): contributions per load, merged properties, taking documents out."""
from __future__ import annotations

import json

from kg.sinks.neo4j import _property_value
from kg.sinks.provenance import (
    PROVENANCE,
    contributions_of,
    entity_properties,
    relation_properties,
    without_documents,
)


def _entity(stored, docs, **props):
    return entity_properties(stored, entity_id="organization:velmart", docs=docs, props=props,
                             to_value=_property_value)


def _relation_row(docs, starts, *, confidence, **raw):
    return {"id": "r1", "label": "banned", "confidence": confidence, "weight": len(docs),
            "documents": len(set(docs)), "raw": raw,
            "evidence_docs": list(docs), "evidence_sentences": [f"s{s}" for s in starts],
            "evidence_starts": list(starts), "evidence_ends": [s + 5 for s in starts]}


def test_two_loads_keep_both_merge_reasons_and_aliases_and_the_latest_name():
    a = _entity({"id": "organization:velmart"}, ["a1"], name="Velmart", aliases=["VM"], mentions=2, documents=1,
                merged_from=[{"name": "VM", "reason": "acronym", "doc": "a1"}])
    b = _entity(a, ["b1"], name="Velmart Inc.", aliases=["Velmart Inc."], mentions=1, documents=1,
                merged_from=[{"name": "Velmart Inc.", "reason": "short form", "doc": "b1"}])
    assert b["name"] == "Velmart Inc." and b["aliases"] == ["VM", "Velmart Inc."]
    assert [m["doc"] for m in json.loads(b["merged_from"])] == ["a1", "b1"]
    assert (b["mentions"], b["documents"]) == (2, 1)  # floors: the MENTIONS edges count the rest
    assert len(b[PROVENANCE]) == 2


def test_the_same_load_twice_is_one_contribution_and_changes_nothing():
    once = _entity(None, ["a1"], name="Velmart", aliases=["VM"], mentions=2, documents=1)
    twice = _entity(once, ["a1"], name="Velmart", aliases=["VM"], mentions=2, documents=1)
    assert twice == once and len(once[PROVENANCE]) == 1


def test_removing_a_load_leaves_what_the_other_load_alone_writes():
    b_alone = _entity(None, ["b1"], name="Velmart Inc.", aliases=["Velmart Inc."], mentions=1, documents=1)
    a = _entity(None, ["a1", "a2"], name="Velmart", aliases=["VM"], mentions=5, documents=2,
                merged_from=[{"name": "VM", "reason": "acronym", "doc": "a1"}])
    both = _entity(a, ["b1"], name="Velmart Inc.", aliases=["Velmart Inc."], mentions=1, documents=1)
    counts = {"mentions": 1, "documents": 1}  # what B's MENTIONS edges show
    assert without_documents(both, ["a1", "a2"], kind="entity", to_value=_property_value, counts=counts) == b_alone


def test_a_load_that_loses_some_documents_keeps_its_words_but_not_its_counts():
    a = _entity(None, ["a1", "a2"], name="Velmart", aliases=["VM"], mentions=5, documents=2)
    left = without_documents(a, ["a1"], kind="entity", to_value=_property_value,
                             counts={"mentions": 2, "documents": 1})
    assert left["aliases"] == ["VM"] and (left["mentions"], left["documents"]) == (2, 1)
    [item] = contributions_of(left)
    assert item["docs"] == ["a2"] and "mentions" not in item["props"]


def test_relations_merge_evidence_once_and_confidence_dates_and_sources_by_their_own_rules():
    a, added_a = relation_properties({"id": "r1"}, row=_relation_row(["a1", "a1"], [0, 40], confidence=0.895,
                                     sources=["rule-x"], first_seen="2020-01-02", last_seen="2020-02-03", past=False),
                                     to_value=_property_value)
    b_row = _relation_row(["b1"], [7], confidence=0.65, sources=["model"], first_seen="2021-05-06",
                          last_seen="2021-05-06", past=True)
    both, added_b = relation_properties(a, row=b_row, to_value=_property_value)
    assert (added_a, added_b) == (2, 1)
    assert both["evidence_docs"] == ["a1", "a1", "b1"] and both["weight"] == 3 and both["documents"] == 2
    assert both["confidence"] == 0.895 and both["sources"] == ["rule-x", "model"]
    assert (both["first_seen"], both["last_seen"], both["past"]) == ("2020-01-02", "2021-05-06", True)
    again, added = relation_properties(both, row=b_row, to_value=_property_value)
    assert again == both and added == 0

    b_alone, _ = relation_properties(None, row=b_row, to_value=_property_value)
    assert without_documents(both, ["a1"], kind="relation", to_value=_property_value) == b_alone
    assert without_documents(both, ["a1", "b1"], kind="relation", to_value=_property_value) is None


def test_what_an_older_kg_wrote_is_kept_and_never_taken_by_a_removal():
    legacy = {"id": "organization:velmart", "name": "Velmart", "aliases": ["VM"], "mentions": 3, "documents": 2}
    b = _entity(legacy, ["b1"], name="Velmart Inc.", aliases=["VI"], mentions=1, documents=1)
    assert b["aliases"] == ["VM", "VI"] and b["name"] == "Velmart Inc."
    left = without_documents(b, ["b1"], kind="entity", to_value=_property_value, counts={"mentions": 3, "documents": 2})
    assert (left["name"], left["aliases"], left["mentions"]) == ("Velmart", ["VM"], 3)
    unrecorded = without_documents(legacy, ["x"], kind="entity", to_value=_property_value,
                                   counts={"mentions": 1, "documents": 1})
    assert unrecorded == {**legacy, "mentions": 1, "documents": 1}
