"""The relation model file and its decisions (kg/extract/model.py), without spaCy."""
from __future__ import annotations

import gzip
import json

import pytest

from kg.errors import UsageError
from kg.extract.features import Candidate
from kg.extract.model import RelationModel, decide_relations, load_relation_model, predict, rule_kind
from kg.extract.schema import load_schema
from kg.types import Evidence, Mention, Relation

SCHEMA = load_schema()


def _model(**kw) -> RelationModel:
    base = dict(
        classes=("NONE", "WORKS_FOR>", "WORKS_FOR<"),
        weights={"bw=for": ((1, 3.0),), "bw=hired": ((2, 3.0),)},
        intercepts=(1.0, 0.0, 0.0),
        calibration=((0.2, 0.8), (0.1, 0.9)),
        rule_precision={"verb": 0.7, "*": 0.6},
    )
    base.update(kw)
    return RelationModel(**base)


def _candidate(features, rules=(), past=False) -> Candidate:
    person = Mention(0, 7, "Ann Lee", "Person", "name", "person:ann-lee")
    org = Mention(17, 21, "Acme", "Organization", "name", "organization:acme")
    return Candidate(person, org, 0, 30, "Ann Lee works for Acme today.", tuple(features), tuple(rules), past)


def test_probabilities_are_a_softmax_of_summed_weights():
    model = _model()
    probs = model.probabilities(["bw=for", "unknown"])
    assert abs(sum(probs) - 1.0) < 1e-9
    assert probs[1] > probs[0] > probs[2]


def test_calibration_interpolates_and_clips():
    model = _model()
    assert model.calibrated(0.0) == 0.1
    assert model.calibrated(1.0) == 0.9
    assert abs(model.calibrated(0.5) - 0.5) < 1e-9


def test_predict_respects_the_schema_argument_types():
    model = _model()
    # WORKS_FOR< would make the organisation work for the person: not allowed, so the allowed
    # direction is taken even though it is less probable
    found = predict(model, _candidate(["bw=hired"]), SCHEMA)
    assert found is not None and found[0] == "WORKS_FOR" and found[1] is False


def test_decide_relations_model_types_and_rule_types():
    model = _model()
    candidate = _candidate(["bw=for"], rules=(("WORKS_FOR", ">", "verb:work"),))
    evidence = Evidence("d", candidate.sentence, 0, 30, "verb:work")
    rules = [
        Relation("person:ann-lee", "WORKS_FOR", "organization:acme", "works for", 0.85, evidence),
        Relation("organization:acme", "SUED", "person:ann-lee", "sued", 0.85, Evidence("d", "x", 0, 30, "verb:sue")),
    ]
    out = decide_relations([candidate], rules, model, SCHEMA, doc_id="d")
    by_type = {r.type: r for r in out}
    assert set(by_type) == {"WORKS_FOR", "SUED"}
    assert by_type["WORKS_FOR"].source == ("model", "verb:work")
    assert 0.1 <= by_type["WORKS_FOR"].confidence <= 0.9
    # a type the model was not trained on stays the rules', with its rule kind's measured precision
    assert by_type["SUED"].source == ("verb:sue",) and by_type["SUED"].confidence == 0.7


def test_past_candidates_give_past_relations():
    out = decide_relations([_candidate(["bw=for"], past=True)], [], _model(), SCHEMA, doc_id="d")
    assert out and all(r.past for r in out)


def test_rule_kind_keeps_link_names():
    assert rule_kind("verb:ban") == "verb"
    assert rule_kind("link:prep:in") == "link:prep:in"


def test_save_is_deterministic_and_round_trips(tmp_path):
    model = _model()
    a, b = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    model.save(a)
    model.save(b)
    assert a.read_bytes() == b.read_bytes()
    loaded = load_relation_model(str(a))
    assert loaded.classes == model.classes and loaded.calibration == model.calibration
    assert loaded.probabilities(["bw=for"]) == pytest.approx(model.probabilities(["bw=for"]))


@pytest.mark.parametrize("content", [b"not gzip", gzip.compress(b"[1, 2]"),
                                     gzip.compress(json.dumps({"format": "kg-relation-model/1", "classes": ["NONE"]}).encode())])
