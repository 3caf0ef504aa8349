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
import sqlite3
import time
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from types import MappingProxyType

from . import types as kg_types
from .errors import UsageError
from .types import Document, Extraction

__all__ = [
    "DEFAULT_CACHE_DIR",
    "CACHE_FILE",
    "ExtractionCache",
    "cache_context",
    "code_fingerprint",
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
    kg_types.Evidence, kg_types.Relation, kg_types.Extraction,
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


def cache_context(*, model: str, model_version: str, schema: object, known: object) -> str:
    """The digest of what, besides the document, an extraction depends on."""
    return content_digest({
        "kg": code_fingerprint(), "spacy": _spacy_version(), "model": model,
        "model_version": model_version, "schema": content_digest(schema), "known": content_digest(known),
    })


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
    """Extractions by key in one SQLite file under ``directory``. Writes are committed in groups
    (and on close), so a run that stops half-way keeps what it committed."""

    def __init__(self, directory: str | Path, *, context: str, commit_every: int = 64) -> None:
        self.directory = Path(directory)
        self.context = context
        self.commit_every = commit_every
        self.hits = 0
        self.misses = 0
        self._uncommitted = 0
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.directory / CACHE_FILE, timeout=60)
            self._prepare()
        except (OSError, sqlite3.Error) as exc:
            raise UsageError(f"cannot use the cache in {self.directory}: {exc}") from exc

    def _prepare(self) -> None:
        db = self._db
        db.execute("PRAGMA journal_mode=WAL")  # readers don't block the writer
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL)")
        row = db.execute("SELECT value FROM meta WHERE name = 'format'").fetchone()
        if row is None or row[0] != _FORMAT:
            db.execute("DROP TABLE IF EXISTS extractions")
            db.execute("INSERT OR REPLACE INTO meta VALUES ('format', ?)", (_FORMAT,))
        db.execute(
            "CREATE TABLE IF NOT EXISTS extractions ("
            " key TEXT PRIMARY KEY, document TEXT NOT NULL, value BLOB NOT NULL, stored REAL NOT NULL)"
        )
        db.commit()

    def has_entries(self) -> bool:
        """Whether anything is stored (under any context): this run is a rebuild."""
        return self._db.execute("SELECT 1 FROM extractions LIMIT 1").fetchone() is not None

    def key(self, document: Document) -> str:
        return hashlib.sha256(f"{self.context}:{document_digest(document)}".encode()).hexdigest()

    def get(self, document: Document) -> Extraction | None:
        row = self._db.execute("SELECT value FROM extractions WHERE key = ?", (self.key(document),)).fetchone()
        if row is None:
            self.misses += 1
            return None
        self.hits += 1
        return decode_extraction(row[0])

    def put(self, extraction: Extraction) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO extractions VALUES (?, ?, ?, ?)",
            (self.key(extraction.document), extraction.document.id, encode_extraction(extraction), time.time()),
        )
        self._uncommitted += 1
        if self._uncommitted >= self.commit_every:
            self.commit()

    def put_all(self, extractions: Iterable[Extraction]) -> None:
        for extraction in extractions:
            self.put(extraction)

    def commit(self) -> None:
        self._db.commit()
        self._uncommitted = 0

    def __len__(self) -> int:
        return self._db.execute("SELECT count(*) FROM extractions").fetchone()[0]

    def close(self) -> None:
        self.commit()
        self._db.close()

    def __enter__(self) -> ExtractionCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
