"""kg build with 2 workers against 1 worker: throughput of whole processes, and the same bytes out.

Both sides run ``kg build CORPUS --out graph.json --no-cache``; only ``--workers`` differs.
Target: 2 workers >= 1.7 x the throughput of 1 (on a 2-core machine), byte-identical JSON.

    python bench/workers.py [--docs 500] [--repeat 1]
"""
from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from corpus import best, common_arguments, kg_command, model_name, run_process, spread, verdict, write_corpus

TARGET = 1.7


def main() -> int:
    parser = common_arguments(__doc__.splitlines()[0], docs=500, repeat=1)
    parser.add_argument("--workers", type=int, default=2, help="the parallel side's workers (default 2)")
    args = parser.parse_args()
    model = model_name(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(Path(tmp) / "corpus.jsonl", args.docs)
        outputs = {1: Path(tmp) / "one.json", args.workers: Path(tmp) / "many.json"}
        runs: dict[int, list] = {1: [], args.workers: []}
        for _ in range(args.repeat):
            for workers, out in outputs.items():
                runs[workers].append(run_process(kg_command(
                    "build", str(corpus), "--out", str(out), "--no-cache", "-q", "--model", model, "--workers", str(workers),
                )))
        identical = outputs[1].read_bytes() == outputs[args.workers].read_bytes()
    one, many = best(runs[1]), best(runs[args.workers])
    speedup = one.seconds / many.seconds
    print(f"corpus: {args.docs} Re-DocRED dev documents, model {model}, {os.cpu_count()} cores")
    print(f"1 worker:  {spread(runs[1])}  ({args.docs / one.seconds:.1f} docs/s)")
    print(f"{args.workers} workers: {spread(runs[args.workers])}  ({args.docs / many.seconds:.1f} docs/s)")
    print(f"graph JSON byte-identical: {identical}  {verdict(identical)}")
    ok = speedup >= TARGET and identical
    print(f"throughput {args.workers} / 1: {speedup:.2f}x  target >= {TARGET}  {verdict(speedup >= TARGET)}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
