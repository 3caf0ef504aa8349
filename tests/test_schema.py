"""The relation schema: the default file, user files that add or replace types, validation."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kg.errors import SchemaError
from kg.extract.relations import find_relations
from kg.extract.schema import Schema, load_schema, parse_schema, schema_rows
from kg.ids import entity_id
from kg.types import ENTITY_TYPES, Mention

CONTRACT_TYPES = (
    "BANNED", "PULLED_PRODUCTS", "SUED", "ACCUSED", "EXEMPTED", "SOLD_TO", "ACQUIRED",
    "PARTNERED_WITH", "INVESTED_IN", "KILLED", "FOUNDED", "LEADS", "WORKS_FOR", "BASED_IN",
    "LOCATED_IN", "LIVES_IN", "BORN_IN", "DIED_IN", "CITIZEN_OF", "MEMBER_OF", "SUBSIDIARY_OF",
    "OWNED_BY", "EDUCATED_AT", "SPOUSE_OF", "PART_OF", "DEVELOPED", "MANUFACTURED",
)

CRITICIZED = """
[[relation]]
name = "CRITICIZED"
label = "criticized"
subject = ["Organization", "Person"]
object = ["Organization", "Person"]
verbs = ["criticize", "criticise", "slam"]
nouns = ["criticism"]
noun_object = ["prep:of"]
"""


def write(tmp_path: Path, text: str, name: str = "extra.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the default schema


def test_default_schema_has_every_contract_type_with_valid_fields():
    schema = load_schema()
    assert set(CONTRACT_TYPES) <= set(schema.names)
    for relation in schema.relations:
        assert re.match(r"^[A-Z][A-Z0-9_]*$", relation.name)
        assert relation.label == relation.label.lower() and relation.label.strip()
        assert relation.subject_types and relation.subject_types <= set(ENTITY_TYPES)
        assert relation.object_types and relation.object_types <= set(ENTITY_TYPES)
        assert relation.triggers or relation.links


def test_default_directions_read_as_sentences():
    schema = load_schema()
    assert schema.get("FOUNDED").allows("Person", "Organization")
    assert not schema.get("FOUNDED").allows("Organization", "Person")
    assert schema.get("BASED_IN").allows("Organization", "Location")
    assert not schema.get("BASED_IN").allows("Location", "Organization")
    assert schema.get("SPOUSE_OF").symmetric
    assert "LOCATED_IN" in schema.get("LOCATED_IN").compose


def test_schema_rows_list_every_type_in_force():
    schema = load_schema()
    rows = schema_rows(schema)
    assert [row["name"] for row in rows] == list(schema.names)
    banned = next(row for row in rows if row["name"] == "BANNED")
    assert banned["label"] == "banned"
    assert "Organization" in banned["subject"].split(", ")
    assert "ban" in banned["triggers"] and "verb:" in banned["triggers"]
    assert all(set(row) == {"name", "label", "subject", "object", "triggers", "links"} for row in rows)


# ---------------------------------------------------------------- user files


def test_user_file_adds_a_type_and_keeps_the_defaults(tmp_path):
    schema = load_schema(write(tmp_path, CRITICIZED))
    assert "CRITICIZED" in schema.names
    assert set(CONTRACT_TYPES) <= set(schema.names)
    criticized = schema.get("CRITICIZED")
    assert criticized.label == "criticized"
    verbs = next(t for t in criticized.triggers if t.kind == "verb")
    # roles not given come from the defaults: voice-neutral subject and object
    assert verbs.subject == ("nsubj", "agent") and verbs.object == ("dobj", "nsubjpass")


def test_user_file_overrides_a_default_type_by_name(tmp_path):
    text = """
