"""Peak memory of kg build at two corpus sizes: whole processes, peak resident set size.

``kg build CORPUS --out graph.json --no-cache`` (one worker) on N and on 4N documents; parsed
Docs are never all held, so memory should grow with the graph, not with the corpus.
Target: peak RSS at 2,000 documents <= 1.5 x peak RSS at 500.

    python bench/memory.py [--docs 500] [--factor 4]
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from corpus import common_arguments, kg_command, model_name, run_process, verdict, write_corpus

TARGET = 1.5


def main() -> int:
    parser = common_arguments(__doc__.splitlines()[0], docs=500, repeat=1)
    parser.add_argument("--factor", type=int, default=4, help="the larger corpus is this many times the smaller (default 4)")
    args = parser.parse_args()
    model = model_name(args.model)
    sizes = (args.docs, args.docs * args.factor)
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            corpus = write_corpus(Path(tmp) / f"corpus-{size}.jsonl", size)
            runs = [
                run_process(kg_command("build", str(corpus), "--out", str(Path(tmp) / f"graph-{size}.json"), "--no-cache", "-q", "--model", model))
                for _ in range(args.repeat)
            ]
            peaks[size] = max(r.peak_rss_mib for r in runs)
            print(f"{size:>6} documents: peak RSS {peaks[size]:.0f} MiB  ({min(r.seconds for r in runs):.1f}s)")
    ratio = peaks[sizes[1]] / peaks[sizes[0]]
    print(f"peak RSS {sizes[1]} / {sizes[0]}: {ratio:.2f}  target <= {TARGET}  {verdict(ratio <= TARGET)}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