def test_a_bad_model_file_is_one_usage_error(tmp_path, content):
    path = tmp_path / "m.json.gz"
    path.write_bytes(content)
    with pytest.raises(UsageError):
        load_relation_model(str(path))


def test_the_shipped_model_loads_and_is_small():
    from importlib import resources

    data = resources.files("kg").joinpath("data", "relation_model.json.gz").read_bytes()
    assert len(data) <= 20 * 1024 * 1024
    model = load_relation_model()
    assert "NONE" in model.classes and model.types
    assert model.info.get("provenance")
    assert 0.0 <= float(model.info["min_confidence"]) <= 1.0


def test_format_1_files_are_still_read_with_the_same_predictions(tmp_path):
    model = _model()
    v1 = {**model.to_json(), "format": "kg-relation-model/1",
          "weights": {f: [[i, w] for i, w in ws] for f, ws in sorted(model.weights.items())}}
    for key in ("features", "weight_rows", "weight_classes", "weight_values"):
        del v1[key]
    path = tmp_path / "v1.json.gz"
    path.write_bytes(gzip.compress(json.dumps(v1).encode()))
    old, new = load_relation_model(str(path)), model
    for features in (["bw=for"], ["norule"], []):
        assert old.probabilities(features) == pytest.approx(new.probabilities(features))


def test_format_2_keeps_every_weight(tmp_path):
    model = _model()
    path = tmp_path / "m.json.gz"
    model.save(path)
    loaded = load_relation_model(str(path))
    assert dict(loaded.weights) == {f: tuple(tuple(e) for e in ws) for f, ws in model.weights.items()}


@pytest.mark.parametrize("change", [{"weight_rows": "not base64!"}, {"weight_classes": ""}, {"features": "bw=for"}])
def test_a_format_2_file_with_broken_arrays_is_one_usage_error(tmp_path, change):
    data = {**_model().to_json(), **change}
    path = tmp_path / "m.json.gz"
    path.write_bytes(gzip.compress(json.dumps(data).encode()))
    with pytest.raises(UsageError):
        load_relation_model(str(path))


def test_a_loaded_model_saves_to_the_same_bytes(tmp_path):
    model = _model(weights={"bw=hired": ((2, 3.0), (0, -1.5)), "bw=for": ((1, 3.0),), "a1=x": ((0, 0.25),)})
    first, second = tmp_path / "a.json.gz", tmp_path / "b.json.gz"
    model.save(first)
    load_relation_model(str(first)).save(second)
    assert first.read_bytes() == second.read_bytes()
    assert load_relation_model(str(second)).weights["bw=hired"] == ((2, 3.0), (0, -1.5))


@pytest.mark.parametrize("listed", [True, False])
def test_places_that_are_items_of_one_list_are_not_one_inside_the_other(listed):
    model = _model(classes=("NONE", "LOCATED_IN>", "LOCATED_IN<"), weights={"bw=and": ((1, 3.0),)})
    town = Mention(10, 16, "Varnia", "Location", "name", "location:varnia")
    other = Mention(21, 29, "Ostrovia", "Location", "name", "location:ostrovia")
    features = ("bw=and", "coord") if listed else ("bw=and",)
    candidate = Candidate(town, other, 0, 40, "Floods hit Varnia and Ostrovia last week.", features, ())
    out = decide_relations([candidate], [], model, SCHEMA, doc_id="d")
    assert [r.type for r in out] == ([] if listed else ["LOCATED_IN"])


def test_a_building_listed_beside_a_place_is_not_inside_it():
    sentence = "Trainers went to the Kell Museum at Fort Lorn and engines to the center in Halden."
    model = _model(classes=("NONE", "LOCATED_IN>", "LOCATED_IN<"), weights={"bw=and": ((1, 3.0),)})
    museum = Mention(21, 32, "Kell Museum", "Facility", "name", "facility:kell-museum")
    at = sentence.index("Halden")
    town = Mention(at, at + 6, "Halden", "Location", "name", "location:halden")
    candidate = Candidate(museum, town, 0, len(sentence), sentence, ("bw=and", "coord"), ())
    assert decide_relations([candidate], [], model, SCHEMA, doc_id="d") == []


