"""kg's graph in an embedded LadybugDB store (a file, ``./kg.db`` by default): load, remove, query
with Cypher, no server.

The model is the contract's, as in Neo4j, with one difference LadybugDB imposes: a node has one
label, so entities are ``(:Entity {id, name, type, aliases, mentions, documents, ...})`` with the
type as a property; documents ``(:Document)``, quotes ``(:Quote)``, ``MENTIONS``,
``NEAR_DUPLICATE_OF``, ``SAID`` and one relationship table per relation type, with the same ids
and properties as in Neo4j (kg/data/cypher/embedded_schema.cypher).

A load or a removal has the same meaning as on Neo4j (kg.sinks.neo4j: MERGE on ids, evidence
added once per document and offsets, counts recomputed; removal takes out what only the removed
documents supported). The store is small next to a server's and LadybugDB's fast path is bulk
``COPY FROM``, so a change is made on the graph in memory (the store as it is, read back, with
the new graph merged in, by the pure functions below) and the whole store is written anew with
``COPY FROM`` into a file beside it, which then replaces it in one rename. So a kill at any
moment leaves the old store or the new one, never half of one, and readers never wait.
Writers take a lock file (``PATH.lock``) first: a second writer waits for it, up to a timeout,
then fails with one line.
"""
from __future__ import annotations

import csv
import json
import os
import re
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from kg.errors import InputError, StoreError
from kg.sinks.cypher import checked_name, statement, statements

__all__ = [
    "DEFAULT_DB",
    "DEFAULT_LOCK_TIMEOUT",
    "StoreState",
    "StoreLoadSummary",
    "load_graph",
    "remove_documents",
    "read_state",
    "run_cypher",
]

DEFAULT_DB = "kg.db"
DEFAULT_LOCK_TIMEOUT = 30.0  # seconds a writer waits for another kg process to finish with the store

_NODE_TABLES = ("Entity", "Document", "Quote")
_STRUCTURAL = ("MENTIONS", "NEAR_DUPLICATE_OF", "SAID")
_PROPERTY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# Field markers of the CSV files the store is copied from. Lists go in one field, items joined by
# _ITEM (the store splits them back); a value these cannot carry (an empty list item, an item
# holding _ITEM, a text equal to _NULL) is written as null and set afterwards by a parameter.
_ITEM = "\x1f"
_NULL = "\\N"


# ---------------------------------------------------------------- the graph in memory (pure)


@dataclass
class StoreState:
    """Everything in a store, keyed as Neo4j's MERGE keys it. Property maps hold no None."""

    documents: dict[str, dict] = field(default_factory=dict)  # id -> properties (id included)
    entities: dict[str, dict] = field(default_factory=dict)
    quotes: dict[str, dict] = field(default_factory=dict)
    mentions: dict[tuple[str, str], dict] = field(default_factory=dict)  # (document, entity) -> {count}
    quote_mentions: dict[tuple[str, str], dict] = field(default_factory=dict)  # (quote, entity)
    near_duplicates: dict[tuple[str, str], dict] = field(default_factory=dict)
    said: dict[tuple[str, str], dict] = field(default_factory=dict)  # (entity, quote)
    relations: dict[tuple[str, str, str, str], dict] = field(default_factory=dict)  # (type, source, target, id)

    @property
    def node_count(self) -> int:
        return len(self.documents) + len(self.entities) + len(self.quotes)

    @property
    def relationship_count(self) -> int:
        return (len(self.mentions) + len(self.quote_mentions) + len(self.near_duplicates) + len(self.said)
                + len(self.relations))


@dataclass(frozen=True)
class StoreLoadSummary:
    """What one load read and what it changed in the store."""

    path: str
    documents: int
    entities: int
    mentions: int
    relations: int
    near_duplicates: int
    nodes_created: int
    relationships_created: int
    evidence_added: int
    nodes: int  # in the store after the load
    relationships: int
    seconds: float

    @property
    def relationships_written(self) -> int:
        return self.mentions + self.relations + self.near_duplicates

    def lines(self) -> list[str]:
        return [
            f"read {self.documents} documents, {self.entities} entities, {self.relations} relations, "
            f"{self.mentions} mentions, {self.near_duplicates} near-duplicate links",
            f"nodes: {self.nodes_created} created, {self.documents + self.entities - self.nodes_created} already there",
            f"relationships: {self.relationships_created} created, "
            f"{self.relationships_written - self.relationships_created} already there; "
            f"{self.evidence_added} evidence sentences added",
            f"store {self.path}: {self.nodes} nodes, {self.relationships} relationships; done in {self.seconds:.1f} s",
        ]


