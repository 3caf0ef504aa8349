"""Pytest plugin: a real Neo4j for tests marked ``neo4j``.

- ``NEO4J_URI`` set: the tests use that server (with NEO4J_USERNAME, NEO4J_PASSWORD,
  NEO4J_DATABASE). They EMPTY that database: point them at a throw-away one.
- Otherwise the session starts tests/neo4j_test_server/server.sh (Neo4j 5.26 Community built from Maven
  Central) with a random password, and stops it at the end.
- No server: the tests are skipped, unless ``KG_REQUIRE_NEO4J=1`` (CI), where that is a failure.

The test server also speaks TLS on its Bolt port with a throw-away self-signed certificate
(``neo4j_tls_certificate``), so bolt+s:// and neo4j+s:// are tested against a real handshake.
"""
from __future__ import annotations

import json
import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import neo4j
import pytest

from kg.sinks.neo4j import Neo4jSettings, connect, settings_from_env

__all__ = ["neo4j_server_run_dir", "neo4j_settings", "neo4j_admin", "start_server_on_store", "neo4j_driver", "empty_neo4j", "neo4j_tls_certificate",
           "sample_graph", "seed_graph", "graph_counts", "database_state", "make_sample_graph", "sample_graph_for"]

SERVER_SCRIPT = Path(__file__).resolve().parent / "neo4j_test_server" / "server.sh"
START_TIMEOUT_S = 900  # a cold Maven build downloads Neo4j first


def _required() -> bool:
    return os.environ.get("KG_REQUIRE_NEO4J", "").strip() not in ("", "0", "false", "no")


def _unavailable(reason: str) -> None:
    if _required():
        pytest.fail(f"KG_REQUIRE_NEO4J is set but no Neo4j is available: {reason}", pytrace=False)
    pytest.skip(f"no Neo4j: {reason}")


def _start_test_server(run_dir: Path, password: str, *, env: dict[str, str] | None = None) -> str:
    # PYTHON: this interpreter (it has the driver) checks the login, whatever python3 is on the PATH
    env = {**os.environ, "NEO4J_PASSWORD": password, "KG_NEO4J_RUN_DIR": str(run_dir), "PYTHON": sys.executable,
           **(env or {})}
    done = subprocess.run(["bash", str(SERVER_SCRIPT), "start"], env=env, capture_output=True,
                          text=True, timeout=START_TIMEOUT_S, check=False)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines or not lines[-1].startswith("bolt://"):
        raise RuntimeError(f"server.sh start exited {done.returncode}: {done.stderr.strip()[-2000:]}")
    return lines[-1].strip()


def _stop_test_server(run_dir: Path) -> None:
    env = {**os.environ, "KG_NEO4J_RUN_DIR": str(run_dir)}
    subprocess.run(["bash", str(SERVER_SCRIPT), "stop"], env=env, capture_output=True,
                   text=True, timeout=120, check=False)


@pytest.fixture(scope="session")
def _neo4j_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Neo4jSettings, Path | None]]:
    if os.environ.get("NEO4J_URI"):
        settings = settings_from_env()
        try:
            with connect(settings):
                pass
        except Exception as error:  # noqa: BLE001 - any failure here means "no server"
            _unavailable(str(error))
        yield settings, None
        return
    run_dir = tmp_path_factory.mktemp("neo4j-run")
    password = secrets.token_urlsafe(18)
    try:
        uri = _start_test_server(run_dir, password)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        _stop_test_server(run_dir)
        _unavailable(str(error))
    try:
        yield Neo4jSettings(uri=uri, username="neo4j", password=password), run_dir
    finally:
        _stop_test_server(run_dir)


