"""Candidate entity pairs of one parsed sentence and the features the relation model reads.

A candidate is two mentions of different entities in one sentence (names, or pronouns and
descriptions that resolution tied to an entity), taken in text order: the model says whether the
first relates to the second, the second to the first, or neither. Its features describe the
parse between them (the dependency path, the words between and around), their types and kinds,
the schema's trigger words on the way, and which rules fired on the pair with what direction.
Features are plain strings, so the model file is readable and the features auditable.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..types import Mention, Relation
from .schema import Schema

if TYPE_CHECKING:  # the model module reads Candidates without spaCy (a rebuild's main process)
    from spacy.tokens import Doc, Span, Token

__all__ = ["Candidate", "candidates", "trigger_lemmas"]

_MAX_TOKENS_APART = 40  # pairs farther apart in one sentence are rarely stated relations
_MAX_PATH = 7  # longer dependency paths are summarised by their length only
_MAX_BETWEEN = 10  # words between, as a bag, up to this many
_PAST_WORDS = frozenset({"former", "ex", "ex-", "formerly", "erstwhile", "onetime", "one-time",
                         "previously", "until", "retired", "outgoing"})
_NEGATIONS = frozenset({"not", "never", "n't", "no"})


@dataclass(frozen=True, slots=True)
class Candidate:
    """Two mentions of one sentence in text order, with the features of the pair."""

    first: Mention
    second: Mention
    sentence_start: int  # document offsets of the sentence
    sentence_end: int
    sentence: str
    features: tuple[str, ...]
    rules: tuple[tuple[str, str, str], ...]  # (type, ">" or "<", rule name) of rules that fired
    past: bool = False


def candidates(
    doc: Doc,
    mentions: Sequence[Mention],
    rule_relations: Iterable[Relation],
    schema: Schema,
    *,
    offset: int = 0,
) -> list[Candidate]:
    """Every pair of mentions of different entities within one sentence of ``doc`` (the parse of
    the document text from ``offset``), one pair per two entities and sentence (the closest
    mentions, names before pronouns), with their features."""
    spans = _mention_spans(doc, mentions, offset)
    if len(spans) < 2:
        return []
    fired = _fired(rule_relations)
    allowed = _type_pairs(schema)
    triggers = trigger_lemmas(schema)
    countries = _country_ids()
    seen: dict[int, str] = {}  # token index -> _word: a sentence's words recur in many pairs

    def word(token: Token) -> str:
        found = seen.get(token.i)
        if found is None:
            found = seen[token.i] = _word(token)
        return found

    out: list[Candidate] = []
    for sent in doc.sents:
        inside = [(m, s) for m, s in spans if sent.start <= s.start and s.end <= sent.end]
        best: dict[tuple[str, str], tuple[tuple, Mention, Span, Mention, Span]] = {}
        for i, (ma, sa) in enumerate(inside):
            for mb, sb in inside[i + 1:]:
                if ma.entity == mb.entity or sb.start < sa.end or (ma.type, mb.type) not in allowed:
                    continue
                apart = sb.start - sa.end
                if apart > _MAX_TOKENS_APART:
                    continue
                key = (ma.entity, mb.entity) if ma.entity < mb.entity else (mb.entity, ma.entity)
                rank = ((ma.kind != "name") + (mb.kind != "name"), apart, sa.start)
                if key not in best or rank < best[key][0]:
                    best[key] = (rank, ma, sa, mb, sb)
        if not best:
            continue
        start, end, text = sent.start_char + offset, sent.end_char + offset, sent.text  # Span.text joins its tokens: once
        for _, ma, sa, mb, sb in sorted(best.values(), key=lambda v: (v[2].start, v[4].start)):
            rules = _rules_for(fired, start, ma.entity, mb.entity)
            features, past = _features(doc, sent, ma, sa, mb, sb, rules, triggers, countries, word)
            out.append(Candidate(ma, mb, start, end, text, features, rules, past))
    return out


def _mention_spans(doc: Doc, mentions: Sequence[Mention], offset: int) -> list[tuple[Mention, Span]]:
    spans = []
    for mention in mentions:
        if not mention.entity:
            continue
        span = doc.char_span(mention.start - offset, mention.end - offset, alignment_mode="expand")
        if span is not None and len(span):
            spans.append((mention, span))
    spans.sort(key=lambda p: (p[1].start, p[1].end))
    return spans


def _fired(relations: Iterable[Relation]) -> dict[tuple[int, str, str], list[tuple[str, str]]]:
    """(sentence start, subject, object) -> [(type, rule)] of the rules' relations."""
    fired: dict[tuple[int, str, str], list[tuple[str, str]]] = {}
    for r in relations:
        fired.setdefault((r.evidence.start, r.subject, r.object), []).append((r.type, r.evidence.rule))
    return fired


