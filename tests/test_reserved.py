"""Reserved names: Document, Quote and Entity (types) and MENTIONS, NEAR_DUPLICATE_OF and SAID
(relation types) are refused by a schema file and by a graph file, with one line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import InputError, SchemaError
from kg.extract.schema import load_schema
from kg.sinks.neo4j import plan_load


@pytest.mark.parametrize("name", ["MENTIONS", "NEAR_DUPLICATE_OF", "SAID"])
def test_a_schema_cannot_define_a_reserved_relation_type(tmp_path: Path, name: str) -> None:
    path = tmp_path / "extra.toml"
    path.write_text(f'[[relation]]\nname = "{name}"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["greet"]\n',
                    encoding="utf-8")
    with pytest.raises(SchemaError, match=f"{name} is reserved"):
        load_schema(path)


def test_kg_schema_names_a_reserved_relation_type_on_one_line(tmp_path: Path) -> None:
    path = tmp_path / "extra.toml"
    path.write_text('[[relation]]\nname = "MENTIONS"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["cite"]\n',
                    encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kg", "schema", "--schema", str(path)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "reserved" in result.stderr and "Traceback" not in result.stderr


def _graph(entity_type: str = "Person", relation_type: str = "LEADS") -> dict:
    return {
        "nodes": [
            {"id": "d1", "kind": "document", "title": "t", "source": "s", "published": "", "authors": []},
            {"id": "person:ann", "kind": "entity", "name": "Ann", "type": entity_type, "aliases": [],
             "mentions": 1, "documents": 1},
            {"id": "person:bo", "kind": "entity", "name": "Bo", "type": "Person", "aliases": [],
             "mentions": 1, "documents": 1},
        ],
        "edges": [
            {"id": "e1", "source": "person:ann", "target": "person:bo", "type": relation_type, "label": "x",
             "weight": 1, "documents": 1, "confidence": 0.5,
             "evidence": [{"doc": "d1", "sentence": "Ann leads Bo.", "start": 0, "end": 13}]},
        ],
    }


@pytest.mark.parametrize("entity_type", ["Document", "Quote", "Entity", "document"])
def test_a_graph_file_cannot_hold_an_entity_of_a_reserved_type(entity_type: str) -> None:
    plan_load(_graph())  # the graph is otherwise fine
    with pytest.raises((InputError, SchemaError)):  # "document" is not even a label kg writes
        plan_load(_graph(entity_type=entity_type))


@pytest.mark.parametrize("relation_type", ["SAID", "Mentions", "NEAR_DUPLICATE_OF"])
def test_a_graph_file_cannot_hold_a_relation_of_a_reserved_type(relation_type: str) -> None:
    with pytest.raises(InputError):
        plan_load(_graph(relation_type=relation_type))
