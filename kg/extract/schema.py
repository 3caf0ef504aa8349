"""The relation schema: which relation types exist, what triggers them, and which dependency roles
of a trigger give the subject and the object.

The default schema is data (``kg/data/schema.toml``); a user file of the same format adds types or
replaces them, so a new relation type needs no code. The format is described at the top of the
default file.
"""
from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import SchemaError
from ..reserved import RESERVED_RELATION_TYPES, reserved_relation_type
from ..types import ENTITY_TYPES

__all__ = [
    "TRIGGER_KINDS",
    "Trigger",
    "RelationType",
    "Lexicon",
    "Schema",
    "load_schema",
    "parse_schema",
    "schema_rows",
]

TRIGGER_KINDS = ("verb", "noun", "directive", "exclusion")
_NAME = re.compile(r"^[A-Z][A-Z0-9_]*$")
# A role step: a dependency label, "prep:WORD" (one or more words), or a named step.
_STEP = re.compile(r"^(?:[a-z]+|prep:[a-z][a-z'\- ]*)$")
_LINK = re.compile(r"^~?(?:appos|comma|stacked|poss|descriptor|name|source|npadvmod|compound|nmod|(?:prep|clause):[a-z][a-z'\- ]*)$")
_MODES = ("add", "replace")
_RELATION_KEYS = frozenset({
    "name", "label", "subject", "object", "verbs", "verb_subject", "verb_object", "nouns",
    "noun_subject", "noun_object", "role_nouns", "place_role_nouns", "role_object", "links", "reach", "directives",
    "directive_object", "exclusions", "exclusion_subject", "exclusion_object", "symmetric",
    "compose", "compose_as", "trigger",
})
_TRIGGER_KEYS = frozenset({"kind", "words", "subject", "object"})
_TOP_KEYS = frozenset({"version", "mode", "defaults", "lexicon", "relation"})
_DEFAULT_KEYS = frozenset({
    "verb_subject", "verb_object", "noun_subject", "noun_object", "role_object",
    "directive_object", "exclusion_subject", "exclusion_object",
})


@dataclass(frozen=True, slots=True)
class Trigger:
    """Words of one kind that signal a relation, with the role paths to its arguments.

    ``verb``: a verb (or participle/adjective) whose roles give both arguments; ``noun``: a noun,
    either an event ("ban on Y") or one naming an argument (role ``self``: "the founder, P");
    ``directive``: a verb that, ordered by someone, is the relation by the one who ordered it;
    ``exclusion``: a verb of scope whose measure leaves someone out ("applied to A and not B").
    """

    kind: str
    words: tuple[str, ...]
    subject: tuple[str, ...]
    object: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class RelationType:
    name: str
    label: str
    subject_types: frozenset[str]
    object_types: frozenset[str]
    triggers: tuple[Trigger, ...] = ()
    links: tuple[str, ...] = ()
    reach: bool = False
    symmetric: bool = False
    compose: tuple[str, ...] = ()
    compose_as: str = ""  # the type a composed chain yields; empty: this type
    # The role nouns that take a place as their object ("the mayor of X", "French President P");
    # None: any of them. "Swedish director P" names P's nationality, not what P directs.
    place_roles: frozenset[str] | None = None

    def allows(self, subject_type: str, object_type: str) -> bool:
        return subject_type in self.subject_types and object_type in self.object_types


@dataclass(frozen=True, slots=True)
class Lexicon:
    """Words of English the engine's general rules rely on (not tied to any relation type)."""

    measure_nouns: frozenset[str] = frozenset()
    light_verbs: frozenset[str] = frozenset()
    directive_verbs: frozenset[str] = frozenset()
    implicative_verbs: frozenset[str] = frozenset()
    hedge_verbs: frozenset[str] = frozenset()
    hedge_nouns: frozenset[str] = frozenset()
    denial_verbs: frozenset[str] = frozenset()
    exemplifiers: frozenset[str] = frozenset()
    exception_preps: frozenset[str] = frozenset()
    appositive_of_nouns: frozenset[str] = frozenset()
    copulas: frozenset[str] = frozenset()
    membership_heads: frozenset[str] = frozenset()
    office_bodies: frozenset[str] = frozenset()
    residence_verbs: frozenset[str] = frozenset()
    speech_verbs: frozenset[str] = frozenset()
    speaker_nouns: frozenset[str] = frozenset()


