"""Loading kg's graph into Neo4j, and taking documents out again.

The model (CONTRACT.md): ``(:Entity:<Type> {id, name, type, aliases, mentions, documents})``,
``(:Document {id, title, source, published, authors})``, ``(:Document)-[:MENTIONS {count}]->(:Entity)``,
``(:Entity)-[:<RELATION> {id, label, weight, documents, confidence, evidence_docs,
evidence_sentences, evidence_starts, evidence_ends}]->(:Entity)`` and
``(:Document)-[:NEAR_DUPLICATE_OF {similarity}]->(:Document)``.

Loading is idempotent (MERGE on ids, evidence deduplicated by document and offsets) and additive
(a new document's evidence joins the edges already there). Every entity and relation edge also
keeps ``kg_provenance``: what each load said of it and on which documents' word
(kg.sinks.provenance), so removing documents recomputes every property from what the remaining
loads said: after loads A and B, removing A's documents leaves what a load of B alone writes.
Rows go in ``UNWIND $rows`` batches, each batch one managed transaction (``execute_write``
retries transient failures); labels and relationship types are validated names
(kg.sinks.cypher), every value is a parameter.
"""
from __future__ import annotations

import gc
import json
import logging
import os
import re
import socket
import ssl
import threading
import time
import zlib
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, wait
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import neo4j
from neo4j import GraphDatabase
from neo4j import exceptions as neo4j_exceptions

from kg.errors import InputError, Neo4jError, UsageError
from kg.reserved import RESERVED_RELATION_TYPES, RESERVED_TYPES, reserved_relation_type, reserved_type
from kg.sinks.cypher import checked_name, statement, statements
from kg.sinks.provenance import LOCK, PROVENANCE, entity_properties, relation_properties, without_documents

__all__ = [
    "DEFAULT_URI",
    "DEFAULT_USERNAME",
    "DEFAULT_BATCH_SIZE",
    "DEFAULT_WRITERS",
    "Neo4jSettings",
    "LoadPlan",
    "LoadSummary",
    "RemoveSummary",
    "settings_from_env",
    "connect",
    "plan_load",
    "load_graph",
    "remove_documents",
    "neo4j_error_message",
    "bounded",
    "DEFAULT_TRANSACTION_TIMEOUT",
    "TRANSACTION_TIMEOUT_ENV",
]

DEFAULT_URI = "neo4j://localhost:7687"
DEFAULT_USERNAME = "neo4j"
DEFAULT_BATCH_SIZE = 5_000
DEFAULT_WRITERS = 2  # concurrent write transactions
DEFAULT_TIMEOUT = 15.0  # seconds to connect, and to wait for a pooled connection
# Seconds one transaction (a batch of a load, a removal, a query) may take. The server aborts it
# then; kg stops waiting a little later, so a frozen server (SIGSTOP, a hung VM: the connection
# stays open and silent) ends the command with one line instead of a wait without end.
DEFAULT_TRANSACTION_TIMEOUT = 120.0
TRANSACTION_TIMEOUT_ENV = "KG_NEO4J_TRANSACTION_TIMEOUT"
_ANSWER_GRACE_S = 15.0  # past the transaction timeout: time for the server's own abort to arrive
_CLOSE_WAIT_S = 5.0  # a driver closing against a frozen server is left behind after this
_DEADLOCK_RETRY_DELAY = 0.05  # seconds before a batch that lost a deadlock runs again (then doubling)

_DATABASE_NOT_FOUND = "Neo.ClientError.Database.DatabaseNotFound"
_AUTH_RATE_LIMIT = "Neo.ClientError.Security.AuthenticationRateLimit"
# The loader's own properties (kg.sinks.provenance; kg_merging: an older loader's marker) are never
# taken from a graph file.
_OWN_FIELDS = {PROVENANCE, LOCK, "kg_merging"}
_RELATION_FIELDS = {"id", "source", "target", "type", "label", "weight", "documents", "confidence", "evidence",
                    *_OWN_FIELDS}
_ENTITY_FIELDS = {"id", "kind", "aliases", "mentions", "documents", *_OWN_FIELDS}
_DOCUMENT_FIELDS = {"id", "kind", *_OWN_FIELDS}
_STRUCTURAL_TYPES = {"MENTIONS", "NEAR_DUPLICATE_OF"}


# ---------------------------------------------------------------- settings and connection


@dataclass(frozen=True)
class Neo4jSettings:
    """Where and as whom to connect. The password never appears in repr() or messages."""

    uri: str = DEFAULT_URI
    username: str = DEFAULT_USERNAME
    password: str | None = field(default=None, repr=False)
    database: str | None = None  # None: the server's default database
    timeout: float = DEFAULT_TIMEOUT
    transaction_timeout: float = DEFAULT_TRANSACTION_TIMEOUT

    def __repr__(self) -> str:
        return (f"Neo4jSettings(uri={self.display_uri!r}, username={self.username!r}, "
                f"database={self.database!r}, timeout={self.timeout!r}, "
                f"transaction_timeout={self.transaction_timeout!r})")

    @property
    def display_uri(self) -> str:
        """The URI without any user:password@ part, safe to print."""
        parts = urlsplit(self.uri)
        if parts.username is None and parts.password is None:
            return self.uri
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def settings_from_env(
    *,
    uri: str | None = None,
    username: str | None = None,
    password: str | None = None,
    database: str | None = None,
    timeout: float | None = None,
    environ: Mapping[str, str] | None = None,
) -> Neo4jSettings:
    """Settings from NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE; arguments override.
    The password stays None when neither gives one (the CLI then prompts). KG_NEO4J_TRANSACTION_TIMEOUT
    (seconds) sets how long one transaction may take."""
    env = os.environ if environ is None else environ
    return Neo4jSettings(
        uri=uri or env.get("NEO4J_URI") or DEFAULT_URI,
        username=username or env.get("NEO4J_USERNAME") or DEFAULT_USERNAME,
        password=password if password is not None else env.get("NEO4J_PASSWORD"),
        database=database or env.get("NEO4J_DATABASE") or None,
        timeout=DEFAULT_TIMEOUT if timeout is None else timeout,
        transaction_timeout=_seconds(env.get(TRANSACTION_TIMEOUT_ENV), TRANSACTION_TIMEOUT_ENV,
                                     DEFAULT_TRANSACTION_TIMEOUT),
    )


