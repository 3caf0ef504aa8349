"""Benchmark: kg's batched Neo4j loader against a naive one (one MERGE per transaction).

A synthetic graph in the contract's JSON shape (at least 100,000 relation edges, with evidence,
plus documents and MENTIONS) is loaded by kg.sinks.neo4j.load_graph; a sample of it is loaded
the naive way into the same emptied database. Prints relationships per second for both and the
ratio. Uses NEO4J_URI/NEO4J_USERNAME/NEO4J_PASSWORD/NEO4J_DATABASE when NEO4J_URI is set (the
database is EMPTIED), otherwise starts tests/neo4j_test_server/server.sh and stops it afterwards.

    python bench/neo4j_load.py [--relations 100000] [--sample 2000] [--batch-size 5000] [--writers 2] [--repeat 3]

Both loaders first get the same small untimed warm-up. kg's loader then loads the full graph
(100,000 relation edges and 50,000 MENTIONS: 150,000 relationships) into the emptied database,
first on the freshly started server (whose JVM still compiles as it goes), then ``--repeat``
times more on the warmed-up server, as a long-running one would be; the best warm load counts,
as in the other benchmarks. Targets: at least 20,000 relationships per second, and at least 20
times the naive loader's relation edges per second. The CPU figures (this process, and the
server when the benchmark started it) tell how much of the wall time was work and how much was
waiting for a CPU on a shared machine.
"""
from __future__ import annotations

import argparse
import logging
import os
import random
import secrets
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kg.sinks.neo4j import (  # noqa: E402
    DEFAULT_BATCH_SIZE,
    DEFAULT_WRITERS,
    Neo4jSettings,
    connect,
    load_graph,
    settings_from_env,
)

RATE_TARGET = 20_000  # relationships written per second, warm server
RATIO_TARGET = 20.0  # times the naive loader's relation edges per second
SERVER_SCRIPT = ROOT / "tests" / "neo4j_test_server" / "server.sh"
ENTITY_TYPES = ("Person", "Organization", "Location", "Product", "Group")
RELATION_TYPES = ("BANNED", "SUED", "ACQUIRED", "PARTNERED_WITH", "INVESTED_IN", "WORKS_FOR", "LEADS",
                  "BASED_IN", "MEMBER_OF", "OWNED_BY")
SYLLABLES = ("ka", "lo", "mi", "ren", "tas", "vor", "quin", "del", "bra", "zu", "nel", "ost")


def synthetic_graph(*, relations: int, entities: int, documents: int, seed: int) -> dict:
    """A deterministic made-up graph: entities with aliases, documents mentioning ~10 entities,
    relation edges with 1-3 evidence sentences each."""
    rng = random.Random(seed)

    def word() -> str:
        return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()

    entity_nodes = []
    for i in range(entities):
        entity_type = ENTITY_TYPES[i % len(ENTITY_TYPES)]
        name = f"{word()} {word()} {i}"
        entity_nodes.append({"id": f"{entity_type.lower()}:e{i}", "kind": "entity", "name": name,
                             "type": entity_type, "aliases": [name.split()[0] + f" {i}"],
                             "mentions": 0, "documents": 0})
    doc_nodes = [{"id": f"doc-{i}", "kind": "document", "title": f"{word()} {word()} report {i}",
                  "source": f"doc-{i}.txt", "published": f"2023-{1 + i % 12:02d}-{1 + i % 28:02d}",
                  "authors": [f"{word()} {word()}"]} for i in range(documents)]
    edges = []
    mention_counts: dict[str, list[int]] = {}
    for doc in doc_nodes:
        for entity in rng.sample(entity_nodes, 10):
            count = rng.randint(1, 4)
            edges.append({"source": doc["id"], "target": entity["id"], "type": "MENTIONS", "count": count})
            mention_counts.setdefault(entity["id"], []).append(count)
    for entity in entity_nodes:
        counts = mention_counts.get(entity["id"], [])
        entity["mentions"], entity["documents"] = sum(counts), len(counts)
    seen: set[tuple[str, str, str]] = set()
    while len(seen) < relations:
        source, target = rng.sample(entity_nodes, 2)
        relation_type = rng.choice(RELATION_TYPES)
        key = (source["id"], relation_type, target["id"])
        if key in seen:
            continue
        seen.add(key)
        evidence = []
        for _ in range(rng.randint(1, 3)):
            doc = rng.choice(doc_nodes)["id"]
            start = rng.randrange(0, 5000)
            sentence = f"{source['name']} {relation_type.lower().replace('_', ' ')} {target['name']} on {word()}."
            evidence.append({"doc": doc, "sentence": sentence, "start": start, "end": start + len(sentence)})
        edges.append({"id": "|".join(key), "source": source["id"], "target": target["id"], "type": relation_type,
                      "label": relation_type.lower().replace("_", " "), "weight": len(evidence),
                      "documents": len({e["doc"] for e in evidence}), "confidence": round(rng.uniform(0.5, 1), 3),
                      "evidence": evidence})
    return {"nodes": doc_nodes + entity_nodes, "edges": edges}


