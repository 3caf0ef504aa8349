"""The relation engine: typed, directed relations between resolved mentions, read off spaCy's
dependency parse with the rules of a Schema.

How a relation is found, in the parse's terms:

* a trigger word (a verb, an event noun, or a noun naming a participant) of a relation type, whose
  dependency roles, followed through the clause, reach one mention for the subject and one for
  the object ("X banned Y", "Y was banned by X", "X's ban on Y", "the founder of Y, P");
* a directive whose content is the relation ("X ordered agencies to remove Y's software");
* a measure that leaves someone out of its scope ("X's order applied to A and not B");
* a trigger-less link between two names ("A in B", "A, B", "B's A", "a B-modified noun naming A").

Roles are followed through the grammar of English, not through the words of any one text:
coordination on either side, relative and reduced relative clauses, infinitives and their
controllers, appositions, copulas, "such as" examples, possessors and makers of a thing ("a ban on
use of Y's products" is about Y), and measures standing for whoever took them ("the order" is the
act of whoever issued it, earlier in the same document). Negation and hedges are kept on the
relation (``negated``, ``modality``), never dropped into a positive fact.
"""
from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from ..types import Evidence, Mention, Relation
from .sheet import sheet_of
from .schema import Lexicon, RelationType, Schema, Trigger

__all__ = ["find_relations"]

# Base confidence of each kind of rule; indirect arguments and hedges lower it.
_BASE_CONFIDENCE = {
    "verb": 0.85, "noun": 0.75, "role": 0.8, "directive": 0.75, "exclusion": 0.7,
    "link": 0.6, "compose": 0.8,
}
_LINK_CONFIDENCE = {"appos": 0.65, "descriptor": 0.6, "poss": 0.55, "clause:in": 0.45, "name": 0.5, "source": 0.6}
_HEDGE_PENALTY = 0.2
_MAX_CHAIN = 3  # "town, region, country"
# Links a common noun passes on to the mentions it names ("X is a town in Y").
_LOCATIVE_LINKS = frozenset({"prep:in", "prep:within", "prep:near", "prep:at", "poss", "stacked"})
_MAX_DEPTH = 4
_VERBAL = frozenset({"VERB", "AUX"})
_NOMINAL = frozenset({"NOUN", "PROPN"})
_DEFINITE = frozenset({"the", "this", "that", "these", "those"})
_RELATIVE_TAGS = frozenset({"WDT", "WP", "WP$"})
_PREP_DEPS = frozenset({"prep", "agent", "dative"})
_OBJECT_OF_PREP = frozenset({"pobj", "pcomp"})


_PLACES = frozenset({"Location", "Facility"})
# Words before a place inside a name that make it another place ("West Virginia", "Latin America").
_COMPASS = frozenset({"north", "south", "east", "west", "northern", "southern", "eastern", "western",
                      "central", "upper", "lower", "new", "latin", "greater"})
# First words of titles that the tagger may take for an institution ("Emperor of Japan").
_TITLES = frozenset({"emperor", "empress", "king", "queen", "prince", "princess", "duke", "duchess",
                     "bishop", "archbishop", "president", "governor", "mayor", "minister", "chancellor",
                     "secretary", "ambassador", "consul", "chief", "co", "officer", "lord", "earl", "count"})
# Nouns of institutions that stand in another country than the one they are named after.
_ABROAD_NOUNS = frozenset({"embassy", "consulate", "legation", "mission", "delegation", "embassies"})


@dataclass(frozen=True, slots=True)
class _Ref:
    """A mention as token positions in the parse."""

    entity: str
    type: str
    kind: str
    start: int
    end: int
    root: int


@dataclass(frozen=True, slots=True)
class _Arg:
    """An argument reached by a role: the mention, whether it sits in a negated conjunct
    ("and not B"), and how much indirection it took to reach (lowers confidence)."""

    ref: _Ref
    negated: bool = False
    cost: float = 0.0


@dataclass(frozen=True, slots=True)
class _Found:
    subject: _Arg
    object: _Arg
    relation: RelationType
    sentence: Span
    rule: str
    confidence: float
    negated: bool
    modality: str | None


def find_relations(
    doc: Doc,
    mentions: Sequence[Mention],
    schema: Schema,
    *,
    doc_id: str,
    offset: int = 0,
) -> list[Relation]:
    """Relations between the entities of ``mentions`` stated in ``doc`` (the parse of
    ``Document.text[offset:]``), with evidence. Subjects and objects are entity ids; self-relations
    are skipped; one relation per (subject, type, object, negated, sentence), the most confident."""
    refs = _mention_refs(doc, mentions, offset)
    if not refs:
        return []
    engine = _Engine(doc, refs, schema)
    found = list(engine.triggered()) + list(engine.linked())
    found += list(_composed(found, schema))
    return _relations(found, doc_id=doc_id, offset=offset)


# ---------------------------------------------------------------- mentions in the parse


def _mention_refs(doc: Doc, mentions: Sequence[Mention], offset: int) -> dict[int, _Ref]:
    """Token index -> the mention that speaks for it: a name before a description around it
    ("the Moscow-based company": Moscow is Moscow), and a whole name before a place nested in
    it ("Moscow State University" is the university)."""
    spans = []
    for mention in mentions:
        if not mention.entity:
            continue
        span = doc.char_span(mention.start - offset, mention.end - offset, alignment_mode="expand")
        if span is None or not len(span):
            continue
        spans.append(_Ref(mention.entity, mention.type, mention.kind, span.start, span.end, span.root.i))

    def priority(ref: _Ref) -> tuple:  # later entries overwrite earlier ones
        size = ref.end - ref.start
        return (ref.kind == "name", size if ref.kind == "name" else -size, ref.start, ref.entity)

    by_token: dict[int, _Ref] = {}
    for ref in sorted(spans, key=priority):
        for i in range(ref.start, ref.end):
            by_token[i] = ref
    return by_token


# ---------------------------------------------------------------- the engine