def _rules_for(fired, start: int, first: str, second: str) -> tuple[tuple[str, str, str], ...]:
    found = [(t, ">", rule) for t, rule in fired.get((start, first, second), ())]
    found += [(t, "<", rule) for t, rule in fired.get((start, second, first), ())]
    return tuple(sorted(set(found)))


@lru_cache(maxsize=8)
def trigger_lemmas(schema: Schema) -> dict[str, tuple[str, ...]]:
    """Lowercased trigger word (first word of multi-word triggers) -> the relation types it
    triggers."""
    index: dict[str, set[str]] = {}
    for relation in schema.relations:
        for trigger in relation.triggers:
            for word in trigger.words:
                head = word.lower().split()[0] if word.strip() else ""
                if head:
                    index.setdefault(head, set()).add(relation.name)
    return {word: tuple(sorted(types)) for word, types in index.items()}


@lru_cache(maxsize=8)
def _type_pairs(schema: Schema) -> frozenset[tuple[str, str]]:
    """Type pairs (in text order) some relation of the schema allows, in either direction: no
    other pair can be a relation, so it is no candidate."""
    pairs = set()
    for relation in schema.relations:
        for a in relation.subject_types:
            for b in relation.object_types:
                pairs.add((a, b))
                pairs.add((b, a))
    return frozenset(pairs)


@lru_cache(maxsize=1)
def _country_ids() -> frozenset[str]:
    from .relations import _country_forms  # the rules' table of countries, keyed by entity id

    return frozenset(_country_forms())


def _bucket(n: int) -> str:
    return str(n) if n < 4 else "4-5" if n < 6 else "6-9" if n < 10 else "10+"


def _word(token: Token) -> str:
    if token.like_num:
        return "<num>"
    return token.lemma_.lower() if token.pos_ in ("VERB", "AUX", "NOUN") else token.lower_


def _path(a: Token, b: Token) -> tuple[list[Token], Token, list[Token]] | None:
    """Tokens from a up to the lowest common ancestor, the ancestor, and from it down to b."""
    up_a = [a, *a.ancestors]
    index = {t.i: n for n, t in enumerate(up_a)}
    down: list[Token] = []
    for t in [b, *b.ancestors]:
        if t.i in index:
            return up_a[:index[t.i]], t, list(reversed(down))
        down.append(t)
    return None


