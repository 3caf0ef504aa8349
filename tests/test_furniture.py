"""kg.ingest.furniture: the story's body is told apart from page furniture by the form of lines.

Pages here are invented (other outlets, other names); the seed pages are tested in
test_ingest.py against the gold file.
"""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kg.ingest.furniture import (
    BIO,
    BODY,
    BYLINE,
    CAPTION,
    COMMENTS,
    CREDIT,
    DATE,
    DUPLICATE,
    NAV,
    TITLE,
    UI,
    analyse,
    classify_lines,
    comment_author,
    dateline_prefix_length,
    find_comment_thread,
    has_photo_credit,
    is_bio,
    is_end_marker,
    is_inline_ui,
    is_nav_line,
    is_wire_credit,
    looks_like_headline,
    parse_byline,
    parse_date_line,
    split_lines,
)


def body_text(text: str, body: tuple[tuple[int, int], ...]) -> str:
    return "\n".join(text[start:end] for start, end in body)


def kinds_by_text(text: str) -> dict[str, str]:
    layout = analyse(text)
    return {text[start:end]: kind for start, end, kind in layout.kinds}


# ---------------------------------------------------------------------------------------------
# Whole pages

WIRE_PAGE = """Harbour authority fines shipping firm over diesel spill

Workers clean the shore near the harbour in Valdemoro, Spain, May 4, 2021
Workers clean the shore near the harbour in Valdemoro, Spain, May 4, 2021. NORDPRESS/Ingrid Halvorsen

Tuesday, May 4, 2021

By Mateus Carvalho, Priya Raghunathan and Oskar Lindqvist, Nordpress

VALDEMORO, Spain (Nordpress) — The Valdemoro port authority fined the shipping firm Bellatrix Lines 2 million euros on Tuesday for a diesel spill that closed two beaches last month, the authority's director Elena Vasquez said.

Bellatrix Lines said it would appeal the fine and that its tanker had been cleared by inspectors before the spill.

The spill, about 40 tonnes of fuel, was the largest in the region since 2009, according to the environment ministry.

(Additional reporting by Oskar Lindqvist in Stockholm; Writing by Priya Raghunathan; Editing by Colm Ferriter)

Marguerite Pellew says:
3 hours ago
The fine is far too small for what they did to our beaches.
Reply

Dashiell Fontaine says:
2 hours ago
Agreed, Marguerite. The company will just pass it on to customers.
Reply
"""


def test_wire_page_metadata_body_and_furniture() -> None:
    layout = analyse(WIRE_PAGE)
    assert layout.title == "Harbour authority fines shipping firm over diesel spill"
    assert layout.authors == ("Mateus Carvalho", "Priya Raghunathan", "Oskar Lindqvist")
    assert layout.published == "2021-05-04"
    body = body_text(WIRE_PAGE, layout.body)
    assert body.startswith("The Valdemoro port authority fined")  # dateline set aside
    assert "Bellatrix Lines said it would appeal" in body
    assert body.rstrip().endswith("according to the environment ministry.")
    for furniture in ("Ingrid Halvorsen", "Colm Ferriter", "Marguerite Pellew", "Dashiell Fontaine",
                      "far too small", "Workers clean the shore", "Nordpress)"):
        assert furniture not in body, furniture
    kinds = kinds_by_text(WIRE_PAGE)
    assert kinds["Tuesday, May 4, 2021"] == DATE
    assert kinds["Workers clean the shore near the harbour in Valdemoro, Spain, May 4, 2021"] == CAPTION
    assert kinds[
        "(Additional reporting by Oskar Lindqvist in Stockholm; Writing by Priya Raghunathan; "
        "Editing by Colm Ferriter)"
    ] == CREDIT


