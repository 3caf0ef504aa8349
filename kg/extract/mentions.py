"""Mentions: the spans of a parsed document that refer to entities.

Name mentions come from spaCy's NER, mapped to kg's types and corrected where the sentence itself
gives evidence against the tagger (a fragment such as "n't", a word glued to a heading, a name with
an organisation's designator typed as a person, a building acting as an institution).
Pronouns and definite descriptions ("it", "the company") are returned as references for
resolution to attach to a name's entity.
"""
from __future__ import annotations

import re
from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token

from ..nlp import Chunk
from ..types import Mention, Reference
from .names import LEGAL_SUFFIXES, ORG_DESIGNATORS

__all__ = [
    "SPACY_TYPES",
    "ORG_DESIGNATORS",
    "LEGAL_SUFFIXES",
    "Reference",
    "name_mentions",
    "references",
    "find_mentions",
]

# spaCy (OntoNotes) labels -> kg entity types. Dates, money, numbers are not entities.
SPACY_TYPES: dict[str, str] = {
    "PERSON": "Person",
    "ORG": "Organization",
    "GPE": "Location",
    "LOC": "Location",
    "FAC": "Facility",
    "PRODUCT": "Product",
    "EVENT": "Event",
    "LAW": "Law",
    "NORP": "Group",
}

# Nouns that turn a preceding name into an institution ("the Obama administration").
_INSTITUTION_HEADS = frozenset({"administration", "government"})
# Verbs whose subject acts as an institution: a building that says or decides is its occupant.
_AGENT_VERBS = frozenset(
    "say tell announce confirm deny state declare decide order ban approve reject warn "
    "claim respond comment acknowledge insist argue release issue sign award".split()
)
# Common nouns for institutions; a facility coordinated or in apposition with one is one.
_INSTITUTION_NOUNS = frozenset(
    "agency agencies department departments ministry ministries government governments "
    "company companies organization organizations organisation organisations institution "
    "institutions office offices bureau bureaus military authority authorities".split()
)
# Verbs of giving: their theme, given *to* someone, is a thing, not an organisation.
_TRANSFER_VERBS = frozenset("provide give supply pass leak hand send deliver feed offer share".split())
_HONORIFICS = frozenset("mr mrs ms miss mx dr prof professor sir dame lord lady".split())
_GLUED = re.compile(r"^[a-z]{2,}(?=[A-Z])")

_PRONOUNS: dict[str, str] = {
    **dict.fromkeys(("it", "its", "itself"), "thing"),
    **dict.fromkeys(("he", "him", "his", "himself"), "male"),
    **dict.fromkeys(("she", "her", "hers", "herself"), "female"),
    **dict.fromkeys(("they", "them", "their", "theirs", "themselves"), "plural"),
}
# Head nouns of definite descriptions and the entity types they can refer to.
_NOMINAL_TYPES: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(
        "company firm maker manufacturer retailer carrier corporation conglomerate startup "
        "giant group bank lender insurer airline automaker publisher developer provider "
        "operator supplier producer chain brand business studio outlet newspaper broadcaster "
        "network organization organisation charity club team union party".split(),
        ("Organization",),
    ),
    **dict.fromkeys(
        "agency department ministry administration government court regulator authority "
        "bureau commission committee council parliament congress senate legislature "
        "watchdog military army police".split(),
        ("Organization",),
    ),
    **dict.fromkeys(
        "city country state town village region province capital nation island county "
        "republic kingdom territory".split(),
        ("Location",),
    ),
    **dict.fromkeys(
        "man woman official spokesman spokeswoman spokesperson executive president minister "
        "founder chairman chairwoman chief leader senator governor mayor lawyer attorney "
        "judge director manager actor actress singer player coach author writer "
        "researcher scientist professor candidate".split(),
        ("Person",),
    ),
    **dict.fromkeys(
        "airport building bridge stadium station hospital prison embassy base tower".split(),
        ("Facility", "Organization"),
    ),
}


