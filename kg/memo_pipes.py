"""The same analyses as spaCy's attribute ruler and rule lemmatizer, answered from memo tables.

In ``en_core_web_sm`` these two components are pure Python over every token and take about a
fifth of the parse: the attribute ruler runs a Matcher of some 180 patterns at each token, and
the rule lemmatizer recomputes each base form (its own cache keeps only the others). Almost all
of their patterns and rules read one token's own attributes, so their answer for a token is a
function of a few of its values and can be remembered. What they write is unchanged, token by
token (``tests/test_memo_pipes.py`` compares every attribute with the components as shipped).

``accelerate(nlp)`` switches the components of a loaded pipeline in place (their class, not
their data or place in the pipeline); a component with patterns the memo cannot key (a pattern
reading context beyond its own token other than through multi-token patterns, quantifiers,
extension attributes) is left as it is.
"""
from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from spacy.errors import Errors
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.tokens._retokenize import set_token_attrs

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc, Token

__all__ = ["accelerate"]

# A memo over every distinct word of a large corpus would grow without end: it is emptied
# when it reaches this many keys (the next documents fill it again with their words).
MEMO_LIMIT = 200_000

# Token attributes a one-token pattern may read, as the memo's key reads them: hashes and flags
# that identify the value (a string's hash is the same in every memory zone).
_KEY_READERS = {
    "ORTH": lambda t: t.orth, "TEXT": lambda t: t.orth, "LOWER": lambda t: t.lower,
    "NORM": lambda t: t.norm, "TAG": lambda t: t.tag, "POS": lambda t: t.pos, "DEP": lambda t: t.dep,
    "LEMMA": lambda t: t.lemma, "SHAPE": lambda t: t.shape, "IS_SPACE": lambda t: t.is_space,
    "IS_PUNCT": lambda t: t.is_punct, "IS_ALPHA": lambda t: t.is_alpha, "IS_DIGIT": lambda t: t.is_digit,
    "LIKE_NUM": lambda t: t.like_num, "LENGTH": lambda t: len(t),
}


def accelerate(nlp: Language) -> Language:
    """Answer ``nlp``'s attribute ruler and rule lemmatizer from memo tables; ``nlp`` itself is
    returned."""
    for _, component in nlp.pipeline:
        if type(component) is AttributeRuler and _memo_plan(component) is not None:
            component.__class__ = MemoAttributeRuler
        elif type(component) in _LEMMATIZERS and component.mode == "rule" and not component.overwrite:
            component.__class__ = _LEMMATIZERS[type(component)]
    return nlp


def _memo_plan(ruler: AttributeRuler) -> tuple[tuple[str, ...], Matcher, frozenset[int]] | None:
    """What the memo needs of ``ruler``: the attributes its one-token patterns read (the key),
    a Matcher of its multi-token patterns, and which rules those are. None when some pattern
    cannot be keyed."""
    keys: set[str] = set()
    multi = Matcher(ruler.vocab)
    multi_ids: set[int] = set()
    for attr_id, entry in enumerate(ruler.patterns):
        for pattern in entry["patterns"]:
            for token_pattern in pattern:
                if not isinstance(token_pattern, dict) or "OP" in token_pattern or "_" in token_pattern:
                    return None
                if not set(token_pattern) <= set(_KEY_READERS):
                    return None
            if len(pattern) == 1:
                keys.update(pattern[0])
            else:
                multi.add(str(attr_id), [pattern])
                multi_ids.add(attr_id)
    return tuple(sorted(keys)), multi, frozenset(multi_ids)


class MemoAttributeRuler(AttributeRuler):
    """spaCy's AttributeRuler, with each token's one-token matches remembered by the values its
    patterns read; multi-token patterns still go through a Matcher (of only those)."""

    def __call__(self, doc: Doc) -> Doc:
        state = self.__dict__.get("_kg_memo")
        if state is None or state[0] != len(self.attrs):
            plan = _memo_plan(self)
            assert plan is not None  # accelerate() only switches rulers it can plan
            state = self.__dict__["_kg_memo"] = (len(self.attrs), plan, {})
        _, (key_names, multi, multi_ids), memo = state
        readers = [_KEY_READERS[name] for name in key_names]
        attrs, indices, strings = self.attrs, self.indices, self.vocab.strings
        targets: dict[int, list[int]] = defaultdict(list)
        if multi_ids:
            for match_id, start, end in multi(doc, allow_missing=True, as_spans=False):
                attr_id = int(strings[match_id])
                index = indices[attr_id]
                target = (start if index >= 0 else end) + index
                if not start <= target < end:
                    return super().__call__(doc)  # spaCy's own error for a bad index
                targets[target].append(attr_id)
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        for token in doc:
            key = tuple(read(token) for read in readers)
            found = memo.get(key)
            if found is None:
                found = memo[key] = self._one_token_matches(doc, token.i, multi_ids)
            if token.i in targets:
                found = sorted((*found, *targets[token.i]))
            for attr_id in found:
                set_token_attrs(token, attrs[attr_id])
        return doc

    def _one_token_matches(self, doc: Doc, i: int, multi_ids: frozenset[int]) -> tuple[int, ...]:
        """The rules whose one-token patterns match token ``i``, in the order spaCy applies them."""
        strings = self.vocab.strings
        found = {int(strings[match_id]) for match_id, _, _ in self.matcher(doc[i:i + 1], allow_missing=True, as_spans=False)}
        return tuple(sorted(found - multi_ids))


def _memo_rule_lemmatize(self: Lemmatizer, token: Token) -> list[str]:
    """``rule_lemmatize`` reads only the token's text, part of speech and morphology: its
    answers are remembered under those (spaCy's own cache misses every base form)."""
    memo = self.__dict__.setdefault("_kg_memo", {})
    key = (token.orth, token.pos, token.morph.key)
    found = memo.get(key)
    if found is None:
        if len(memo) > MEMO_LIMIT:
            memo.clear()
        found = memo[key] = self.rule_lemmatize(token)
        self.cache.clear()  # the memo holds them now: spaCy's cache would grow beside it
    return found


def _memo_lemmatizer_call(self: Lemmatizer, doc: Doc) -> Doc:
    if not self._validated:
        self._validate_tables(Errors.E1004)
    for token in doc:
        if token.lemma == 0:  # not set by the attribute ruler (overwrite is off)
            token.lemma_ = _memo_rule_lemmatize(self, token)[0]
    return doc


class MemoLemmatizer(Lemmatizer):
    """spaCy's rule Lemmatizer answered from a memo (see ``_memo_rule_lemmatize``)."""

    __call__ = _memo_lemmatizer_call


class MemoEnglishLemmatizer(EnglishLemmatizer):
    """spaCy's English rule lemmatizer answered from a memo (see ``_memo_rule_lemmatize``)."""

    __call__ = _memo_lemmatizer_call


_LEMMATIZERS: dict[type, type] = {Lemmatizer: MemoLemmatizer, EnglishLemmatizer: MemoEnglishLemmatizer}
