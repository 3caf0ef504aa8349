"""What the words of a name say about it, shared by mention finding (which reads parsed text)
and resolution (which does not): plain data, so resolving and merging never import spaCy."""
from __future__ import annotations

from functools import lru_cache

__all__ = ["LEGAL_SUFFIXES", "ORG_DESIGNATORS", "given_name_gender", "HONORIFIC_GENDERS"]

# Last words that make a name an organisation's whatever the tagger said ("X Lab", "X Inc").
LEGAL_SUFFIXES = frozenset(
    "co co. corp corp. corporation inc inc. incorporated ltd ltd. limited llc l.l.c. plc "
    "ag gmbh sa s.a. nv n.v. bv b.v. lp llp pty oyj ab asa spa s.p.a.".split()
)
ORG_DESIGNATORS = LEGAL_SUFFIXES | frozenset(
    "lab labs laboratory laboratories company companies group holdings bank university college "
    "institute foundation association agency department ministry commission committee council "
    "court party union federation authority bureau office service services corps organization "
    "organisation network airlines airways systems technologies industries motors partners "
    "capital fund trust club team society administration government".split()
)


# Honorifics that say a person's gender ("Ms Varga", "Mr. Holm").
HONORIFIC_GENDERS = {
    **dict.fromkeys("mr sir lord king prince".split(), "male"),
    **dict.fromkeys("mrs ms miss madam dame lady queen princess".split(), "female"),
}


@lru_cache(maxsize=1)
def _gender_detector():
    """gender-guesser's first-name table (about 40,000 names), loaded once per process, when
    first needed."""
    import gender_guesser.detector

    return gender_guesser.detector.Detector(case_sensitive=False)


@lru_cache(maxsize=1 << 14)
def given_name_gender(given_name: str) -> str | None:
    """"male" or "female" for a first name that is mostly one ("Kristin" -> "female"), else
    None (unknown, or used for both: "Andy", "Jordan")."""
    word = given_name.strip(".").strip()
    if len(word) < 2 or not word.isalpha():
        return None
    found = _gender_detector().get_gender(word)
    if found in {"male", "mostly_male"}:
        return "male"
    if found in {"female", "mostly_female"}:
        return "female"
    return None
