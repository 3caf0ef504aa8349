"""Candidate entity pairs of one parsed sentence and the features the relation model reads.

A candidate is two mentions of different entities in one sentence (names, or pronouns and
descriptions that resolution tied to an entity), taken in text order: the model says whether the
first relates to the second, the second to the first, or neither. Its features describe the
parse between them (the dependency path, the words between and around), their types and kinds,
the schema's trigger words on the way, and which rules fired on the pair with what direction.
Features are plain strings, so the model file is readable and the features auditable.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from ..types import Mention, Relation
from .schema import Schema
from .sheet import TokenSheet, sheet_of

if TYPE_CHECKING:  # the model module reads Candidates without spaCy (a rebuild's main process)
    from spacy.tokens import Doc, Span

__all__ = ["Candidate", "candidates", "trigger_lemmas", "RESPECTIVELY"]

_MAX_TOKENS_APART = 40  # pairs farther apart in one sentence are rarely stated relations
_MAX_PATH = 7  # longer dependency paths are summarised by their length only
_MAX_BETWEEN = 10  # words between, as a bag, up to this many
_PAST_WORDS = frozenset({"former", "ex", "ex-", "formerly", "erstwhile", "onetime", "one-time",
                         "previously", "until", "retired", "outgoing"})
RESPECTIVELY = "resp"  # feature: two names paired ("resp=same") or not ("resp=cross") by "respectively"
_UNTIL = frozenset({"until", "till", "til"})
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
    sheet = sheet_of(doc)

    out: list[Candidate] = []
    doc_text = None
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
        if doc_text is None:
            doc_text = doc.text  # joins every token, as each Span.text would its own: once per Doc
        start, end, text = sent.start_char + offset, sent.end_char + offset, doc_text[sent.start_char:sent.end_char]
        respectively = any(sheet.lower[t] == "respectively" for t in range(sent.start, sent.end))
        for _, ma, sa, mb, sb in sorted(best.values(), key=lambda v: (v[2].start, v[4].start)):
            rules = _rules_for(fired, start, ma.entity, mb.entity)
            pair = _Pair(sa.start, sa.end, sa.root.i, sb.start, sb.end, sb.root.i)
            features, past = _features(sheet, sent.start, sent.end, ma, mb, pair, rules, triggers, countries)
            if respectively and (paired := _respective(sheet, pair.a_root, pair.b_root)):
                features = (*features, f"{RESPECTIVELY}={paired}")
            out.append(Candidate(ma, mb, start, end, text, features, rules, past))
    return out


@dataclass(frozen=True, slots=True)
class _Pair:
    """Token bounds and roots of a candidate's two mentions."""

    a_start: int
    a_end: int
    a_root: int
    b_start: int
    b_end: int
    b_root: int

    def inside(self, i: int) -> bool:
        return self.a_start <= i < self.a_end or self.b_start <= i < self.b_end


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


def _coordination(sheet: TokenSheet, t: int) -> tuple[int, int] | None:
    """(first item, position) of token ``t`` among the items of its coordination ("Ann, Bo and
    Cy": Cy is item 2 of the list that starts at Ann); None outside one."""
    first = t
    while sheet.dep[first] == "conj" and sheet.head[first] != first:
        first = sheet.head[first]
    items, chain = [first], [first]
    while chain:
        for c in sheet.children[chain.pop()]:
            if sheet.dep[c] == "conj":
                items.append(c)
                chain.append(c)
    if len(items) < 2:
        return None
    return first, sorted(items).index(t)


def _respective(sheet: TokenSheet, a: int, b: int) -> str | None:
    """In a sentence with "respectively", two names that are items of two different lists:
    "same" when they hold the same position ("Ann and Bo were elected mayors of Varn and Ost
    respectively": Ann and Varn, Bo and Ost), else "cross" (Ann and Ost are not linked)."""
    ia, ib = _coordination(sheet, a), _coordination(sheet, b)
    if ia is None or ib is None or ia[0] == ib[0]:
        return None
    return "same" if ia[1] == ib[1] else "cross"


