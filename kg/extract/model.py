"""The relation model: a multinomial logistic regression over candidate features (trained by
``kg train``, kg/train.py), its calibration, and how its predictions and the rules' relations
become one document's relations.

The model file is gzip-compressed JSON: the classes ("NONE", "TYPE>" for first-to-second,
"TYPE<" for second-to-first), the feature names and their sparse weights (format 2: three
little-endian arrays in base64, feature row, class and weight, which load in milliseconds where
the JSON numbers of format 1 took a third of a second; format 1 files are still read), the intercepts, an isotonic map from
the model's probability to the share of predictions that were right on held-out data, the
measured precision of each rule kind (for relations only a rule finds), and its provenance.
Prediction needs no scikit-learn: a sum of weights and a softmax.
"""
from __future__ import annotations

import base64
import binascii
import bisect
import gzip
import hashlib
import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import UsageError
from ..types import Evidence, Mention, Relation
from .features import RESPECTIVELY, Candidate
from .schema import Schema

__all__ = ["RelationModel", "DEFAULT_MODEL", "load_relation_model", "decide_relations", "longest_names", "rule_confidence", "rule_kind", "FORMAT"]

FORMAT = "kg-relation-model/2"
_FORMAT_1 = "kg-relation-model/1"  # weights as JSON lists of [class, weight]: still read
DEFAULT_MODEL = "default"  # the model shipped in kg/data/relation_model.json.gz
NONE = "NONE"
_BLOCK = 256  # candidates whose probabilities are computed together


@dataclass(frozen=True)
class RelationModel:
    classes: tuple[str, ...]
    weights: Mapping[str, tuple[tuple[int, float], ...]]  # feature -> (class index, weight)
    intercepts: tuple[float, ...]
    calibration: tuple[tuple[float, ...], tuple[float, ...]] = ((0.0, 1.0), (0.0, 1.0))
    rule_precision: Mapping[str, float] = field(default_factory=dict)
    info: Mapping[str, Any] = field(default_factory=dict)
    fingerprint: str = ""

    @property
    def types(self) -> frozenset[str]:
        """The relation types the model decides."""
        return frozenset(c[:-1] for c in self.classes if c != NONE)

    def probabilities(self, features: Iterable[str]) -> list[float]:
        return self._probabilities(features).tolist()

    def _probabilities(self, features: Iterable[str]) -> np.ndarray:
        index, matrix, intercepts = self._dense()
        rows = [i for i in map(index.get, features) if i is not None]
        scores = matrix[rows].sum(axis=0) + intercepts if rows else intercepts.copy()
        scores = np.exp(scores - scores.max())
        return scores / scores.sum()

    def _probability_rows(self, feature_lists: Sequence[Iterable[str]]) -> np.ndarray:
        """``_probabilities`` of many candidates, one row each, in a few array operations per
        block of candidates instead of a few per candidate. Equal bit for bit: each row's weights
        are summed in the same order (a sum along an axis adds one row after another), padded
        with rows of zeros, which add nothing."""
        index, matrix, intercepts = self._dense()
        padded, pad = self._padded()
        out = np.empty((len(feature_lists), len(intercepts)))
        for block in range(0, len(feature_lists), _BLOCK):  # blocks bound the memory of long documents
            rows = [[i for i in map(index.get, features) if i is not None]
                    for features in feature_lists[block:block + _BLOCK]]
            width = max(map(len, rows), default=0)
            if width:
                at = np.array([r + [pad] * (width - len(r)) for r in rows], dtype=np.intp)
                scores = np.add.reduce(padded[at], axis=1) + intercepts
            else:
                scores = np.tile(intercepts, (len(rows), 1))
            scores = np.exp(scores - scores.max(axis=1, keepdims=True))
            out[block:block + len(rows)] = scores / scores.sum(axis=1, keepdims=True)
        return out

    def _padded(self) -> tuple[np.ndarray, int]:
        """The weight matrix with a row of zeros after it, and that row's index (built once)."""
        cached = self.__dict__.get("_padded_cache")
        if cached is None:
            matrix = self._dense()[1]
            cached = (np.vstack([matrix, np.zeros((1, matrix.shape[1]))]), len(matrix))
            object.__setattr__(self, "_padded_cache", cached)
        return cached

    def _labels(self) -> tuple[int, tuple[tuple[str, bool] | None, ...]]:
        """The index of NONE (-1 without it) and each class's (type, reversed), None for NONE."""
        cached = self.__dict__.get("_labels_cache")
        if cached is None:
            none = self.classes.index(NONE) if NONE in self.classes else -1
            cached = (none, tuple(None if c == NONE else _class_type(c) for c in self.classes))
            object.__setattr__(self, "_labels_cache", cached)
        return cached

    def _dense(self):
        """The weights as one float64 matrix (feature row x class), built once per model: a
        candidate's scores are then one row sum."""
        cached = self.__dict__.get("_dense_cache")
        if cached is None:
            features, rows, cols, values = _entries(self.weights)
            if cols.size and (cols.min() < 0 or cols.max() >= len(self.classes)):
                raise ValueError("weights and classes disagree")
            if rows.size and (rows.min() < 0 or rows.max() >= len(features)):
                raise ValueError("weight rows and features disagree")
            index = {f: n for n, f in enumerate(features)}
            matrix = np.zeros((max(len(index), 1), len(self.classes)))
            matrix[rows, cols] = values
            cached = (index, matrix, np.asarray(self.intercepts, dtype=float))
            object.__setattr__(self, "_dense_cache", cached)
        return cached

    def calibrated(self, probability: float) -> float:
        xs, ys = self.calibration
        if probability <= xs[0]:
            return ys[0]
        if probability >= xs[-1]:
            return ys[-1]
        i = bisect.bisect_right(xs, probability)
        x0, x1, y0, y1 = xs[i - 1], xs[i], ys[i - 1], ys[i]
        return y0 if x1 == x0 else y0 + (y1 - y0) * (probability - x0) / (x1 - x0)

    def to_json(self) -> dict:
        return {
            "format": FORMAT, "classes": list(self.classes), "intercepts": list(self.intercepts),
            **_packed(self.weights),
            "calibration": {"x": list(self.calibration[0]), "y": list(self.calibration[1])},
            "rule_precision": dict(sorted(self.rule_precision.items())), "info": dict(self.info),
        }

    def save(self, path: str | Path) -> None:
        """Deterministic bytes: sorted keys, no timestamp in the gzip header. Written to a temporary
        file and renamed, so a failed run leaves the previous model whole."""
        from kg.sinks.files import atomic_writer

        data = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        with atomic_writer(path, mode="wb") as stream:
            stream.write(gzip.compress(data, compresslevel=9, mtime=0))