@pytest.mark.parametrize("inner, outer, kept", [
    ("Loei Province", "Nakhon District", False),   # a province is not inside a district
    ("Nakhon District", "Loei Province", True),
    ("Africa", "Madagascar", False),               # nor a continent inside a country
    ("Madagascar", "Africa", True),
    ("Kent County", "Dover", False),
])
def test_no_place_lies_inside_a_place_of_lower_rank(inner, outer, kept):
    from kg.ids import entity_id

    model = _model(classes=("NONE", "LOCATED_IN>", "LOCATED_IN<"), weights={"bw=in": ((1, 3.0),)})
    sentence = f"{inner} in {outer}"
    a = Mention(0, len(inner), inner, "Location", "name", entity_id("Location", inner))
    b = Mention(len(inner) + 4, len(sentence), outer, "Location", "name", entity_id("Location", outer))
    candidate = Candidate(a, b, 0, len(sentence), sentence, ("bw=in",), ())
    out = decide_relations([candidate], [], model, SCHEMA, doc_id="d")
    assert bool(out) is kept


def test_leads_and_works_for_of_one_pair_in_one_sentence_is_leads():
    model = _model(classes=("NONE", "LEADS>", "LEADS<"), weights={"bw=for": ((1, 3.0),)})
    evidence = Evidence("d", "Ann Lee works for Acme today.", 0, 30, "role:director")
    rule = Relation("person:ann-lee", "WORKS_FOR", "organization:acme", "works for", 0.8, evidence)
    out = decide_relations([_candidate(["bw=for"])], [rule], model, SCHEMA, doc_id="d")
    assert [r.type for r in out] == ["LEADS"]


@pytest.mark.parametrize("country_text, kept", [("Varnian", True), ("Afghanistan", False)])
def test_a_pronouns_nationality_is_an_adjective_beside_it_not_a_country_named_near(country_text, kept):
    model = _model(classes=("NONE", "CITIZEN_OF>", "CITIZEN_OF<"), weights={"pn=3": ((1, 3.0),)})
    he = Mention(0, 2, "He", "Person", "pronoun", "person:ann-lee")
    country = Mention(12, 12 + len(country_text), country_text, "Location", "name", "location:afghanistan")
    candidate = Candidate(he, country, 0, 40, f"He is an {country_text} actor.", ("pn=3",), ())
    out = decide_relations([candidate], [], model, SCHEMA, doc_id="d")
    assert bool(out) is kept


def test_an_asymmetric_relation_read_both_ways_keeps_the_rules_reading():
    model = _model(classes=("NONE", "KILLED>", "KILLED<"), weights={"bw=assassin": ((1, 3.0),)})  # Ann Lee killed Bo Ray
    a = Mention(0, 7, "Ann Lee", "Person", "name", "person:ann-lee")
    b = Mention(16, 22, "Bo Ray", "Person", "name", "person:bo-ray")
    candidate = Candidate(a, b, 0, 30, "Ann Lee assassin Bo Ray", ("bw=assassin",), ())
    rule = Relation("person:bo-ray", "KILLED", "person:ann-lee", "killed", 0.4,
                    Evidence("d", candidate.sentence, 0, 30, "role:assassin"))
    out = decide_relations([candidate], [rule], model, SCHEMA, doc_id="d")
    assert [(r.subject, r.object) for r in out if r.type == "KILLED"] == [("person:bo-ray", "person:ann-lee")]


@pytest.mark.parametrize("sentence, kept", [
    ("Ann Lee was born in Halden, Varnia.", ["location:halden"]),        # the state qualifies the town
    ("Ann Lee lived in Halden and Varnia.", ["location:halden", "location:varnia"]),
])
def test_a_persons_place_is_the_town_not_the_state_qualifying_it(sentence, kept):
    model = _model(classes=("NONE", "LIVES_IN>", "LIVES_IN<"), weights={"bw=in": ((1, 4.0),)})
    person = Mention(0, 7, "Ann Lee", "Person", "name", "person:ann-lee")
    town_at, state_at = sentence.index("Halden"), sentence.index("Varnia")
    town = Mention(town_at, town_at + 6, "Halden", "Location", "name", "location:halden")
    state = Mention(state_at, state_at + 6, "Varnia", "Location", "name", "location:varnia")
    pairs = [Candidate(person, place, 0, len(sentence), sentence, ("bw=in",), ()) for place in (town, state)]
    out = decide_relations(pairs, [], model, SCHEMA, doc_id="d")
    assert sorted(r.object for r in out if r.type == "LIVES_IN") == kept