def _ended(sheet: TokenSheet, verbs: tuple[int, ...]) -> bool:
    """A verb of the path in the past tense with an "until" phrase or clause on it ("played for
    the club until 2016", "was chairman until he retired"): the relation is stated as ended.
    "will serve until 2030" is not (the verb is not in the past), nor is what the "until"
    phrase itself says ("worked there until 2010, when she joined Initech": the path to Initech
    runs through it)."""
    on_path = set(verbs)
    for t in verbs:
        if sheet.pos[t] not in ("VERB", "AUX"):
            continue
        past = sheet.tag[t] == "VBD" or (sheet.tag[t] == "VBN" and any(
            sheet.lower[c] == "had" for c in sheet.children[t] if sheet.dep[c] == "aux"))
        if not past:
            continue
        for c in sheet.children[t]:
            if c in on_path:
                continue
            if sheet.dep[c] == "prep" and sheet.lower[c] in _UNTIL:
                return True
            if sheet.dep[c] == "advcl" and any(sheet.dep[m] == "mark" and sheet.lower[m] in _UNTIL
                                               for m in sheet.children[c]):
                return True
    return False


def _bucket(n: int) -> str:
    return str(n) if n < 4 else "4-5" if n < 6 else "6-9" if n < 10 else "10+"


def _path(sheet: TokenSheet, a: int, b: int) -> tuple[list[int], int, list[int]] | None:
    """Tokens from a up to the lowest common ancestor, the ancestor, and from it down to b."""
    up_a = [a, *sheet.ancestors(a)]
    index = {t: n for n, t in enumerate(up_a)}
    down: list[int] = []
    for t in [b, *sheet.ancestors(b)]:
        if t in index:
            return up_a[:index[t]], t, list(reversed(down))
        down.append(t)
    return None


def _separate_items(sheet: TokenSheet, up: list[int], top: int, down: list[int], between: list[int]) -> bool:
    """The two mentions are items of one coordination with a conjunction ("fires in Brazil and
    Madagascar"): the path between them is conjunct arcs only. A name hanging on an item is not
    an item ("Brazoria, Galveston and Harris Counties, Texas": Texas is every county's state).
    Two names with only a comma between them are left out: "Bethany, Conn." is a town and its
    state, whatever arc the parser gave it."""
    dep = sheet.dep
    if not (up or down) or any(dep[t] != "conj" for t in (*up, *down)):
        return False
    if all(sheet.text[i] == "," for i in between):
        return False
    chain, seen = [top], set()
    while chain:  # the conjunction word hangs on some item of the coordination
        t = chain.pop()
        if t in seen:
            continue
        seen.add(t)
        for c in sheet.children[t]:
            if dep[c] in ("cc", "preconj"):
                return True
            if dep[c] == "conj":
                chain.append(c)
    return False


_KEPT_PUNCT = frozenset({",", "(", "'s", "-"})
_NAMED = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC", "NORP"})


