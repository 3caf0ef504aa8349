"""What the bench/ scripts share: the benchmark corpus (Re-DocRED dev texts, the tokens of each
sentence joined with spaces, written as kg JSON lines and repeated with new ids for larger runs),
and running whole processes while measuring their wall time, CPU time and peak memory.

The texts are read from ``eval/redocred_dev.json`` in the project (a copy of ../shared/eval), or from the file
named by ``KG_BENCH_REDOCRED``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "REDOCRED", "texts", "write_corpus", "Run", "run_process", "kg_command", "best", "spread", "verdict",
    "common_arguments", "model_name",
]

REDOCRED = Path(os.environ.get(
    "KG_BENCH_REDOCRED", Path(__file__).resolve().parents[1] / "eval" / "redocred_dev.json",
))


def texts(path: Path = REDOCRED) -> list[tuple[str, str]]:
    """``(title, text)`` of every Re-DocRED document."""
    with open(path, encoding="utf-8") as stream:
        records = json.load(stream)
    return [(r["title"], " ".join(token for sentence in r["sents"] for token in sentence)) for r in records]


def write_corpus(path: Path, count: int, *, source: Path = REDOCRED, changed: int | None = None) -> Path:
    """Write ``count`` documents as JSON lines: the dev texts in order, repeated with new ids
    (``redocred-00000``, ...) when ``count`` exceeds them. ``changed``: that document gets one
    more sentence (an edited article)."""
    base = texts(source)
    with open(path, "w", encoding="utf-8") as stream:
        for index in range(count):
            title, text = base[index % len(base)]
            if index == changed:
                text += " The article was updated later that week with a correction ."
            record = {"id": f"redocred-{index:05d}", "title": title, "text": text}
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    return path


@dataclass(frozen=True, slots=True)
class Run:
    seconds: float  # wall time
    cpu_seconds: float  # user + system, of the process and the children it waited for
    peak_rss_mib: float
    stdout: str
    stderr: str


def run_process(args: list[str], *, env: dict | None = None) -> Run:
    """Run a whole process to its end. Peak memory comes from ``wait4``'s resource usage, which
    covers that process (and its own waited-for children) and nothing else of ours."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(args, stdout=out, stderr=err, text=True, env=env)
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.stderr.write(stderr)
        raise SystemExit(f"{' '.join(map(str, args))} exited with {process.returncode}")
    return Run(seconds, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024.0, stdout, stderr)


def kg_command(*args: str) -> list[str]:
    """``kg ARGS`` as this interpreter runs it."""
    return [sys.executable, "-m", "kg", *args]


def best(runs: list[Run]) -> Run:
    """The fastest of repeated runs: on a shared machine, the least disturbed one."""
    return min(runs, key=lambda r: r.seconds)


def spread(runs: list[Run]) -> str:
    values = [r.seconds for r in runs]
    if len(values) == 1:
        return f"{values[0]:.2f}s"
    return f"best {min(values):.2f}s, median {statistics.median(values):.2f}s of {len(values)}"


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def common_arguments(description: str, *, docs: int, repeat: int) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--docs", type=int, default=docs, help=f"documents in the corpus (default {docs})")
    parser.add_argument("--repeat", type=int, default=repeat, help=f"runs of each side; the best counts (default {repeat})")
    parser.add_argument("--model", default=None, help="spaCy pipeline (default: kg's default)")
    return parser


def model_name(name: str | None) -> str:
    from kg.nlp import model_name as resolve

    return resolve(name)
