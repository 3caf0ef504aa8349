"""What the words of a name say about it, shared by mention finding (which reads parsed text)
and resolution (which does not): plain data, so resolving and merging never import spaCy."""
from __future__ import annotations

__all__ = ["LEGAL_SUFFIXES", "ORG_DESIGNATORS"]

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