def find_mentions(chunks: Sequence[Chunk]) -> tuple[list[Mention], list[Reference]]:
    """Name mentions and references of one document, in text order."""
    names: list[Mention] = []
    refs: list[Reference] = []
    for chunk in chunks:
        names.extend(name_mentions(chunk.doc, offset=chunk.offset))
        refs.extend(references(chunk.doc, offset=chunk.offset))
    return names, refs


def name_mentions(doc: Doc, *, offset: int = 0) -> list[Mention]:
    """Corrected NER mentions of a parsed text (offsets shifted by ``offset``)."""
    found: list[Mention] = []
    text = doc.text  # Doc.text joins every token: build it once, not per entity
    for ent in doc.ents:
        entity_type = SPACY_TYPES.get(ent.label_)
        if entity_type is None:
            continue
        span = _trim(ent)
        if span is None or not _is_name(span) or _is_given_thing(span):
            continue
        span, entity_type = _extend_institution(span, entity_type)
        entity_type = _corrected_type(span, entity_type)
        if entity_type == "Person":
            span = _without_honorific(span)
        start = span.start_char + _glue_length(span)
        for piece_start, piece_end in _split_parenthesised(text, start, span.end_char):
            found.append(Mention(piece_start + offset, piece_end + offset, text[piece_start:piece_end], entity_type, "name"))
    return found


def _without_honorific(span: Span) -> Span:
    start = span.start
    while start < span.end - 1 and span.doc[start].lower_.rstrip(".") in _HONORIFICS:
        start += 1
    return span.doc[start:span.end]