def start_server_on_store(home: Path, run_dir: Path) -> tuple[Neo4jSettings, Callable[[], None]]:
    """A second test server on the store in ``home`` (as ``neo4j-admin database import`` leaves
    it with NEO4J_HOME=home), with a small heap; returns its settings and a function that stops it."""
    password = secrets.token_urlsafe(18)
    try:
        uri = _start_test_server(run_dir, password, env={"KG_NEO4J_HOME": str(home), "KG_NEO4J_HEAP": "512m"})
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        _stop_test_server(run_dir)
        pytest.fail(f"the test server did not start on {home}: {error}", pytrace=False)
    return Neo4jSettings(uri=uri, username="neo4j", password=password), lambda: _stop_test_server(run_dir)


@pytest.fixture(scope="session")
def neo4j_admin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a ``neo4j-admin`` command (Neo4j 5.26's AdminTool from the test server's
    jars, Maven Central), to put first on the PATH."""
    folder = tmp_path_factory.mktemp("neo4j-admin-bin")
    script = folder / "neo4j-admin"
    script.write_text(f'#!/usr/bin/env sh\nexec bash "{SERVER_SCRIPT}" admin "$@"\n')
    script.chmod(0o755)
    return folder


@pytest.fixture(scope="session")
def neo4j_settings(_neo4j_server: tuple[Neo4jSettings, Path | None]) -> Neo4jSettings:
    """Connection settings of a live Neo4j that the tests may empty."""
    return _neo4j_server[0]


@pytest.fixture(scope="session")
def neo4j_server_run_dir(_neo4j_server: tuple[Neo4jSettings, Path | None]) -> Path:
    """The state folder of the server this session started (skips for a user's own server)."""
    if _neo4j_server[1] is None:
        pytest.skip("NEO4J_URI points at a server this session did not start")
    return _neo4j_server[1]


@pytest.fixture(scope="session")
def neo4j_tls_certificate(neo4j_server_run_dir: Path) -> Path:
    """The self-signed certificate (PEM, for 127.0.0.1 and localhost) the session's test server
    presents to bolt+s:// and neo4j+s:// clients; trust it with SSL_CERT_FILE."""
    certificate = neo4j_server_run_dir / "tls" / "public.crt"
    if not certificate.is_file():
        _unavailable("the test server runs without TLS (is openssl installed?)")
    return certificate


@pytest.fixture(scope="session")
def neo4j_driver(neo4j_settings: Neo4jSettings) -> Iterator[neo4j.Driver]:
    with connect(neo4j_settings) as driver:
        yield driver


@pytest.fixture
def empty_neo4j(neo4j_settings: Neo4jSettings, neo4j_driver: neo4j.Driver) -> Neo4jSettings:
    """The settings, after deleting every node and relationship (indexes and constraints stay)."""
    with neo4j_driver.session(database=neo4j_settings.database) as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    return neo4j_settings


def _own(bookkeeping: bool) -> list[str]:
    """The kg loader's own bookkeeping properties (kg.sinks.provenance), left out when asked."""
    from kg.sinks.provenance import LOCK, PROVENANCE

    return [] if bookkeeping else [PROVENANCE, LOCK]


def graph_counts(driver: neo4j.Driver, database: str | None = None, *, bookkeeping: bool = True) -> dict[str, int]:
    """Nodes, relationships and property values (on both), for comparing database states;
    ``bookkeeping=False`` leaves out the loader's own properties (an import has none)."""
    # Two plain queries: a CALL subquery without a scope clause is deprecated from Neo4j 5.23 on,
    # and the scoped form does not parse on older 5.x servers a user may point NEO4J_URI at.
    own = _own(bookkeeping)
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN count(n) AS nodes, coalesce(sum(size([k IN keys(n) WHERE NOT k IN $own])), 0) AS node_properties",
        own=own, database_=database)
    relationships, _, _ = driver.execute_query(
        "MATCH ()-[r]->() RETURN count(r) AS relationships, "
        "coalesce(sum(size([k IN keys(r) WHERE NOT k IN $own])), 0) AS relationship_properties",
        own=own, database_=database)
    return {**nodes[0].data(), **relationships[0].data()}


