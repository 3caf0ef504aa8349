"""Training the mention typer (kg/extract/typer.py) from gold entity spans.

An example is one name mention kg's rules find in a gold text, labelled with the type of the gold
entity whose span it equals (leading titles and determiners, trailing sentence punctuation
aside), or NONE when it overlaps no gold entity at all; mentions that only overlap a gold entity
(a wrong span) teach nothing about types and are left out.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from .extract.typer import FORMAT, TypeModel, mention_features, tagger_label

__all__ = ["TypeExample", "type_examples", "fit_type_model", "NONE"]

NONE = "NONE"


@dataclass(frozen=True, slots=True)
class TypeExample:
    doc: str
    features: tuple[str, ...]
    label: str


def _core(text: str, start: int, end: int) -> tuple[int, int]:
    from .eval import _core_span

    return _core_span(text, start, end)


def type_examples(golds: Iterable[Mapping], *, nlp, types: Mapping[str, str]) -> list[TypeExample]:
    """Examples from gold documents with ``id``, ``text`` and ``entities`` (``start``, ``end``,
    ``type``); ``types`` maps gold types to kg's (unmapped gold types count as "Other")."""
    from .extract.mentions import name_mentions

    golds = list(golds)
    examples: list[TypeExample] = []
    for gold, doc in zip(golds, nlp.pipe(g["text"] for g in golds)):
        text = gold["text"]
        spans = {_core(text, e["start"], e["end"]): types.get(e["type"], "Other") for e in gold.get("entities", [])}
        for mention in name_mentions(doc, type_model=None):
            span = doc.char_span(mention.start, mention.end, alignment_mode="expand")
            if span is None:
                continue
            core = _core(text, mention.start, mention.end)
            if core in spans:
                label = spans[core]
            elif any(s < core[1] and core[0] < e for s, e in spans):
                continue
            else:
                label = NONE
            features = mention_features(span, tagger_label=tagger_label(span), rule_type=mention.type)
            examples.append(TypeExample(gold["id"], tuple(features), label))
    return examples


def fit_type_model(examples: Sequence[TypeExample], *, c: float = 1.0, min_count: int = 2, threshold: float = 0.5,
                   info: Mapping | None = None) -> TypeModel:
    """A multinomial logistic regression over the examples' features (scikit-learn), as a
    :class:`TypeModel`; deterministic for the same examples."""
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for e in examples for f in set(e.features))
    keep = {f for f, n in counts.items() if n >= min_count}
    vectorizer = DictVectorizer(sort=True)
    x = vectorizer.fit_transform([{f: 1 for f in e.features if f in keep} for e in examples])
    lr = LogisticRegression(C=c, max_iter=2000, tol=1e-5)
    lr.fit(x, [e.label for e in examples])
    classes = tuple(str(c) for c in lr.classes_)
    coef, intercept = lr.coef_, lr.intercept_
    if coef.shape[0] == 1:  # two classes: scikit-learn keeps one row; a softmax needs both
        coef, intercept = [-coef[0] / 2, coef[0] / 2], [-intercept[0] / 2, intercept[0] / 2]
    weights = {}
    for j, name in enumerate(vectorizer.get_feature_names_out()):
        row = tuple(round(float(coef[i][j]), 4) for i in range(len(classes)))
        if any(abs(w) >= 1e-3 for w in row):
            weights[str(name)] = row
    intercepts = tuple(round(float(v), 5) for v in intercept)
    return TypeModel(classes, weights, intercepts, threshold,
                     {"format": FORMAT, "examples": len(examples), "labels": dict(Counter(e.label for e in examples)),
                      **(info or {})})