def merge_plan(state: StoreState, plan: Any) -> tuple[int, int, int]:
    """Merge a kg.sinks.neo4j.LoadPlan into ``state`` the way kg's Neo4j statements merge it
    (merge_*.cypher, refresh_entity_counts.cypher). Returns (nodes created, relationships
    created, evidence sentences added)."""
    nodes_created = relationships_created = evidence_added = 0
    for row in plan.documents:
        node = state.documents.get(row["id"])
        if node is None:
            node = state.documents[row["id"]] = {"id": row["id"]}
            nodes_created += 1
        node.update(row["props"])
    for rows in plan.entities.values():
        for row in rows:
            node = state.entities.get(row["id"])
            if node is None:
                node = state.entities[row["id"]] = {"id": row["id"]}
                nodes_created += 1
            node.update(row["props"])
            aliases = list(node.get("aliases") or [])
            aliases += [alias for alias in dict.fromkeys(row["aliases"]) if alias not in aliases]
            node["aliases"] = aliases
    for row in plan.quotes:
        nodes_created += row["id"] not in state.quotes
        _merge_quote(state.quotes.setdefault(row["id"], {"id": row["id"]}), row)
    for row in plan.said:  # merge_said.cypher: the attributing documents, a union
        key = (row["source"], row["target"])
        relationships_created += key not in state.said
        edge = state.said.setdefault(key, {"evidence_docs": []})
        edge["evidence_docs"] = list(dict.fromkeys([*edge["evidence_docs"], *row["documents"]]))
    for row in plan.quote_mentions:
        key = (row["source"], row["target"])
        relationships_created += key not in state.quote_mentions
        state.quote_mentions.setdefault(key, {})
    for row in plan.mentions:
        key = (row["source"], row["target"])
        relationships_created += key not in state.mentions
        state.mentions[key] = {"count": row["count"]}
    for row in plan.near_duplicates:
        key = (row["source"], row["target"])
        relationships_created += key not in state.near_duplicates
        state.near_duplicates[key] = _without_none({"similarity": row["similarity"]})
    for relation_type, rows in plan.relations.items():
        for row in rows:
            key = (relation_type, row["source"], row["target"], row["id"])
            edge = state.relations.get(key)
            if edge is None:
                state.relations[key] = _new_edge(row)
                relationships_created += 1
                evidence_added += len(row["evidence_docs"])
            else:
                evidence_added += _merge_edge(edge, row)
    counts: dict[str, list] = {}
    for (_, entity), mention in state.mentions.items():
        counts.setdefault(entity, []).append(mention.get("count"))
    for row in plan.entity_counts:
        node = state.entities.get(row["id"])
        if node is not None:
            mentioned = counts.get(row["id"], [])
            node["documents"] = max(len(mentioned), row["documents"])
            node["mentions"] = max(sum(1 if c is None else c for c in mentioned), row["mentions"])
    return nodes_created, relationships_created, evidence_added


def _merge_quote(node: dict, row: Mapping[str, Any]) -> None:
    """merge_quotes.cypher: the text and kind as loaded, the evidence (doc, start, end) it lacks
    added, its documents those of its evidence."""
    node["text"], node["kind"] = row["text"], row["kind"]
    evidence = list(zip(node.get("evidence_docs") or [], node.get("evidence_starts") or [], node.get("evidence_ends") or []))
    have = set(evidence)
    evidence += [item for item in zip(row["evidence_docs"], row["evidence_starts"], row["evidence_ends"])
                 if item not in have]
    _set_quote_evidence(node, evidence)


def _set_quote_evidence(node: dict, evidence: list[tuple[str, int, int]]) -> None:
    node["evidence_docs"] = [doc for doc, _, _ in evidence]
    node["evidence_starts"] = [start for _, start, _ in evidence]
    node["evidence_ends"] = [end for _, _, end in evidence]
    node["documents"] = list(dict.fromkeys(node["evidence_docs"]))