def sample_of(graph: dict, relations: int) -> dict:
    """The first ``relations`` relation edges and the entities they join (no documents)."""
    chosen = [e for e in graph["edges"] if e["type"] != "MENTIONS"][:relations]
    needed = {e["source"] for e in chosen} | {e["target"] for e in chosen}
    nodes = [n for n in graph["nodes"] if n["id"] in needed]
    return {"nodes": nodes, "edges": chosen}


def naive_load(graph: dict, settings: Neo4jSettings) -> None:
    """One MERGE per transaction: how a first attempt often looks."""
    with connect(settings) as driver, driver.session(database=settings.database) as session:
        for node in graph["nodes"]:
            session.execute_write(lambda tx, n=node: tx.run(
                "MERGE (e:Entity {id: $id}) SET e.name = $name, e.type = $type, e.aliases = $aliases, "
                "e.mentions = $mentions, e.documents = $documents",
                id=n["id"], name=n["name"], type=n["type"], aliases=n["aliases"], mentions=n["mentions"],
                documents=n["documents"]).consume())
        for edge in graph["edges"]:
            query = (f"MATCH (s:Entity {{id: $source}}) MATCH (t:Entity {{id: $target}}) "
                     f"MERGE (s)-[r:{edge['type']} {{id: $id}}]->(t) "
                     "SET r.label = $label, r.weight = $weight, r.documents = $documents, r.confidence = $confidence, "
                     "r.evidence_docs = $docs, r.evidence_sentences = $sentences, "
                     "r.evidence_starts = $starts, r.evidence_ends = $ends")
            session.execute_write(lambda tx, e=edge, q=query: tx.run(
                q, source=e["source"], target=e["target"], id=e["id"], label=e["label"], weight=e["weight"],
                documents=e["documents"], confidence=e["confidence"],
                docs=[x["doc"] for x in e["evidence"]], sentences=[x["sentence"] for x in e["evidence"]],
                starts=[x["start"] for x in e["evidence"]], ends=[x["end"] for x in e["evidence"]]).consume())


def empty_database(settings: Neo4jSettings) -> None:
    with connect(settings) as driver, driver.session(database=settings.database) as session:
        while session.run("MATCH (n) WITH n LIMIT 20000 DETACH DELETE n RETURN count(*) AS n").single()["n"]:
            pass


@contextmanager
def neo4j_for_benchmark() -> Iterator[tuple[Neo4jSettings, int | None]]:
    """(settings, server process id or None); the id lets the benchmark read the server's CPU time."""
    if os.environ.get("NEO4J_URI"):
        yield settings_from_env(), None
        return
    password = secrets.token_urlsafe(18)
    with tempfile.TemporaryDirectory(prefix="kg-bench-") as run_dir:
        env = {**os.environ, "NEO4J_PASSWORD": password, "KG_NEO4J_RUN_DIR": run_dir}
        started = subprocess.run(["bash", str(SERVER_SCRIPT), "start"], env=env, capture_output=True, text=True,
                                 check=False)
        if started.returncode != 0:
            sys.exit(f"could not start the test Neo4j: {started.stderr.strip()[-1000:]}")
        try:
            pid = int((Path(run_dir) / "pid").read_text())
            yield Neo4jSettings(uri=started.stdout.strip().splitlines()[-1], password=password, timeout=60), pid
        finally:
            subprocess.run(["bash", str(SERVER_SCRIPT), "stop"], env=env, capture_output=True, check=False)


