"""kg.sinks.neo4j: planning rows (pure) and loading/removing against a real Neo4j server."""
from __future__ import annotations

import copy
import json
import socket
import time

import neo4j
import pytest

from conftest_neo4j import database_state, graph_counts, make_sample_graph, sample_graph_for
from kg.errors import InputError, Neo4jError, SchemaError
from kg.sinks.neo4j import (
    DEFAULT_URI,
    Neo4jSettings,
    connect,
    load_graph,
    neo4j_error_message,
    plan_load,
    remove_documents,
    settings_from_env,
)

ALL_DOCS = {"doc-a", "doc-b", "doc-c", "doc-d"}


# ---------------------------------------------------------------- pure: settings and planning


def test_settings_come_from_the_environment_and_flags_override():
    env = {"NEO4J_URI": "neo4j+s://example.invalid", "NEO4J_USERNAME": "analyst",
           "NEO4J_PASSWORD": "pw-from-env", "NEO4J_DATABASE": "news"}
    from_env = settings_from_env(environ=env)
    assert (from_env.uri, from_env.username, from_env.password, from_env.database) == (
        "neo4j+s://example.invalid", "analyst", "pw-from-env", "news")
    overridden = settings_from_env(environ=env, uri="bolt://127.0.0.1:7999", database="other", password="x")
    assert (overridden.uri, overridden.database, overridden.password) == ("bolt://127.0.0.1:7999", "other", "x")
    defaults = settings_from_env(environ={})
    assert (defaults.uri, defaults.username, defaults.password, defaults.database) == (
        DEFAULT_URI, "neo4j", None, None)


def test_the_transaction_timeout_comes_from_the_environment_and_a_bad_one_is_one_line():
    from kg.errors import UsageError
    from kg.sinks.neo4j import DEFAULT_TRANSACTION_TIMEOUT

    assert settings_from_env(environ={}).transaction_timeout == DEFAULT_TRANSACTION_TIMEOUT
    assert settings_from_env(environ={"KG_NEO4J_TRANSACTION_TIMEOUT": "7.5"}).transaction_timeout == 7.5
    for bad in ("0", "-3", "soon", "inf", "nan"):
        with pytest.raises(UsageError, match="KG_NEO4J_TRANSACTION_TIMEOUT"):
            settings_from_env(environ={"KG_NEO4J_TRANSACTION_TIMEOUT": bad})


def test_a_phase_whose_batch_never_returns_stops_with_the_timeout_message():
    import threading

    from kg.sinks.neo4j import _Batch, _DaemonThreads, _run_phase

    never = threading.Event()
    batches = [_Batch("step", "Q", [{"id": "a"}], frozenset())]
    started = time.monotonic()
    try:
        with pytest.raises(Neo4jError, match="did not answer"):
            list(_run_phase(_DaemonThreads(), batches, writers=1, write=lambda batch: never.wait(),
                            timeout=0.5, on_timeout=lambda: "Neo4j did not answer"))
        assert time.monotonic() - started < 5
    finally:
        never.set()  # the abandoned writer thread ends


def test_the_password_is_not_in_repr_nor_in_the_displayed_uri():
    settings = Neo4jSettings(uri="bolt://someone:hunter2-secret@db.example:7687", password="hunter2-secret")
    assert "hunter2-secret" not in repr(settings)
    assert settings.display_uri == "bolt://db.example:7687"


def test_plan_groups_rows_by_label_and_type():
    plan = plan_load(make_sample_graph())
    assert set(plan.entities) == {"Organization", "Person", "Location"}
    assert len(plan.entities["Organization"]) == 4
    assert set(plan.relations) == {"BANNED", "EXEMPTED", "BASED_IN", "PULLED_PRODUCTS", "FOUNDED"}
    assert len(plan.documents) == 4 and len(plan.mentions) == 11 and len(plan.near_duplicates) == 1
    banned = plan.relations["BANNED"][0]
    assert banned["weight"] == 3 and banned["documents"] == 2
    assert banned["evidence_docs"] == ["doc-a", "doc-a", "doc-b"]


