"""INPUT arguments to the files they name: a file, a folder (recursive), a glob, or ``-``.

Listing only; nothing is opened here. Folders and globs are walked in sorted order so a run
reads the same files in the same order on every machine.
"""
from __future__ import annotations

import glob
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from kg.ingest.decode import shown_path
from kg.types import Skipped

__all__ = ["SUFFIXES", "STDIN", "Candidate", "StdinInput", "expand_inputs", "suffix_of"]

SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".jsonl"})
STDIN = "-"
_GLOB_CHARS = frozenset("*?[")


@dataclass(frozen=True, slots=True)
class Candidate:
    """A file to read. ``source`` is the path as the user gave it (or as found under the folder
    they gave), printable (``shown_path``); ``explicit`` files with an unknown suffix are
    reported, found ones ignored."""

    path: str
    source: str
    explicit: bool


@dataclass(frozen=True, slots=True)
class StdinInput:
    source: str = "<stdin>"


def suffix_of(path: str) -> str:
    return os.path.splitext(path)[1].lower()


def expand_inputs(inputs: Sequence[str]) -> Iterator[Candidate | StdinInput | Skipped]:
    """Each input's files in order; a path read twice is listed once."""
    seen: set[str] = set()
    for given in inputs:
        for item in _expand_one(given):
            if isinstance(item, Candidate):
                key = os.path.realpath(item.path) if os.path.exists(item.path) else item.path
                if key in seen:
                    continue
                seen.add(key)
            yield item


def _expand_one(given: str) -> Iterator[Candidate | StdinInput | Skipped]:
    if given == STDIN:
        yield StdinInput()
    elif os.path.isdir(given):
        yield from _or_report(_walk_folder(given), given, "no documents in this folder")
    elif os.path.lexists(given):
        yield Candidate(given, shown_path(given), explicit=True)
    elif _GLOB_CHARS & set(given):
        yield from _or_report(_expand_glob(given), given, "no documents match this pattern")
    else:
        yield Skipped(shown_path(given), "no such file or directory")


def _or_report(
    found: Iterator[Candidate | Skipped], given: str, reason: str
) -> Iterator[Candidate | Skipped]:
    """``found``, or one Skipped naming ``given`` when it holds no file kg reads (an INPUT that
    yields nothing is a user's mistake worth a line, not silence)."""
    empty = True
    for item in found:
        empty = False
        yield item
    if empty:
        kinds = ", ".join(sorted(SUFFIXES))
        yield Skipped(shown_path(given), f"{reason} ({kinds})")


def _expand_glob(pattern: str) -> Iterator[Candidate | Skipped]:
    for match in sorted(glob.glob(pattern, recursive=True)):
        if os.path.isdir(match):
            yield from _walk_folder(match)
        elif suffix_of(match) in SUFFIXES:
            yield Candidate(match, shown_path(match), explicit=False)


def _walk_folder(folder: str) -> Iterator[Candidate | Skipped]:
    """Files with a known suffix under ``folder``, sorted by path. Hidden files and folders
    (".git", ".DS_Store") are passed over; symbolic links to folders are not followed (loops).
    A sub-folder that cannot be listed is reported."""
    found: list[str] = []
    unlisted: list[OSError] = []
    for root, dirs, files in os.walk(folder, followlinks=False, onerror=unlisted.append):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        found.extend(
            os.path.join(root, name)
            for name in files
            if not name.startswith(".") and suffix_of(name) in SUFFIXES
        )
    for error in unlisted:
        yield Skipped(shown_path(str(error.filename or folder)), f"cannot list folder: {error.strerror or error}")
    for path in sorted(found, key=lambda p: p.replace(os.sep, "/")):
        yield Candidate(path, shown_path(path), explicit=False)
