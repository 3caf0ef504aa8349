"""Mentions: the spans of a parsed document that refer to entities.

Name mentions come from spaCy's NER, mapped to kg's types and corrected where the sentence itself
gives evidence against the tagger (a fragment such as "n't", a word glued to a heading, a name with
an organisation's designator typed as a person, a building acting as an institution).
Pronouns and definite descriptions ("it", "the company") are returned as references for
resolution to attach to a name's entity.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from spacy.tokens import Doc, Span, Token

from ..ids import name_key
from ..nlp import Chunk
from ..types import ENTITY_TYPES, Mention, Reference
from .sheet import sheet_of
from .places import country_code_of
from .typer import TypeModel, load_type_model, retype, tagger_label
from .names import (
    BUILDING_HEADS, DESCRIPTION_CLASSES, DESCRIPTION_TYPES, EVENT_HEADS, LEGAL_SUFFIXES, ORG_DESIGNATORS, PERSON_NOUNS,
    given_name_gender, is_known_place, is_language, is_place_word, is_region, vessel_prefix,
)

__all__ = [
    "SPACY_TYPES",
    "ORG_DESIGNATORS",
    "LEGAL_SUFFIXES",
    "Reference",
    "name_mentions",
    "references",
    "find_mentions",
    "source_lines",
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
# Head nouns of descriptions and the entity types they can refer to (kg.extract.names).
_NOMINAL_TYPES: dict[str, tuple[str, ...]] = {
    noun: DESCRIPTION_TYPES[kind] for noun, kind in DESCRIPTION_CLASSES.items()
}


def find_mentions(chunks: Sequence[Chunk]) -> tuple[list[Mention], list[Reference]]:
    """Name mentions and references of one document, in text order."""
    names: list[Mention] = []
    refs: list[Reference] = []
    cues: Counter = Counter()
    for chunk in chunks:
        text = chunk.text
        names.extend(name_mentions(chunk.doc, offset=chunk.offset, text=text))
        refs.extend(references(chunk.doc, offset=chunk.offset, text=text))
        cues.update(team_cues(chunk.doc))
    return as_teams(names, teams_of(cues)), refs


# Sports reports call a national team by its country's name ("Norway beat Chile 2-1", "Peru's
# goalkeeper"): there the country is the team, an organisation. A match score beside the name
# and a player's or coach's role are strong cues; a verb of playing, "against" it or a goal
# "for" it are weak ones. The decision is one per name and document, and needs a strong cue
# and two in all: a war's "Ruritania defeated its neighbour" leaves the country a place.
_MATCH_SUBJECT_VERBS = frozenset(
    "beat defeat face play draw tie win lose score concede qualify advance eliminate edge thrash "
    "trounce overcome outplay equalise equalize substitute top".split()
)
_MATCH_OBJECT_VERBS = frozenset("beat defeat face play eliminate edge thrash trounce overcome outplay".split())
_SQUAD_ROLES = frozenset(
    "coach goalkeeper keeper striker midfielder defender winger fullback full-back squad lineup "
    "line-up".split()
)
_FOR_A_SIDE = frozenset("goal goals lead equaliser equalizer point points score equalise equalize".split())


def _score_after(doc: Doc, i: int) -> bool:
    """Does a match score ("3-0", "1 – 2") start at token ``i``?"""
    return (i < len(doc) and _SCORE.fullmatch(doc[i].text) is not None) or (
        i + 2 < len(doc) and _SCORE.fullmatch(doc[i:i + 3].text.replace(" ", "")) is not None)


def _score_before(doc: Doc, i: int) -> bool:
    """Does a match score end right before token ``i``?"""
    return (i >= 1 and _SCORE.fullmatch(doc[i - 1].text) is not None) or (i >= 3 and _score_after(doc, i - 3))


def _team_cue(span: Span) -> str | None:
    """"strong", "weak" or None: what the sentence says about a country's name playing a match."""
    doc, root = span.doc, span.root
    if _score_after(doc, span.end) or _score_before(doc, span.start):
        return "strong"
    head = root.head
    if root.dep_ in {"poss", "compound"} and head.lemma_.lower() in _SQUAD_ROLES:
        return "strong"
    if (root.dep_ == "nsubj" and head.lemma_ in _MATCH_SUBJECT_VERBS) or (
        root.dep_ == "dobj" and head.lemma_ in _MATCH_OBJECT_VERBS
    ):
        # "Chile won 2-1", "beat Peru 3-0 at home": the verb's clause gives the score
        return "strong" if any(_score_after(doc, t.i) for t in head.subtree) else "weak"
    if root.dep_ == "pobj" and (head.lower_ == "against" or (
        head.lower_ == "for" and head.head.lemma_.lower() in _FOR_A_SIDE
    ) or (head.lower_ == "to" and head.head.lemma_ == "lose")):
        return "weak"
    return None


def team_cues(doc: Doc) -> Counter:
    """(name key, "strong"/"weak") -> count, over the place names of a parsed text."""
    cues: Counter = Counter()
    for ent in doc.ents:
        span = _trim(ent) if ent.label_ in {"GPE", "LOC", "ORG"} else None
        if span is None or not is_known_place(span.text):  # "Chicago beat Boston 5-3": cities' teams too
            continue
        cue = _team_cue(span)
        if cue is not None:
            cues[(name_key(span.text), cue)] += 1
    return cues


def teams_of(cues: Counter) -> frozenset[str]:
    """The name keys a document uses for teams: a strong cue and two cues in all; once one name
    is a team the document reports matches, and two weak cues do."""
    counts = {key: (cues[(key, "strong")], cues[(key, "strong")] + cues[(key, "weak")]) for key, _ in cues}
    if not any(strong and total >= 2 for strong, total in counts.values()):
        return frozenset()
    return frozenset(key for key, (_, total) in counts.items() if total >= 2)


def as_teams(mentions: Sequence[Mention], teams: frozenset[str]) -> list[Mention]:
    """The place mentions whose name is a team's in this document, typed Organization."""
    if not teams:
        return list(mentions)
    return [replace(m, type="Organization") if m.type == "Location" and name_key(m.text) in teams else m
            for m in mentions]