_LEXICON_KEYS = frozenset(Lexicon.__slots__)


@dataclass(frozen=True, slots=True)
class Schema:
    relations: tuple[RelationType, ...]
    lexicon: Lexicon = field(default_factory=Lexicon)

    def get(self, name: str) -> RelationType | None:
        for r in self.relations:  # a plain loop: asked for every candidate pair and relation
            if r.name == name:
                return r
        return None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(r.name for r in self.relations)


def load_schema(path: str | Path | None = None) -> Schema:
    """The default schema, with the types of ``path`` added (``mode = "add"``, the default:
    same-named types are replaced) or in place of all default types (``mode = "replace"``)."""
    base_data = _parse_toml(_default_text(), "default schema")
    base_defaults = _builtin_defaults()
    base = parse_schema(base_data, source="default schema", defaults={})
    if path is None:
        return base
    source = str(path)
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SchemaError(f"schema file not found: {source}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SchemaError(f"cannot read schema file {source}: {exc}") from None
    data = _parse_toml(text, source)
    extra = parse_schema(data, source=source, defaults=base_defaults, known_types=frozenset(base.names))
    mode = data.get("mode", "add")
    return _combine(base, extra, mode=mode, lexicon_keys=frozenset(data.get("lexicon", {})))


def parse_schema(
    data: Mapping,
    *,
    source: str = "schema",
    defaults: Mapping[str, tuple[str, ...]] | None = None,
    known_types: frozenset[str] = frozenset(),
) -> Schema:
    """A Schema from the parsed TOML of a schema file; raises SchemaError (one line) if malformed.
    ``known_types`` are relation types defined elsewhere that ``compose`` may name."""
    _check_keys(data, _TOP_KEYS, source)
    mode = data.get("mode", "add")
    if mode not in _MODES:
        raise SchemaError(f"{source}: mode must be one of {', '.join(_MODES)}, not {mode!r}")
    role_defaults = _defaults(data, _builtin_defaults() if defaults is None else defaults, source)
    relations_data = data.get("relation", [])
    if not isinstance(relations_data, list):
        raise SchemaError(f"{source}: 'relation' must be an array of tables ([[relation]])")
    relations = tuple(_relation(item, role_defaults, f"{source}: relation #{i + 1}")
                      for i, item in enumerate(relations_data))
    seen: set[str] = set()
    for relation in relations:
        if relation.name in seen:
            raise SchemaError(f"{source}: relation type {relation.name} is defined twice")
        seen.add(relation.name)
    lexicon = _lexicon(data.get("lexicon", {}), source)
    schema = Schema(relations, lexicon)
    _check_compose(schema, source, known=frozenset(seen) | known_types)
    return schema


@lru_cache(maxsize=1)
def _builtin_defaults() -> dict[str, tuple[str, ...]]:
    """The [defaults] roles of the default schema file."""
    data = _parse_toml(_default_text(), "default schema")
    return _defaults(data, {}, "default schema")


def _default_text() -> str:
    return resources.files("kg").joinpath("data/schema.toml").read_text(encoding="utf-8")


def schema_rows(schema: Schema) -> list[dict[str, str]]:
    """One row per relation type in force, for listing (``kg schema``)."""
    rows = []
    for relation in schema.relations:
        triggers = "; ".join(
            f"{trigger.kind}: {', '.join(trigger.words)}" for trigger in relation.triggers
        )
        rows.append({
            "name": relation.name,
            "label": relation.label,
            "subject": ", ".join(sorted(relation.subject_types)),
            "object": ", ".join(sorted(relation.object_types)),
            "triggers": triggers,
            "links": ", ".join(relation.links),
        })
    return rows


# ---------------------------------------------------------------- parsing


def _parse_toml(text: str, source: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SchemaError(f"{source}: not valid TOML: {exc}") from None


def _check_keys(data: Mapping, allowed: frozenset[str], where: str) -> None:
    if not isinstance(data, Mapping):
        raise SchemaError(f"{where}: expected a table")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise SchemaError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(allowed))})")