def _seconds(text: str | None, name: str, default: float) -> float:
    if text is None or not text.strip():
        return default
    try:
        value = float(text)
    except ValueError:
        value = float("nan")
    if not 0 < value < float("inf"):
        raise UsageError(f"{name} must be a number of seconds above 0, not {text!r}")
    return value


def neo4j_error_message(error: Exception, settings: Neo4jSettings) -> str:
    """One line that says what went wrong talking to Neo4j, without the password."""
    where = settings.display_uri
    if isinstance(error, neo4j_exceptions.AuthError):
        text = f"Neo4j at {where} refused the login of user {settings.username!r}: wrong user name or password"
    elif isinstance(error, neo4j_exceptions.ClientError) and error.code == _AUTH_RATE_LIMIT:
        text = (f"Neo4j at {where} refuses logins of user {settings.username!r} for a while after too many "
                "wrong passwords; wait and check the password")
    elif isinstance(error, neo4j_exceptions.ClientError) and error.code == _DATABASE_NOT_FOUND:
        text = f"Neo4j at {where} has no database {settings.database!r}"
    elif isinstance(error, (neo4j_exceptions.ServiceUnavailable, neo4j_exceptions.SessionExpired)):
        text = f"cannot reach Neo4j at {where}: {_unreachable_reason(error)}"
    elif isinstance(error, (neo4j_exceptions.ConfigurationError, ValueError)):
        text = f"invalid Neo4j settings for {where}: {_one_line(str(error))}"
    elif isinstance(error, neo4j_exceptions.Neo4jError):
        text = f"Neo4j at {where} failed: {error.code}: {_one_line(error.message or str(error))}"
    else:
        text = f"Neo4j at {where} failed: {_one_line(str(error)) or type(error).__name__}"
    return _scrub(text, settings.password)


def _unreachable_reason(error: BaseException) -> str:
    """Why the driver could not talk to the server, from the innermost socket or TLS error (the
    driver wraps it in routing errors and exception groups that say less)."""
    cause = _innermost_os_error(error)
    if isinstance(cause, ssl.SSLCertVerificationError):
        detail = cause.verify_message or "certificate verify failed"
        return (f"its TLS certificate is not trusted here ({detail}); for a self-signed certificate use "
                "bolt+ssc:// or neo4j+ssc://, or add its CA to SSL_CERT_FILE")
    if isinstance(cause, ssl.SSLError):
        return (f"the TLS handshake failed ({type(cause).__name__}); does the server accept encrypted "
                "connections? (bolt:// and neo4j:// connect without TLS)")
    if isinstance(cause, socket.gaierror):
        return f"host name not found ({cause.strerror or cause})"
    if isinstance(cause, ConnectionRefusedError):
        return "connection refused (is the server running, and on this port?)"
    if isinstance(cause, (TimeoutError, socket.timeout)):
        return "no answer in time"
    return _connection_reason(str(error))


def _innermost_os_error(error: BaseException) -> BaseException | None:
    """The deepest OSError (ssl and socket errors included) below ``error``, or None."""
    found: BaseException | None = None
    stack: list[tuple[BaseException, int]] = [(error, 0)]
    seen: set[int] = set()
    best_depth = -1
    while stack:
        current, depth = stack.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, OSError) and depth > best_depth:
            found, best_depth = current, depth
        children = list(getattr(current, "exceptions", None) or [])
        children.append(current.__cause__ or (None if current.__suppress_context__ else current.__context__))
        stack.extend((child, depth + 1) for child in children if child is not None)
    return found


def _connection_reason(message: str) -> str:
    # The driver nests the socket error as "(reason [Errno 111] Connection refused)".
    reasons = re.findall(r"reason[:\s]+(.+?)\)?\s*$", message, flags=re.MULTILINE)
    if reasons:
        return reasons[-1].strip()
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    return lines[-1] if lines else "no answer"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _scrub(text: str, secret: str | None) -> str:
    # Driver messages do not carry credentials; this is a second line of defence. A password of
    # one to three characters would garble every message (and Neo4j asks for eight at least).
    return text.replace(secret, "***") if secret and len(secret) >= 4 else text


def _quiet_driver_logs() -> None:
    """Without a logging setup, Python prints the driver's warning records (a failed routing
    request, a server notification echoing the whole query) on stderr next to kg's own one-line
    error. A NullHandler on the driver's logger stops that fallback only: an application that
    configures logging still gets every record."""
    driver_log = logging.getLogger("neo4j")
    if not any(isinstance(handler, logging.NullHandler) for handler in driver_log.handlers):
        driver_log.addHandler(logging.NullHandler())


_BOLT_SCHEMES = ("bolt", "bolt+s", "bolt+ssc", "neo4j", "neo4j+s", "neo4j+ssc")


def _check_written(batch: Any, records: list[dict]) -> None:
    """A relation row whose ends are not in the database matches nothing and would vanish
    without a word: say so instead (the entities were written first, so something removed them
    while the load ran)."""
    written = [record["written"] for record in records if "written" in record]
    if written and sum(written) < len(batch.rows):
        missing = len(batch.rows) - sum(written)
        raise Neo4jError(f"{missing} of {len(batch.rows)} relations in a batch found no entity at one end "
                         "(the database changed during the load); run kg load again")


