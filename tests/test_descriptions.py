"""Descriptions ("the company", "X, the director", "the country") resolved with agreement on the
class of the head noun, and left alone when nothing fits. Sentences written for these tests;
the names are made up (the countries and cities are real, so the gazetteer knows them)."""
from __future__ import annotations

import pytest

from kg.extract.places import place_kinds


def _entities(nlp, text: str):
    from kg.extract.schema import load_schema
    from kg.extraction import extract_document
    from kg.nlp import parse
    from kg.types import Document

    document = Document("t", text)
    [(_, chunks)] = list(parse(nlp, [document]))
    return extract_document(document, chunks, schema=load_schema(None)).entities


def _owner(entities, text: str, phrase: str, occurrence: int = 0) -> str | None:
    """The name of the entity holding a non-name mention that ends with the phrase's last word."""
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    end = start + len(phrase)
    for entity in entities:
        for mention in entity.mentions:
            if mention.kind != "name" and mention.end == end:
                return entity.name
    return None


def test_a_description_in_apposition_is_a_mention_of_the_name(nlp):
    text = "Kara Voss, director of the Brellick Maritime Museum, said the loan was approved."
    entities = _entities(nlp, text)
    assert _owner(entities, text, "director") == "Kara Voss"


def test_an_apposition_before_the_name_and_a_role_right_before_it(nlp):
    text = ("The museum's curator, Ilan Dorsey, opened the show on Monday. "
            "Marrow Rovers goalkeeper Teodor Lisk saved two shots.")
    entities = _entities(nlp, text)
    assert _owner(entities, text, "curator") == "Ilan Dorsey"
    assert _owner(entities, text, "goalkeeper") == "Teodor Lisk"


def test_what_a_name_is_said_to_be_is_a_mention_of_it_unless_denied(nlp):
    text = "Mira Castell is an engineer. Oren Talby was not a member of the board."
    entities = _entities(nlp, text)
    assert _owner(entities, text, "engineer") == "Mira Castell"
    assert _owner(entities, text, "member") is None


def test_a_picture_credit_is_no_description_of_the_photographer(nlp):
    text = "The harbour at dawn.\n\nImage: Lena Ostrowe\n\nThe ferry left at six."
    entities = _entities(nlp, text)
    assert _owner(entities, text, "Image") is None


def test_the_coach_goes_only_to_the_person_given_that_role(nlp):
    text = ("Harbour City coach Piet Vandermolen praised his players. Striker Anton Belko scored twice. "
            "After the game the coach said the team had earned the win.")
    entities = _entities(nlp, text)
    assert _owner(entities, text, "the coach") == "Piet Vandermolen"


def test_a_role_nobody_was_given_stays_unresolved(nlp):
    text = "Orla Finnegan met Dara Quill in the afternoon. Later the lawyer refused to comment."
    entities = _entities(nlp, text)
    assert _owner(entities, text, "the lawyer") is None


def test_the_country_is_a_country_not_the_nearer_city(nlp):
    assert "country" in place_kinds("Norway") and "country" not in place_kinds("Oslo")
    text = ("Norway has ordered new ferries. The first will sail from Oslo next year. "
            "Officials said the country would order four more.")
    entities = _entities(nlp, text)
    assert _owner(entities, text, "the country") == "Norway"


def test_the_foundation_is_only_the_entity_named_a_foundation(nlp):
    text = ("The Orla Brannigan Foundation gave the Kestrel Institute a grant. "
            "The foundation said the money would fund two studies.")
    entities = _entities(nlp, text)
    assert _owner(entities, text, "The foundation") == "Orla Brannigan Foundation"


@pytest.mark.parametrize("phrase", ["the match", "the company"])
def test_a_description_that_fits_no_entity_is_left_alone(nlp, phrase):
    # A match is not the tournament; a company is not a ministry.
    text = (f"The Ministry of Fisheries opened the Marrow Sea Cup on Sunday. "
            f"Officials said {phrase} drew a large crowd.")
    entities = _entities(nlp, text)
    assert _owner(entities, text, phrase) is None


def test_i_in_a_quotation_is_its_named_speaker(nlp):
    text = ('Tovan Reyes, a ferry captain, said, "I have never seen the harbour this full." '
            '"It was a long night," Reyes added. "I slept two hours."\n\n'
            'He said "I will retire next year."')
    entities = _entities(nlp, text)
    first = text.index('"I have') + 1
    second = text.index('"I slept') + 1
    third = text.index('"I will') + 1
    owner = {m.start: e.name for e in entities for m in e.mentions}
    assert owner.get(first) == "Tovan Reyes"
    assert owner.get(second) == "Tovan Reyes"  # the quotation after the attributed one
    assert third not in owner  # a pronoun as the speaker: left alone


def test_the_city_is_not_the_state_named_after_it(nlp):
    # GeoNames has small cities called Delaware; the bare name stands for the state
    text = "The mayor of Dover, Delaware, Kara Voss, said the city would appeal the ruling."
    entities = _entities(nlp, text)
    assert "city" in place_kinds("Delaware")
    assert _owner(entities, text, "the city") == "Dover"