[[relation]]
name = "BANNED"
label = "prohibited"
subject = ["Location"]
object = ["Product"]
verbs = ["prohibit"]
"""
    schema = load_schema(write(tmp_path, text))
    banned = schema.get("BANNED")
    assert banned.label == "prohibited"
    assert banned.subject_types == frozenset({"Location"})
    assert [t.words for t in banned.triggers] == [("prohibit",)]
    assert schema.names.count("BANNED") == 1
    assert schema.names.index("BANNED") == load_schema().names.index("BANNED")


def test_replace_mode_drops_the_default_types(tmp_path):
    schema = load_schema(write(tmp_path, 'mode = "replace"\n' + CRITICIZED))
    assert schema.names == ("CRITICIZED",)
    # the English word lists stay: they are not relation types
    assert "order" in schema.lexicon.measure_nouns


def test_user_lexicon_extends_the_word_lists(tmp_path):
    text = '[lexicon]\nmeasure_nouns = ["edict-of-state"]\n'
    schema = load_schema(write(tmp_path, text))
    assert "edict-of-state" in schema.lexicon.measure_nouns
    assert "order" in schema.lexicon.measure_nouns


def test_user_type_works_without_code(tmp_path, nlp):
    schema = load_schema(write(tmp_path, CRITICIZED))
    text = "Greenpeace criticized Shell on Monday, and Shell was slammed by Oxfam."
    doc = nlp(text)
    mentions = [
        _mention(text, "Greenpeace", "Organization"),
        _mention(text, "Shell", "Organization", nth=0),
        _mention(text, "Shell", "Organization", nth=1),
        _mention(text, "Oxfam", "Organization"),
    ]
    triples = {(r.subject, r.type, r.object) for r in find_relations(doc, mentions, schema, doc_id="d")}
    greenpeace, shell, oxfam = (entity_id("Organization", n) for n in ("Greenpeace", "Shell", "Oxfam"))
    assert (greenpeace, "CRITICIZED", shell) in triples
    assert (oxfam, "CRITICIZED", shell) in triples  # passive with "by"
    assert (shell, "CRITICIZED", greenpeace) not in triples
    assert (shell, "CRITICIZED", oxfam) not in triples


def _mention(text: str, surface: str, entity_type: str, *, nth: int = 0) -> Mention:
    start = -1
    for _ in range(nth + 1):
        start = text.index(surface, start + 1)
    return Mention(start, start + len(surface), surface, entity_type, "name", entity_id(entity_type, surface))


# ---------------------------------------------------------------- validation: one-line errors


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ('[[relation]]\nname = "criticized"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["x"]\n', "UPPER_SNAKE_CASE"),
        ('[[relation]]\nname = "9LIVES"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["x"]\n', "^[A-Z][A-Z0-9_]*$"),
        ('[[relation]]\nname = "X"\nsubject = ["Org"]\nobject = ["Person"]\nverbs = ["x"]\n', "unknown entity type 'Org'"),
        ('[[relation]]\nname = "X"\nsubject = []\nobject = ["Person"]\nverbs = ["x"]\n', "at least one entity type"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["x"]\nverb_object = ["dobj>>pobj"]\n', "bad role path"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\nverbz = ["x"]\n', "unknown key 'verbz'"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\n', "give at least one of"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\nlinks = ["beside"]\n', "bad link"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["x"]\ncompose = ["NOPE"]\n', "unknown type NOPE"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["x"]\nsymmetric = "yes"\n', "true or false"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\n[[relation.trigger]]\nkind = "adverb"\nwords = ["x"]\n', "kind must be one of"),
        ('mode = "merge"\n', "mode must be one of"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["x"]\n'
         '[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["y"]\n', "defined twice"),
        ("[[relation]\nname =", "not valid TOML"),
        ('[lexicon]\nmeasure_nounz = ["x"]\n', "unknown key 'measure_nounz'"),
        ('[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["x"]\nverb_subject = []\n', "at least one role"),
    ],
)
def test_malformed_schema_files_raise_one_line_schema_errors(tmp_path, text, fragment):
    with pytest.raises(SchemaError) as caught:
        load_schema(write(tmp_path, text))
    message = str(caught.value)
    assert fragment in message
    assert "\n" not in message
    assert "extra.toml" in message


def test_missing_schema_file_is_a_schema_error(tmp_path):
    with pytest.raises(SchemaError, match="not found"):
        load_schema(tmp_path / "absent.toml")


def test_replace_mode_cannot_compose_with_a_dropped_type(tmp_path):
    text = 'mode = "replace"\n[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Location"]\nverbs = ["x"]\ncompose = ["LOCATED_IN"]\n'
    with pytest.raises(SchemaError, match="unknown type LOCATED_IN"):
        load_schema(write(tmp_path, text))


def test_parse_schema_accepts_a_plain_mapping():
    schema = parse_schema({
        "relation": [{"name": "MET", "subject": ["Person"], "object": ["Person"], "verbs": ["meet"],
                      "symmetric": True}],
    })
    assert isinstance(schema, Schema)
    met = schema.get("MET")
    assert met.label == "met" and met.symmetric
    assert met.triggers[0].words == ("meet",)
    assert met.triggers[0].subject == ("nsubj", "agent")  # the default roles apply


def test_compose_as_must_name_a_known_type(tmp_path):
    text = '[[relation]]\nname = "X"\nsubject = ["Person"]\nobject = ["Location"]\nverbs = ["x"]\ncompose = ["LOCATED_IN"]\ncompose_as = "NOWHERE"\n'
    with pytest.raises(SchemaError, match="composes as unknown type NOWHERE"):
        load_schema(write(tmp_path, text))


def test_place_role_nouns_are_read_and_need_role_nouns(tmp_path):
    good = tmp_path / "good.toml"
    good.write_text('version = 1\nmode = "add"\n[[relation]]\nname = "HEADS"\nsubject = ["Person"]\n'
                    'object = ["Organization", "Location"]\nrole_nouns = ["head", "mayor"]\nplace_role_nouns = ["Mayor"]\n')
    assert load_schema(str(good)).get("HEADS").place_roles == frozenset({"mayor"})
    assert load_schema(str(good)).get("SUED").place_roles is None
    bad = tmp_path / "bad.toml"
    bad.write_text('version = 1\nmode = "add"\n[[relation]]\nname = "HEADS"\nsubject = ["Person"]\n'
                   'object = ["Location"]\nverbs = ["head"]\nplace_role_nouns = ["mayor"]\n')
    with pytest.raises(SchemaError, match="place_role_nouns needs role_nouns"):
        load_schema(str(bad))