class PackedWeights(Mapping):
    """Sparse weights as three arrays (feature row, class, weight) beside the feature names: what
    format 2 stores. A Mapping feature -> ((class, weight), ...) like format 1's, built per
    feature only when asked; the dense matrix is made from the arrays at once."""

    def __init__(self, features: Sequence[str], rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        if not (len(rows) == len(cols) == len(values)):
            raise ValueError("weight arrays of different lengths")
        self.features, self.rows, self.cols, self.values = tuple(features), rows, cols, values

    def __getitem__(self, feature: str) -> tuple[tuple[int, float], ...]:
        index, order, starts = self._grouped()
        n = index[feature]
        picked = order[starts[n]:starts[n + 1]]
        return tuple(zip(self.cols[picked].tolist(), self.values[picked].tolist()))

    def _grouped(self):
        """Feature -> row, and the entries grouped by row (stable: each row's entries in file
        order), built once: a lookup is then a slice, not a pass over every entry."""
        cached = self.__dict__.get("_groups")
        if cached is None:
            order = np.argsort(self.rows, kind="stable")
            starts = np.searchsorted(self.rows[order], np.arange(len(self.features) + 1), side="left")
            cached = ({f: n for n, f in enumerate(self.features)}, order, starts)
            self._groups = cached
        return cached

    def __iter__(self):
        return iter(self.features)

    def __len__(self) -> int:
        return len(self.features)


def _entries(weights: Mapping) -> tuple[Sequence[str], np.ndarray, np.ndarray, np.ndarray]:
    """(feature names, row, class, weight arrays) of any weights mapping, in its feature order."""
    if isinstance(weights, PackedWeights):
        return weights.features, weights.rows.astype(np.int64), weights.cols.astype(np.int64), weights.values
    rows, cols, values = [], [], []
    for n, entries in enumerate(weights.values()):
        for i, w in entries:
            rows.append(n)
            cols.append(i)
            values.append(w)
    return (list(weights), np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64),
            np.asarray(values, dtype=float))