class _Engine:
    """Rules applied to one parsed document. Holds the document-scoped memory of measures and
    their agents, so "the order" can stand for whoever issued an order earlier in the text."""

    def __init__(self, doc: Doc, refs: dict[int, _Ref], schema: Schema) -> None:
        self.doc = doc
        self.sheet = sheet_of(doc)  # token attributes by index: scans over every token read these
        self.refs = refs
        self.schema = schema
        self.lex: Lexicon = schema.lexicon
        self.triggers = _trigger_index(schema)
        self._speaking = _speaking(refs)
        self._commas = _comma_chains(doc, self._speaking)
        self._chained_before = {nxt: [refs[root]] for root, nexts in self._commas.items() for nxt in nexts}
        self._stacked: dict[int, list[_Arg]] = {}
        self._parallel: dict[int, list[_Arg]] = {}
        self._agents: dict[int, tuple[_Arg, ...]] = {}
        self._preps: dict[int, list[tuple[Token, set[str]]]] = {}
        self._memory: list[tuple[int, str, tuple[_Arg, ...]]] = []
        self._memory = _measure_memory(self)
        self._agents.clear()  # agents found while the memory was incomplete may be stale

    # -- rules

    def triggered(self) -> Iterator[_Found]:
        for i, key in enumerate(self.sheet.lemma):  # ``_key`` of each token
            entries = self.triggers.get(key)
            if not entries or (i in self.refs and self.refs[i].kind == "name"):
                continue  # a word inside a name ("Founders Fund") triggers nothing
            token = self.doc[i]
            for relation, trigger, word in _longest(token, entries):
                if trigger.kind == "directive":
                    yield from self._directive(token, relation, trigger, word)
                elif trigger.kind == "exclusion":
                    yield from self._exclusion(token, relation, trigger, word)
                else:
                    yield from self._roles(token, relation, trigger, word)

    def linked(self) -> Iterator[_Found]:
        relations = [r for r in self.schema.relations if r.links]
        if not relations:
            return
        self._stacked = self._stacked_locatives()
        self._parallel = self._parallel_locatives()
        for token, owners in self._link_holders():
            named = token.i not in self.refs  # a common noun naming the owners ("a town in Y")
            exclude = {a.ref for a in owners}
            reached: dict[str, list[_Arg]] = {}  # link name -> its targets: many relations share a link
            for relation in relations:
                for link in relation.links:
                    reverse = link.startswith("~")
                    name = link.lstrip("~")
                    if name in ("descriptor", "name") or (named and name not in _LOCATIVE_LINKS):
                        continue  # "a member of Y" is for role nouns to read, not a bare link
                    base = _LINK_CONFIDENCE.get(name, _BASE_CONFIDENCE["link"])
                    targets = reached.get(name)
                    if targets is None:
                        targets = reached[name] = self._link_targets(token, name, exclude)
                        if name.startswith("prep:") and all(a.ref.type != "Person" for a in owners):
                            # "a newspaper published in Y", "the report, issued in Y": where it was done
                            for participle in (c for c in token.children if c.dep_ == "acl" and c.tag_ == "VBN"):
                                targets += self._link_targets(participle, name, exclude)
                    for other in targets:
                        for owner in owners:
                            subject, obj = (other, owner) if reverse else (owner, other)
                            yield from self._emit(relation, subject, obj, token, f"link:{link}", base, token)
        yield from self._descriptors([r for r in relations if any(l.lstrip("~") == "descriptor" for l in r.links)])
        yield from self._places_in_names([r for r in relations if "name" in r.links])
        yield from self._source_lines([r for r in relations if "source" in r.links])

    def _source_lines(self, relations: list[RelationType]) -> Iterator[_Found]:
        """"Moscow INTERFAX in English 1601 GMT": the outlet on a monitoring report's source line
        is where the line places it (kg.extract.mentions.source_lines)."""
        if not relations:
            return
        from .mentions import source_lines

        for place_span, outlet_span, _ in source_lines(self.doc.text):
            place = self._name_at(place_span)
            outlet = self._name_at(outlet_span)
            if place is None or outlet is None:
                continue
            for relation in relations:
                if relation.allows(outlet.type, place.type):
                    yield _Found(_Arg(outlet), _Arg(place), relation, self.doc[outlet.root].sent, "link:source",
                                 _LINK_CONFIDENCE["source"], False, None)

    def _name_at(self, chars: tuple[int, int]) -> _Ref | None:
        span = self.doc.char_span(*chars, alignment_mode="expand")
        ref = self.refs.get(span.start) if span is not None and len(span) else None
        return ref if ref is not None and ref.kind == "name" and (ref.start, ref.end) == (span.start, span.end) else None

    def _stacked_locatives(self) -> dict[int, list[_Arg]]:
        """Successive "in" phrases of one word go from small to large: "located in A in B",
        "born in A, in B": the root of each place -> the place after it."""
        out: dict[int, list[_Arg]] = {}
        dep, lower, doc = self.sheet.dep, self.sheet.lower, self.doc
        for children in self.sheet.children:
            preps = [doc[c] for c in children if dep[c] == "prep" and lower[c] in ("in", "within")]
            for first, second in zip(preps, preps[1:]):
                inner = [a for o in _prep_objects(first) for a in self._resolve_one(o, subject_side=False, reach=False, depth=0)]
                outer = [a for o in _prep_objects(second) for a in self._resolve_one(o, subject_side=False, reach=False, depth=0)]
                for small in inner:
                    # only when the second follows the first place at once ("in A in B", "in A, in B")
                    gap = self.doc[small.ref.end:second.i]
                    if len(gap) > 1 or any(t.text != "," for t in gap):
                        continue
                    out.setdefault(small.ref.root, []).extend(a for a in outer if a.ref != small.ref)
        for small, large in self._adjacent_places():
            out.setdefault(small.root, []).append(_Arg(large))
        return out

    def _adjacent_places(self) -> Iterator[tuple[_Ref, _Ref]]:
        """"Sacramento, California, in the United States", "a hamlet in A in B": a place name
        followed at once by "in" (or ", in") and another place name lies in it, whatever the
        parse attached the phrase to."""
        for ref in self._speaking:
            if ref.type not in _PLACES or ref.kind != "name":
                continue
            i = ref.end + (ref.end < len(self.doc) and self.doc[ref.end].text == ",")
            if i >= len(self.doc) or self.doc[i].lower_ not in ("in", "within"):
                continue
            j = _past_modifiers(self.doc, i + 1)  # "in the southeastern United States"
            if j + 1 < len(self.doc) and self.doc[j].pos_ == "NOUN" and self.doc[j].is_lower and self.doc[j + 1].lower_ == "of":
                j = _past_modifiers(self.doc, j + 2)  # "in the duchy of Lorraine"
            place = self.refs.get(j)
            if place is not None and place.start == j and place.type == "Location" and place.entity != ref.entity:
                yield ref, place

    def _parallel_locatives(self) -> dict[int, list[_Arg]]:
        """"A in X and B in Y": each name with its own place, whatever the parse attached the
        phrases to (the repetition shows what goes with what)."""
        triples = []
        for ref in self._speaking:
            i = ref.end
            if i + 1 < len(self.doc) and self.doc[i].lower_ == "in":
                j = i + 1 + (self.doc[i + 1].lower_ == "the")
                place = self.refs.get(j)
                if place is not None and place.start == j and place != ref:
                    triples.append((ref, place))
        out: dict[int, list[_Arg]] = {}
        for (first, first_place), (second, second_place) in zip(triples, triples[1:]):
            gap = self.doc[first_place.end:second.start]
            if gap and all(t.lower_ in (",", "and", ";") for t in gap) and any(t.lower_ == "and" for t in gap):
                out.setdefault(first.root, []).append(_Arg(first_place))
                out.setdefault(second.root, []).append(_Arg(second_place))
        return out

    def _link_holders(self) -> Iterator[tuple[Token, list[_Arg]]]:
        """Tokens that links start from, with the mentions they stand for: each mention's root,
        and each common noun that names mentions ("X is a town in Y": town stands for X)."""
        # each mention's root, where the root speaks for that mention (not for a name inside it)
        roots = {ref.root: ref for ref in self._speaking}
        sheet, doc = self.sheet, self.doc
        dep, tag = sheet.dep, sheet.tag
        for i, children in enumerate(sheet.children):
            if i in roots:
                yield doc[i], [_Arg(roots[i])]
            elif i not in self.refs and _common_noun_at(sheet, i) and any(
                    dep[c] == "prep" or (dep[c] == "acl" and tag[c] == "VBN") for c in children):
                # a noun naming a person names a role: "a judge in Y" places the role, not her home
                token = doc[i]
                owners = [a for a in self._referents(token, depth=0) if a.ref.type != "Person"]
                if owners:
                    yield token, owners

    # -- trigger kinds

    def _roles(self, token: Token, relation: RelationType, trigger: Trigger, word: str) -> Iterator[_Found]:
        subject_paths, subject_named = _split_named(trigger.subject)
        object_paths, object_named = _split_named(trigger.object)
        subjects = self._first(token, subject_paths, relation.subject_types, subject_side=True, reach=False)
        objects = self._first(token, object_paths, relation.object_types, subject_side=False, reach=relation.reach)
        objects += self._chain_heads(objects, relation.object_types)
        named_by_noun = "self" in trigger.subject + trigger.object
        if named_by_noun:
            # "the states of A, B and C": the noun names A, B and C; they are not its object
            subject_refs = {a.ref for a in subjects}
            objects = [o for o in objects if o.ref not in subject_refs]
        if subjects and objects:
            pairs = [(subject, obj) for subject in subjects for obj in objects]
        elif subjects:
            # "publishers P of A and Q of B": each name the noun stands for has its own "of"
            pairs = [(subject, obj) for subject in subjects
                     for obj in self._own(subject, object_named, relation.object_types, subject_side=False,
                                          reach=relation.reach)]
        else:
            pairs = [(subject, obj) for obj in objects
                     for subject in self._own(obj, subject_named, relation.subject_types, subject_side=True, reach=False)]
        if named_by_noun and relation.place_roles is not None and word not in relation.place_roles:
            pairs = [(subject, obj) for subject, obj in pairs if obj.ref.type != "Location"]
        if not pairs:
            return
        kind = "role" if named_by_noun else trigger.kind
        anchor = _polarity_anchor(token, self.lex) if trigger.kind == "noun" else token
        for subject, obj in pairs:
            yield from self._emit(relation, subject, obj, token, f"{kind}:{word}", _BASE_CONFIDENCE[kind], anchor)

    def _own(self, arg: _Arg, paths: Sequence[str], types: frozenset[str], *, subject_side: bool, reach: bool) -> list[_Arg]:
        """The arguments a "named>..." path reaches from the name ``arg`` itself ("P of Y"); from a
        description tied to it ("club owner" in "club owner P of Y"), from the name it modifies."""
        if not paths:
            return []
        token = self.doc[arg.ref.root]
        while token.head.i != token.i and (up := self.refs.get(token.head.i)) is not None and up.entity == arg.ref.entity:
            token = token.head
        return self._first(token, paths, types, subject_side=subject_side, reach=reach)

    def _chain_heads(self, args: list[_Arg], types: frozenset[str]) -> list[_Arg]:
        """"Palo Alto, California-based": the parse may hang the phrase on its last place; the
        first place of a chain is the one meant (the rest follow by composition)."""
        out = []
        for arg in args:
            for head_ref in self._chained_before.get(arg.ref, ()):
                if head_ref.type in types and all(a.ref != head_ref for a in args + out):
                    out.append(replace(arg, ref=head_ref))
        return out

    def _directive(self, token: Token, relation: RelationType, trigger: Trigger, word: str) -> Iterator[_Found]:
        issuer_tokens, order = self._directive_source(token)
        if not issuer_tokens:
            return
        issuers = self._allowed(self._resolve_all(issuer_tokens, subject_side=True, reach=False), relation.subject_types)
        objects = self._first(token, trigger.object, relation.object_types, subject_side=False, reach=relation.reach)
        content_negated, _ = _polarity(token, self.lex, stop_at=order)
        anchor = _polarity_anchor(order, self.lex) if order.pos_ in _NOMINAL else order
        for subject in issuers:
            for obj in objects:
                for found in self._emit(relation, subject, obj, token, f"directive:{order.lemma_.lower()}>{word}",
                                        _BASE_CONFIDENCE["directive"], anchor):
                    yield replace(found, negated=found.negated or content_negated)

    def _directive_source(self, token: Token) -> tuple[list[Token], Token | None]:
        """The issuer tokens and the ordering word of a directive governing ``token``: "X ordered
        Z to remove", "an order (by X) to remove", "X issued an order to remove"."""
        head = token.head
        if head.i == token.i or not _infinitival(token):
            return [], None
        if head.pos_ in _VERBAL and _forms(head) & self.lex.directive_verbs:
            tokens = _clause_arg(head, "nsubj", self.lex) or self._step(head, "agent")
            return tokens, head
        if head.pos_ in _NOMINAL and _forms(head) & self.lex.measure_nouns:
            return [head], head
        if head.pos_ in _VERBAL and _forms(head) & self.lex.light_verbs:
            measures = [c for c in head.children if c.dep_ == "dobj" and _forms(c) & self.lex.measure_nouns]
            if measures:
                return _clause_arg(head, "nsubj", self.lex), measures[0]
        return [], None

    def _exclusion(self, token: Token, relation: RelationType, trigger: Trigger, word: str) -> Iterator[_Found]:
        """"<measure> applies to A and not B", "... to all except B", "does not apply to B"."""
        scope_tokens = self._first_tokens(token, trigger.subject)
        measures = [t for t in scope_tokens if _forms(t) & self.lex.measure_nouns]
        if not measures:
            return
        issuers = self._allowed(self._resolve_all(measures, subject_side=True, reach=False), relation.subject_types)
        if not issuers:
            return
        negated_scope, modality = _polarity(token, self.lex)
        excluded: list[_Arg] = []
        for target in self._first_tokens(token, trigger.object):
            args = self._resolve(target, subject_side=False, reach=False)
            excluded += [a for a in args if a.negated != negated_scope]
            excluded += self._exceptions(target)
        for prep in (c for c in token.children if c.dep_ in _PREP_DEPS):
            for conj in _conjuncts(prep):  # "to A but not to B"
                if any(c.dep_ == "neg" for c in conj.children) != negated_scope:
                    excluded += [a for o in _prep_objects(conj) for a in self._resolve(o, subject_side=False, reach=False)]
        excluded += self._exceptions(token)
        for subject in issuers:
            for obj in self._allowed(excluded, relation.object_types):
                if subject.ref.entity == obj.ref.entity:
                    continue
                confidence = _confidence(_BASE_CONFIDENCE["exclusion"], subject, obj, modality)
                yield _Found(subject, replace(obj, negated=False), relation, token.sent,
                             f"exclusion:{word}", confidence, False, modality)

    def _exceptions(self, token: Token) -> list[_Arg]:
        out: list[_Arg] = []
        for prep in token.children:
            if prep.dep_ in _PREP_DEPS and _prep_words(prep) & self.lex.exception_preps:
                for obj in _prep_objects(prep):
                    out += [replace(a, negated=False) for a in self._resolve(obj, subject_side=False, reach=False)]
        return out

    # -- links

    def _link_targets(self, token: Token, name: str, exclude: set[_Ref]) -> list[_Arg]:
        if name == "comma":
            return [_Arg(ref) for ref in self._commas.get(token.i, ())]
        if name == "stacked":
            return [arg for arg in self._stacked.get(token.i, ()) if arg.ref not in exclude]
        if name.startswith("clause:"):
            # "X lies / was held / took place in Y": the subject of a clause placed by its adjunct;
            # not when the verb has an object ("X sued Z in Y" places the suing, not X)
            verb = token.head
            if token.dep_ not in ("nsubj", "nsubjpass") or verb.pos_ not in _VERBAL:
                return []
            if any(c.dep_ in ("dobj", "dative") for c in verb.children):
                return []
            tokens = self._step(verb, "prep:" + name.split(":", 1)[1])
        elif name.startswith("prep:"):
            tokens = self._step(token, name)
            if name == "prep:in" and token.i in self._parallel:
                return [a for a in self._parallel[token.i] if a.ref not in exclude]
        else:
            tokens = [c for c in token.children if c.dep_ == name]
            if name == "appos":  # "(East Prussia)": a gloss or other name, not a container
                tokens = [t for t in tokens if not _parenthesised(t)]
        return [arg for tok in tokens for arg in self._resolve(tok, subject_side=False, reach=False)
                if arg.ref not in exclude]

    def _descriptors(self, relations: list[RelationType]) -> Iterator[_Found]:
        """A noun modified by a name and naming another: "a Romanian footballer, P" (P, Romanian),
        "the Swedish company X". The noun must name the entity, not just sit beside it."""
        if not relations:
            return
        for i in range(len(self.doc)):
            if not _common_noun_at(self.sheet, i):
                continue
            noun = self.doc[i]
            if not noun.n_lefts:
                continue  # premodifiers stand on the left
            modifiers = [t for t in _premodifiers(noun) if t.i in self.refs]
            if not modifiers:
                continue
            named = self._referents(noun, depth=0)
            for mod in modifiers:
                described = self.refs[mod.i]
                for arg in named:
                    if arg.ref == described:
                        continue
                    for relation in relations:
                        yield from self._emit(relation, arg, _Arg(described), noun, "link:descriptor",
                                              _LINK_CONFIDENCE["descriptor"], noun)

    def _places_in_names(self, relations: list[RelationType]) -> Iterator[_Found]:
        """An institution or building whose name holds a place named in the text lies there:
        "the Oslo Philharmonic", "the University of Tarnby", "the Romanian Coast Guard"."""
        if not relations:
            return
        speaking = [r for r in self._speaking if r.kind == "name"]
        places = _place_forms(self.doc, speaking)
        if not places:
            return
        done: set[tuple[str, str]] = set()
        for ref in speaking:
            if ref.type not in ("Organization", "Facility") or ref.end - ref.start < 2:
                continue
            words = {t.lower_ for t in self.doc[ref.start:ref.end]}
            if self.doc[ref.start].lower_ in _TITLES or words & _ABROAD_NOUNS:
                continue  # "Emperor of Japan" is a person's title; an embassy stands abroad
            for place in _places_inside(self.doc, ref, places):
                if (ref.entity, place.entity) in done:
                    continue
                done.add((ref.entity, place.entity))
                token = self.doc[ref.root]
                for relation in relations:
                    if relation.allows(ref.type, place.type):
                        yield _Found(_Arg(ref), _Arg(place), relation, token.sent, "link:name",
                                     _LINK_CONFIDENCE["name"], False, None)

    # -- emitting

    def _emit(self, relation: RelationType, subject: _Arg, obj: _Arg, token: Token, rule: str,
              base: float, anchor: Token) -> Iterator[_Found]:
        if subject.ref.entity == obj.ref.entity or not relation.allows(subject.ref.type, obj.ref.type):
            return
        negated, modality = _polarity(anchor, self.lex)
        negated = negated or subject.negated or obj.negated
        confidence = _confidence(base, subject, obj, modality)
        yield _Found(subject, obj, relation, token.sent, rule, confidence, negated, modality)

    # -- roles

    def _first(self, token: Token, roles: Sequence[str], types: frozenset[str], *,
               subject_side: bool, reach: bool) -> list[_Arg]:
        """The arguments of the first role that reaches a mention of an allowed type."""
        for role in roles:
            tokens = self._path(token, role)
            args = self._allowed(self._resolve_all(tokens, subject_side=subject_side, reach=reach), types)
            if args:
                return args
        return []

    def _first_tokens(self, token: Token, roles: Sequence[str]) -> list[Token]:
        for role in roles:
            tokens = self._path(token, role)
            if tokens:
                return tokens
        return []

    def _path(self, token: Token, role: str) -> list[Token]:
        current = [token]
        for step in role.split(">"):
            current = [t for tok in current for t in self._step(tok, step)]
            if not current:
                break
        return current

    def _preps_of(self, token: Token) -> list[tuple[Token, set[str]]]:
        """The prepositions on a token or its particles, with the words each stands for: read
        once per token (every "prep:" step of every rule asks again)."""
        found = self._preps.get(token.i)
        if found is None:
            found = self._preps[token.i] = [(c, _prep_words(c)) for holder in _prep_holders(token)
                                            for c in holder.children if c.dep_ in _PREP_DEPS]
        return found

    def _step(self, token: Token, step: str) -> list[Token]:
        if step == "self":
            return [token]
        if step == "head":
            return [] if token.head.i == token.i else [token.head]
        if step == "light":
            head = token.head
            if token.dep_ in ("dobj", "nsubjpass") and head.i != token.i and _forms(head) & self.lex.light_verbs:
                return [head]
            return []
        if step.startswith("prep:"):
            word = step[5:]
            return [obj for prep, words in self._preps_of(token) if word in words for obj in _prep_objects(prep)]
        if step in ("nsubj", "nsubjpass", "dobj"):
            return _clause_arg(token, step, self.lex)
        if step == "agent":
            return [obj for c in token.children if c.dep_ == "agent" for obj in _prep_objects(c)]
        found = self._children(token, step)
        if step == "compound":
            # a name before a noun modifies it like a compound, whatever the tagger called it
            found += [c for c in token.children if c.dep_ == "amod" and c.i < token.i and self._name_of_a_kind(c)]
            if token.dep_ == "compound":
                # "Acme founder P": Acme and founder both modify P; Acme is founder's modifier too
                found += [c for c in token.head.children if c.dep_ == "compound" and c.i < token.i]
        return found

    def _children(self, token: Token, dep: str) -> list[Token]:
        """``token``'s children of dependency ``dep``, in order, picked off the sheet: only
        those are made into Tokens."""
        sheet, doc = self.sheet, self.doc
        return [doc[c] for c in sheet.children[token.i] if sheet.dep[c] == dep]

    def _name_of_a_kind(self, token: Token) -> bool:
        ref = self.refs.get(token.i)
        return ref is not None and ref.kind == "name" and ref.type != "Group"

    # -- from tokens to mentions

    def _allowed(self, args: Iterable[_Arg], types: frozenset[str]) -> list[_Arg]:
        seen: dict[tuple[_Ref, bool], _Arg] = {}
        for arg in args:
            if arg.ref.type in types and (arg.ref, arg.negated) not in seen:
                seen[(arg.ref, arg.negated)] = arg
        return list(seen.values())

    def _resolve_all(self, tokens: Iterable[Token], *, subject_side: bool, reach: bool) -> list[_Arg]:
        return [a for t in tokens for a in self._resolve(t, subject_side=subject_side, reach=reach)]

    def _resolve(self, token: Token, *, subject_side: bool, reach: bool, depth: int = 0) -> list[_Arg]:
        """The mentions a token stands for, with its coordinated siblings ("X and not Y")."""
        own = self._resolve_one(token, subject_side=subject_side, reach=reach, depth=depth)
        for conj in _conjuncts(token):
            negated = any(c.dep_ == "neg" for c in conj.children)
            for arg in self._resolve_one(conj, subject_side=subject_side, reach=reach, depth=depth):
                own.append(replace(arg, negated=arg.negated or negated))
        return own

    def _resolve_one(self, token: Token, *, subject_side: bool, reach: bool, depth: int) -> list[_Arg]:
        ref = self.refs.get(token.i)
        if ref is not None:
            return [_Arg(ref, cost=0.05 if ref.kind != "name" else 0.0)]
        if depth >= _MAX_DEPTH:
            return []
        if token.tag_ in _RELATIVE_TAGS or (token.lower_ == "that" and token.head.dep_ == "relcl"):
            clause = token.head
            if clause.dep_ == "relcl":
                # the antecedent alone: "X, who killed Y, and Z" says nothing of Z
                return _costly(self._resolve_one(clause.head, subject_side=subject_side, reach=reach, depth=depth + 1), 0.05)
            return []
        if subject_side and _forms(token) & self.lex.measure_nouns:
            agents = self.measure_agents(token)
            if agents:
                return list(agents)
        referents = self._referents(token, depth=depth)
        if referents:
            return referents
        if reach:
            return _costly(self._owners(token, depth=depth), 0.05)
        return []

    def _referents(self, token: Token, *, depth: int) -> list[_Arg]:
        """The entities a common noun names: "the founder, P", "P, founder of", "founder P",
        "P is the founder", "P served as chairman", "retailers such as Z", "the city of X"."""
        ref = self.refs.get(token.i)
        if ref is not None:
            return [_Arg(ref)]
        return self._named_by_position(token, depth=depth)

    def _owned_by_an_institution(self, children: Sequence[Token]) -> bool:
        """Whether a noun's owner ("Acme's", "of Kestrel Bank") is an organisation or facility."""
        owners = [c for c in children if c.dep_ == "poss"]
        owners += [obj for c in children if c.dep_ == "prep" and c.lower_ == "of" for obj in _prep_objects(c)]
        return any((ref := self.refs.get(o.i)) is not None and ref.type in ("Organization", "Facility") for o in owners)

    def _named_by_position(self, token: Token, *, depth: int) -> list[_Arg]:
        """What a noun names by where it stands, whatever the token itself is."""
        if depth >= _MAX_DEPTH:
            return []
        out: list[_Arg] = []
        nxt = depth + 1

        def resolve(tok: Token) -> list[_Arg]:
            return self._resolve(tok, subject_side=False, reach=False, depth=nxt)

        children = list(token.children)  # each pass over Token.children makes new Tokens
        owned = any(c.dep_ == "poss" or (c.dep_ == "prep" and c.lower_ == "of") for c in children)
        for child in children:
            if child.dep_ == "appos":
                out += resolve(child)
            elif (owned and child.dep_ in ("compound", "amod") and child.i < token.i and self._name_of_a_kind(child)
                  and not (self.refs[child.i].type == "Location" and self._owned_by_an_institution(children))):
                # "its Audi unit", "Google's YouTube service": the unit is Audi; but "the Denver
                # office of Kestrel Bank", "Acme's China unit" are where a part of the owner is
                # ("the Harbor Village area of Osaka" is the Harbor Village)
                out += resolve(child)
        if token.dep_ == "appos" and token.head.i in self.refs:
            if self._place_based_split(token):
                # "Tesla, the Palo Alto, California-based carmaker": parsed as "Palo Alto, [the
                # California-based carmaker]"; the carmaker stands where Palo Alto stands
                out += self._named_by_position(token.head, depth=nxt)
            else:
                out += resolve(token.head)
        if token.dep_ in ("compound", "nmod") and token.head.i in self.refs:
            # "publishers P and Q", not "publishers P; club owner Q": a conjunct with a title of
            # its own, or past a semicolon, is not named by this one
            name = token.head
            out += self._resolve_one(name, subject_side=False, reach=False, depth=nxt)
            for conj in _conjuncts(name):
                if not _titled(conj) and ";" not in (t.text for t in self.doc[name.i:conj.i]):
                    out += self._resolve_one(conj, subject_side=False, reach=False, depth=nxt)
        if token.is_title or token.is_upper:
            out += self._titled_after_its_body(token, children)
        if token.dep_ == "conj" and token.head.pos_ in _NOMINAL and token.head.dep_ in ("appos", "attr"):
            # "P, director of A, and chairman of B": the second title names P like the first
            title = self.refs.get(token.head.i)
            if title is None:
                out += self._named_by_position(token.head, depth=nxt)
            elif title.kind != "name":
                out += resolve(token.head)  # the first title is a description resolution tied to P
        for conj in (c for c in children if c.dep_ == "conj" and c.i in self.refs):
            # "American rapper and singer P": both nouns describe P, parsed as "rapper and P"
            if _titled(conj):
                out += resolve(conj)
        head = token.head
        if token.dep_ in ("attr", "oprd") and _forms(head) & self.lex.copulas:
            out += [a for t in _clause_arg(head, "nsubj", self.lex) for a in resolve(t)]
        if token.dep_ == "nsubj" and _forms(head) & self.lex.copulas:
            out += [a for c in head.children if c.dep_ == "attr" for a in resolve(c)]
        if token.dep_ == "pobj" and head.lower_ == "as" and head.head.pos_ in _VERBAL:
            verb = head.head
            out += [a for t in _clause_arg(verb, "nsubj", self.lex) or _clause_arg(verb, "nsubjpass", self.lex) for a in resolve(t)]
        for prep in children:
            if prep.dep_ in _PREP_DEPS and _prep_words(prep) & self.lex.exemplifiers:
                out += [a for obj in _prep_objects(prep) for a in resolve(obj)]
        if _forms(token) & self.lex.appositive_of_nouns and _definite(token):
            for prep in children:
                if prep.dep_ == "prep" and prep.lower_ == "of":
                    out += [a for obj in _prep_objects(prep) if obj.i in self.refs for a in resolve(obj)]
        return _costly(out, 0.05) if out else []

    def _titled_after_its_body(self, title: Token, children: Sequence[Token]) -> list[_Arg]:
        """"Governor of Varnia Ann Lee", "CEO of the Harbor Board Tom Vance": without a comma the
        parse makes the person the title's "of" object, the body a modifier of her name."""
        out = []
        for prep in children:
            if prep.dep_ != "prep" or prep.lower_ != "of":
                continue
            for obj in _prep_objects(prep):
                person = self.refs.get(obj.i)
                if person is None or person.type != "Person" or person.kind != "name":
                    continue
                if any(c.dep_ == "compound" and (body := self.refs.get(c.i)) is not None and body.entity != person.entity
                       and body.kind == "name" for c in obj.children):
                    out.append(_Arg(person))
        return out

    def _place_based_split(self, noun: Token) -> bool:
        """Whether ``noun`` is the "<region>-based <noun>" half of "<place>, <region>-based
        <noun>" hung on the place by the parse."""
        place = self.refs.get(noun.head.i)
        if place is None or place.type != "Location":
            return False
        for participle in (c for c in noun.children if c.dep_ in ("amod", "acl") and c.tag_ == "VBN"):
            for modifier in participle.children:
                region = self.refs.get(modifier.i)
                if region is not None and place in self._chained_before.get(region, ()):
                    return True
        return False

    def _owners(self, token: Token, *, depth: int) -> list[_Arg]:
        """Whoever owns or makes the thing a token names: "Y's products", "Y software",
        "products of Y", "products made by Y", "(stop) using Y's products"."""
        if depth >= _MAX_DEPTH:
            return []
        out: list[_Arg] = []
        nxt = depth + 1
        for child in token.children:
            if child.dep_ in ("poss", "compound", "nmod") and child.i in self.refs:
                out += self._resolve(child, subject_side=False, reach=False, depth=nxt)
            elif child.dep_ == "prep" and child.lower_ in ("of", "from", "by"):
                out += [a for obj in _prep_objects(child) for a in self._resolve(obj, subject_side=False, reach=True, depth=nxt)]
            elif child.dep_ == "acl" and child.tag_ == "VBN":
                out += [a for obj in self._step(child, "agent") for a in self._resolve(obj, subject_side=False, reach=False, depth=nxt)]
            elif child.dep_ == "dobj" and token.pos_ in _VERBAL:
                out += self._resolve(child, subject_side=False, reach=True, depth=nxt)
            elif child.dep_ in _OBJECT_OF_PREP and token.dep_ in _PREP_DEPS:
                out += self._resolve(child, subject_side=False, reach=True, depth=nxt)
        return out

    # -- measures and their agents

    def measure_agents(self, token: Token) -> tuple[_Arg, ...]:
        """Who took the measure a noun names: local ("X's order", "the order by X", "X issued an
        order"), else the last measure of this document whose agent is known."""
        if token.i in self._agents:
            return self._agents[token.i]
        self._agents[token.i] = ()  # guards against cycles while computing
        agents = tuple(self.local_agents(token))
        if not agents:
            agents = tuple(_costly(_recalled(self._memory, token, self.lex), 0.15))
        self._agents[token.i] = agents
        return agents

    def local_agents(self, token: Token) -> list[_Arg]:
        if token.pos_ in _VERBAL:
            roles = ("nsubj", "agent")
        else:
            roles = ("poss", "prep:by", "acl>agent", "light>nsubj", "light>agent", "compound")
        for role in roles:
            args = [a for a in self._resolve_all(self._path(token, role), subject_side=True, reach=False)]
            if args:
                return _costly(args, 0.05)
        return []


