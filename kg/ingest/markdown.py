"""Markdown to the text a reader sees, character for character: syntax becomes spaces, so every
offset into the result is an offset into the file as read.

The block structure comes from markdown-it-py (CommonMark): fenced and indented code, HTML
blocks, horizontal rules and link reference definitions are blanked whole; heading, quote and
list markers are blanked. Inside paragraphs, headings and table cells a link keeps its text and
loses its brackets and target (``[John Smith](https://x.org/js)`` -> `` John Smith ``), images,
code spans, autolinks, bare URLs and inline HTML tags go, and emphasis markers become spaces.
So "John Smith]" or a URL never becomes an entity.
"""
from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["markdown_to_text"]

_BLANK_BLOCKS = frozenset({"fence", "code_block", "html_block", "hr"})
_INLINE_PARENTS = frozenset({"paragraph_open", "heading_open", "table_open"})

_CODE_SPAN = re.compile(r"(`+)(?!`).*?(?<!`)\1(?!`)", re.DOTALL)
_TARGET = r"\(\s*(?:<[^>\n]*>|[^()\s]*(?:\([^()\s]*\)[^()\s]*)*)(?:\s+(?:\"[^\"]*\"|'[^']*'|\([^)]*\)))?\s*\)"
_IMAGE = re.compile(r"!\[(?:[^\[\]]|\[[^\]]*\])*\](?:" + _TARGET + r"|\[[^\]]*\])?")
_LINK = re.compile(r"\[((?:[^\[\]]|\[[^\]]*\])*)\](" + _TARGET + r"|\[[^\]]*\])")
_AUTOLINK = re.compile(r"<(?:[a-zA-Z][a-zA-Z0-9+.\-]{1,31}:[^<>\s]*|[^<>\s@]+@[^<>\s@]+)>")
_BARE_URL = re.compile(r"\b(?:https?://|ftp://|www\.)[^\s<>\[\]()]+", re.IGNORECASE)
_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9\-]*(?:\s[^<>]*)?/?>")
_EMPHASIS = re.compile(r"(?<![\w*_~])[*_~]{1,3}(?=\S)|(?<=\S)[*_~]{1,3}(?![\w*_~])")
_HEADING = re.compile(r"^( {0,3})(#{1,6})(?=\s|$)|\s#+\s*$")
_SETEXT = re.compile(r"^ {0,3}(?:=+|-+)\s*$")
_CONTAINER = re.compile(r"^(?:\s*>)+\s?|^\s*(?:[-+*]|\d{1,9}[.)])(?=\s)")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:\s*\S+.*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?\s*$")


def _spaces(match: re.Match) -> str:
    return re.sub(r"[^\n]", " ", match.group(0))


def _keep_link_text(match: re.Match) -> str:
    text = match.group(1)
    return " " + text + " " * (len(match.group(0)) - len(text) - 1)


def _inline(line: str) -> str:
    """One line of running text with its inline syntax blanked (same length)."""
    line = _CODE_SPAN.sub(_spaces, line)
    line = _IMAGE.sub(_spaces, line)
    previous = None
    while previous != line:  # a link inside a link's text
        previous = line
        line = _LINK.sub(_keep_link_text, line)
    line = _AUTOLINK.sub(_spaces, line)
    line = _BARE_URL.sub(_spaces, line)
    line = _HTML_TAG.sub(_spaces, line)
    line = _EMPHASIS.sub(_spaces, line)
    return line.replace("\\", " ") if "\\" in line and re.search(r"\\[^\w\s]", line) else line


@lru_cache(maxsize=1)
def _parser():
    from markdown_it import MarkdownIt

    return MarkdownIt("commonmark").enable("table")


def markdown_to_text(text: str) -> str:
    """``text`` (Markdown) as plain text of the same length: syntax replaced by spaces."""
    lines = text.split("\n")
    blank = [False] * len(lines)
    prose = [False] * len(lines)
    covered = [False] * len(lines)
    try:
        tokens = _parser().parse(text)
    except Exception:  # a parser failure costs the Markdown treatment, not the document
        return text
    for token in tokens:
        if token.map is None:
            continue
        start, end = token.map
        for number in range(start, min(end, len(lines))):
            covered[number] = True
            if token.type in _BLANK_BLOCKS:
                blank[number] = True
            elif token.type in _INLINE_PARENTS or token.type == "inline":
                prose[number] = True
    out = []
    for number, line in enumerate(lines):
        if blank[number] or (not covered[number] and _REFERENCE.match(line)):
            out.append(re.sub(r"[^\n\r]", " ", line))
            continue
        if prose[number]:
            line = _CONTAINER.sub(_spaces, line)
            line = _HEADING.sub(_spaces, line)
            if _SETEXT.match(line) or _TABLE_RULE.match(line) and "-" in line and "|" in line:
                line = _spaces(re.match(r".*", line))
            else:
                line = _inline(line)
                if "|" in line:  # table cell borders
                    line = line.replace("|", " ")
        out.append(line)
    result = "\n".join(out)
    assert len(result) == len(text)
    return result