def _packed(weights: Mapping) -> dict:
    """Format 2's fields for the weights, features sorted: the same weights give the same bytes."""
    features, rows, cols, values = _entries(weights)
    order = sorted(range(len(features)), key=features.__getitem__)
    rank = np.empty(len(features), dtype=np.int64)
    rank[order] = np.arange(len(features))
    rows = rank[rows]
    keep = np.argsort(rows, kind="stable")  # by sorted feature; each feature's entries as they were
    rows, cols, values = rows[keep], cols[keep], values[keep]
    return {
        "features": [features[n] for n in order],
        "weight_rows": _b64(rows.astype("<i4")), "weight_classes": _b64(cols.astype("<i2")),
        "weight_values": _b64(values.astype("<f8")),
    }


def _b64(array: np.ndarray) -> str:
    return base64.b64encode(array.tobytes()).decode("ascii")


def _unb64(text: Any, dtype: str) -> np.ndarray:
    if not isinstance(text, str):
        raise TypeError("weight arrays must be base64 strings")
    return np.frombuffer(base64.b64decode(text.encode("ascii"), validate=True), dtype=dtype)


def _weights_from_json(raw: dict) -> Mapping:
    if raw.get("format") == _FORMAT_1:
        # kept as read (lists of [class, weight]): converting 40,000 features to tuples took longer
        # than reading the file; the dense matrix built from them checks every entry
        weights = raw["weights"]
        if not isinstance(weights, dict):
            raise TypeError("weights must be an object")
        return weights
    features = raw["features"]
    if not isinstance(features, list) or not all(isinstance(f, str) for f in features):
        raise TypeError("features must be a list of strings")
    return PackedWeights(features, _unb64(raw["weight_rows"], "<i4"), _unb64(raw["weight_classes"], "<i2"),
                         _unb64(raw["weight_values"], "<f8"))


def _from_json(raw: Any, where: str, fingerprint: str) -> RelationModel:
    if not isinstance(raw, dict) or raw.get("format") not in (FORMAT, _FORMAT_1):
        raise UsageError(f"{where} is not a kg relation model ({FORMAT})")
    try:
        classes = tuple(str(c) for c in raw["classes"])
        weights = _weights_from_json(raw)
        intercepts = tuple(float(x) for x in raw["intercepts"])
        cal = raw.get("calibration") or {"x": [0.0, 1.0], "y": [0.0, 1.0]}
        calibration = (tuple(float(x) for x in cal["x"]), tuple(float(y) for y in cal["y"]))
        rule_precision = {str(k): float(v) for k, v in (raw.get("rule_precision") or {}).items()}
    except (KeyError, TypeError, ValueError, binascii.Error) as exc:
        raise UsageError(f"{where} is not a valid kg relation model: {exc}") from None
    if len(intercepts) != len(classes):
        raise UsageError(f"{where} is not a valid kg relation model: weights and classes disagree")
    if not calibration[0] or len(calibration[0]) != len(calibration[1]):
        raise UsageError(f"{where} is not a valid kg relation model: bad calibration")
    model = RelationModel(classes, weights, intercepts, calibration, rule_precision, dict(raw.get("info") or {}), fingerprint)
    try:
        model._dense()
    except (TypeError, ValueError, IndexError) as exc:
        raise UsageError(f"{where} is not a valid kg relation model: {exc}") from None
    return model


def _default_bytes() -> bytes:
    return resources.files("kg").joinpath("data", "relation_model.json.gz").read_bytes()


def model_bytes(path: str | None) -> bytes:
    if path in (None, DEFAULT_MODEL):
        return _default_bytes()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read relation model {path}: {exc.strerror or exc}") from None


def model_fingerprint(path: str | None) -> str:
    """What enters the cache key: a hash of the model file's bytes."""
    return hashlib.sha256(model_bytes(path)).hexdigest()[:16]