# ---------------------------------------------------------------- grammar helpers


def _titled(name: Token) -> bool:
    """A name with a common noun before it as its own title ("club owner Q")."""
    return any(c.dep_ == "compound" and c.pos_ == "NOUN" and c.i < name.i for c in name.children)


def _split_named(paths: Sequence[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """A role's paths apart from its "named>..." ones, and those without the "named>" step:
    those are read from each name the noun stands for, not from the noun."""
    named = tuple(p.split(">", 1)[1] for p in paths if p.startswith("named>"))
    return tuple(p for p in paths if not p.startswith("named>")), named


def _forms(token: Token) -> frozenset[str]:
    return frozenset((token.lemma_.lower(), token.lower_))


def _key(token: Token) -> str:
    return token.lemma_.lower()


@lru_cache(maxsize=8)
def _trigger_index(schema: Schema) -> dict[str, list[tuple[RelationType, Trigger, str]]]:
    """Lemma -> the (relation, trigger, word) entries it may start. Nouns are keyed by their last
    word ("chief executive" -> "executive"), verbs by their first ("pull out" -> "pull")."""
    index: dict[str, list[tuple[RelationType, Trigger, str]]] = {}
    for relation in schema.relations:
        for trigger in relation.triggers:
            for word in trigger.words:
                parts = word.split()
                key = parts[-1] if trigger.kind == "noun" else parts[0]
                index.setdefault(key, []).append((relation, trigger, word))
                if key.endswith("s") and trigger.kind == "noun" and len(key) > 3:
                    index.setdefault(key[:-1], []).append((relation, trigger, word))
    return index


def _longest(token: Token, entries: Sequence[tuple[RelationType, Trigger, str]]) -> list[tuple[RelationType, Trigger, str]]:
    """The entries that match ``token``; of nouns, only the longest ("vice president" names a
    vice president, not a president)."""
    matched = [e for e in entries if _matches(token, e[1].kind, e[2])]
    nouns = [e for e in matched if e[1].kind == "noun"]
    if nouns:
        longest = max(len(e[2].split()) for e in nouns)
        matched = [e for e in matched if e[1].kind != "noun" or len(e[2].split()) == longest]
    return matched


def _matches(token: Token, kind: str, word: str) -> bool:
    parts = word.split()
    if kind == "noun":
        if token.pos_ not in _NOMINAL:
            return False
        if _key(token) != parts[-1] and token.lower_ != parts[-1]:
            return token.lemma_.lower() + "s" == parts[-1]
        preceding = parts[:-1]
        if not preceding:
            return True
        start = token.i - len(preceding)
        if start < 0:
            return False
        window = token.doc[start:token.i]
        return all(p in _forms(t) for p, t in zip(preceding, window))
    if token.pos_ not in _VERBAL and token.tag_ not in ("VBN", "VBG") and token.pos_ != "ADJ":
        return False
    rest = parts[1:]
    if not rest:
        return True
    children = [c for c in token.children]
    return all(any(p in _forms(c) for c in children) for p in rest)


def _clause_arg(verb: Token, dep: str, lex: Lexicon, depth: int = 0) -> list[Token]:
    """The tokens filling ``dep`` (nsubj, nsubjpass, dobj) of a verb's clause, including those
    it shares with the clause it depends on: "X bought Y and sold Z", "X agreed to buy Y",
    "Z was prompted / X prompted Z to pull", "the firm founded by P", "a directive ordering"."""
    direct = [c for c in verb.children if c.dep_ == dep]
    if direct or depth > _MAX_DEPTH or verb.head.i == verb.i:
        return direct
    head = verb.head
    if dep == "nsubj":
        if verb.dep_ == "conj" and head.pos_ in _VERBAL:
            if any(c.dep_ == "nsubjpass" for c in verb.children):
                return []
            return _clause_arg(head, "nsubj", lex, depth + 1) or _clause_arg(head, "nsubjpass", lex, depth + 1)
        if verb.dep_ in ("xcomp", "advcl", "ccomp") and _infinitival(verb) or verb.dep_ == "xcomp":
            if head.pos_ in _VERBAL:
                controllers = [c for c in head.children if c.dep_ == "dobj"]
                if any(_forms(c) & lex.measure_nouns for c in controllers):
                    return []  # "issued an order to remove": the purpose of a thing, no doer named
                return controllers or _clause_arg(head, "nsubj", lex, depth + 1) or _clause_arg(head, "nsubjpass", lex, depth + 1)
        if verb.dep_ == "acl" and (verb.tag_ == "VBG" or _infinitival(verb)):
            return [head]
        if verb.dep_ == "advcl" and verb.tag_ == "VBG" and head.pos_ in _VERBAL:
            return _clause_arg(head, "nsubj", lex, depth + 1)
        if verb.dep_ == "pcomp" and head.head.i != head.i and head.head.pos_ in _VERBAL:
            governor = head.head
            objects = [c for c in governor.children if c.dep_ == "dobj"]
            if head.lower_ in ("of", "from") and objects:
                return objects  # "accused him of stealing", "barred them from selling"
            return _clause_arg(governor, "nsubj", lex, depth + 1)  # "before joining"
        return []
    if dep == "nsubjpass":
        if verb.dep_ in ("acl", "amod") and verb.tag_ == "VBN":
            return [head]
        if verb.dep_ == "conj" and head.pos_ in _VERBAL and not any(c.dep_ == "nsubj" for c in verb.children):
            return _clause_arg(head, "nsubjpass", lex, depth + 1)
        return []
    if dep == "dobj" and verb.dep_ == "relcl" and any(c.dep_ == "nsubj" for c in verb.children):
        return [head]  # "the company P founded"
    return []


def _infinitival(verb: Token) -> bool:
    return any(c.dep_ == "aux" and c.lower_ == "to" for c in verb.children)


def _prep_holders(token: Token) -> list[Token]:
    """The token and its particles: "pull out of X" hangs "of" on the particle."""
    return [token] + [c for c in token.children if c.dep_ == "prt"]


def _prep_words(prep: Token) -> set[str]:
    """The words a preposition token stands for: "in", "out of", "such as", "other than"."""
    words = {prep.lower_}
    for child in prep.children:
        if child.dep_ in ("prep", "pcomp") and child.pos_ == "ADP":
            words.add(f"{prep.lower_} {child.lower_}")
        if child.dep_ in ("amod", "advmod") and child.i == prep.i - 1:
            words.add(f"{child.lower_} {prep.lower_}")
    if prep.i > 0:
        before = prep.doc[prep.i - 1]
        if before.dep_ in ("amod", "advmod", "prep") and before.head in (prep, prep.head):
            words.add(f"{before.lower_} {prep.lower_}")
    return words


def _prep_objects(prep: Token) -> list[Token]:
    objects = [c for c in prep.children if c.dep_ in _OBJECT_OF_PREP]
    if objects:
        return objects
    # "out of X", "other than X": the object hangs on the second word
    return [o for c in prep.children if c.dep_ in ("prep", "pcomp") for o in c.children if o.dep_ in _OBJECT_OF_PREP]


def _conjuncts(token: Token) -> list[Token]:
    """Tokens coordinated with ``token`` as its dependents ("X, Y and not Z")."""
    out = []
    sheet, doc = sheet_of(token.doc), token.doc
    stack = [c for c in sheet.children[token.i] if sheet.dep[c] == "conj"]
    while stack:
        conj = stack.pop(0)
        out.append(doc[conj])
        stack.extend(c for c in sheet.children[conj] if sheet.dep[c] == "conj")
    return out


def _speaking(refs: dict[int, _Ref]) -> list[_Ref]:
    """The mentions whose root token speaks for them (not a name inside a longer one), in text
    order."""
    return sorted({r for r in refs.values() if refs.get(r.root) == r}, key=lambda r: (r.start, r.end))


def _comma_chains(doc: Doc, mentions: Sequence[_Ref]) -> dict[int, list[_Ref]]:
    """Names written one after another with single commas ("Okotoks, Alberta, Canada"): each
    one's root -> the next name (``mentions``: the speaking mentions, in text order). A run that
    ends in "and"/"or" is a list, not a chain."""
    runs: list[list[_Ref]] = []
    for ref in mentions:
        # after the first name, a chain goes on through places only
        if runs and ref.type == "Location" and _comma_between(doc, runs[-1][-1], ref):
            runs[-1].append(ref)
        else:
            runs.append([ref])
    starts = frozenset(r.start for r in mentions)
    chains: dict[int, list[_Ref]] = {}
    for index, run in enumerate(runs):
        if len(run) < 2 or (len(run) > _MAX_CHAIN and not _ends_in_its_country(run)):
            continue  # four or more names in a row are a list, not a place and its regions
        if len(run) >= _MAX_CHAIN and _continues_as_list(doc, run[-1].end, None):
            continue
        if _continues_as_list(doc, run[-1].end, starts) and not _paired(doc, run, runs[index + 1:index + 2]):
            continue
        if index and not _paired(doc, runs[index - 1], [run]) and _continues_as_list(doc, runs[index - 1][-1].end, starts):
            continue  # the last item of a list ("A, B and C, ...")
        for first, second in zip(run, run[1:]):
            chains.setdefault(first.root, []).append(second)
    return chains


def _place_forms(doc: Doc, speaking: Sequence[_Ref]) -> dict[str, _Ref]:
    """Lowercased written forms of the places named in the text -> their mention; a country
    named anywhere also goes by its other names and demonyms ("Romanian" for Romania)."""
    forms: dict[str, _Ref] = {}
    for ref in speaking:
        if ref.type == "Location":
            forms.setdefault(doc[ref.start:ref.end].text.lower(), ref)
    countries = _country_forms()
    for ref in list(forms.values()):
        for form in countries.get(ref.entity, ()):
            forms.setdefault(form, ref)
    return forms


@lru_cache(maxsize=1)
def _country_forms() -> dict[str, tuple[str, ...]]:
    """Country entity id -> the lowercased forms of its name, other names and demonyms."""
    from ..ids import entity_id
    from .resolve import default_known

    return {entity_id(entry.type, entry.name): tuple(f.lower() for f in (entry.name, *entry.aliases))
            for entry in default_known()}


def _places_inside(doc: Doc, ref: _Ref, places: dict[str, _Ref]) -> list[_Ref]:
    """The places whose forms are written inside a name, longest first at each word ("North
    Korean" before "Korean"); a place after a compass word inside the name is another place
    ("West Virginia", "Latin American")."""
    found = []
    i = ref.start
    while i < ref.end:
        match = next(((j, places[key]) for j in range(ref.end, i, -1)
                      if (i, j) != (ref.start, ref.end) and (key := doc[i:j].text.lower()) in places), None)
        if match is None:
            i += 1
            continue
        j, place = match
        if not (i > ref.start and doc[i - 1].lower_ in _COMPASS) and place.entity != ref.entity:
            found.append(place)
        i = j
    return found


def _past_modifiers(doc: Doc, j: int) -> int:
    while j < len(doc) and (doc[j].lower_ == "the" or doc[j].pos_ == "ADJ"
                            or (doc[j].is_lower and doc[j].dep_ in ("amod", "compound"))):
        j += 1
    return j


def _ends_in_its_country(run: list[_Ref]) -> bool:
    """"a township, its county, its province, Canada": a longer run is still one place and its
    regions when only its last name is a country (a list of places names several)."""
    countries = _country_forms()
    return len(run) <= _MAX_CHAIN + 2 and run[-1].entity in countries and not any(r.entity in countries for r in run[:-1])


def _paired(doc: Doc, run: list[_Ref], following: list[list[_Ref]]) -> bool:
    """"A, B and C, D" (places with their regions, two by two), not a list "A, B and C"."""
    if len(run) != 2 or not following:
        return False
    nxt = following[0]
    gap = doc[run[-1].end:nxt[0].start]
    return len(nxt) == 2 and len(gap) <= 2 and all(t.lower_ in (",", "and", "or") for t in gap)


def _comma_between(doc: Doc, first: _Ref, second: _Ref) -> bool:
    return second.start == first.end + 1 and doc[first.end].text == ","


def _continues_as_list(doc: Doc, end: int, starts: frozenset[int] | None) -> bool:
    """Whether "and"/"or" and another name follow (", and C"): then the run was a list.
    With ``starts`` None, any "and"/"or" will do ("A, B, C and others")."""
    i = end + (1 if end < len(doc) and doc[end].text == "," else 0)
    if i >= len(doc) or doc[i].lower_ not in ("and", "or", "&", "etc", "etc."):
        return False
    if starts is None:
        return True
    j = i + 1
    if j < len(doc) and doc[j].lower_ == "the":
        j += 1
    return j in starts


def _parenthesised(token: Token) -> bool:
    first = token.left_edge.i
    return first > 0 and token.doc[first - 1].text in ("(", "[")


def _common_noun_at(sheet, i: int) -> bool:
    """Token ``i`` (read off the Doc's sheet) is a common noun, or a predicate noun the tagger
    took for an adjective ("a French organist")."""
    pos = sheet.pos[i]
    if pos == "NOUN":
        return True
    return pos == "ADJ" and sheet.dep[i] in ("attr", "appos") and any(sheet.dep[c] == "det" for c in sheet.children[i])


def _premodifiers(noun: Token) -> list[Token]:
    """The words modifying a noun from the left, through modifier chains ("a Chinese pair
    skater": Chinese modifies pair, which modifies skater)."""
    out = []
    stack = [c for c in noun.children if c.i < noun.i and c.dep_ in ("amod", "compound", "nmod")]
    while stack:
        token = stack.pop()
        out.append(token)
        stack.extend(c for c in token.children if c.i < token.i and c.dep_ in ("amod", "compound", "nmod"))
    return sorted(out, key=lambda t: t.i)


def _definite(token: Token) -> bool:
    return any(c.dep_ == "det" and c.lower_ in _DEFINITE for c in token.children)


def _polarity_anchor(noun: Token, lex: Lexicon) -> Token:
    """The word whose negation and modals govern a noun's relation: its light or copular verb
    ("did not impose a ban", "P is not the founder"), else the noun."""
    head = noun.head
    if head is noun:
        return noun
    if noun.dep_ in ("dobj", "nsubjpass") and _forms(head) & lex.light_verbs:
        return head
    if noun.dep_ in ("attr", "oprd") and _forms(head) & lex.copulas:
        return head
    return noun


def _polarity(token: Token, lex: Lexicon, *, stop_at: Token | None = None) -> tuple[bool, str | None]:
    """Whether the clause of ``token`` is negated, and its modality ("may", "would", "plan"...),
    climbing out of infinitives and complements into the verbs that govern them."""
    negated = False
    modality: str | None = None
    node = token
    for _ in range(_MAX_DEPTH):
        for child in node.children:
            if child.dep_ == "neg" or (child.dep_ == "det" and child.lower_ == "no"):
                negated = True
            elif child.tag_ == "MD" and child.dep_ in ("aux", "auxpass"):
                modality = modality or child.lemma_.lower()
            elif child.dep_ == "mark" and child.lower_ in ("if", "unless", "whether"):
                modality = modality or child.lower_
        head = node.head
        if head is node or head is stop_at:
            break
        embedded = node.dep_ == "xcomp" or (node.dep_ in ("advcl", "ccomp", "acl") and _infinitival(node))
        if embedded or node.dep_ == "ccomp":
            forms = _forms(head)
            if forms & lex.denial_verbs:
                negated = True
            elif forms & (lex.hedge_verbs | lex.hedge_nouns):
                modality = modality or head.lemma_.lower()
            elif embedded and forms & lex.directive_verbs:
                modality = modality or head.lemma_.lower()
            if node.dep_ == "ccomp" and not embedded:
                break
            node = head
            continue
        if node.dep_ == "pcomp" and head.dep_ == "prep":
            # "without buying"; "barred X from buying" (did not); "accused X of buying" (alleged)
            governor = head.head
            if head.lower_ == "without" or (head.lower_ == "from" and _forms(governor) & lex.denial_verbs):
                negated = True
            elif head.lower_ == "of" and _forms(governor) & lex.hedge_verbs:
                modality = modality or governor.lemma_.lower()
        break
    return negated, modality


def _confidence(base: float, subject: _Arg, obj: _Arg, modality: str | None) -> float:
    value = base - subject.cost - obj.cost - (_HEDGE_PENALTY if modality else 0.0)
    return round(min(0.99, max(0.05, value)), 3)


def _costly(args: Iterable[_Arg], cost: float) -> list[_Arg]:
    return [replace(a, cost=a.cost + cost) for a in args]


def _measure_memory(engine: _Engine) -> list[tuple[int, str, tuple[_Arg, ...]]]:
    """Measures of the document with a local agent, in text order: (token index, lemma, agents)."""
    memory = []
    nouns = engine.lex.measure_nouns
    sheet = engine.sheet
    for i, (lower, lemma) in enumerate(zip(sheet.lower, sheet.lemma)):
        if lower in nouns or lemma in nouns:
            token = engine.doc[i]
            agents = tuple(engine.local_agents(token))
            if agents:
                memory.append((token.i, token.lemma_.lower(), agents))
    return memory


def _recalled(memory: list[tuple[int, str, tuple[_Arg, ...]]], token: Token, lex: Lexicon) -> list[_Arg]:
    """The agents of an earlier measure a definite description refers back to ("the order"):
    the last one of the same word, else the last measure."""
    if token.pos_ not in _NOMINAL or not _definite(token):
        return []
    earlier = memory[:bisect.bisect_left(memory, token.i, key=lambda entry: entry[0])]
    if not earlier:
        return []
    lemma = token.lemma_.lower()
    chosen = next((entry for entry in reversed(earlier) if entry[1] == lemma), earlier[-1])
    return list(chosen[2])


# ---------------------------------------------------------------- composition and output


# What the last word of a place's name says of its rank ("Loei Province", "Harris County").
_RANK_HEADS = {
    **dict.fromkeys(("province", "state", "region", "oblast", "prefecture", "governorate", "territory"), 2.0),
    **dict.fromkeys(("county", "district", "parish", "borough", "municipality", "township", "canton"), 1.5),
}


_OF_RANKS = {**_RANK_HEADS,
             **dict.fromkeys(("republic", "kingdom", "commonwealth", "principality", "emirate", "sultanate"), 3.0),
             "city": 1.0}


@lru_cache(maxsize=1)
def _continents() -> frozenset[str]:
    from ..ids import name_key
    from .places import geonames

    return frozenset(name_key(c["name"]) for c in geonames().get_continents().values())


def place_rank(entity: str, name: str) -> float:
    """4 a continent, 3 a country, 2 a state or province, 1.5 a county or district, 1 a city,
    0 unknown (by kg's countries, GeoNames and the head word of the name)."""
    from ..ids import name_key
    from .names import is_known_place, is_region
    from .places import place_kinds

    if entity in _country_forms():
        return 3
    if not entity.startswith("location:") or not name:
        return 0
    if name_key(name) in _continents():
        return 4
    words = name.lower().split()
    if len(words) > 1 and words[-1] in _RANK_HEADS:
        return _RANK_HEADS[words[-1]]
    if len(words) > 2 and words[1] == "of" and words[0] in _OF_RANKS:  # "State of Ohio", "Republic of Korea"
        return _OF_RANKS[words[0]]
    if place_kinds(name) == {"country"}:  # a country GeoNames knows, not also a US state
        return 3
    if is_region(name):
        return 2
    return 1 if is_known_place(name) else 0


def _inverted(fact: _Found) -> bool:
    """A place read as inside a place of its own rank or below ("the State of Ohio in Dayton")."""
    subject, obj = fact.subject.ref, fact.object.ref
    if subject.type != "Location" or obj.type != "Location":
        return False
    doc = fact.sentence.doc
    inner = place_rank(subject.entity, doc[subject.start:subject.end].text)
    outer = place_rank(obj.entity, doc[obj.start:obj.end].text)
    return bool(inner and outer and inner >= outer)


def _composed(found: list[_Found], schema: Schema) -> Iterator[_Found]:
    """X R Y and Y C Z give X R Z when R composes with C (located-in chains): positive,
    unhedged facts only, a few steps deep."""
    composing = {r.name: r for r in schema.relations if r.compose}
    if not composing:
        return
    by_name = {r.name: r for r in schema.relations}
    # a step that puts a place inside one of its own rank or below is a misreading: no chain
    facts = [f for f in found if not f.negated and not f.modality and not _inverted(f)]
    known = {(f.subject.ref.entity, f.relation.name, f.object.ref.entity) for f in facts}
    frontier = facts
    for _ in range(3):
        by_subject: dict[tuple[str, str], list[_Found]] = {}
        for fact in facts:
            by_subject.setdefault((fact.relation.name, fact.subject.ref.entity), []).append(fact)
        new = []
        for first in frontier:
            chain = composing.get(first.relation.name)
            if chain is None:
                continue
            relation = by_name.get(chain.compose_as, chain)
            for other in chain.compose:
                for second in by_subject.get((other, first.object.ref.entity), ()):
                    key = (first.subject.ref.entity, relation.name, second.object.ref.entity)
                    if key in known or key[0] == key[2]:
                        continue
                    if not relation.allows(first.subject.ref.type, second.object.ref.type):
                        continue
                    known.add(key)
                    confidence = round(min(first.confidence, second.confidence) * _BASE_CONFIDENCE["compose"], 3)
                    new.append(_Found(first.subject, second.object, relation, first.sentence,
                                      f"compose:{chain.name}+{other}", confidence, False, None))
        if not new:
            break
        yield from new
        facts = facts + new
        frontier = new


def _relations(found: Iterable[_Found], *, doc_id: str, offset: int) -> list[Relation]:
    best: dict[tuple, _Found] = {}
    for item in found:
        pair = (item.subject.ref.entity, item.object.ref.entity)
        if item.relation.symmetric:
            pair = tuple(sorted(pair))
        key = (pair, item.relation.name, item.negated, item.sentence.start)
        current = best.get(key)
        if current is None or item.confidence > current.confidence:
            best[key] = item
    relations = [_relation(item, doc_id=doc_id, offset=offset) for item in best.values()]
    relations.sort(key=lambda r: (r.evidence.start, r.type, r.subject, r.object, r.negated, r.evidence.rule))
    return relations


def _relation(item: _Found, *, doc_id: str, offset: int) -> Relation:
    sentence = item.sentence
    evidence = Evidence(
        doc=doc_id,
        sentence=sentence.text,
        start=sentence.start_char + offset,
        end=sentence.end_char + offset,
        rule=item.rule,
    )
    return Relation(
        subject=item.subject.ref.entity,
        type=item.relation.name,
        object=item.object.ref.entity,
        label=item.relation.label,
        confidence=item.confidence,
        evidence=evidence,
        negated=item.negated,
        modality=item.modality,
    )