def test_plan_drops_repeated_evidence_and_fills_missing_offsets():
    graph = make_sample_graph()
    founded = next(e for e in graph["edges"] if e["type"] == "FOUNDED")
    founded["evidence"] = [founded["evidence"][0], dict(founded["evidence"][0]),
                           {"doc": "doc-d", "sentence": "No offsets here."}]
    row = plan_load(graph).relations["FOUNDED"][0]
    assert len(row["evidence_docs"]) == 2
    assert [row[f"evidence_{key}"][1] for key in ("docs", "sentences", "starts", "ends")] == [
        "doc-d", "No offsets here.", -1, -1]


@pytest.mark.parametrize("bad_type", ["Organization) DETACH DELETE (n", "organization", "Org-Name", "", "Org`x"])
def test_entity_types_that_are_not_plain_names_are_refused(bad_type):
    graph = make_sample_graph()
    graph["nodes"][5]["type"] = bad_type
    with pytest.raises((SchemaError, InputError)):
        plan_load(graph)


@pytest.mark.parametrize("bad_type", ["BANNED]->() DETACH DELETE x //", "banned", "1BANNED", "BAN NED"])
def test_relation_types_that_are_not_plain_names_are_refused(bad_type):
    graph = make_sample_graph()
    next(e for e in graph["edges"] if e["type"] == "FOUNDED")["type"] = bad_type
    with pytest.raises(SchemaError):
        plan_load(graph)


def test_edges_to_unknown_nodes_and_bad_shapes_are_input_errors():
    graph = make_sample_graph()
    graph["edges"].append({"source": "organization:velmart", "target": "organization:nobody",
                           "type": "SUED", "evidence": []})
    with pytest.raises(InputError, match="organization:nobody|target"):
        plan_load(graph)
    with pytest.raises(InputError):
        plan_load({"nodes": "not a list", "edges": []})
    with pytest.raises(InputError, match="two nodes"):
        plan_load({"nodes": [{"id": "x", "kind": "document"}] * 2, "edges": []})


def test_values_become_neo4j_property_values():
    graph = {"nodes": [{"id": "d", "kind": "document", "title": None, "authors": ["A", "B"],
                        "meta": {"k": 1}, "mixed": [1, "a"]}], "edges": []}
    props = plan_load(graph).documents[0]["props"]
    assert "title" not in props  # None is left out rather than erasing a stored value
    assert props["authors"] == ["A", "B"]
    assert props["meta"] == '{"k": 1}' and props["mixed"] == '[1, "a"]'


def test_relation_ids_and_labels_are_sent_as_text_and_the_loader_marker_is_not_taken_from_a_file():
    graph = make_sample_graph()
    founded = next(e for e in graph["edges"] if e["type"] == "FOUNDED")
    founded.update(id=7, label=3.5, kg_merging=True)
    row = plan_load(graph).relations["FOUNDED"][0]
    assert (row["id"], row["label"]) == ("7", "3.5")
    assert "kg_merging" not in row["props"]


# ---------------------------------------------------------------- real server


def _normalised(state: dict) -> dict:
    """A database state where list order that loading order may change (aliases, evidence) is sorted,
    without the record of which load said what (kg_provenance: it differs by how the documents were
    grouped into loads)."""
    nodes = []
    for labels, props in state["nodes"]:
        props = dict(props)
        props.pop("kg_provenance", None)
        if "aliases" in props:
            props["aliases"] = sorted(props["aliases"])
        nodes.append((labels, props))
    relationships = []
    for source, rel_type, target, props in state["relationships"]:
        props = dict(props)
        props.pop("kg_provenance", None)
        if "evidence_docs" in props:
            evidence = sorted(zip(props.pop("evidence_docs"), props.pop("evidence_sentences"),
                                  props.pop("evidence_starts"), props.pop("evidence_ends")))
            props["evidence"] = evidence
        relationships.append((source, rel_type, target, props))
    return {"nodes": sorted(nodes, key=repr), "relationships": sorted(relationships, key=repr)}