@lru_cache(maxsize=4)
def load_relation_model(path: str | None = None) -> RelationModel:
    """The model at ``path`` (None or "default": the one shipped with kg), loaded once per process."""
    where = "the default relation model" if path in (None, DEFAULT_MODEL) else f"relation model {path}"
    data = model_bytes(path)
    try:
        raw = json.loads(gzip.decompress(data).decode("utf-8"))
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError):
        raise UsageError(f"{where} is not a gzip-compressed JSON file") from None
    return _from_json(raw, where, hashlib.sha256(data).hexdigest()[:16])


def rule_kind(rule: str) -> str:
    """A rule name without its trigger word: "verb:ban" -> "verb", "link:prep:in" -> "link:prep:in"."""
    kind, _, rest = rule.partition(":")
    return f"{kind}:{rest}" if kind in ("link", "compose") else kind


# ---------------------------------------------------------------- decisions


def _class_type(label: str) -> tuple[str, bool]:
    return label[:-1], label.endswith("<")


def predict(model: RelationModel, candidate: Candidate, schema: Schema) -> tuple[str, bool, float, float] | None:
    """The most probable relation the schema allows for a candidate: (type, reversed,
    probability, probability of no relation); None when the model allows none."""
    probs = model._probabilities(candidate.features)
    return _predicted(model, probs.tolist(), np.argsort(-probs, kind="stable").tolist(), candidate, schema)


def _predicted(model: RelationModel, probs: list[float], order: list[int], candidate: Candidate,
               schema: Schema) -> tuple[str, bool, float, float] | None:
    """``predict`` from the candidate's class probabilities and the classes' order, most probable
    first (ties in class order)."""
    none_index, labels = model._labels()
    none = probs[none_index] if none_index >= 0 else 0.0
    best = None
    for index in order:
        label = labels[index]
        if label is None:
            continue
        name, reverse = label
        relation = schema.get(name)
        if relation is None:
            continue
        subject, obj = (candidate.second, candidate.first) if reverse else (candidate.first, candidate.second)
        if relation.allows(subject.type, obj.type):
            best = (name, reverse, probs[index], none)
            break
    return best


def longest_names(mentions: Iterable[Mention]) -> dict[str, str]:
    """Each entity's longest name among these mentions: what the checks of places read
    ("Washington D.C.", not the "Washington" of another sentence)."""
    names: dict[str, str] = {}
    for m in mentions:
        if m.kind == "name" and len(m.text) > len(names.get(m.entity, "")):
            names[m.entity] = m.text
    return names