def name_mentions(doc: Doc, *, offset: int = 0, type_model: TypeModel | None | str = "default",
                  text: str | None = None) -> list[Mention]:
    """Corrected NER mentions of a parsed text (offsets shifted by ``offset``); ``type_model``:
    the mention typer ("default": the shipped one; None: the rules' types alone); ``text``:
    ``doc.text``, when the caller has it."""
    typer = load_type_model() if type_model == "default" else type_model
    found: list[Mention] = []
    if text is None:
        text = doc.text  # Doc.text joins every token: build it once, not per entity
    lower = sheet_of(doc).lower
    long_name_words = {lower[i] for ent in doc.ents if len(ent) > 1 for i in range(ent.start, ent.end)}
    sourced, covered = _source_line_mentions(doc, text)
    for start, end, entity_type in sourced:
        found.append(Mention(start + offset, end + offset, text[start:end], entity_type, "name"))
    for ent, entity_type in _agencies_joined(doc):
        if covered and any(ent.start_char < end and start < ent.end_char for start, end in covered):
            continue
        span = _trim(ent)
        if span is None or not _is_name(span) or _is_given_thing(span) or _is_no_entity(span):
            continue
        pieces = _dateline_pieces(span) or _building_at_institution(span) or _person_for_organisation(span)
        if pieces is None:
            span, entity_type = _without_titles(span, entity_type)
            if span is None:
                continue
            span, entity_type = _extend_institution(span, entity_type)
            span, entity_type = _extend_agency(span, entity_type)
            span = _extend_person(span, entity_type)
            corrected = _corrected_type(span, entity_type)
            # where a cue in the sentence corrected the tagger, that evidence outranks the typer's
            tagged = SPACY_TYPES.get(tagger_label(span))
            pieces = [(span, retype(typer, span, rule_type=corrected)
                           if corrected == entity_type == tagged and not _short_form(span, long_name_words) else corrected)]
        pieces += _nested_regions(pieces)
        for span, entity_type in pieces:
            if entity_type == "Person":
                span = _without_honorific(span)
            start = span.start_char + _glue_length(span)
            for piece_start, piece_end in _split_parenthesised(text, start, span.end_char):
                found.append(Mention(piece_start + offset, piece_end + offset, text[piece_start:piece_end], entity_type, "name"))
    for span in _untagged_dateline_towns(doc):
        found.append(Mention(span.start_char + offset, span.end_char + offset, span.text, "Location", "name"))
    for span, entity_type in _untagged_after_class_noun(doc) + _untagged_before_title(doc):
        found.append(Mention(span.start_char + offset, span.end_char + offset, span.text, entity_type, "name"))
    return sorted(found, key=lambda m: (m.start, m.end))


# The source line of a monitoring service's report ("Moscow INTERFAX in English 1601 GMT 28 Apr
# 94", "Tallinn Radio Varnia Network in Estonian 6 May 94 p 2"): the place the outlet broadcasts
# or publishes from, the outlet, the language and the time or date of the report.
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.?"
_SOURCE_LANGUAGE = re.compile(
    r"(?<= )in ([A-Z][a-z]+(?:[- ][A-Z][a-z]+)?) (?:at )?"
    rf"(?:\d{{4}} (?:GMT|UTC)\b(?: (?:on )?\d{{1,2}} {_MONTH}(?: \d{{2,4}}\b)?)?|\d{{1,2}} {_MONTH} \d{{2,4}}\b)"
)
_SOURCE_WORD = re.compile(r"[A-Z0-9][\w&.'/-]*")
_DOCUMENT_CODE = re.compile(r"[A-Z]{2}\d{6,}")  # the report's own number before its source


def source_lines(text: str) -> list[tuple[tuple[int, int], tuple[int, int], int]]:
    """The source lines in ``text``: (place, outlet) character spans and where the line's time or
    date ends. The place is a known one opening the run of capitalised words before "in
    <language> <time or date>", the outlet the rest of the run."""
    found = []
    for match in _SOURCE_LANGUAGE.finditer(text):
        if not is_language(match.group(1)):
            continue
        line_start = text.rfind("\n", 0, match.start()) + 1
        run: list[re.Match] = []
        for word in reversed(list(re.finditer(r"\S+", text[:match.start()][line_start:]))):
            if _DOCUMENT_CODE.fullmatch(word.group()) or not _SOURCE_WORD.fullmatch(word.group()):
                break
            run.insert(0, word)
        for size in (3, 2, 1):
            if size < len(run) and is_known_place(" ".join(w.group() for w in run[:size])):
                found.append(((line_start + run[0].start(), line_start + run[size - 1].end()),
                              (line_start + run[size].start(), line_start + run[-1].end()), match.end()))
                break
    return found


def _source_line_mentions(doc: Doc, text: str) -> tuple[list[tuple[int, int, str]], list[tuple[int, int]]]:
    """The places and outlets of the source lines of ``doc`` ((start, end, type) in the doc's
    characters) and the stretches of the lines they cover up to the time or date: the tagger's
    names there give way to them ("Arabic 6 Apr" is no group)."""
    pieces, covered = [], []
    for (place_start, place_end), (outlet_start, outlet_end), line_end in source_lines(text):
        pieces += [(place_start, place_end, "Location"), (outlet_start, outlet_end, "Organization")]
        covered.append((place_start, line_end))
    return pieces, covered


_CLASS_NOUN_TYPES = {"company": "Organization", "organization": "Organization", "product": "Product"}


def _untagged_after_class_noun(doc: Doc) -> list[tuple[Span, str]]:
    """"US team Kestrel9", "the band Vellichor", "the app Snapwise": capitalised words the tagger
    left out, modified by a common noun saying what they are, are a name of that kind."""
    found = []
    for i, lower in enumerate(sheet_of(doc).lower):
        kind = _CLASS_NOUN_TYPES.get(DESCRIPTION_CLASSES.get(lower, ""))
        if kind is None:
            continue
        token = doc[i]
        if token.pos_ != "NOUN" or not token.is_lower or token.dep_ != "compound":
            continue
        start = token.i + 1
        end = start
        while end < len(doc) and not doc[end].ent_type_ and doc[end].text[:1].isupper() and not doc[end].is_sent_start \
                and (doc[end].is_alpha or any(ch.isdigit() for ch in doc[end].text)):
            end += 1
        if end > start and token.head.i in range(start, end) and not doc[start].is_stop:
            found.append((doc[start:end], kind))
    return found


# Role nouns that, written between two names, tie a person to an organisation ("Vodafone CEO
# Bo Ray"), and words that qualify them without naming anything ("Managing Director").
_EMPLOYER_ROLES = frozenset(
    "ceo cfo coo cto chairman chairwoman chairperson chief president director spokesman "
    "spokeswoman spokesperson founder co-founder cofounder executive boss analyst economist".split()
)
_ROLE_QUALIFIERS = frozenset("managing executive senior acting interim former deputy assistant associate vice co".split())


def _untagged_before_title(doc: Doc) -> list[tuple[Span, str]]:
    """"Former Vodafone CEO Bo Ray": capitalised words the tagger left out before a role noun
    that opens a person's name are the organisation the person holds the role in."""
    found = []
    for ent in doc.ents:
        if ent.label_ != "PERSON" or ent.start < 2:
            continue
        role = doc[ent.start - 1]
        if role.lower_.rstrip(".") not in _EMPLOYER_ROLES or role.ent_type_ or role.head.i not in range(ent.start, ent.end):
            continue
        end = ent.start - 1
        start = end
        while (start > 0 and start > end - 3 and not doc[start - 1].ent_type_ and doc[start - 1].pos_ == "PROPN"
               and (doc[start - 1].is_title or doc[start - 1].is_upper) and doc[start - 1].is_alpha
               and doc[start - 1].lower_ not in _NAMING_NOTHING and doc[start - 1].dep_ in ("compound", "nmod")):
            start -= 1
        if start < end and not (end - start == 1 and doc[start].is_sent_start):
            found.append((doc[start:end], "Organization"))
    return found