def _remove_quote_evidence(state: StoreState, wanted: set[str]) -> set[str]:
    """remove_quotes.cypher: the documents' evidence off quotations (one left with none goes,
    with its SAID and MENTIONS edges) and off SAID edges (one left with no document goes).
    Returns the entities at the other end of a touched quotation."""
    touched: set[str] = set()
    for quote_id, quote in list(state.quotes.items()):
        docs = quote.get("evidence_docs") or []
        if not wanted.intersection(docs):
            continue
        touched |= {e for e, q in state.said if q == quote_id} | {e for q, e in state.quote_mentions if q == quote_id}
        evidence = [item for item in zip(docs, quote["evidence_starts"], quote["evidence_ends"]) if item[0] not in wanted]
        if evidence:
            _set_quote_evidence(quote, evidence)
            continue
        del state.quotes[quote_id]
        for key in [k for k in state.said if k[1] == quote_id]:
            del state.said[key]
        for key in [k for k in state.quote_mentions if k[0] == quote_id]:
            del state.quote_mentions[key]
    for key, edge in list(state.said.items()):
        if wanted.intersection(edge.get("evidence_docs") or []):
            edge["evidence_docs"] = [d for d in edge["evidence_docs"] if d not in wanted]
            if not edge["evidence_docs"]:
                del state.said[key]
    return touched


def _new_edge(row: Mapping[str, Any]) -> dict:
    # The lists are shared with the row: a later merge replaces them, never changes them in place.
    edge = dict(row["props"])
    edge.update(id=row["id"], label=row["label"], evidence_docs=row["evidence_docs"],
                evidence_sentences=row["evidence_sentences"], evidence_starts=row["evidence_starts"],
                evidence_ends=row["evidence_ends"], weight=row["weight"], documents=row["documents"])
    if row["confidence"] is not None:
        edge["confidence"] = row["confidence"]
    return edge


def _merge_edge(edge: dict, row: Mapping[str, Any]) -> int:
    """An edge already in the store takes the row's evidence items it lacks (same document and
    offsets: already there); weight and documents never fall below the graph file's figures, the
    confidence is the higher one. Returns how many evidence items were added."""
    have = set(zip(edge.get("evidence_docs") or [], edge.get("evidence_starts") or [], edge.get("evidence_ends") or []))
    fresh = [i for i, item in enumerate(zip(row["evidence_docs"], row["evidence_starts"], row["evidence_ends"]))
             if item not in have]
    edge.update(row["props"])
    edge["label"] = row["label"]
    for name in ("evidence_docs", "evidence_sentences", "evidence_starts", "evidence_ends"):
        edge[name] = list(edge.get(name) or []) + [row[name][i] for i in fresh]
    edge["weight"] = max(row["weight"], len(edge["evidence_docs"]))
    edge["documents"] = max(row["documents"], len(set(edge["evidence_docs"])))
    if edge.get("confidence") is None or (row["confidence"] is not None and row["confidence"] > edge["confidence"]):
        if row["confidence"] is not None:
            edge["confidence"] = row["confidence"]
    return len(fresh)


def remove_from_state(state: StoreState, doc_ids: Iterable[str]) -> dict[str, Any]:
    """Take documents out of ``state`` as remove_evidence.cypher, remove_documents.cypher and
    prune_entities.cypher do in Neo4j: their evidence (an edge left with none goes), their
    nodes with MENTIONS and NEAR_DUPLICATE_OF, then every entity nothing links to any more;
    the entities still mentioned are recounted. Returns the figures of a RemoveSummary."""
    wanted = set(doc_ids)
    touched: set[str] = set()
    cited: set[str] = set()
    edges_deleted = edges_updated = 0
    for key, edge in list(state.relations.items()):
        docs = edge.get("evidence_docs") or []
        hits = wanted.intersection(docs)
        if not hits:
            continue
        cited |= hits
        touched.update(key[1:3])
        kept = [i for i, doc in enumerate(docs) if doc not in wanted]
        if not kept:
            del state.relations[key]
            edges_deleted += 1
            continue
        for name in ("evidence_docs", "evidence_sentences", "evidence_starts", "evidence_ends"):
            values = edge.get(name) or []
            edge[name] = [values[i] for i in kept]
        edge["weight"] = len(kept)
        edge["documents"] = len(set(edge["evidence_docs"]))
        edges_updated += 1
    touched |= _remove_quote_evidence(state, wanted)
    removed = sorted(wanted.intersection(state.documents))
    for doc_id in removed:
        del state.documents[doc_id]
    for key in [key for key in state.mentions if key[0] in wanted]:
        touched.add(key[1])
        del state.mentions[key]
    for key in [key for key in state.near_duplicates if wanted.intersection(key)]:
        del state.near_duplicates[key]
    degree: Counter = Counter()
    for _, source, target, _ in state.relations:
        degree[source] += 1
        degree[target] += 1
    counts: dict[str, list] = {}
    for (_, entity), mention in state.mentions.items():
        degree[entity] += 1
        counts.setdefault(entity, []).append(mention.get("count"))
    for (_, entity) in state.quote_mentions:
        degree[entity] += 1
    for (entity, _) in state.said:
        degree[entity] += 1
    entities_deleted = entities_updated = 0
    for entity in sorted(touched):
        if entity not in state.entities:
            continue
        if degree[entity] == 0:
            del state.entities[entity]
            entities_deleted += 1
        elif counts.get(entity):
            state.entities[entity]["documents"] = len(counts[entity])
            state.entities[entity]["mentions"] = sum(1 if c is None else c for c in counts[entity])
            entities_updated += 1
    found = tuple(sorted(set(removed) | cited))
    return {"removed": found, "missing": tuple(doc for doc in sorted(wanted) if doc not in found),
            "edges_deleted": edges_deleted, "edges_updated": edges_updated,
            "entities_deleted": entities_deleted, "entities_updated": entities_updated}


