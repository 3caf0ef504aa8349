"""Relation P/R/F1 on the three dev sets at a range of --min-confidence thresholds, for one
relation model (how the default threshold was chosen; see eval/train_default_model.py).

    python eval/threshold_sweep.py [--relation-model PATH|default|none]

Sets: CoNLL04 dev (../shared/eval/conll04/dev.jsonl), the GUM Wikinews relation file
(../shared/eval/gum_news_dev_relations.jsonl with gum_news_dev.jsonl), and Re-DocRED dev
documents 400-499 (eval/redocred_dev.json: those the default model did not train on).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
THRESHOLDS = (0.0, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--relation-model", default="default")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from kg.eval import (docred_doc_id, docred_layout, read_conll04, read_docred, read_mapping, read_wikinews,
                         score_conll04_relations, score_docred_relations, score_wikinews_relations)
    from kg.pipeline import BuildOptions, relation_model_setting, run_documents
    from kg.types import Document

    options = BuildOptions(min_confidence=0.0, relation_model=relation_model_setting(args.relation_model))
    conll = read_conll04(SHARED / "conll04" / "dev.jsonl")
    conll_records, _ = run_documents([Document(id=g["id"], text=g["text"]) for g in conll], options=options)
    gum = read_wikinews(SHARED / "gum_news_dev_relations.jsonl")
    texts = {}
    for line in (SHARED / "gum_news_dev.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        texts[item["id"]] = item["text"]
    gum_records, _ = run_documents([Document(id=g["id"], text=texts[g["id"]]) for g in gum], options=options)
    data = read_docred(ROOT / "eval" / "redocred_dev.json")
    mapping = read_mapping(ROOT / "eval" / "redocred_mapping.json")
    held = [doc if i >= 400 else {**doc, "sents": [], "vertexSet": [], "labels": []} for i, doc in enumerate(data)]
    docred_records, _ = run_documents(
        [Document(id=docred_doc_id(i), text=docred_layout(d)[0]) for i, d in enumerate(data) if i >= 400], options=options)

    def above(records, t):
        return [dict(r, relations=[x for x in r["relations"] if x["confidence"] >= t]) for r in records]

    print(f"{'min-conf':>8} | {'CoNLL04 dev P/R/F1':^20} | {'GUM Wikinews P/R/F1':^20} | {'Re-DocRED 400-499 P/R/F1':^24}")
    for t in THRESHOLDS:
        a = score_conll04_relations(conll, above(conll_records, t)).micro
        b = score_wikinews_relations(gum, above(gum_records, t)).micro
        c = score_docred_relations(held, mapping, {r["id"]: r for r in above(docred_records, t)}).micro
        print(f"{t:8.2f} | {a.precision:.3f} {a.recall:.3f} {a.f1:.3f} | {b.precision:.3f} {b.recall:.3f} {b.f1:.3f} | "
              f"{c.precision:.3f} {c.recall:.3f} {c.f1:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
