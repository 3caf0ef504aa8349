"""kg build against bare spaCy over the same texts with the same model: whole processes, wall time.

The bare side is what a user would write: load the model, run ``nlp.pipe`` over the texts (with
spaCy's default batch size unless ``--spacy-batch-size`` is given), touch every Doc. The kg side
is ``kg build CORPUS --out graph.json --no-cache`` with one worker: reading, parsing, mentions,
resolution, relations, the merged graph and writing it. Target: kg <= 1.20 x bare spaCy.

    python bench/pipeline_vs_spacy.py [--docs 500] [--repeat 3]
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from corpus import best, common_arguments, kg_command, model_name, run_process, spread, verdict, write_corpus

TARGET = 1.20  # this round: the relation model and the gazetteers included

BARE_SPACY = """
import json, sys, spacy
nlp = spacy.load(sys.argv[2])
texts = (json.loads(line)["text"] for line in open(sys.argv[1], encoding="utf-8"))
batch = int(sys.argv[3]) if len(sys.argv) > 3 else None
tokens = sum(len(doc) for doc in nlp.pipe(texts, batch_size=batch))
print(tokens)
"""


def main() -> int:
    parser = common_arguments(__doc__.splitlines()[0], docs=500, repeat=3)
    parser.add_argument("--spacy-batch-size", type=int, default=None, help="nlp.pipe batch size of the bare side (default: spaCy's)")
    args = parser.parse_args()
    model = model_name(args.model)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = write_corpus(Path(tmp) / "corpus.jsonl", args.docs)
        spacy_args = [sys.executable, "-c", BARE_SPACY, str(corpus), model]
        if args.spacy_batch_size:
            spacy_args.append(str(args.spacy_batch_size))
        kg_args = kg_command("build", str(corpus), "--out", str(Path(tmp) / "graph.json"), "--no-cache", "-q", "--model", model)
        spacy_runs, kg_runs = [], []
        for _ in range(args.repeat):  # interleaved, so both sides see the same machine
            spacy_runs.append(run_process(spacy_args))
            kg_runs.append(run_process(kg_args))
    bare, kg = best(spacy_runs), best(kg_runs)
    ratio = kg.seconds / bare.seconds
    print(f"corpus: {args.docs} Re-DocRED dev documents, model {model}")
    print(f"bare spaCy nlp.pipe: {spread(spacy_runs)}  (cpu {bare.cpu_seconds:.2f}s, {int(bare.stdout)} tokens)")
    print(f"kg build:            {spread(kg_runs)}  (cpu {kg.cpu_seconds:.2f}s)")
    print(f"kg / spaCy wall time: {ratio:.3f}  (cpu {kg.cpu_seconds / bare.cpu_seconds:.3f})  target <= {TARGET}  {verdict(ratio <= TARGET)}")
    return 0 if ratio <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
