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
