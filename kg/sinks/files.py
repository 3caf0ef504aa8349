"""Atomic file writes: a failed or killed run never leaves a truncated file where a good one was."""
from __future__ import annotations

import os
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
    ``errors`` is the text mode's encoding error handler (default: strict)."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
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
