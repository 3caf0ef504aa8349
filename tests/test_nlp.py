"""kg.nlp: splitting long texts, blanking furniture, and parsing in chunks whose offsets map back
to ``Document.text``. Uses ``spacy.blank("en")`` with a sentencizer (no trained model)."""
from __future__ import annotations

import pytest
import spacy
from hypothesis import given
from hypothesis import strategies as st

from kg.nlp import analysed_text, parse, split_text
from kg.types import Document

PARAGRAPHS = [
    "The harbour board met on Tuesday to discuss the new ferry timetable. Members argued for "
    "an hour. The chair said the vote would wait until spring.",
    "Fishermen on the east quay complained that the early boats had been cancelled twice this "
    "month. One of them said the board had not listened.",
    "A spokesperson for the ferry operator said repairs to the second vessel were nearly done. "
    "She expected normal service to resume within weeks.",
    "Local shops reported fewer visitors since the cuts began. Several owners plan to write to "
    "the regional council before the next meeting.",
]
LONG_TEXT = "\n\n".join(PARAGRAPHS) + "\n"


def _assert_pieces_cover(text: str, pieces: list[tuple[int, str]], max_length: int) -> None:
    previous_end = 0
    covered: set[int] = set()
    for offset, piece in pieces:
        assert 0 < len(piece) <= max_length
        assert text[offset:offset + len(piece)] == piece
        assert offset >= previous_end  # in order, never overlapping
        previous_end = offset + len(piece)
        covered.update(range(offset, offset + len(piece)))
    missing = [i for i, ch in enumerate(text) if not ch.isspace() and i not in covered]
    assert missing == []


# --- split_text ---------------------------------------------------------------------------


def test_split_text_short_text_is_one_piece():
    assert split_text("Short text.", 100) == [(0, "Short text.")]


@pytest.mark.parametrize("max_length", [40, 90, 150, 250, 400])
def test_split_text_pieces_fit_and_offsets_are_exact(max_length):
    pieces = split_text(LONG_TEXT, max_length)
    assert len(pieces) > 1
    _assert_pieces_cover(LONG_TEXT, pieces, max_length)


def test_split_text_prefers_paragraph_breaks_over_sentence_ends():
    # The window holds a paragraph break past its middle and later sentence ends too.
    first = PARAGRAPHS[0]
    second = "It rained. The boats stayed in. Nobody sailed that week at all, not even the mail."
    text = first + "\n\n" + second
    max_length = len(first) + 2 + 40
    assert ". " in second[:40]  # a sentence end inside the window exists after the break
    pieces = split_text(text, max_length)
    assert pieces[0] == (0, first + "\n\n")
    assert pieces[1][0] == len(first) + 2
    _assert_pieces_cover(text, pieces, max_length)


def test_split_text_falls_back_to_sentence_ends_then_spaces():
    sentences = "Alpha beta gamma delta. Epsilon zeta eta theta. Iota kappa lambda mu."
    pieces = split_text(sentences, 50)
    assert pieces[0][1].rstrip().endswith(".")
    _assert_pieces_cover(sentences, pieces, 50)

    words = "word " * 30
    pieces = split_text(words, 23)
    assert all(piece.endswith(" ") for _, piece in pieces[:-1])
    _assert_pieces_cover(words, pieces, 23)


def test_split_text_cuts_text_without_spaces_at_max_length():
    text = "x" * 25
    assert split_text(text, 10) == [(0, "x" * 10), (10, "x" * 10), (20, "x" * 5)]


def test_split_text_drops_blank_pieces():
    text = "First part here." + " " * 50 + "Second part here."
    pieces = split_text(text, 20)
    assert all(piece.strip() for _, piece in pieces)
    _assert_pieces_cover(text, pieces, 20)


@given(
    st.text(alphabet=st.sampled_from(list("ab .!?\n\t")) | st.characters(), max_size=400),
    st.integers(min_value=1, max_value=120),
)
def test_split_text_property(text, max_length):
    pieces = split_text(text, max_length)
    if len(text) <= max_length:
        assert pieces == [(0, text)]
    else:
        _assert_pieces_cover(text, pieces, max_length)


