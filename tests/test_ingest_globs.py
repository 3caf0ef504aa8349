"""A recursive glob through symbolic-link loops ends, entering each real folder once, and matches
what glob matches on a tree without links."""
from __future__ import annotations

import glob
import os
import subprocess
import sys
from pathlib import Path

from kg.ingest.sources import _recursive_glob

ROOT = Path(__file__).resolve().parent.parent


def _tree_with_loops(root: Path) -> Path:
    top = root / "l"
    (top / "a" / "b").mkdir(parents=True)
    (top / "a" / "one.txt").write_text("Ann Lee met Bo Ek in Oslo.\n", encoding="utf-8")
    (top / "a" / "b" / "two.txt").write_text("Cai Moe met Di Nor in Rome.\n", encoding="utf-8")
    for link, target in (("a/self", "."), ("a/up", ".."), ("a/b/top", "../.."), ("a/b/again", "../b")):
        os.symlink(target, top / link)
    return top


def test_a_glob_through_symlink_loops_ends_and_reads_each_file_once(tmp_path: Path) -> None:
    _tree_with_loops(tmp_path)
    code = ("import sys; from kg.ingest import read_documents; "
            "print(sorted(d.source for d in read_documents(sys.argv[1:])))")
    result = subprocess.run([sys.executable, "-c", code, "l/**/*.txt"], cwd=tmp_path, capture_output=True,
                            text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(["l/a/b/two.txt", "l/a/one.txt"])


def test_the_recursive_glob_matches_what_glob_matches_without_links(tmp_path: Path) -> None:
    top = tmp_path / "t"
    for path in ("x/y/z.txt", "x/w.md", "q.txt", "x/.hidden/h.txt", "x/.h.txt", "x/y/deep/e.txt"):
        (top / path).parent.mkdir(parents=True, exist_ok=True)
        (top / path).write_text("text\n", encoding="utf-8")
    previous = os.getcwd()
    os.chdir(tmp_path)
    try:
        for pattern in ("t/**/*.txt", "t/**", "**/*.md", "t/x/**/e.txt", "t/**/y", f"{top}/**/*.txt", "t/**/.h*"):
            expected = {p.rstrip("/") for p in glob.glob(pattern, recursive=True)} - {pattern.split("/**")[0]}
            assert set(_recursive_glob(pattern)) - {pattern.split("/**")[0]} == expected, pattern
    finally:
        os.chdir(previous)
