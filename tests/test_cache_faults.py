"""Cache faults never stop a build: a cache locked by another build, a damaged file, a damaged
entry, a full disk are each one warning line; the entry (or the cache) is ignored and rebuilt."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from kg.cache import CACHE_FILE, ExtractionCache
from kg.types import Document, Entity, Extraction

ROOT = Path(__file__).resolve().parent.parent


def _extraction(index: int, size: int = 100) -> Extraction:
    document = Document(f"d{index}", f"Story {index}. " + "x" * size)
    return Extraction(document, (Entity(f"person:p{index}", f"P {index}", "Person"),))


def _fill(directory: Path, count: int = 20, size: int = 100) -> list[Extraction]:
    extractions = [_extraction(i, size) for i in range(count)]
    with ExtractionCache(directory, context="c") as cache:
        cache.put_all(extractions)
    return extractions


def test_a_cache_locked_by_another_writer_is_one_warning_and_the_run_goes_on(tmp_path: Path) -> None:
    extractions = _fill(tmp_path, 4)
    holder = sqlite3.connect(tmp_path / CACHE_FILE, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another build's write transaction, never ending
    try:
        warnings: list[str] = []
        started = time.monotonic()
        with ExtractionCache(tmp_path, context="c", busy_timeout=0.2, on_warning=warnings.append) as cache:
            for extraction in extractions:  # reads still work (WAL)
                assert cache.get(extraction.document) == extraction
            for index in range(10, 200):
                cache.put(_extraction(index))
        assert time.monotonic() - started < 10
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert len(warnings) <= 2 and all(w.count("\n") == 0 for w in warnings)
    assert any("cannot" in w and "locked" in w for w in warnings), warnings


def test_writes_are_short_transactions_so_two_writers_share_one_cache(tmp_path: Path) -> None:
    _fill(tmp_path, 1)
    failures: list[str] = []

    def writer(offset: int) -> None:
        with ExtractionCache(tmp_path, context="c", commit_every=8, busy_timeout=5,
                             on_warning=failures.append) as cache:
            for index in range(offset, offset + 200):
                cache.put(_extraction(index, size=20_000))
                time.sleep(0.001)  # parsing between results

    threads = [threading.Thread(target=writer, args=(offset,)) for offset in (1000, 2000)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures
    with ExtractionCache(tmp_path, context="c") as cache:
        assert len(cache) == 401


def test_a_damaged_entry_is_one_warning_and_parsed_again(tmp_path: Path) -> None:
    extractions = _fill(tmp_path, 5)
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        keys = [row[0] for row in db.execute("SELECT key FROM extractions ORDER BY document")]
        db.execute("UPDATE extractions SET value = ? WHERE key = ?", (b"{not json", keys[0]))
        db.execute("UPDATE extractions SET value = ? WHERE key = ?", (b'{"__type__": "Document"}', keys[1]))
        db.execute("UPDATE extractions SET value = ? WHERE key = ?", (b'[1, 2]', keys[2]))
        db.execute("UPDATE extractions SET value = ? WHERE key = ?",
                   (json.dumps({"__type__": "Extraction", "document": None}).encode(), keys[3]))
    warnings: list[str] = []
    with ExtractionCache(tmp_path, context="c", on_warning=warnings.append) as cache:
        found = [cache.get(x.document) for x in extractions]
        assert found[:4] == [None] * 4 and found[4] == extractions[4]
        for extraction in extractions[:4]:  # parsed again, stored again
            cache.put(extraction)
    assert len(warnings) == 1 and "damaged" in warnings[0]
    with ExtractionCache(tmp_path, context="c", on_warning=warnings.append) as cache:
        assert [cache.get(x.document) for x in extractions] == extractions
    assert len(warnings) == 1


def _damage_pages(path: Path) -> None:
    size = path.stat().st_size
    with open(path, "r+b") as stream:
        for offset in range(4096, size, 4096):  # every page but the header's
            stream.seek(offset)
            stream.write(os.urandom(512))


def test_a_damaged_file_is_one_warning_set_aside_and_rebuilt(tmp_path: Path) -> None:
    extractions = _fill(tmp_path, 40, size=3000)
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    _damage_pages(tmp_path / CACHE_FILE)
    warnings: list[str] = []
    with ExtractionCache(tmp_path, context="c", on_warning=warnings.append) as cache:
        for extraction in extractions:
            if cache.get(extraction.document) is None:
                cache.put(extraction)
    assert 1 <= len(warnings) <= 3 and all("\n" not in w for w in warnings)
    # The next run has a sound cache again (set aside and started afresh, here or on close).
    warnings.clear()
    with ExtractionCache(tmp_path, context="c", on_warning=warnings.append) as cache:
        for extraction in extractions:
            if cache.get(extraction.document) is None:
                cache.put(extraction)
    with ExtractionCache(tmp_path, context="c", on_warning=warnings.append) as cache:
        assert [cache.get(x.document) for x in extractions] == extractions


def test_a_file_that_is_not_a_database_is_set_aside(tmp_path: Path) -> None:
    (tmp_path / CACHE_FILE).write_bytes(b"this is not SQLite at all" * 100)
    warnings: list[str] = []
    with ExtractionCache(tmp_path, context="c", on_warning=warnings.append) as cache:
        assert cache.enabled
        cache.put(_extraction(1))
    assert len(warnings) == 1 and "damaged" in warnings[0] and "started a new one" in warnings[0]
    assert (tmp_path / (CACHE_FILE + ".damaged")).exists()
    with ExtractionCache(tmp_path, context="c") as cache:
        assert cache.get(_extraction(1).document) == _extraction(1)


@pytest.fixture
def tiny_disk(tmp_path: Path):
    mount = tmp_path / "tiny"
    mount.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small file system here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


def test_a_full_disk_is_one_warning_and_the_run_goes_on(tiny_disk: Path) -> None:
    warnings: list[str] = []
    with ExtractionCache(tiny_disk, context="c", commit_every=4, on_warning=warnings.append) as cache:
        for index in range(200):
            cache.put(_extraction(index, size=20_000))
    assert len(warnings) == 1 and "cannot write the cache" in warnings[0] and "full" in warnings[0]


def test_kg_build_on_a_damaged_cache_warns_once_and_writes_the_graph(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index in range(6):
        (corpus / f"d{index}.txt").write_text(f"Ann Lee{index} founded Lee Mills in Bergen in 19{index}0.\n" * 40,
                                             encoding="utf-8")
    cache = tmp_path / "cache"
    args = [sys.executable, "-m", "kg", "build", str(corpus), "--cache", str(cache), "-q", "--relation-model", "none"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    first = subprocess.run([*args, "--out", str(tmp_path / "a.json")], capture_output=True, text=True, env=env,
                           timeout=300)
    assert first.returncode == 0, first.stderr
    with sqlite3.connect(cache / CACHE_FILE) as db:
        db.execute("UPDATE extractions SET value = x'00ff'")
    second = subprocess.run([*args, "--out", str(tmp_path / "b.json")], capture_output=True, text=True, env=env,
                            timeout=300)
    assert second.returncode == 0, second.stderr
    assert second.stderr.count("\n") == 1 and "warning" in second.stderr and "Traceback" not in second.stderr
    assert json.loads((tmp_path / "a.json").read_text()) == json.loads((tmp_path / "b.json").read_text())
