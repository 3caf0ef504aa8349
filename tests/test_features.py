"""Candidate pairs and their features (kg/extract/features.py) on parses of sentences written
here, with made-up names."""
from __future__ import annotations

import pytest

from kg.extract.features import candidates
from kg.extract.schema import load_schema
from kg.types import Evidence, Mention, Relation

pytestmark = pytest.mark.model
SCHEMA = load_schema()


@pytest.fixture(scope="module")
def nlp():
    from kg.nlp import load_model, model_name

    return load_model(model_name(None))


def _mention(text: str, name: str, type_: str, entity: str, kind: str = "name") -> Mention:
    start = text.index(name)
    return Mention(start, start + len(name), name, type_, kind, entity)


def test_one_candidate_per_entity_pair_and_sentence_in_text_order(nlp):
    text = "Ann Lee joined Acme in May. Acme hired Ann Lee again."
    doc = nlp(text)
    first_sentence = [_mention(text, "Ann Lee", "Person", "person:ann-lee"), _mention(text, "Acme", "Organization", "organization:acme")]
    second = text.index("Acme hired")
    later = [Mention(second, second + 4, "Acme", "Organization", "name", "organization:acme"),
             Mention(second + 11, second + 18, "Ann Lee", "Person", "name", "person:ann-lee")]
    found = candidates(doc, first_sentence + later, [], SCHEMA)
    assert len(found) == 2
    assert found[0].first.entity == "person:ann-lee" and found[1].first.entity == "organization:acme"
    assert "t=Person|Organization" in found[0].features
    assert any(f.startswith("pd=") for f in found[0].features)


def test_rules_that_fired_become_features_with_their_direction(nlp):
    text = "Globex hired Ann Lee."
    doc = nlp(text)
    mentions = [_mention(text, "Globex", "Organization", "organization:globex"), _mention(text, "Ann Lee", "Person", "person:ann-lee")]
    rule = Relation("person:ann-lee", "WORKS_FOR", "organization:globex", "works for", 0.8,
                    Evidence("d", text, 0, len(text), "verb:hire"))
    (candidate,) = candidates(doc, mentions, [rule], SCHEMA)
    assert ("WORKS_FOR", "<", "verb:hire") in candidate.rules
    assert "rule=WORKS_FOR<" in candidate.features and "norule" not in candidate.features


@pytest.mark.parametrize("text, org, past", [
    ("Sara Holt, a former member of the Tidewater Party, spoke on Friday.", "Tidewater Party", True),
    ("Sara Holt, an ex-member of the Tidewater Party, spoke on Friday.", "Tidewater Party", True),
    ("Sara Holt, a member of the Tidewater Party, spoke on Friday.", "Tidewater Party", False),
    # "until" on a verb in the past tense
    ("Sara Holt worked for Tidewater Bank until 2010.", "Tidewater Bank", True),
    ("Sara Holt had worked for Tidewater Bank until she retired.", "Tidewater Bank", True),
    ("Sara Holt will work for Tidewater Bank until 2030.", "Tidewater Bank", False),
    ("Sara Holt works for Tidewater Bank.", "Tidewater Bank", False),
])
def test_ended_relations_are_marked_past(nlp, text, org, past):
    doc = nlp(text)
    mentions = [_mention(text, "Sara Holt", "Person", "person:sara-holt"),
                _mention(text, org, "Organization", "organization:" + org.lower().replace(" ", "-"))]
    (candidate,) = candidates(doc, mentions, [], SCHEMA)
    assert candidate.past is past


def test_mentions_of_one_entity_make_no_pair(nlp):
    text = "Acme said Acme would grow."
    doc = nlp(text)
    first = text.index("Acme")
    second = text.index("Acme", first + 1)
    mentions = [Mention(first, first + 4, "Acme", "Organization", "name", "organization:acme"),
                Mention(second, second + 4, "Acme", "Organization", "name", "organization:acme")]
    assert candidates(doc, mentions, [], SCHEMA) == []


@pytest.mark.parametrize("text, first, second, listed", [
    ("Floods hit Varnia and Ostrovia last week.", "Varnia", "Ostrovia", True),
    ("Crews worked in Varnia, Ostrovia and Pelland overnight.", "Varnia", "Pelland", True),
    # a town and its state with only a comma between: whatever arc the parser gives it
    ("Crews worked in Millbrook, Conn., overnight.", "Millbrook", "Conn.", False),
    ("The plant is in Millbrook in Varnia.", "Millbrook", "Varnia", False),
])
def test_items_of_one_list_are_marked(nlp, text, first, second, listed):
    doc = nlp(text)
    mentions = [_mention(text, first, "Location", "location:a"), _mention(text, second, "Location", "location:b")]
    (candidate,) = candidates(doc, mentions, [], SCHEMA)
    assert ("coord" in candidate.features) is listed


def test_respectively_pairs_items_by_position(nlp):
    text = "Ann Lee and Bo Ray run Kestrel Labs and Orbis Media respectively."
    doc = nlp(text)
    names = [("Ann Lee", "Person", "person:ann-lee"), ("Bo Ray", "Person", "person:bo-ray"),
             ("Kestrel Labs", "Organization", "organization:kestrel-labs"), ("Orbis Media", "Organization", "organization:orbis-media")]
    found = {(c.first.text, c.second.text): c.features for c in candidates(doc, [_mention(text, *n) for n in names], [], SCHEMA)}
    assert "resp=same" in found[("Ann Lee", "Kestrel Labs")] and "resp=same" in found[("Bo Ray", "Orbis Media")]
    assert "resp=cross" in found[("Ann Lee", "Orbis Media")] and "resp=cross" in found[("Bo Ray", "Kestrel Labs")]
    assert not any(f.startswith("resp=") for f in found[("Ann Lee", "Bo Ray")])  # one list: no pairing
    plain = nlp("Ann Lee and Bo Ray run Kestrel Labs and Orbis Media.")
    assert not any(f.startswith("resp=") for c in candidates(plain, [_mention(text, *n) for n in names], [], SCHEMA)
                   for f in c.features)