def _untagged_dateline_towns(doc: Doc) -> list[Span]:
    """"KIRKEVIK, Norway (AP)": the capitals opening a line before a comma and a state or
    country the tagger found are a town, where the tagger left them out."""
    towns = []
    for ent in doc.ents:
        if ent.label_ != "GPE" or ent.start < 2 or doc[ent.start - 1].text != "," or not is_region(ent.text):
            continue
        end = ent.start - 1
        start = end
        while start > 0 and doc[start - 1].is_upper and doc[start - 1].is_alpha and not doc[start - 1].ent_type_:
            start -= 1
        opens_line = start == 0 or "\n" in doc[start - 1].text_with_ws or doc[start - 1].is_space
        if start < end and opens_line and len(doc[start:end].text) >= 3:
            towns.append(doc[start:end])
    return towns


# Titles and roles written before a person's name ("Sen. Dana Whitlock", "Navy Capt. Orrin
# Falk", "spokesperson Lena Ortiz"): not part of the name, and they say it is a person's.
_TITLES = frozenset(
    "president vice-president president-elect sen senator gov governor rep representative "
    "congressman congresswoman mayor officer sgt sergeant lt lieutenant col colonel gen general "
    "capt captain cmdr commander adm admiral maj major cpl corporal pvt judge justice prince "
    "princess king queen pope cardinal bishop archbishop rev reverend pastor father sheikh imam "
    "rabbi chancellor premier minister secretary ambassador chairman chairwoman director "
    "administrator commissioner spokesman spokeswoman spokesperson coach detective inspector "
    "constable sheriff deputy prof professor dr doctor mr mrs ms miss mx sir dame lord lady "
    "prime vice chief attorney".split()
)
# Words before a role that name no organisation: titles and the role's own qualifiers.
_NAMING_NOTHING = _TITLES | _ROLE_QUALIFIERS
# Titles that make any name they open a person's, whatever the tagger said ("Officer Brandt"):
# words that rarely open the name of a company or place ("General Motors", "King's Cross").
_PERSONAL_TITLES = frozenset(
    "president sen senator gov governor rep congressman congresswoman mayor officer sgt lt col "
    "capt cmdr adm judge dr mr mrs ms prof rev spokesman spokeswoman spokesperson detective "
    "sheriff".split()
)


def _short_form(span: Span, long_name_words: set[str]) -> bool:
    """A one-word name that is also a word of a longer name in the text ("Halvorsen" beside
    "Ida Halvorsen" or "Halvorsen Group"): its type is that of the name it stands for, which
    resolution decides, not the typer. ``long_name_words``: the words of the text's names of
    more than one word."""
    return len(span) == 1 and span[0].lower_ in long_name_words


def _title_word(token: Token) -> str:
    return token.lower_.rstrip(".")


def _without_titles(span: Span, entity_type: str) -> tuple[Span | None, str]:
    """"Sen. Dana Whitlock" -> "Dana Whitlock" (a person); "Navy Capt" before a person's name
    -> "Navy"; a span that is only a title ("Prime Minister") is no name."""
    doc = span.doc
    words = [_title_word(t) for t in span]
    if any(w in _TITLES for w in words) and all(w in _TITLES or not t.is_alpha for w, t in zip(words, span)):
        return None, entity_type
    # Titles ending a name that a person's name follows: "Navy Capt" + "Orrin Falk".
    end = span.end
    following = end + 1 if end < len(doc) and doc[end].text == "." else end
    if following < len(doc) and doc[following].ent_type_ == "PERSON":
        while end > span.start and _title_word(doc[end - 1]) in _TITLES:
            end -= 1
        if end == span.start:
            return None, entity_type
        if end < span.end:
            return doc[span.start:end], entity_type
    # Titles opening the name: "Prime Minister Ola Berg", "Lt. Gen. Ivo Marr", "Spokesperson X".
    leading = 0
    while leading < len(span) and (words[leading] in _TITLES or (leading and span[leading].text == ".")):
        leading += 1
    if leading == 0 and entity_type == "Person":
        return _without_occupation(span), entity_type
    if leading == 0 or leading == len(span):
        return span, entity_type
    rest = doc[span.start + leading:span.end]
    if not rest[0].is_title and not rest[0].is_upper:
        return span, entity_type
    if len(rest) == 1 and (rest[0].is_stop or is_known_place(rest.text) or rest[0].lower_.rstrip(".") in {"jr", "sr", "junior"}):
        return span, entity_type  # "Captain Marvelous", "Doctor Zed": the whole is the name
    if entity_type == "Person":
        return _without_occupation(rest), "Person"
    if words[0] in _PERSONAL_TITLES and len(rest) <= 3 and not any(_title_word(t) in ORG_DESIGNATORS for t in rest):
        return rest, "Person"
    return span, entity_type


def _without_occupation(span: Span) -> Span:
    """"Composer Ann Lee" -> "Ann Lee": an occupation written before a person's name, like a
    title, is not part of it (a capitalised one opens a sentence), when a capitalised name
    follows."""
    if len(span) > 1 and _CLASS_NOUNS.get(span[0].lower_) == "Person" and span[1].is_title and span[1].is_alpha \
            and given_name_gender(span[0].text) is None:
        return span[1:]
    return span


_AGENCY_WORDS = frozenset("radio television tv network service agency news press".split())


def _dateline_pieces(span: Span) -> list[tuple[Span, str]] | None:
    """"Moscow ITAR-TASS", "Paris Radio Varnia International" opening a wire story: a dateline's
    city and the news agency that follows it, tagged as one name, are two."""
    doc = span.doc
    if span.start > 0 and "\n" not in doc[span.start - 1].text_with_ws and not doc[span.start - 1].is_space:
        return None
    if is_known_place(span.text):
        return None  # "SAN FRANCISCO", "NIAGARA FALLS": one place
    for size in (3, 2, 1):
        if size >= len(span):
            continue
        place, rest = doc[span.start:span.start + size], doc[span.start + size:span.end]
        if not is_known_place(place.text):
            continue
        if any(t.is_upper and sum(ch.isalpha() for ch in t.text) >= 2 for t in rest) or any(
            t.lower_ in _AGENCY_WORDS for t in rest
        ):
            return [(place, "Location"), (rest, "Organization")]
        return None
    return None


_INSTITUTION_HEADS_AT = frozenset({"university", "college", "institute", "academy", "school"})


def _building_at_institution(span: Span) -> list[tuple[Span, str]] | None:
    """"the Kell Museum of Art at Halden University": a building named with the institution it
    belongs to, tagged as one name, is two: the building and the institution."""
    doc = span.doc
    for i in range(span.start + 1, span.end - 1):
        if doc[i].lower_ != "at":
            continue
        building, institution = doc[span.start:i], doc[i + 1:span.end]
        if (any(t.lower_ in BUILDING_HEADS for t in building) and all(t.is_title or t.lower_ == "of" for t in institution)
                and any(t.lower_ in _INSTITUTION_HEADS_AT for t in institution)):
            return [(building, "Facility"), (institution, "Organization")]
        return None
    return None


