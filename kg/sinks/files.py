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
    handle, temporary = tempfile.mkstemp(prefix=f"{_prefix(target)}{_owner()}.", suffix=".part", dir=target.parent)
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


def _owner() -> str:
    """Who writes a temporary file: host and process id, so a later run can tell an abandoned
    one (its process is gone) from one being written right now, here or on another machine
    sharing the folder."""
    host = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname())[:40] or "host"
    return f"{host}-{os.getpid()}"


def _remove_abandoned(target: Path) -> None:
    host = _owner().rsplit("-", 1)[0]
    pattern = re.compile(re.escape(_prefix(target)) + re.escape(host) + r"-(\d+)\.[^/]*\.part")
    try:
        candidates = [p for p in target.parent.iterdir() if p.name.startswith(_prefix(target))]
    except OSError:
        return
    for candidate in candidates:
        match = pattern.fullmatch(candidate.name)
        if match and not _alive(int(match.group(1))):
            candidate.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True  # someone else's process, or a number no process has: leave it be
    return True
