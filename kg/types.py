"""Typed data that flows through kg: documents -> mentions -> entities -> relations.

Every stage takes and returns these frozen dataclasses, so a per-document result is a plain,
picklable value (it can cross process boundaries, be cached, or be shipped to a Dask worker).
Character offsets are always offsets into ``Document.text`` (the text as read, after decoding,
before any cleaning).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = [
    "ENTITY_TYPES",
    "EntityType",
    "MentionKind",
    "Document",
    "Skipped",
    "Mention",
    "Reference",
    "Merge",
    "Entity",
    "Evidence",
    "Relation",
    "Quote",
    "Extraction",
]

EntityType = Literal[
    "Person", "Organization", "Location", "Facility", "Product", "Event", "Law", "Group"
]
ENTITY_TYPES: tuple[str, ...] = (
    "Person", "Organization", "Location", "Facility", "Product", "Event", "Law", "Group",
)
MentionKind = Literal["name", "pronoun", "nominal"]


@dataclass(frozen=True, slots=True)
class Document:
    """One article as read. ``body`` lists the character spans of the article proper;
    everything outside them (captions, bylines, comments, navigation) is furniture."""

    id: str
    text: str
    title: str | None = None
    source: str | None = None
    url: str | None = None
    published: str | None = None  # ISO 8601 date, e.g. "2017-12-18"
    authors: tuple[str, ...] = ()
    body: tuple[tuple[int, int], ...] | None = None  # None: the whole text is the body

    def body_spans(self) -> tuple[tuple[int, int], ...]:
        return self.body if self.body is not None else ((0, len(self.text)),)

    @property
    def boilerplate_chars(self) -> int:
        """How many non-space characters lie outside the body (set aside as furniture)."""
        if self.body is None:
            return 0
        kept = sum(_visible(self.text[s:e]) for s, e in self.body)
        return _visible(self.text) - kept


def _visible(text: str) -> int:
    return len("".join(text.split()))  # str.split() splits on exactly the characters isspace() is true of


@dataclass(frozen=True, slots=True)
class Skipped:
    """An input that was not read, and why (shown to the user; exit code 1)."""

    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class Mention:
    """A span that refers to an entity. ``entity`` is filled in by resolution."""

    start: int
    end: int
    text: str
    type: str  # one of ENTITY_TYPES
    kind: MentionKind = "name"
    entity: str = ""  # entity id once resolved


@dataclass(frozen=True, slots=True)
class Reference:
    """A pronoun or definite description waiting to be attached to an entity."""

    start: int
    end: int
    text: str
    kind: str  # "pronoun", "nominal", or "people" (a plural noun of people: "they" may mean them)
    compatible: tuple[str, ...]  # entity types it can refer to
    feature: str  # pronoun class ("thing", "male", "plural"...) or the description's head noun
    sentence_start: int
    # A description the syntax binds to a name ("X, the director", "X is a port"): a character
    # span inside that name's mention (its head word); None: left to agreement and recency.
    bound: tuple[int, int] | None = None


@dataclass(frozen=True, slots=True)
class Merge:
    """One resolution decision: the name ``name`` was merged into the entity, and why."""

    name: str
    reason: str
    doc: str = ""


@dataclass(frozen=True, slots=True)
class Entity:
    id: str
    name: str
    type: str
    aliases: tuple[str, ...] = ()
    mentions: tuple[Mention, ...] = ()
    merged_from: tuple[Merge, ...] = ()
    # A place linked to GeoNames (kg.extract.places): its GeoNames id, the ISO 3166-1 alpha-2
    # code of its country and, for a city, where it is; a country's own ISO code.
    geonames_id: int | None = None
    country_code: str | None = None
    lat: float | None = None
    lon: float | None = None
    iso_code: str | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    doc: str
    sentence: str
    start: int  # sentence offsets in the document text
    end: int
    rule: str = ""


@dataclass(frozen=True, slots=True)
class Relation:
    subject: str  # entity id
    type: str  # UPPER_SNAKE_CASE relation type name
    object: str  # entity id
    label: str
    confidence: float
    evidence: Evidence
    negated: bool = False
    modality: str | None = None  # e.g. "may", "would": hedged statements are not facts
    past: bool = False  # stated as ended ("a former member"): never the current fact
    source: tuple[str, ...] = ()  # what found it: rule names and/or "model"


@dataclass(frozen=True, slots=True)
class Quote:
    """A quotation in one document: ``text`` as said ("direct", between quote marks) or as
    reported ("reported": "X said that ..."); ``start``/``end`` its span in the document text;
    ``speaker`` the entity id it is attributed to ("" when no speaker was found: never a guess);
    ``mentions`` the entity ids named inside it."""

    id: str
    text: str
    kind: Literal["direct", "reported"]
    start: int
    end: int
    speaker: str = ""
    mentions: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Extraction:
    """What one document yields before cross-document merging (the map step's output)."""

    document: Document
    entities: tuple[Entity, ...] = ()
    relations: tuple[Relation, ...] = ()
    stats: dict = field(default_factory=dict, compare=False, hash=False)
    quotes: tuple[Quote, ...] = ()