def _without_none(props: Mapping[str, Any]) -> dict:
    return {key: value for key, value in props.items() if value is not None}


# ---------------------------------------------------------------- opening and locking


def _database(path: Path, *, read_only: bool):
    """A LadybugDB database; its own failures become one-line StoreErrors."""
    import ladybug

    try:
        return ladybug.Database(str(path), read_only=read_only)
    except RuntimeError as error:
        text = _one_line(str(error)).split(" See the docs", 1)[0]
        if "lock" in text.lower():
            raise StoreError(f"the store {path} is open for writing in another program: {text}") from None
        raise StoreError(f"cannot open the store {path}: {text}; kg load --rebuild INPUT... writes it anew") from None


@contextmanager
def _connection(path: Path, *, read_only: bool) -> Iterator[Any]:
    import ladybug

    database = _database(path, read_only=read_only)
    connection = ladybug.Connection(database)
    try:
        yield connection
    finally:
        connection.close()
        database.close()


@contextmanager
def _writer_lock(path: Path, *, timeout: float) -> Iterator[None]:
    """The store's lock file, held for the whole of a load or a removal. Another kg process that
    holds it is waited for, up to ``timeout`` seconds. The kernel drops the lock when its holder
    dies, so a killed load never leaves the store locked."""
    try:
        import fcntl
    except ImportError:  # not on POSIX: no lock between processes
        yield
        return
    lock_path = path.with_name(path.name + ".lock")
    try:
        handle = open(lock_path, "a+b")
    except OSError as error:
        raise StoreError(f"cannot create the lock file {lock_path}: {error.strerror or error}") from None
    deadline = time.monotonic() + timeout
    try:
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise StoreError(f"the store {path} is in use by another kg process (waited {timeout:g} s); "
                                     "try again when it has finished") from None
                time.sleep(0.1)
        yield
    finally:
        handle.close()


# ---------------------------------------------------------------- reading a store


def read_state(path: str | os.PathLike) -> StoreState:
    """The graph in the store at ``path`` (an empty state when there is no store)."""
    path = Path(path)
    state = StoreState()
    if not path.exists():
        return state
    if not path.is_file():
        raise StoreError(f"{path} is not a kg store (a folder); give --db a file path")
    with _connection(path, read_only=True) as connection:
        tables = {row[0]: row[1] for row in _rows(connection, statement("embedded_tables"))}
        nodes = {"Entity": state.entities, "Document": state.documents, "Quote": state.quotes}
        for name, target in nodes.items():
            if tables.get(name) == "NODE":
                for (node,) in _rows(connection, statement("embedded_read_nodes", label=name)):
                    target[node["id"]] = _properties(node)
        for name, kind in sorted(tables.items()):
            if kind != "REL":
                continue
            for source, target, rel in _rows(connection, statement("embedded_read_relationships", type=name)):
                props = _properties(rel)
                if name == "MENTIONS":
                    into = state.mentions if source in state.documents else state.quote_mentions
                    into[(source, target)] = props
                elif name == "NEAR_DUPLICATE_OF":
                    state.near_duplicates[(source, target)] = props
                elif name == "SAID":
                    state.said[(source, target)] = props
                else:
                    state.relations[(name, source, target, props.get("id"))] = props
    return state


