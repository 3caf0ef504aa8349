"""Names kg's graph itself uses, which no schema, aliases or graph file may define: the node
labels of documents, quotations and every entity, and the relationship types between them."""
from __future__ import annotations

__all__ = ["RESERVED_TYPES", "RESERVED_RELATION_TYPES", "reserved_type", "reserved_relation_type"]

RESERVED_TYPES: tuple[str, ...] = ("Document", "Quote", "Entity")
RESERVED_RELATION_TYPES: tuple[str, ...] = ("MENTIONS", "NEAR_DUPLICATE_OF", "SAID")
_TYPES = frozenset(name.casefold() for name in RESERVED_TYPES)
_RELATIONS = frozenset(name.casefold() for name in RESERVED_RELATION_TYPES)


def reserved_type(name: object) -> bool:
    """Whether ``name`` is (in any case) a node label kg reserves."""
    return isinstance(name, str) and name.strip().casefold() in _TYPES


def reserved_relation_type(name: object) -> bool:
    """Whether ``name`` is (in any case) a relationship type kg reserves."""
    return isinstance(name, str) and name.strip().casefold() in _RELATIONS