@contextmanager
def connect(settings: Neo4jSettings) -> Iterator[neo4j.Driver]:
    """A driver that has logged in and found the database; driver errors inside the block
    become one-line kg.errors.Neo4jError."""
    scheme = settings.uri.split("://", 1)[0].lower() if "://" in settings.uri else ""
    if scheme not in _BOLT_SCHEMES:
        # The driver's own error for http:// is a missing optional package, not the real problem.
        raise Neo4jError(_scrub(f"invalid Neo4j settings for {settings.uri!r}: the URI must start with one of "
                                + ", ".join(f"{s}://" for s in _BOLT_SCHEMES), settings.password))
    _quiet_driver_logs()
    auth = neo4j.basic_auth(settings.username, settings.password or "")
    try:
        driver = GraphDatabase.driver(
            settings.uri,
            auth=auth,
            connection_timeout=settings.timeout,
            connection_acquisition_timeout=settings.timeout,
            max_transaction_retry_time=max(settings.timeout, 30.0),
            # kg's statements and the analysts' queries have no use for the server's hints
            # ("label does not exist" on an empty database, ...): do not have them sent.
            notifications_min_severity="OFF",
            user_agent="kg",
        )
    except (neo4j_exceptions.ConfigurationError, ValueError) as error:
        raise Neo4jError(neo4j_error_message(error, settings)) from None
    try:
        # A missing database only shows when a query runs against it.
        bounded(settings, lambda: (driver.verify_connectivity(),
                                   driver.execute_query("RETURN 1", database_=settings.database)))
        yield driver
    except (neo4j_exceptions.Neo4jError, neo4j_exceptions.DriverError) as error:
        raise Neo4jError(neo4j_error_message(error, settings)) from None
    finally:
        # Closing says goodbye on every connection: against a frozen server that can block.
        closing = threading.Thread(target=driver.close, name="kg-neo4j-close", daemon=True)
        closing.start()
        closing.join(_CLOSE_WAIT_S)


def bounded(settings: Neo4jSettings, work: Callable[[], Any]) -> Any:
    """``work()``, or Neo4jError when it has not returned within the settings' transaction
    timeout (and a grace for the server's own abort to arrive). The driver waits on a silent
    connection for as long as the server's keep-alive hint says, or for ever without one; the
    wait goes on in a daemon thread, which the process does not wait for at exit."""
    future = _start_daemon(work)
    try:
        return future.result(timeout=settings.transaction_timeout + _ANSWER_GRACE_S)
    except TimeoutError:
        raise Neo4jError(_no_answer(settings)) from None


def _no_answer(settings: Neo4jSettings) -> str:
    return _scrub(f"Neo4j at {settings.display_uri} did not answer within {settings.transaction_timeout:g} s: "
                  f"is the server frozen or overloaded? ({TRANSACTION_TIMEOUT_ENV} sets the limit)",
                  settings.password)


def _start_daemon(work: Callable[..., Any], *args: Any) -> Future:
    """``work(*args)`` in a new daemon thread, as a Future."""
    future: Future = Future()

    def run() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(work(*args))
        except BaseException as error:  # handed to whoever waits on the future
            future.set_exception(error)

    threading.Thread(target=run, name="kg-neo4j", daemon=True).start()
    return future


class _DaemonThreads:
    """The ``submit`` of an executor, each call on a daemon thread of its own: a batch stuck on a
    frozen server must not keep the process alive once kg has given up on it."""

    def submit(self, work: Callable[..., Any], *args: Any) -> Future:
        return _start_daemon(work, *args)


# ---------------------------------------------------------------- planning (pure)


@dataclass(frozen=True)
class LoadPlan:
    """The rows to send, grouped the way the statements need them."""

    documents: tuple[dict, ...]
    entities: Mapping[str, tuple[dict, ...]]  # label -> rows
    entity_counts: tuple[dict, ...]
    mentions: tuple[dict, ...]
    near_duplicates: tuple[dict, ...]
    relations: Mapping[str, tuple[dict, ...]]  # relationship type -> rows
    quotes: tuple[dict, ...] = ()
    said: tuple[dict, ...] = ()
    quote_mentions: tuple[dict, ...] = ()

    @property
    def relation_count(self) -> int:
        return sum(len(rows) for rows in self.relations.values())

    @property
    def entity_count(self) -> int:
        return sum(len(rows) for rows in self.entities.values())


