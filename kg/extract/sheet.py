"""The token sheet: one parsed Doc's token attributes as plain lists, shared by the stages that
scan every token (mentions, the relation rules, the features). It reads the parse and nothing
of kg's own, so every stage may import it."""
from __future__ import annotations

import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from spacy.tokens import Doc

__all__ = ["TokenSheet", "sheet_of"]


class TokenSheet:
    """A Doc's token attributes as lists by token index, read off the Doc once: the features of
    a sentence's pairs and the relation rules' scans visit the same tokens again and again, and
    each visit through spaCy's Token objects makes a new one."""

    __slots__ = ("text", "lower", "lemma", "pos", "tag", "dep", "head", "ent", "space", "punct", "children", "_words")

    def __init__(self, doc: Doc) -> None:
        from spacy.attrs import DEP, ENT_TYPE, HEAD, IS_PUNCT, IS_SPACE, LEMMA, LIKE_NUM, LOWER, ORTH, POS, TAG
        from spacy.parts_of_speech import NAMES

        # one array read instead of a Token object and ten property calls per token; each
        # column's distinct string ids are looked up once
        attrs = [ORTH, LOWER, LEMMA, TAG, DEP, ENT_TYPE, POS, HEAD, IS_SPACE, IS_PUNCT, LIKE_NUM]
        orth, lower, lemma, tag, dep, ent, pos, head, space, punct, like_num = doc.to_array(attrs).reshape(-1, len(attrs)).T.tolist()
        self.text, self.lower, self.tag, self.dep, self.ent = (_strings(doc, c) for c in (orth, lower, tag, dep, ent))
        self.lemma = [word.lower() for word in _strings(doc, lemma)]
        self.pos = [NAMES[p] for p in pos]
        self.space = [bool(b) for b in space]
        self.punct = [bool(b) for b in punct]
        # HEAD is the offset to the head, as an unsigned 64-bit number
        self.head = [i + (h - (1 << 64) if h >= 1 << 63 else h) for i, h in enumerate(head)]
        self.children: list[list[int]] = [[] for _ in range(len(doc))]
        for i, h in enumerate(self.head):
            if h != i:
                self.children[h].append(i)
        self._words = ["<num>" if n else None for n in like_num]

    def word(self, i: int) -> str:
        """``_word`` of token ``i``: a number, a verb's or noun's lemma, or the lowercased word."""
        found = self._words[i]
        if found is None:
            found = self._words[i] = self.lemma[i] if self.pos[i] in ("VERB", "AUX", "NOUN") else self.lower[i]
        return found

    def ancestors(self, i: int) -> Iterator[int]:
        head = self.head
        while head[i] != i:
            i = head[i]
            yield i


# The sheet of each live Doc: the relation rules and the features read the same parse.
_SHEETS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def sheet_of(doc: Doc) -> TokenSheet:
    """The token sheet of ``doc``, read once while the Doc lives (a Doc is not changed after
    parsing)."""
    sheet = _SHEETS.get(doc)
    if sheet is None:
        sheet = _SHEETS[doc] = TokenSheet(doc)
    return sheet


def _strings(doc: Doc, ids: list[int]) -> list[str]:
    """The strings of a column of string ids (each distinct id looked up once)."""
    strings = doc.vocab.strings
    table = {i: strings[i] for i in set(ids)}
    return [table[i] for i in ids]