def decide_relations(
    candidates: Sequence[Candidate],
    rule_relations: Sequence[Relation],
    model: RelationModel,
    schema: Schema,
    *,
    doc_id: str,
    names: Mapping[str, str] | None = None,
) -> list[Relation]:
    """One document's relations: the model's most probable relation for every candidate pair, and
    every rule's relation, each with a measured probability of being right (the model's
    calibrated probability; a rule's precision on held-out gold for its kind and type). Where
    the model and a rule give the same relation, it is one relation found by both."""
    names = names if names is not None else longest_names(m for c in candidates for m in (c.first, c.second))
    by_pair = {(c.sentence_start, c.first.entity, c.second.entity): c for c in candidates}
    out: dict[tuple, Relation] = {}
    # Types the model only learned from the rules' readings (no gold annotated them) are left to
    # the rules, whose precision was measured; the model's probability for them was not.
    measured = model.info.get("measured_types")
    decided = [c for c in candidates if not _crossed(c)]
    probs = model._probability_rows([c.features for c in decided])
    # one stable sort per row: the same order as each candidate's own argsort
    orders = np.argsort(-probs, axis=1, kind="stable").tolist()
    for candidate, row, order in zip(decided, probs.tolist(), orders):
        found = _predicted(model, row, order, candidate, schema)
        if found is None:
            continue
        name, reverse, probability, _ = found
        if measured is not None and name not in measured:
            continue
        if name in _LOCAL and not candidate.rules and not _local(candidate):
            continue  # a nationality is stated next to the name, not across a clause
        subject, obj = (candidate.second, candidate.first) if reverse else (candidate.first, candidate.second)
        relation = schema.get(name)
        key = (candidate.sentence_start, subject.entity, name, obj.entity)
        out[key] = Relation(
            subject=subject.entity, type=name, object=obj.entity, label=relation.label,
            confidence=round(model.calibrated(probability), 4),
            evidence=Evidence(doc=doc_id, sentence=candidate.sentence, start=candidate.sentence_start,
                              end=candidate.sentence_end, rule="model"),
            past=candidate.past, source=("model",),
        )
    if model.info.get("rules") is False:  # the model alone
        return _settled(out.values(), by_pair, names, schema)
    for r in rule_relations:
        candidate = _candidate_of(r, by_pair)
        if candidate is not None and _crossed(candidate):
            continue
        past = candidate.past if candidate else r.past
        precision = rule_confidence(model, r.type, r.evidence.rule, fallback=r.confidence)
        key = (r.evidence.start, r.subject, r.type, r.object)
        if relation := schema.get(r.type):
            if relation.symmetric and key not in out:
                key = (r.evidence.start, r.object, r.type, r.subject) if (r.evidence.start, r.object, r.type, r.subject) in out else key
        seen = out.get(key)
        if seen is None:
            out[key] = replace(r, confidence=round(precision, 4), source=(r.evidence.rule,), past=past)
        else:  # the model and a rule agree: both are named, the better measured estimate kept
            out[key] = replace(seen, confidence=round(max(seen.confidence, precision), 4),
                               source=tuple(sorted(set(seen.source) | {r.evidence.rule}, key=lambda x: (x != "model", x))),
                               negated=r.negated, modality=r.modality,
                               evidence=replace(seen.evidence, rule=r.evidence.rule))
    return _settled(out.values(), by_pair, names, schema)


def _crossed(candidate: Candidate) -> bool:
    """Two names of two lists that "respectively" pairs with others: no relation between them."""
    return f"{RESPECTIVELY}=cross" in candidate.features


def _settled(relations: Iterable[Relation], by_pair: Mapping[tuple, Candidate], names: Mapping[str, str],
             schema: Schema) -> list[Relation]:
    """The decided relations after the checks that read the whole sentence's decisions: no home
    read through an event's place (nor a national side's home), no place inside another item of
    its list, no second place from a town's qualifier ("in Halden, Varnia"), membership for
    parties, clubs and a side's captain, employment for office-holding bodies, no place inside a
    smaller one, citizenship of countries only, LEADS over WORKS_FOR, one direction."""
    kept = [r for r in relations if not _event_place(r, by_pair, schema) and not _listed_places(r, by_pair)
            and not _across_semicolon(r, by_pair)]
    kept = _one_country(_without_qualifiers(kept, by_pair), names)
    return _one_direction(_most_specific(_geography(_membership(sorted(kept, key=_order), names, schema), names, schema)), schema)


def _one_country(relations: list[Relation], names: Mapping[str, str]) -> list[Relation]:
    """One country per thing and sentence: where a rule places it in one ("US team Kestrel9"),
    the model's guess of another country in the same sentence is a misreading ("..., and the
    Vipers, from Brazil")."""
    from .places import country_code_of

    def country(r: Relation) -> bool:
        return r.type in _CONTAINED and country_code_of(names.get(r.object, "")) is not None

    ruled: dict[tuple, set[str]] = defaultdict(set)
    for r in relations:
        if country(r) and r.source != ("model",) and not r.negated:
            ruled[(r.evidence.start, r.subject)].add(r.object)
    return [r for r in relations
            if not (country(r) and r.source == ("model",) and ruled.get((r.evidence.start, r.subject), {r.object}) - {r.object})]


def _across_semicolon(relation: Relation, by_pair: Mapping[tuple, Candidate]) -> bool:
    """"X of A; Y of B; Z of C": items of a list split by semicolons are facts of their own, and
    two names on either side of one are not read as one fact."""
    candidate = _candidate_of(relation, by_pair)
    if candidate is None:
        return False
    start = candidate.sentence_start
    between = candidate.sentence[candidate.first.end - start:candidate.second.start - start]
    # not one inside parentheses after a name: "X (Russian: ...; born 1913 in Y)"
    return ";" in between and between.count("(") <= between.count(")")