def _defaults(data: Mapping, inherited: Mapping[str, tuple[str, ...]], source: str) -> dict[str, tuple[str, ...]]:
    table = data.get("defaults", {})
    _check_keys(table, _DEFAULT_KEYS, f"{source}: [defaults]")
    merged = dict(inherited)
    for key, value in table.items():
        merged[key] = _roles(value, f"{source}: [defaults] {key}")
    return merged


def _relation(item: Mapping, defaults: Mapping[str, tuple[str, ...]], where: str) -> RelationType:
    _check_keys(item, _RELATION_KEYS, where)
    name = item.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise SchemaError(f"{where}: name must match ^[A-Z][A-Z0-9_]*$ (UPPER_SNAKE_CASE), got {name!r}")
    if reserved_relation_type(name):
        raise SchemaError(f"{where}: {name} is reserved for kg's own edges ({', '.join(RESERVED_RELATION_TYPES)})")
    where = f"{where} ({name})"
    label = item.get("label", name.lower().replace("_", " "))
    if not isinstance(label, str) or not label.strip():
        raise SchemaError(f"{where}: label must be a non-empty string")
    subject_types = _types(item.get("subject"), f"{where}: subject")
    object_types = _types(item.get("object"), f"{where}: object")

    def role(key: str, fallback: tuple[str, ...] = ()) -> tuple[str, ...]:
        if key in item:
            return _roles(item[key], f"{where}: {key}")
        return defaults.get(key, fallback)

    triggers: list[Trigger] = []
    for key in ("verb_subject", "verb_object", "noun_subject", "noun_object", "role_object"):
        if key in item and not role(key):
            raise SchemaError(f"{where}: {key} must list at least one role")
    if "verbs" in item:
        triggers.append(Trigger("verb", _words(item["verbs"], f"{where}: verbs"),
                                role("verb_subject"), role("verb_object")))
    if "nouns" in item:
        triggers.append(Trigger("noun", _words(item["nouns"], f"{where}: nouns"),
                                role("noun_subject"), role("noun_object")))
    if "role_nouns" in item:
        triggers.append(Trigger("noun", _words(item["role_nouns"], f"{where}: role_nouns"),
                                ("self",), role("role_object")))
    if "directives" in item:
        triggers.append(Trigger("directive", _words(item["directives"], f"{where}: directives"),
                                (), role("directive_object")))
    if "exclusions" in item:
        triggers.append(Trigger("exclusion", _words(item["exclusions"], f"{where}: exclusions"),
                                role("exclusion_subject"), role("exclusion_object")))
    explicit = item.get("trigger", [])
    if not isinstance(explicit, list):
        raise SchemaError(f"{where}: 'trigger' must be an array of tables ([[relation.trigger]])")
    for index, table in enumerate(explicit):
        triggers.append(_trigger(table, defaults, f"{where}: trigger #{index + 1}"))

    links = tuple(_link(value, f"{where}: links") for value in _string_list(item.get("links", []), f"{where}: links"))
    if not triggers and not links:
        raise SchemaError(f"{where}: give at least one of verbs, nouns, role_nouns, directives, exclusions, trigger or links")
    compose = tuple(_string_list(item.get("compose", []), f"{where}: compose"))
    for other in compose:
        if not _NAME.match(other):
            raise SchemaError(f"{where}: compose names a bad relation type {other!r}")
    place_roles = (frozenset(_words(item["place_role_nouns"], f"{where}: place_role_nouns"))
                   if "place_role_nouns" in item else None)
    if place_roles is not None and "role_nouns" not in item:
        raise SchemaError(f"{where}: place_role_nouns needs role_nouns")
    compose_as = item.get("compose_as", "")
    if compose_as and not (isinstance(compose_as, str) and _NAME.match(compose_as)):
        raise SchemaError(f"{where}: compose_as names a bad relation type {compose_as!r}")
    return RelationType(
        name=name,
        label=label.strip(),
        subject_types=subject_types,
        object_types=object_types,
        triggers=tuple(triggers),
        links=links,
        reach=_flag(item, "reach", where),
        symmetric=_flag(item, "symmetric", where),
        compose=compose,
        compose_as=compose_as,
        place_roles=place_roles,
    )