@pytest.mark.neo4j
def test_load_writes_the_contract_model(empty_neo4j, neo4j_driver):
    summary = load_graph(make_sample_graph(), settings=empty_neo4j)
    assert (summary.documents, summary.entities, summary.relations, summary.mentions, summary.near_duplicates) == (
        4, 6, 5, 11, 1)
    assert summary.nodes_created == 10 and summary.relationships_created == 17
    assert summary.evidence_added == 8

    records, _, _ = neo4j_driver.execute_query(
        "MATCH (e:Entity {id: 'organization:zentrix-labs'}) RETURN labels(e) AS labels, properties(e) AS p")
    entity = records[0]
    assert sorted(entity["labels"]) == ["Entity", "Organization"]
    # What this load said of it, on the word of the documents that mention it (kg.sinks.provenance).
    [said] = [json.loads(text) for text in entity["p"].pop("kg_provenance")]
    assert said["docs"] == ["doc-a", "doc-b", "doc-c", "doc-d"] and said["props"]["name"] == "Zentrix Labs"
    assert entity["p"] == {"id": "organization:zentrix-labs", "name": "Zentrix Labs", "type": "Organization",
                           "aliases": ["Zentrix", "Zentrix Labs Inc."], "mentions": 9, "documents": 4}

    records, _, _ = neo4j_driver.execute_query(
        "MATCH (:Entity {id: 'organization:trade-safety-board'})-[r:BANNED]->(:Entity {id: 'organization:zentrix-labs'}) "
        "RETURN properties(r) AS p")
    banned = records[0]["p"]
    assert [json.loads(text)["docs"] for text in banned["kg_provenance"]] == [["doc-a", "doc-b"]]
    assert banned["label"] == "banned" and banned["weight"] == 3 and banned["documents"] == 2
    assert banned["confidence"] == pytest.approx(0.9)
    assert banned["evidence_docs"] == ["doc-a", "doc-a", "doc-b"]
    assert banned["evidence_sentences"][2] == "The ban by the TSB came last week."
    assert banned["evidence_starts"] == [0, 64, 120]

    records, _, _ = neo4j_driver.execute_query(
        "MATCH (d:Document {id: 'doc-b'}) RETURN properties(d) AS p, "
        "[(d)-[m:MENTIONS]->(e) | [e.id, m.count]] AS mentions, "
        "[(c)-[n:NEAR_DUPLICATE_OF]->(d) | [c.id, n.similarity]] AS copies")
    doc = records[0]
    assert doc["p"] == {"id": "doc-b", "title": "Velmart drops Zentrix products", "source": "b.txt",
                        "published": "2021-03-05", "authors": ["Ned Faro", "Lia Stone"]}
    assert sorted(doc["mentions"]) == [["organization:trade-safety-board", 1], ["organization:velmart", 2],
                                       ["organization:zentrix-labs", 2]]
    assert doc["copies"] == [["doc-c", pytest.approx(0.93)]]


@pytest.mark.neo4j
def test_first_and_last_seen_reach_neo4j_and_a_later_load_widens_them(empty_neo4j, neo4j_driver):
    def banned(first: str, last: str, docs: set[str]) -> dict:
        graph = make_sample_graph()
        for edge in graph["edges"]:
            if edge["type"] == "BANNED":
                edge["first_seen"], edge["last_seen"] = first, last
                edge["evidence"] = [e for e in edge["evidence"] if e["doc"] in docs]
        return graph

    query = "MATCH ()-[r:BANNED]->() RETURN r.first_seen AS first, r.last_seen AS last"
    load_graph(banned("2021-03-01", "2021-03-01", {"doc-a"}), settings=empty_neo4j)
    records, _, _ = neo4j_driver.execute_query(query)
    assert [(r["first"], r["last"]) for r in records] == [("2021-03-01", "2021-03-01")]
    # another document's report of the edge widens the span; the first one's is not lost
    load_graph(banned("2021-02-20", "2021-03-05", {"doc-b"}), settings=empty_neo4j)
    records, _, _ = neo4j_driver.execute_query(query)
    assert [(r["first"], r["last"]) for r in records] == [("2021-02-20", "2021-03-05")]


