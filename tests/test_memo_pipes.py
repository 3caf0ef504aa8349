"""kg.memo_pipes: the attribute ruler and lemmatizer answered from memo tables write exactly what
spaCy's components write, token by token."""
from __future__ import annotations

import json

import pytest
import spacy

from kg import memo_pipes
from kg.memo_pipes import MemoAttributeRuler, MemoEnglishLemmatizer, accelerate
from kg.nlp import add_paragraph_starts, model_name

from conftest import REDOCRED_DEV

# Contractions and informal forms the shipped attribute ruler treats with multi-token patterns,
# spaces and line breaks (its whitespace rules), and ordinary news prose.
OWN_TEXTS = [
    "We're gonna win this, ain't we? Let's see what they've got.",
    "She said she gotta leave  early,\n\nbut he wanna stay. They don't know.",
    "The minister's aides were briefed on Tuesday; none of them would comment.",
    "Shares fell 3.5% to $41.20 after the company's third-quarter results.",
]


def _analyses(docs) -> list[list[tuple]]:
    return [[(t.text, t.tag_, t.pos_, str(t.morph), t.lemma_, t.dep_, t.head.i, t.ent_iob_, t.ent_type_, t.norm_)
             for t in doc] for doc in docs]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    records = json.loads(REDOCRED_DEV.read_text(encoding="utf-8"))[:80]
    return OWN_TEXTS + [" ".join(token for sentence in r["sents"] for token in sentence) for r in records]


def test_the_memo_pipeline_writes_what_spacys_components_write(nlp, texts):
    plain = add_paragraph_starts(spacy.load(model_name()))  # kg's one addition, not a memo
    assert type(plain.get_pipe("attribute_ruler")) is not MemoAttributeRuler
    assert type(nlp.get_pipe("attribute_ruler")) is MemoAttributeRuler
    assert type(nlp.get_pipe("lemmatizer")) is MemoEnglishLemmatizer
    expected = _analyses(plain.pipe(texts))
    with nlp.memory_zone():
        assert _analyses(nlp.pipe(texts)) == expected
    with nlp.memory_zone():  # a second pass answered from the memo, its strings made anew
        assert _analyses(nlp.pipe(texts)) == expected


def test_an_emptied_memo_gives_the_same_answers(nlp, texts, monkeypatch):
    plain = add_paragraph_starts(spacy.load(model_name()))
    monkeypatch.setattr(memo_pipes, "MEMO_LIMIT", 5)
    assert _analyses(nlp.pipe(texts[:10])) == _analyses(plain.pipe(texts[:10]))


def _ruler_pipeline(patterns):
    nlp = spacy.blank("en")
    nlp.add_pipe("attribute_ruler").add_patterns(patterns)
    return nlp


def test_multi_token_patterns_with_negative_indices_and_later_rules_winning():
    patterns = [
        {"patterns": [[{"LOWER": "new"}, {"LOWER": "york"}]], "attrs": {"TAG": "NNP"}, "index": -1},
        {"patterns": [[{"LOWER": {"IN": ["york", "boston"]}}]], "attrs": {"TAG": "XX"}},
        {"patterns": [[{"LOWER": "new"}, {"LOWER": "york"}]], "attrs": {"LEMMA": "York!"}, "index": 1},
        {"patterns": [[{"LOWER": {"REGEX": "^bos"}}]], "attrs": {"TAG": "BOS"}},
    ]
    text = "New York and Boston, then york and NEW YORK again."
    plain, fast = _ruler_pipeline(patterns), accelerate(_ruler_pipeline(patterns))
    assert type(fast.get_pipe("attribute_ruler")) is MemoAttributeRuler
    got = [(t.text, t.tag_, t.lemma_) for t in fast(text)]
    assert got == [(t.text, t.tag_, t.lemma_) for t in plain(text)]
    assert got[1] == ("York", "XX", "York!")  # the later rule's tag over the multi-token one's
    assert got[3] == ("Boston", "BOS", "")


def test_a_ruler_with_quantifiers_is_left_as_spacy_made_it():
    patterns = [{"patterns": [[{"LOWER": "very", "OP": "+"}, {"LOWER": "good"}]], "attrs": {"TAG": "JJ"}}]
    nlp = accelerate(_ruler_pipeline(patterns))
    assert type(nlp.get_pipe("attribute_ruler")) is not MemoAttributeRuler
    assert [t.tag_ for t in nlp("very very good")] == ["JJ", "JJ", ""]