_PERSONAL_PLACES = frozenset({"LIVES_IN", "BORN_IN", "DIED_IN"})
_INSTITUTIONS = frozenset({"Facility", "Organization"})


def _without_qualifiers(relations: list[Relation], by_pair: Mapping[tuple, Candidate]) -> list[Relation]:
    """"born in Halden, Varnia", "the Kell Museum in Halden, Varnia": the person's or the
    institution's place is the town; the state after its comma says where the town is, and is no
    second place of theirs (the graph keeps the two steps; a query follows them)."""
    mentions: dict[tuple, list] = defaultdict(list)  # (sentence, subject) -> its place mentions
    found = []
    for r in relations:
        candidate = _candidate_of(r, by_pair) if r.type in _PERSONAL_PLACES | _CONTAINED else None
        if candidate is not None:
            place = candidate.first if candidate.first.entity == r.object else candidate.second
            subject = candidate.second if place is candidate.first else candidate.first
            if r.type in _CONTAINED and subject.type not in _INSTITUTIONS:
                continue
            mentions[(r.evidence.start, r.subject)].append(place)
            found.append((r, candidate, place))

    qualifiers = set()
    for r, candidate, place in found:
        for town in mentions[(r.evidence.start, r.subject)]:
            between = candidate.sentence[town.end - candidate.sentence_start:place.start - candidate.sentence_start]
            if town.entity != place.entity and town.end <= place.start and between.strip() == ",":
                qualifiers.add(id(r))
    return [r for r in relations if id(r) not in qualifiers]


_LOCAL = frozenset({"CITIZEN_OF"})
# Prepositions on the path between a person and a country that say how they stand to it other
# than as its national ("the ambassador to Y", "works for Y", "flew to Y", "talks with Y").
_NOT_NATIONALITY_PATHS = frozenset(f"pw={word}" for word in ("to", "for", "with", "at", "against", "toward", "towards"))


def _local(candidate: Candidate) -> bool:
    """The two mentions are at most three dependency steps apart, and where one is a pronoun or
    a description the nationality is an adjective ("he is an American actor"), not a country
    named near it ("his travel ban, which does not cover Afghanistan")."""
    from .names import is_region

    if not any(f in candidate.features for f in ("pn=1", "pn=2", "pn=3")):
        return False
    if any(f in _NOT_NATIONALITY_PATHS for f in candidate.features):
        return False  # "ambassador to Y", "a spokeswoman for Y's agency": Y is not her country
    steps = _path_steps(candidate.features)
    if _through_a_possessor(steps):
        return False  # "the Varnian team's coach, P": the nationality is the team's
    if "dobjv" in steps:
        return False  # "P praised the Varnian government": the nationality is the government's
    if candidate.first.kind == "name" and candidate.second.kind == "name":
        return True
    place = candidate.second if candidate.second.type == "Location" else candidate.first
    return not is_region(place.text)


def _path_steps(features: Sequence[str]) -> list[str]:
    """The steps of the dependency path between the pair (its "pd=" feature; none without one)."""
    return next((f[3:].split() for f in features if f.startswith("pd=")), [])


def _through_a_possessor(steps: Sequence[str]) -> bool:
    """The dependency path passes through a possessor on the way: the first name modifies a
    noun that owns the second's ("the Varnian team's coach, P"), or owns a thing under a
    preposition ("P of Varnia's Daily Ledger"), not the second itself."""
    if "poss^" in steps[1:] or "possv" in steps[:-1]:
        return True
    # "P of Varnia's Daily Ledger": the possessor owns a thing P is "of", not P
    return any(s.startswith("poss") for s in steps) and any(s.startswith("pobj") for s in steps)


def _candidate_of(relation: Relation, by_pair: Mapping[tuple, Candidate]) -> Candidate | None:
    """The candidate pair a relation was read on (its two entities in either order, its sentence)."""
    start = relation.evidence.start
    return by_pair.get((start, relation.subject, relation.object)) or by_pair.get((start, relation.object, relation.subject))