@pytest.mark.neo4j
def test_load_creates_constraints_and_the_full_text_index(empty_neo4j, neo4j_driver):
    load_graph(make_sample_graph(), settings=empty_neo4j)
    constraints, _, _ = neo4j_driver.execute_query(
        "SHOW CONSTRAINTS YIELD type, labelsOrTypes, properties RETURN type, labelsOrTypes, properties")
    shapes = {(c["type"], tuple(c["labelsOrTypes"]), tuple(c["properties"])) for c in constraints}
    assert ("UNIQUENESS", ("Entity",), ("id",)) in shapes
    assert ("UNIQUENESS", ("Document",), ("id",)) in shapes
    found, _, _ = neo4j_driver.execute_query(
        "CALL db.index.fulltext.queryNodes('kg_entity_names', $q) YIELD node RETURN node.id AS id", q="TSB")
    assert [r["id"] for r in found] == ["organization:trade-safety-board"]
    with pytest.raises(neo4j.exceptions.ConstraintError):
        neo4j_driver.execute_query("CREATE (:Entity {id: 'organization:velmart'})")


@pytest.mark.neo4j
def test_loading_twice_leaves_the_database_as_after_one_load(empty_neo4j, neo4j_driver):
    load_graph(make_sample_graph(), settings=empty_neo4j)
    counts_once, state_once = graph_counts(neo4j_driver), database_state(neo4j_driver)
    again = load_graph(make_sample_graph(), settings=empty_neo4j)
    assert graph_counts(neo4j_driver) == counts_once
    assert database_state(neo4j_driver) == state_once
    assert (again.nodes_created, again.relationships_created, again.evidence_added, again.labels_added) == (0, 0, 0, 0)
    assert again.nodes_updated == 10 and again.relationships_updated == 17


@pytest.mark.neo4j
def test_batch_size_does_not_change_the_result(empty_neo4j, neo4j_driver):
    load_graph(make_sample_graph(), settings=empty_neo4j)
    default_batches = database_state(neo4j_driver)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    load_graph(make_sample_graph(), settings=empty_neo4j, batch_size=2)
    assert database_state(neo4j_driver) == default_batches


@pytest.mark.neo4j
def test_loading_documents_one_corpus_at_a_time_adds_up_to_loading_them_together(empty_neo4j, neo4j_driver):
    load_graph(make_sample_graph(), settings=empty_neo4j)
    together = _normalised(database_state(neo4j_driver))
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")

    first = load_graph(sample_graph_for({"doc-a", "doc-b"}), settings=empty_neo4j)
    second = load_graph(sample_graph_for({"doc-b", "doc-c", "doc-d"}), settings=empty_neo4j)
    # doc-b's evidence was already there: only doc-c's and doc-d's sentences are new.
    assert first.evidence_added == 6 and second.evidence_added == 2
    assert _normalised(database_state(neo4j_driver)) == together
    load_graph(sample_graph_for({"doc-c"}), settings=empty_neo4j)
    assert _normalised(database_state(neo4j_driver)) == together


@pytest.mark.neo4j
def test_removing_a_document_matches_never_having_loaded_it(empty_neo4j, neo4j_driver):
    load_graph(sample_graph_for(ALL_DOCS - {"doc-a"}), settings=empty_neo4j)
    without_a = _normalised(database_state(neo4j_driver))
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")

    load_graph(make_sample_graph(), settings=empty_neo4j)
    summary = remove_documents(["doc-a", "doc-unknown"], settings=empty_neo4j)
    assert summary.removed == ("doc-a",) and summary.missing == ("doc-unknown",)
    # EXEMPTED and BASED_IN had only doc-a's evidence; BANNED keeps doc-b's sentence.
    assert (summary.edges_deleted, summary.edges_updated) == (2, 1)
    # Civic Data Office and Port Arlen were only in doc-a.
    assert summary.entities_deleted == 2

    after = _normalised(database_state(neo4j_driver))
    # Aliases gathered while doc-a was loaded stay: compare everything else.
    assert after["relationships"] == without_a["relationships"]
    assert [(labels, {k: v for k, v in p.items() if k != "aliases"}) for labels, p in after["nodes"]] == [
        (labels, {k: v for k, v in p.items() if k != "aliases"}) for labels, p in without_a["nodes"]]