def _person_for_organisation(span: Span) -> list[tuple[Span, str]] | None:
    """"Lydia Vance for the Harbor Board says...": a person speaking for an organisation,
    tagged as one name, is two: the person (a first name and a surname) and the organisation.
    Names with "for" of their own ("Campaign for Nuclear Disarmament", "Centre for X") open
    with no person's name."""
    doc = span.doc
    for i in range(span.start + 2, min(span.start + 4, span.end - 1)):
        if doc[i].lower_ != "for":
            continue
        person, body = doc[span.start:i], doc[i + 1:span.end]
        if body[0].lower_ == "the":
            body = body[1:]
        if (len(body) and body[0].is_title and all(t.is_title and t.is_alpha for t in person)
                and given_name_gender(person[0].text) is not None
                and not any(t.lower_ in ORG_DESIGNATORS or t.lower_ in BUILDING_HEADS for t in person)):
            return [(person, "Person"), (body, "Organization")]
        return None
    return None


def _nested_regions(pieces: list[tuple[Span, str]]) -> list[tuple[Span, str]]:
    """A country or state opening or closing a longer name ("the U.S. Coast Patrol", "the
    Puppet Guild of Canada"), and a campus's town closing a university's ("the University of
    Ruritania at Halden"), is also a mention of that place, nested in the name."""
    nested = []
    for span, entity_type in pieces:
        if entity_type not in {"Organization", "Facility", "Event"} or len(span) < 3:
            continue
        doc = span.doc
        for size in (3, 2, 1):
            if size >= len(span) - 1:
                continue
            tail = doc[span.end - size:span.end]
            if doc[span.end - size - 1].lower_ == "of" and tail[0].is_title and is_region(tail.text):
                nested.append((tail, "Location"))
                break
            if (doc[span.end - size - 1].lower_ == "at" and all(t.is_title for t in tail)
                    and any(t.lower_ in _CAMPUS_HEADS for t in span)):
                nested.append((tail, "Location"))  # a campus's town: "University of X at Halden"
                break
        for size in (3, 2, 1):
            if size >= len(span) - 1:
                continue
            head = doc[span.start:span.start + size]
            if not head[-1].whitespace_ and head.end < span.end:
                continue  # "Al-Azhar Mosque": "Al" and "Al-" are parts of a hyphenated word, no state
            if (head[0].is_title or head[0].is_upper) and is_region(head.text):
                nested.append((head, "Location"))
                break
    return nested


def _agencies_joined(doc: Doc) -> list[tuple[Span, str]]:
    """The tagger's names with kg's types; a capitalised common noun tagged on its own just
    before a country's name joins it as one agency ("Transport Finland": not a place
    "Transport" and the country)."""
    ents = list(doc.ents)
    joined: list[tuple[Span, str]] = []
    skip = False
    for index, ent in enumerate(ents):
        if skip:
            skip = False
            continue
        entity_type = SPACY_TYPES.get(ent.label_)
        if entity_type is None:
            continue
        after = ents[index + 1] if index + 1 < len(ents) else None
        if (
            after is not None and after.start == ent.end and len(ent) == 1 and ent[0].is_title and ent[0].is_alpha
            and ent[0].pos_ in {"NOUN", "PROPN"} and _title_word(ent[0]) not in _TITLES and not ent[0].is_stop
            and after.label_ == "GPE" and is_region(after.text) and not is_known_place(ent.text)
            and not given_name_gender(ent.text)
        ):
            joined.append((doc[ent.start:after.end], "Organization"))
            skip = True
            continue
        if after is not None and _campus_after(ent, after):
            joined.append((doc[ent.start:after.end], "Organization"))
            skip = True
            continue
        joined.append((ent, entity_type))
    return joined


_CAMPUS_HEADS = frozenset({"university", "college"})


def _campus_after(ent: Span, after: Span) -> bool:
    """"the University of Ruritania at Halden": a university's campus by its town is one name."""
    return (ent.label_ == "ORG" and after.label_ in {"GPE", "LOC"} and after.start == ent.end + 1
            and ent.doc[ent.end].lower_ == "at" and any(t.lower_ in _CAMPUS_HEADS for t in ent)
            and not any(t.lower_ == "at" for t in ent))


def _extend_person(span: Span, entity_type: str) -> Span:
    """"Ilario Vance Okafor" where the tagger took "Vance Okafor": a known first name right before
    a person's name, compounding into it and in no other name, is part of it. Not a title or
    role, nor a place (a capitalised word there is as often "Emperor", "Navy" or "Foreign")."""
    if entity_type != "Person" or len(span) > 3:
        return span
    doc = span.doc
    start = span.start
    while start > 0 and span.end - start < 4:
        before = doc[start - 1]
        if not (given_name_gender(before.text) is not None and before.is_title and before.is_alpha
                and not before.ent_type_ and before.dep_ == "compound" and before.head.i in range(span.start, span.end)
                and _title_word(before) not in _TITLES and _title_word(before) not in _CLASS_NOUNS
                and not is_known_place(before.text)):
            break
        start -= 1
    return doc[start:span.end]


def _extend_agency(span: Span, entity_type: str) -> tuple[Span, str]:
    """"Statistics Norway", "Transport Ruritania": a capitalised noun before a country's name,
    outside any other name, makes one agency with it, not a country."""
    if entity_type != "Location" or span.start == 0 or not is_region(span.text):
        return span, entity_type
    before = span.doc[span.start - 1]
    if (
        before.is_title and before.is_alpha and not before.ent_type_ and not before.is_stop
        and before.pos_ in {"NOUN", "PROPN"} and before.dep_ == "compound" and before.head.i in range(span.start, span.end)
        and _title_word(before) not in _TITLES
        and (before.i == 0 or not before.nbor(-1).is_title or before.is_sent_start)
    ):
        return span.doc[before.i:span.end], "Organization"
    return span, entity_type


_IDEOLOGY = re.compile(r"[a-z]ism$")
_DEITIES = frozenset("god allah yahweh jehovah".split())
_TIME_WORDS = frozenset("a.m. p.m. am pm noon midnight".split())


def _is_no_entity(span: Span) -> bool:
    """Ideologies ("Communism"), a time zone after a time ("10:15 GMT", "1700 GMT 7 Apr"),
    deities, and a single word opening a sentence that the tagger itself reads as a common word
    ("Smoke hung over the town") are no entities."""
    last = span[-1]
    if _IDEOLOGY.search(last.lower_):
        return True
    first = span[0]
    if first.is_upper and first.text.endswith("T") and 2 <= len(first.text) <= 5 and first.i > 0 and (
        first.nbor(-1).like_num or first.nbor(-1).lower_ in _TIME_WORDS
    ):
        return True  # "1700 GMT", also when the tagger runs on into a date ("GMT 7 Apr")
    if len(span) == 1:
        token = span[0]
        if token.lower_ in _DEITIES:
            return True
        if token.is_sent_start and token.pos_ in {"NOUN", "VERB", "ADV"} and token.tag_ not in {"NNP", "NNPS"} and not token.is_upper:
            return True
    return False


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
    # A name never ends in a function word: "Comic Guild of" is the tagger's fragment.
    while end > start + 1 and doc[end - 1].lower_ in {"of", "and", "the", "for", "&", "in", "on", "at", "to"}:
        end -= 1
    # Nor in the label of a caption's credit that follows it ("... in Oslo. Photo: Ann Lee").
    if end > start + 1 and end < len(doc) and doc[end].text == ":" and doc[end - 1].lower_ in _CREDIT_LABELS:
        end -= 1
    # Nor in a score or result ("Panama 3-0", "beat Spain 2–1"): the tagger's reach past the name.
    while end > start + 1:
        if _SCORE.fullmatch(doc[end - 1].text):
            end -= 1
        elif end > start + 3 and _SCORE.fullmatch(doc[end - 3:end].text.replace(" ", "")):  # "3", "-", "0"
            end -= 3
        elif end < len(doc) - 1 and _SCORE.fullmatch(doc[end - 1:end + 2].text.replace(" ", "")):
            end -= 1  # the tagger stopped inside the score: "Norway 2" of "Norway 2 – 1"
        else:
            break
    return doc[start:end] if end > start else None


