"""kg's own Cypher statements (kg/data/cypher/*.cypher), loaded by name.

Labels and relationship types cannot be query parameters, so a statement may hold the placeholder
``__LABEL__`` or ``__TYPE__``; it is filled only with a name that passes ``SCHEMA_NAME``.
Everything else a statement needs arrives as a parameter.
"""
from __future__ import annotations

import re
from functools import cache
from pathlib import Path

from kg.errors import SchemaError

__all__ = ["SCHEMA_NAME", "checked_name", "statement", "statements"]

SCHEMA_NAME = re.compile(r"^[A-Z][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"__([A-Z]+)__")
_CYPHER_DIR = Path(__file__).resolve().parent.parent / "data" / "cypher"


def checked_name(name: str, *, what: str) -> str:
    """``name`` if it is safe as a label or relationship type, else SchemaError."""
    if not isinstance(name, str) or not SCHEMA_NAME.fullmatch(name):
        raise SchemaError(f"{what} {name!r} is not a valid name (expected {SCHEMA_NAME.pattern})")
    return name


@cache
def _source(name: str) -> str:
    text = (_CYPHER_DIR / f"{name}.cypher").read_text(encoding="utf-8")
    # Comments are for readers; the server gets only the statement.
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("//")).strip()


def statement(name: str, **names: str) -> str:
    """The statement in ``name``.cypher with each ``__KEY__`` replaced by the checked ``names[key]``."""
    text = _source(name)

    def fill(match: re.Match[str]) -> str:
        key = match.group(1).lower()
        if key not in names:
            raise KeyError(f"{name}.cypher needs a value for {match.group(0)}")
        return checked_name(names[key], what=key)

    return _PLACEHOLDER.sub(fill, text)


def statements(name: str) -> list[str]:
    """The ``;``-separated statements in ``name``.cypher (for files of several DDL statements)."""
    return [part.strip() for part in _source(name).split(";") if part.strip()]