def plan_load(graph: Mapping[str, Any]) -> LoadPlan:
    """Check a contract graph dict and turn it into parameter rows. Raises InputError on a graph
    kg could not have written, SchemaError on an unsafe label or relationship type."""
    if not isinstance(graph, Mapping) or not isinstance(graph.get("nodes"), list) or not isinstance(graph.get("edges"), list):
        raise InputError("not a kg graph: expected a JSON object with 'nodes' and 'edges' lists")
    kinds: dict[str, str] = {}
    documents: list[dict] = []
    entities: dict[str, list[dict]] = defaultdict(list)
    counts: list[dict] = []
    quotes: list[dict] = []
    for node in graph["nodes"]:
        try:
            node_id = _required_str(node, "id", "node")
            kind = node.get("kind")
            if node_id in kinds:
                raise InputError(f"graph has two nodes with id {node_id!r}")
            kinds[node_id] = kind
            if kind == "document":
                row = {"id": node_id, "props": _properties(node, _DOCUMENT_FIELDS)}
                _check_sendable(row)
                documents.append(row)
            elif kind == "entity":
                label = checked_name(_required_str(node, "type", "entity {!r}", node_id), what="entity type")
                if reserved_type(label):
                    raise InputError(f"entity {node_id!r} has type {label!r}, which is reserved "
                                      f"({', '.join(RESERVED_TYPES)} are kg's own labels)")
                row = {
                    "id": node_id,
                    "aliases": _unique_strings(node.get("aliases") or []),
                    "props": _properties(node, _ENTITY_FIELDS),
                    "docs": [],  # filled from the edges below: the documents that vouch for it
                }
                count_row = {"id": node_id, "mentions": int(node.get("mentions") or 0),
                             "documents": int(node.get("documents") or 0)}
                _check_sendable((row, count_row))
                row["raw"] = {**_fields(node, _ENTITY_FIELDS), "aliases": row["aliases"],
                              "mentions": count_row["mentions"], "documents": count_row["documents"]}
                entities[label].append(row)
                counts.append(count_row)
            elif kind == "quote":
                quotes.append(_quote_row(node, node_id))
            else:
                raise InputError(f"node {node_id!r} has kind {kind!r}; expected 'entity', 'document' or 'quote'")
        except _BAD_VALUE as error:
            raise InputError(f"node {_safe_preview(node)}: {_one_line(str(error))}") from None

    mentions: list[dict] = []
    quote_edges: list[dict] = []
    near_duplicates: list[dict] = []
    relations: dict[str, list[dict]] = defaultdict(list)
    vouching: dict[str, set[str]] = defaultdict(set)  # entity id -> documents that mention or cite it
    for edge in graph["edges"]:
        try:
            edge_type = _required_str(edge, "type", "edge")
            source = _required_str(edge, "source", "{} edge", edge_type)
            target = _required_str(edge, "target", "{} edge", edge_type)
            if edge_type == "SAID" or (edge_type == "MENTIONS" and kinds.get(source) == "quote"):
                quote_edges.append(_quote_edge_row(edge_type, edge, source, target, kinds))
                continue
            if edge_type == "MENTIONS":
                _expect_kinds(edge_type, source, target, ("document", "entity"), kinds)
                count = edge.get("count", edge.get("weight", 1))
                row = {"source": source, "target": target, "count": int(count if count is not None else 1)}
                _check_ints(row["count"])  # the ids are those of nodes, checked above
                mentions.append(row)
                vouching[target].add(source)
                continue
            elif edge_type == "NEAR_DUPLICATE_OF":
                _expect_kinds(edge_type, source, target, ("document", "document"), kinds)
                similarity = edge.get("similarity")
                row = {"source": source, "target": target,
                       "similarity": float(similarity) if similarity is not None else None}
                rows = near_duplicates
            else:
                checked_name(edge_type, what="relation type")
                if reserved_relation_type(edge_type):
                    raise InputError(f"edge {source!r} -> {target!r} has type {edge_type}, which is reserved "
                                      f"for kg's own edges ({', '.join(RESERVED_RELATION_TYPES)})")
                _expect_kinds(edge_type, source, target, ("entity", "entity"), kinds)
                row = _relation_row(edge, source, target)  # checked as it is built
                relations[edge_type].append(row)
                cited = set(row["evidence_docs"]) - {""}
                vouching[source] |= cited
                vouching[target] |= cited
                continue
            _check_sendable(row)
            rows.append(row)
        except _BAD_VALUE as error:
            raise InputError(f"edge {_safe_preview(edge)}: {_one_line(str(error))}") from None
    for rows in entities.values():
        for row in rows:
            row["docs"] = sorted(vouching.get(row["id"], ()))
    return LoadPlan(
        documents=tuple(documents),
        entities={label: tuple(rows) for label, rows in sorted(entities.items())},
        entity_counts=tuple(counts),
        mentions=tuple(mentions),
        near_duplicates=tuple(near_duplicates),
        relations={name: tuple(rows) for name, rows in sorted(relations.items())},
        quotes=tuple(quotes),
        said=tuple(r for r in quote_edges if "documents" in r),
        quote_mentions=tuple(r for r in quote_edges if "documents" not in r),
    )


def _quote_row(node: Mapping[str, Any], node_id: str) -> dict:
    evidence = node.get("evidence") or []
    row = {"id": node_id, "text": _required_str(node, "text", "quote {!r}", node_id),
           "kind": str(node.get("quote_kind") or "direct"),
           "evidence_docs": [str(e["doc"]) for e in evidence],
           "evidence_starts": [int(e["start"]) for e in evidence],
           "evidence_ends": [int(e["end"]) for e in evidence]}
    _check_sendable(row)
    return row


def _quote_edge_row(edge_type: str, edge: Mapping[str, Any], source: str, target: str, kinds: Mapping) -> dict:
    """A SAID row (speaker -> quotation, with the documents that attribute it) or a quotation's
    MENTIONS row."""
    if edge_type == "SAID":
        _expect_kinds(edge_type, source, target, ("entity", "quote"), kinds)
        row = {"source": source, "target": target,
               "documents": _unique_strings(e["doc"] for e in edge.get("evidence") or [])}
    else:
        _expect_kinds(edge_type, source, target, ("quote", "entity"), kinds)
        row = {"source": source, "target": target}
    _check_sendable(row)
    return row


# What a graph file from elsewhere can hold that kg's conversions refuse ("mentions": "many",
# "evidence": 3, a 100-bit integer, a lone surrogate from a "\\ud800" escape): each becomes an
# InputError naming the node or edge, before anything is sent.
_BAD_VALUE = (TypeError, ValueError, AttributeError, OverflowError)
_INT64 = (-(2**63), 2**63 - 1)


def _check_sendable(value: Any) -> None:
    """Raise ValueError for what the driver or the server would refuse in the middle of a load:
    text that is not UTF-8 (lone surrogates), integers beyond 64 bits, empty property names or
    names with a NUL. Runs on every row before anything is sent, so it dispatches on exact
    types (the common case) and checks all the text of a row in one pass."""
    texts: list[str] = []
    stack = [value]
    while stack:
        item = stack.pop()
        kind = type(item)
        if kind is str:
            texts.append(item)
        elif kind is dict:
            for key, nested in item.items():
                if type(key) is not str or not key or "\x00" in key:
                    _check_key(key)
                texts.append(key)
                stack.append(nested)
        elif kind is list or kind is tuple:
            stack.extend(item)
        elif kind is int:
            _check_ints(item)
        elif kind is float or kind is bool or item is None:
            continue
        elif isinstance(item, str):
            texts.append(str(item))
        elif isinstance(item, Mapping):
            stack.append(dict(item))
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        elif isinstance(item, int) and not isinstance(item, bool):
            stack.append(int(item))
    _check_texts(*texts)


