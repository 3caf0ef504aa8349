"""Worker processes die with their parent: ``kill -9`` or ``kill -TERM`` of ``kg build --workers 2``
(and of a rebuild's background worker) leaves no worker running (real processes, real model)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPH = ("Mayor Ann Lee of Bergen met Bo Ek, the chief executive of Nordvik Shipping, on Monday. "
             "They discussed the new harbour that Nordvik Shipping plans to build near Oslo. ")


def _corpus(folder: Path, documents: int = 60, paragraphs: int = 40) -> Path:
    folder.mkdir()
    for index in range(documents):
        (folder / f"doc{index:03}.txt").write_text(PARAGRAPH * paragraphs + f"\nStory {index}.\n", encoding="utf-8")
    return folder


def _start(tmp_path: Path, *extra: str) -> subprocess.Popen:
    corpus = tmp_path / "corpus"
    if not corpus.exists():
        _corpus(corpus)
    return subprocess.Popen(
        [sys.executable, "-m", "kg", "build", str(corpus), "--out", str(tmp_path / "g.json"), "-q",
         "--relation-model", "none", "--cache", str(tmp_path / "cache"), *extra],
        cwd=tmp_path, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(ROOT)})


def _children_once_working(process: subprocess.Popen, count: int, timeout: float = 120) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    parent = psutil.Process(process.pid)
    while time.monotonic() < deadline:
        children = [c for c in parent.children(recursive=True) if c.is_running()]
        if len(children) >= count:
            time.sleep(1.0)  # let them load the model and take work
            return parent.children(recursive=True)
        assert process.poll() is None, "the build ended before its workers started"
        time.sleep(0.1)
    raise AssertionError("no workers appeared")


def _all_gone(processes: list[psutil.Process], timeout: float = 10) -> list[psutil.Process]:
    _, alive = psutil.wait_procs(processes, timeout=timeout)
    for straggler in alive:  # do not leave them behind for the next test
        straggler.kill()
    return alive


@pytest.mark.parametrize("how", [signal.SIGKILL, signal.SIGTERM])
def test_pool_workers_die_with_a_killed_build(tmp_path: Path, how: signal.Signals) -> None:
    build = _start(tmp_path, "--workers", "2", "--no-cache")
    workers = _children_once_working(build, 2)
    os.kill(build.pid, how)
    build.wait(timeout=30)
    assert not _all_gone(workers), "workers outlived their build"


def test_the_background_worker_of_a_rebuild_dies_with_a_killed_build(tmp_path: Path) -> None:
    first = _start(tmp_path, "--workers", "1")
    assert first.wait(timeout=600) == 0
    for path in (tmp_path / "corpus").iterdir():  # every document changed: all are parsed again
        path.write_text(path.read_text(encoding="utf-8") + "Changed.\n", encoding="utf-8")
    rebuild = _start(tmp_path, "--workers", "1")
    workers = _children_once_working(rebuild, 1)
    os.kill(rebuild.pid, signal.SIGKILL)
    rebuild.wait(timeout=30)
    assert not _all_gone(workers), "the background worker outlived its build"
