"""Benchmark: kg's embedded store (LadybugDB) load against kg's Neo4j load, one graph, one run.

The synthetic graph of bench/neo4j_load.py (its generator: 100,000 relation edges with one to
three evidence sentences each, 50,000 MENTIONS, 25,000 nodes) is loaded by
kg.sinks.embedded.load_graph into a new store file ``--repeat`` times (the best counts, as in the
other benchmarks), then once more into the full store (a reload, which must change nothing);
then by kg.sinks.neo4j.load_graph into Neo4j as bench/neo4j_load.py does (an untimed warm-up, then
``--repeat`` loads into the emptied database, the best counting). Neo4j is NEO4J_URI's when set
(the database is EMPTIED), else the test server that tests/neo4j_test_server/server.sh starts.
Target: the embedded load at least 20,000 relationships per second.

    python bench/embedded_load.py [--relations 100000] [--repeat 3] [--no-neo4j]
"""
from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from neo4j_load import empty_database, measured, neo4j_for_benchmark, synthetic_graph  # noqa: E402

from kg.sinks import embedded  # noqa: E402
from kg.sinks.neo4j import load_graph as load_into_neo4j  # noqa: E402

RATE_TARGET = 20_000  # relationships per second, embedded store


def embedded_runs(graph: dict, *, repeat: int) -> tuple[list[float], float, object]:
    """Wall seconds of each load into a new store, of a reload into the full one, and the
    reload's summary."""
    walls = []
    with tempfile.TemporaryDirectory(prefix="kg-bench-store-") as folder:
        for index in range(repeat):
            path = Path(folder) / f"run-{index}.db"
            started = time.perf_counter()
            summary = embedded.load_graph(graph, path=path)
            walls.append(time.perf_counter() - started)
            assert summary.relationships_created == len(graph["edges"]), summary
        started = time.perf_counter()
        reload = embedded.load_graph(graph, path=path)
        reload_wall = time.perf_counter() - started
        assert reload.relationships_created == 0 and reload.evidence_added == 0, reload
        size = path.stat().st_size
    print(f"embedded store file: {size / 2**20:.1f} MiB")
    return walls, reload_wall, reload


def neo4j_runs(graph: dict, *, repeat: int, seed: int) -> list[float]:
    with neo4j_for_benchmark() as (settings, server_pid):
        warm = synthetic_graph(relations=2_000, entities=1_000, documents=200, seed=seed + 1)
        empty_database(settings)
        load_into_neo4j(warm, settings=settings)
        walls = []
        for _ in range(repeat):
            empty_database(settings)
            with measured(server_pid) as run:
                load_into_neo4j(graph, settings=settings)
            walls.append(run["wall"])
        empty_database(settings)
    return walls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--relations", type=int, default=100_000)
    parser.add_argument("--entities", type=int, default=20_000)
    parser.add_argument("--documents", type=int, default=5_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--repeat", type=int, default=3, help="timed loads per engine; the best counts")
    parser.add_argument("--no-neo4j", action="store_true", help="the embedded store only")
    args = parser.parse_args()
    logging.getLogger("neo4j").setLevel(logging.ERROR)

    graph = synthetic_graph(relations=args.relations, entities=args.entities, documents=args.documents, seed=args.seed)
    edges = len(graph["edges"])
    print(f"synthetic graph: {len(graph['nodes'])} nodes, {edges} relationships "
          f"({args.relations} relation edges); load average before: {os.getloadavg()[0]:.2f}")
    walls, reload_wall, _ = embedded_runs(graph, repeat=args.repeat)
    best = min(walls)
    rate = edges / best
    print(f"embedded store, new store: best {best:.2f} s of {len(walls)} "
          f"({', '.join(f'{w:.2f}' for w in walls)}) = {rate:,.0f} relationships/s")
    print(f"embedded store, reload of the same graph (nothing changes): {reload_wall:.2f} s")
    if not args.no_neo4j:
        neo_walls = neo4j_runs(graph, repeat=args.repeat, seed=args.seed)
        neo_best = min(neo_walls)
        print(f"Neo4j, emptied database: best {neo_best:.2f} s of {len(neo_walls)} "
              f"({', '.join(f'{w:.2f}' for w in neo_walls)}) = {edges / neo_best:,.0f} relationships/s")
        print(f"embedded against Neo4j: {neo_best / best:.2f}x")
    print(f"embedded load: {rate:,.0f} relationships/s  target >= {RATE_TARGET:,}  "
          f"{'PASS' if rate >= RATE_TARGET else 'FAIL'}")
    print(f"load average after: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    return 0 if rate >= RATE_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
