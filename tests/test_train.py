"""kg train: a relation type the default schema lacks, learned from a schema file and a few
hundred annotated sentences, with no code (sentences and names made up here)."""
from __future__ import annotations

import json
import random

import pytest

from kg.cli import app

pytestmark = pytest.mark.model

FIRST = ["Maria", "John", "Aisha", "Peter", "Elena", "David", "Sofia", "James", "Laura", "Omar",
         "Hannah", "Lucas", "Nina", "Victor", "Clara", "Samuel"]
LAST = ["Lopez", "Walker", "Kim", "Novak", "Brandt", "Okafor", "Rossi", "Larsen", "Moreau", "Haddad",
        "Petrov", "Silva", "Turner", "Jensen", "Costa", "Fischer"]
CITIES = ["Paris", "Boston", "Madrid", "Chicago", "Berlin", "Toronto", "Sydney", "Lisbon", "Dublin",
          "Vienna", "Denver", "Prague", "Seattle", "Oslo", "Atlanta", "Warsaw"]
POSITIVE = ["{p} visited {c} last week.", "{p} toured {c} in May with a small delegation.",
            "During a two-day trip to {c}, {p} met local officials.", "{p} arrived in {c} on Monday for talks.",
            "Officials said {p} had travelled to {c} on Tuesday."]
NEGATIVE = ["{p} was born in {c} in 1970.", "{p} lives in {c} with her family.",
            "{p} criticised the mayor of {c} on Friday.", "{p} said prices in {c} had risen.",
            "Reporters in {c} asked {p} about the plan."]
SCHEMA = '''
version = 1
mode = "add"

[[relation]]
name = "VISITED"
label = "visited"
subject = ["Person"]
object = ["Location"]
verbs = ["visit"]  # one trigger; "toured", "arrived in", "travelled to" are the model's to learn
'''


def _lines(rng: random.Random, firsts, lasts, cities, n: int):
    out = []
    for i in range(n):
        person = f"{rng.choice(firsts)} {rng.choice(lasts)}"
        city = rng.choice(cities)
        positive = i % 2 == 0
        text = rng.choice(POSITIVE if positive else NEGATIVE).format(p=person, c=city)
        relations = [{"subject": person, "type": "VISITED", "object": city, "level": "must"}] if positive else []
        out.append({"id": f"s{i}", "text": text, "relations": relations,
                    "entities": [{"name": person, "type": "Person", "aliases": []},
                                 {"name": city, "type": "Location", "aliases": []}]})
    return out


