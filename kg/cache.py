"""The extraction cache: per-document Extractions kept in SQLite so that a rebuild parses only the
documents that changed.

A cached extraction is valid exactly as long as everything it was computed from is unchanged, so
its key digests all of it: the document (text, metadata, body spans), the spaCy pipeline (name and
version, and spaCy's own version), the relation schema and the known entities (their content, not
their file names), and kg itself (its version and the bytes of its code and data files, so a
changed rule never serves stale results). Values are JSON, not pickles: a cache directory can be
inspected, and reading it never runs code.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterable, Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

from . import types as kg_types
from .types import Document, Extraction

__all__ = [
    "DEFAULT_CACHE_DIR",
    "CACHE_FILE",
    "ExtractionCache",
    "cache_context",
    "code_fingerprint",
    "model_files_fingerprint",
    "content_digest",
    "document_digest",
    "encode_extraction",
    "decode_extraction",
]

DEFAULT_CACHE_DIR = ".kg-cache"
CACHE_FILE = "extractions.sqlite"
_FORMAT = "1"  # bump when the table layout or the JSON encoding changes
_TYPES = {cls.__name__: cls for cls in (
    kg_types.Document, kg_types.Mention, kg_types.Merge, kg_types.Entity,
    kg_types.Evidence, kg_types.Relation, kg_types.Extraction, kg_types.Quote,
)}


# -- keys --------------------------------------------------------------------------------------

def _stable(value: object) -> object:
    """A JSON-able form of ``value`` that is the same in every process: sets are sorted (their
    iteration order changes with the hash seed), dataclasses become their class name and fields."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return [type(value).__name__, *(_stable(getattr(value, f.name)) for f in dataclasses.fields(value))]
    if isinstance(value, (set, frozenset)):
        return sorted((_stable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    if isinstance(value, (list, tuple)):
        return [_stable(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _stable(v) for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot digest a {type(value).__name__}")


def content_digest(value: object) -> str:
    """A digest of a value's content (e.g. a Schema or the known entities), the same in every
    process and on every machine."""
    text = json.dumps(_stable(value), ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def document_digest(document: Document) -> str:
    """The digest of everything extraction reads from a document: text, metadata, body spans."""
    return content_digest(document)


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """kg's version and the bytes of its code and data files: any change to kg's rules changes it."""
    from . import __version__

    root = Path(__file__).resolve().parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in {".py", ".toml", ".json", ".txt", ".tsv"} and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def cache_context(*, model: str, model_version: str, schema: object, known: object,
                  relation_model: str = "", min_confidence: float = 0.0) -> str:
    """The digest of what, besides the document, an extraction depends on (``relation_model``:
    the relation model's fingerprint, empty for rules alone)."""
    return content_digest({
        "kg": code_fingerprint(), "spacy": _spacy_version(), "model": model,
        "model_files": model_files_fingerprint(model),
        "model_version": model_version, "schema": content_digest(schema), "known": content_digest(known),
        "relation_model": relation_model, "min_confidence": min_confidence,
    })


@lru_cache(maxsize=8)
def model_files_fingerprint(name: str) -> str:
    """What the spaCy pipeline ``name`` is made of, without loading it: the path, size and
    modification time of each of its files and the bytes of its ``meta.json`` and
    ``config.cfg``. A model rebuilt or reinstalled under the same version (``spacy package``
    makes 0.0.0 by default) changes it, so the cache never serves what an older model found.
    Empty when the pipeline's files cannot be found (it is then told by name and version)."""
    folder = _model_folder(name)
    if folder is None:
        return ""
    digest = hashlib.sha256()
    try:
        files = sorted(p for p in folder.rglob("*") if "__pycache__" not in p.parts and p.is_file())
        for path in files:
            info = path.stat()
            relative = path.relative_to(folder).as_posix()
            digest.update(f"{relative}:{info.st_size}:{info.st_mtime_ns};".encode("utf-8", "surrogateescape"))
            if path.name in {"meta.json", "config.cfg"}:
                digest.update(path.read_bytes())
    except OSError:
        return ""
    return digest.hexdigest()


def _model_folder(name: str) -> Path | None:
    """The folder of an installed pipeline package, or ``name`` itself when it is a folder."""
    import importlib.util

    path = Path(name)
    if path.is_dir():
        return path
    try:
        spec = importlib.util.find_spec(name.replace("-", "_"))
    except (ImportError, ValueError):
        return None
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if locations:
        return Path(locations[0])
    return Path(spec.origin).parent if spec is not None and spec.origin else None


def _spacy_version() -> str:
    """spaCy's version from its package metadata (no import); from the module when spaCy runs
    from a checkout without metadata."""
    try:
        return metadata.version("spacy")
    except metadata.PackageNotFoundError:
        import spacy

        return spacy.__version__


# -- values ------------------------------------------------------------------------------------

def _encode(value: object) -> object:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"__type__": type(value).__name__, **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    if isinstance(value, (Mapping, MappingProxyType)):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(value: object) -> object:
    # kg's types hold sequences as tuples, so every JSON list becomes a tuple again.
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if isinstance(value, dict):
        fields = {k: _decode(v) for k, v in value.items() if k != "__type__"}
        if "__type__" not in value:
            return fields
        cls = _TYPES.get(value["__type__"])
        if cls is None:
            raise ValueError(f"unknown type {value['__type__']!r} in the cache")
        return cls(**fields)
    return value


def encode_extraction(extraction: Extraction) -> bytes:
    return json.dumps(_encode(extraction), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def decode_extraction(data: bytes) -> Extraction:
    extraction = _decode(json.loads(data))
    if not isinstance(extraction, Extraction):
        raise ValueError("a cache entry is not an extraction")
    stats = dict(extraction.stats)  # stats is a plain dict of numbers, not a tuple-typed field
    return dataclasses.replace(extraction, stats=stats)


# -- the store ---------------------------------------------------------------------------------

class ExtractionCache:
    """Extractions by key in one SQLite file under ``directory``. New entries wait in memory and
    are written in groups, each in one short write transaction (and on close), so a concurrent
    build on the same cache waits at most a moment for the lock (``busy_timeout`` seconds), and a
    run that stops half-way keeps what it wrote.

    The cache is an optimisation, never a reason for a build to fail: any fault (a locked,
    unreadable, damaged or foreign file, a full disk, an entry that does not decode) is one
    warning line (``on_warning``; stderr by default), and the entry (or, for this run, the whole
    cache) is ignored: the document is parsed again. A damaged file is set aside
    (``extractions.sqlite.damaged``) and a new cache started, now or, if the damage shows only
    while reading, on close."""

    def __init__(self, directory: str | Path, *, context: str, commit_every: int = 64,
                 busy_timeout: float = 10.0, on_warning: Callable[[str], None] | None = None) -> None:
        self.directory = Path(directory)
        self.context = context
        self.commit_every = commit_every
        self.busy_timeout = busy_timeout
        self.hits = 0
        self.misses = 0
        self.faults = 0
        self._on_warning = on_warning or _warn_on_stderr
        self._warned: set[str] = set()
        self._pending: dict[str, tuple[str, bytes, float]] = {}  # key -> (document id, value, time)
        self._damaged = False
        self._db: sqlite3.Connection | None = None
        self._writable = True
        self._open()

    # -- faults

    def _fault(self, what: str, error: BaseException, *, consequence: str) -> None:
        self.faults += 1
        if isinstance(error, sqlite3.DatabaseError) and _is_damage(error):
            self._damaged = True
        if what not in self._warned:  # one line per kind of fault, however often it happens
            self._warned.add(what)
            reason = " ".join(str(error).split()) or type(error).__name__
            self._on_warning(f"kg: warning: cache {self.directory}: {what} ({reason}); {consequence}")

    def _open(self) -> None:
        path = self.directory / CACHE_FILE
        for attempt in (1, 2):
            try:
                self.directory.mkdir(parents=True, exist_ok=True)
                self._db = sqlite3.connect(path, timeout=self.busy_timeout, isolation_level=None)
                self._prepare()
                return
            except (OSError, sqlite3.Error) as error:
                self._close_quietly()
                damaged = isinstance(error, sqlite3.DatabaseError) and _is_damage(error)
                if damaged and attempt == 1 and self._set_aside(path):
                    self._fault("the cache file is damaged", error, consequence="started a new one")
                    self._damaged = False  # set aside already
                    continue
                self._fault("cannot use the cache", error, consequence="building without it")
                self._db = None
                return

    def _prepare(self) -> None:
        db = self._db
        assert db is not None
        if db.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
            db.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
        db.execute("PRAGMA synchronous=NORMAL")
        if self._ready(db):  # nothing to create: no write lock needed (another build may hold it)
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
            row = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
            if row is None or row[0] != _FORMAT:
                db.execute("DROP TABLE IF EXISTS extractions")
                db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (_FORMAT,))
            db.execute(
                "CREATE TABLE IF NOT EXISTS extractions ("
                " key TEXT PRIMARY KEY, document TEXT NOT NULL, value BLOB NOT NULL, stored REAL NOT NULL)"
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    @staticmethod
    def _ready(db: sqlite3.Connection) -> bool:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if not {"meta", "extractions"} <= tables:
            return False
        row = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        return row is not None and row[0] == _FORMAT

    def _set_aside(self, path: Path) -> bool:
        """Move a damaged cache file (and its WAL files) aside; False when that fails too."""
        try:
            for suffix in ("-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
            if path.exists():
                os.replace(path, path.with_name(path.name + ".damaged"))
            return True
        except OSError:
            return False

    def _close_quietly(self) -> None:
        if self._db is not None:
            try:
                self._db.close()
            except sqlite3.Error:
                pass
            self._db = None

    # -- reading and writing

    @property
    def enabled(self) -> bool:
        """Whether the cache is in use at all (False after a fault that made it unusable)."""
        return self._db is not None

    def has_entries(self) -> bool:
        """Whether anything is stored (under any context): this run is a rebuild."""
        if self._db is None:
            return False
        try:
            return self._db.execute("SELECT 1 FROM extractions LIMIT 1").fetchone() is not None
        except sqlite3.Error as error:
            self._fault("cannot read the cache", error, consequence="parsing those documents again")
            return False

    def key(self, document: Document) -> str:
        return hashlib.sha256(f"{self.context}:{document_digest(document)}".encode()).hexdigest()

    def get(self, document: Document) -> Extraction | None:
        key = self.key(document)
        pending = self._pending.get(key)
        row = (pending[1],) if pending is not None else None
        if row is None and self._db is not None:
            try:
                row = self._db.execute("SELECT value FROM extractions WHERE key = ?", (key,)).fetchone()
            except sqlite3.Error as error:
                self._fault("cannot read the cache", error, consequence="parsing those documents again")
                row = None
        if row is None:
            self.misses += 1
            return None
        try:
            extraction = decode_extraction(row[0])
            if extraction.document != document:
                raise ValueError("the entry holds another document")
        except Exception as error:  # a damaged or foreign value: JSON, types, fields
            self._fault("a cache entry is damaged", error, consequence="parsing that document again")
            self.misses += 1
            return None
        self.hits += 1
        return extraction

    def put(self, extraction: Extraction) -> None:
        if self._db is None or not self._writable:
            return
        try:
            value = encode_extraction(extraction)
        except (TypeError, ValueError) as error:
            self._fault("cannot store an extraction", error, consequence="it is not cached")
            return
        self._pending[self.key(extraction.document)] = (extraction.document.id, value, time.time())
        if len(self._pending) >= self.commit_every:
            self.commit()

    def put_all(self, extractions: Iterable[Extraction]) -> None:
        for extraction in extractions:
            self.put(extraction)

    def commit(self) -> None:
        """Write what waits in memory, in one short transaction. On a fault (locked past the busy
        timeout, a full disk, a damaged file) it is dropped and this run writes no more."""
        if not self._pending:
            return
        rows = [(key, doc_id, value, stored) for key, (doc_id, value, stored) in self._pending.items()]
        self._pending.clear()
        if self._db is None or not self._writable:
            return
        try:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?)", rows)
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
        except sqlite3.Error as error:
            self._writable = False
            self._fault("cannot write the cache", error, consequence="this build goes on without storing more")

    def __len__(self) -> int:
        if self._db is None:
            return len(self._pending)
        try:
            return self._db.execute("SELECT count(*) FROM extractions").fetchone()[0] + len(self._pending)
        except sqlite3.Error:
            return len(self._pending)

    def close(self) -> None:
        try:
            self.commit()
        finally:
            self._close_quietly()
            if self._damaged:  # seen while reading: the next run starts a new cache
                self._set_aside(self.directory / CACHE_FILE)

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _is_damage(error: sqlite3.DatabaseError) -> bool:
    text = str(error).lower()
    return any(words in text for words in ("malformed", "not a database", "file is encrypted", "disk i/o error"))


def _warn_on_stderr(message: str) -> None:
    import sys

    print(message, file=sys.stderr, flush=True)
