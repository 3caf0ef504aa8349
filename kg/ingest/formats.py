"""Decoded text of one input to Documents: plain text and Markdown, HTML, JSON lines.

Each function returns Documents or Skipped values, never raises for bad content. Furniture
detection runs on every document's text; fields the input states (JSON fields, HTML metadata)
win over what is detected in the text.
"""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator


from kg.ids import has_controls, namespaced_document_id, text_hash
from kg.ingest.dates import iso_date
from kg.ingest.decode import replace_control_chars, replace_surrogates, strip_bom
from kg.ingest.furniture import analyse
from kg.types import Document, Skipped

__all__ = ["text_document", "html_document", "jsonl_documents", "looks_like_jsonl"]


def text_document(
    text: str,
    *,
    doc_id: str,
    source: str,
    keep_boilerplate: bool = False,
    title: str | None = None,
    url: str | None = None,
    published: str | None = None,
    authors: tuple[str, ...] = (),
) -> Document | Skipped:
    """A Document of ``text`` (control characters become spaces) with its body spans and
    metadata; stated metadata wins over detected."""
    clean = replace_control_chars(strip_bom(text))
    if not clean.strip():
        return Skipped(source, "no text (only whitespace)")
    layout = analyse(clean, known_title=title)
    return Document(
        id=doc_id,
        text=clean,
        title=title or layout.title,
        source=source,
        url=url,
        published=published or layout.published,
        authors=authors or layout.authors,
        body=None if keep_boilerplate else layout.body,
    )


def html_document(
    html: str, *, doc_id: str, source: str, keep_boilerplate: bool = False
) -> Document | Skipped:
    """The main text of an HTML page (trafilatura: no scripts, styles, navigation or comment
    sections) with the page's title, authors, date and URL."""
    # Here, not at the top: trafilatura (and lxml) take a seventh of a second to import, which a
    # corpus without HTML never needs.
    import trafilatura
    from lxml.etree import LxmlError

    try:
        extracted = trafilatura.bare_extraction(
            html, include_comments=False, include_tables=True, with_metadata=True
        )
    except (ValueError, LxmlError, RecursionError) as error:
        # A page the parser cannot take is this page's problem, reported, not the run's.
        return Skipped(source, f"HTML could not be parsed ({type(error).__name__})")
    text = getattr(extracted, "text", None) if extracted is not None else None
    if not text or not text.strip():
        return Skipped(source, "no main text found in the HTML")
    authors = tuple(a.strip() for a in (extracted.author or "").split(";") if a.strip())
    return text_document(
        text,
        doc_id=doc_id,
        source=source,
        keep_boilerplate=keep_boilerplate,
        title=_one_line(extracted.title),
        url=_one_line(extracted.url),
        published=iso_date(extracted.date),
        authors=authors,
    )


def looks_like_jsonl(text: str) -> bool:
    """True when the first non-blank line is a JSON object."""
    for line in text.splitlines():
        if line.strip():
            stripped = line.strip()
            return stripped.startswith("{") and stripped.endswith("}")
    return False


def jsonl_documents(
    text: str, *, stem: str, source: str, keep_boilerplate: bool = False,
    stated: set[str] | None = None, on_warning: Callable[[str], None] | None = None,
) -> Iterator[Document | Skipped]:
    """One Document per line holding {"id", "text", optional "title", "url", "published",
    "authors"}; a bad line is Skipped as "source:LINE" with the reason, the others are kept.
    A line without an id gets "<stem>-<hash of its text>" (the same text, the same id, wherever
    the line moves; lines of one text in one file are told apart by the caller); an id with the form of an entity id gets
    ``doc:`` in front (``kg.ids.namespaced_document_id``). The sources of documents whose line
    stated an id are added to ``stated``. A ``published`` value that is not a date is left out,
    with a warning (``on_warning``)."""
    found_any = False
    for number, line in enumerate(strip_bom(text).split("\n"), start=1):
        if not line.strip():
            continue
        found_any = True
        where = f"{source}:{number}"
        fields = _record_fields(line)
        if isinstance(fields, str):
            yield Skipped(where, fields)
            continue
        warning = fields.pop("warning", None)
        if warning is not None and on_warning is not None:
            on_warning(f"{where}: {warning}")
        given = fields.pop("id")
        doc_id = namespaced_document_id(given) if given else f"{stem}-{text_hash(fields['text'])}"
        document = text_document(
            fields.pop("text"), doc_id=doc_id, source=where, keep_boilerplate=keep_boilerplate,
            **fields,
        )
        if given and stated is not None and isinstance(document, Document):
            stated.add(where)
        yield document
    if not found_any:
        yield Skipped(source, "no JSON lines in the file")


def _record_fields(line: str) -> dict | str:
    """The Document fields of one JSON line, or the reason it cannot be one."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as error:
        return f"invalid JSON ({error.msg} at column {error.colno})"
    except RecursionError:
        return "invalid JSON (nested too deeply)"
    if not isinstance(record, dict):
        return f"expected a JSON object, got {type(record).__name__}"
    text = record.get("text")
    if not isinstance(text, str) or not text.strip():
        return 'missing or empty "text"'
    raw_id = record.get("id")
    if isinstance(raw_id, bool) or not isinstance(raw_id, (str, int, type(None))):
        return '"id" must be a string or a number'
    doc_id = replace_surrogates(str(raw_id).strip()) if raw_id is not None else ""
    if has_controls(doc_id):  # "a\x01" and "a\x02" would become one id in GraphML or CSV
        return '"id" holds control characters'
    fields: dict = {"id": doc_id, "text": text}
    for key in ("title", "url", "published"):
        value = record.get(key)
        if value is not None and not isinstance(value, str):
            return f'"{key}" must be a string'
        fields[key] = _one_line(value)
    if fields["published"]:
        stated = fields["published"]
        fields["published"] = iso_date(stated)
        if fields["published"] is None:  # "unknown" would sort after 2099 as a date
            fields["warning"] = f'"published" {stated[:40]!r} is not a date; left out'

    authors = record.get("authors")
    if isinstance(authors, str):
        authors = [authors]
    if authors is None:
        authors = []
    if not isinstance(authors, list) or not all(isinstance(a, str) for a in authors):
        return '"authors" must be a list of strings'
    fields["authors"] = tuple(a for a in (_one_line(a) for a in authors) if a)
    return fields


def _one_line(value: str | None) -> str | None:
    """Metadata as one clean line (no control characters), or None when blank."""
    if value is None:
        return None
    cleaned = " ".join(replace_control_chars(value).split())
    return cleaned or None
