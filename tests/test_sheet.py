"""The token sheet reads the same attributes as spaCy's Token objects, on hand-built Docs."""
from __future__ import annotations

import spacy
from spacy.tokens import Doc, Span

from kg.extract.sheet import sheet_of


def _doc():
    words = ["Ann", "Lee", "founded", "12", "shops", "in", "Oslo", "."]
    doc = Doc(spacy.blank("en").vocab, words=words, spaces=[True, True, True, True, True, True, False, False],
              pos=["PROPN", "PROPN", "VERB", "NUM", "NOUN", "ADP", "PROPN", "PUNCT"],
              tags=["NNP", "NNP", "VBD", "CD", "NNS", "IN", "NNP", "."],
              heads=[1, 2, 2, 4, 2, 2, 5, 2], deps=["compound", "nsubj", "ROOT", "nummod", "dobj", "prep", "pobj", "punct"],
              lemmas=["Ann", "Lee", "found", "12", "shop", "in", "Oslo", "."])
    doc.ents = [Span(doc, 0, 2, label="PERSON"), Span(doc, 6, 7, label="GPE")]
    return doc


def test_the_sheet_holds_each_tokens_attributes_as_spacy_reads_them():
    doc = _doc()
    sheet = sheet_of(doc)
    assert sheet.text == [t.text for t in doc] and sheet.lower == [t.lower_ for t in doc]
    assert sheet.lemma == [t.lemma_.lower() for t in doc]
    assert (sheet.pos, sheet.tag, sheet.dep) == ([t.pos_ for t in doc], [t.tag_ for t in doc], [t.dep_ for t in doc])
    assert sheet.head == [t.head.i for t in doc] and sheet.ent == [t.ent_type_ for t in doc]
    assert sheet.space == [t.is_space for t in doc] and sheet.punct == [t.is_punct for t in doc]
    assert sheet.children == [[c.i for c in t.children] for t in doc]
    assert list(sheet.ancestors(6)) == [5, 2]
    assert [sheet.word(i) for i in range(len(doc))] == ["ann", "lee", "found", "<num>", "shop", "in", "oslo", "."]


def test_a_doc_has_one_sheet_while_it_lives_and_an_empty_doc_an_empty_one():
    doc = _doc()
    assert sheet_of(doc) is sheet_of(doc) and sheet_of(_doc()) is not sheet_of(doc)
    empty = sheet_of(Doc(spacy.blank("en").vocab, words=[]))
    assert empty.text == [] and empty.children == []