BLOG_PAGE = """Local News
City council approves new tram line to the airport
City council approves new tram line to the airport

Posted on 12 March 2019

Written by Annelise Brandt

The Kestrel city council approved on Monday a 14-kilometre tram line linking the central station with Merriwether Airport, ending a decade of debate.

Advertisement

Construction is expected to begin next year, council member Rafael Okoro told reporters after the vote.

The line will be operated by Tramvia Kestrel, a company owned by the city.

« Previous post: Parking fees rise in the old town
Next post: Library reopens after renovation »

Annelise Brandt is a freelance reporter covering transport and city politics for the Kestrel Courier. She previously worked in Lisbon.
"""


def test_blog_page_nav_links_and_third_person_bio_are_furniture() -> None:
    layout = analyse(BLOG_PAGE)
    assert layout.title == "City council approves new tram line to the airport"
    assert layout.authors == ("Annelise Brandt",)
    assert layout.published == "2019-03-12"
    body = body_text(BLOG_PAGE, layout.body)
    assert "approved on Monday a 14-kilometre tram line" in body
    # An advertisement inside the story is furniture but does not end the story.
    assert "Advertisement" not in body
    assert "Tramvia Kestrel" in body
    for furniture in ("Parking fees", "Library reopens", "freelance reporter", "Local News"):
        assert furniture not in body, furniture
    kinds = kinds_by_text(BLOG_PAGE)
    assert kinds["Advertisement"] == UI
    assert kinds["« Previous post: Parking fees rise in the old town"] == NAV
    assert list(kinds.values()).count(DUPLICATE) == 1


THREAD_WITHOUT_MARKER = """Regional airline adds winter routes

Skyward Connect will fly twice a week from Tarnow to Bergamo from December, the airline's chief executive Lucia Ferrante said on Thursday.

The company expects about 20,000 extra passengers over the winter season.

  • Bogdan Wierzbicki

    Finally a direct flight. I used to change in Vienna every time.

    • Annika Sjoberg

      Same here, it took me six hours last time.

  • travelbug77

    Prices will go up once the novelty wears off.
"""


def test_nested_bulleted_comment_thread_after_the_story_is_furniture() -> None:
    layout = analyse(THREAD_WITHOUT_MARKER)
    body = body_text(THREAD_WITHOUT_MARKER, layout.body)
    assert "Lucia Ferrante" in body
    assert body.rstrip().endswith("over the winter season.")
    for commenter in ("Bogdan Wierzbicki", "Annika Sjoberg", "travelbug77", "Vienna"):
        assert commenter not in body
    kinds = kinds_by_text(THREAD_WITHOUT_MARKER)
    assert kinds["• Annika Sjoberg"] == COMMENTS


FLOOD_PAGE = """Home » World » Europe

Floods force thousands from homes in river valley

5 min read

Rescue workers carry a resident through floodwater in Brenzhausen on Sunday. (Photo: Tobias Reiner/Valley Press Agency)

BRENZHAUSEN, Germany — Floods forced more than 3,000 people from their homes in the Alder valley on Sunday, regional governor Katrin Hollweg said.

Share on Facebook

The Alder river rose two metres overnight after three days of rain, the weather service said.

Photo: Helmut Sauer/VPA

Soldiers from the army helped fill sandbags in the old town.

Associated Valley Press writer Jonas Feld in Berlin contributed to this report.

Wilhelm_K · 2 hours ago
The dams should have been raised years ago, ask Ottokar Brenner.
Reply · 4
Sabine Ostwald · 1 hour ago
Thoughts with everyone in Brenzhausen.
Reply
"""


def test_breadcrumbs_photo_labels_and_stamped_comments_are_furniture() -> None:
    layout = analyse(FLOOD_PAGE)
    assert layout.title == "Floods force thousands from homes in river valley"
    body = body_text(FLOOD_PAGE, layout.body)
    assert body.startswith("Floods forced more than 3,000 people")
    assert "Katrin Hollweg" in body and "fill sandbags in the old town." in body
    for furniture in ("Tobias Reiner", "Helmut Sauer", "Share on Facebook", "Jonas Feld",
                      "Ottokar Brenner", "Sabine Ostwald", "Home »", "5 min read"):
        assert furniture not in body, furniture
    kinds = kinds_by_text(FLOOD_PAGE)
    assert kinds["Sabine Ostwald · 1 hour ago"] == COMMENTS
    assert kinds["Associated Valley Press writer Jonas Feld in Berlin contributed to this report."] == CREDIT