# --- analysed_text ------------------------------------------------------------------------


def test_analysed_text_without_body_is_the_text():
    document = Document("d", "Byline\nStory text.")
    assert analysed_text(document) == document.text


def test_analysed_text_blanks_furniture_keeping_newlines_and_offsets():
    text = "MENU Home | World\n\nThe story starts here.\nIt goes on.\n\nPhoto: a caption\nComments (3)\n"
    body_start = text.index("The story")
    body_end = text.index("It goes on.") + len("It goes on.")
    document = Document("d", text, body=((body_start, body_end),))
    result = analysed_text(document)
    assert len(result) == len(text)
    assert result[body_start:body_end] == text[body_start:body_end]
    for i, ch in enumerate(text):
        if body_start <= i < body_end:
            continue
        assert result[i] == ("\n" if ch == "\n" else " ")
    assert "MENU" not in result and "caption" not in result and "Comments" not in result


def test_analysed_text_accepts_unsorted_several_spans():
    text = "aaa BODY1 bbb BODY2 ccc"
    first = (text.index("BODY1"), text.index("BODY1") + 5)
    second = (text.index("BODY2"), text.index("BODY2") + 5)
    result = analysed_text(Document("d", text, body=(second, first)))
    assert result == "    BODY1     BODY2    "


def test_analysed_text_keeps_length_with_overlapping_spans():
    text = "abcdef\nghij"
    result = analysed_text(Document("d", text, body=((0, 4), (2, 6))))
    assert result == "abcdef\n    "


@st.composite
def _documents_with_body(draw):
    text = draw(st.text(alphabet=st.sampled_from(list("ab \n.")), max_size=80))
    bounds = st.integers(min_value=0, max_value=len(text))
    spans = draw(st.lists(st.tuples(bounds, bounds).map(lambda p: tuple(sorted(p))), max_size=4))
    return Document("d", text, body=tuple(spans))


@given(_documents_with_body())
def test_analysed_text_property(document):
    result = analysed_text(document)
    assert len(result) == len(document.text)
    inside = {i for s, e in document.body_spans() for i in range(s, e)}
    for i, (original, kept) in enumerate(zip(document.text, result)):
        if i in inside or original == "\n":
            assert kept == original
        else:
            assert kept == " "


# --- parse --------------------------------------------------------------------------------


@pytest.fixture()
def blank_nlp():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


def _assert_chunks_map_to_text(document: Document, chunks) -> None:
    """Doc char c of a chunk is Document.text char c + offset (blanked furniture aside)."""
    analysed = analysed_text(document)
    for chunk in chunks:
        assert analysed[chunk.offset:chunk.offset + len(chunk.doc.text)] == chunk.doc.text
        for token in chunk.doc:
            start = chunk.offset + token.idx
            if not token.is_space:
                assert document.text[start:start + len(token.text)] == token.text
        for sentence in chunk.doc.sents:
            start, end = chunk.offset + sentence.start_char, chunk.offset + sentence.end_char
            assert analysed[start:end] == sentence.text


def test_parse_short_document_is_one_chunk_at_offset_zero(blank_nlp):
    document = Document("one", PARAGRAPHS[0])
    [(parsed, chunks)] = list(parse(blank_nlp, [document]))
    assert parsed is document
    assert [c.offset for c in chunks] == [0]
    assert chunks[0].doc.text == document.text
    _assert_chunks_map_to_text(document, chunks)