@pytest.mark.parametrize("subject_type, kept", [
    ("Facility", ["location:halden"]),                      # "the Kell Museum in Halden, Varnia"
    ("Location", ["location:halden", "location:varnia"]),   # a place's own steps are left to the model
])
def test_an_institution_is_in_the_town_not_the_state_qualifying_it(subject_type, kept):
    sentence = "We saw the Kell Museum in Halden, Varnia."
    model = _model(classes=("NONE", "LOCATED_IN>", "LOCATED_IN<"), weights={"bw=in": ((1, 4.0),)})
    museum = Mention(11, 22, "Kell Museum", subject_type, "name", "facility:kell-museum")
    town = Mention(26, 32, "Halden", "Location", "name", "location:halden")
    state = Mention(34, 40, "Varnia", "Location", "name", "location:varnia")
    pairs = [Candidate(museum, place, 0, len(sentence), sentence, ("bw=in",), ()) for place in (town, state)]
    out = decide_relations(pairs, [], model, SCHEMA, doc_id="d")
    assert sorted(r.object for r in out if r.type == "LOCATED_IN" and r.subject == "facility:kell-museum") == kept


@pytest.mark.parametrize("body, expected", [("Harbor Planning Commission", "WORKS_FOR"), ("Harbor Rowing Club", "MEMBER_OF")])
def test_a_member_of_a_body_of_office_holders_works_for_it(body, expected):
    sentence = f"Lena Okafor is a member of the {body}."
    model = _model(classes=("NONE", "MEMBER_OF>", "MEMBER_OF<"), weights={"bw=member": ((1, 4.0),)})
    person = Mention(0, 11, "Lena Okafor", "Person", "name", "person:lena-okafor")
    at = sentence.index(body)
    org = Mention(at, at + len(body), body, "Organization", "name", "organization:body")
    pair = Candidate(person, org, 0, len(sentence), sentence, ("bw=member",), ())
    out = decide_relations([pair], [], model, SCHEMA, doc_id="d", names={"organization:body": body})
    assert [r.type for r in out] == [expected]


@pytest.mark.parametrize("place, expected", [("Halden", "LIVES_IN"), ("Norway", "CITIZEN_OF")])
def test_citizenship_is_of_a_country_a_towns_is_residence(place, expected):
    sentence = f"The {place} lawyer Ann Lee spoke."
    model = _model(classes=("NONE", "CITIZEN_OF<", "CITIZEN_OF>"), weights={"pn=1": ((1, 4.0),)})
    town = Mention(4, 4 + len(place), place, "Location", "name", f"location:{place.lower()}")
    at = sentence.index("Ann Lee")
    person = Mention(at, at + 7, "Ann Lee", "Person", "name", "person:ann-lee")
    pair = Candidate(town, person, 0, len(sentence), sentence, ("pn=1",), ())
    out = decide_relations([pair], [], model, SCHEMA, doc_id="d", names={town.entity: place, person.entity: "Ann Lee"})
    assert [(r.subject, r.type) for r in out] == [("person:ann-lee", expected)]


@pytest.mark.parametrize("side, expected", [("Norway", ["LEADS", "MEMBER_OF"]), ("Vell Rowing Society", ["LEADS"])])
def test_the_captain_of_a_side_leads_it_and_plays_in_it(side, expected):
    sentence = f"{side} captain Ann Lee scored."
    model = _model(classes=("NONE", "LEADS<", "LEADS>"), weights={"bw=captain": ((1, 4.0),)})
    org = Mention(0, len(side), side, "Organization", "name", "organization:side")
    at = sentence.index("Ann Lee")
    person = Mention(at, at + 7, "Ann Lee", "Person", "name", "person:ann-lee")
    rule = Relation("person:ann-lee", "LEADS", "organization:side", "leads", 0.8,
                    Evidence("d", sentence, 0, len(sentence), "role:captain"), source=("role:captain",))
    pair = Candidate(org, person, 0, len(sentence), sentence, ("bw=captain",), (("LEADS", "<", "role:captain"),))
    out = decide_relations([pair], [rule], model, SCHEMA, doc_id="d", names={"organization:side": side})
    assert sorted(r.type for r in out) == expected