FIRST_PERSON_BIO = """Startup raises funds for battery recycling

Voltaic Loop, a battery recycling startup based in Graz, raised 12 million euros from investors led by Hohenwald Capital, its founder Katrin Auer said on Wednesday.

The company plans to open a second plant in Linz next year.

I am a technology writer with ten years of experience covering European startups. I studied engineering in Delft and my work has appeared in several magazines.
"""


def test_first_person_biography_closing_the_page_is_furniture() -> None:
    layout = analyse(FIRST_PERSON_BIO)
    body = body_text(FIRST_PERSON_BIO, layout.body)
    assert "Hohenwald Capital" in body and "second plant in Linz" in body
    assert "Delft" not in body
    assert kinds_by_text(FIRST_PERSON_BIO)[FIRST_PERSON_BIO.splitlines()[-1]] == BIO


COLUMN = """Why I still take the night train

I have taken the night train from Hamburg to Vienna every winter for a decade, and I have never once regretted it.

I like waking up in another country. My children like the tiny beds and the breakfast trays.

I am not a railway enthusiast, and my friends laugh at me, but I would not give up these trips for anything.
"""


def test_first_person_column_is_not_mistaken_for_a_biography() -> None:
    layout = analyse(COLUMN)
    body = body_text(COLUMN, layout.body)
    assert "I would not give up these trips" in body


QUOTE_AT_END = """Fishermen protest quota cut

Fishermen blocked the port of Skagen on Friday to protest a cut in cod quotas announced by the fisheries ministry.

“I have fished here all my life and my father before me, and I have never seen anything like this,” said Jens Holmgaard, who leads the local fishermen's association.
"""


def test_quoted_first_person_paragraph_stays_in_the_body() -> None:
    body = body_text(QUOTE_AT_END, analyse(QUOTE_AT_END).body)
    assert "Jens Holmgaard" in body


SUBHEADINGS = """Museum reopens after flood

The Aldermoor Museum reopened on Saturday, a year after floods damaged its basement archives, director Fiona McAllister said.

Background

The museum holds about 30,000 objects, most of them donated by local families over the past century.

Restoration

Conservators from the Kingsbridge Institute spent eight months drying and repairing damaged documents.
"""


def test_subheadings_are_not_a_comment_thread() -> None:
    body = body_text(SUBHEADINGS, analyse(SUBHEADINGS).body)
    assert "Kingsbridge Institute" in body
    assert "30,000 objects" in body


def test_end_marker_heading_ends_the_story() -> None:
    text = (
        "Ferry fares frozen\n\n"
        "The regional government froze ferry fares for 2024, transport minister Halvard Nes said "
        "on Monday.\n\nRelated articles\n\nFerry operator Fjordline names new chief executive "
        "Ragnhild Moe in surprise move after long search.\n"
    )
    body = body_text(text, analyse(text).body)
    assert "Halvard Nes" in body
    assert "Ragnhild Moe" not in body


def test_text_without_any_furniture_is_all_body() -> None:
    text = "Jane Okoye founded Marlow Robotics in Leeds in 2015, the company says on its website.\n"
    layout = analyse(text)
    assert body_text(text, layout.body) == text.strip()
    assert layout.title is None and layout.authors == () and layout.published is None


def test_a_single_short_line_is_kept_as_body() -> None:
    text = "Orla Byrne joined Tessellate Labs"
    assert analyse(text).body == ((0, len(text)),)


def test_known_title_marks_the_matching_headline_line() -> None:
    text = "Dam repairs finished\nThe Ostvik dam repairs were finished on time, engineer Lars Wold said.\n"
    layout = analyse(text, known_title="Dam repairs finished | Northern Post")
    assert kinds_by_text(text)["Dam repairs finished"] == TITLE
    assert body_text(text, layout.body).startswith("The Ostvik dam repairs")