_CREDIT_LABELS = frozenset({"image", "photo", "picture", "credit", "credits", "video", "illustration", "graphic"})
_SCORE = re.compile(r"\d{1,3}[-\u2013\u2014:]\d{1,3}")


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
    # a stop word is no name, but an acronym spelling one is ("WHO", "AND Corp"), and so is a
    # country's two letters ("US" is not "us")
    if all((token.is_stop and not (token.is_upper and (len(token) > 2 or country_code_of(token.text))))
           or token.dep_ == "neg" for token in span):
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
    if span.root.ent_type_ == "PERSON" and given_name_gender(span.text):
        return False  # "sent Mira to a doctor": a person sent somewhere
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
        "mountain peninsula locality prefecture voivodeship canton oblast country park garden forest "
        "desert beach valley bay plateau glacier waterfall canyon".split(), "Location"),
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
        "congressman congresswoman businessperson sprinter golfer jockey officer official "
        "spokesman spokeswoman spokesperson president chairman chairwoman director executive designer "
        "chief secretary minister ambassador judge attorney doctor physician nurse teacher "
        "student professor researcher analyst editor reporter correspondent columnist owner "
        "founder farmer rancher soldier sergeant captain colonel commander detective spy "
        "assassin gunman suspect defendant victim prisoner inmate widow veteran deputy "
        "governor mayor legislator lawmaker councillor councilman candidate nominee auctioneer "
        "curator illustrator cosplayer defender striker midfielder goalkeeper captain"
        .split(), "Person"),
    **dict.fromkeys("app application website browser smartphone".split(), "Product"),
}
# The tagger's own types that a class noun may correct (events, works and groups it leaves).
# and a name the tagger took for a nationality or group ("Dobreni is a commune")
_CORRECTABLE = frozenset({"Person", "Organization", "Location", "Facility", "Product", "Group"})
# "the town of X" names X; "the company of X" does not name X.
_NAMING_OF = frozenset(t for t, kind in _CLASS_NOUNS.items() if kind == "Location")


def _class_noun(span: Span) -> str | None:
    """The type a describing noun gives the name: copula ("X is a village"), apposition
    ("X, a Norwegian footballer" / "the footballer X"), a noun right before it ("the copper
    company X"), or "the town of X"."""
    root = span.root
    nouns: list[Token] = []
    if root.dep_ in {"nsubj", "nsubjpass"} and root.head.lemma_ == "be":
        nouns += [c for c in root.head.children if c.dep_ == "attr"]
    nouns += [c for c in root.children if c.dep_ == "appos"]
    # "the copper company Andesca", "the carmaker Tesla": the noun right before the name
    nouns += [c for c in root.children if c.dep_ in ("compound", "nmod") and c.i == span.start - 1]
    if root.dep_ == "appos":
        nouns.append(root.head)
    if root.dep_ == "pobj" and root.head.lower_ == "of" and root.head.head.lower_ in _NAMING_OF:
        nouns.append(root.head.head)
    kinds = {_CLASS_NOUNS.get(n.lemma_.lower()) for n in nouns if n.pos_ == "NOUN" and n.ent_type_ == ""}
    kinds.discard(None)
    return kinds.pop() if len(kinds) == 1 else None


# Designators that also end the names of places ("the Soviet Union", "the Holy See"): they
# leave a place the tagger found a place.
_PLACE_DESIGNATOR_WORDS = frozenset({"union", "capital"})


# Heads of the names of places one visits ("the Museum of Flight", "Ridgeway Stadium"): a
# building or site, a Facility, whatever the tagger said. "Center" and "Base" only after a word
# that makes them a site ("X Science Center", "X Naval Base"; a "Center for X" is a body).
_VENUE_HEADS = frozenset(
    "museum museums planetarium observatory stadium arena airport gallery galleries theatre theater "
    "aquarium zoo".split()
)
_SITE_WORDS = {
    "center": frozenset("space science convention visitor visitors exhibition shopping trade sports conference "
                        "events rocket art arts aquatic aquatics".split()),
    "complex": frozenset("visitor visitors sports shopping".split()),
    "base": frozenset("force naval navy army military marine".split()),
}
_SITE_WORDS["centre"] = _SITE_WORDS["center"]
_NAME_PREPOSITIONS = frozenset({"of", "at", "for", "in", "on"})


def _venue_name(span: Span) -> bool:
    """Is the name's head (its last word before "of", "at", "for") a venue's ("National Museum
    of Flight", "Kestrel Space Center")?"""
    words = [t.lower_ for t in span]
    cut = next((i for i, w in enumerate(words) if w in _NAME_PREPOSITIONS), len(words))
    if cut < 1:
        return False
    head = words[cut - 1]
    if head in _VENUE_HEADS:
        return True
    return cut >= 2 and head in _SITE_WORDS and words[cut - 2] in _SITE_WORDS[head]


# Words that end the names of streets, squares and bridges ("Trafalgar Square", "Brooklyn
# Bridge"): such a name is a facility, not the person or organisation the tagger may take it for.
_THOROUGHFARES = frozenset(
    "street road avenue boulevard lane square plaza bridge highway motorway expressway tunnel".split()
)


# Last words of the names of natural places ("Osaka Bay", "the Bat Cave"): a name so ending is
# no person unless it opens with a given name ("Ann Lake").
_NATURAL_FEATURES = frozenset(
    "island islands river lake lakes creek beach bay falls valley mountain mountains mount "
    "springs ridge forest woods coast gulf sea ocean canyon desert plains cave caves peninsula "
    "glacier".split()
)