def _properties(item: Mapping[str, Any]) -> dict:
    # LadybugDB returns every declared column, null where a node has no value; Neo4j has no nulls.
    return {key: value for key, value in item.items() if not key.startswith("_") and value is not None}


def _rows(connection: Any, query: str, parameters: Mapping[str, Any] | None = None) -> list[list]:
    result = connection.execute(query, dict(parameters or {}))
    rows = []
    while result.has_next():
        rows.append(result.get_next())
    return rows


# ---------------------------------------------------------------- writing a store


_SCALAR_TYPES = {str: "STRING", bool: "BOOLEAN", int: "INT64", float: "DOUBLE"}


def _column_types(items: Iterable[Mapping[str, Any]], declared: Mapping[str, str]) -> dict[str, str]:
    """Column name -> LadybugDB type for a table: the declared columns, and one for each other
    property the items carry, typed from its values (integers and floats together: DOUBLE;
    anything else mixed: STRING holding JSON)."""
    seen: dict[str, set[str]] = {}
    for item in items:
        for key, value in item.items():
            if key not in declared:
                seen.setdefault(key, set()).add(_value_type(value))
    columns = dict(declared)
    for key, kinds in sorted(seen.items()):
        if not _PROPERTY_NAME.fullmatch(key):
            raise InputError(f"property name {key!r} cannot be a column of the embedded store "
                             "(letters, digits and _ only, a letter first)")
        kinds.discard("NULL")
        if kinds <= {"INT64", "DOUBLE"} and kinds:
            columns[key] = "DOUBLE" if "DOUBLE" in kinds else "INT64"
        elif kinds <= {"INT64[]", "DOUBLE[]"} and kinds:
            columns[key] = "DOUBLE[]" if "DOUBLE[]" in kinds else "INT64[]"
        elif len(kinds) == 1:
            columns[key] = kinds.pop()
        else:
            columns[key] = "STRING"
    return columns


def _value_type(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, (list, tuple)):
        kinds = {_SCALAR_TYPES.get(type(v), "?") for v in value}
        if len(kinds) == 1 and "?" not in kinds:
            return kinds.pop() + "[]"
        if kinds <= {"INT64", "DOUBLE"} and kinds:
            return "DOUBLE[]"
        return "STRING[]" if not value else "JSON"
    return _SCALAR_TYPES.get(type(value), "JSON")


def _declared_columns(ddl: str) -> dict[str, dict[str, str]]:
    """Table -> {column: type} from CREATE TABLE statements (the schema files are the one place
    the columns are written down)."""
    tables: dict[str, dict[str, str]] = {}
    for match in re.finditer(r"CREATE (?:NODE|REL) TABLE (\w+)\((.*)\)", ddl):
        columns: dict[str, str] = {}
        for part in match.group(2).split(","):
            words = part.split()
            if len(words) >= 2 and words[0] not in ("FROM",):
                columns[words[0]] = words[1]
        tables[match.group(1)] = columns
    return tables


def _converter(kind: str):
    """The function that writes a value as a CSV field for a column of ``kind``: its text, or
    None when a field cannot carry it (chosen once per column: this runs for every cell)."""
    if kind.endswith("[]"):
        item = _scalar_writer(kind[:-2])

        def write_list(value: Any) -> str | None:
            if value is None:
                return _NULL
            if not isinstance(value, (list, tuple)):
                return None
            items = [item(v) for v in value]
            joined = _ITEM.join(items)
            # An empty item, or one holding the separator, would not split back into itself.
            if "" in items or joined.count(_ITEM) != max(len(items) - 1, 0):
                return None
            return joined

        return write_list
    scalar = _scalar_writer(kind)

    def write_scalar(value: Any) -> str | None:
        if value is None:
            return _NULL
        text = scalar(value)
        return None if text == _NULL else text

    return write_scalar


