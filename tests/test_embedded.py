"""The embedded store (kg.sinks.embedded, a real LadybugDB file): loads, reloads, removals, values
that need care, the lock between kg processes, a kill during a load, and the commands that use it
by default (no server, no NEO4J_*)."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest_neo4j import make_sample_graph, sample_graph_for
from kg.errors import StoreError, UsageError
from kg.sinks import embedded
from kg.store import Store, choose_engine, dialect_file, run_query

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))


def _state(path: Path) -> embedded.StoreState:
    return embedded.read_state(path)


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def _kg(*args: str, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], env=_env(), cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL, check=False)


def _one_error_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: "), done.stderr
    return lines[0]


# ---------------------------------------------------------------- load, reload, remove


def test_a_load_holds_the_contract_model_and_a_reload_changes_nothing(tmp_path):
    db = tmp_path / "kg.db"
    first = embedded.load_graph(make_sample_graph(), path=db)
    assert (first.nodes_created, first.relationships_created) == (10, 17)  # 4 documents + 6 entities; 11+1+5 edges
    state = _state(db)
    second = embedded.load_graph(make_sample_graph(), path=db)
    assert (second.nodes_created, second.relationships_created, second.evidence_added) == (0, 0, 0)
    assert _state(db) == state

    board = state.entities["organization:trade-safety-board"]
    assert board["type"] == "Organization" and board["aliases"] == ["TSB", "the Board"]
    assert (board["mentions"], board["documents"]) == (4, 2)
    ban = state.relations[("BANNED", "organization:trade-safety-board", "organization:zentrix-labs",
                           "organization:trade-safety-board|BANNED|organization:zentrix-labs")]
    assert ban["evidence_docs"] == ["doc-a", "doc-a", "doc-b"] and ban["weight"] == 3 and ban["confidence"] == 0.9
    assert state.mentions[("doc-a", "organization:zentrix-labs")] == {"count": 4}
    assert state.near_duplicates[("doc-c", "doc-b")] == {"similarity": 0.93}
    assert state.documents["doc-b"]["authors"] == ["Ned Faro", "Lia Stone"]


def test_load_a_then_b_then_remove_a_equals_a_load_of_b_alone(tmp_path):
    a, b = {"doc-a", "doc-d"}, {"doc-b", "doc-c"}
    both = tmp_path / "both.db"
    embedded.load_graph(sample_graph_for(a), path=both)
    embedded.load_graph(sample_graph_for(b), path=both)
    assert _state(both) == _state_of(make_sample_graph(), tmp_path / "full.db")  # two halves make the whole
    summary = embedded.remove_documents(["doc-a", "doc-d", "doc-nowhere"], path=both)
    assert summary.removed == ("doc-a", "doc-d") and summary.missing == ("doc-nowhere",)
    assert summary.entities_deleted == 3  # the civic office, the city and the founder had only doc-a or doc-d
    assert _state(both) == _state_of(sample_graph_for(b), tmp_path / "b.db")


def _state_of(graph: dict, path: Path) -> embedded.StoreState:
    embedded.load_graph(graph, path=path)
    return _state(path)


def test_a_second_document_adds_its_evidence_to_an_edge_already_there(tmp_path):
    db = tmp_path / "kg.db"
    embedded.load_graph(sample_graph_for({"doc-a"}), path=db)
    summary = embedded.load_graph(sample_graph_for({"doc-b"}), path=db)
    assert summary.evidence_added == 2  # the ban's sentence in doc-b, and the products pulled
    store = Store("embedded", db=db)
    from kg.query import bind_parameters, find_query, read_query

    query = read_query(find_query("who-banned-whom", cwd=ROOT))
    rows = run_query(query, bind_parameters(query, {}), store=store).as_dicts()
    assert [(r["banned_by"], r["weight"], r["documents"]) for r in rows] == [("Trade Safety Board", 3, 2)]
    assert rows[0]["evidence"][-1] == "doc-b: The ban by the TSB came last week."


def test_properties_a_graph_lacks_read_as_null_and_new_ones_become_columns(tmp_path):
    graph = make_sample_graph()
    edge = next(e for e in graph["edges"] if e["type"] == "FOUNDED")
    edge.update(first_seen="2022-01-10", last_seen="2022-01-10", past=True, sources=["role:founder", "model"])
    next(n for n in graph["nodes"] if n["id"] == "person:orla-vance")["wikidata"] = "Q000"
    db = tmp_path / "kg.db"
    embedded.load_graph(graph, path=db)
    columns, rows = embedded.run_cypher(
        "MATCH (s:Entity)-[r]->(o:Entity) RETURN type(r), r.first_seen, r.last_seen, r.past, r.sources, s.wikidata "
        "ORDER BY type(r)", {}, path=db)
    found = {row[0]: row[1:] for row in rows}
    assert found["FOUNDED"] == ("2022-01-10", "2022-01-10", True, ["role:founder", "model"], "Q000")
    assert found["BANNED"] == (None, None, None, None, None)


def test_values_a_csv_field_cannot_carry_arrive_intact(tmp_path):
    graph = make_sample_graph()
    odd = ["", "a\x1fb", "\\N", "line one\nline two, \"quoted\"", "ümlaut 中文"]
    doc = next(n for n in graph["nodes"] if n["id"] == "doc-d")
    doc.update(title="\\N", authors=odd[1:], url="")
    # A column of texts that look like numbers, and an empty one, is still a column of texts.
    next(n for n in graph["nodes"] if n["id"] == "doc-a").update(title="2021", url="7")
    next(n for n in graph["nodes"] if n["id"] == "doc-b").update(title="", url="")
    edge = next(e for e in graph["edges"] if e["type"] == "FOUNDED")
    edge["evidence"] = [{"doc": "doc-d", "sentence": text, "start": i, "end": i + 1} for i, text in enumerate(odd)]
    db = tmp_path / "kg.db"
    embedded.load_graph(graph, path=db)
    state = _state(db)
    assert state.documents["doc-d"]["title"] == "\\N" and state.documents["doc-d"]["url"] == ""
    assert state.documents["doc-d"]["authors"] == odd[1:]
    assert [state.documents[d]["title"] for d in ("doc-a", "doc-b")] == ["2021", ""]
    assert [state.documents[d]["url"] for d in ("doc-a", "doc-b")] == ["7", ""]
    founded = next(v for k, v in state.relations.items() if k[0] == "FOUNDED")
    assert founded["evidence_sentences"] == odd and founded["evidence_starts"] == [0, 1, 2, 3, 4]


def test_a_graph_kg_could_not_have_written_is_refused_before_the_store_is_touched(tmp_path):
    from kg.errors import InputError

    db = tmp_path / "kg.db"
    with pytest.raises(InputError):
        embedded.load_graph({"nodes": [{"id": "x", "kind": "planet"}], "edges": []}, path=db)
    assert not db.exists()


# ---------------------------------------------------------------- engines and query files


def test_the_engine_is_embedded_unless_neo4j_is_configured_or_asked_for():
    assert choose_engine(environ={}) == "embedded"
    assert choose_engine(environ={"NEO4J_URI": "bolt://h:7687"}) == "neo4j"
    assert choose_engine(neo4j=True, environ={}) == "neo4j"
    assert choose_engine(uri="bolt://h:7687", environ={}) == "neo4j"
    assert choose_engine(db="x.db", environ={"NEO4J_URI": "bolt://h:7687"}) == "embedded"
    with pytest.raises(UsageError):
        choose_engine(db="x.db", neo4j=True, environ={})


OVERRIDES = sorted((ROOT / "queries" / "embedded").glob("*.cypher"))


@pytest.mark.parametrize("override", OVERRIDES, ids=[p.stem for p in OVERRIDES])
def test_an_override_exists_only_where_the_shared_query_fails_and_keeps_its_header(override, tmp_path):
    from kg.query import bind_parameters, read_query

    shared = read_query(ROOT / "queries" / override.name)
    local = read_query(override)
    assert (local.description, local.parameters) == (shared.description, shared.parameters)
    assert dialect_file(shared.path, "embedded") == override and dialect_file(shared.path, "neo4j") == shared.path
    db = tmp_path / "kg.db"
    embedded.load_graph(make_sample_graph(), path=db)
    values = {p.name: (p.default if p.default is not None else {"integer": "1", "date": "2021-01-01"}.get(p.type, "TSB"))
              for p in shared.parameters}
    params = bind_parameters(shared, values)
    with pytest.raises(StoreError, match="refused the query"):
        embedded.run_cypher(shared.text, params, path=db)
    embedded.run_cypher(local.text, params, path=db)  # and the override runs


def test_a_query_file_cannot_change_the_store(tmp_path):
    db = tmp_path / "kg.db"
    embedded.load_graph(make_sample_graph(), path=db)
    with pytest.raises(StoreError, match="cannot change the store"):
        embedded.run_cypher("MATCH (e:Entity) DETACH DELETE e", {}, path=db)
    assert len(_state(db).entities) == 6


# ---------------------------------------------------------------- two processes, and a kill


def test_a_second_writer_waits_then_fails_in_one_line(tmp_path):
    graph_file = tmp_path / "graph.json"
    graph_file.write_text(json.dumps(make_sample_graph()), encoding="utf-8")
    db = tmp_path / "kg.db"
    holder = subprocess.Popen([sys.executable, "-c", (
        "import fcntl, sys, time\n"
        f"handle = open({str(db) + '.lock'!r}, 'a+b')\n"
        "fcntl.flock(handle, fcntl.LOCK_EX)\n"
        "print('locked', flush=True)\n"
        "time.sleep(60)\n")], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        done = _kg("load", str(graph_file), "--db", str(db), "--lock-timeout", "1", cwd=tmp_path)
        assert done.returncode == 2
        assert "is in use by another kg process (waited 1 s)" in _one_error_line(done)
        assert time.monotonic() - started < 30
        assert not db.exists()
    finally:
        holder.kill()
        holder.wait()
    assert _kg("load", str(graph_file), "--db", str(db), "-q", cwd=tmp_path).returncode == 0  # the lock went with it


@pytest.mark.slow
def test_a_kill_during_a_load_leaves_the_old_store_and_a_rerun_equals_a_clean_load(tmp_path):
    from neo4j_load import synthetic_graph

    small = tmp_path / "small.json"
    small.write_text(json.dumps(make_sample_graph()), encoding="utf-8")
    big = tmp_path / "big.json"
    big.write_text(json.dumps(synthetic_graph(relations=60_000, entities=8_000, documents=2_000, seed=3)),
                   encoding="utf-8")
    db = tmp_path / "kg.db"
    assert _kg("load", str(small), "--db", str(db), "-q", cwd=tmp_path).returncode == 0
    before = _state(db)

    process = subprocess.Popen([sys.executable, "-m", "kg", "load", str(big), "--db", str(db), "-q"], env=_env(),
                               cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not list(tmp_path.glob(".kg.db.tmp-*")) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # well into writing the new store
    assert process.poll() is None, "the load finished before it could be killed"
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert list(tmp_path.glob(".kg.db.tmp-*"))  # killed while the new store was being written
    assert _state(db) == before  # the store is the old one, whole

    rerun = _kg("load", str(big), "--db", str(db), "-q", cwd=tmp_path)
    assert rerun.returncode == 0, rerun.stderr
    assert not list(tmp_path.glob(".kg.db.tmp-*"))
    clean = tmp_path / "clean.db"
    for graph in (small, big):
        assert _kg("load", str(graph), "--db", str(clean), "-q", cwd=tmp_path).returncode == 0
    assert _state(db) == _state(clean)


def test_a_store_that_cannot_be_read_names_rebuild_as_the_way_out(tmp_path):
    graph_file = tmp_path / "graph.json"
    graph_file.write_text(json.dumps(make_sample_graph()), encoding="utf-8")
    db = tmp_path / "kg.db"
    db.write_bytes(b"not a store" * 1000)
    done = _kg("load", str(graph_file), "--db", str(db), cwd=tmp_path)
    assert done.returncode == 2 and "--rebuild" in _one_error_line(done)
    rebuilt = _kg("load", str(graph_file), "--db", str(db), "--rebuild", "-q", cwd=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert len(_state(db).documents) == 4


# ---------------------------------------------------------------- the commands, no server


def test_load_query_remove_without_a_server(tmp_path):
    graph_file = tmp_path / "graph.json"
    graph_file.write_text(json.dumps(make_sample_graph()), encoding="utf-8")
    first = _kg("load", str(graph_file), cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "nodes: 10 created" in first.stderr and (tmp_path / "kg.db").is_file()
    again = _kg("load", str(graph_file), cwd=tmp_path)
    assert "nodes: 0 created, 10 already there" in again.stderr

    asked = _kg("query", "who-banned-whom", "--format", "json", cwd=tmp_path)
    assert asked.returncode == 0, asked.stderr
    rows = json.loads(asked.stdout)
    assert [(r["banned_by"], r["banned"]) for r in rows] == [("Trade Safety Board", "Zentrix Labs")]
    assert "doc-b: The ban by the TSB came last week." in rows[0]["evidence"]

    removed = _kg("remove", "doc-d", "doc-zzz", cwd=tmp_path)
    assert removed.returncode == 1 and "kg: skipped doc-zzz: not in the database" in removed.stderr
    founder = _kg("query", "entity", "-p", "entity=Orla Vance", "--format", "json", cwd=tmp_path)
    assert founder.returncode == 0 and json.loads(founder.stdout) == []


def test_no_store_yet_is_one_line_that_says_how_to_make_one(tmp_path):
    done = _kg("query", "who-banned-whom", cwd=tmp_path)
    assert done.returncode == 2 and "kg load" in _one_error_line(done)
    assert not (tmp_path / "kg.db").exists()


def test_query_list_and_help_say_where_things_go(tmp_path):
    listed = _kg("query", "--list", cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    names = [line.split(":")[0] for line in listed.stdout.splitlines() if not line.startswith(" ")]
    assert names == sorted(p.stem for p in (ROOT / "queries").glob("*.cypher"))
    assert "co-mentioned: Entities co-mentioned with X\n    parameters: entity, limit=25" in listed.stdout
    for command in ("load", "query", "remove"):
        shown = _kg(command, "--help", cwd=tmp_path).stdout
        assert "embedded store" in shown and "NEO4J_URI" in shown and "--db" in shown


# ---------------------------------------------------------------- the same store as Neo4j's


def _neo4j_as_state(driver) -> embedded.StoreState:
    """A Neo4j database in the embedded store's terms (its entity label is the ``type`` property
    both keep), without the Neo4j loader's own bookkeeping (kg.sinks.provenance)."""
    from kg.sinks.provenance import LOCK, PROVENANCE

    state = embedded.StoreState()
    nodes, _, _ = driver.execute_query("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    for record in nodes:
        props = {k: v for k, v in record["props"].items() if k not in (PROVENANCE, LOCK)}
        if "Document" in record["labels"]:
            state.documents[props["id"]] = props
        else:
            assert "Entity" in record["labels"] and props["type"] in record["labels"]
            state.entities[props["id"]] = props
    relationships, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.id AS source, type(r) AS type, b.id AS target, properties(r) AS props")
    for record in relationships:
        key = (record["source"], record["target"])
        record = {**record, "props": {k: v for k, v in record["props"].items() if k not in (PROVENANCE, LOCK)}}
        if record["type"] == "MENTIONS":
            state.mentions[key] = record["props"]
        elif record["type"] == "NEAR_DUPLICATE_OF":
            state.near_duplicates[key] = record["props"]
        else:
            state.relations[(record["type"], *key, record["props"]["id"])] = record["props"]
    return state


@pytest.mark.neo4j
def test_loads_and_removals_leave_the_embedded_store_as_they_leave_neo4j(empty_neo4j, neo4j_driver, tmp_path):
    from kg.sinks import neo4j

    db = tmp_path / "kg.db"
    graph_a, graph_b = sample_graph_for({"doc-a", "doc-d"}), sample_graph_for({"doc-b", "doc-c", "doc-a"})
    graph_b["edges"][-1]["first_seen"] = "2021-03-05"  # a property only the second load brings
    steps = [("load", graph_a), ("load", graph_b), ("load", graph_b), ("remove", ["doc-a", "doc-zzz"])]
    for step, argument in steps:
        if step == "load":
            neo4j.load_graph(argument, settings=empty_neo4j)
            embedded.load_graph(argument, path=db)
        else:
            assert (neo4j.remove_documents(argument, settings=empty_neo4j)
                    == embedded.remove_documents(argument, path=db))
        assert _state(db) == _neo4j_as_state(neo4j_driver), step