def _corrected_type(span: Span, entity_type: str) -> str:
    if entity_type != "Location" and _placed(span, entity_type):
        return "Location"
    if entity_type == "Location" and _of_an_organisation_role(span) and not is_known_place(span.text):
        return "Organization"  # "co-founder of Vandora", "a Vandora spokesperson": a company
    if entity_type == "Person" and _natural_place_name(span):
        return "Location"
    if entity_type in {"Person", "Organization"} and len(span) > 1 and span[-1].is_title and span[-1].lower_ in _THOROUGHFARES:
        return "Facility"
    if entity_type == "Person" and _country_not_a_given_name(span):
        return "Location"  # "Tunisia won a penalty": a country, not a person ("Jordan", "Chad" may be)
    if entity_type in {"Organization", "Person", "Location", "Facility"} and len(span) > 1 and _venue_name(span):
        return "Organization" if _acts_as_institution(span) else "Facility"
    if entity_type == "Event" and len(span) > 1 and span[-1].lower_ in BUILDING_HEADS - EVENT_HEADS:
        return "Facility"  # "X Hall", "X Tower": a building, whatever is held in it
    if entity_type in _CORRECTABLE:
        described = _class_noun(span)
        if described is not None and not (described == "Person" and entity_type == "Location" and (
            _placed(span, entity_type) or is_known_place(span.text)
        )) and not (described == "Organization" and entity_type == "Person" and len(span) > 1
                    and given_name_gender(span[0].text)):  # "publishers Ann Lee of X": people
            return described
    if entity_type in {"Group", "Person"} and _placed_by_preposition(span):
        return "Location"
    last = span[-1].lower_
    if entity_type in {"Person", "Product", "Facility", "Location"} and last in ORG_DESIGNATORS and len(span) > 1 and not (
        entity_type == "Location" and last in _PLACE_DESIGNATOR_WORDS
    ):
        return "Organization"
    if entity_type == "Facility" and _acts_as_institution(span):
        return "Organization"
    if entity_type in {"Organization", "Person", "Location", "Facility"} and (_named_as_product(span) or _vessel_name(span)):
        return "Product"
    if entity_type != "Person" and _said_to_be_a_person(span, entity_type):
        return "Person"
    if entity_type in {"Facility", "Event", "Location", "Product", "Law"} and len(span) > 1 and last in _PUBLICATION_HEADS:
        return "Organization"  # "the Harbor Gazette", "the Valley Herald"
    if entity_type in {"Organization", "Location", "Product"} and _listed_with_people(span):
        return "Person"
    return entity_type


# Roles a company or other organisation has and a place does not (a place has a mayor, a
# governor, a president): the small tagger reads many a company after them as a place.
_ORGANISATION_ONLY_ROLES = frozenset(
    "ceo cfo coo cto chairman chairwoman chairperson founder cofounder spokesman spokeswoman "
    "spokesperson employee employees shareholder shareholders".split()
)


def _of_an_organisation_role(span: Span) -> bool:
    """The name is whose an organisation-only role is: "founder of X", "X's CEO", "X spokesperson"
    ("co-founder" is one token whose NORM is "founder", kg.nlp)."""
    root = span.root
    if root.dep_ == "pobj" and root.head.lower_ == "of":
        role = root.head.head
    elif root.dep_ in {"compound", "poss"} and root.head.i >= span.end:
        role = root.head
    else:
        return False
    return role.pos_ in {"NOUN", "PROPN"} and (role.lower_ in _ORGANISATION_ONLY_ROLES or role.norm_ in _ORGANISATION_ONLY_ROLES)


def _natural_place_name(span: Span) -> bool:
    return (len(span) > 1 and span[-1].is_title and span[-1].lower_ in _NATURAL_FEATURES
            and given_name_gender(span[0].text) is None)


def _country_not_a_given_name(span: Span) -> bool:
    from .places import place_kinds

    return "country" in place_kinds(span.text) and given_name_gender(span[0].text) is None


# Last words of the names of newspapers and magazines.
_PUBLICATION_HEADS = frozenset(
    "gazette herald tribune chronicle courier telegraph journal times post observer inquirer "
    "bulletin dispatch examiner magazine newspaper".split()
)


def _listed_with_people(span: Span) -> bool:
    """"such as Ann Lee, Bo Ruiz, Kai Berg and Eli Moss": a two- or three-word name in a list
    whose other tagged items are all people's names (two or more) is a person's too."""
    if not 2 <= len(span) <= 3 or not all(t.is_title for t in span) or any(
        t.lower_ in ORG_DESIGNATORS or is_place_word(t.text) for t in span
    ):
        return False
    tagged = [t.ent_type_ for t in span.root.conjuncts if not (span.start <= t.i < span.end) and t.ent_type_]
    return len(tagged) >= 2 and all(label == "PERSON" for label in tagged)


# "the Vinto app", "the Firefox browser": the name of a product of that kind.
_PRODUCT_HEADS = frozenset("app application website site browser game console smartphone chatbot".split())


def _named_as_product(span: Span) -> bool:
    root = span.root
    head = root.head
    if root.dep_ != "compound" or head.pos_ != "NOUN":
        return False
    # "the Vinto app", not "Acme software" (a company's products)
    if not any(child.dep_ == "det" and child.lower_ in {"the", "a", "an", "this", "its", "their"} for child in head.children):
        return False
    if head.i == span.end and head.lemma_.lower() in _PRODUCT_HEADS:
        return True
    # "the Vinto operating system"
    return head.lower_ in {"system", "systems"} and head.i == span.end + 1 and span.doc[span.end].lower_ == "operating"


def _vessel_name(span: Span) -> bool:
    return vessel_prefix([t.text for t in span]) > 0


_LOCATIVE = frozenset("in near outside across throughout around over into from to".split())
_LOCATIVE_FOR_PEOPLE = frozenset("in near outside across throughout around over".split())


def _placed(span: Span, entity_type: str) -> bool:
    """A name the tagger took for a person or organisation is a place when the text places it:
    followed by its state or country ("Mineral Wells, Texas", "Tupelo, Miss."), opening a wire
    dateline ("ROYAL OAK, Mich. (AP)"), or a known place after a locative preposition ("smoke
    hung over Boise") or before "-based"."""
    if len(span) > 4 or any(t.lower_ in ORG_DESIGNATORS for t in span):
        return False
    doc = span.doc
    if entity_type == "Person" and len(span) > 1 and given_name_gender(span[0].text):
        return False  # "Kira Holm, Texas" is still Kira Holm
    if span.end + 1 < len(doc) and doc[span.end].text == ",":
        for size in (3, 2, 1):
            piece = doc[span.end + 1:span.end + 1 + size]
            after = doc[piece.end] if piece.end < len(doc) else None
            if len(piece) == size and (piece[0].is_title or piece[0].is_upper) and (
                after is None or (after.text not in {"-", "'s", "’s"} and not (after.pos_ == "NOUN" and after.is_lower))
            ) and is_region(piece.text):  # "X, Panama coach": the country of the coach, not of X
                return True
    at_start = span.start == 0 or "\n" in doc[span.start - 1].text_with_ws
    opens_dateline = at_start and span.end < len(doc) and doc[span.end].text in {",", "(", "_", "--", "-", "—"}
    root = span.root
    while root.dep_ == "conj" and root.head.i != root.i:
        root = root.head
    prepositions = _LOCATIVE_FOR_PEOPLE if entity_type == "Person" else _LOCATIVE
    after_preposition = root.dep_ == "pobj" and root.head.lower_ in prepositions
    # "the Oslo-based company": what a thing is based in is a place
    based_in = span.end + 1 < len(doc) and doc[span.end].text in {"-", "–"} and doc[span.end + 1].lower_ == "based"
    return (opens_dateline or after_preposition or based_in) and is_known_place(span.text)


# Verbs whose object (or passive subject) is a person: nobody shoots or marries a company.
_PERSON_OBJECT_VERBS = frozenset(
    "kill murder assassinate shoot stab wound kidnap abduct execute strangle behead slay marry "
    "arrest".split()
)
_AGE = re.compile(r"^\d{1,3}$")