def _features(sheet: TokenSheet, sent_start: int, sent_end: int, ma: Mention, mb: Mention, pair: _Pair, rules,
              triggers, countries) -> tuple[tuple[str, ...], bool]:
    word, dep, lower, pos, children = sheet.word, sheet.dep, sheet.lower, sheet.pos, sheet.children
    ta = "Country" if ma.entity in countries else ma.type
    tb = "Country" if mb.entity in countries else mb.type
    types = f"{ta}|{tb}"
    f: list[str] = ["t=" + types, f"k={ma.kind}|{mb.kind}"]
    between = [i for i in range(pair.a_end, pair.b_start) if not sheet.space[i]]
    words = [word(i) for i in between if not sheet.punct[i] or sheet.text[i] in _KEPT_PUNCT]
    f.append("nb=" + _bucket(len(between)))
    if len(between) <= _MAX_BETWEEN:
        f += [f"bw={w}" for w in set(words)]
        f += [f"bwt={types}:{w}" for w in set(words)]
        f.append("bs=" + " ".join(words) if len(words) <= 4 else "bs=long")
        if len(words) <= 4:
            f.append(f"bst={types}:" + " ".join(words))
    if between:
        f += ["bf=" + word(between[0]), "bl=" + word(between[-1])]
    others = sum(1 for i in between if sheet.ent[i] in _NAMED)
    f.append("ne=" + _bucket(min(others, 4)))
    before = range(max(sent_start, pair.a_start - 2), pair.a_start)
    after = range(pair.b_end, min(sent_end, pair.b_end + 2))
    f += [f"b{n}=" + word(t) for n, t in enumerate(reversed(before), 1)]
    f += [f"a{n}=" + word(t) for n, t in enumerate(after, 1)]
    ra, rb = pair.a_root, pair.b_root
    f += [f"ha={dep[ra]}:{word(sheet.head[ra])}", f"hb={dep[rb]}:{word(sheet.head[rb])}", f"da={dep[ra]}", f"db={dep[rb]}"]
    # words inside the mentions' own phrases that are not the names ("the former minister")
    mods = [c for r in (ra, rb) for c in children[r] if dep[c] in ("amod", "compound", "nmod", "appos")
            and not pair.inside(c)]
    f += [f"mod={word(c)}" for c in mods]
    path = _path(sheet, ra, rb)
    path_words: list[int] = []
    if path is None:
        f.append("p=none")
    else:
        up, top, down = path
        length = len(up) + len(down)
        f.append("pn=" + _bucket(length))
        deps = [f"{dep[t]}^" for t in up] + [f"{dep[t]}v" for t in down]
        inner = [t for t in (*up[1:], top, *down[:-1]) if not pair.inside(t)]
        path_words = inner
        if length <= _MAX_PATH:
            f.append("pd=" + " ".join(deps))
            f.append(f"pdt={types}:" + " ".join(deps))
            lex = [f"{dep[t]}^" for t in up] + [word(top)] + [f"{dep[t]}v" for t in down]
            f.append("pl=" + " ".join(lex))
            f.append(f"plt={types}:" + " ".join(lex))
        else:
            f.append("pd=long")
        f.append("top=" + word(top) + ":" + pos[top])
        f.append(f"topt={types}:" + word(top))
        if _separate_items(sheet, up, top, down, between):
            f.append("coord")
        f += [f"pw={word(t)}" for t in inner]
        f += [f"pwt={types}:{word(t)}" for t in inner]
        if any(dep[c] == "neg" or lower[c] in _NEGATIONS for t in (top, *inner) for c in children[t]):
            f.append("neg")
    seen_types = set()
    for t in (*path_words, *between, *mods):
        for rel in triggers.get(sheet.lemma[t], ()) + triggers.get(lower[t], ()):
            seen_types.add(rel)
    f += [f"trig={r}" for r in sorted(seen_types)]
    for rel, direction, rule in rules:
        kind = rule.split(":", 1)[0]
        f += [f"rule={rel}{direction}", f"rk={kind}:{rel}{direction}", f"rn={rule}{direction}", f"rt={types}:{rel}{direction}"]
    if not rules:
        f.append("norule")
    # "former" and the like on either name's phrase or on a noun of the path ("a former member of")
    near = {lower[t] for t in (*mods, *before)} | {
        lower[c] for t in (ra, rb, *path_words) if pos[t] in ("NOUN", "PROPN") for c in children[t] if dep[c] in ("amod", "advmod", "compound")}
    past = bool(near & _PAST_WORDS) or (path is not None and _ended(sheet, (path[1], *path_words)))
    if past:
        f.append("past")
    return tuple(dict.fromkeys(f)), past
