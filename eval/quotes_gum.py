"""Print the quotations kg finds in a JSONL corpus (default: the 8 GUM news dev articles in
../shared/eval), one block per quotation, for judging their attribution by hand; then the
counts. Usage: PYTHONPATH=$PWD python eval/quotes_gum.py [PATH.jsonl]"""
from __future__ import annotations

import sys
from collections import Counter

from kg.ingest import read_documents
from kg.pipeline import extract
from kg.types import Document


def main(path: str) -> None:
    documents = [d for d in read_documents([path]) if isinstance(d, Document)]
    counts: Counter[str] = Counter()
    for extraction in extract(documents):
        names = {e.id: e.name for e in extraction.entities}
        for quote in extraction.quotes:
            counts[quote.kind] += 1
            counts["attributed" if quote.speaker else "unattributed"] += 1
            speaker = names.get(quote.speaker, quote.speaker) or "-"
            print(f"{extraction.document.id}\t{quote.kind}\t{speaker}\t{quote.text}")
    print(f"quotations: {counts['direct'] + counts['reported']} ({counts['direct']} direct, "
          f"{counts['reported']} reported); attributed: {counts['attributed']}", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/eval/gum_news_dev.jsonl")
