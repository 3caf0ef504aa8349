"""kg.ingest: INPUT arguments (files, folders, globs, stdin) to Documents or Skipped inputs."""
from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.errors import DuplicateDocumentId
from kg.ids import document_id, text_hash, without_text_hash
from kg.ingest import read_documents
from kg.ingest.decode import control_share, decode_bytes, replace_control_chars
from kg.ingest.formats import looks_like_jsonl
from kg.types import Document, Skipped

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
GOLD = ROOT / "tests" / "data" / "gold" / "seeds.jsonl"

ARTICLE = """Tannery pays fine over river pollution

By Greta Lindholm

April 9, 2020

The Sorvik tannery paid a fine of 300,000 crowns after dye from its works turned the Mora river blue, owner Henrik Dahl said on Thursday.

The county environment office said the water was safe again.

Next articleSki resort opens early after snowfall
"""


def read_all(*inputs: str | Path, **options) -> list[Document | Skipped]:
    return list(read_documents([str(i) for i in inputs], **options))


def documents(results: list) -> list[Document]:
    return [r for r in results if isinstance(r, Document)]


def skipped(results: list) -> list[Skipped]:
    return [r for r in results if isinstance(r, Skipped)]


def body_of(doc: Document) -> str:
    return "\n".join(doc.text[s:e] for s, e in doc.body_spans())


# ---------------------------------------------------------------------------------------------
# Kinds


def test_text_file_reads_text_metadata_and_body(tmp_path: Path) -> None:
    path = tmp_path / "tannery.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    [doc] = read_all(path)
    assert isinstance(doc, Document)
    assert doc.id == document_id("tannery.txt", ARTICLE) and doc.id.startswith("tannery-")
    assert doc.source == str(path)
    assert doc.text == ARTICLE
    assert doc.title == "Tannery pays fine over river pollution"
    assert doc.authors == ("Greta Lindholm",)
    assert doc.published == "2020-04-09"
    body = body_of(doc)
    assert "Henrik Dahl" in body and "water was safe again" in body
    assert "Ski resort" not in body and "Greta Lindholm" not in body
    assert doc.boilerplate_chars == sum(not c.isspace() for c in ARTICLE) - sum(
        not c.isspace() for c in body
    )


def test_keep_boilerplate_keeps_whole_text_but_still_reads_metadata(tmp_path: Path) -> None:
    path = tmp_path / "tannery.md"
    path.write_text(ARTICLE, encoding="utf-8")
    [doc] = read_all(path, keep_boilerplate=True)
    assert doc.body is None
    assert doc.boilerplate_chars == 0
    assert "Ski resort" in body_of(doc)
    assert doc.authors == ("Greta Lindholm",) and doc.published == "2020-04-09"


HTML = """<html><head><title>Tram depot expansion approved - Kestrel Courier</title>
<meta name="author" content="Ilse Vandermeer; Tobiah Grant">
<meta property="article:published_time" content="2023-02-28T07:30:00+01:00">
<script>window.staff = "Oriel Scriptorius";</script>
<style>p.lead::before { content: "Stylo Marchetti"; }</style>
</head><body>
<nav><a href="/">Home</a> | <a href="/about">Navigatio Menendez</a></nav>
<main><article>
<h1>Tram depot expansion approved</h1>
<p>The Kestrel planning board approved an expansion of the Ostend Road tram depot on Tuesday, allowing the operator Tramvia Kestrel to park forty more vehicles, board chair Hedda Sorensen said.</p>
<p>Residents had objected to night-time noise, but the board said new walls would keep it below legal limits set by the regional government.</p>
</article></main>
<div id="comments" class="comments-area"><h3>3 comments</h3>
<ol class="comment-list"><li class="comment"><cite>Commodus Talkalot</cite><p>This depot is a disgrace and Querulus Maximus agrees.</p></li></ol>
</div>
</body></html>"""


def test_html_main_text_only_with_page_metadata(tmp_path: Path) -> None:
    path = tmp_path / "depot.html"
    path.write_text(HTML, encoding="utf-8")
    [doc] = read_all(path)
    assert isinstance(doc, Document), doc
    assert "Hedda Sorensen" in doc.text and "legal limits" in doc.text
    for leaked in ("Oriel Scriptorius", "Stylo Marchetti", "Navigatio Menendez",
                   "Commodus Talkalot", "Querulus Maximus", "<p>", "window.staff"):
        assert leaked not in doc.text, leaked
    assert doc.title == "Tram depot expansion approved"
    assert doc.authors == ("Ilse Vandermeer", "Tobiah Grant")
    assert doc.published == "2023-02-28"
    # The headline line of the extracted text is furniture, the paragraphs are the body.
    assert body_of(doc).startswith("The Kestrel planning board")


