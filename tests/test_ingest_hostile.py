"""Reading a folder of hostile inputs (tests/data/make_hostile.py): every good article is read,
every bad input is a Skipped with a reason, nothing raises, and nothing hangs (a named pipe is
among the inputs: opening it would wait forever)."""
from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest

from kg.ids import without_text_hash
from kg.ingest import read_documents
from kg.types import Document, Skipped

MAKER = Path(__file__).resolve().parent / "data" / "make_hostile.py"
READ_TIMEOUT_SECONDS = 120


def load_maker():
    spec = importlib.util.spec_from_file_location("make_hostile", MAKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> tuple[Path, dict]:
    folder = tmp_path_factory.mktemp("hostile")
    return folder, load_maker().make_hostile(folder)


@pytest.fixture(scope="module")
def results(corpus) -> list:
    """read_documents over the corpus, in a daemon thread so a hang fails instead of blocking."""
    folder, _ = corpus
    outcome: dict = {}

    def run() -> None:
        try:
            outcome["results"] = list(read_documents([str(folder)]))
        except BaseException as error:  # reported by the assertion below
            outcome["error"] = error

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(READ_TIMEOUT_SECONDS)
    assert not worker.is_alive(), "read_documents hung on the hostile corpus"
    assert "error" not in outcome, f"read_documents raised {outcome.get('error')!r}"
    return outcome["results"]


def relative(folder: Path, source: str) -> str:
    return source[len(str(folder)) + 1:]


def test_every_good_article_is_read_with_its_names(corpus, results) -> None:
    folder, manifest = corpus
    docs = {relative(folder, r.source): r for r in results if isinstance(r, Document)}
    assert set(docs) == set(manifest["good"])
    for source, names in manifest["good"].items():
        for name in names:
            assert name in docs[source].text, (source, name)


def test_every_bad_input_is_skipped_with_a_one_line_reason(corpus, results) -> None:
    folder, manifest = corpus
    bad = {relative(folder, r.source): r.reason for r in results if isinstance(r, Skipped)}
    assert set(bad) == set(manifest["bad"])
    for source, fragment in manifest["bad"].items():
        assert fragment.lower() in bad[source].lower(), (source, bad[source])
        assert bad[source].strip() and "\n" not in bad[source]


def test_unknown_kinds_and_hidden_files_yield_nothing(corpus, results) -> None:
    folder, manifest = corpus
    seen = {relative(folder, r.source) for r in results}
    assert not seen & set(manifest["ignored"])


def test_html_scripts_styles_nav_and_comments_do_not_leak(corpus, results) -> None:
    folder, manifest = corpus
    docs = {relative(folder, r.source): r for r in results if isinstance(r, Document)}
    for source, names in manifest["hidden"].items():
        for name in names:
            assert name not in docs[source].text, (source, name)
    page = docs["articles/page.html"]
    assert page.title == "Orchard cooperative opens cider press"
    assert page.published == "2022-09-14"


def test_comment_thread_and_credit_are_outside_the_body(corpus, results) -> None:
    folder, _ = corpus
    [harbour] = [r for r in results if isinstance(r, Document) and without_text_hash(r.id) == "harbour"]
    body = "\n".join(harbour.text[s:e] for s, e in harbour.body_spans())
    assert "Agnieszka Thorvald" in body
    for furniture in ("Horatio Quillfeather", "Perpetua Vanlandingham", "Rosalind Achebe"):
        assert furniture in harbour.text and furniture not in body


def test_huge_file_is_read_whole(corpus, results) -> None:
    folder, manifest = corpus
    maker = load_maker()
    [huge] = [
        r for r in results
        if isinstance(r, Document) and relative(folder, r.source) == manifest["huge"]
    ]
    assert len(huge.text) > maker.HUGE_CHARS
    last = maker.HUGE_PARAGRAPHS[-1]
    assert huge.text.rstrip().endswith(last)
    # Every paragraph, the last one past HUGE_CHARS included, is story text (none set aside).
    for paragraph in maker.HUGE_PARAGRAPHS[1:]:
        start = huge.text.index(paragraph)
        assert any(s <= start and start + len(paragraph) <= e for s, e in huge.body_spans()), paragraph
    assert huge.text.index(last) > maker.HUGE_CHARS


def test_decoded_texts_are_clean_and_ids_unique(results) -> None:
    docs = [r for r in results if isinstance(r, Document)]
    assert len({d.id for d in docs}) == len(docs)
    for doc in docs:
        assert "\x00" not in doc.text and "\ufeff" not in doc.text[:1]
        assert not any(ord(c) < 32 and c not in "\n\t\r" for c in doc.text)
    # Lone surrogates (JSON escapes, file names that are not UTF-8) never get through: every
    # string kg passes on has a UTF-8 form, so spaCy and the output files can take it.
    for result in results:
        fields = [result.source] + ([result.reason] if isinstance(result, Skipped) else
                                    [result.id, result.text, result.title or "", *result.authors])
        for value in fields:
            value.encode("utf-8")
    [surrogate] = [d for d in docs if d.id.startswith("surrogate")]
    assert surrogate.id == "surrogate\ufffd" and surrogate.title == "Trust \ufffd chair"
    assert surrogate.authors == ("Nell\ufffd Ashby",)
    assert surrogate.text.startswith("Wilbur Quenby\ufffd chairs")  # one for one: offsets kept
    latin = next(d for d in docs if without_text_hash(d.id) == "latin1")
    assert "Renée Lavoisier-Dubois" in latin.text


def test_file_names_with_quotes_backticks_and_cypher_keep_their_names(corpus, results) -> None:
    folder, manifest = corpus
    weird = [r for r in results if isinstance(r, Document) and "/names/" in r.source]
    assert len(weird) == len(load_maker().WEIRD_NAMES) + 1  # and the file name that is not UTF-8
    assert any("`" in d.id for d in weird) and any("MATCH" in d.id for d in weird)
    assert "caf\ufffd cr\ufffdme" in {without_text_hash(d.id) for d in weird}
    ids = {r.id for r in results if isinstance(r, Document)}
    assert "tick`) DETACH DELETE n //" in ids  # spelled with \u0060 in the JSON line
