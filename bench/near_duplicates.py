"""Near duplicates of many short documents: time, memory and links grow linearly with the corpus.

Short documents are the worst case for pairwise near-duplicate edges: one-sentence briefs from a
template are all near duplicates of each other (1,000 of them used to give 499,500 edges, 5,000
tiny files 12.2 million). The corpus here is half templated briefs (a few towns and days filled
into one sentence), half short stories of their own. Each size runs in a fresh process: the
documents are made, fed to ``NearDuplicateFinder`` one at a time (as a build feeds it) and the
links are found; wall time and peak RSS (over the same process doing nothing but imports) are
measured. With ``--build`` the sizes also run as whole ``kg build`` processes on JSON lines
(parsing included; slower).

Target: from 2,500 to 10,000 documents (4x), time and memory above the idle process grow at
most 5x, and there are fewer links than documents.

    python bench/near_duplicates.py [--docs 10000] [--build]
"""
from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from corpus import kg_command, run_process, verdict  # noqa: E402

TARGET = 5.0
BRIEF = ("The city council of {town} approved the new budget on {day} after a long debate about road "
         "repairs, school funding and the harbour, the mayor's office said.")
TOWNS = ["Bergen", "Oslo", "Tromso", "Bodo", "Molde", "Alta", "Narvik", "Hamar", "Voss", "Lillehammer"]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def documents(count: int) -> list[tuple[str, str]]:
    rng = random.Random(count)
    words = [f"{a}{b}" for a in ("lo", "ra", "mi", "ten", "sul", "vok", "der", "pa") for b in
             ("rin", "tam", "sek", "mol", "vad", "nor", "kel", "bis", "qua", "fen")]
    out = []
    for index in range(count):
        if index % 2:
            text = BRIEF.format(town=rng.choice(TOWNS), day=rng.choice(DAYS))
        else:
            text = " ".join(rng.choice(words).capitalize() if i % 7 == 0 else rng.choice(words) for i in range(30)) + "."
        out.append((f"n{index:06d}", text))
    return out


def child(count: int) -> None:
    """Runs in its own process: make the corpus, find the links, print what it took."""
    from kg.graph import NearDuplicateFinder
    from kg.types import Document

    made = [Document(doc_id, text) for doc_id, text in documents(count)]
    import datasketch  # noqa: F401  (imported by the idle run too: only the work is measured)

    started = time.perf_counter()
    finder = NearDuplicateFinder()
    for document in made:
        finder.add(document)
    links = finder.pairs()
    print(json.dumps({"seconds": time.perf_counter() - started, "links": len(links)}))


def measure(count: int) -> tuple[float, float, int]:
    run = run_process([sys.executable, __file__, "--child", str(count)])
    result = json.loads(run.stdout)
    return result["seconds"], run.peak_rss_mib, result["links"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=10_000, help="the largest corpus (default 10000)")
    parser.add_argument("--build", action="store_true", help="also time whole kg build processes")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child is not None:
        child(args.child)
        return 0
    sizes = [args.docs // 8, args.docs // 4, args.docs // 2, args.docs]
    _, idle, _ = measure(0)
    print(f"idle process (imports only): peak RSS {idle:.0f} MiB")
    rows = {}
    for size in sizes:
        seconds, rss, links = measure(size)
        rows[size] = (seconds, rss - idle, links)
        print(f"{size:>7} documents: {seconds:6.2f}s  {(rss - idle):6.1f} MiB over idle  {links:>7} links  "
              f"({1e6 * seconds / size:.0f} us and {1024 * (rss - idle) / size:.1f} KiB per document)")
    small, large = sizes[1], sizes[-1]
    time_ratio = rows[large][0] / rows[small][0]
    memory_ratio = max(rows[large][1], 1.0) / max(rows[small][1], 1.0)
    linear = time_ratio <= TARGET and memory_ratio <= TARGET and all(r[2] < s for s, r in rows.items())
    print(f"{large} / {small} documents ({large / small:.0f}x): time {time_ratio:.2f}x, memory {memory_ratio:.2f}x, "
          f"links below documents: {all(r[2] < s for s, r in rows.items())}  target <= {TARGET}x  {verdict(linear)}")
    if args.build:
        with tempfile.TemporaryDirectory() as tmp:
            for size in sizes:
                corpus = Path(tmp) / f"c{size}.jsonl"
                with open(corpus, "w", encoding="utf-8") as stream:
                    for doc_id, text in documents(size):
                        stream.write(json.dumps({"id": doc_id, "text": text}) + "\n")
                out = Path(tmp) / f"g{size}.json"
                run = run_process(kg_command("build", str(corpus), "--out", str(out), "--no-cache", "-q",
                                             "--relation-model", "none"))
                graph = json.loads(out.read_text(encoding="utf-8"))
                near = sum(1 for e in graph["edges"] if e["type"] == "NEAR_DUPLICATE_OF")
                print(f"kg build {size:>7} documents: {run.seconds:6.1f}s  peak RSS {run.peak_rss_mib:6.0f} MiB  "
                      f"{near} NEAR_DUPLICATE_OF edges  {out.stat().st_size / 2**20:.1f} MiB of JSON")
    return 0 if linear else 1


if __name__ == "__main__":
    sys.exit(main())
