"""Cypher injection through names: entity names, ids, aliases, document titles and evidence that
hold backticks (raw and as \\u0060), quotes, braces and whole Cypher clauses go into the real
Neo4j test server through kg's loader as property values, verbatim, and delete nothing."""
from __future__ import annotations

import pytest

from conftest_neo4j import database_state, graph_counts, make_sample_graph
from kg.sinks.neo4j import load_graph, remove_documents

pytestmark = pytest.mark.neo4j

TRICKY = [
    "Globex`) DETACH DELETE n //",
    "Globex\u0060}) MATCH (m) DETACH DELETE m RETURN 1 //",
    "x'}) DETACH DELETE n; MATCH (m) DELETE m //",
    "Quote \" and ' and \\ backslash $rows {brace} [bracket]",
    "CALL { MATCH (n) DETACH DELETE n } //",
    "\u0060\u0060 double `` backtick\u0060 ",
    "Null\u0000 byte and \u2028 line separator",
]
DOC_ID = "doc`) DETACH DELETE n //"


def tricky_graph() -> dict:
    """The sample graph plus one document and an entity per tricky name, linked by relations
    whose evidence sentences are tricky too."""
    graph = make_sample_graph()
    graph["nodes"].append({"id": DOC_ID, "kind": "document", "title": TRICKY[0], "source": TRICKY[2],
                           "published": "2024-02-29", "authors": TRICKY[3:5]})
    ids = [f"organization:{index}-{name}" for index, name in enumerate(TRICKY)]
    for entity_id, name in zip(ids, TRICKY):
        graph["nodes"].append({"id": entity_id, "kind": "entity", "name": name, "type": "Organization",
                               "aliases": [name.upper(), f"`{name}`"], "mentions": 1, "documents": 1})
        graph["edges"].append({"source": DOC_ID, "target": entity_id, "type": "MENTIONS", "count": 1})
    for index, (source, target) in enumerate(zip(ids, ids[1:])):
        sentence = f"{TRICKY[index]} acquired {TRICKY[index + 1]}."
        graph["edges"].append({"id": f"{source}|ACQUIRED|{target}", "source": source, "target": target,
                               "type": "ACQUIRED", "label": TRICKY[index], "weight": 1, "documents": 1,
                               "confidence": 0.5, "evidence": [{"doc": DOC_ID, "sentence": sentence,
                                                                "start": 10 * index, "end": 10 * index + len(sentence)}]})
    return graph


def test_names_with_backticks_quotes_and_cypher_are_stored_verbatim_and_delete_nothing(empty_neo4j, neo4j_driver):
    graph = tricky_graph()
    load_graph(graph, settings=empty_neo4j, batch_size=3)
    counts = graph_counts(neo4j_driver, empty_neo4j.database)
    assert counts["nodes"] == len(graph["nodes"])
    assert counts["relationships"] == len(graph["edges"])

    # Every node of the sample graph is still there, found by its id given as a parameter.
    records, _, _ = neo4j_driver.execute_query("MATCH (n) RETURN n.id AS id", database_=empty_neo4j.database)
    assert sorted(r["id"] for r in records) == sorted(n["id"] for n in graph["nodes"])

    for node in graph["nodes"]:
        if node["kind"] != "entity" or not node["id"].startswith("organization:") or node["name"] not in TRICKY:
            continue
        [record], _, _ = neo4j_driver.execute_query(
            "MATCH (e:Entity:Organization {id: $id}) RETURN e.name AS name, e.aliases AS aliases",
            id=node["id"], database_=empty_neo4j.database)
        assert record["name"] == node["name"]
        assert record["aliases"] == node["aliases"]

    [document], _, _ = neo4j_driver.execute_query(
        "MATCH (d:Document {id: $id}) RETURN d.title AS title, d.source AS source, d.authors AS authors",
        id=DOC_ID, database_=empty_neo4j.database)
    assert (document["title"], document["source"], document["authors"]) == (TRICKY[0], TRICKY[2], TRICKY[3:5])

    sentences, _, _ = neo4j_driver.execute_query(
        "MATCH ()-[r:ACQUIRED]->() RETURN r.label AS label, r.evidence_sentences AS sentences ORDER BY r.id",
        database_=empty_neo4j.database)
    expected = sorted((e["label"], [e["evidence"][0]["sentence"]]) for e in graph["edges"] if e["type"] == "ACQUIRED")
    assert sorted((r["label"], r["sentences"]) for r in sentences) == expected


def test_tricky_ids_load_twice_the_same_and_remove_only_their_own_document(empty_neo4j, neo4j_driver):
    graph = tricky_graph()
    load_graph(graph, settings=empty_neo4j)
    once = database_state(neo4j_driver, empty_neo4j.database)
    load_graph(graph, settings=empty_neo4j)
    assert database_state(neo4j_driver, empty_neo4j.database) == once

    summary = remove_documents([DOC_ID, "doc-x`}) DETACH DELETE n //"], settings=empty_neo4j)
    assert summary.removed == (DOC_ID,) and summary.missing == ("doc-x`}) DETACH DELETE n //",)
    # What is left is exactly the sample graph, as if the tricky document had never been loaded.
    left = database_state(neo4j_driver, empty_neo4j.database)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n", database_=empty_neo4j.database)
    load_graph(make_sample_graph(), settings=empty_neo4j)
    assert left == database_state(neo4j_driver, empty_neo4j.database)