@pytest.mark.neo4j
def test_removing_every_document_empties_the_database(empty_neo4j, neo4j_driver):
    load_graph(make_sample_graph(), settings=empty_neo4j)
    summary = remove_documents(sorted(ALL_DOCS), settings=empty_neo4j)
    assert summary.removed == tuple(sorted(ALL_DOCS))
    assert graph_counts(neo4j_driver)["nodes"] == 0


@pytest.mark.neo4j
def test_values_are_parameters_not_query_text(empty_neo4j, neo4j_driver):
    graph = make_sample_graph()
    tricky = "O'Hara \"Quotes\" `ticks` \\ backslash }) DETACH DELETE n //"
    graph["nodes"][0]["title"] = tricky
    graph["nodes"][4]["aliases"] = [tricky]
    load_graph(graph, settings=empty_neo4j)
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (d:Document {id: 'doc-a'}) MATCH (e:Entity {id: 'organization:trade-safety-board'}) "
        "RETURN d.title AS title, e.aliases AS aliases")
    assert records[0]["title"] == tricky and records[0]["aliases"] == [tricky]
    assert graph_counts(neo4j_driver)["nodes"] == 10


@pytest.mark.neo4j
def test_an_unsafe_type_writes_nothing(empty_neo4j, neo4j_driver):
    graph = make_sample_graph()
    graph["nodes"][4]["type"] = "Organization) DETACH DELETE (n"
    with pytest.raises(SchemaError):
        load_graph(graph, settings=empty_neo4j)
    assert graph_counts(neo4j_driver)["nodes"] == 0


# ---------------------------------------------------------------- connection failures


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _connect_error(settings: Neo4jSettings) -> tuple[str, float]:
    started = time.monotonic()
    with pytest.raises(Neo4jError) as caught:
        with connect(settings):
            pass
    return str(caught.value), time.monotonic() - started


@pytest.mark.neo4j
def test_a_wrong_password_is_one_clean_line(neo4j_settings):
    wrong = "not-the-password-" + (neo4j_settings.password or "")[:4]
    settings = Neo4jSettings(uri=neo4j_settings.uri, username=neo4j_settings.username, password=wrong,
                             database=neo4j_settings.database)
    message, seconds = _connect_error(settings)
    assert "\n" not in message and "wrong user name or password" in message
    assert wrong not in message and (neo4j_settings.password or "") not in message
    assert seconds < 20


@pytest.mark.neo4j
def test_a_missing_database_is_named(neo4j_settings):
    settings = Neo4jSettings(uri=neo4j_settings.uri, username=neo4j_settings.username,
                             password=neo4j_settings.password, database="nosuchdatabase")
    message, seconds = _connect_error(settings)
    assert "\n" not in message and "no database 'nosuchdatabase'" in message
    assert seconds < 20


def test_an_unreachable_server_is_one_line_within_the_timeout():
    settings = Neo4jSettings(uri=f"bolt://127.0.0.1:{_closed_port()}", password="whatever-secret", timeout=3)
    message, seconds = _connect_error(settings)
    assert message.startswith("cannot reach Neo4j at bolt://127.0.0.1:") and "\n" not in message
    assert "whatever-secret" not in message
    assert seconds < 10


def test_error_messages_never_carry_the_password():
    settings = Neo4jSettings(uri="bolt://db.example:7687", password="s3cret-value")
    error = neo4j.exceptions.ServiceUnavailable("Couldn't connect:\nreason s3cret-value leaked)")
    message = neo4j_error_message(error, settings)
    assert "s3cret-value" not in message and "\n" not in message
    # A very short password is not scrubbed out of every word of the message.
    short = Neo4jSettings(uri="bolt+s://nonexistent.invalid:7687", password="x")
    assert "nonexistent.invalid" in neo4j_error_message(neo4j.exceptions.ServiceUnavailable("boom"), short)


