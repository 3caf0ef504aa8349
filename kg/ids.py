"""Stable ids and name keys. Ids derive only from an entity's type and normalised name, so they
are the same across runs, machines and document orders."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["name_key", "slug", "entity_id", "document_id"]

_POSSESSIVE = re.compile(r"(?:['\u2019]s|s['\u2019])$")
_LEADING_THE = re.compile(r"^the\s+", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w]+", re.UNICODE)


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
    # Dots inside abbreviations go without a space ("U.S." -> "us"); other punctuation splits words.
    text = re.sub(r"(?<=\w)[.\u00b7](?=\w)", "", text)
    return " ".join(_NON_WORD.sub(" ", text).split())


def slug(text: str) -> str:
    """Lowercase words joined by hyphens; unicode letters are kept. Idempotent."""
    return "-".join(name_key(text).split()) or "_"


def entity_id(entity_type: str, name: str) -> str:
    """``organization:acme-corp``."""
    return f"{entity_type.lower()}:{slug(name)}"


def document_id(source: str) -> str:
    """A document id from a file name without its suffix (``seeds/004_x.txt`` -> ``004_x``)."""
    base = source.replace("\\", "/").rsplit("/", 1)[-1]
    stem = base.rsplit(".", 1)[0] if "." in base else base
    return stem or "document"