@pytest.mark.parametrize("side, kept", [("Norway", []), ("Vell Rowing Club", ["LOCATED_IN"])])
def test_a_national_side_is_not_where_it_plays(side, kept):
    sentence = f"{side} faced the hosts in Halden."
    model = _model(classes=("NONE", "LOCATED_IN>", "LOCATED_IN<"), weights={"bw=in": ((1, 4.0),)})
    org = Mention(0, len(side), side, "Organization", "name", "organization:side")
    at = sentence.index("Halden")
    town = Mention(at, at + 6, "Halden", "Location", "name", "location:halden")
    pair = Candidate(org, town, 0, len(sentence), sentence, ("bw=in", "top=face:VERB"), ())
    out = decide_relations([pair], [], model, SCHEMA, doc_id="d", names={"organization:side": side})
    assert [r.type for r in out] == kept


@pytest.mark.parametrize("sentence, kept", [
    ("It shows singer Ann Lee of Vell Records; and poet Bo Ruiz of the Harbor Ledger.", 1),   # Ann Lee -/- Harbor Ledger
    ("It shows singer Ann Lee (of Vell Records; later of the Harbor Ledger).", 2),
])
def test_two_names_either_side_of_a_semicolon_are_no_fact(sentence, kept):
    model = _model(classes=("NONE", "WORKS_FOR>", "WORKS_FOR<"), weights={"bw=of": ((1, 4.0),)})
    at = sentence.index("Ann Lee")
    person = Mention(at, at + 7, "Ann Lee", "Person", "name", "person:ann-lee")
    orgs = [Mention(sentence.index(n), sentence.index(n) + len(n), n, "Organization", "name", f"organization:{i}")
            for i, n in enumerate(("Vell Records", "Harbor Ledger"))]
    pairs = [Candidate(person, org, 0, len(sentence), sentence, ("bw=of",), ()) for org in orgs]
    out = decide_relations(pairs, [], model, SCHEMA, doc_id="d")
    assert len([r for r in out if r.type == "WORKS_FOR"]) == kept


def test_working_for_a_side_is_playing_in_it():
    sentence = "Ann Lee scored for Norway."
    model = _model(classes=("NONE", "WORKS_FOR>", "WORKS_FOR<"), weights={"bw=for": ((1, 4.0),)})
    person = Mention(0, 7, "Ann Lee", "Person", "name", "person:ann-lee")
    side = Mention(19, 25, "Norway", "Organization", "name", "organization:norway")
    out = decide_relations([Candidate(person, side, 0, len(sentence), sentence, ("bw=for",), ())], [], model, SCHEMA,
                           doc_id="d", names={"organization:norway": "Norway"})
    assert [r.type for r in out] == ["MEMBER_OF"]


@pytest.mark.parametrize("city, country, kept", [("Lyon", "Poland", False), ("Lyon", "France", True), ("Halden", "Poland", True)])
def test_a_place_inside_a_country_geonames_puts_it_outside_is_dropped(city, country, kept):
    sentence = f"Talks in {city} on aid to {country} ended."
    model = _model(classes=("NONE", "LOCATED_IN>", "LOCATED_IN<"), weights={"pn=2": ((1, 4.0),)})
    at, to = sentence.index(city), sentence.index(country)
    town = Mention(at, at + len(city), city, "Location", "name", f"location:{city.lower()}")
    land = Mention(to, to + len(country), country, "Location", "name", f"location:{country.lower()}")
    pair = Candidate(town, land, 0, len(sentence), sentence, ("pn=2",), ())
    out = decide_relations([pair], [], model, SCHEMA, doc_id="d", names={town.entity: city, land.entity: country})
    assert bool([r for r in out if r.type == "LOCATED_IN" and r.subject == town.entity]) == kept