def test_offsets_point_into_the_text() -> None:
    layout = analyse(WIRE_PAGE)
    for start, end, kind in layout.kinds:
        assert WIRE_PAGE[start:end] == WIRE_PAGE[start:end].strip() != ""
    assert all(0 <= s < e <= len(WIRE_PAGE) for s, e in layout.body)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=400))
def test_analyse_never_fails_and_spans_are_ordered_and_inside(text: str) -> None:
    layout = analyse(text)
    previous_end = 0
    for start, end in layout.body:
        assert previous_end <= start < end <= len(text)
        previous_end = end


# ---------------------------------------------------------------------------------------------
# Line features


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("By Mateus Carvalho and Oskar Lindqvist", ("Mateus Carvalho", "Oskar Lindqvist")),
        ("BY HELGA SVENSSON, Associated Herald", ("Helga Svensson",)),
        ("By Rafael Okoro in Lagos", ("Rafael Okoro",)),
        ("By Ana de la Cruz | Staff Writer", ("Ana de la Cruz",)),
        ("Written by: Ngozi Adeyemi & Pieter van der Berg", ("Ngozi Adeyemi", "Pieter van der Berg")),
        ("By A. J. Whitlock, Tomas Novak and Liesl Brandt, Wire Service",
         ("A. J. Whitlock", "Tomas Novak", "Liesl Brandt")),
        ("By the end of the year the plant will close.", None),
        ("By Kestrel Herald Staff", None),
        ("Byron Hale said the vote was close.", None),
    ],
)
def test_parse_byline(line: str, expected: tuple[str, ...] | None) -> None:
    assert parse_byline(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("December 3, 2019", "2019-12-03"),
        ("Tuesday, May 4, 2021", "2021-05-04"),
        ("Published: 18 Jan 2020 10:02 GMT", "2020-01-18"),
        ("Updated Mon Feb 3, 2020 | 4:45pm EST", "2020-02-03"),
        ("2018-07-22", "2018-07-22"),
        ("Posted on 12 March 2019", "2019-03-12"),
        ("March 2019", None),  # no day: not a publication date
        ("The plant closed on May 4, 2021.", None),
        ("Room 2019", None),
    ],
)
def test_parse_date_line(line: str, expected: str | None) -> None:
    assert parse_date_line(line) == expected


@pytest.mark.parametrize(
    ("line", "prefix"),
    [
        ("WASHINGTON/TORONTO (Wire) – Text follows.", "WASHINGTON/TORONTO (Wire) – "),
        ("OSLO, May 2 (Nordpress) — Text follows.", "OSLO, May 2 (Nordpress) — "),
        ("NEW YORK — Text follows.", "NEW YORK — "),
        ("SÃO PAULO (Agência) - Text follows.", "SÃO PAULO (Agência) - "),
        ("NATO said on Monday it would meet.", ""),
        ("The MAYOR — who was absent — sent a note.", ""),
    ],
)
def test_dateline_prefix_length(line: str, prefix: str) -> None:
    assert line[: dateline_prefix_length(line)] == prefix


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("A firefighter at the scene in Lyon, France, June 1, 2022. AFPRESS/Jean-Luc Moreau", True),
        ("Rescue boats in the bay. Ingrid Halvorsen/NORDPRESS", True),
        ("The old mill at dawn (Photo: Kestrel Courier archive)", True),
        ("The council voted 5-2 on the proposal.", False),
        ("He works for the BBC/ITV joint venture and lives in York.", False),
    ],
)
def test_has_photo_credit(line: str, expected: bool) -> None:
    assert has_photo_credit(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("(Reporting by Tomas Novak; Editing by Liesl Brandt)", True),
        ("Reporting by Tomas Novak; editing by Liesl Brandt", True),
        ("Associated Herald writer Kofi Mensah in Accra contributed to this report.", True),
        ("Reporting by the Courier revealed that the mayor had lied.", False),
        ("(The company did not respond to requests for comment.)", False),
    ],
)
def test_is_wire_credit(line: str, expected: bool) -> None:
    assert is_wire_credit(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Previous articleMarkets slide as bond yields jump", True),
        ("Next story: Council elects new speaker", True),
        ("« Older posts", True),
        ("Newer entries ›", True),
        ("Next year the company plans to expand into Poland, its chairman said.", False),
        ("Previously, the firm had denied wrongdoing.", False),
    ],
)
def test_is_nav_line(line: str, expected: bool) -> None:
    assert is_nav_line(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Comments", True),
        ("14 Comments", True),
        ("Leave a Reply", True),
        ("Related stories", True),
        ("Tags: transport, trams, Kestrel", True),
        ("You may also like", True),
        ("Comments from the minister were welcomed by unions on Monday.", False),
    ],
)
def test_is_end_marker(line: str, expected: bool) -> None:
    assert is_end_marker(line) is expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("ADVERTISEMENT", True),
        ("Read more: Tram fares to rise in spring", True),
        ("4 min read", True),
        ("Readers of the paper were asked for their views.", False),
    ],
)
def test_is_inline_ui(line: str, expected: bool) -> None:
    assert is_inline_ui(line) is expected