def database_state(driver: neo4j.Driver, database: str | None = None, *, bookkeeping: bool = True) -> dict[str, list]:
    """Every node (labels, properties) and relationship (type, ends, properties), sorted, so two
    database states compare with ==; ``bookkeeping=False`` leaves out the loader's own properties."""
    own = set(_own(bookkeeping))
    nodes, _, _ = driver.execute_query(
        "MATCH (n) RETURN labels(n) AS labels, properties(n) AS props", database_=database)
    relationships, _, _ = driver.execute_query(
        "MATCH (a)-[r]->(b) RETURN a.id AS source, type(r) AS type, b.id AS target, properties(r) AS props",
        database_=database)

    def kept(props: dict) -> dict:
        return {k: v for k, v in props.items() if k not in own}

    def order(row) -> str:  # not repr: two equal maps may list their keys in different orders
        return json.dumps(row, sort_keys=True, default=str)

    node_rows = sorted(((sorted(r["labels"]), kept(r["props"])) for r in nodes), key=order)
    rel_rows = sorted(((r["source"], r["type"], r["target"], kept(r["props"])) for r in relationships), key=order)
    return {"nodes": node_rows, "relationships": rel_rows}


def _evidence(doc: str, sentence: str, start: int) -> dict:
    return {"doc": doc, "sentence": sentence, "start": start, "end": start + len(sentence)}


def make_sample_graph() -> dict:
    """A small graph in the contract's JSON shape, with made-up names: four documents (one a
    near-duplicate of another), six entities, five relation types, mentions with counts."""
    documents = [
        {"id": "doc-a", "kind": "document", "title": "Regulator bars Zentrix software", "source": "a.txt",
         "published": "2021-03-01", "authors": ["Mara Quill"]},
        {"id": "doc-b", "kind": "document", "title": "Velmart drops Zentrix products", "source": "b.txt",
         "published": "2021-03-05", "authors": ["Ned Faro", "Lia Stone"]},
        {"id": "doc-c", "kind": "document", "title": "Velmart drops Zentrix products (syndicated)",
         "source": "c.txt", "published": "2021-03-06", "authors": []},
        {"id": "doc-d", "kind": "document", "title": "How Zentrix began", "source": "d.txt",
         "published": "2022-01-10", "authors": ["Mara Quill"]},
    ]
    mentions = [  # (document, entity, count)
        ("doc-a", "organization:trade-safety-board", 3), ("doc-a", "organization:zentrix-labs", 4),
        ("doc-a", "location:port-arlen", 1), ("doc-a", "organization:civic-data-office", 1),
        ("doc-b", "organization:trade-safety-board", 1), ("doc-b", "organization:zentrix-labs", 2),
        ("doc-b", "organization:velmart", 2),
        ("doc-c", "organization:zentrix-labs", 2), ("doc-c", "organization:velmart", 2),
        ("doc-d", "person:orla-vance", 2), ("doc-d", "organization:zentrix-labs", 1),
    ]
    entity_specs = [
        ("organization:trade-safety-board", "Trade Safety Board", "Organization", ["TSB", "the Board"]),
        ("organization:zentrix-labs", "Zentrix Labs", "Organization", ["Zentrix", "Zentrix Labs Inc."]),
        ("organization:velmart", "Velmart", "Organization", []),
        ("organization:civic-data-office", "Civic Data Office", "Organization", ["CDO"]),
        ("person:orla-vance", "Orla Vance", "Person", ["Vance"]),
        ("location:port-arlen", "Port Arlen", "Location", []),
    ]
    entities = []
    for entity_id, name, entity_type, aliases in entity_specs:
        counts = [count for _, target, count in mentions if target == entity_id]
        entities.append({"id": entity_id, "kind": "entity", "name": name, "type": entity_type,
                         "aliases": aliases, "mentions": sum(counts), "documents": len(counts)})

    def relation(source: str, relation_type: str, target: str, label: str, confidence: float,
                 evidence: list[dict]) -> dict:
        return {"id": f"{source}|{relation_type}|{target}", "source": source, "target": target,
                "type": relation_type, "label": label, "weight": len(evidence),
                "documents": len({e["doc"] for e in evidence}), "confidence": confidence,
                "evidence": evidence}

    relations = [
        relation("organization:trade-safety-board", "BANNED", "organization:zentrix-labs", "banned", 0.9, [
            _evidence("doc-a", "The Trade Safety Board banned Zentrix Labs software on Monday.", 0),
            _evidence("doc-a", "The Board said the ban takes effect in 90 days.", 64),
            _evidence("doc-b", "The ban by the TSB came last week.", 120),
        ]),
        relation("organization:trade-safety-board", "EXEMPTED", "organization:civic-data-office", "exempted", 0.6, [
            _evidence("doc-a", "The order does not apply to the Civic Data Office.", 200),
        ]),
        relation("organization:zentrix-labs", "BASED_IN", "location:port-arlen", "based in", 0.8, [
            _evidence("doc-a", "Zentrix Labs, based in Port Arlen, denied wrongdoing.", 300),
        ]),
        relation("organization:velmart", "PULLED_PRODUCTS", "organization:zentrix-labs", "pulled products", 0.85, [
            _evidence("doc-b", "Velmart pulled Zentrix products from its shelves.", 0),
            _evidence("doc-c", "Velmart pulled Zentrix products from its shelves.", 10),
        ]),
        relation("person:orla-vance", "FOUNDED", "organization:zentrix-labs", "founded", 0.95, [
            _evidence("doc-d", "Orla Vance founded Zentrix Labs in a garage.", 0),
        ]),
    ]
    edges = [{"source": doc, "target": entity, "type": "MENTIONS", "count": count}
             for doc, entity, count in mentions]
    edges.append({"source": "doc-c", "target": "doc-b", "type": "NEAR_DUPLICATE_OF", "similarity": 0.93})
    edges.extend(relations)
    return {"nodes": documents + entities, "edges": edges}