def _scalar_writer(kind: str):
    if kind == "BOOLEAN":
        return lambda value: "true" if value else "false"
    if kind == "DOUBLE":
        return lambda value: repr(float(value))
    if kind == "INT64":
        return lambda value: str(int(value))
    return lambda value: value if type(value) is str else _json_text(value)


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def _coerce(value: Any, kind: str) -> Any:
    """A value as its column holds it (for the rare value set by a parameter)."""
    if value is None:
        return None
    if kind.endswith("[]"):
        return [_coerce(v, kind[:-2]) for v in value]
    if kind == "STRING" and not isinstance(value, str):
        return _json_text(value)
    if kind == "DOUBLE":
        return float(value)
    return value


def _field_expression(index: int, kind: str) -> str:
    column = f"column{index}"
    if kind == "STRING":
        return column
    if kind == "STRING[]":
        return f"regexp_split_to_array({column}, '{_ITEM}')"
    if kind.endswith("[]"):
        return f"CAST(regexp_split_to_array({column}, '{_ITEM}') AS {kind})"
    return f"CAST({column} AS {kind})"


def _cypher_text(text: str) -> str:
    """``text`` inside a single-quoted Cypher string literal."""
    return text.replace("\\", "\\\\").replace("'", "\\'")


def _quoted(name: str) -> str:
    return f"`{name}`"


@dataclass(frozen=True)
class _Table:
    name: str
    columns: dict[str, str]  # property columns, in order
    rows: list[tuple[tuple[str, ...], dict]]  # (key: primary key, or (from, to)), properties
    is_rel: bool
    pair: tuple[str, str] | None = None  # the FROM and TO tables, for a table of several pairs


def _tables(state: StoreState, relation_types: Iterable[str]) -> list[_Table]:
    declared = _declared_columns("\n".join(statements("embedded_schema")))
    relation_columns = _declared_columns(statement("embedded_relation_table", type="RELATION"))["RELATION"]
    tables = []
    for name, nodes in (("Entity", state.entities), ("Document", state.documents), ("Quote", state.quotes)):
        props = [{k: v for k, v in node.items() if k != "id"} for node in nodes.values()]
        columns = _column_types(props, {k: v for k, v in declared[name].items() if k != "id"})
        tables.append(_Table(name, columns, [((node_id,), p) for node_id, p in zip(nodes, props)], False))
    mention_columns = _column_types([*state.mentions.values(), *state.quote_mentions.values()], declared["MENTIONS"])
    tables.append(_Table("MENTIONS", mention_columns, list(state.mentions.items()), True, ("Document", "Entity")))
    tables.append(_Table("MENTIONS", mention_columns, list(state.quote_mentions.items()), True, ("Quote", "Entity")))
    for name, rows in (("NEAR_DUPLICATE_OF", state.near_duplicates), ("SAID", state.said)):
        tables.append(_Table(name, _column_types(rows.values(), declared[name]), list(rows.items()), True))
    by_type: dict[str, list] = {name: [] for name in relation_types}
    for (relation_type, source, target, _), props in state.relations.items():
        by_type.setdefault(relation_type, []).append(((source, target), props))
    all_props = [props for props in state.relations.values()]
    columns = _column_types(all_props, relation_columns)  # every relation table has the same columns
    for name in sorted(by_type):
        tables.append(_Table(checked_name(name, what="relation type"), columns, by_type[name], True))
    return tables


def write_state(state: StoreState, path: str | os.PathLike, *, relation_types: Iterable[str] = ()) -> None:
    """Write ``state`` as a new store at ``path``: into a file beside it, then renamed over it
    (so the old store stays whole until the new one is complete)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    for stale in folder.glob(f".{path.name}.tmp-*"):  # left by a killed load (we hold the lock)
        _remove(stale)
    new = folder / f".{path.name}.tmp-{os.getpid()}"
    try:
        with tempfile.TemporaryDirectory(prefix=".kg-copy-", dir=folder) as scratch, \
                _connection(new, read_only=False) as connection:
            # One transaction: each statement committed on its own would flush the log again.
            connection.execute("BEGIN TRANSACTION")
            for ddl in statements("embedded_schema"):
                connection.execute(ddl)
            tables = _tables(state, relation_types)
            declared = {**_declared_columns("\n".join(statements("embedded_schema"))),
                        **_declared_columns(statement("embedded_relation_table", type="RELATION"))}
            for table in tables:
                _create_table(connection, table, declared)
            fixes = []
            for table in tables:
                fixes += _copy_table(connection, table, Path(scratch))
            for query, parameters in fixes:
                connection.execute(query, parameters)
            connection.execute("COMMIT")
        if Path(f"{new}.wal").exists():
            raise StoreError(f"the new store {new} was not closed cleanly; nothing was changed")
        with open(new, "rb") as handle:
            os.fsync(handle.fileno())
        _remove(Path(f"{path}.wal"))  # a log of the old store would be replayed into the new one
        os.replace(new, path)
    except RuntimeError as error:
        raise StoreError(f"writing the store {path} failed: {_one_line(str(error))}") from None
    except OSError as error:
        raise StoreError(f"writing the store {path} failed: {error.strerror or error}") from None
    finally:
        _remove(new)
        _remove(Path(f"{new}.wal"))


def _create_table(connection: Any, table: _Table, declared: Mapping[str, Mapping[str, str]]) -> None:
    """Create a relation type's table, and add the columns the declared ones lack."""
    if table.name not in _NODE_TABLES + _STRUCTURAL:
        connection.execute(statement("embedded_relation_table", type=table.name))
    existing = declared[table.name] if table.name in declared else declared["RELATION"]
    for column, kind in table.columns.items():
        if column not in existing:
            connection.execute(f"ALTER TABLE {_quoted(table.name)} ADD {_quoted(column)} {kind}")


