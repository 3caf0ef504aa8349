"""Bytes to text. UTF-8 first (most files), a byte-order mark when there is one, then
charset-normalizer's best guess, then Latin-1. Binary data is refused with a reason.

Control characters are replaced by spaces one for one, so the cleaned text keeps the length and
the offsets of the decoded text. Lone surrogates (a JSON line can spell them as ``\\ud800``; a file
name that is not UTF-8 holds them after ``os.fsdecode``) become U+FFFD one for one: they are not
Unicode characters, and neither spaCy nor a UTF-8 output file can take them.
"""
from __future__ import annotations

import codecs

from charset_normalizer import from_bytes

from kg.errors import InputError
from kg.ids import escape_controls

__all__ = ["decode_bytes", "replace_control_chars", "replace_surrogates", "shown_path", "strip_bom", "control_share"]

# Longest marks first: the UTF-32 LE mark starts with the UTF-16 LE one.
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Western code pages that charset-normalizer often ties with Baltic or Central European ones on
# short English text; windows-1252 is what browsers assume for "latin-1" labels.
_WESTERN = ("cp1252", "latin_1", "iso8859_15")
# Without a byte-order mark a UTF-16/32 guess is almost always ASCII text with NULs in it.
_NO_BOM_EXCLUDED = ["utf_16", "utf_16_le", "utf_16_be", "utf_32", "utf_32_le", "utf_32_be"]
# More than this share of control or replacement characters means the bytes are not text.
_BINARY_SHARE = 0.1
_KEEP = {"\n", "\t", "\r"}
_CONTROL_TO_SPACE = {
    code: " "
    for code in (*range(0x00, 0x20), *range(0x7F, 0xA0))
    if chr(code) not in _KEEP
}
_SURROGATE_TO_FFFD = {code: "\ufffd" for code in range(0xD800, 0xE000)}
_CLEAN = {**_CONTROL_TO_SPACE, **_SURROGATE_TO_FFFD}


def strip_bom(text: str) -> str:
    return text[1:] if text.startswith("\ufeff") else text


def replace_control_chars(text: str) -> str:
    """NUL and other control characters (all but newline, tab, carriage return) become spaces,
    lone surrogates U+FFFD; the length stays the same."""
    return text.translate(_CLEAN)


def replace_surrogates(text: str) -> str:
    """Lone surrogates become U+FFFD; everything else stays (for ids, which keep their controls)."""
    return text.translate(_SURROGATE_TO_FFFD)


def shown_path(path: str, *, escape: bool = True) -> str:
    """A path as text that can be printed on one line and written as UTF-8: bytes of a file name
    that are not UTF-8 (held as surrogates by ``os.fsdecode``) become U+FFFD, control characters
    (a newline in a file name) ``\\xNN``, so a name cannot forge a line of kg's report (unless
    ``escape`` is false: ids escape them after taking the file name apart)."""
    try:
        text = path.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a surrogate that is not an escaped byte
        text = replace_surrogates(path)
    return escape_controls(text) if escape else text


def control_share(text: str) -> float:
    """Share of characters that text never holds: control characters and U+FFFD."""
    sample = text[:65536]
    if not sample:
        return 0.0
    odd = sum(1 for ch in sample if (ord(ch) in _CONTROL_TO_SPACE) or ch == "\ufffd")
    return odd / len(sample)


def decode_bytes(data: bytes) -> str:
    """The text of ``data`` without a BOM. Raises InputError("binary data ...") for non-text."""
    text = strip_bom(_decode(data))
    if control_share(text) > _BINARY_SHARE:
        raise InputError("binary data, not text")
    return text


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    guess = _guess_encoding(data)
    if guess is not None:
        return data.decode(guess, errors="replace")
    return data.decode("latin-1")


def _guess_encoding(data: bytes) -> str | None:
    matches = list(from_bytes(data, cp_exclusion=_NO_BOM_EXCLUDED))
    if not matches:
        return None
    best = matches[0]
    tied_western = [
        m for m in matches if m.encoding in _WESTERN and m.chaos <= best.chaos + 1e-9
    ]
    return tied_western[0].encoding if tied_western else best.encoding