def _event_place(relation: Relation, by_pair: Mapping[tuple, Candidate], schema: Schema) -> bool:
    """LIVES_IN read through a clause whose verb places no home ("X met Y in Geneva"), and the
    same for the place of a national side ("Norway faced Chile in Halden")."""
    verbs = schema.lexicon.residence_verbs
    if relation.type not in {"LIVES_IN", "BASED_IN", "LOCATED_IN"} or not verbs:
        return False
    candidate = _candidate_of(relation, by_pair)
    if candidate is None:
        return False
    if relation.type != "LIVES_IN":
        # a national side (an organisation named as a country: kg.extract.mentions.as_teams)
        # is not where it plays
        from .places import place_kinds

        subject = candidate.first if candidate.first.entity == relation.subject else candidate.second
        if subject.type != "Organization" or "country" not in place_kinds(subject.text):
            return False
    features = set(candidate.features)
    top = next((f[4:] for f in candidate.features if f.startswith("top=")), "")
    word, _, pos = top.rpartition(":")
    if pos in ("VERB", "AUX"):
        return word not in verbs
    # "X met Ann Lee in Geneva", parsed with "in Geneva" on the name: the place hangs on a
    # person who is an argument of an event verb
    if not features & {"pd=prepv pobjv", "pd=pobj^ prep^"} or not features & {"bw=in", "bw=at"}:
        return False
    side = "ha=" if relation.subject == candidate.first.entity else "hb="
    head = next((f[3:] for f in candidate.features if f.startswith(side)), "")
    dep, _, head_word = head.partition(":")
    return dep in ("dobj", "nsubj", "nsubjpass", "iobj", "dative") and head_word not in verbs


_CONTAINED = frozenset({"LOCATED_IN", "BASED_IN", "PART_OF"})
_QUALIFIER_RULES = frozenset({"link:appos", "link:comma"})  # "Halden, Varnia": the text's own qualifier
_PLACES = frozenset({"Location", "Facility"})


def _listed_places(relation: Relation, by_pair: Mapping[tuple, Candidate]) -> bool:
    """Something inside a place read between two items of one list ("fires in Brazil and
    Madagascar", "a trainer for the museum at Fort Kell and engines for the center in Halden"):
    listed items are siblings, not one inside the other."""
    if relation.type not in _CONTAINED:
        return False
    candidate = _candidate_of(relation, by_pair)
    return candidate is not None and "coord" in candidate.features


def _geography(relations: list[Relation], names: Mapping[str, str], schema: Schema | None = None) -> list[Relation]:
    """No place lies inside a place of its own rank or below (a country in a country or in a
    city, a state in a city): such a reading is a list or a direction error; nor where GeoNames
    says otherwise, unless the text writes it as a qualifier ("Paris, Poland": a small Paris of
    Poland, for all GeoNames knows); and a citizenship
    is of a country: one read of a place GeoNames knows only as a town or a state is residence."""
    from .relations import place_rank  # here: it imports spaCy, which loading a model file does not need

    from .places import contradicts_gazetteer, place_kinds

    kept = []
    for r in relations:
        if r.type in _CONTAINED:
            inner, outer = place_rank(r.subject, names.get(r.subject, "")), place_rank(r.object, names.get(r.object, ""))
            if inner and outer and inner >= outer:
                continue
            if (r.subject.startswith("location:") and r.object.startswith("location:")
                    and not any(s in _QUALIFIER_RULES for s in r.source)
                    and contradicts_gazetteer(names.get(r.subject, ""), names.get(r.object, ""))):
                continue  # "fires in Brazil and Paris, Poland's ...": GeoNames knows better
        if r.type == "CITIZEN_OF" and r.object.startswith("location:"):
            kinds = place_kinds(names.get(r.object, ""))
            lives = schema.get("LIVES_IN") if schema is not None else None
            if kinds and "country" not in kinds and lives is not None:
                # "Halden prosecutor X": no one is a citizen of a town or a state; it is their home
                r = replace(r, type="LIVES_IN", label=lives.label)
        kept.append(r)
    return kept