def _trigger(table: Mapping, defaults: Mapping[str, tuple[str, ...]], where: str) -> Trigger:
    _check_keys(table, _TRIGGER_KEYS, where)
    kind = table.get("kind")
    if kind not in TRIGGER_KINDS:
        raise SchemaError(f"{where}: kind must be one of {', '.join(TRIGGER_KINDS)}, not {kind!r}")
    words = _words(table.get("words"), f"{where}: words")
    subject = _roles(table["subject"], f"{where}: subject") if "subject" in table else defaults.get(f"{kind}_subject", ())
    obj = _roles(table["object"], f"{where}: object") if "object" in table else defaults.get(f"{kind}_object", ())
    if kind != "directive" and not subject:
        raise SchemaError(f"{where}: subject roles are missing")
    if not obj:
        raise SchemaError(f"{where}: object roles are missing")
    return Trigger(kind, words, subject, obj)


def _types(value: object, where: str) -> frozenset[str]:
    names = _string_list(value, where)
    if not names:
        raise SchemaError(f"{where}: list at least one entity type ({', '.join(ENTITY_TYPES)})")
    for name in names:
        if name not in ENTITY_TYPES:
            raise SchemaError(f"{where}: unknown entity type {name!r} (expected one of {', '.join(ENTITY_TYPES)})")
    return frozenset(names)


def _words(value: object, where: str) -> tuple[str, ...]:
    words = tuple(" ".join(w.lower().split()) for w in _string_list(value, where))
    if not words or any(not w for w in words):
        raise SchemaError(f"{where}: give a list of non-empty words")
    return tuple(dict.fromkeys(words))


def _roles(value: object, where: str) -> tuple[str, ...]:
    roles = tuple(_string_list(value, where))
    for role in roles:
        steps = [s.strip() for s in role.split(">")]
        if not role or any(not _STEP.match(step) for step in steps):
            raise SchemaError(f"{where}: bad role path {role!r} (steps like nsubj, prep:in, self, joined by '>')")
    return tuple(">".join(s.strip() for s in role.split(">")) for role in roles)


def _link(value: str, where: str) -> str:
    if not _LINK.match(value):
        raise SchemaError(f"{where}: bad link {value!r} (prep:WORD, clause:WORD, appos, comma, stacked, poss, descriptor, name, source, npadvmod, compound, nmod; '~' reverses)")
    return value


def _string_list(value: object, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise SchemaError(f"{where}: expected a list of strings")
    return value


def _flag(item: Mapping, key: str, where: str) -> bool:
    value = item.get(key, False)
    if not isinstance(value, bool):
        raise SchemaError(f"{where}: {key} must be true or false")
    return value


def _lexicon(table: Mapping, source: str) -> Lexicon:
    _check_keys(table, _LEXICON_KEYS, f"{source}: [lexicon]")
    return Lexicon(**{key: frozenset(_words(value, f"{source}: [lexicon] {key}")) for key, value in table.items()})


def _check_compose(schema: Schema, source: str, *, known: frozenset[str]) -> None:
    for relation in schema.relations:
        for other in relation.compose:
            if other not in known:
                raise SchemaError(f"{source}: relation type {relation.name} composes with unknown type {other}")
        if relation.compose_as and relation.compose_as not in known:
            raise SchemaError(f"{source}: relation type {relation.name} composes as unknown type {relation.compose_as}")


def _combine(base: Schema, extra: Schema, *, mode: str, lexicon_keys: Iterable[str]) -> Schema:
    if mode == "replace":
        relations = extra.relations
    else:
        overriding = {r.name: r for r in extra.relations}
        kept = tuple(overriding.pop(r.name, r) for r in base.relations)
        relations = kept + tuple(r for r in extra.relations if r.name in overriding)
    known = frozenset(r.name for r in relations)
    lexicon = base.lexicon
    for key in lexicon_keys:
        words = getattr(extra.lexicon, key)
        lexicon = replace(lexicon, **{key: words if mode == "replace" else getattr(lexicon, key) | words})
    combined = Schema(relations, lexicon)
    _check_compose(combined, "schema (after replacing the default types)", known=known)
    return combined