def _copy_table(connection: Any, table: _Table, scratch: Path) -> list[tuple[str, dict]]:
    """COPY the table's rows from a CSV file; returns the parameter statements for the values
    a CSV field cannot carry."""
    if not table.rows:
        return []
    columns = list(table.columns.items())
    keys = 2 if table.is_rel else 1
    fixes: list[tuple[str, dict]] = []
    file = scratch / f"{table.name}-{'-'.join(table.pair or ())}.csv"
    names = [column for column, _ in columns]
    writers = [_converter(kind) for _, kind in columns]
    lines = []
    for key, props in table.rows:
        get = props.get
        fields = list(key)
        for column, write in zip(names, writers):
            text = write(get(column))
            if text is None:
                fixes.append(_fix(table, key, props, column, table.columns[column]))
                text = _NULL
            fields.append(text)
        lines.append(fields)
    with open(file, "w", encoding="utf-8", newline="") as stream:
        csv.writer(stream, lineterminator="\n").writerows(lines)
    # LadybugDB reads a CSV file in parallel unless a quoted field holds a line break: one line
    # a row means none does.
    with open(file, "rb") as stream:
        parallel = sum(chunk.count(b"\n") for chunk in iter(lambda: stream.read(1 << 20), b"")) == len(lines)
        stream.seek(0)
        parallel = parallel and not any(b"\r" in chunk for chunk in iter(lambda: stream.read(1 << 20), b""))
    returned = [f"column{i}" for i in range(keys)]
    returned += [_field_expression(keys + i, kind) for i, (_, kind) in enumerate(columns)]
    source = _cypher_text(str(file))
    # Every field is read as text (LOAD FROM would otherwise guess "2017" to be a number and
    # read an empty field of that column as null); the RETURN list converts.
    fields = ", ".join(f"column{i} STRING" for i in range(keys + len(columns)))
    connection.execute(
        f"COPY {_quoted(table.name)} FROM (LOAD WITH HEADERS ({fields}) FROM '{source}' "
        f"(header=false, parallel={'true' if parallel else 'false'}, null_strings=['{_cypher_text(_NULL)}']) "
        f"RETURN {', '.join(returned)})"
        + (f" (from='{table.pair[0]}', to='{table.pair[1]}')" if table.pair else ""))
    return fixes


def _fix(table: _Table, key: tuple, props: Mapping[str, Any], column: str, kind: str) -> tuple[str, dict]:
    value = _coerce(props.get(column), kind)
    if not table.is_rel:
        return (f"MATCH (n:{_quoted(table.name)}) WHERE n.id = $key SET n.{_quoted(column)} = CAST($value AS {kind})",
                {"key": key[0], "value": value})
    ends = (f":{table.pair[0]}", f":{table.pair[1]}") if table.pair else ("", "")
    match = f"MATCH (a{ends[0]})-[r:{_quoted(table.name)}]->(b{ends[1]}) WHERE a.id = $source AND b.id = $target"
    parameters = {"source": key[0], "target": key[1], "value": value}
    if "id" in table.columns and props.get("id") is not None:
        match += " AND r.id = $id"
        parameters["id"] = props["id"]
    return f"{match} SET r.{_quoted(column)} = CAST($value AS {kind})", parameters


