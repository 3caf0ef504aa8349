"""Reading documents: INPUT arguments to Documents (or Skipped inputs, with the reason).

INPUT is a file, a folder (recursive, sorted), a glob, or ``-`` for standard input. Kinds:
``.txt``, ``.md``, ``.html``/``.htm`` (main text only), ``.jsonl`` (one document a line). Bad
input never raises: an empty, binary, unreadable or malformed input becomes a ``Skipped``.

Every document's ``body`` marks the story's character spans; captions, bylines, navigation links,
biographies and comment threads around it are furniture (see ``kg.ingest.furniture``).
"""
from __future__ import annotations

import hashlib
import os
import stat
import sys
from collections.abc import Callable, Container, Iterator, Sequence
from dataclasses import replace
from typing import TextIO

from kg.errors import DuplicateDocumentId, InputError
from kg.ids import document_id, text_hash
from kg.ingest.decode import decode_bytes, shown_path
from kg.ingest.markdown import markdown_to_text
from kg.ingest.formats import html_document, jsonl_documents, looks_like_jsonl, text_document
from kg.ingest.sources import SUFFIXES, Candidate, StdinInput, expand_inputs, suffix_of
from kg.types import Document, Skipped

__all__ = ["read_documents", "count_documents", "SUFFIXES", "STDIN_ID"]

STDIN_ID = "stdin"
_HTML = frozenset({".html", ".htm"})
_FILE_KINDS = {
    stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFDIR: "a directory",
}


def read_documents(
    inputs: Sequence[str], *, keep_boilerplate: bool = False, stdin: TextIO | None = None,
    on_warning: Callable[[str], None] | None = None,
) -> Iterator[Document | Skipped]:
    """Documents of ``inputs`` in order, and a Skipped for every input that could not be read.

    Ids are unique within a run and across runs, and never have the form of an entity id
    (``kg.ids``): a file is ``<stem>-<hash of its text>`` (``kg.ids.document_id``), so
    ``x/report.txt`` and ``y/report.txt`` loaded in two runs are two documents, and one text is
    one id from any folder or machine. A JSON line's ``id`` is kept as given (``doc:`` in front
    when it looks like an entity id); a JSON line without one is ``<file stem>-<hash of its
    text>``, standard input ``stdin-<hash of its text>``. Two JSON lines giving one ``id`` raise
    DuplicateDocumentId (no order decides which one wins); any other repeated id (one text in
    two files of one name) gets a hash of its source. With ``keep_boilerplate`` the
    whole text is the body (``body`` is None); metadata is still read from it. Metadata that is
    left out (a ``published`` value that is not a date) is one line to ``on_warning`` (stderr).
    """
    warn = on_warning or _warn_on_stderr
    if isinstance(inputs, str):  # one path given bare, not a string of one-letter paths
        inputs = [inputs]
    items = list(expand_inputs(inputs))
    used: dict[str, str] = {}  # id -> the source that holds it
    given: dict[str, str] = {}  # id -> the JSON line that stated it
    stated_by: set[str] = set()  # sources ("file:LINE") of documents whose JSON line stated the id
    for item in items:
        for result in _read_item(
            item, keep_boilerplate=keep_boilerplate, stdin=stdin, stated=stated_by, warn=warn,
        ):
            if isinstance(result, Document):
                stated = result.source in stated_by
                stated_by.discard(result.source)
                if stated:
                    if result.id in given:
                        raise DuplicateDocumentId(
                            f"document id {result.id!r} is given twice, by {given[result.id]} and "
                            f"{result.source}: ids in JSON lines must be unique in a run")
                    given[result.id] = result.source or ""
                unique = unique_id(result.id, result.source or "", used)
                used[unique] = result.source or ""
                if unique != result.id:
                    result = replace(result, id=unique)
            yield result


def count_documents(inputs: Sequence[str], *, max_bytes: int = 1 << 30) -> int | None:
    """How many documents (and skipped inputs) ``read_documents`` will yield, counted without
    parsing: one a file, one a non-blank line of a JSON lines file. None when that is not cheap to
    know: standard input (it can be read only once), or JSON lines files over ``max_bytes`` in
    all. A progress bar's total, not a promise: an unreadable file counts as the one skip it is."""
    if isinstance(inputs, str):
        inputs = [inputs]
    total = 0
    budget = max_bytes
    for item in expand_inputs(inputs):
        if isinstance(item, StdinInput):
            return None
        if isinstance(item, Skipped):
            total += 1
        elif suffix_of(item.path) == ".jsonl":
            lines = 0
            try:
                info = os.stat(item.path)
                if stat.S_ISREG(info.st_mode):  # never open a pipe here: it would wait
                    budget -= info.st_size
                    if budget < 0:
                        return None
                    with open(item.path, "rb") as handle:
                        lines = sum(1 for line in handle if line.strip())
            except OSError:  # read_documents names it as one skipped input
                pass
            total += max(lines, 1)  # an empty file is one skip
        elif suffix_of(item.path) in SUFFIXES or item.explicit:
            total += 1
    return total


