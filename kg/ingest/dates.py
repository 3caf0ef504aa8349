"""Dates as ISO ``yyyy-mm-dd``: from metadata values and from date-only lines of a page."""
from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

__all__ = ["iso_date", "parse_date_line"]

_ISO_PREFIX = re.compile(r"^\s*(\d{4})-(\d{2})-(\d{2})(?:$|[T\s])")
_YEAR = re.compile(r"(?<!\d)(?:1[89]|20)\d\d(?!\d)")
_LABEL = re.compile(
    r"^(?:(?:first\s+|last\s+)?(?:published|updated|posted|modified)|dated?)(?:\s+on)?\s*[:\-–]?\s*",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W\d_]+\.?|\d+(?:st|nd|rd|th)?", re.UNICODE)
_SEGMENT_SPLIT = re.compile(r"\s*[|·•]\s*")
_MONTHS = {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
}
_WEEKDAYS = {
    "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
    "mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
}
# Words a date-and-time line may hold besides months, weekdays and numbers.
_FILLER = {
    "at", "on", "of", "the", "am", "pm", "a.m", "p.m", "a", "m", "p", "updated", "published",
    "posted", "modified", "last", "first", "gmt", "utc", "z",
}
_MAX_DATE_LINE = 80


def iso_date(value: str | None) -> str | None:
    """``yyyy-mm-dd`` for a date or timestamp in any common form; None if there is none."""
    if not value or not value.strip():
        return None
    match = _ISO_PREFIX.match(value)
    if match:
        try:
            return date(int(match[1]), int(match[2]), int(match[3])).isoformat()
        except ValueError:
            return None
    return _parse_free_date(_LABEL.sub("", value.strip()))


def parse_date_line(text: str) -> str | None:
    """The ISO date of a line that holds nothing but a date (and maybe a time, weekday or a
    "Published:" label), e.g. "December 18, 2017" or "Mon 4 Mar 2019 | 10:02 GMT"."""
    if len(text) > _MAX_DATE_LINE or not _YEAR.search(text):
        return None
    rest = _LABEL.sub("", text.strip())
    tokens = _TOKEN.findall(rest)
    if not tokens or not all(_is_date_token(token) for token in tokens):
        return None
    for segment in _SEGMENT_SPLIT.split(rest):
        if _YEAR.search(segment):
            found = iso_date(segment)
            if found:
                return found
    return None


def _is_date_token(token: str) -> bool:
    word = token.lower().rstrip(".")
    if word[:1].isdigit():
        return True
    if word in _MONTHS or word in _WEEKDAYS or word in _FILLER:
        return True
    # Time-zone abbreviations: EST, CEST, ET...
    return token.isupper() and 2 <= len(token) <= 5


@lru_cache(maxsize=4096)
def _parse_free_date(text: str) -> str | None:
    import dateparser  # imported on first use: it takes a moment to load

    try:
        parsed = dateparser.parse(
            text,
            languages=["en"],
            settings={"REQUIRE_PARTS": ["day", "month", "year"], "RETURN_AS_TIMEZONE_AWARE": False},
        )
    except (ValueError, OverflowError, TypeError):
        return None
    if not isinstance(parsed, datetime):
        return None
    return parsed.date().isoformat()