def test_is_bio_needs_a_self_description_not_a_quote() -> None:
    assert is_bio("I am a data journalist based in Porto and I write about housing and my city.")
    assert not is_bio("“I am sure we will win this case and my lawyers agree,” said Ines Carvalho.")
    assert is_bio("Kofi Mensah is a senior correspondent covering West African politics for the paper.")
    assert not is_bio("I agree.")
    # Inside a first-person column a first-person paragraph is the story.
    assert not is_bio(
        "I am not a railway enthusiast and my friends laugh at me for these trips every year.",
        "I have taken the night train every winter for a decade.",
    )


@pytest.mark.parametrize(
    ("line", "name"),
    [
        ("  • Bogdan Wierzbicki", "Bogdan Wierzbicki"),
        ("• travelbug77", "travelbug77"),
        ("Marguerite Pellew says:", "Marguerite Pellew"),
        ("Dashiell Fontaine said on May 4, 2021 at 3:12 pm:", "Dashiell Fontaine"),
        ("The company expects about 20,000 extra passengers.", None),
        ("What happens next", None),
        ("3 hours ago", None),
    ],
)
def test_comment_author(line: str, name: str | None) -> None:
    handle = comment_author(split_lines(line)[0])
    assert (handle.name if handle else None) == name


def test_quotes_introduced_with_said_are_not_comments() -> None:
    text = (
        "Bridge closure angers commuters\n\n"
        "The Tollmere bridge will close for six months from June, the roads agency said on Monday.\n\n"
        "Mayor Ingrid Solberg said:\n\n"
        "We will run extra buses for everyone who needs them during the works.\n\n"
        "Opposition leader Petter Lund said:\n\n"
        "This is too little and far too late for the people of Tollmere.\n"
    )
    body = body_text(text, analyse(text).body)
    assert "Petter Lund" in body and "far too late" in body


def test_comment_thread_needs_two_authors_with_text() -> None:
    one = split_lines("Story paragraph that is long enough to be prose here.\n• Rhea Montague\nNice.\n")
    assert find_comment_thread(one, 1, len(one)) is None
    two = split_lines(
        "Story paragraph that is long enough to be prose here.\n• Rhea Montague\nNice.\n"
        "• Casper Lindgren\nI disagree entirely.\n"
    )
    assert find_comment_thread(two, 1, len(two)) == 1


def test_looks_like_headline() -> None:
    assert looks_like_headline("Court blocks U.S. export ban")
    assert looks_like_headline("Court blocks export ban in U.S.")
    assert not looks_like_headline("The court blocked the ban.")
    assert not looks_like_headline("lowercase start of a line")


def test_classify_lines_marks_each_non_blank_line() -> None:
    lines = split_lines(WIRE_PAGE)
    kinds = classify_lines(lines)
    assert len(kinds) == len(lines)
    assert kinds[0] == TITLE
    assert BYLINE in kinds and BODY in kinds and COMMENTS in kinds