@pytest.fixture
def sample_graph() -> dict:
    return make_sample_graph()


@pytest.fixture(scope="session")
def seed_graph(seeds_dir: Path) -> dict:
    """The contract graph of the seed articles, built by kg's real pipeline (spaCy model and all):
    what ``kg load seeds`` sends to Neo4j."""
    from kg.pipeline import build_graph_json

    graph, summary = build_graph_json([str(seeds_dir)])
    assert summary.documents == len(list(seeds_dir.glob("*.txt"))) and not summary.skipped
    return graph


def sample_graph_for(doc_ids: set[str]) -> dict:
    """What the sample graph would be had only ``doc_ids`` been read: their documents, mentions and
    evidence, and the entities and relations they support, with counts over those documents."""
    full = make_sample_graph()
    documents = [n for n in full["nodes"] if n["kind"] == "document" and n["id"] in doc_ids]
    mentions = [e for e in full["edges"] if e["type"] == "MENTIONS" and e["source"] in doc_ids]
    near = [e for e in full["edges"] if e["type"] == "NEAR_DUPLICATE_OF"
            and e["source"] in doc_ids and e["target"] in doc_ids]
    entities = []
    for node in full["nodes"]:
        counts = [m["count"] for m in mentions if m["target"] == node["id"]]
        if node["kind"] == "entity" and counts:
            entities.append({**node, "mentions": sum(counts), "documents": len(counts)})
    relations = []
    for edge in full["edges"]:
        if edge["type"] in ("MENTIONS", "NEAR_DUPLICATE_OF"):
            continue
        evidence = [e for e in edge["evidence"] if e["doc"] in doc_ids]
        if evidence:
            relations.append({**edge, "evidence": evidence, "weight": len(evidence),
                              "documents": len({e["doc"] for e in evidence})})
    return {"nodes": documents + entities, "edges": mentions + near + relations}
