"""INPUT arguments to the files they name: a file, a folder (recursive), a glob, or ``-``.

Listing only; nothing is opened here. Folders and globs are walked in sorted order so a run
reads the same files in the same order on every machine.
"""
from __future__ import annotations

import fnmatch
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
    matches = _recursive_glob(pattern) if "**" in pattern else glob.glob(pattern)
    for match in sorted(matches):
        if os.path.isdir(match):
            yield from _walk_folder(match)
        elif suffix_of(match) in SUFFIXES:
            yield Candidate(match, shown_path(match), explicit=False)


def _recursive_glob(pattern: str) -> list[str]:
    """What ``glob.glob(pattern, recursive=True)`` matches, but each real folder is entered once:
    glob follows symbolic links to folders, so a link to its own folder made it list
    ``l/l/l/...`` until the path was too long (for ever, with two such links). Hidden names match
    only a pattern part that starts with a dot, as in glob."""
    parts = pattern.replace(os.sep, "/").split("/")
    fixed = 0
    while fixed < len(parts) and not _GLOB_CHARS & set(parts[fixed]):
        fixed += 1
    root = "/".join(parts[:fixed]) or ("/" if pattern.startswith("/") else "")
    if parts[:fixed] == [""]:  # "/**/x": the root folder
        root = "/"
    wanted = parts[fixed:]
    top = root or os.curdir
    if not os.path.isdir(top):
        return []
    found: list[str] = []
    visited: set[str] = set()
    for folder, dirs, files in os.walk(top, followlinks=True):
        real = os.path.realpath(folder)
        if real in visited:
            dirs[:] = []
            continue
        visited.add(real)
        relative = os.path.relpath(folder, top)
        prefix = [] if relative == os.curdir else relative.replace(os.sep, "/").split("/")
        dirs[:] = [d for d in dirs if os.path.realpath(os.path.join(folder, d)) not in visited]
        for name in (*dirs, *files):
            if _matches(wanted, [*prefix, name]):
                found.append(os.path.join(root, *prefix, name) if root else os.path.join(*prefix, name))
    return found


def _matches(pattern: list[str], names: list[str]) -> bool:
    """Whether path parts ``names`` match glob parts ``pattern`` ("**" is any number of folders)."""
    def match(p: int, n: int) -> bool:
        if p == len(pattern):
            return n == len(names)
        part = pattern[p]
        if part == "**":
            if match(p + 1, n):
                return True
            return n < len(names) and not names[n].startswith(".") and match(p, n + 1)
        if n == len(names):
            return False
        name = names[n]
        if name.startswith(".") and not part.startswith("."):
            return False
        return fnmatch.fnmatchcase(name, part) and match(p + 1, n + 1)

    return match(0, 0)


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