def test_htm_suffix_is_html(tmp_path: Path) -> None:
    (tmp_path / "depot.HTM").write_text(HTML, encoding="utf-8")
    [doc] = read_all(tmp_path / "depot.HTM")
    assert isinstance(doc, Document) and "Oriel Scriptorius" not in doc.text


def test_jsonl_fields_and_malformed_lines(tmp_path: Path) -> None:
    path = tmp_path / "batch.jsonl"
    lines = [
        json.dumps({"id": "n-1", "text": "Odile Ferrand opened a bakery in Rennes.",
                    "title": "Bakery opens", "url": "https://example.org/n-1",
                    "published": "2019-11-05T12:00:00Z", "authors": ["Yusuf Demir", "Ana Lima"]}),
        '{"id": "n-2", "text": ',
        json.dumps({"id": 7, "text": "Numeric ids are kept as text."}),
        json.dumps({"text": "A line without an id gets one from the file and line."}),
        json.dumps({"id": "n-5", "text": "x", "title": ["not", "a", "string"]}),
        json.dumps({"id": "n-6", "text": "   "}),
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    results = read_all(path)
    docs = documents(results)
    assert [d.id for d in docs] == ["n-1", "7", f"batch-{text_hash(docs[2].text)}"]
    first = docs[0]
    assert (first.title, first.url, first.published, first.authors) == (
        "Bakery opens", "https://example.org/n-1", "2019-11-05", ("Yusuf Demir", "Ana Lima"))
    assert first.source == f"{path}:1"
    bad = {s.source: s.reason for s in skipped(results)}
    assert set(bad) == {f"{path}:2", f"{path}:5", f"{path}:6"}
    assert "invalid JSON" in bad[f"{path}:2"]
    assert "title" in bad[f"{path}:5"]
    assert "text" in bad[f"{path}:6"]
    assert all("\n" not in reason for reason in bad.values())


def test_jsonl_repeated_ids_are_a_named_error(tmp_path: Path) -> None:
    path = tmp_path / "twice.jsonl"
    path.write_text(
        json.dumps({"id": "same", "text": "First text."}) + "\n"
        + json.dumps({"id": "same", "text": "Second text."}) + "\n",
        encoding="utf-8",
    )
    with pytest.raises(DuplicateDocumentId, match="'same' is given twice"):
        read_all(path)


# ---------------------------------------------------------------------------------------------
# INPUT forms


def make_tree(root: Path) -> None:
    (root / "b").mkdir(parents=True)
    (root / "a").mkdir()
    (root / "b" / "two.txt").write_text("Second file about Pia Lund.\n", encoding="utf-8")
    (root / "a" / "one.md").write_text("First file about Ole Berg.\n", encoding="utf-8")
    (root / "a" / "zeta.txt").write_text("Zeta file about Kai Moen.\n", encoding="utf-8")
    (root / "a" / "slides.pdf").write_bytes(b"%PDF-1.4")
    (root / "notes.docx").write_bytes(b"PK\x03\x04")


def test_folder_is_read_recursively_in_sorted_order_ignoring_unknown_kinds(tmp_path: Path) -> None:
    make_tree(tmp_path)
    results = read_all(tmp_path)
    assert [r.source for r in results] == [
        str(tmp_path / "a" / "one.md"), str(tmp_path / "a" / "zeta.txt"), str(tmp_path / "b" / "two.txt")
    ]
    assert all(isinstance(r, Document) for r in results)


def test_glob_input(tmp_path: Path) -> None:
    make_tree(tmp_path)
    results = read_all(tmp_path / "**" / "*.txt")
    assert [without_text_hash(d.id) for d in documents(results)] == ["zeta", "two"]
    assert skipped(read_all(tmp_path / "*.nothing"))[0].reason.startswith("no documents match")


def test_explicit_unknown_suffix_and_missing_path_are_skipped(tmp_path: Path) -> None:
    make_tree(tmp_path)
    results = read_all(tmp_path / "notes.docx", tmp_path / "missing.txt")
    assert [type(r) for r in results] == [Skipped, Skipped]
    assert ".docx" in results[0].reason
    assert results[1].reason == "no such file or directory"


def test_folder_or_glob_without_documents_is_reported(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    (tmp_path / "slides.pdf").write_bytes(b"%PDF-1.4")
    results = read_all(tmp_path / "empty", tmp_path / "*.pdf")
    assert [r.source for r in skipped(results)] == [str(tmp_path / "empty"), str(tmp_path / "*.pdf")]
    assert not documents(results)


def test_missing_standard_input_is_skipped(monkeypatch) -> None:
    monkeypatch.setattr("sys.stdin", None)
    assert read_all("-") == [Skipped("<stdin>", "no standard input")]


def test_same_path_twice_is_read_once(tmp_path: Path) -> None:
    make_tree(tmp_path)
    one = tmp_path / "a" / "one.md"
    assert len(read_all(one, one, tmp_path / "a")) == 2


def test_shared_stems_get_stable_distinct_ids(tmp_path: Path) -> None:
    (tmp_path / "x").mkdir()
    (tmp_path / "y").mkdir()
    (tmp_path / "x" / "report.txt").write_text("Report by Liv Aas.\n", encoding="utf-8")
    (tmp_path / "y" / "report.md").write_text("Report by Rune Dahl.\n", encoding="utf-8")
    first = [d.id for d in documents(read_all(tmp_path))]
    again = [d.id for d in documents(read_all(tmp_path))]
    assert first == again
    assert len(set(first)) == 2 and all(i.startswith("report-") for i in first)


def test_stdin_plain_text_is_one_document() -> None:
    [doc] = read_all("-", stdin=io.StringIO(ARTICLE))
    assert doc.id.startswith("stdin-") and doc.source == "<stdin>"
    assert doc.title == "Tannery pays fine over river pollution"


def test_stdin_json_lines_are_documents() -> None:
    stream = io.StringIO(
        json.dumps({"id": "s1", "text": "Mira Holm leads Fjell Energy."}) + "\nnot json\n"
    )
    results = read_all("-", stdin=stream)
    assert [type(r) for r in results] == [Document, Skipped]
    assert results[0].id == "s1" and results[1].source == "<stdin>:2"


def test_stdin_bytes_are_decoded_like_files() -> None:
    class BinaryStdin(io.StringIO):
        buffer = io.BytesIO("Café owner Zoë Brandt spoke.\n".encode("utf-16"))

    [doc] = read_all("-", stdin=BinaryStdin())
    assert doc.text == "Café owner Zoë Brandt spoke.\n"


def test_empty_stdin_is_skipped() -> None:
    assert isinstance(read_all("-", stdin=io.StringIO("  \n"))[0], Skipped)


def test_unreadable_file_is_skipped_with_reason(tmp_path: Path, monkeypatch) -> None:
    # Tests run as root, who reads a chmod 000 file; the refusal is simulated where open() fails.
    path = tmp_path / "locked.txt"
    path.write_text("Secret.\n", encoding="utf-8")

    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr("kg.ingest.open", refuse, raising=False)
    [result] = read_all(path)
    assert result == Skipped(str(path), "permission denied")


# ---------------------------------------------------------------------------------------------
# Decoding


def test_decode_utf8_latin1_utf16_and_bom() -> None:
    text = "Renée Müller from Genève"
    assert decode_bytes(text.encode("utf-8")) == text
    assert decode_bytes("\ufeff".encode("utf-8") + text.encode("utf-8")) == text
    assert decode_bytes(text.encode("utf-16")) == text
    assert decode_bytes(b"\xfe\xff" + text.encode("utf-16-be")) == text
    latin = "The café in Genève, run by José Müller, reopened."
    assert decode_bytes(latin.encode("latin-1")) == latin


def test_binary_bytes_are_refused() -> None:
    from kg.errors import InputError

    with pytest.raises(InputError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)


def test_control_characters_become_spaces_keeping_offsets() -> None:
    raw = "Ada\x00 Lund\x07 said\x1b hi\x7f.\n\tNext\r\n"
    clean = replace_control_chars(raw)
    assert len(clean) == len(raw)
    assert clean == "Ada  Lund  said  hi .\n\tNext\r\n"
    assert control_share(clean) == 0.0


def test_control_characters_in_a_file_are_replaced(tmp_path: Path) -> None:
    path = tmp_path / "ctrl.txt"
    path.write_bytes(b"Mill strike\n\nEdda Lunde\x00 said the strike\x07 would go on.\n")
    [doc] = read_all(path)
    assert "\x00" not in doc.text and "\x07" not in doc.text
    assert doc.text.index("Edda Lunde") == len("Mill strike\n\n")


@settings(max_examples=60, deadline=None)
@given(
    data=st.one_of(
        st.binary(max_size=600),
        st.text(max_size=300).map(lambda t: t.encode("utf-8")),
        st.text(alphabet="<>/{}[]\":,\n abpdivhtml", max_size=300).map(str.encode),
    ),
    suffix=st.sampled_from([".txt", ".md", ".html", ".jsonl"]),
)
def test_any_bytes_give_documents_or_skipped_never_an_exception(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"any{suffix}"
        path.write_bytes(data)
        results = read_all(path)
    assert results and all(isinstance(r, (Document, Skipped)) for r in results)
    for result in results:
        if isinstance(result, Document):
            assert result.text.strip()
            assert all(0 <= s < e <= len(result.text) for s, e in result.body_spans())
        else:
            assert result.reason and "\n" not in result.reason


def test_looks_like_jsonl() -> None:
    assert looks_like_jsonl('\n{"id": 1, "text": "x"}\n')
    assert not looks_like_jsonl("{curly} start but prose\nmore")
    assert not looks_like_jsonl("Plain text.")


# ---------------------------------------------------------------------------------------------
# The seed pages, against the gold file

SEED_FURNITURE = {
    # Names the gold lists as absent that occur in these pages only in furniture.
    "000_4492bc89f768e1dd": ["Twitter", "White Supremacists", "CME Group", "University of Texas",
                             "Beta Alpha Psi", "Leadership Challenge Participant",
                             "Previous article", "Next article", "I am an independent trader"],
    "004_82ff1074eb669021": ["Seth Rich", "Linux Mint", "Texas Instruments", "Norton", "McAfee",
                             "NSA", "SCOTUS", "John MacDonald", "Hillary clinton", "Sagev Sal",
                             "Jonathan Oatis", "REUTERS/Maxim Shemetov", "December 18, 2017",
                             "By Dustin Volz"],
}
SEED_BODY = {
    "000_4492bc89f768e1dd": ["The Moscow-based security software maker Kaspersky Lab",
                             "Eugene Kaspersky in an open letter",
                             "applies to only civilian government agencies and not the Pentagon"],
    "004_82ff1074eb669021": ["Moscow-based security software maker Kaspersky Lab said on Monday",
                             "retailers such as Best Buy Co to pull Kaspersky products",
                             "were already generally not allowed on military networks."],
}


@pytest.fixture(scope="module")
def seed_docs() -> dict[str, Document]:
    return {without_text_hash(d.id): d for d in documents(read_all(SEEDS))}


@pytest.fixture(scope="module")
def gold() -> dict[str, dict]:
    with GOLD.open(encoding="utf-8") as handle:
        return {record["id"]: record for record in map(json.loads, handle)}


def test_seed_metadata_matches_gold(seed_docs: dict, gold: dict) -> None:
    assert set(seed_docs) == set(SEED_BODY)
    for doc_id, doc in seed_docs.items():
        expected = gold[doc_id]["document"]
        assert doc.title == expected["title"]
        assert list(doc.authors) == expected.get("authors", [])
        assert doc.published == expected.get("published")


def test_seed_furniture_is_outside_the_body(seed_docs: dict) -> None:
    for doc_id, doc in seed_docs.items():
        body = body_of(doc)
        for furniture in SEED_FURNITURE[doc_id]:
            assert furniture in doc.text, furniture  # the test itself checks what it claims
            assert furniture not in body, (doc_id, furniture)
        for paragraph in SEED_BODY[doc_id]:
            assert paragraph in body, (doc_id, paragraph)
        assert doc.boilerplate_chars > 0


def test_seed_dateline_is_not_body(seed_docs: dict) -> None:
    body = body_of(seed_docs["004_82ff1074eb669021"])
    assert body.startswith("Moscow-based security software maker")
    assert "(Reuters)" not in body


def test_count_documents_counts_files_and_json_lines_without_parsing(tmp_path: Path) -> None:
    from kg.ingest import count_documents, read_documents

    (tmp_path / "a.txt").write_text("One text.")
    (tmp_path / "b.jsonl").write_text('{"id": "x", "text": "X."}\n\n{"id": "y", "text": "Y."}\n{bad\n')
    (tmp_path / "empty.jsonl").write_text("")
    (tmp_path / "notes.csv").write_text("ignored in a folder")
    missing = tmp_path / "typo.txt"
    inputs = [str(tmp_path), str(missing)]
    counted = count_documents(inputs)
    # a.txt, three lines of b.jsonl (the bad one a skip), the empty file's skip, the missing file's skip
    assert counted == 6 == len(list(read_documents(inputs)))
    assert count_documents(["-"]) is None  # standard input can be read only once
    assert count_documents([str(tmp_path)], max_bytes=10) is None  # too big to count cheaply