def cpu_seconds(pid: int | None) -> float:
    """User + system CPU time of a process (Linux /proc), 0 when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def measured(pid: int | None) -> Iterator[dict]:
    """Wall seconds, this process's CPU seconds and the server's CPU seconds of the block."""
    figures: dict[str, float] = {}
    wall, client, server = time.perf_counter(), time.process_time(), cpu_seconds(pid)
    yield figures
    figures.update(wall=time.perf_counter() - wall, client_cpu=time.process_time() - client,
                   server_cpu=cpu_seconds(pid) - server)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relations", type=int, default=100_000, help="relation edges in the synthetic graph")
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--documents", type=int, default=5_000)
    parser.add_argument("--sample", type=int, default=2_000, help="relation edges for the naive loader")
    parser.add_argument("--batch-size", type=int, default=DEFAULT_BATCH_SIZE)
    parser.add_argument("--writers", type=int, default=DEFAULT_WRITERS, help="concurrent write transactions of kg's loader")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed loads on the warmed-up server; the best counts")
    args = parser.parse_args()
    logging.getLogger("neo4j").setLevel(logging.ERROR)

    graph = synthetic_graph(relations=args.relations, entities=args.entities, documents=args.documents, seed=args.seed)
    relation_edges = sum(1 for e in graph["edges"] if e["type"] != "MENTIONS")
    all_edges = len(graph["edges"])
    sample = sample_of(graph, args.sample)
    print(f"synthetic graph: {len(graph['nodes'])} nodes, {relation_edges} relation edges, "
          f"{all_edges - relation_edges} MENTIONS edges; load average before: {os.getloadavg()[0]:.2f}")
    with neo4j_for_benchmark() as (settings, server_pid):
        # A server just started runs its first queries interpreted and compiles them as it goes;
        # a long-running one does not. Both loaders get the same untimed warm-up.
        warm = synthetic_graph(relations=2_000, entities=1_000, documents=200, seed=args.seed + 1)
        empty_database(settings)
        load_graph(warm, settings=settings, batch_size=args.batch_size, writers=args.writers)
        empty_database(settings)
        naive_load(sample_of(warm, 200), settings)

        runs = []
        for _ in range(1 + args.repeat):  # the first load after start, then the warm ones
            empty_database(settings)
            with measured(server_pid) as kg_run:
                summary = load_graph(graph, settings=settings, batch_size=args.batch_size, writers=args.writers)
            assert summary.relationships_created == all_edges, summary
            runs.append(kg_run)

        empty_database(settings)
        with measured(server_pid) as naive_run:
            naive_load(sample, settings)

        empty_database(settings)
        with measured(server_pid) as kg_sample_run:
            load_graph(sample, settings=settings, batch_size=args.batch_size, writers=args.writers)
        empty_database(settings)

    naive_rate = args.sample / naive_run["wall"]
    warm_runs = runs[1:]
    best = min(warm_runs, key=lambda run: run["wall"])
    for index, run in enumerate(runs):
        what = "first load after the server started" if index == 0 else f"warm server, load {index}"
        server = f", server {run['server_cpu']:.1f} s" if server_pid else ""
        print(f"kg loader, {what}: {all_edges} relationships ({relation_edges} relation edges + "
              f"{all_edges - relation_edges} MENTIONS; {len(graph['nodes'])} nodes) in {run['wall']:.2f} s = "
              f"{all_edges / run['wall']:,.0f} relationships/s ({relation_edges / run['wall']:,.0f} relation edges/s); "
              f"CPU: client {run['client_cpu']:.1f} s{server}")
    walls = sorted(run["wall"] for run in warm_runs)
    print(f"warm loads: best {best['wall']:.2f} s, median {walls[len(walls) // 2]:.2f} s of {len(walls)}; "
          f"batch size {args.batch_size}, {args.writers} writers")
    print(f"naive loader: {args.sample} relation edges (+{len(sample['nodes'])} nodes), one MERGE per transaction, "
          f"in {naive_run['wall']:.1f} s = {naive_rate:,.1f} relation edges/s")
    print(f"kg loader on the same sample: {kg_sample_run['wall']:.2f} s = "
          f"{args.sample / kg_sample_run['wall']:,.0f} relation edges/s")
    rate = all_edges / best["wall"]
    ratio = (relation_edges / best["wall"]) / naive_rate
    print(f"kg load, warm server: {rate:,.0f} relationships/s  target >= {RATE_TARGET:,}  "
          f"{'PASS' if rate >= RATE_TARGET else 'FAIL'}")
    print(f"against the naive loader (relation edges/s): {ratio:.1f}x  target >= {RATIO_TARGET:g}x  "
          f"{'PASS' if ratio >= RATIO_TARGET else 'FAIL'}")
    print(f"load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0 if rate >= RATE_TARGET and ratio >= RATIO_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