def _check_key(key: Any) -> None:
    if not isinstance(key, str) or not key or "\x00" in key:
        raise ValueError(f"property name {key!r} is empty or holds a NUL")


def _safe_preview(item: Any) -> str:
    """``_preview`` that prints on any terminal (lone surrogates escaped)."""
    return _preview(item).encode("utf-8", "backslashreplace").decode("utf-8")


def _relation_row(edge: Mapping[str, Any], source: str, target: str) -> dict:
    """One relation edge as a parameter row: its evidence as the four parallel lists the edge
    keeps in Neo4j (each (doc, start, end) once), weight and documents never below what the
    evidence shows. Checked here for sendability, in one pass over its text."""
    docs, sentences, starts, ends = _unique_evidence(edge.get("evidence") or [])
    confidence = edge.get("confidence")
    row = {
        "id": str(edge.get("id") or f"{source}|{edge['type']}|{target}"),
        "source": source,
        "target": target,
        "label": str(edge.get("label") or edge["type"].lower().replace("_", " ")),
        "weight": max(int(edge.get("weight") or 0), len(docs)),
        "documents": max(int(edge.get("documents") or 0), len(set(docs))),
        "confidence": float(confidence) if confidence is not None else None,
        "evidence_docs": docs,
        "evidence_sentences": sentences,
        "evidence_starts": starts,
        "evidence_ends": ends,
        "props": _properties(edge, _RELATION_FIELDS),
        "raw": _fields(edge, _RELATION_FIELDS),
    }
    _check_texts(row["id"], source, target, row["label"], *docs, *sentences)
    _check_ints(row["weight"], row["documents"], *starts, *ends)
    if row["props"]:
        _check_sendable(row["props"])
    return row


def _unique_evidence(items: Iterable[Mapping[str, Any]]) -> tuple[list[str], list[str], list[int], list[int]]:
    """Evidence in a shape Neo4j lists can hold (no nulls), each (doc, start, end) once, as
    parallel lists: documents, sentences, start offsets, end offsets."""
    seen: set[tuple] = set()
    docs: list[str] = []
    sentences: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for item in items:
        doc = str(item.get("doc") or "")
        start = item.get("start")
        end = item.get("end")
        start = int(start) if start is not None else -1
        end = int(end) if end is not None else -1
        key = (doc, start, end)
        if key not in seen:
            seen.add(key)
            docs.append(doc)
            sentences.append(str(item.get("sentence") or ""))
            starts.append(start)
            ends.append(end)
    return docs, sentences, starts, ends


def _check_texts(*texts: str) -> None:
    """Raise ValueError (UnicodeEncodeError) if any text has no UTF-8 form (a lone surrogate)."""
    joined = "".join(texts)
    if not joined.isascii():
        joined.encode("utf-8")  # UnicodeEncodeError is a ValueError


def _check_ints(*values: int) -> None:
    for value in values:
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError(f"integer {value} does not fit in 64 bits")


def _expect_kinds(edge_type: str, source: str, target: str, expected: tuple[str, str],
                  kinds: Mapping[str, str]) -> None:
    for end, node_id, kind in zip(("source", "target"), (source, target), expected):
        if node_id not in kinds:
            raise InputError(f"{edge_type} edge {source!r} -> {target!r}: {end} is not a node of the graph")
        if kinds[node_id] != kind:
            raise InputError(f"{edge_type} edge {source!r} -> {target!r}: {end} should be a {kind}")


def _required_str(item: Any, key: str, what: str, *about: Any) -> str:
    """``item[key]``, a non-empty string, else an InputError naming ``what.format(*about)``
    (formatted only then: this runs for every node and edge)."""
    value = item.get(key) if type(item) is dict or isinstance(item, Mapping) else None
    if not isinstance(value, str) or not value:
        raise InputError(f"{what.format(*about)} without a {key!r}: {_preview(item)}")
    return value


def _preview(item: Any) -> str:
    text = json.dumps(item, ensure_ascii=False, default=str) if isinstance(item, Mapping) else repr(item)
    return text if len(text) <= 120 else text[:117] + "..."


def _unique_strings(values: Iterable[Any]) -> list[str]:
    return list(dict.fromkeys(str(v) for v in values if v is not None and str(v)))


def _properties(item: Mapping[str, Any], skip: set[str]) -> dict:
    """Item fields as Neo4j property values. None and empty lists are left out (so a later load
    cannot erase a value with nothing, and a field such as ``merged_from``, JSON text when it
    holds maps, is never an empty array on other nodes); maps and mixed lists become JSON text."""
    return {key: _property_value(value) for key, value in _fields(item, skip).items()}


def _fields(item: Mapping[str, Any], skip: set[str]) -> dict:
    """The fields ``_properties`` keeps, as the graph file gives them (what a load's
    contribution records: lists stay lists, so two loads' lists can be merged)."""
    return {key: value for key, value in item.items()
            if key not in skip and value is not None and not (isinstance(value, (list, tuple)) and not value)}


def _property_value(value: Any) -> Any:
    if isinstance(value, (str, bool, int, float)):
        return value
    if isinstance(value, (list, tuple)):
        kinds = {type(v) for v in value}
        if all(v is not None for v in value) and len(kinds) <= 1 and kinds <= {str, bool, int, float}:
            return list(value)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# ---------------------------------------------------------------- writing


_COUNTERS = ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted",
             "properties_set", "labels_added")


@dataclass(frozen=True)
class LoadSummary:
    """What one load sent and what it changed."""

    documents: int
    entities: int
    mentions: int
    relations: int
    near_duplicates: int
    nodes_created: int
    relationships_created: int
    properties_set: int
    labels_added: int
    evidence_added: int
    seconds: float

    @property
    def nodes_updated(self) -> int:
        """Nodes of the input that were already there (their properties were refreshed)."""
        return self.documents + self.entities - self.nodes_created

    @property
    def relationships_updated(self) -> int:
        return self.mentions + self.relations + self.near_duplicates - self.relationships_created

    def lines(self) -> list[str]:
        return [
            f"read {self.documents} documents, {self.entities} entities, {self.relations} relations, "
            f"{self.mentions} mentions, {self.near_duplicates} near-duplicate links",
            f"nodes: {self.nodes_created} created, {self.nodes_updated} already there",
            f"relationships: {self.relationships_created} created, {self.relationships_updated} already there; "
            f"{self.evidence_added} evidence sentences added",
            f"done in {self.seconds:.1f} s",
        ]


