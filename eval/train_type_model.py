"""Builds the mention typer shipped with kg (kg/data/type_model.json.gz), deterministically.

Data (read in place, never copied into the project):
  - ../shared/eval/conll04/train.jsonl: CoNLL04 training sentences with typed entity spans
    (Roth and Yih 2004; the SpERT/TablERT train split), research data;
  - with --with-docred, also eval/redocred_dev.json documents 0-399 (Re-DocRED dev, MIT; its
    typed entity mentions). Left out of the shipped model: Wikipedia's one-word mentions are
    mostly people, and with them the typer took one-word company names for people more readily
    (CoNLL04 dev entity F1 0.786 with them, 0.788 without).
The threshold (0.6: a type replaces the rules' only with at least that probability) was chosen
on CoNLL04 dev (0.5: 0.790, 0.6: 0.788, 0.7: 0.779) as the highest that keeps most of the gain,
and checked on the GUM news articles, which the typer never saw (README, "Entities").
Prints the mention-level accuracy on ../shared/eval/conll04/dev.jsonl (not trained on).

    python eval/train_type_model.py                 # writes kg/data/type_model.json.gz
"""
from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
OUT = ROOT / "kg" / "data" / "type_model.json.gz"
CONLL04_TYPES = {"Person": "Person", "Organization": "Organization", "Location": "Location"}
DOCRED_TYPES = {"PER": "Person", "ORG": "Organization", "LOC": "Location"}
DOCRED_TRAIN = (0, 400)


def _docred(path: Path, lo: int, hi: int) -> list[dict]:
    from kg.eval import docred_layout, read_docred

    docs = []
    for index, doc in enumerate(read_docred(path)[lo:hi], start=lo):
        text, spans = docred_layout(doc)
        entities = [{"start": spans[m["sent_id"]][m["pos"][0]][0], "end": spans[m["sent_id"]][m["pos"][1] - 1][1],
                     "type": m.get("type", "")} for vertex in doc["vertexSet"] for m in vertex]
        docs.append({"id": f"docred-{index}", "text": text, "entities": entities})
    return docs


def _lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(OUT))
    parser.add_argument("--c", type=float, default=1.0)
    parser.add_argument("--threshold", type=float, default=0.6)
    parser.add_argument("--with-docred", action="store_true", help="also train on Re-DocRED dev documents 0-399")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from kg.nlp import load_model
    from kg.train_types import fit_type_model, type_examples

    nlp = load_model(None)
    train = type_examples(_lines(SHARED / "conll04" / "train.jsonl"), nlp=nlp, types=CONLL04_TYPES)
    if args.with_docred:
        train += type_examples(_docred(ROOT / "eval" / "redocred_dev.json", *DOCRED_TRAIN), nlp=nlp, types=DOCRED_TYPES)
    dev = type_examples(_lines(SHARED / "conll04" / "dev.jsonl"), nlp=nlp, types=CONLL04_TYPES)
    model = fit_type_model(train, c=args.c, threshold=args.threshold,
                           info={"data": "CoNLL04 train" + (" + Re-DocRED dev 0-399" if args.with_docred else ""), "c": args.c})
    right = Counter()
    for e in dev:
        p = model.probabilities(e.features)
        best = max(p, key=p.get)
        rule = next(f for f in e.features if f.startswith("rule=")).split("=", 1)[1]
        right["model"] += best == e.label
        right["rules"] += rule == e.label
    print(f"train examples {len(train)}, dev examples {len(dev)}; dev accuracy: typer {right['model'] / len(dev):.3f}, "
          f"rules {right['rules'] / len(dev):.3f}")
    data = json.dumps(model.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    Path(args.out).write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"wrote {args.out} ({len(data)} bytes of JSON, {len(model.weights)} features)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
