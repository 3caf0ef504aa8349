"""Which graph store a command works on, and the three things done with one: load a graph, run
a query file, remove documents.

The embedded store (kg.sinks.embedded, a LadybugDB file, ``./kg.db`` unless ``--db`` says
otherwise) is the default, so loading and asking need no server. Neo4j (kg.sinks.neo4j) is used
when ``NEO4J_URI`` is set, or ``--neo4j`` or ``--uri`` is given; an explicit ``--db`` keeps the
embedded store even with ``NEO4J_URI`` set.

Query files in ``queries/`` are Neo4j Cypher; where LadybugDB's dialect differs, the embedded
store runs ``queries/embedded/NAME.cypher`` instead (same header, parameters and columns).
"""
from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.errors import UsageError

__all__ = ["ENGINES", "Store", "choose_engine", "dialect_file", "load_graph", "run_query", "remove_documents"]

ENGINES = ("embedded", "neo4j")
DIALECT_DIR = "embedded"  # beside a query file: its LadybugDB version, where the dialects differ


@dataclass(frozen=True)
class Store:
    """A graph store: the embedded one at ``db``, or Neo4j with ``settings``."""

    engine: str
    db: Path | None = None
    settings: Any = None  # kg.sinks.neo4j.Neo4jSettings


def choose_engine(*, neo4j: bool = False, db: str | None = None, uri: str | None = None,
                  environ: Mapping[str, str] | None = None) -> str:
    """``neo4j`` when asked for (``--neo4j``, ``--uri``) or configured (``NEO4J_URI``) and no
    ``--db`` is given; else ``embedded``."""
    if db is not None and (neo4j or uri):
        raise UsageError("--db names an embedded store, --neo4j and --uri a Neo4j server: give one of them")
    if neo4j or uri:
        return "neo4j"
    if db is not None:
        return "embedded"
    env = os.environ if environ is None else environ
    return "neo4j" if env.get("NEO4J_URI") else "embedded"


def dialect_file(path: Path, engine: str) -> Path:
    """The file to run for ``engine``: the query's embedded override when there is one."""
    if engine == "embedded":
        override = path.parent / DIALECT_DIR / path.name
        if override.is_file():
            return override
    return path


def load_graph(graph: Mapping[str, Any], *, store: Store, batch_size: int | None = None, rebuild: bool = False,
               progress: Callable[[str, int], None] | None = None, lock_timeout: float | None = None):
    """Write a contract graph dict into the store; loading twice changes nothing. Returns the
    engine's summary (``lines()`` says what changed)."""
    if store.engine == "embedded":
        from kg.sinks import embedded

        options = {} if lock_timeout is None else {"lock_timeout": lock_timeout}
        return embedded.load_graph(graph, path=store.db, rebuild=rebuild, **options)
    if rebuild:
        raise UsageError("--rebuild is for the embedded store; on Neo4j remove documents with kg remove")
    from kg.sinks import neo4j

    options = {} if batch_size is None else {"batch_size": batch_size}
    return neo4j.load_graph(graph, settings=store.settings, progress=progress, **options)


def run_query(query: Any, params: Mapping[str, Any], *, store: Store):
    """Run a kg.query.QueryFile read-only on the store: a kg.query.QueryResult."""
    from kg.query import QueryResult, read_query
    from kg.query import run_query as run_on_neo4j

    if store.engine == "neo4j":
        return run_on_neo4j(query, params, settings=store.settings)
    from kg.query import match_relation_types
    from kg.sinks import embedded
    from kg.sinks.cypher import statement

    if any(p.type == "relation" and params.get(p.name) for p in query.parameters):
        # the store's own relation tables spell the types, as db.relationshipTypes() does on Neo4j
        _, tables = embedded.run_cypher(statement("embedded_tables"), {}, path=store.db)
        structural = {"MENTIONS", "NEAR_DUPLICATE_OF", "SAID"}
        known = sorted(name for name, kind in tables if kind == "REL" and name not in structural)
        params = match_relation_types(query, params, known)
    text = read_query(dialect_file(query.path, "embedded")).text if query.path else query.text
    columns, rows = embedded.run_cypher(text, params, path=store.db)
    return QueryResult(columns=columns, rows=rows)


def remove_documents(doc_ids: Iterable[str], *, store: Store, lock_timeout: float | None = None):
    """Take documents out of the store with every edge and entity only they supported."""
    if store.engine == "embedded":
        from kg.sinks import embedded

        options = {} if lock_timeout is None else {"lock_timeout": lock_timeout}
        return embedded.remove_documents(doc_ids, path=store.db, **options)
    from kg.sinks import neo4j

    return neo4j.remove_documents(doc_ids, settings=store.settings)