@dataclass(frozen=True)
class RemoveSummary:
    """What taking documents out removed."""

    removed: tuple[str, ...]
    missing: tuple[str, ...]
    edges_deleted: int
    edges_updated: int
    entities_deleted: int
    entities_updated: int

    def lines(self) -> list[str]:
        lines = [
            f"removed {len(self.removed)} documents",
            f"relations: {self.edges_deleted} deleted (no evidence left), {self.edges_updated} lost some evidence",
            f"entities: {self.entities_deleted} deleted (nothing else supports them), {self.entities_updated} recounted",
        ]
        if self.missing:
            lines.append("not in the database: " + ", ".join(self.missing))
        return lines


Progress = Callable[[str, int], None]  # (step name, rows done in this call)


def load_graph(
    graph: Mapping[str, Any] | LoadPlan,
    *,
    settings: Neo4jSettings,
    batch_size: int = DEFAULT_BATCH_SIZE,
    writers: int = DEFAULT_WRITERS,
    progress: Progress | None = None,
) -> LoadSummary:
    """Write a contract graph dict into Neo4j: schema first, then nodes, then relationships,
    then the entities' counts. Within each of those phases up to ``writers`` batches are written
    at once; relationship batches that run together never share an end node (see
    ``_relationship_batches``), so they seldom wait on each other's locks, and the rare deadlock
    (Neo4j also locks records of the nodes' neighbours) is retried at once. ``graph`` may be
    the LoadPlan ``plan_load`` made of it (checked already)."""
    if batch_size < 1 or writers < 1:
        raise ValueError("batch_size and writers must be at least 1")
    with cyclic_gc_paused():
        plan = graph if isinstance(graph, LoadPlan) else plan_load(graph)
        return _load_plan(plan, settings=settings, batch_size=batch_size, writers=writers, progress=progress)


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Python's cycle collector off for the length of a load. A load builds hundreds of thousands
    of small, acyclic rows (freed by reference counting alone) next to the graph it reads, and
    every few thousand new objects the collector would walk all of them again: half of the
    client's time before this."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _load_plan(plan: LoadPlan, *, settings: Neo4jSettings, batch_size: int, writers: int,
               progress: Progress | None) -> LoadSummary:
    started = time.perf_counter()
    totals: dict[str, int] = dict.fromkeys(_COUNTERS, 0)
    evidence_added = 0

    floors: dict[str, dict] = {}  # entity id -> the counts its contributions state (the count step's rows)

    def nodes(step: str, query: str, rows: Sequence[dict], **merging: Any) -> list[_Batch]:
        # Each node is one row of one batch: batches of node rows never touch the same node.
        return [_Batch(step, query, batch, frozenset(), **merging) for batch in _batches(rows, batch_size)]

    def relationships(step: str, query: str, rows: Sequence[dict], ends: tuple[str, str], **merging: Any) -> list[_Batch]:
        return _relationship_batches(step, query, rows, ends=ends, batch_size=batch_size,
                                     parts=_partitions(len(rows), batch_size=batch_size, writers=writers),
                                     **merging)

    def entity_batches(label: str, rows: Sequence[dict]) -> list[_Batch]:
        return nodes(f"entities:{label}", statement("lock_entities"), rows,
                     then=statement("write_entities", label=label), merge=_entity_merger(floors))

    def relation_batches(name: str, rows: Sequence[dict]) -> list[_Batch]:
        return relationships(f"relations:{name}", statement("lock_relations", type=name), rows, ("entity", "entity"),
                             then=statement("write_relations"), merge=_merge_relations)

    def counts() -> list[_Batch]:
        rows = [floors.get(row["id"], row) for row in plan.entity_counts]
        return nodes("entity counts", statement("refresh_entity_counts"), rows)

    phases: list[Callable[[], list[_Batch]]] = [
        lambda: nodes("documents", statement("merge_documents"), plan.documents)
        + [batch for label, rows in plan.entities.items() for batch in entity_batches(label, rows)],
        lambda: relationships("mentions", statement("merge_mentions"), plan.mentions, ("document", "entity"))
        + relationships("near duplicates", statement("merge_near_duplicates"), plan.near_duplicates,
                        ("document", "document"))
        + [batch for name, rows in plan.relations.items() for batch in relation_batches(name, rows)],
        counts,  # after the entities' merge: their floors come from every load's contribution
    ]
    if plan.quotes:  # with the entities, and linked with the other edges (merge_quote*.cypher)
        first, second = phases[0], phases[1]
        phases[0] = lambda: first() + nodes("quotes", statement("merge_quotes"), plan.quotes)
        phases[1] = lambda: (second() + relationships("said", statement("merge_said"), plan.said, ("entity", "quote"))
                             + relationships("quote mentions", statement("merge_quote_mentions"),
                                             plan.quote_mentions, ("quote", "entity")))
    with connect(settings) as driver:
        def schema() -> None:
            with driver.session(database=settings.database) as session:
                for ddl in statements("schema"):
                    _add_counters(totals, _write(session, ddl, None, timeout=settings.transaction_timeout)[1])
                session.run(statement("await_indexes")).consume()

        bounded(settings, schema)

        def write_batch(batch: _Batch) -> tuple[list[dict], Any]:
            # Sessions are not thread-safe: one per batch, from the driver's connection pool.
            # Concurrent writers still deadlock now and then (Neo4j also locks neighbours of the
            # nodes it links); the retry need not idle for the driver's default first second.
            with driver.session(database=settings.database, initial_retry_delay=_DEADLOCK_RETRY_DELAY) as batch_session:
                return _write(batch_session, batch.query, batch.rows, then=batch.then, merge=batch.merge,
                              timeout=settings.transaction_timeout)

        pool = _DaemonThreads()  # a batch stuck on a frozen server must not keep kg alive
        give_up = settings.transaction_timeout + _ANSWER_GRACE_S
        for phase in phases:
            for batch, (records, counters) in _run_phase(pool, phase(), writers=writers, write=write_batch,
                                                         timeout=give_up, on_timeout=lambda: _no_answer(settings)):
                _add_counters(totals, counters)
                evidence_added += sum(record.get("evidence_added") or 0 for record in records)
                _check_written(batch, records)
                if progress is not None:
                    progress(batch.step, len(batch.rows))
    return LoadSummary(
        documents=len(plan.documents),
        entities=plan.entity_count,
        mentions=len(plan.mentions),
        relations=plan.relation_count,
        near_duplicates=len(plan.near_duplicates),
        nodes_created=totals["nodes_created"],
        relationships_created=totals["relationships_created"],
        properties_set=totals["properties_set"],
        labels_added=totals["labels_added"],
        evidence_added=evidence_added,
        seconds=time.perf_counter() - started,
    )


