"""Stable ids and name keys. Ids derive only from an entity's type and normalised name, so they
are the same across runs, machines and document orders."""
from __future__ import annotations

import hashlib
import re
import unicodedata
from functools import lru_cache

__all__ = [
    "name_key", "slug", "entity_id", "document_id", "text_hash", "without_text_hash", "namespaced_document_id", "in_entity_namespace",
    "ENTITY_ID_PREFIXES", "DOCUMENT_PREFIX", "escape_controls", "has_controls",
]

# Every entity id starts with its type in lower case and a colon ("person:..."); quotations and
# documents are reserved kinds. A document id never starts with one of these (see
# ``namespaced_document_id``), so it can never equal an entity's (or a quotation's) id.
ENTITY_ID_PREFIXES: frozenset[str] = frozenset(
    {"person", "organization", "location", "facility", "product", "event", "law", "group",
     "quote", "entity", "document"})
DOCUMENT_PREFIX = "doc:"
_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

_POSSESSIVE = re.compile(r"(?:['\u2019]s|s['\u2019])$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)
_SYMBOL_AFTER_WORD = re.compile(r"(?<=[\w+#])[+#]")
_SYMBOL_WORDS = {"+": " plus ", "#": " sharp "}


@lru_cache(maxsize=1 << 16)  # pure, and the same names come back in every document
def name_key(name: str) -> str:
    """The matching key of a name: case folded, without a possessive 's, a leading "the",
    punctuation or extra spaces ("The Treasury's" -> "treasury"). Idempotent."""
    # Removing punctuation can expose a leading "the" ("-the x", "the_x"): repeat until stable.
    key = _key_once(name)
    while (again := _key_once(key)) != key:
        key = again
    return key


def _key_once(name: str) -> str:
    text = unicodedata.normalize("NFKC", name).strip()
    previous = None
    while previous != text:
        previous = text
        text = _POSSESSIVE.sub(lambda m: "s" if m.group(0).startswith("s") else "", text).strip()
        text = _LEADING_THE.sub("", text).strip()
    text = text.casefold().replace("_", " ")
    # "+" and "#" after a letter are part of the name ("C++", "C#", "Disney+"): spelt as words,
    # so C++ and C# stay two names (and "C Sharp" is C#).
    text = _SYMBOL_AFTER_WORD.sub(lambda m: _SYMBOL_WORDS[m.group(0)], text)
    # Dots inside abbreviations go without a space ("U.S." -> "us"); other punctuation splits words.
    text = re.sub(r"(?<=\w)[.\u00b7](?=\w)", "", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def slug(text: str) -> str:
    """Lowercase words joined by hyphens; unicode letters are kept. Idempotent."""
    return "-".join(name_key(text).split()) or "_"


def entity_id(entity_type: str, name: str) -> str:
    """``organization:acme-corp``."""
    return f"{entity_type.lower()}:{slug(name)}"


def document_id(source: str, text: str | None = None) -> str:
    """A document id from a file name without its suffix (``seeds/004_x.txt`` -> ``004_x``),
    control characters escaped (``\\x0a``) and outside the entity id namespace
    (``person:john-smith.txt`` -> ``doc:person:john-smith``). With ``text``, its ``text_hash``
    follows (``004_x-1f3a9c0b``): two files of one name in two runs (``x/report.txt``,
    ``y/report.txt``) are two documents, and the same text is the same document from any folder,
    working directory or machine."""
    base = source.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = namespaced_document_id(escape_controls(stem) or "document")
    return stem if text is None else f"{stem}-{text_hash(text)}"


def text_hash(text: str) -> str:
    """Eight hex digits of the SHA-1 of ``text`` (lone surrogates included as they are)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


_TEXT_HASH = re.compile(r"-[0-9a-f]{8}$")


def without_text_hash(doc_id: str) -> str:
    """A file document's id without the hash ``document_id`` adds: its stem (``004_x-1f3a9c0b``
    -> ``004_x``), what a gold file written before hashes names it by."""
    return _TEXT_HASH.sub("", doc_id)


def in_entity_namespace(identifier: str) -> bool:
    """Whether ``identifier`` has the form of an entity (or quotation) id: a type word, then ":"."""
    prefix, colon, _ = identifier.partition(":")
    return bool(colon) and prefix.strip().casefold() in ENTITY_ID_PREFIXES


def namespaced_document_id(wanted: str) -> str:
    """``wanted``, or ``doc:<wanted>`` when it has the form of an entity id. Ids starting with
    ``doc:`` are kept, so no two wanted ids give one result."""
    return f"{DOCUMENT_PREFIX}{wanted}" if in_entity_namespace(wanted) else wanted


def has_controls(text: str) -> bool:
    return _CONTROLS.search(text) is not None


def escape_controls(text: str) -> str:
    """Control characters (C0, DEL, C1) as ``\\xNN``, so a name holding them prints on one line
    and stays distinct from one with a space in their place."""
    return _CONTROLS.sub(lambda m: f"\\x{ord(m.group(0)):02x}", text)
