"""A warm rebuild after one of N documents changed, against the cold build: whole processes.

Cold: ``kg build CORPUS --cache DIR`` with an empty cache (every document parsed and stored).
Warm: the same corpus with one document edited, same cache (one document parsed, the rest read
from the cache). The warm graph must equal a cold, cache-less build of the edited corpus.
Target: cold / warm >= 20, and the same graph.

Also measured: the floor under any rebuild that must parse the edited document, a bare Python
process that imports spaCy, loads the same model and parses that one text; cold / floor is the
best ratio a rebuild could reach on this machine, whatever kg does around the parse.

    python bench/incremental.py [--docs 500] [--repeat 3]
"""
from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from corpus import best, common_arguments, kg_command, model_name, run_process, spread, verdict, write_corpus

TARGET = 20.0
FLOOR_SCRIPT = """
import json, sys
import spacy
nlp = spacy.load(sys.argv[1])
with open(sys.argv[2], encoding="utf-8") as stream:
    text = [json.loads(line) for line in stream][int(sys.argv[3])]["text"]
nlp(text)
"""


def main() -> int:
    parser = common_arguments(__doc__.splitlines()[0], docs=500, repeat=3)
    args = parser.parse_args()
    model = model_name(args.model)
    changed = args.docs // 2
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        original = write_corpus(root / "corpus.jsonl", args.docs)
        cache = root / "cache"
        cold = run_process(kg_command("build", str(original), "--out", str(root / "cold.json"), "--cache", str(cache), "-q", "--model", model))
        seeded = root / "seeded-cache"
        shutil.copytree(cache, seeded)
        # The same corpus file with one article edited, as when a newsroom updates a story (a
        # document's source path is part of what it is, so a moved corpus is a new corpus).
        edited = write_corpus(original, args.docs, changed=changed)
        warm_runs = []
        for _ in range(args.repeat):  # each warm run starts from the cold build's cache
            shutil.rmtree(cache)
            shutil.copytree(seeded, cache)
            warm_runs.append(run_process(kg_command(
                "build", str(edited), "--out", str(root / "warm.json"), "--cache", str(cache), "-q", "--model", model,
            )))
        floors = [run_process([sys.executable, "-c", FLOOR_SCRIPT, model, str(edited), str(changed)])
                  for _ in range(args.repeat)]
        reference = run_process(kg_command("build", str(edited), "--out", str(root / "reference.json"), "--no-cache", "-q", "--model", model))
        same = (root / "warm.json").read_bytes() == (root / "reference.json").read_bytes()
    warm = best(warm_runs)
    ratio = cold.seconds / warm.seconds
    print(f"corpus: {args.docs} Re-DocRED dev documents, model {model}; document {changed} edited")
    print(f"cold build (empty cache): {cold.seconds:.2f}s  (cpu {cold.cpu_seconds:.2f}s)")
    print(f"warm rebuild:             {spread(warm_runs)}  (cpu {warm.cpu_seconds:.2f}s)")
    print(f"cold build without cache of the edited corpus: {reference.seconds:.2f}s")
    print(f"warm graph == cold graph of the edited corpus: {same}  {verdict(same)}")
    floor = best(floors)
    print(f"floor: a bare spaCy process parsing only the edited document: {spread(floors)}; "
          f"the best any rebuild could reach here is cold / floor = {cold.seconds / floor.seconds:.1f}x")
    print(f"cold / warm: {ratio:.1f}x  target >= {TARGET:g}  {verdict(ratio >= TARGET)}")
    return 0 if ratio >= TARGET and same else 1


if __name__ == "__main__":
    sys.exit(main())
