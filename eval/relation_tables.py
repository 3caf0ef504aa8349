"""README's relation tables: per type P/R/F1 on the three dev sets for the rules alone, the model
alone and both (the shipped default), and the calibration of the default, each cell what
`kg eval` prints for the same set and options:

    kg eval ../shared/eval/conll04/dev.jsonl --relation-model none|MODEL_ALONE|default
    kg eval ../shared/eval/gum_news_dev_relations.jsonl ../shared/eval/gum_news_dev.jsonl --relation-model ...
    kg eval eval/redocred_dev.json --docred-range 400:500 --relation-model ...

    python eval/relation_tables.py --model-alone model-alone.json.gz > tables.md

(model-alone.json.gz: `python eval/train_default_model.py --without-rules --out model-alone.json.gz`.)
The rules alone keep the threshold 0 (their confidences are not measured); the model variants
use their own default --min-confidence.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared" / "eval"
SETS = {
    "conll04": (str(SHARED / "conll04" / "dev.jsonl"), None, None),
    "wikinews": (str(SHARED / "gum_news_dev_relations.jsonl"), [str(SHARED / "gum_news_dev.jsonl")], None),
    "docred": (str(ROOT / "eval" / "redocred_dev.json"), None, (400, 500)),
}
TITLES = {"conll04": "CoNLL04 dev (231 sentences; CoNLL04 types, kg's finer types counted as compatible, strict names)",
          "wikinews": "GUM Wikinews relations (8 articles; recall over `must`, a prediction right when it matches a must or should line)",
          "docred": "Re-DocRED dev documents 400-499 (not trained on; strict names over the mapped types)"}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-alone", required=True)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from kg import eval as scoring
    from kg.ingest import read_documents
    from kg.pipeline import BuildOptions, relation_model_setting, run_documents

    variants = {"rules alone": "none", "model alone": args.model_alone, "both": "default"}
    for name, (gold, inputs, span) in SETS.items():
        scores = {}
        for label, model in variants.items():
            options = BuildOptions(relation_model=relation_model_setting(model))
            report = scoring.evaluate(gold, inputs, run=lambda docs: run_documents(docs, options=options),
                                      read=lambda paths: read_documents(paths), docred_range=span)
            scores[label] = report.relations
        print(f"\n**{TITLES[name]}**\n")
        print("| type | " + " | ".join(f"{v} P / R / F1" for v in variants) + " |")
        print("| --- |" + " --- |" * len(variants))
        types = sorted({t for s in scores.values() for t in s.types})
        for t in [*types, "all"]:
            cells = []
            for label in variants:
                cell = scores[label].micro if t == "all" else scores[label].types.get(t)
                cells.append("-" if cell is None else f"{cell.precision:.3f} / {cell.recall:.3f} / {cell.f1:.3f}")
            print(f"| {'**all**' if t == 'all' else t} | " + " | ".join(cells) + " |")
        print(f"\nCalibration of the default (both) on this set:\n")
        print("| confidence | predictions | share right | mean confidence |")
        print("| --- | --- | --- | --- |")
        for band in scores["both"].calibration():
            if band.count:
                print(f"| {band.low:.1f}-{band.high:.1f} | {band.count} | {band.share_right:.3f} | {band.mean_confidence:.3f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
