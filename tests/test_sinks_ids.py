"""Ids that differ only in control characters stay distinct (or are refused) in every sink."""
from __future__ import annotations

import networkx as nx
import pytest

from kg.errors import InputError
from kg.sinks.graphml import read_graphml, write_graphml
from kg.sinks.json import graph_to_json
from kg.sinks.neo4j_csv import neo4j_csv_tables


def _graph(*doc_ids: str) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_node("person:ann-lee", kind="entity", name="Ann Lee", type="Person", aliases=[], mentions=1,
                   documents=len(doc_ids), merged_from=[])
    for doc_id in doc_ids:
        graph.add_node(doc_id, kind="document", title="t", source="s", published="", authors=[], url="")
        graph.add_edge(doc_id, "person:ann-lee", key=f"{doc_id}-[MENTIONS]->person:ann-lee", type="MENTIONS",
                       label="mentions", count=1)
    return graph


def test_graphml_keeps_ids_that_differ_only_in_control_characters_apart(tmp_path) -> None:
    write_graphml(_graph("a\x01", "a\x02", "b\rc"), tmp_path / "g.graphml")
    read = read_graphml(tmp_path / "g.graphml")
    documents = sorted(n for n, d in read.nodes(data=True) if d["kind"] == "document")
    assert documents == ["a\\x01", "a\\x02", "b\\x0dc"]
    assert read.number_of_edges() == 3


def test_graphml_refuses_an_escape_that_meets_an_id_spelt_that_way(tmp_path) -> None:
    with pytest.raises(InputError, match="one GraphML node"):
        write_graphml(_graph("a\x01", "a\\x01"), tmp_path / "g.graphml")


def test_neo4j_csv_refuses_an_id_holding_its_array_delimiter() -> None:
    with pytest.raises(InputError, match="U\\+001F"):
        neo4j_csv_tables(graph_to_json(_graph("b\x1fc", "b c")))
    assert len(neo4j_csv_tables(graph_to_json(_graph("b c", "b d")))["documents.csv"][1]) == 2
