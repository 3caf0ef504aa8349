"""Atomic file writes: a failed or killed run never leaves a truncated file where a good one was."""
from __future__ import annotations

import os
import re
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

__all__ = ["atomic_writer"]


@contextmanager
def atomic_writer(path: str | Path, *, mode: str = "w", encoding: str | None = "utf-8",
                  errors: str | None = None) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it over ``path`` only on success.
    ``errors`` is the text mode's encoding error handler (default: strict). Temporary files that
    a killed writer on this machine left for the same ``path`` are removed first."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _remove_abandoned(target)
    handle, temporary = tempfile.mkstemp(prefix=f"{_prefix(target)}{_host()}.", suffix=".part", dir=target.parent)
    _hold(handle)
    # mkstemp makes 0600 files; give the output the permissions an ordinary new file would get.
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)
    try:
        with os.fdopen(handle, mode, encoding=encoding if "b" not in mode else None,
                       errors=errors if "b" not in mode else None,
                       newline="" if "b" not in mode else None) as stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _prefix(target: Path) -> str:
    return f".{target.name}."


def _host() -> str:
    """The machine writing a temporary file, in its name: a folder shared between machines may
    hold files whose writers this machine cannot see."""
    return re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"


def _hold(handle: int) -> None:
    """Lock the temporary file for as long as its writer lives (the system lets go when the
    process ends, however it ends): a lock that can be taken means an abandoned file."""
    if fcntl is not None:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _remove_abandoned(target: Path) -> None:
    if fcntl is None:  # no advisory locks here: never guess whether a writer is alive
        return
    pattern = re.compile(re.escape(_prefix(target)) + re.escape(_host()) + r"\.[^/]*\.part")
    try:
        candidates = [p for p in target.parent.iterdir() if pattern.fullmatch(p.name)]
    except OSError:
        return
    for candidate in candidates:
        try:
            with open(candidate, "rb") as stream:
                fcntl.flock(stream.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # fails while its writer lives
                candidate.unlink()
        except OSError:  # held by a live writer, gone already, or not ours to remove
            continue
