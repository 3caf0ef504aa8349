"""The mention typer: a small logistic regression that types a name mention from the evidence
around it, where the tagger's label and the hand-written cues disagree with the sentence.

spaCy's small English pipeline confuses organisations, places and people on unfamiliar names
("smoke hung over Millbrook" typed ORG, a surname typed ORG). The typer sees what the tagger saw
and more: the tagger's label and the rules' corrected type, the words of the name and around it,
its dependency role and head, and gazetteer facts (a known place, a region, a known given name).
It is trained by ``eval/train_type_model.py`` from named gold data (see README) and shipped as
``kg/data/type_model.json.gz``: gzip-compressed JSON with the classes, sparse weights per
feature and the intercepts. Prediction needs no scikit-learn: a sum of weights and a softmax.
"""
from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

from spacy.tokens import Span

from ..errors import UsageError
from .names import ORG_DESIGNATORS, given_name_gender, is_known_place, is_region

__all__ = ["TypeModel", "FORMAT", "TYPED", "mention_features", "tagger_label", "load_type_model", "retype", "type_model_from_bytes"]

FORMAT = "kg-type-model/1"
# The types the typer may choose between; a mention of any other type keeps the rules' type.
TYPED = ("Person", "Organization", "Location")


@dataclass(frozen=True)
class TypeModel:
    classes: tuple[str, ...]
    weights: Mapping[str, Sequence[float]]  # feature -> one weight per class
    intercepts: tuple[float, ...]
    threshold: float = 0.5  # a type replaces the rules' only with at least this probability
    info: Mapping[str, Any] = field(default_factory=dict)

    def probabilities(self, features: Iterable[str]) -> dict[str, float]:
        scores = list(self.intercepts)
        for feature in features:
            row = self.weights.get(feature)
            if row is not None:
                for i, w in enumerate(row):
                    scores[i] += w
        top = max(scores)
        exps = [math.exp(s - top) for s in scores]
        total = sum(exps)
        return {c: e / total for c, e in zip(self.classes, exps)}

    def to_json(self) -> dict:
        return {"format": FORMAT, "classes": list(self.classes), "intercepts": list(self.intercepts),
                "weights": {k: list(v) for k, v in self.weights.items()}, "threshold": self.threshold,
                "info": dict(self.info)}


def _word(token) -> str:
    return token.lower_ if token.is_alpha or token.is_punct else token.shape_


def mention_features(span: Span, *, tagger_label: str, rule_type: str) -> list[str]:
    """What the typer sees of one name mention: pure, from the parsed sentence alone."""
    doc = span.doc
    first, last, root = span[0], span[-1], span.root
    features = [f"rule={rule_type}", f"ner={tagger_label}", f"ner_rule={tagger_label}|{rule_type}",
                f"first={first.lower_}", f"last={last.lower_}", f"suffix={last.lower_[-3:]}",
                f"shape={last.shape_[:5]}", f"n={min(len(span), 4)}", f"dep={root.dep_}",
                f"head={root.head.lemma_.lower()}", f"dep_head={root.dep_}|{root.head.lemma_.lower()}"]
    features += [f"w={t.lower_}" for t in span]
    if all(t.is_upper for t in span if t.is_alpha):
        features.append("upper")
    before = doc[span.start - 1] if span.start > 0 else None
    after = doc[span.end] if span.end < len(doc) else None
    features.append(f"p1={_word(before) if before is not None else '<s>'}")
    features.append(f"n1={_word(after) if after is not None else '</s>'}")
    if span.start > 1:
        features.append(f"p2={_word(doc[span.start - 2])}|{_word(before)}")
    if span.end + 1 < len(doc):
        features.append(f"n2={_word(after)}|{_word(doc[span.end + 1])}")
    if root.dep_ == "pobj":
        features.append(f"prep={root.head.lower_}|{root.head.head.lemma_.lower()}")
    for child in root.children:
        if child.dep_ in {"appos", "compound", "amod", "poss"} and not (span.start <= child.i < span.end):
            features.append(f"child={child.dep_}|{child.lemma_.lower()}")
    if root.dep_ in {"compound", "poss"} and root.head.pos_ == "NOUN":
        features.append(f"modifies={root.head.lemma_.lower()}")
    if is_known_place(span.text):
        features.append("gaz=place")
    if is_region(span.text):
        features.append("gaz=region")
    if first.is_alpha and given_name_gender(first.text):
        features.append("gaz=given" if len(span) > 1 else "gaz=given_alone")
    return features


def tagger_label(span: Span) -> str:
    """The tagger's label for the entity holding the span's root ("" outside any)."""
    return span.root.ent_type_  # read off the token: Doc.ents builds every entity's Span


def retype(model: TypeModel | None, span: Span, *, rule_type: str) -> str:
    """The mention's type: the typer's choice where it is confident and the rules' type is one
    it chooses between; otherwise the rules' type."""
    if model is None or rule_type not in TYPED:
        return rule_type
    probabilities = model.probabilities(mention_features(span, tagger_label=tagger_label(span), rule_type=rule_type))
    best = max(TYPED, key=lambda c: probabilities.get(c, 0.0))
    if best == "Person" and len(span) == 1 and tagger_label(span) in ("ORG", "PRODUCT") and not given_name_gender(span.text):
        # A lone word the tagger called an organisation or product, with no first name in it
        # ("Google said"), is not made a person on the sentence's shape alone; a surname standing
        # for a full name of the text gets its person's type in resolution.
        return rule_type
    if rule_type == "Organization" and len(span) > 1 and span[-1].lower_ in ORG_DESIGNATORS:
        return rule_type  # "Harwick College", "Acme Labs": the name says what it is
    return best if best != rule_type and probabilities.get(best, 0.0) >= model.threshold else rule_type


def _from_json(raw: Any, where: str) -> TypeModel:
    if not isinstance(raw, dict) or raw.get("format") != FORMAT:
        raise UsageError(f"{where} is not a kg type model ({FORMAT})")
    try:
        classes = tuple(str(c) for c in raw["classes"])
        intercepts = tuple(float(x) for x in raw["intercepts"])
        weights = {str(k): tuple(float(w) for w in v) for k, v in raw["weights"].items()}
        threshold = float(raw.get("threshold", 0.5))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise UsageError(f"{where} is not a valid kg type model: {exc}") from None
    if len(intercepts) != len(classes) or any(len(v) != len(classes) for v in weights.values()):
        raise UsageError(f"{where} is not a valid kg type model: weights and classes disagree")
    return TypeModel(classes, weights, intercepts, threshold, dict(raw.get("info") or {}))


def type_model_from_bytes(data: bytes, *, where: str) -> TypeModel:
    try:
        raw = json.loads(gzip.decompress(data).decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError):
        raise UsageError(f"{where} is not a gzip-compressed JSON file") from None
    return _from_json(raw, where)


@lru_cache(maxsize=1)
def load_type_model() -> TypeModel | None:
    """The shipped typer, loaded once per process; None when kg ships without one."""
    resource = resources.files("kg").joinpath("data", "type_model.json.gz")
    if not resource.is_file():
        return None
    return type_model_from_bytes(resource.read_bytes(), where="the shipped type model")