def _split_parenthesised(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """"World Trade Body (WTB)" tagged as one name is two mentions: the name and its acronym."""
    match = re.fullmatch(r"(.*?\S)\s*\(\s*([^()]*?\S)\s*\)?", text[start:end], flags=re.DOTALL)
    if not match:
        return [(start, end)]
    return [(start, start + match.end(1)), (start + match.start(2), start + match.end(2))]


def _trim(span: Span) -> Span | None:
    """Drop leading determiners and punctuation, and a trailing possessive or punctuation."""
    start, end = span.start, span.end
    doc = span.doc
    while start < end and (doc[start].lower_ in {"the", "a", "an"} or doc[start].is_punct or doc[start].is_space):
        start += 1
    while end > start and (doc[end - 1].tag_ == "POS" or doc[end - 1].is_space or (
        doc[end - 1].is_punct and doc[end - 1].text not in {".", ")"}
    )):
        end -= 1
    if end > start and doc[end - 1].text == ")" and "(" not in doc[start:end].text:
        end -= 1
    return doc[start:end] if end > start else None


def _is_name(span: Span) -> bool:
    """A name has a letter, starts with a capital or digit, and is not a clitic or stop word."""
    text = span.text
    if not any(ch.isalpha() for ch in text):
        return False
    first = text.lstrip()[0]
    if not (first.isupper() or first.isdigit()):
        glued = _GLUED.match(span[0].text)
        if not glued:
            return False
    if all(token.is_stop or token.dep_ == "neg" for token in span):
        return False
    return not any(token.dep_ == "neg" or token.lower_ in {"n't", "n’t"} for token in span)


def _glue_length(span: Span) -> int:
    """Characters of a lowercase word glued to the name's first token ("articleAcme")."""
    glued = _GLUED.match(span[0].text)
    return glued.end() if glued else 0


def _is_given_thing(span: Span) -> bool:
    """The theme of a giving verb with a recipient ("provides X to agents") is a thing."""
    root = span.root
    verb = root.head
    if root.dep_ != "dobj" or verb.lemma_ not in _TRANSFER_VERBS or len(span) > 1:
        return False
    return any(child.dep_ in {"dative", "prep"} and child.lower_ == "to" for child in verb.children)


def _extend_institution(span: Span, entity_type: str) -> tuple[Span, str]:
    """"Obama administration", "U.S. government": a name modifying an institution noun."""
    root = span.root
    head = root.head
    if (
        entity_type in {"Person", "Location", "Organization"}
        and root.dep_ in {"compound", "nmod", "amod"}
        and head.lower_ in _INSTITUTION_HEADS
        and head.i == span.end
    ):
        return span.doc[span.start:head.i + 1], "Organization"
    return span, entity_type


# Nouns that say what kind of thing a name is ("X is a village", "X, a Norwegian footballer",
# "the town of X"). Where the text says so, it overrides the tagger's guess.
_CLASS_NOUNS: dict[str, str] = {
    **dict.fromkeys(
        "village town city hamlet county district province region municipality commune suburb "
        "neighbourhood neighborhood parish borough township settlement capital island river lake "
        "mountain peninsula locality prefecture voivodeship canton oblast country".split(), "Location"),
    **dict.fromkeys(
        "company corporation firm manufacturer retailer airline bank club band newspaper publisher "
        "agency organisation organization charity contractor startup conglomerate insurer "
        "automaker carmaker subsidiary".split(), "Organization"),
    **dict.fromkeys(
        "politician footballer player actor actress singer songwriter writer author novelist poet "
        "journalist businessman businesswoman entrepreneur lawyer painter artist composer musician "
        "scientist physicist chemist economist historian philosopher mathematician engineer "
        "architect athlete cyclist swimmer boxer wrestler coach priest bishop cleric monk diplomat "
        "activist comedian racer skier rapper dancer sculptor photographer inventor senator "
        "congressman congresswoman businessperson sprinter golfer jockey"
        .split(), "Person"),
}
# The tagger's own types that a class noun may correct (events, works and groups it leaves).
_CORRECTABLE = frozenset({"Person", "Organization", "Location", "Facility", "Product"})
# "the town of X" names X; "the company of X" does not name X.
_NAMING_OF = frozenset(t for t, kind in _CLASS_NOUNS.items() if kind == "Location")


def _class_noun(span: Span) -> str | None:
    """The type a describing noun gives the name: copula ("X is a village"), apposition
    ("X, a Norwegian footballer" / "the footballer X"), or "the town of X"."""
    root = span.root
    nouns: list[Token] = []
    if root.dep_ in {"nsubj", "nsubjpass"} and root.head.lemma_ == "be":
        nouns += [c for c in root.head.children if c.dep_ == "attr"]
    nouns += [c for c in root.children if c.dep_ == "appos"]
    if root.dep_ == "appos":
        nouns.append(root.head)
    if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.lower_ in _NAMING_OF:
        nouns.append(root.head.head)
    kinds = {_CLASS_NOUNS.get(n.lemma_.lower()) for n in nouns if n.pos_ == "NOUN" and n.ent_type_ == ""}
    kinds.discard(None)
    return kinds.pop() if len(kinds) == 1 else None


def _corrected_type(span: Span, entity_type: str) -> str:
    if entity_type in _CORRECTABLE:
        described = _class_noun(span)
        if described is not None:
            return described
    if entity_type in {"Group", "Person"} and _placed_by_preposition(span):
        return "Location"
    last = span[-1].lower_
    if entity_type in {"Person", "Product", "Facility", "Location"} and last in ORG_DESIGNATORS and len(span) > 1:
        return "Organization"
    if entity_type == "Facility" and _acts_as_institution(span):
        return "Organization"
    return entity_type


def _placed_by_preposition(span: Span) -> bool:
    """"born in Punjab", "a village near Halden": what "in" or "near" governs is a place, not
    a people or a person (the tagger's NORP and PERSON for unfamiliar place names)."""
    root = span.root
    if root.dep_ != "pobj" or root.head.lower_ not in {"in", "near"} or any(t.dep_ == "case" for t in span):
        return False
    if root.tag_ in {"NNPS", "NNS"}:
        return False  # "believed in Sikhs": a people
    if span.start > 0 and span.doc[span.start - 1].lower_ in {"the", "a", "an"}:
        return False  # "in the Smiths' garden", "in a Frenchman's words"
    return root.head.head.pos_ in {"VERB", "NOUN", "AUX"}


def _acts_as_institution(span: Span) -> bool:
    root = span.root
    if root.dep_ in {"nsubj", "nsubjpass"} and root.head.lemma_ in _AGENT_VERBS:
        return True
    neighbours = [root.head] if root.dep_ in {"conj", "appos"} else []
    neighbours += [child for child in root.children if child.dep_ in {"conj", "appos"}]
    return any(token.lemma_.lower() in _INSTITUTION_NOUNS or token.lower_ in _INSTITUTION_NOUNS for token in neighbours)


def references(doc: Doc, *, offset: int = 0) -> list[Reference]:
    """Third-person pronouns and definite descriptions ("the company") outside names."""
    found: list[Reference] = []
    introduced: set[str] = set()  # common nouns met as new referents ("a federal court")
    for token in doc:
        if token.ent_type_:
            continue
        if token.pos_ == "NOUN" and token.dep_ not in {"appos", "attr", "compound"} and not any(
            child.dep_ == "det" and child.lower_ in {"the", "this", "that", "these", "those"} for child in token.children
        ):
            introduced.add(token.lemma_.lower())
        sentence_start = token.sent.start_char + offset
        pronoun_class = _PRONOUNS.get(token.lower_)
        if pronoun_class and token.pos_ == "PRON" or (pronoun_class and token.tag_ in {"PRP", "PRP$"}):
            if _pleonastic(token):
                continue
            found.append(Reference(
                token.idx + offset, token.idx + len(token) + offset, token.text, "pronoun",
                _pronoun_types(pronoun_class), pronoun_class, sentence_start,
            ))
            continue
        description = _definite_description(token)
        if description is not None and token.lemma_.lower() not in introduced:
            start, types = description
            found.append(Reference(
                doc[start].idx + offset, token.idx + len(token) + offset,
                doc[start:token.i + 1].text, "nominal", types,
                token.lemma_.lower(), sentence_start,
            ))
    return found


def _pronoun_types(pronoun_class: str) -> tuple[str, ...]:
    if pronoun_class in {"male", "female"}:
        return ("Person",)
    if pronoun_class == "thing":
        return ("Organization", "Location", "Product", "Facility", "Event", "Law")
    return ("Organization", "Group", "Person")


def _pleonastic(token: Token) -> bool:
    """"it is likely that...", "it rained": an "it" that refers to nothing."""
    if token.lower_ != "it":
        return False
    head = token.head
    if token.dep_ == "expl":
        return True
    return head.lemma_ == "be" and any(child.dep_ in {"ccomp", "xcomp"} for child in head.children) and any(
        child.dep_ == "acomp" for child in head.children
    )


def _definite_description(token: Token) -> tuple[int, tuple[str, ...]] | None:
    """For the head noun of "the (Moscow-based) company", its start token and compatible types."""
    if token.pos_ != "NOUN" or token.tag_ not in {"NN", "NNS"}:
        return None
    types = _NOMINAL_TYPES.get(token.lemma_.lower()) or _NOMINAL_TYPES.get(token.lower_)
    if types is None or token.dep_ == "compound":
        return None
    determiners = [child for child in token.children if child.dep_ == "det" and child.i < token.i]
    if not determiners or determiners[0].lower_ not in {"the", "this", "that", "these", "those"}:
        return None
    determiner = determiners[0]
    # Relative clauses or "of" phrases make a new, specific referent ("the company that ...").
    if any(child.dep_ in {"relcl", "acl"} for child in token.children):
        return None
    if any(child.ent_type_ for child in token.subtree if child.i < token.i and child.dep_ != "poss"):
        return None
    return determiner.i, types
