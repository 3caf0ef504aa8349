"""Who said what: direct quotations (between quote marks) and reported speech ("X said that
..."), each attributed to the entity that said it, or to nobody when no speaker is found.

A quotation's speaker is the subject of the verb of speaking in its frame (the words of its
sentences outside any quotation), mapped to the entity whose mention (name, pronoun or
description, as resolution tied them) covers the subject's head word; "according to X" names X.
A quotation with no verb of its own takes the speaker of the quotation just before it when only
a short frame stands between them, else of the sentence just before it in its paragraph. Reads the parse kg already made: no second parse.
"""
from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Sequence

from spacy.tokens import Doc, Span, Token

from ..nlp import Chunk
from ..types import Entity, Mention, Quote
from .schema import Lexicon

__all__ = ["find_quotes", "quotation_spans", "quote_id"]

# Opening and closing marks of each family; straight marks open after a space or bracket.
_DOUBLE_OPEN, _DOUBLE_CLOSE = "\u201c\u201e", "\u201d"
_SINGLE_OPEN, _SINGLE_CLOSE = "\u2018", "\u2019"
_OPENS_AFTER = " \t\n([{\u2014\u2013-/"
_MIN_WORDS = 3  # "scare quotes" around a word or two are not quotations
_SHORT = 5  # a fragment shorter than this is a quotation only with a verb of speaking beside it


def quote_id(text: str) -> str:
    """``quote:`` and a digest of the normalised text: the same quotation in two documents
    (a syndicated story) is one Quote."""
    return "quote:" + hashlib.blake2b(_normalised(text).encode("utf-8", "surrogatepass"), digest_size=8).hexdigest()