def _one_direction(relations: list[Relation], schema: Schema) -> list[Relation]:
    """An asymmetric relation read both ways between two entities in one sentence ("X KILLED Y"
    and "Y KILLED X") is one reading: the one a rule read off the syntax, else the more probable."""
    def rank(r: Relation) -> tuple:
        return (any(s != "model" for s in r.source), r.confidence)

    def judged(r: Relation) -> bool:  # containment has its own check: the places' ranks
        relation = schema.get(r.type)
        return relation is not None and not relation.symmetric and not r.negated and r.type not in _CONTAINED

    def key(r: Relation) -> tuple:
        return (r.evidence.start, r.type, *sorted((r.subject, r.object)))

    best: dict[tuple, Relation] = {}
    for r in filter(judged, relations):
        if key(r) not in best or rank(r) > rank(best[key(r)]):
            best[key(r)] = r
    return [r for r in relations if not judged(r) or best[key(r)] is r]


def _most_specific(relations: list[Relation]) -> list[Relation]:
    """Who leads an organisation works for it: where one sentence gives a pair both, LEADS
    says it and WORKS_FOR is not a second fact ("X, director of Y" fires both role rules)."""
    leads = {(r.evidence.start, r.subject, r.object, r.negated) for r in relations if r.type == "LEADS"}
    return [r for r in relations
            if not (r.type == "WORKS_FOR" and (r.evidence.start, r.subject, r.object, r.negated) in leads)]


def _membership(relations: list[Relation], names: Mapping[str, str], schema: Schema) -> list[Relation]:
    """WORKS_FOR a party, club, team, church or side is membership: MEMBER_OF; a person's membership
    of a body whose members hold an office (a commission, a council) is WORKS_FOR; one relation
    per pair."""
    heads = schema.lexicon.membership_heads
    offices = schema.lexicon.office_bodies
    member, works = schema.get("MEMBER_OF"), schema.get("WORKS_FOR")
    if not heads or member is None:
        return relations
    out: dict[tuple, Relation] = {}
    for r in relations:
        words = names.get(r.object, "").lower().split()
        if _captain_of_a_side(r, names):  # leads it on the field and plays in it: both
            _keep_one(out, replace(r, type="MEMBER_OF", label=member.label))
        if r.type == "WORKS_FOR" and ((words and words[-1] in heads) or _side(r.object, names)):
            r = replace(r, type="MEMBER_OF", label=member.label)
        elif (r.type == "MEMBER_OF" and works is not None and words and words[-1] in offices
              and r.subject.startswith("person:")):
            r = replace(r, type="WORKS_FOR", label=works.label)
        _keep_one(out, r)
    return sorted(out.values(), key=_order)


def _keep_one(out: dict[tuple, Relation], r: Relation) -> None:
    """One relation per sentence, pair and type: the more confident, with both's sources."""
    key = (r.evidence.start, r.subject, r.type, r.object, r.negated)
    seen = out.get(key)
    if seen is None or r.confidence > seen.confidence:
        if seen is not None:
            r = replace(r, source=tuple(dict.fromkeys((*r.source, *seen.source))), past=r.past and seen.past)
        out[key] = r
    else:
        out[key] = replace(seen, source=tuple(dict.fromkeys((*seen.source, *r.source))), past=r.past and seen.past)


def _side(entity: str, names: Mapping[str, str]) -> bool:
    """An organisation named as a country or city: a side (kg.extract.mentions.as_teams)."""
    from .names import is_known_place

    if not entity.startswith("organization:"):
        return False
    # the name a mention in this chunk gives it, or the one its id is made from ("the Norwegians")
    return is_known_place(names.get(entity, "")) or is_known_place(entity.partition(":")[2].replace("-", " "))


def _captain_of_a_side(relation: Relation, names: Mapping[str, str]) -> bool:
    """"England captain X": the captain of a side leads it on the field and is one of its players."""
    return (relation.type == "LEADS" and any(s.endswith(":captain") for s in relation.source)
            and _side(relation.object, names))


def _order(r: Relation) -> tuple:
    return (r.evidence.start, r.type, r.subject, r.object, r.negated, r.evidence.rule)


def rule_confidence(model: RelationModel, relation_type: str, rule: str, *, fallback: float) -> float:
    """The measured precision of a rule on held-out gold: of its kind for this type where that
    was measured, else of its kind, else of all rules."""
    kind = rule_kind(rule)
    table = model.rule_precision
    for key in (f"{relation_type}|{kind}", kind, "*"):
        if key in table:
            return table[key]
    return fallback