def _said_to_be_a_person(span: Span, entity_type: str) -> bool:
    """Context that makes a name a person's: a title or role before it ("Officer Brandt",
    "rancher Ivo Pell"), an age after it ("Marek, 34,"), being the one shot, killed, arrested
    or married, or a first name opening a name the tagger took for a place or product."""
    doc = span.doc
    if any(t.lower_ in ORG_DESIGNATORS or t.lower_ in LEGAL_SUFFIXES for t in span) or len(span) > 4:
        return False
    if is_region(span.text):
        return False
    if span.start > 0:
        before = doc[span.start - 1]
        word = _title_word(before)
        if (word in _PERSONAL_TITLES and not before.ent_type_) or (
            before.is_lower and before.pos_ == "NOUN" and _CLASS_NOUNS.get(before.lemma_) == "Person"
        ):
            return True
    if span.end + 2 < len(doc) and doc[span.end].text == "," and _AGE.match(doc[span.end + 1].text) and (
        doc[span.end + 2].text in {",", ".", ";"} and 0 < int(doc[span.end + 1].text) < 120
    ):
        return True
    root = span.root
    if root.head.lemma_ in _PERSON_OBJECT_VERBS and root.dep_ in {"dobj", "nsubjpass"}:
        return True
    if entity_type in {"Location", "Product", "Facility", "Group"} and len(span) in {2, 3} and all(
        t.is_title for t in span
    ) and given_name_gender(span[0].text) and not is_place_word(span[-1].text) and not is_known_place(span.text):
        return True
    return False


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


_INDEFINITE = frozenset({"a", "an", "another"})
_INTRODUCED_REACH = 3  # sentences: "a federal court ... the court" is that court, not a named one


def references(doc: Doc, *, offset: int = 0, text: str | None = None) -> list[Reference]:
    """Third-person pronouns and descriptions outside names: definite descriptions ("the
    company"), and descriptions the syntax binds to a name, in apposition ("X, the director",
    "the director, X") or predicated of it ("X is a port")."""
    found: list[Reference] = []
    introduced: dict[str, int] = {}  # common nouns met as new referents ("a federal court") -> sentence
    text = doc.text if text is None else text
    quotes = _quotations(text)
    speakers: dict[tuple[int, int], Token | None] = {}
    # (sentence number, sentence start, token): token.sent would find the sentence anew each time;
    # only the tokens that can refer at all are made, picked off the Doc's token sheet
    sheet = sheet_of(doc)
    tokens = ((number, sent.start_char, doc[i]) for number, sent in enumerate(doc.sents)
              for i in range(sent.start, sent.end) if _may_refer(sheet, i))
    for sentence, sentence_offset, token in tokens:
        sentence_start = sentence_offset + offset
        if token.lower_ in _FIRST_PERSON and token.tag_ in {"PRP", "PRP$"}:
            quote = _quote_around(quotes, token.idx)
            if quote is not None:
                speaker = _quote_speaker(doc, quote, quotes, speakers)
                if speaker is not None:
                    found.append(Reference(
                        token.idx + offset, token.idx + len(token) + offset, token.text, "pronoun", ("Person",),
                        "speaker", sentence_start, bound=(speaker.idx + offset, speaker.idx + len(speaker) + offset),
                    ))
            continue
        pronoun_class = _PRONOUNS.get(token.lower_)
        if pronoun_class and token.pos_ == "PRON" or (pronoun_class and token.tag_ in {"PRP", "PRP$"}):
            if _pleonastic(token):
                continue
            found.append(Reference(
                token.idx + offset, token.idx + len(token) + offset, token.text, "pronoun",
                _pronoun_types(pronoun_class), pronoun_class, sentence_start,
            ))
            continue
        if _people_noun(token):
            found.append(Reference(
                token.idx + offset, token.idx + len(token) + offset, token.text, "people", ("Person",),
                token.lemma_.lower(), sentence_start,
            ))
            continue
        if not _singular_noun(token):
            continue  # descriptions of one entity are singular common nouns
        lemma = token.lemma_.lower() if token.tag_ == "NN" else token.lower_
        # bound by syntax to a name, or to a pronoun it is predicated of ("she is a lawyer")
        bound = _bound_name(token)
        if bound is None:
            bound = _bound_pronoun(token)
        if bound is not None:
            start = _description_start(token)
            found.append(Reference(
                doc[start].idx + offset, token.idx + len(token) + offset, doc[start:token.i + 1].text, "nominal",
                _NOMINAL_TYPES.get(lemma) or _NOMINAL_TYPES.get(token.lower_) or ENTITY_TYPES, lemma,
                sentence_start, bound=(bound.idx + offset, bound.idx + len(bound) + offset),
            ))
            continue
        description = _definite_description(token)
        if description is not None:
            since = introduced.get(lemma)
            if since is None or sentence - since > _INTRODUCED_REACH:
                start, types = description
                found.append(Reference(
                    doc[start].idx + offset, token.idx + len(token) + offset,
                    doc[start:token.i + 1].text, "nominal", types, lemma, sentence_start,
                ))
        elif token.dep_ not in {"appos", "attr", "compound"} and any(
            child.dep_ == "det" and child.lower_ in _INDEFINITE for child in token.children
        ):
            introduced[lemma] = sentence
    return found


_FIRST_PERSON = frozenset({"i", "me", "my", "myself", "mine"})
_SPEAKING_VERBS = frozenset(
    "say tell add explain state write recall insist note ask declare comment continue reply "
    "answer announce admit warn argue claim".split()
)


def _quotations(text: str) -> list[tuple[int, int]]:
    """Character spans of quotations: between curly quotes, or between straight double quotes
    paired within a paragraph (one left open runs to the paragraph's end)."""
    spans = [(m.start() + 1, m.end() - 1) for m in re.finditer(r"\u201c[^\u201c\u201d]*\u201d", text)]
    position = 0
    for paragraph in text.split("\n"):
        marks = [position + m.start() for m in re.finditer('"', paragraph)]
        for i in range(0, len(marks), 2):
            end = marks[i + 1] if i + 1 < len(marks) else position + len(paragraph)
            spans.append((marks[i] + 1, end))
        position += len(paragraph) + 1
    return sorted(spans)


def _quote_around(quotes: Sequence[tuple[int, int]], offset: int) -> tuple[int, int] | None:
    inside = [q for q in quotes if q[0] <= offset < q[1]]
    return min(inside, key=lambda q: q[1] - q[0]) if inside else None


def _quote_speaker(doc: Doc, quote: tuple[int, int], quotes: Sequence[tuple[int, int]], known: dict) -> Token | None:
    """The speaker of a quotation (remembered in ``known``): attributed in its own sentences,
    else the speaker of the quotation just before it in the paragraph when only the
    attribution stands between them ('"...," X said. "I ..."')."""
    if quote in known:
        return known[quote]
    speaker = _speaker(doc, quote, quotes)
    if speaker is None:
        earlier = [q for q in quotes if q[1] <= quote[0]]
        if earlier:
            previous = earlier[-1]
            gap = doc.text[previous[1]:quote[0]]
            if len(gap) <= 200 and "\n" not in gap:
                speaker = _quote_speaker(doc, previous, quotes, known)
    known[quote] = speaker
    return speaker