@pytest.mark.parametrize("sentence, preposition, kept", [
    ("Ann Lee of Varnia spoke.", "of", True),
    ("Ann Lee, envoy to Varnia, spoke.", "to", False),
    ("Ann Lee, spokeswoman for Varnia, spoke.", "for", False),
])
def test_a_country_reached_through_to_or_for_is_no_nationality(sentence, preposition, kept):
    model = _model(classes=("NONE", "CITIZEN_OF>", "CITIZEN_OF<"), weights={"pn=2": ((1, 4.0),)})
    person = Mention(0, 7, "Ann Lee", "Person", "name", "person:ann-lee")
    at = sentence.index("Varnia")
    country = Mention(at, at + 6, "Varnia", "Location", "name", "location:varnia")
    candidate = Candidate(person, country, 0, len(sentence), sentence, ("pn=2", f"pw={preposition}"), ())
    out = decide_relations([candidate], [], model, SCHEMA, doc_id="d")
    assert bool([r for r in out if r.type == "CITIZEN_OF"]) is kept


@pytest.mark.parametrize("path, kept", [("poss^ apposv", True), ("amod^ poss^ apposv", False),
                                        ("prepv pobjv possv", False)])
def test_a_nationality_through_a_possessor_is_the_possessors(path, kept):
    # "Varnia's envoy, Ann Lee" (kept) against "the Varnian team's coach, Ann Lee" (the team's)
    # and "Ann Lee of Varnia's Daily Ledger" (the newspaper's)
    sentence = "The Varnian team's coach, Ann Lee, spoke."
    model = _model(classes=("NONE", "CITIZEN_OF>", "CITIZEN_OF<"), weights={"pn=3": ((1, 4.0),)})
    country = Mention(4, 11, "Varnian", "Location", "name", "location:varnia")
    person = Mention(26, 33, "Ann Lee", "Person", "name", "person:ann-lee")
    candidate = Candidate(country, person, 0, len(sentence), sentence, ("pn=3", f"pd={path}"), ())
    out = decide_relations([candidate], [], model, SCHEMA, doc_id="d")
    assert bool([r for r in out if r.type == "CITIZEN_OF"]) is kept


def test_a_rules_country_for_a_thing_outranks_the_models_other_country_in_the_sentence():
    sentence = "The finals saw Norwegian team Kestrel9 and the Vipers, from Peru, face off."
    model = _model(classes=("NONE", "LOCATED_IN>", "LOCATED_IN<"), weights={"bw=from": ((1, 4.0),)})
    at = sentence.index("Kestrel9")
    team = Mention(at, at + 8, "Kestrel9", "Organization", "name", "organization:kestrel9")
    at = sentence.index("Peru")
    other = Mention(at, at + 4, "Peru", "Location", "name", "location:peru")
    candidate = Candidate(team, other, 0, len(sentence), sentence, ("bw=from",), ())
    evidence = Evidence("d", sentence, 0, len(sentence), "link:descriptor")
    rule = Relation("organization:kestrel9", "LOCATED_IN", "location:norway", "located in", 0.6, evidence)
    names = {"organization:kestrel9": "Kestrel9", "location:peru": "Peru", "location:norway": "Norway"}
    out = decide_relations([candidate], [rule], model, SCHEMA, doc_id="d", names=names)
    assert [(r.object, r.source) for r in out if r.type == "LOCATED_IN"] == [("location:norway", ("link:descriptor",))]
    alone = decide_relations([candidate], [], model, SCHEMA, doc_id="d", names=names)
    assert [r.object for r in alone if r.type == "LOCATED_IN"] == ["location:peru"]


def test_the_place_checks_read_an_entitys_longest_name():
    # "Washington" alone is a city and a state, so GeoNames contradicts nothing; "Washington
    # D.C." is one city, in one country: the checks must see the name the text gives in full.
    from kg.extract.model import _geography, longest_names
    from kg.types import Mention

    mentions = [Mention(0, 15, "Washington D.C.", "Location", entity="location:washington-dc"),
                Mention(40, 50, "Washington", "Location", entity="location:washington-dc"),
                Mention(60, 71, "Afghanistan", "Location", entity="location:afghanistan"),
                Mention(80, 83, "she", "Person", kind="pronoun", entity="person:x")]
    names = longest_names(mentions)
    assert names == {"location:washington-dc": "Washington D.C.", "location:afghanistan": "Afghanistan"}
    guess = Relation("location:washington-dc", "LOCATED_IN", "location:afghanistan", "located in", 0.4,
                     Evidence("d", "x", 0, 90, "model"), source=("model",))
    assert _geography([guess], names) == []
    assert _geography([guess], {**names, "location:washington-dc": "Washington"}) == [guess]