def test_a_server_that_never_answers_is_one_line_within_the_timeout():
    """A port that accepts connections but never speaks Bolt (a hung server, the wrong service)."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        for scheme in ("bolt", "neo4j"):
            message, seconds = _connect_error(Neo4jSettings(uri=f"{scheme}://127.0.0.1:{port}", password="pw-silent",
                                                            timeout=2))
            assert message == f"cannot reach Neo4j at {scheme}://127.0.0.1:{port}: no answer in time"
            assert seconds < 10


def test_an_invalid_uri_is_one_line():
    message, _ = _connect_error(Neo4jSettings(uri="http://127.0.0.1:7474", password="pw"))
    assert "invalid Neo4j settings" in message and "\n" not in message


@pytest.mark.neo4j
def test_routing_and_tls_schemes_connect(neo4j_settings, neo4j_tls_certificate, monkeypatch):
    host_port = neo4j_settings.uri.split("://", 1)[1]
    port = host_port.rsplit(":", 1)[1]

    def settings(uri: str) -> Neo4jSettings:
        return Neo4jSettings(uri=uri, username=neo4j_settings.username, password=neo4j_settings.password,
                             database=neo4j_settings.database, timeout=10)

    with connect(settings(f"neo4j://{host_port}")) as driver:
        assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1
    # +s verifies the certificate against the system's CAs; the test server's is self-signed.
    monkeypatch.setenv("SSL_CERT_FILE", str(neo4j_tls_certificate))
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    for scheme in ("bolt+s", "neo4j+s"):
        with connect(settings(f"{scheme}://localhost:{port}")) as driver:
            assert driver.get_server_info().protocol_version >= (5, 0)
            assert driver.execute_query("RETURN 2 AS two").records[0]["two"] == 2
    monkeypatch.setenv("SSL_CERT_FILE", "/nonexistent/ca.pem")
    for scheme in ("bolt+s", "neo4j+s"):
        message, seconds = _connect_error(settings(f"{scheme}://localhost:{port}"))
        assert message.startswith(f"cannot reach Neo4j at {scheme}://localhost:{port}: its TLS certificate is not trusted")
        assert "\n" not in message and seconds < 30


def test_loading_does_not_mutate_its_input():
    graph = make_sample_graph()
    before = copy.deepcopy(graph)
    plan_load(graph)
    assert graph == before


# ---------------------------------------------------------------- parallel writers (pure)


def _random_rows(count: int, nodes: int, seed: int = 3) -> list[dict]:
    import random

    rng = random.Random(seed)
    return [{"source": f"n{rng.randrange(nodes)}", "target": f"n{rng.randrange(nodes)}", "i": i} for i in range(count)]


def test_relationship_batches_that_may_run_together_share_no_node():
    from kg.sinks.neo4j import _relationship_batches

    rows = _random_rows(2_000, 300)
    batches = _relationship_batches("step", "QUERY", rows, ends=("entity", "entity"), batch_size=100, parts=4)
    assert sorted(r["i"] for b in batches for r in b.rows) == list(range(2_000))  # every row once
    assert all(len(b.rows) <= 100 for b in batches)
    nodes = [{r["source"] for r in b.rows} | {r["target"] for r in b.rows} for b in batches]
    for i, first in enumerate(batches):
        for j, second in enumerate(batches[i + 1:], start=i + 1):
            if first.locks.isdisjoint(second.locks):
                assert nodes[i].isdisjoint(nodes[j])
    # Documents and entities are different nodes: a mention batch locks one partition of each.
    mentions = _relationship_batches("m", "Q", rows, ends=("document", "entity"), batch_size=100, parts=4)
    assert all({kind for kind, _ in b.locks} == {"document", "entity"} for b in mentions)


def test_run_phase_never_runs_overlapping_batches_at_once():
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from kg.sinks.neo4j import _relationship_batches, _run_phase

    batches = _relationship_batches("step", "Q", _random_rows(3_000, 200), ends=("entity", "entity"),
                                    batch_size=50, parts=4)
    lock = threading.Lock()
    running: list = []
    peak = [0]

    def write(batch):
        with lock:
            assert all(batch.locks.isdisjoint(other.locks) for other in running)
            running.append(batch)
            peak[0] = max(peak[0], len(running))
        time.sleep(0.002)
        with lock:
            running.remove(batch)
        return len(batch.rows)

    with ThreadPoolExecutor(max_workers=2) as pool:
        done = list(_run_phase(pool, batches, writers=2, write=write))
    assert sorted(id(b) for b, _ in done) == sorted(id(b) for b in batches)
    assert sum(result for _, result in done) == 3_000
    assert peak[0] == 2  # the two writers did work side by side


def test_relation_rows_that_matched_no_entity_are_an_error_not_silence():
    from kg.errors import Neo4jError
    from kg.sinks.neo4j import _Batch, _check_written

    batch = _Batch("relations:BANNED", "UNWIND $rows AS row ...", [{"id": "a"}, {"id": "b"}], frozenset())
    _check_written(batch, [{"evidence_added": 2, "written": 2}])  # all rows found their ends
    _check_written(batch, [{"n": 2}])  # statements that do not count rows are not checked
    with pytest.raises(Neo4jError, match="1 of 2 relations"):
        _check_written(batch, [{"evidence_added": 1, "written": 1}])


# ---------------------------------------------------------------- incremental loads (issue 10, item 2)


def _two_loads() -> tuple[dict, dict]:
    """Two graph files with no document in common that disagree on a shared entity (name, aliases,
    merge reasons, a place link) and a shared edge (confidence, sources, past, dates)."""
    def graph(doc: str, *, name: str, aliases: list[str], merge: dict, confidence: float, sources: list[str],
              past: bool, seen: str, extra: dict) -> dict:
        entity = {"id": "organization:zentrix-labs", "kind": "entity", "name": name, "type": "Organization",
                  "aliases": aliases, "mentions": 3, "documents": 1, "merged_from": [merge], **extra}
        board = {"id": "organization:trade-safety-board", "kind": "entity", "name": "Trade Safety Board",
                 "type": "Organization", "aliases": [f"TSB {doc}"], "mentions": 1, "documents": 1, "merged_from": []}
        own = {"id": f"person:writer-{doc}", "kind": "entity", "name": f"Writer {doc}", "type": "Person",
               "aliases": [], "mentions": 1, "documents": 1}
        evidence = [_evidence_item(doc, f"The Board banned Zentrix ({doc}).", 10)]
        return {"nodes": [{"id": doc, "kind": "document", "title": f"Story {doc}", "source": f"{doc}.txt",
                           "published": seen, "authors": [f"Writer {doc}"]}, entity, board, own],
                "edges": [{"source": doc, "target": e, "type": "MENTIONS", "count": c}
                          for e, c in ((entity["id"], 3), (board["id"], 1), (own["id"], 1))]
                + [{"id": "tsb|BANNED|zentrix", "source": board["id"], "target": entity["id"], "type": "BANNED",
                    "label": "banned", "weight": 1, "documents": 1, "confidence": confidence, "evidence": evidence,
                    "sources": sources, "past": past, "first_seen": seen, "last_seen": seen},
                   {"id": f"{own['id']}|WORKS_FOR|zentrix", "source": own["id"], "target": entity["id"],
                    "type": "WORKS_FOR", "label": "works for", "weight": 1, "documents": 1, "confidence": 0.7,
                    "evidence": [_evidence_item(doc, f"Writer {doc} works for Zentrix.", 60)]}]}

    a = graph("story-a", name="Zentrix Labs", aliases=["Zentrix", "ZL"],
              merge={"name": "ZL", "reason": "acronym", "doc": "story-a"}, confidence=0.895,
              sources=["rule-banned"], past=False, seen="2020-04-01", extra={"geonames_id": 11})
    b = graph("story-b", name="Zentrix Laboratories", aliases=["Zentrix Laboratories"],
              merge={"name": "Zentrix", "reason": "short form", "doc": "story-b"}, confidence=0.65,
              sources=["model"], past=True, seen="2021-06-01", extra={})
    return a, b


def _evidence_item(doc: str, sentence: str, start: int) -> dict:
    return {"doc": doc, "sentence": sentence, "start": start, "end": start + len(sentence)}


def _entity_props(driver, entity_id: str) -> dict:
    records, _, _ = driver.execute_query("MATCH (e:Entity {id: $id}) RETURN properties(e) AS p", id=entity_id)
    return records[0]["p"]


@pytest.mark.neo4j
def test_a_second_load_keeps_the_first_loads_merge_reasons_and_aliases(empty_neo4j, neo4j_driver):
    a, b = _two_loads()
    load_graph(a, settings=empty_neo4j)
    load_graph(b, settings=empty_neo4j)
    entity = _entity_props(neo4j_driver, "organization:zentrix-labs")
    assert [(m["name"], m["doc"]) for m in json.loads(entity["merged_from"])] == [("ZL", "story-a"),
                                                                                ("Zentrix", "story-b")]
    assert entity["aliases"] == ["Zentrix", "ZL", "Zentrix Laboratories"]
    assert entity["name"] == "Zentrix Laboratories" and entity["geonames_id"] == 11
    assert (entity["mentions"], entity["documents"]) == (6, 2)
    records, _, _ = neo4j_driver.execute_query("MATCH ()-[r:BANNED]->() RETURN properties(r) AS p")
    banned = records[0]["p"]
    assert banned["confidence"] == pytest.approx(0.895) and banned["sources"] == ["rule-banned", "model"]
    assert (banned["first_seen"], banned["last_seen"], banned["weight"], banned["documents"]) == (
        "2020-04-01", "2021-06-01", 2, 2)


@pytest.mark.neo4j
@pytest.mark.parametrize("order", ["a-then-b", "b-then-a"])
def test_removing_a_load_leaves_exactly_a_load_of_the_other_alone(empty_neo4j, neo4j_driver, order):
    a, b = _two_loads()
    load_graph(b, settings=empty_neo4j)
    b_alone = database_state(neo4j_driver)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")

    for graph in ((a, b) if order == "a-then-b" else (b, a)):
        load_graph(graph, settings=empty_neo4j)
    summary = remove_documents(["story-a"], settings=empty_neo4j)
    assert summary.removed == ("story-a",) and summary.entities_deleted == 1  # Writer story-a
    assert database_state(neo4j_driver) == b_alone  # every label, property and edge


@pytest.mark.neo4j
def test_removing_one_seed_article_leaves_exactly_a_load_of_the_other(empty_neo4j, neo4j_driver, seeds_dir):
    """The same with the real pipeline's graphs of the two seed articles, loaded one after the other."""
    from kg.pipeline import build_graph_json

    first, second = sorted(seeds_dir.glob("*.txt"))
    graph_a, _ = build_graph_json([str(first)])
    graph_b, _ = build_graph_json([str(second)])
    shared = ({n["id"] for n in graph_a["nodes"] if n["kind"] == "entity"}
              & {n["id"] for n in graph_b["nodes"] if n["kind"] == "entity"})
    assert shared  # the two articles share entities: what the removal must put back as B had them
    load_graph(graph_b, settings=empty_neo4j)
    b_alone = database_state(neo4j_driver)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")

    load_graph(graph_a, settings=empty_neo4j)
    load_graph(graph_b, settings=empty_neo4j)
    merges = {n["id"]: n.get("merged_from") or [] for g in (graph_a, graph_b) for n in g["nodes"]
              if n["kind"] == "entity" and n["id"] in shared and n.get("merged_from")}
    for entity_id in merges:
        stored = json.loads(_entity_props(neo4j_driver, entity_id).get("merged_from") or "[]")
        wanted = [m for g in (graph_a, graph_b) for n in g["nodes"] if n["id"] == entity_id
                  for m in n.get("merged_from") or []]
        assert all(m in stored for m in wanted), entity_id
    remove_documents([n["id"] for n in graph_a["nodes"] if n["kind"] == "document"], settings=empty_neo4j)
    assert database_state(neo4j_driver) == b_alone