@dataclass(frozen=True)
class _Batch:
    """One transaction's worth of rows for one statement. ``locks``: the node partitions whose
    nodes it may lock; two batches with disjoint ``locks`` can be written at the same time."""

    step: str
    query: str
    rows: Sequence[dict]
    locks: frozenset[tuple[str, int]]
    # A batch that merges with what is stored: ``query`` creates, locks and reads; ``merge`` turns
    # (rows, what was read) into the rows of ``then`` and the records to report; ``then`` writes.
    then: str | None = None
    merge: Callable[[Sequence[dict], list[dict]], tuple[list[dict], list[dict]]] | None = None


def _entity_merger(floors: dict[str, dict]) -> Callable[[Sequence[dict], list[dict]], tuple[list[dict], list[dict]]]:
    def merge(rows: Sequence[dict], stored: list[dict]) -> tuple[list[dict], list[dict]]:
        written = []
        for record in stored:
            row = rows[record["index"]]
            props = entity_properties(record["props"], entity_id=row["id"], docs=row["docs"], props=row["raw"],
                                      to_value=_property_value)
            floors[row["id"]] = {"id": row["id"], "mentions": props["mentions"], "documents": props["documents"]}
            written.append({"id": row["id"], "props": props})
        return written, []

    return merge


def _merge_relations(rows: Sequence[dict], stored: list[dict]) -> tuple[list[dict], list[dict]]:
    """Each row's evidence and contribution added to its edge as stored (an edge named twice in one
    batch takes both, in order)."""
    merged: dict[str, dict] = {}
    fresh = 0
    for record in stored:
        now = merged.get(record["element"], record["props"])
        merged[record["element"]], added = relation_properties(now, row=rows[record["index"]], to_value=_property_value)
        fresh += added
    written = [{"element": element, "props": props} for element, props in merged.items()]
    return written, [{"evidence_added": fresh, "written": len(stored)}]


def _partitions(rows: int, *, batch_size: int, writers: int) -> int:
    """How many partitions to spread a relationship step over: one (plain batches) when a single
    writer or a single batch would do; else enough that ``writers`` disjoint buckets exist."""
    if writers == 1 or rows <= batch_size:
        return 1
    return 2 * writers


def _partition(node_id: str, parts: int) -> int:
    # crc32, not hash(): the same node lands in the same partition in every process.
    return zlib.crc32(node_id.encode("utf-8", "surrogatepass")) % parts


def _relationship_batches(step: str, query: str, rows: Sequence[dict], *, ends: tuple[str, str],
                          batch_size: int, parts: int, **merging: Any) -> list[_Batch]:
    """"Mix and batch": rows grouped by the partitions of their two end nodes, then cut into
    batches. Creating a relationship locks both its nodes, so two batches drawn at random would
    share nodes, wait on each other and deadlock; two batches whose partitions differ share no
    node (they can still meet at a neighbour's record, rarely). Biggest buckets first, so the
    writers stay busy to the end."""
    buckets: dict[frozenset[tuple[str, int]], list[dict]] = defaultdict(list)
    for row in rows:
        key = frozenset({(ends[0], _partition(row["source"], parts)), (ends[1], _partition(row["target"], parts))})
        buckets[key].append(row)
    ordered = sorted(buckets.items(), key=lambda item: (-len(item[1]), sorted(item[0])))
    return [_Batch(step, query, batch, key, **merging) for key, bucket in ordered
            for batch in _batches(bucket, batch_size)]


def _run_phase(pool: Any, batches: Sequence[_Batch], *, writers: int,
               write: Callable[[_Batch], Any], timeout: float | None = None,
               on_timeout: Callable[[], str] | None = None) -> Iterator[tuple[_Batch, Any]]:
    """Write the batches with up to ``writers`` at once (``pool.submit``), never two with
    overlapping ``locks``; yields (batch, result) as each finishes. The first failure stops the
    phase; so does a batch still running ``timeout`` seconds after it started (Neo4jError with
    ``on_timeout()``'s message)."""
    pending = list(batches)
    running: dict[Future, _Batch] = {}
    started: dict[Future, float] = {}
    try:
        while pending or running:
            busy: set[tuple[str, int]] = set().union(*(batch.locks for batch in running.values()))
            for batch in list(pending):
                if len(running) >= writers:
                    break
                if batch.locks.isdisjoint(busy):
                    pending.remove(batch)
                    future = pool.submit(write, batch)
                    running[future], started[future] = batch, time.monotonic()
                    busy |= batch.locks
            left = None if timeout is None else max(0.0, min(started[f] for f in running) + timeout - time.monotonic())
            done, _ = wait(running, timeout=left, return_when=FIRST_COMPLETED)
            if not done:
                raise Neo4jError(on_timeout() if on_timeout else f"a write took more than {timeout:g} s")
            for future in done:
                started.pop(future, None)
                yield running.pop(future), future.result()
    finally:
        for future in running:
            future.cancel()