def _features(doc: Doc, sent: Span, ma: Mention, sa: Span, mb: Mention, sb: Span, rules, triggers, countries,
              word: Callable[[Token], str]) -> tuple[tuple[str, ...], bool]:
    """``word``: ``_word``, remembered per token by the caller."""
    ta = "Country" if ma.entity in countries else ma.type
    tb = "Country" if mb.entity in countries else mb.type
    types = f"{ta}|{tb}"
    f: list[str] = ["t=" + types, f"k={ma.kind}|{mb.kind}"]
    between = [t for t in doc[sa.end:sb.start] if not t.is_space]
    words = [word(t) for t in between if not t.is_punct or t.text in {",", "(", "'s", "-"}]
    f.append("nb=" + _bucket(len(between)))
    if len(between) <= _MAX_BETWEEN:
        f += [f"bw={w}" for w in set(words)]
        f += [f"bwt={types}:{w}" for w in set(words)]
        f.append("bs=" + " ".join(words) if len(words) <= 4 else "bs=long")
        if len(words) <= 4:
            f.append(f"bst={types}:" + " ".join(words))
    if between:
        f += ["bf=" + word(between[0]), "bl=" + word(between[-1])]
    others = sum(1 for t in between if t.ent_type_ in ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"))
    f.append("ne=" + _bucket(min(others, 4)))
    before = [t for t in doc[max(sent.start, sa.start - 2):sa.start]]
    after = [t for t in doc[sb.end:min(sent.end, sb.end + 2)]]
    f += [f"b{n}=" + word(t) for n, t in enumerate(reversed(before), 1)]
    f += [f"a{n}=" + word(t) for n, t in enumerate(after, 1)]
    ra, rb = sa.root, sb.root
    f += [f"ha={ra.dep_}:{word(ra.head)}", f"hb={rb.dep_}:{word(rb.head)}", f"da={ra.dep_}", f"db={rb.dep_}"]
    # words inside the mentions' own phrases that are not the names ("the former minister")
    mods = [c for r in (ra, rb) for c in r.children if c.dep_ in ("amod", "compound", "nmod", "appos")
            and not (sa.start <= c.i < sa.end or sb.start <= c.i < sb.end)]
    f += [f"mod={word(c)}" for c in mods]
    path = _path(ra, rb)
    path_words: list[Token] = []
    if path is None:
        f.append("p=none")
    else:
        up, top, down = path
        length = len(up) + len(down)
        f.append("pn=" + _bucket(length))
        deps = [f"{t.dep_}^" for t in up] + [f"{t.dep_}v" for t in down]
        inner = [t for t in (*up[1:], top, *down[:-1])
                 if not (sa.start <= t.i < sa.end or sb.start <= t.i < sb.end)]
        path_words = inner
        if length <= _MAX_PATH:
            f.append("pd=" + " ".join(deps))
            f.append(f"pdt={types}:" + " ".join(deps))
            lex = [f"{t.dep_}^" for t in up] + [word(top)] + [f"{t.dep_}v" for t in down]
            f.append("pl=" + " ".join(lex))
            f.append(f"plt={types}:" + " ".join(lex))
        else:
            f.append("pd=long")
        f.append("top=" + word(top) + ":" + top.pos_)
        f.append(f"topt={types}:" + word(top))
        f += [f"pw={word(t)}" for t in inner]
        f += [f"pwt={types}:{word(t)}" for t in inner]
        if any(c.dep_ == "neg" or c.lower_ in _NEGATIONS for t in (top, *inner) for c in t.children):
            f.append("neg")
    seen_types = set()
    for t in (*path_words, *between, *mods):
        for rel in triggers.get(t.lemma_.lower(), ()) + triggers.get(t.lower_, ()):
            seen_types.add(rel)
    f += [f"trig={r}" for r in sorted(seen_types)]
    for rel, direction, rule in rules:
        kind = rule.split(":", 1)[0]
        f += [f"rule={rel}{direction}", f"rk={kind}:{rel}{direction}", f"rn={rule}{direction}", f"rt={types}:{rel}{direction}"]
    if not rules:
        f.append("norule")
    # "former" and the like on either name's phrase or on a noun of the path ("a former member of")
    near = {t.lower_ for t in (*mods, *before)} | {
        c.lower_ for t in (ra, rb, *path_words) if t.pos_ in ("NOUN", "PROPN") for c in t.children if c.dep_ in ("amod", "advmod", "compound")}
    past = bool(near & _PAST_WORDS)
    if past:
        f.append("past")
    return tuple(dict.fromkeys(f)), past
