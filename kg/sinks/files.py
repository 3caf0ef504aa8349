"""Atomic file writes: a failed or killed run never leaves a truncated file where a good one was."""
from __future__ import annotations

import os
import re
import socket
import stat
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO
from xml.etree.ElementTree import ElementTree

try:
    import fcntl
except ImportError:  # Windows
    fcntl = None  # type: ignore[assignment]

from kg.errors import UsageError

__all__ = ["atomic_writer", "check_output", "output_target", "write_xml"]

_KINDS = {
    stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device", stat.S_IFIFO: "a named pipe",
    stat.S_IFSOCK: "a socket", stat.S_IFDIR: "a folder",
}


def output_target(path: str | Path) -> Path:
    """The file an output named ``path`` replaces: ``path`` itself, or, when it is a symbolic
    link, the file the link points to (followed deliberately: the link stays and its target gets
    the new content, as ``cp`` or a shell's ``>`` would do)."""
    target = Path(path)
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


def _read_only(path: Path, info: os.stat_result) -> bool:
    # The write bits count even for root: a user who made an output read-only meant it.
    return not os.access(path, os.W_OK) or not info.st_mode & 0o222


def check_output(path: str | Path, *, folder: bool = False) -> Path:
    """Check at once, before any work, that an output can be written at ``path``: a regular file
    (or, with ``folder``, a folder) that is not read-only, or a new one in a folder that can be
    created and written. Devices, pipes and sockets are never written. Returns the path that will
    be replaced (``output_target``); raises UsageError with one line otherwise."""
    shown = str(path)
    target = output_target(path)
    try:
        info = os.stat(target)
    except (FileNotFoundError, NotADirectoryError):  # new, or under a file (said below)
        info = None
    except OSError as error:
        raise UsageError(f"cannot write --out {shown}: {error.strerror or error}") from None
    if info is not None:
        kind = stat.S_IFMT(info.st_mode)
        if folder:
            if kind != stat.S_IFDIR:
                raise UsageError(f"--out {shown} is {_KINDS.get(kind, 'a file')}; this format writes a folder")
            if _read_only(target, info):
                raise UsageError(f"--out {shown} is a read-only folder")
            return target
        if kind != stat.S_IFREG:
            raise UsageError(f"--out {shown} is {_KINDS.get(kind, 'a special file')}, not a regular file: "
                             "kg writes only regular files")
        if _read_only(target, info):
            raise UsageError(f"--out {shown} is read-only")
    # The folder that will hold the file (and its temporary file), or the nearest one that exists.
    parent = target.parent if info is not None else _existing_ancestor(target)
    try:
        parent_info = os.stat(parent)
    except OSError as error:
        raise UsageError(f"cannot write --out {shown}: {parent}: {error.strerror or error}") from None
    if not stat.S_ISDIR(parent_info.st_mode):
        raise UsageError(f"cannot write --out {shown}: {parent} is not a folder")
    if _read_only(parent, parent_info) or not os.access(parent, os.X_OK):
        raise UsageError(f"cannot write --out {shown}: folder {parent} is read-only")
    return target


def _existing_ancestor(target: Path) -> Path:
    """The nearest ancestor of ``target`` (not itself) that exists, as a file or a folder."""
    current = target.parent if str(target.parent) else Path(".")
    while not os.path.lexists(current) and current != current.parent:
        current = current.parent
    return current


@contextmanager
def atomic_writer(path: str | Path, *, mode: str = "w", encoding: str | None = "utf-8",
                  errors: str | None = None) -> Iterator[IO]:
    """Write to a temporary file beside ``path`` and rename it over ``path`` only on success.
    ``errors`` is the text mode's encoding error handler (default: strict). Temporary files that
    a killed writer on this machine left for the same ``path`` are removed first. A symbolic link
    is followed (its target is replaced, the link stays); anything but a regular file is refused."""
    target = output_target(path)
    try:
        info = os.stat(target)
    except OSError:
        info = None
    if info is not None and not stat.S_ISREG(info.st_mode):  # never replace /dev/null or a pipe
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
        raise UsageError(f"{path} is {kind}, not a regular file: kg writes only regular files")
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


def write_xml(tree: ElementTree, path: str | Path | IO[bytes]) -> None:
    """Write an XML document (UTF-8, with its declaration) to ``path``, replaced atomically, or
    to a binary stream; ``"-"`` is standard output."""
    if path == "-":
        path = sys.stdout.buffer
    if hasattr(path, "write"):
        tree.write(path, encoding="utf-8", xml_declaration=True)
        path.write(b"\n")
        return
    with atomic_writer(path, mode="wb", encoding=None) as stream:
        tree.write(stream, encoding="utf-8", xml_declaration=True)
        stream.write(b"\n")