def _warn_on_stderr(message: str) -> None:
    print(f"kg: warning: {message}", file=sys.stderr, flush=True)


def short_hash(text: str) -> str:
    return hashlib.sha1(text.replace(os.sep, "/").encode("utf-8")).hexdigest()[:8]


def unique_id(wanted: str, source: str, used: Container[str]) -> str:
    """``wanted``, or ``wanted-<hash of source>`` if taken (then a counter if still taken)."""
    if wanted not in used:
        return wanted
    candidate = f"{wanted}-{short_hash(source)}"
    counter = 2
    while candidate in used:
        candidate = f"{wanted}-{short_hash(source)}-{counter}"
        counter += 1
    return candidate


def _read_item(
    item: Candidate | StdinInput | Skipped,
    *,
    keep_boilerplate: bool,
    stdin: TextIO | None,
    stated: set[str],
    warn: Callable[[str], None],
) -> Iterator[Document | Skipped]:
    if isinstance(item, Skipped):
        yield item
    elif isinstance(item, StdinInput):
        yield from _read_stdin(item.source, stdin if stdin is not None else sys.stdin,
                               keep_boilerplate=keep_boilerplate, stated=stated, warn=warn)
    else:
        yield from _read_file(item, keep_boilerplate=keep_boilerplate, stated=stated, warn=warn)


def _read_file(
    item: Candidate, *, keep_boilerplate: bool, stated: set[str], warn: Callable[[str], None],
) -> Iterator[Document | Skipped]:
    suffix = suffix_of(item.path)
    if suffix not in SUFFIXES:
        if item.explicit:
            known = ", ".join(sorted(SUFFIXES))
            yield Skipped(item.source, f"unsupported file type {shown_path(suffix) or '(no suffix)'}; "
                                       f"kg reads {known}")
        return
    try:
        data = read_bytes(item.path)
        if not data:
            raise InputError("empty file")
        text = decode_bytes(data)
    except InputError as error:
        yield Skipped(item.source, str(error))
        return
    if not text.strip():
        yield Skipped(item.source, "no text (only whitespace)")
        return
    name = shown_path(item.path, escape=False)
    if suffix == ".jsonl":
        yield from jsonl_documents(text, stem=document_id(name), source=item.source,
                                   keep_boilerplate=keep_boilerplate, stated=stated, on_warning=warn)
        return
    doc_id = document_id(name, text)  # the text as read: a Markdown file's own characters
    if suffix == ".md":  # syntax to spaces, one for one: offsets stay those of the file
        text = markdown_to_text(text)
    read = html_document if suffix in _HTML else text_document
    yield read(text, doc_id=doc_id, source=item.source, keep_boilerplate=keep_boilerplate)


def read_bytes(path: str) -> bytes:
    """The bytes of a regular file. Raises InputError with a one-line reason otherwise. Named
    pipes, sockets and devices are refused before opening: reading a pipe would wait forever."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise InputError("dangling symbolic link (its target does not exist)") from None
        raise InputError("no such file") from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}") from None
    if not stat.S_ISREG(info.st_mode):
        kind = _FILE_KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
        raise InputError(f"not a regular file ({kind})")
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except PermissionError:
        raise InputError("permission denied") from None
    except OSError as error:
        raise InputError(f"cannot read: {error.strerror or error}") from None


def _read_stdin(
    source: str, stream: TextIO | None, *, keep_boilerplate: bool, stated: set[str],
    warn: Callable[[str], None],
) -> Iterator[Document | Skipped]:
    if stream is None:  # the process was started without standard input
        yield Skipped(source, "no standard input")
        return
    try:
        buffer = getattr(stream, "buffer", None)
        text = decode_bytes(buffer.read()) if buffer is not None else stream.read()
    except InputError as error:
        yield Skipped(source, str(error))
        return
    if not text.strip():
        yield Skipped(source, "no text on standard input")
        return
    # Named by its text: two runs fed different texts never share (and replace) one document.
    if looks_like_jsonl(text):
        yield from jsonl_documents(text, stem=STDIN_ID, source=source,
                                   keep_boilerplate=keep_boilerplate, stated=stated, on_warning=warn)
    else:
        yield text_document(text, doc_id=f"{STDIN_ID}-{text_hash(text)}", source=source,
                            keep_boilerplate=keep_boilerplate)