def test_parse_document_longer_than_max_length_is_chunked_with_exact_offsets(blank_nlp):
    blank_nlp.max_length = 200
    document = Document("long", LONG_TEXT * 3)
    assert len(document.text) > 3 * blank_nlp.max_length
    [(parsed, chunks)] = list(parse(blank_nlp, [document]))
    assert parsed is document
    assert len(chunks) > 1
    offsets = [c.offset for c in chunks]
    assert offsets == sorted(offsets) and len(set(offsets)) == len(offsets)
    assert all(len(c.doc.text) <= blank_nlp.max_length for c in chunks)
    _assert_chunks_map_to_text(document, chunks)
    # Every visible character of the document lies in exactly one token of one chunk.
    covered = [
        i for c in chunks for t in c.doc if not t.is_space
        for i in range(c.offset + t.idx, c.offset + t.idx + len(t.text))
    ]
    assert len(set(covered)) == len(covered)
    assert set(covered) == {i for i, ch in enumerate(document.text) if not ch.isspace()}


def test_parse_blanks_furniture_but_keeps_offsets(blank_nlp):
    blank_nlp.max_length = 120
    furniture = "Advertisement\nSign up for our newsletter\n\n"
    story = "\n\n".join(PARAGRAPHS[:2])
    text = furniture + story + "\n\nRead more: other headlines\n"
    body = ((len(furniture), len(furniture) + len(story)),)
    document = Document("furnished", text, body=body)
    [(_, chunks)] = list(parse(blank_nlp, [document]))
    tokens = [(c.offset + t.idx, t.text) for c in chunks for t in c.doc if not t.is_space]
    assert tokens
    assert all(body[0][0] <= start < body[0][1] for start, _ in tokens)
    assert "Advertisement" not in {text for _, text in tokens}
    _assert_chunks_map_to_text(document, chunks)


def test_parse_streams_several_documents_in_order(blank_nlp):
    blank_nlp.max_length = 150
    documents = [
        Document("a", LONG_TEXT),
        Document("b", ""),
        Document("c", PARAGRAPHS[2]),
        Document("d", "   \n\n   "),
    ]
    results = list(parse(blank_nlp, iter(documents), batch_size=2))
    assert [d.id for d, _ in results] == ["a", "b", "c", "d"]
    for document, chunks in results:
        assert chunks, document.id
        _assert_chunks_map_to_text(document, chunks)
    assert len(results[0][1]) > 1
    assert [t.text for c in results[1][1] for t in c.doc] == []


def test_a_blank_line_ends_a_sentence_and_the_parser_finds_the_rest():
    from kg.nlp import load_model

    nlp = load_model(None)
    text = "Storm floods Varnia coast\n\nMonday, May 4\n\nHeavy rain hit the coast. Roads were closed.\nCrews worked late."
    sentences = [s.text.strip() for s in nlp(text).sents]
    assert sentences[:3] == ["Storm floods Varnia coast", "Monday, May 4", "Heavy rain hit the coast."]
    assert "Crews worked late." in sentences[-1]  # one line break is no paragraph: hard-wrapped text


def test_abbreviated_titles_stay_one_token():
    from kg.nlp import add_title_abbreviations

    nlp = add_title_abbreviations(spacy.blank("en"))
    assert [t.text for t in nlp("Navy Capt. Bo Ruiz and Army SGT. Ann Lee")] == \
        ["Navy", "Capt.", "Bo", "Ruiz", "and", "Army", "SGT.", "Ann", "Lee"]
    assert [t.text for t in spacy.blank("en")("Navy Capt. Bo")] == ["Navy", "Capt", ".", "Bo"]  # what it fixes


def test_co_words_are_one_token_read_as_the_word_after_co():
    from kg.nlp import add_co_words

    nlp = add_co_words(spacy.blank("en"))
    doc = nlp("Acme co-founder Ann Lee met a co - worker and co-op staff.")
    words = [t.text for t in doc]
    assert "co-founder" in words and "co-op" in words
    assert doc[words.index("co-founder")].norm_ == "founder"
    assert words[words.index("a") + 1:words.index("a") + 4] == ["co", "-", "worker"]  # spaced: not one word
    assert nlp.pipe_names[0] == "kg_co_words" and add_co_words(nlp).pipe_names.count("kg_co_words") == 1