def _normalised(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    words = re.findall(r"\w+(?:'\w+)?", text.casefold())
    return " ".join(words)


def quotation_spans(text: str) -> list[tuple[tuple[int, int], ...]]:
    """The quotations of ``text``, each as the character spans of its pieces (one per
    paragraph: a quotation running on into the next paragraph reopens there without closing
    first). Double marks (curly or straight) and single curly or straight marks; a mark left
    open at a paragraph's end that the next paragraph does not reopen is dropped."""
    found: list[tuple[tuple[int, int], ...]] = []
    pieces: list[tuple[int, int]] = []
    family = None
    start = 0
    i = 0
    n = len(text)
    while i < n:
        # the next character that can open (or close, or break) one: the rest cannot matter
        mark = (_ANY_OPENING if family is None else _CLOSING_OR_BREAK[family]).search(text, i)
        if mark is None:
            break
        i = mark.start()
        ch = text[i]
        if family is not None and ch == "\n":
            nxt = i
            while nxt < n and text[nxt].isspace():
                nxt += 1
            if nxt < n and _opens(text, nxt) == family:  # the quotation runs on
                pieces.append((start, i))
                start, i = nxt + 1, nxt + 1
                continue
            family, pieces = None, []  # left open: not a quotation we can read
            i += 1
            continue
        if family is None:
            opened = _opens(text, i)
            if opened is not None:
                family, start = opened, i + 1
        elif _closes(text, i, family):
            found.append((*pieces, (start, i)))
            family, pieces = None, []
        i += 1
    return found


_ANY_OPENING = re.compile("[" + re.escape(_DOUBLE_OPEN + _SINGLE_OPEN + "\"'") + "]")
_CLOSING_OR_BREAK = {"double": re.compile("[" + re.escape(_DOUBLE_CLOSE + '"' + "\n") + "]"),
                     "single": re.compile("[" + re.escape(_SINGLE_CLOSE + "'" + "\n") + "]")}


def _opens(text: str, i: int) -> str | None:
    ch = text[i]
    before = text[i - 1] if i else " "
    after = text[i + 1] if i + 1 < len(text) else " "
    if ch in _DOUBLE_OPEN or (ch == '"' and before in _OPENS_AFTER and not after.isspace()):
        return "double"
    if (ch in _SINGLE_OPEN or ch == "'") and before in _OPENS_AFTER and after.isalnum():
        return "single"
    return None


def _closes(text: str, i: int, family: str) -> bool:
    ch = text[i]
    after = text[i + 1] if i + 1 < len(text) else " "
    if family == "double":
        return ch in _DOUBLE_CLOSE or ch == '"'
    # a single mark before a letter is an apostrophe ("it's"), not the end of the quotation
    return (ch in _SINGLE_CLOSE or ch == "'") and not after.isalnum() and text[i - 1] not in " \n"


def find_quotes(document_text: str, chunks: Sequence[Chunk], entities: Sequence[Entity], *, lexicon: Lexicon) -> tuple[Quote, ...]:
    """The quotations of one parsed document, attributed through ``entities`` (resolved, with
    their pronoun and description mentions)."""
    mentions = sorted((m for e in entities for m in e.mentions), key=lambda m: (m.start, -(m.end - m.start)))
    found: list[Quote] = []
    for chunk in chunks:
        found.extend(_chunk_quotes(chunk, mentions, lexicon))
    return tuple(found)


def _chunk_quotes(chunk: Chunk, mentions: Sequence[Mention], lexicon: Lexicon) -> list[Quote]:
    doc = chunk.doc
    text = chunk.text
    spans = quotation_spans(text)
    inside = [(s, e) for pieces in spans for s, e in pieces]
    quotes: list[Quote] = []
    previous: tuple[int, str] | None = None  # (end, speaker) of the last attributed statement
    for pieces in _split_quotes_joined(text, spans):
        start, end = pieces[0][0], pieces[-1][1]
        body = " ".join(_trim(text[s:e]) for s, e in pieces).strip()
        words = re.findall(r"\w+", body)
        if len(words) < _MIN_WORDS or _title_like(words):
            continue
        verb = _speech_verb(doc, start, end, inside, lexicon)
        speaker = _speaker_of(verb, chunk, mentions, lexicon) if verb is not None else ""
        if verb is None:
            # no verb of its own: the speaker of the quotation just before, if only a frame
            # stands between them; a short fragment without either is no quotation
            if previous is not None and _only_frame_between(text, previous[0], start):
                speaker = previous[1]
            else:
                speaker = _speaker_before(doc, start, inside, chunk, mentions, lexicon)
                if not speaker and len(words) < _SHORT:
                    continue
        mentioned = _mentioned(mentions, start + chunk.offset, end + chunk.offset, exclude=speaker)
        quotes.append(Quote(quote_id(body), _trim(body), "direct", start + chunk.offset, end + chunk.offset,
                            speaker, mentioned))
        if speaker:
            previous = (end, speaker)
        elif verb is not None:
            previous = None
    quotes.extend(_reported(chunk, mentions, lexicon, inside))
    return sorted(quotes, key=lambda q: (q.start, q.end))


_SPLIT_FRAME = re.compile(r"[\s,]*[^.!?\n\"\u201c\u201d]{1,80}[,:]\s*")


def _split_quotes_joined(text: str, spans):
    """Split quotations ('"...," X said, "..."') as one: the first piece ends with a comma and
    only a short attribution stands between the two."""
    joined: list[tuple[tuple[int, int], ...]] = []
    for pieces in spans:
        if joined:
            last = joined[-1][-1]
            if text[last[0]:last[1]].rstrip().endswith(",") and _SPLIT_FRAME.fullmatch(text[last[1] + 1:pieces[0][0] - 1]):
                joined[-1] = (*joined[-1], *pieces)
                continue
        joined.append(pieces)
    return joined


def _trim(text: str) -> str:
    # the comma or full stop a quotation closes with belongs to the sentence around it
    return text.rstrip(" ,;:").strip()


def _title_like(words: Sequence[str]) -> bool:
    """A title in quote marks ("The Long Night of Harrow"): every longer word capitalised."""
    long = [w for w in words if len(w) > 3 and w.isalpha()]
    return bool(long) and len(words) <= 12 and all(w[0].isupper() for w in long)


def _in_quotes(offset: int, inside: Sequence[tuple[int, int]]) -> bool:
    return any(s <= offset < e for s, e in inside)


def _speech_verb(doc: Doc, start: int, end: int, inside, lexicon: Lexicon) -> Token | None:
    """The verb of speaking outside any quotation, in the sentence the quotation opens or closes
    in (or the next one when it closes a sentence: '"..." X said.'), nearest to it."""
    first = doc.char_span(start, start + 1, alignment_mode="expand")
    last = doc.char_span(max(start, end - 1), end, alignment_mode="expand")
    sentences = {span[0].sent for span in (first, last) if span is not None and len(span)}
    if last is not None and len(last):
        after = last[-1].i + 1
        while after < len(doc) and (doc[after].is_punct or doc[after].is_quote):
            after += 1
        if after < len(doc) and doc[after].sent not in sentences and doc[after].sent.start == after:
            sentences.add(doc[after].sent)
    candidates = [
        token for sentence in sentences for token in sentence
        if token.lemma_.lower() in lexicon.speech_verbs and token.pos_ == "VERB" and not _in_quotes(token.idx, inside)
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda t: min(abs(t.idx - start), abs(t.idx - end)))


def _subject(verb: Token) -> Token | None:
    """The verb's subject, through conjoined and adverbial verbs that share it ("X denied ...
    and said ...", "X denied ..., stating that ...")."""
    token = verb
    for _ in range(4):
        subjects = [c for c in token.children if c.dep_ in {"nsubj", "nsubjpass"}]
        if subjects:
            return subjects[0]
        if token.dep_ in {"conj", "advcl", "xcomp"} and token.head.i != token.i:
            if token.dep_ == "xcomp" and any(c.dep_ == "dobj" for c in token.head.children):
                return None  # "X urged the court to declare ...": the court would say it
            token = token.head
            continue
        return None
    return None


def _speaker_of(verb: Token, chunk: Chunk, mentions: Sequence[Mention], lexicon: Lexicon) -> str:
    subject = _subject(verb)
    if subject is None or subject.dep_ == "nsubjpass":
        return ""
    return _entity_at(subject, chunk, mentions, lexicon)


def _entity_at(head: Token, chunk: Chunk, mentions: Sequence[Mention], lexicon: Lexicon) -> str:
    """The entity whose mention covers ``head``; else a name in apposition to it ("the
    founder, X"); else the body a spokesperson speaks for."""
    offset = head.idx + chunk.offset
    covering = [m for m in mentions if m.start <= offset < m.end and m.entity]
    if covering:
        names = [m for m in covering if m.kind == "name"]
        return (names or covering)[0].entity
    for child in head.children:
        if child.dep_ == "appos":
            found = _entity_at(child, chunk, mentions, lexicon)
            if found:
                return found
    if head.lemma_.lower() in lexicon.speaker_nouns:
        for prep in head.children:
            if prep.dep_ == "prep" and prep.lower_ in {"for", "of", "at"}:
                for obj in prep.children:
                    if obj.dep_ == "pobj":
                        return _entity_at(obj, chunk, mentions, lexicon)
    return ""


def _speaker_before(doc: Doc, start: int, inside, chunk: Chunk, mentions, lexicon: Lexicon) -> str:
    """The neighbouring sentence: 'X also said the plan had failed. "We warned them."' -- the
    sentence just before the quotation, in its paragraph, attributes speech to someone."""
    first = doc.char_span(start, start + 1, alignment_mode="expand")
    if first is None or not len(first) or first[0].sent.start == 0:
        return ""
    sentence = first[0].sent
    before = doc[sentence.start - 1].sent
    words = [t for t in before if not t.is_space]
    if not words or "\n" in doc.text[words[-1].idx + len(words[-1]):start]:
        return ""
    for token in before:
        if token.lemma_.lower() in lexicon.speech_verbs and token.pos_ == "VERB" and not _in_quotes(token.idx, inside):
            speaker = _speaker_of(token, chunk, mentions, lexicon)
            if speaker:
                return speaker
    return ""


def _only_frame_between(text: str, after: int, before: int) -> bool:
    """Only attribution between two quotations of one speaker: same paragraph or the next,
    nothing longer than a short frame."""
    gap = text[after:before]
    return len(gap) <= 200 and gap.count("\n\n") <= 1 and not re.search(r"[.!?]\s+[A-Z][^\"\u201c]*[.!?]\s", gap[1:])


def _mentioned(mentions: Sequence[Mention], start: int, end: int, *, exclude: str) -> tuple[str, ...]:
    return tuple(sorted({m.entity for m in mentions if m.kind == "name" and start <= m.start and m.end <= end
                         and m.entity and m.entity != exclude}))


def _reported(chunk: Chunk, mentions: Sequence[Mention], lexicon: Lexicon, inside) -> list[Quote]:
    """Reported speech: a verb of speaking with a clause ("X said (that) ...", "X told
    reporters ...") outside quote marks, and "according to X, ..."; the clause is the quotation."""
    doc = chunk.doc
    found = []
    for token in doc:
        speech = token.lemma_.lower() in lexicon.speech_verbs and token.pos_ == "VERB"
        if not (speech or token.lower_ == "according") or _in_quotes(token.idx, inside):
            continue  # the cheap test first: most words are neither
        clause = None
        speaker = ""
        if speech:
            clauses = [c for c in token.children if c.dep_ == "ccomp" and c.i > token.i]
            if not clauses:
                continue
            clause = clauses[0]
            speaker = _speaker_of(token, chunk, mentions, lexicon)
        elif token.lower_ == "according" and token.i + 1 < len(doc) and doc[token.i + 1].lower_ == "to":
            objects = [c for c in doc[token.i + 1].children if c.dep_ == "pobj"]
            head = token.head
            if not objects or head.pos_ not in {"VERB", "AUX"}:
                continue
            speaker = _entity_at(objects[0], chunk, mentions, lexicon)
            if not speaker:
                continue
            span = _clause_span(head, skip=token)
            if span is None:
                continue
            found.append(_reported_quote(span, chunk, mentions, speaker))
            continue
        else:
            continue
        span = _clause_span(clause)
        if span is None or any(s < span.end_char and span.start_char < e for s, e in inside):
            continue  # a direct quotation, read above
        found.append(_reported_quote(span, chunk, mentions, speaker))
    return found


def _clause_span(head: Token, *, skip: Token | None = None) -> Span | None:
    tokens = [t for t in head.subtree if not (skip is not None and t in skip.subtree)]
    while tokens and (tokens[0].dep_ == "mark" or tokens[0].is_punct):
        tokens = tokens[1:]
    while tokens and tokens[-1].is_punct:
        tokens = tokens[:-1]
    if len(tokens) < _MIN_WORDS:
        return None
    return head.doc[tokens[0].i:tokens[-1].i + 1]


def _reported_quote(span: Span, chunk: Chunk, mentions, speaker: str) -> Quote:
    start, end = span.start_char + chunk.offset, span.end_char + chunk.offset
    text = span.text
    return Quote(quote_id(text), text, "reported", start, end, speaker,
                 _mentioned(mentions, start, end, exclude=speaker))
