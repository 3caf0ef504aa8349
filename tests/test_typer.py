"""The mention typer: pure features, a model that only replaces the rules' type where it is
confident, deterministic training, and the shipped model's behaviour on sentences written here."""
from __future__ import annotations

import gzip
import json

import pytest
import spacy
from spacy.tokens import Doc, Span

from kg.errors import UsageError
from kg.extract.mentions import name_mentions
from kg.extract.typer import TypeModel, load_type_model, mention_features, retype, type_model_from_bytes
from kg.train_types import TypeExample, fit_type_model


def _span(words, start, end, label="ORG"):
    doc = Doc(spacy.blank("en").vocab, words=words)
    doc.ents = [Span(doc, start, end, label=label)]
    return doc.ents[0]


def test_features_describe_the_name_and_its_neighbours():
    span = _span(["Smoke", "hung", "over", "Varnby", "today"], 3, 4)
    features = mention_features(span, tagger_label="ORG", rule_type="Organization")
    assert "ner=ORG" in features and "rule=Organization" in features
    assert "w=varnby" in features and "p1=over" in features and "n1=today" in features
    assert features == mention_features(span, tagger_label="ORG", rule_type="Organization")  # pure


def _model(threshold=0.5):
    # one feature that says Location strongly, one that says it weakly
    return TypeModel(("Location", "Organization", "Person"), {"p1=over": (3.0, 0.0, 0.0), "p1=at": (0.4, 0.0, 0.0)},
                     (0.0, 0.0, 0.0), threshold)


def test_retype_replaces_the_rules_type_only_when_confident():
    span = _span(["Smoke", "hung", "over", "Varnby"], 3, 4)
    assert retype(_model(), span, rule_type="Organization") == "Location"
    assert retype(_model(threshold=0.99), span, rule_type="Organization") == "Organization"
    weak = _span(["Officials", "at", "Varnby"], 2, 3)
    assert retype(_model(), weak, rule_type="Organization") == "Organization"  # 0.43 < 0.5
    assert retype(None, span, rule_type="Organization") == "Organization"
    assert retype(_model(), span, rule_type="Product") == "Product"  # not a type it chooses between


def test_training_is_deterministic_and_learns_the_examples():
    examples = [TypeExample(f"d{i}", ("rule=Organization", "p1=over" if i % 2 else "p1=said"),
                            "Location" if i % 2 else "Organization") for i in range(40)]
    first, second = fit_type_model(examples), fit_type_model(examples)
    assert json.dumps(first.to_json(), sort_keys=True) == json.dumps(second.to_json(), sort_keys=True)
    p = first.probabilities(["rule=Organization", "p1=over"])
    assert max(p, key=p.get) == "Location"
    p = first.probabilities(["rule=Organization", "p1=said"])
    assert max(p, key=p.get) == "Organization"


def test_a_broken_model_file_is_one_clear_error():
    with pytest.raises(UsageError, match="not a gzip"):
        type_model_from_bytes(b"nope", where="x")
    bad = gzip.compress(json.dumps({"format": "kg-type-model/1", "classes": ["A", "B"], "intercepts": [0],
                                    "weights": {}}).encode())
    with pytest.raises(UsageError, match="disagree"):
        type_model_from_bytes(bad, where="x")


def test_the_shipped_model_loads_and_is_small():
    model = load_type_model()
    assert model is not None and {"Person", "Organization", "Location"} <= set(model.classes)
    assert 0.5 <= model.threshold < 1.0


def _types(nlp, text, **kw):
    return {m.text: m.type for m in name_mentions(nlp(text), **kw)}


def test_a_town_the_tagger_calls_an_organisation_is_a_place(nlp):
    text = "Officials at Brantford said the plant would close."
    assert _types(nlp, text, type_model=None)["Brantford"] == "Organization"  # the tagger's and rules' type
    assert _types(nlp, text)["Brantford"] == "Location"


def test_a_short_form_of_a_longer_name_keeps_its_type_for_resolution(nlp):
    text = "Ivo Marsh founded Marsh Analytics. Marsh said the firm would grow."
    assert _types(nlp, text)["Marsh"] == _types(nlp, text, type_model=None)["Marsh"]



@pytest.mark.model
def test_a_lone_organisation_name_is_not_made_a_person_by_the_sentence_shape(nlp):
    doc = nlp("Google said on Wednesday that its Chrome browser would block the ads. The company did not say when.")
    assert {e.text: e.label_ for e in doc.ents}["Google"] == "ORG"
    assert {m.text: m.type for m in name_mentions(doc)}["Google"] == "Organization"