def test_a_new_relation_type_is_learned_from_a_schema_file_and_annotated_sentences(tmp_path):
    from typer.testing import CliRunner

    rng = random.Random(7)
    # names and cities of the training sentences are not those of the test sentences
    train = _lines(rng, FIRST[:10], LAST[:10], CITIES[:10], 300)
    gold = tmp_path / "visits.jsonl"
    gold.write_text("\n".join(json.dumps(x) for x in train), encoding="utf-8")
    schema = tmp_path / "visits.toml"
    schema.write_text(SCHEMA, encoding="utf-8")
    model = tmp_path / "visits.json.gz"
    runner = CliRunner()
    result = runner.invoke(app, ["train", str(gold), "--schema", str(schema), "--out", str(model), "--quiet"])
    assert result.exit_code == 0, result.output
    assert "VISITED" in result.output and model.is_file()

    test = _lines(random.Random(11), FIRST[10:], LAST[10:], CITIES[10:], 40)
    docs = tmp_path / "test.jsonl"
    docs.write_text("\n".join(json.dumps({"id": x["id"], "text": x["text"]}) for x in test), encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = runner.invoke(app, ["extract", str(docs), "--schema", str(schema), "--relation-model", str(model),
                                 "--out", str(out), "--no-cache", "--quiet"])
    assert result.exit_code == 0, result.output
    records = {r["id"]: r for r in map(json.loads, out.read_text(encoding="utf-8").splitlines())}
    right = wrong = missed = 0
    for line in test:
        visited = [r for r in records[line["id"]]["relations"] if r["type"] == "VISITED"]
        if line["relations"]:
            right += bool(visited)
            missed += not visited
            assert all("model" in r["source"] for r in visited)
        else:
            wrong += bool(visited)
    assert right >= 0.8 * (right + missed)
    assert wrong <= 0.1 * len(test)


# ---------------------------------------------------------------- what a gold file can measure
# Hand-built candidates: no parse needed.

from kg.extract.features import Candidate  # noqa: E402
from kg.train import (NONE, UNJUDGED, Example, GoldDocument, GoldEntity, _annotated_kinds,  # noqa: E402
                      _measures, _rule_precision, label, read_training_gold)
from kg.types import Document, Mention  # noqa: E402


def _candidate(a: str, ta: str, b: str, tb: str, rules=(), text: str | None = None) -> Candidate:
    text = text or f"{a} and {b}"
    first = Mention(0, len(a), a, "Location" if ta == "Country" else ta, entity="e:" + a)
    start = text.index(b, len(a))
    second = Mention(start, start + len(b), b, "Location" if tb == "Country" else tb, entity="e:" + b)
    return Candidate(first, second, 0, len(text), text, (f"t={ta}|{tb}",), tuple(rules))


def test_two_mentions_inside_one_gold_entity_are_unjudged_not_a_negative():
    text = "Halden, Varnia"
    gold = GoldDocument(Document(id="d", text=text), (GoldEntity(frozenset({"halden varnia"}), ((0, 14),)),),
                        frozenset())
    candidate = _candidate("Halden", "Location", "Varnia", "Country", text=text)
    assert label(candidate, gold, {}, frozenset()) == UNJUDGED


def test_a_mention_of_an_entity_its_file_relates_to_nothing_is_unjudged(tmp_path):
    # CoNLL04 types nationalities Other and never relates them: "a Varnian citizen" says nothing
    line = {"id": "s1", "text": "Ann Lee, a Varnian citizen, was held in Halden.",
            "entities": [{"name": "Ann Lee", "type": "Person", "start": 0, "end": 7},
                         {"name": "Varnian", "type": "Other", "start": 11, "end": 18},
                         {"name": "Halden", "type": "Location", "start": 40, "end": 46}],
            "relations": []}
    path = tmp_path / "gold.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    gold, = read_training_gold(path)
    assert [e.related for e in gold.entities] == [True, False, True]
    text = line["text"]
    citizen = _candidate("Ann Lee", "Person", "Varnian", "Country", text=text)
    held = _candidate("Ann Lee", "Person", "Halden", "Location", text=text)
    assert label(citizen, gold, {}, frozenset()) == UNJUDGED
    assert label(held, gold, {}, frozenset()) == NONE


def test_a_file_measures_a_type_only_between_the_kinds_its_gold_links_by_it():
    works = [Example(_candidate(f"P{i}", "Person", f"O{i}", "Organization"), "WORKS_FOR>", f"d{i}", "f")
             for i in range(6)]
    kinds = _annotated_kinds(works)
    assert ("LEADS", "Person", "Organization") in kinds["f"]  # a head works for it
    head_of_state = Example(_candidate("Ann Lee", "Person", "Varnia", "Country"), NONE, "x", "f")
    head_of_board = Example(_candidate("Ann Lee", "Person", "Acme", "Organization"), NONE, "y", "f")
    assert not _measures(head_of_state, "LEADS>", kinds)  # the file never links people and countries
    assert _measures(head_of_board, "LEADS>", kinds)
    assert _measures(head_of_state, NONE, kinds)
    unjudged = Example(_candidate("Halden", "Location", "Varnia", "Country"), NONE, "z", "f", unjudged=True)
    assert not _measures(unjudged, "LOCATED_IN>", kinds)


def test_rule_precision_leaves_out_what_the_gold_cannot_tell_and_reads_symmetric_types_either_way():
    rule = ("SPOUSE_OF", "<", "role:wife")
    spouses = [Example(_candidate(f"A{i}", "Person", f"B{i}", "Person", rules=[rule]), "SPOUSE_OF>", f"s{i}", "f",
                       frozenset({"SPOUSE_OF", "LEADS"})) for i in range(6)]
    leads = ("LEADS", ">", "role:president")
    unmeasured = [Example(_candidate(f"C{i}", "Person", f"K{i}", "Country", rules=[leads]), NONE, f"k{i}", "f",
                          frozenset({"SPOUSE_OF", "LEADS"})) for i in range(6)]
    table = _rule_precision(spouses + unmeasured, symmetric=frozenset({"SPOUSE_OF"}))
    assert table["SPOUSE_OF|role"] > 0.8
    assert "LEADS|role" not in table  # no firing of it could be measured
    assert _rule_precision(spouses, symmetric=frozenset())["SPOUSE_OF|role"] < 0.5  # read one way only


def test_the_calibration_map_runs_through_the_middle_of_each_isotonic_step():
    from kg.extract.model import RelationModel
    from kg.train import _isotonic

    # scores 0.1..0.4 right 1 time in 4, 0.6..0.9 right 3 times in 4: two steps, 0.25 and 0.75
    pairs = [(x / 10, ok) for x, ok in ((1, True), (2, False), (3, False), (4, False),
                                        (6, True), (7, True), (8, True), (9, False))] * 2
    xs, ys = _isotonic(pairs)
    assert list(xs) == sorted(xs) and list(ys) == sorted(ys)
    model = RelationModel(("NONE",), {}, (0.0,), (xs, ys))
    assert model.calibrated(0.1) == pytest.approx(0.25) and model.calibrated(0.9) == pytest.approx(0.75)
    # between the steps' middles the map rises by a little per score, not by a whole step
    middle = [model.calibrated(x / 100) for x in range(26, 75)]
    assert all(a < b for a, b in zip(middle, middle[1:]))
    assert model.calibrated(0.5) == pytest.approx(0.5, abs=0.01)