def remove_documents(doc_ids: Iterable[str], *, settings: Neo4jSettings) -> RemoveSummary:
    """Take documents out in one transaction: their evidence, their mentions, their near-duplicate
    links, and every edge and entity that only they supported."""
    wanted = sorted(set(doc_ids))
    if not wanted:
        return RemoveSummary((), (), 0, 0, 0, 0)

    def work(tx: neo4j.ManagedTransaction) -> RemoveSummary:
        # 1-2: the edges citing them lose that evidence and what those documents' loads said.
        edges = [record.data() for record in tx.run(statement("remove_find_relations"), doc_ids=wanted)]
        edge_rows = [{"element": edge["element"],
                      "props": without_documents(edge["props"], wanted, kind="relation", to_value=_property_value)}
                     for edge in edges]
        tx.run(statement("remove_write_relations"), rows=edge_rows).consume()
        # 2b: their evidence off quotations; a quotation left with none goes, with its edges.
        quoted = tx.run(statement("remove_quotes"), doc_ids=wanted).single(strict=True).data()
        # 3: the documents, with their MENTIONS and NEAR_DUPLICATE_OF edges.
        removed = tx.run(statement("remove_documents"), doc_ids=wanted).single(strict=True).data()
        # 4-5: the entities at either end: deleted when nothing links to them, else recomputed.
        touched = sorted({edge["source"] for edge in edges} | {edge["target"] for edge in edges}
                         | set(removed["mentioned"]) | set(quoted["touched"]))
        entities = [record.data() for record in tx.run(statement("remove_find_entities"), entity_ids=touched)]
        entity_rows = [{"id": entity["id"], "props": None if entity["degree"] == 0 else without_documents(
                            entity["props"], wanted, kind="entity", to_value=_property_value,
                            counts={"documents": entity["documents"], "mentions": entity["mentions"]})}
                       for entity in entities]
        tx.run(statement("remove_write_entities"), rows=entity_rows).consume()
        # A document known only through evidence (no Document node) counts as removed too.
        cited = {doc for edge in edges for doc in edge["props"].get("evidence_docs") or [] if doc in wanted}
        found = tuple(sorted(set(removed["removed"]) | cited))
        return RemoveSummary(
            removed=found,
            missing=tuple(doc for doc in wanted if doc not in found),
            edges_deleted=sum(row["props"] is None for row in edge_rows),
            edges_updated=sum(row["props"] is not None for row in edge_rows),
            entities_deleted=sum(row["props"] is None for row in entity_rows),
            entities_updated=sum(row["props"] is not None and entity["documents"] > 0
                                 for row, entity in zip(entity_rows, entities)),
        )

    def run(driver: neo4j.Driver) -> RemoveSummary:
        with driver.session(database=settings.database) as session:
            return session.execute_write(neo4j.unit_of_work(timeout=settings.transaction_timeout)(work))

    with connect(settings) as driver:
        return bounded(settings, lambda: run(driver))


# How long a batch whose commit was cut off is tried again (as long as the driver retries the rest).
_INCOMPLETE_COMMIT_RETRY_S = 30.0
_INCOMPLETE_COMMIT_PAUSE_S = 1.0


def _write(session: neo4j.Session, query: str, rows: Sequence[dict] | None, *, then: str | None = None,
           merge: Callable[[Sequence[dict], list[dict]], tuple[list[dict], list[dict]]] | None = None,
           timeout: float | None = None) -> tuple[list[dict], Any]:
    """Run one statement in one managed write transaction (retried on transient errors); with
    ``then`` and ``merge``, ``query`` gets each row's keys (its position as ``index``, ``id``,
    ``source``, ``target``) and returns what is stored, ``merge`` computes the rows of ``then``,
    and ``then`` writes them, in the same transaction.

    The driver does not retry a transaction whose connection died while it was committing
    (IncompleteCommit): the commit may or may not have happened, and running a statement twice is
    wrong in general. kg's statements are idempotent (MERGE on ids, evidence added once per
    document and offsets, counts recomputed), so kg runs the batch again; if the first commit did
    happen, the second finds everything there (its counters then say "already there")."""

    def work(tx: neo4j.ManagedTransaction) -> tuple[list[dict], Any]:
        if then is not None and merge is not None and rows is not None:
            keys = [{"index": index, **{k: row[k] for k in ("id", "source", "target") if k in row}}
                    for index, row in enumerate(rows)]
            result = tx.run(query, rows=keys)
            stored = [record.data() for record in result]
            counters = _counter_dict(result.consume().counters)
            written, records = merge(rows, stored)
            second = tx.run(then, rows=written).consume().counters
            return records, {name: counters[name] + _counter_dict(second)[name] for name in _COUNTERS}
        result = tx.run(query, rows=list(rows)) if rows is not None else tx.run(query)
        records = [record.data() for record in result]
        return records, result.consume().counters

    if timeout is not None:  # the server aborts a transaction that takes longer
        work = neo4j.unit_of_work(timeout=timeout)(work)
    deadline = time.monotonic() + _INCOMPLETE_COMMIT_RETRY_S
    while True:
        try:
            return session.execute_write(work)
        except neo4j_exceptions.IncompleteCommit:
            if time.monotonic() >= deadline:
                raise
            time.sleep(_INCOMPLETE_COMMIT_PAUSE_S)


def _counter_dict(counters: Any) -> dict[str, int]:
    return {name: getattr(counters, name, 0) for name in _COUNTERS}


def _add_counters(totals: dict[str, int], counters: Any) -> None:
    for name in _COUNTERS:
        totals[name] += counters.get(name, 0) if isinstance(counters, dict) else getattr(counters, name, 0)


def _batches(rows: Sequence[dict], size: int) -> Iterator[Sequence[dict]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]