def _remove(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _one_line(text: str) -> str:
    return " ".join(text.split())


# ---------------------------------------------------------------- load, remove, query


def _relation_types() -> list[str]:
    """The default schema's relation types: each gets a table in every store, so a query that
    names one (who-banned-whom) finds it, empty, on a store without such edges."""
    from kg.extract.schema import load_schema

    return list(load_schema(None).names)


def load_graph(graph: Mapping[str, Any], *, path: str | os.PathLike = DEFAULT_DB, rebuild: bool = False,
               lock_timeout: float = DEFAULT_LOCK_TIMEOUT) -> StoreLoadSummary:
    """Merge a contract graph dict into the store at ``path`` (created when missing), as a Neo4j
    load merges it: loading twice leaves the store as after one load. ``rebuild``: start from an
    empty store instead of the one there (the way out of a store that cannot be read)."""
    from kg.sinks.neo4j import LoadPlan, cyclic_gc_paused, plan_load

    started = time.perf_counter()
    path = Path(path)
    with cyclic_gc_paused():  # hundreds of thousands of small acyclic rows (see kg.sinks.neo4j)
        plan = graph if isinstance(graph, LoadPlan) else plan_load(graph)  # checked before the store is touched
        with _writer_lock(path, timeout=lock_timeout):
            state = StoreState() if rebuild else read_state(path)
            nodes_created, relationships_created, evidence_added = merge_plan(state, plan)
            write_state(state, path, relation_types=_relation_types())
    return StoreLoadSummary(
        path=str(path), documents=len(plan.documents), entities=plan.entity_count, mentions=len(plan.mentions),
        relations=plan.relation_count, near_duplicates=len(plan.near_duplicates), nodes_created=nodes_created,
        relationships_created=relationships_created, evidence_added=evidence_added, nodes=state.node_count,
        relationships=state.relationship_count, seconds=time.perf_counter() - started)


def remove_documents(doc_ids: Iterable[str], *, path: str | os.PathLike = DEFAULT_DB,
                     lock_timeout: float = DEFAULT_LOCK_TIMEOUT):
    """Take documents out of the store, with every edge and entity that only they supported
    (a kg.sinks.neo4j.RemoveSummary)."""
    from kg.sinks.neo4j import RemoveSummary

    path = Path(path)
    _require_store(path)
    with _writer_lock(path, timeout=lock_timeout):
        state = read_state(path)
        figures = remove_from_state(state, doc_ids)
        if figures["removed"]:
            write_state(state, path, relation_types=_relation_types())
    return RemoveSummary(**figures)


def _require_store(path: Path) -> None:
    if not path.exists():
        raise StoreError(f"no store at {path}: write one with kg load INPUT... (or give --db PATH)")


def run_cypher(text: str, parameters: Mapping[str, Any], *, path: str | os.PathLike = DEFAULT_DB
               ) -> tuple[tuple[str, ...], tuple[tuple[Any, ...], ...]]:
    """Run a read-only Cypher statement on the store; (columns, rows) with plain Python values."""
    path = Path(path)
    _require_store(path)
    with _connection(path, read_only=True) as connection:
        try:
            result = connection.execute(text, dict(parameters))
        except RuntimeError as error:
            message = _one_line(str(error))
            if "read-only" in message:
                message = "a query file cannot change the store"
            raise StoreError(f"the embedded store refused the query: {message}") from None
        columns = tuple(result.get_column_names())
        rows = []
        while result.has_next():
            rows.append(tuple(_plain(value) for value in result.get_next()))
    return columns, tuple(rows)


def _plain(value: Any) -> Any:
    """Store values as kg.query prints Neo4j's: nodes and relationships as property maps (with
    ``labels`` / ``type``), paths as their nodes."""
    if isinstance(value, dict):
        if "_LABEL" in value and "_SRC" in value:
            return {"type": value["_LABEL"], **{k: _plain(v) for k, v in _properties(value).items()}}
        if "_LABEL" in value:
            labels = [value["_LABEL"]] + ([value["type"]] if value["_LABEL"] == "Entity" and value.get("type") else [])
            return {"labels": sorted(labels), **{k: _plain(v) for k, v in _properties(value).items()}}
        if "_NODES" in value:
            return [_plain(node) for node in value["_NODES"]]
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, Decimal):  # sums of integers come back as 128-bit integers
        return int(value) if value == value.to_integral_value() else float(value)
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