def _speaker(doc: Doc, quote: tuple[int, int], quotes: Sequence[tuple[int, int]]) -> Token | None:
    """The named person a quotation is attributed to in the sentence it opens or closes in
    ('X said, "I ..."', '"I ...," X said'), outside any quotation; None when no name, or two,
    speak there (a pronoun as the speaker is left to pronoun resolution)."""
    first = doc.char_span(quote[0], quote[0] + 1, alignment_mode="expand")
    last = doc.char_span(max(quote[0], quote[1] - 1), quote[1], alignment_mode="expand")
    found = set()
    sentences = {span[0].sent for span in (first, last) if span is not None and len(span)}
    if last is not None and len(last) and last[-1].i + 1 < len(doc):
        sentences.add(doc[last[-1].i + 1].sent)  # '"... I ...". X said.' closes one sentence, attributes in the next
    for sentence in sentences:
        for token in sentence:
            if token.lemma_ not in _SPEAKING_VERBS or token.pos_ != "VERB" or _quote_around(quotes, token.idx):
                continue
            for child in token.children:
                if child.dep_ == "nsubj" and child.ent_type_ == "PERSON" and child.pos_ == "PROPN":
                    found.add(child)
    if len({t.i for t in found}) != 1:
        return None
    return found.pop()


# Plural nouns of people that are no role ("the parents", "residents"): the likelier antecedents
# of a "they" that follows them than a name met before them.
_PEOPLE_NOUNS = frozenset(
    "people parent child resident citizen member worker fan family relative villager voter victim "
    "supporter protester passenger".split()
)


_REFERRING_TAGS = frozenset({"PRP", "PRP$", "NN", "NNS", "NNP"})


def _may_refer(sheet, i: int) -> bool:
    """What each kind of reference asks of its token first: outside a name, a personal pronoun
    (by tag or part of speech) or a common noun's tag (``_people_noun``, ``_singular_noun``)."""
    return not sheet.ent[i] and (sheet.tag[i] in _REFERRING_TAGS or sheet.pos[i] == "PRON")


def _people_noun(token: Token) -> bool:
    """A plural common noun of people ("the parents", "officials")."""
    if token.tag_ != "NNS" or token.pos_ != "NOUN":
        return False
    lemma = token.lemma_.lower()
    return lemma in _PEOPLE_NOUNS or lemma in PERSON_NOUNS or token.lower_ == "people"


def _singular_noun(token: Token) -> bool:
    """A singular common noun, or a role capitalised as a title ("the President", "X,
    Director of Y") that the tagger took for a proper noun."""
    if token.tag_ == "NN" and token.pos_ == "NOUN":
        return True
    return token.tag_ == "NNP" and token.lower_ in PERSON_NOUNS and not token.ent_type_


def _in_name(token: Token) -> bool:
    return token.ent_type_ in SPACY_TYPES and token.pos_ == "PROPN"


def _bound_name(token: Token) -> Token | None:
    """The name token a common noun describes by syntax: in apposition ("Kara Voss, director
    of the museum", "the museum's director, Kara Voss"), or as what a name is or becomes
    ("Halden is a port", "Voss became the first mayor"; not when negated)."""
    if token.lemma_.lower() in _NO_DESCRIPTIONS:
        return None
    if token.dep_ == "appos" and _in_name(token.head) and _apposed(token, token.head):
        return token.head
    named = [child for child in token.children if child.dep_ == "appos" and _in_name(child) and _apposed(token, child)]
    if len(named) == 1:
        return named[0]
    # "Norland's goalkeeper Ilan Dorsey", "the match referee X": a role right before a person's name
    following = token.doc[token.i + 1] if token.i + 1 < len(token.doc) else None
    if (token.dep_ == "compound" and following is not None and following.ent_iob_ == "B" and following.ent_type_ == "PERSON"
            and token.head.ent_type_ == "PERSON" and token.head.i >= following.i
            and DESCRIPTION_CLASSES.get(token.lemma_.lower()) == "person"):
        return token.head
    subject = _copular_subject(token)
    if subject is not None and _in_name(subject) and not any(c.dep_ == "conj" for c in subject.children):
        return subject
    return None


def _copular_subject(token: Token) -> Token | None:
    """The one subject of what a noun is predicated of ("X is a port", "she became the first
    mayor", also through coordinated predicates); None when negated or not a predicate."""
    predicate = token
    while predicate.dep_ == "conj" and predicate.head.i != predicate.i:
        predicate = predicate.head
    verb = predicate.head
    if predicate.dep_ != "attr" or verb.lemma_ not in {"be", "become", "remain"} or any(
        child.dep_ == "neg" for child in verb.children
    ):
        return None
    subjects = [child for child in verb.children if child.dep_ in {"nsubj", "nsubjpass"}]
    return subjects[0] if len(subjects) == 1 else None


def _bound_pronoun(token: Token) -> Token | None:
    """The pronoun a common noun is predicated of ("She is a lawyer", "he became the first
    mayor"; not when negated): the noun refers to whatever the pronoun does."""
    if token.lemma_.lower() in _NO_DESCRIPTIONS:
        return None
    subject = _copular_subject(token)
    if subject is None or subject.tag_ != "PRP" or _PRONOUNS.get(subject.lower_) not in {"male", "female", "thing"}:
        return None  # "they are a family": number and person need not agree
    return subject


# Nouns in apposition to a name that are not descriptions of it: credits of pictures and
# sources ("Image: X", "photo X").
_NO_DESCRIPTIONS = frozenset("image photo photograph picture file video caption credit source courtesy".split())


def _apposed(noun: Token, name: Token) -> bool:
    """Apposition within a line, by a comma or nothing: not across a colon or a line break
    (captions and credits)."""
    low, high = sorted((noun.i, name.i))
    between = noun.doc[low:high]
    return not any(t.text in {":", "|"} or "\n" in t.text_with_ws for t in between)


def _description_start(token: Token) -> int:
    """Where a description starts: its determiner and modifiers, never a name or possessive
    before it ("Norland's goalkeeper" is "goalkeeper": Norland stays a name of its own), nor
    anything before a line break."""
    start = token.left_edge.i
    for other in token.doc[token.left_edge.i:token.i]:
        if (other.ent_type_ or other.pos_ == "PROPN" or other.tag_ == "POS" or other.is_punct
                or other.dep_ == "poss" or "\n" in other.text_with_ws):
            start = other.i + 1
    return start


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
    if not _singular_noun(token):
        return None
    types = _NOMINAL_TYPES.get(token.lemma_.lower()) or _NOMINAL_TYPES.get(token.lower_)
    if types is None or token.dep_ == "compound":
        return None
    determiners = [child for child in token.children if child.dep_ == "det" and child.i < token.i]
    if not determiners or determiners[0].lower_ not in {"the", "this", "that", "these", "those"}:
        return None
    determiner = determiners[0]
    # Relative clauses or "of" phrases make a new, specific referent ("the company that ...",
    # "the state of emergency").
    if any(child.dep_ in {"relcl", "acl"} or (child.dep_ == "prep" and child.lower_ == "of") for child in token.children):
        return None
    if any((child.ent_type_ or child.pos_ == "PROPN") for child in token.subtree if child.i < token.i and child.dep_ != "poss"):
        return None  # "the Acme deal", "the Norland team": a new referent named after another
    return determiner.i, types
