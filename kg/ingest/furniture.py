"""Furniture: what a news page holds besides the story.

A scraped article comes with a headline (often twice), photo captions, a dateline, a byline,
wire credits, "Previous article / Next article" links, an author biography and reader comments.
Names in that furniture are not part of the story, so the story's character spans (the body) are
told apart from it here, and the headline, byline and date line become metadata.

Everything is decided from the FORM of lines (length, punctuation, capitals, indentation, what
the neighbouring lines look like), never from a site's exact strings, so it works on pages it has
not seen. Small pure functions classify one line each; ``classify_lines`` turns those local
features into decisions over the whole page; ``analyse`` returns the body spans and metadata.

The story ends where the furniture after it begins: once a wire credit, navigation links, a
comments section or an author biography starts, the rest of the page is furniture.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.ingest.dates import parse_date_line

__all__ = [
    "Line",
    "Layout",
    "BODY", "TITLE", "HEADER", "CAPTION", "DUPLICATE", "DATE", "BYLINE", "CREDIT", "NAV",
    "UI", "END", "BIO", "COMMENTS", "TAIL",
    "analyse",
    "split_lines",
    "classify_lines",
    "body_spans",
    "words",
    "is_prose",
    "looks_like_headline",
    "parse_byline",
    "parse_date_line",
    "dateline_prefix_length",
    "has_photo_credit",
    "is_caption_label",
    "extends",
    "is_wire_credit",
    "is_nav_line",
    "is_end_marker",
    "is_inline_ui",
    "is_bio",
    "comment_author",
    "find_comment_thread",
]

# Line kinds. BODY is the story; every other kind is furniture.
BODY = "body"
TITLE = "title"          # the headline (becomes Document.title)
HEADER = "header"        # other short lines above the story: kickers, breadcrumbs, "5 min read"
CAPTION = "caption"      # photo captions and their credits
DUPLICATE = "duplicate"  # a line repeated from just above (a headline printed twice)
DATE = "date"            # a line holding only a date (becomes Document.published)
BYLINE = "byline"        # "By A and B" (becomes Document.authors)
CREDIT = "credit"        # "(Reporting by ...; Editing by ...)": closes a wire story
NAV = "nav"              # "Previous article ..." / "Next story ..." links
UI = "ui"                # page widgets inside the story: "Advertisement", "Read more: ..."
END = "end"              # headings that open post-story sections: "Comments", "Related articles"
BIO = "bio"              # an author biography after the story
COMMENTS = "comments"    # a reader comment thread
TAIL = "tail"            # anything else after the story ended

_ENDS_STORY = frozenset({CREDIT, NAV, END})


@dataclass(frozen=True, slots=True)
class Line:
    """A non-blank line: offsets of its visible text in the page, and its indentation."""

    start: int
    end: int
    text: str
    indent: int


@dataclass(frozen=True, slots=True)
class Layout:
    """What ``analyse`` found: the story's spans, metadata, and each line's kind."""

    body: tuple[tuple[int, int], ...]
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    kinds: tuple[tuple[int, int, str], ...] = ()  # (start, end, kind) of every non-blank line


# ---------------------------------------------------------------------------------------------
# Lines


def split_lines(text: str) -> tuple[Line, ...]:
    """The non-blank lines of ``text`` with the offsets of their stripped content."""
    lines: list[Line] = []
    position = 0
    for raw in text.split("\n"):
        stripped = raw.strip()
        if stripped:
            lead = len(raw) - len(raw.lstrip())
            start = position + lead
            lines.append(Line(start, start + len(stripped), stripped, lead))
        position += len(raw) + 1
    return tuple(lines)


def words(text: str) -> list[str]:
    return text.split()


_CLOSERS = "\"'”’»)]"
_SENTENCE_END = (".", "!", "?", "…", ":")


def _ends_sentence(text: str) -> bool:
    return text.rstrip(_CLOSERS).endswith(_SENTENCE_END)


def is_prose(text: str) -> bool:
    """A running-text paragraph: a long enough sentence, or a long line whatever its end."""
    count = len(words(text))
    return (count >= 8 and _ends_sentence(text)) or count >= 30


def looks_like_headline(text: str) -> bool:
    """Short, capitalised, and not closed by a full stop (an abbreviation like "U.S." may end
    it)."""
    tokens = words(text.lstrip("#").strip())
    if not 1 <= len(tokens) <= 25 or len(text) > 200:
        return False
    first = tokens[0].lstrip("\"'“‘([")
    if not first or not (first[0].isupper() or first[0].isdigit()):
        return False
    last = tokens[-1].rstrip(_CLOSERS)
    if last.endswith(".") and last.count(".") < 2:
        return False
    if len(_TRAIL_SEPARATOR.findall(text)) >= 2:  # "Home » World » Europe" is a breadcrumb trail
        return False
    return any(ch.isalpha() for ch in text)


_TRAIL_SEPARATOR = re.compile(r"\s[»›>|/]\s")


def _norm(text: str) -> str:
    return " ".join(text.lstrip("#").split()).casefold()


# ---------------------------------------------------------------------------------------------
# Bylines

_BYLINE_LEAD = re.compile(
    r"^(?:by|written\s+by|words\s+by|story\s+by|text\s+by)\s*:?\s+(?P<rest>\S.*)$", re.IGNORECASE
)
_ROLE_SPLIT = re.compile(r"\s+[|•·]\s+|\s+[–—-]+\s+|\s*\|\s*")
_AND_SPLIT = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)
_PARTICLES = frozenset(
    "de da das do dos van von der den del della di du la le bin ibn al el ter ten y".split()
)
# A trailing word that makes a "name" a desk or a role rather than a person.
_NOT_PERSON_TAIL = frozenset(
    "staff reporter reporters correspondent correspondents writer writers editor editors team "
    "desk bureau newsroom news press agency wire wires service online".split()
)
_NAME_PUNCTUATION = frozenset("'’.-")
_MAX_BYLINE_WORDS = 16


def parse_byline(text: str) -> tuple[str, ...] | None:
    """The people named by a byline ("By A, B and C, Agency" -> (A, B, C)); None if the line is
    not a byline."""
    if len(words(text)) > _MAX_BYLINE_WORDS:
        return None
    match = _BYLINE_LEAD.match(text.strip())
    if not match:
        return None
    rest = _ROLE_SPLIT.split(match["rest"])[0]
    pieces = _AND_SPLIT.split(rest)
    if len(pieces) > 1:
        # "A, B and C, Role": commas list names before the last "and"; after it, one more name.
        candidates = [p for piece in pieces[:-1] for p in piece.split(",")]
        candidates.append(pieces[-1].split(",")[0])
    else:
        candidates = [rest.split(",")[0]]
    names = tuple(name for name in (_person_name(c) for c in candidates) if name)
    return names or None


def _person_name(text: str) -> str | None:
    kept: list[str] = []
    for word in words(text):
        if word[0].isupper():
            kept.append(word)
        elif kept and word.lower() in _PARTICLES:
            kept.append(word)
        else:
            break  # "Jane Doe in Paris": the name stops at the first lowercase word
    if not 2 <= len(kept) <= 5 or kept[-1].lower() in _PARTICLES:
        return None
    if kept[-1].lower() in _NOT_PERSON_TAIL or not all(_is_name_word(w) for w in kept):
        return None
    name = " ".join(kept)
    return name.title() if name.isupper() else name


def _is_name_word(word: str) -> bool:
    return word[0].isalpha() and all(ch.isalpha() or ch in _NAME_PUNCTUATION for ch in word)


# ---------------------------------------------------------------------------------------------
# Datelines: "CITY (Agency) – " before the first paragraph

_UPPER = "A-ZÀ-ÖØ-Þ"
_DATELINE = re.compile(
    rf"""^(?P<place>[{_UPPER}][{_UPPER}'’.\-]*(?:[ /][{_UPPER}][{_UPPER}'’.\-]*)*)
    (?:,\s*[{_UPPER}][\w.]*(?:\s+[{_UPPER}0-9][\w.]*)*)?
    \s*(?:\((?P<agency>[^()\n]{{1,40}})\))?
    \s*(?P<dash>[–—-]{{1,2}})?\s+""",
    re.VERBOSE,
)


_DATELINE_WINDOW = 120  # a dateline is short; bounding the match keeps hostile lines linear


def dateline_prefix_length(text: str) -> int:
    """Length of a leading dateline ("WASHINGTON (Agency) – ", "OSLO, May 2 — ") or 0."""
    match = _DATELINE.match(text[:_DATELINE_WINDOW])
    if not match:
        return 0
    letters = sum(ch.isalpha() for ch in match["place"])
    if match["agency"] and letters >= 3:
        return match.end()
    if match["dash"] and letters >= 4:
        return match.end()
    return 0


# ---------------------------------------------------------------------------------------------
# Captions

# "AGENCY/First Last" or "First Last/AGENCY" closing a line.
_AGENCY = rf"[{_UPPER}]{{2,}}(?:[ &][{_UPPER}]{{2,}})*"
_PERSON = rf"[{_UPPER}][\w'’.\-]+(?:\s+[{_UPPER}][\w'’.\-]+){{0,3}}"
_CREDIT_TAIL = re.compile(
    rf"(?:\b{_AGENCY}\s?/\s?{_PERSON}|\b{_PERSON}\s?/\s?{_AGENCY})\.?\)?\s*$"
)
_CREDIT_PARENS = re.compile(
    r"\((?:photo|photograph|picture|image|file\s+photo|credit)s?\b[^()]*\)\s*$", re.IGNORECASE
)
_CAPTION_LABEL = re.compile(
    r"^(?:photo|photograph|picture|image|illustration|caption|credit|file\s+photo)s?"
    r"(?:\s+(?:by|credit))?\s*[:|]\s*\S",
    re.IGNORECASE,
)
_MAX_CAPTION_EXTENSION = 12
_CREDIT_WINDOW = 160
_NEIGHBOURS = 3


def has_photo_credit(text: str) -> bool:
    """A line closed by a photo credit: "... 2017. AGENCY/Jane Doe", "(Photo: ...)"."""
    tail = text[-_CREDIT_WINDOW:]  # credits close a line; a bounded tail keeps matching linear
    return bool(_CREDIT_TAIL.search(tail) or _CREDIT_PARENS.search(tail))


def is_caption_label(text: str) -> bool:
    return bool(_CAPTION_LABEL.match(text))


def extends(short: str, long: str) -> bool:
    """``long`` repeats ``short`` and adds a little (a caption repeating its image's alt text
    with place, date or credit)."""
    if len(long) <= len(short) or not long.startswith(short) or len(words(short)) < 4:
        return False
    extra = len(words(long[len(short):]))
    return has_photo_credit(long) or extra <= _MAX_CAPTION_EXTENSION


def _caption_or_duplicate(lines: tuple[Line, ...], i: int) -> str | None:
    text = lines[i].text
    if has_photo_credit(text) or is_caption_label(text):
        return CAPTION
    before = lines[max(0, i - _NEIGHBOURS):i]
    if any(extends(other.text, text) for other in before):
        return CAPTION
    if any(extends(text, other.text) for other in lines[i + 1:i + 1 + _NEIGHBOURS]):
        return CAPTION
    if len(words(text)) >= 3 and any(_norm(other.text) == _norm(text) for other in before):
        return DUPLICATE
    return None


# ---------------------------------------------------------------------------------------------
# Lines that close the story or sit inside it as page widgets

_WIRE_CREDIT = re.compile(
    r"\b(?:(?:additional\s+)?reporting|writing|editing|edited|compiled|research|graphics)\s+by\b",
    re.IGNORECASE,
)
_CONTRIBUTED = re.compile(
    r"\bcontributed(?:\s+reporting)?\s+to\s+this\s+(?:report|story|article)\.?\)?$", re.IGNORECASE
)
_MAX_CREDIT_WORDS = 60

_NAV = re.compile(
    r"^\W{0,3}(?:previous|prev|next|older|newer)\s*(?:article|post|story|entry|item|page|gallery)s?"
    r"(?=$|\W|(?-i:[A-Z]))",
    re.IGNORECASE,
)
_NAV_ARROWS = re.compile(r"^(?:[«‹←]\s*\S.{0,120}|.{1,120}\S\s*[»›→])$")
_MAX_NAV_WORDS = 30

_END_MARKER = re.compile(
    r"""^\W*(?:
        \d+\s+(?:comments?|responses?|replies)
      | (?:comments?|discussion|responses)(?:\s*\(\d+\))?
      | (?:leave|post|add|write)\s+an?\s+(?:reply|comment|response)
      | (?:join|start)\s+the\s+(?:conversation|discussion)
      | (?:reader|readers'?|user)\s+comments
      | (?:show|view|load|read)\s+(?:all\s+)?comments
      | (?:related|recommended|more|similar|popular|latest|trending|top)\s+
          (?:articles?|stories|posts|news|reads|reading|content|videos?|coverage|links)
      | most\s+(?:read|popular|viewed|shared|emailed)
      | you\s+(?:may|might)\s+(?:also\s+)?(?:like|enjoy|be\s+interested\s+in)
      | recommended\s+for\s+you | read\s+next | what\s+to\s+read\s+next
      | about\s+the\s+authors? | share\s+this(?:\s+(?:article|story|post|page))?
      | tags? | filed\s+under | posted\s+in | categories | topics
      | sign\s+up\s+for\s+(?:our|the)\s+\w+\s+newsletter
    )\W*(?::.*)?$""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_END_MARKER_WORDS = 14

_INLINE_UI = re.compile(
    r"""^\W*(?:
        advertisement | sponsored(?:\s+content)? | ad
      | (?:read|see)\s+(?:more|also)\b.* | related\s*:.* | also\s+read\s*:.*
      | continue\s+reading.* | story\s+continues\s+below.* | click\s+here\b.*
      | (?:subscribe|sign\s+up)\b.{0,80} | follow\s+(?:us|me)\s+on\b.*
      | skip\s+to\s+(?:main\s+)?content | listen\s+to\s+this\s+article.* | \d+\s+min(?:ute)?s?\s+read
      | (?:enlarge|toggle|hide|show)\s+(?:this\s+)?(?:image|caption|photo)
      | (?:share|tweet|email|print)(?:\s+(?:on|via)\s+\w+)?
    )\W*$""",
    re.IGNORECASE | re.VERBOSE,
)
_MAX_UI_WORDS = 20


def is_wire_credit(text: str) -> bool:
    """A credit closing a wire story: "(Reporting by A in X; Editing by B)", or "C contributed
    to this report."."""
    if len(words(text)) > _MAX_CREDIT_WORDS:
        return False
    stripped = text.strip()
    if stripped.startswith("(") and stripped.rstrip(".").endswith(")"):
        return bool(_WIRE_CREDIT.search(stripped))
    if _CONTRIBUTED.search(stripped) and len(words(stripped)) <= 25:
        return True
    # Unbracketed "Reporting by A; Editing by B": credits joined by semicolons, no sentence.
    parts = [p for p in stripped.rstrip(".").split(";") if p.strip()]
    return len(parts) >= 2 and all(_WIRE_CREDIT.match(p.strip()) for p in parts)


def is_nav_line(text: str) -> bool:
    """A link to another article: "Previous article<headline>", "Next story: ...",
    "« Older posts"."""
    if len(words(text)) > _MAX_NAV_WORDS:
        return False
    if _NAV.match(text):
        return True
    return bool(_NAV_ARROWS.match(text)) and not _ends_sentence(text) and len(words(text)) <= 12


def is_end_marker(text: str) -> bool:
    """A heading that opens a section after the story: comments, related articles, tags."""
    return len(words(text)) <= _MAX_END_MARKER_WORDS and bool(_END_MARKER.match(text))


def is_inline_ui(text: str) -> bool:
    """A page widget inside the story ("Advertisement", "Read more: ...")."""
    return len(words(text)) <= _MAX_UI_WORDS and bool(_INLINE_UI.match(text))


# ---------------------------------------------------------------------------------------------
# Author biographies

_FIRST_PERSON_OPENER = re.compile(r"^(?:I\b|I[’']m\b|I[’']ve\b|My\s+name\s+is\b)")
_FIRST_PERSON = re.compile(r"\b(?:I|I[’']m|I[’']ve|I[’']d|me|my|myself)\b")
_QUOTES = re.compile(r"[\"“”«»]")
_THIRD_PERSON_BIO = re.compile(
    r"^[A-Z][\w'’.\-]+(?:\s+[A-Z][\w'’.\-]+){0,3}\s+(?:is|was|has\s+been)\s+(?:an?|the)\s+"
    r"(?:[\w\-]+\s+){0,6}?(?:reporter|writer|journalist|correspondent|editor|columnist|"
    r"contributor|author|producer|blogger|analyst|trader|photographer|critic)\b"
)
_MIN_BIO_WORDS = 12


def is_bio(text: str, previous: str | None = None) -> bool:
    """An author biography: a first-person self-description (not a quotation, and not inside a
    first-person column), or "Name is a reporter ..."."""
    if len(words(text)) < _MIN_BIO_WORDS:
        return False
    if _THIRD_PERSON_BIO.match(text):
        return True
    if not _FIRST_PERSON_OPENER.match(text) or _QUOTES.search(text):
        return False
    if previous is not None and _FIRST_PERSON_OPENER.match(previous):
        return False
    return len(_FIRST_PERSON.findall(text)) >= 2


# ---------------------------------------------------------------------------------------------
# Reader comments: name-then-text rhythm

_BULLET = re.compile(r"^[•·◦▪▫‣●○■□►▸➤*\-–—]\s+")
_SAYS = re.compile(
    r"^(?P<name>.+?)\s+(?P<verb>says|said|wrote|writes|replied|commented)"
    r"(?P<when>\s+(?:on|at)\s+.+)?:?$"
)
_TIME_AGO = re.compile(
    r"^(?:\d+|an?|one)\s+(?:second|minute|min|hour|hr|day|week|month|year)s?\s+ago$", re.IGNORECASE
)
_REACTIONS = re.compile(
    r"^(?:reply|report|like|flag|share|upvote|downvote|\d+)(?:\s*[·|•]?\s*(?:reply|report|like|flag|"
    r"share|upvote|downvote|\d+))*$",
    re.IGNORECASE,
)
_INLINE_STAMP = re.compile(r"\s+[·|•\-–—]\s+(?P<when>[^·|•]{3,40})$")
_MAX_HANDLE_WORDS = 5
_MAX_HANDLE_CHARS = 40
_MAX_THREAD_GAP = 12  # lines between two comment authors of one thread


@dataclass(frozen=True, slots=True)
class _Handle:
    name: str
    strong: bool  # a bullet or "says:": a name-like line alone could be a subheading


def comment_author(line: Line) -> _Handle | None:
    """The commenter's name if ``line`` looks like the author line of a comment."""
    text = line.text
    bullet = _BULLET.match(text)
    name = text[bullet.end():] if bullet else text
    stamp = _INLINE_STAMP.search(name)
    if stamp and (_TIME_AGO.match(stamp["when"]) or parse_date_line(stamp["when"])):
        name = name[: stamp.start()]  # "Jane · 2 hours ago": the stamp marks a comment
        if name and _name_like(name) and len(words(name)) <= _MAX_HANDLE_WORDS:
            return _Handle(name, True)
    says = _SAYS.match(name) if len(name) <= 2 * _MAX_HANDLE_CHARS else None
    if says and len(words(says["name"])) <= _MAX_HANDLE_WORDS and _name_like(says["name"]):
        # "Jane says:" is comment-widget talk; a story introduces a quote with "Jane said:",
        # so "said" counts only with the comment's time stamp after it.
        return _Handle(says["name"], says["verb"] != "said" or bool(says["when"]))
    tokens = words(name)
    if not 1 <= len(tokens) <= _MAX_HANDLE_WORDS or len(name) > _MAX_HANDLE_CHARS:
        return None
    if name.endswith(("?", "!", ",", ";", ":")) or (name.endswith(".") and len(tokens) > 3):
        return None
    if not any(ch.isalpha() for ch in name) or parse_date_line(name) or _REACTIONS.match(name):
        return None
    if _TIME_AGO.match(name):
        return None
    if not _name_like(name):
        return None
    return _Handle(name, bool(bullet))


def _name_like(name: str) -> bool:
    """Names and user names: every word capitalised or holding a digit, or all lowercase."""
    tokens = words(name)
    return name.islower() or all(t[0].isupper() or any(c.isdigit() for c in t) for t in tokens)


def _comment_text_after(lines: tuple[Line, ...], i: int) -> tuple[int, bool] | None:
    """Index of the comment text after an author line at ``i`` (skipping a "3 hours ago" line),
    and whether a time stamp was seen."""
    k = i + 1
    stamped = False
    if k < len(lines) and (_TIME_AGO.match(lines[k].text) or parse_date_line(lines[k].text)):
        k += 1
        stamped = True
    if k >= len(lines):
        return None
    following = comment_author(lines[k])
    if following is not None and following.strong:  # an author line followed by another one
        return None
    return k, stamped


def find_comment_thread(lines: tuple[Line, ...], lo: int, hi: int) -> int | None:
    """Index of the first author line of a comment thread in ``lines[lo:hi]``: at least two
    author lines, each followed by text, close together, each marked by a bullet, "says:", a
    time stamp, or text indented under it."""
    authors: list[int] = []
    for i in range(lo, min(hi, len(lines))):
        handle = comment_author(lines[i])
        if handle is None:
            continue
        after = _comment_text_after(lines, i)
        if after is None:
            continue
        k, stamped = after
        if handle.strong or stamped or lines[k].indent > lines[i].indent:
            if authors and i - authors[-1] <= _MAX_THREAD_GAP:
                return authors[-1]
            authors.append(i)
    return None


# ---------------------------------------------------------------------------------------------
# Decisions over the page


def _local_kind(lines: tuple[Line, ...], i: int) -> str | None:
    """What a line is from its own form and its near neighbours, or None for plain text."""
    text = lines[i].text
    if is_wire_credit(text):
        return CREDIT
    if is_nav_line(text):
        return NAV
    if is_end_marker(text):
        return END
    if parse_byline(text):
        return BYLINE
    if parse_date_line(text):
        return DATE
    found = _caption_or_duplicate(lines, i)
    if found:
        return found
    if is_inline_ui(text):
        return UI
    return None


def _first_prose(lines: tuple[Line, ...], local: list[str | None]) -> int | None:
    for i, line in enumerate(lines):
        if local[i] is not None:
            continue
        if i == 0 and len(lines) > 1 and looks_like_headline(line.text):
            continue
        if is_prose(line.text):
            return i
    return None


_TITLE_SEARCH_LINES = 12


def _pick_title(
    lines: tuple[Line, ...], local: list[str | None], header_end: int, known_title: str | None
) -> int | None:
    """Index of the headline line among the lines above the story."""
    if known_title:
        # The stated title, or the headline it was made from ("Headline | Site Name").
        wanted = _norm(known_title)
        return next(
            (
                i
                for i in range(min(header_end, _TITLE_SEARCH_LINES))
                if _norm(lines[i].text) == wanted
                or (len(words(lines[i].text)) >= 2 and looks_like_headline(lines[i].text)
                    and _norm(lines[i].text) in wanted)
            ),
            None,
        )
    if len(lines) < 2:
        return None
    candidates = [
        i for i in range(header_end) if local[i] is None and looks_like_headline(lines[i].text)
    ]
    # A kicker ("World News") may stand above the headline: prefer a line of three words or more.
    longer = [i for i in candidates if len(words(lines[i].text)) >= 3]
    return (longer or candidates or [None])[0]


def _story_end(lines: tuple[Line, ...], local: list[str | None], first_body: int) -> int:
    """Index of the first furniture line after the story (len(lines) if the story runs on)."""
    end = next(
        (i for i in range(first_body + 1, len(lines)) if local[i] in _ENDS_STORY), len(lines)
    )
    thread = find_comment_thread(lines, first_body + 1, end)
    if thread is not None:
        end = thread
    # Biographies stand just before the post-story furniture (or close the page).
    while end - 1 > first_body and is_bio(lines[end - 1].text, lines[end - 2].text):
        end -= 1
    return end


def classify_lines(lines: tuple[Line, ...], *, known_title: str | None = None) -> tuple[str, ...]:
    """The kind of every line (BODY or one furniture kind)."""
    if not lines:
        return ()
    local = [_local_kind(lines, i) for i in range(len(lines))]
    prose = _first_prose(lines, local)
    header_end = prose if prose is not None else len(lines)
    title = _pick_title(lines, local, header_end, known_title)
    first_body = prose
    if first_body is None:  # no running text: keep whatever is not recognisably furniture
        first_body = next(
            (i for i in range(len(lines)) if local[i] is None and i != title), len(lines)
        )
    end = _story_end(lines, local, first_body) if first_body < len(lines) else len(lines)
    thread = find_comment_thread(lines, end, len(lines))
    kinds: list[str] = []
    for i, line in enumerate(lines):
        if i == title:
            kinds.append(TITLE)
        elif i >= end:
            kinds.append(_tail_kind(lines, local, i, thread))
        elif local[i] is not None:
            kinds.append(local[i])
        elif i < first_body:
            # Above the story: a standfirst sentence is kept, kickers and widgets are not.
            standfirst = _ends_sentence(line.text) and len(words(line.text)) >= 5
            kinds.append(BODY if standfirst else HEADER)
        else:
            kinds.append(BODY)
    return tuple(kinds)


def _tail_kind(lines: tuple[Line, ...], local: list[str | None], i: int, thread: int | None) -> str:
    if local[i] in _ENDS_STORY:
        return local[i]  # type: ignore[return-value]
    if thread is not None and i >= thread:
        return COMMENTS
    if is_bio(lines[i].text, lines[i - 1].text if i > 0 else None):
        return BIO
    return local[i] or TAIL


def body_spans(
    lines: tuple[Line, ...], kinds: tuple[str, ...]
) -> tuple[tuple[int, int], ...]:
    """Character spans of runs of body lines (blank lines between them stay inside a run). A
    dateline before the first paragraph is left out."""
    spans: list[tuple[int, int]] = []
    first = True
    previous_was_body = False
    for line, kind in zip(lines, kinds):
        if kind != BODY:
            previous_was_body = False
            continue
        start = line.start
        if first:
            start += dateline_prefix_length(line.text)
            first = False
        if previous_was_body and spans:
            spans[-1] = (spans[-1][0], line.end)
        elif start < line.end:
            spans.append((start, line.end))
        previous_was_body = True
    return tuple(spans)


def analyse(text: str, *, known_title: str | None = None) -> Layout:
    """Body spans and metadata (title, authors, published) of one page of text.

    ``known_title`` (from HTML metadata, say) marks a matching line as the headline. When no line
    can be the story, the whole text is the body: nothing is thrown away unseen."""
    lines = split_lines(text)
    kinds = classify_lines(lines, known_title=known_title)
    body = body_spans(lines, kinds)
    if not body and text.strip():
        body = ((0, len(text)),)
    title = next((_clean_title(l.text) for l, k in zip(lines, kinds) if k == TITLE), None)
    authors = next((parse_byline(l.text) for l, k in zip(lines, kinds) if k == BYLINE), None)
    published = next((parse_date_line(l.text) for l, k in zip(lines, kinds) if k == DATE), None)
    return Layout(
        body=body,
        title=title,
        authors=authors or (),
        published=published,
        kinds=tuple((l.start, l.end, k) for l, k in zip(lines, kinds)),
    )


def _clean_title(text: str) -> str:
    return " ".join(text.lstrip("#").split())
