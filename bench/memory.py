"""Peak memory of kg build: flat in corpus size and flat in document size (whole processes, peak
resident set size).

1. Corpus size: ``kg build CORPUS --out graph.json --no-cache`` (one worker) on N and on 4N
   documents; parsed Docs are never all held, so memory should grow with the graph, not with
   the corpus. Target: peak RSS at 2,000 documents <= 1.5 x peak RSS at 500.
2. Document size: one document of 50 kB, then of 1, 4 and 16 MB (Re-DocRED texts one after
   another, paragraphs apart). spaCy's memory grows with the text it parses at once (about 1 GB
   per 100,000 characters), so kg parses at most 50,000 characters at a time and a document
   longer than 200,000 a section at a time. Target: peak RSS at 16 MB <= 1.5 x peak RSS at 50 kB.

    python bench/memory.py [--docs 500] [--factor 4] [--only corpus|documents] [--megabytes 1,4,16]
"""
from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from corpus import common_arguments, kg_command, model_name, run_process, texts, verdict, write_corpus

TARGET = 1.5
BASE_CHARS = 50_000


def corpus_sizes(args, model: str) -> bool:
    sizes = (args.docs, args.docs * args.factor)
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            corpus = write_corpus(Path(tmp) / f"corpus-{size}.jsonl", size)
            runs = [
                run_process(kg_command("build", str(corpus), "--out", str(Path(tmp) / f"graph-{size}.json"), "--no-cache", "-q",
                                       "--model", model, *args.extra))
                for _ in range(args.repeat)
            ]
            peaks[size] = max(r.peak_rss_mib for r in runs)
            print(f"{size:>6} documents: peak RSS {peaks[size]:.0f} MiB  ({min(r.seconds for r in runs):.1f}s)")
    ratio = peaks[sizes[1]] / peaks[sizes[0]]
    print(f"peak RSS {sizes[1]} / {sizes[0]}: {ratio:.2f}  target <= {TARGET}  {verdict(ratio <= TARGET)}")
    return ratio <= TARGET


def long_text(chars: int) -> str:
    base = [text for _, text in texts()]
    pieces, size, index = [], 0, 0
    while size < chars:
        pieces.append(base[index % len(base)])
        size += len(pieces[-1]) + 2
        index += 1
    return "\n\n".join(pieces)[:chars]


def document_sizes(args, model: str) -> bool:
    sizes = [BASE_CHARS] + [int(float(mb) * 1_000_000) for mb in args.megabytes.split(",")]
    peaks = {}
    with tempfile.TemporaryDirectory() as tmp:
        for chars in sizes:
            path = Path(tmp) / f"doc-{chars}.txt"
            path.write_text(long_text(chars), encoding="utf-8")
            out = Path(tmp) / f"graph-{chars}.json"
            run = run_process(kg_command("build", str(path), "--out", str(out), "--no-cache", "-q", "--model", model,
                                         *args.extra))
            graph = json.loads(out.read_text(encoding="utf-8"))
            entities = sum(1 for n in graph["nodes"] if n["kind"] == "entity")
            peaks[chars] = run.peak_rss_mib
            print(f"{chars / 1e6:>6.2f} MB document: peak RSS {run.peak_rss_mib:.0f} MiB  ({run.seconds:.0f}s, "
                  f"{entities} entities, {len(graph['edges'])} edges)", flush=True)
    largest = sizes[-1]
    ratio = peaks[largest] / peaks[BASE_CHARS]
    print(f"peak RSS {largest / 1e6:.0f} MB / 50 kB: {ratio:.2f}  target <= {TARGET}  {verdict(ratio <= TARGET)}")
    return ratio <= TARGET


def main() -> int:
    parser = common_arguments(__doc__.splitlines()[0], docs=500, repeat=1)
    parser.add_argument("--factor", type=int, default=4, help="the larger corpus is this many times the smaller (default 4)")
    parser.add_argument("--only", choices=("corpus", "documents"), help="run one of the two measurements")
    parser.add_argument("--megabytes", default="1,4,16", help="document sizes beside 50 kB (default 1,4,16)")
    parser.add_argument("--extra", nargs="*", default=[], help="more kg build options, e.g. --extra=--relation-model=none")
    args = parser.parse_args()
    model = model_name(args.model)
    ok = True
    if args.only in (None, "corpus"):
        ok &= corpus_sizes(args, model)
    if args.only in (None, "documents"):
        ok &= document_sizes(args, model)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
