"""Scoring kg's output against gold: pure functions over predictions in the contract's shapes.

These kinds of gold are understood (:func:`gold_kind` tells them apart):

* contract gold (JSON lines, see CONTRACT.md "Gold files"): entities, relations with ``must`` /
  ``should`` levels, absent entities and relations, document properties. Scored per document
  against ``kg extract`` records and once more on the merged graph JSON.
* the same format with ``mentions`` on gold entities (GUM news): mention grouping is scored with
  B-cubed over gold mentions, a predicted mention matching a gold one when it covers the gold
  mention's head word, and so is the type of the entity matched name mentions fall in.
* CoNLL04-style JSON lines (sentences with typed entity spans, five relation types): entities by
  span, relations strict on names with kg's finer types read as CoNLL04's.
* the Wikinews relation file (relations between named entities with must/should levels and
  negated statements, the texts in a separate file): recall over must lines, precision over
  must and should lines.
* DocRED JSON (Re-DocRED dev) with a mapping from Wikidata relation ids to kg relation types.

Every relation-scoring kind also yields :class:`RelationScores`: per-type scores and each scored
prediction's confidence and correctness, for calibration tables and threshold picking
(:func:`relation_scores` scores given records against a gold file without running anything).

Names match after :func:`kg.ids.name_key` (case folding, possessive 's, leading "the",
punctuation, extra spaces). Predicted and gold items are paired one-to-one (maximum matching), so a
real-world entity split over two predicted entities counts one hit and one false positive.
Negated predicted relations never count. The only link to the pipeline is the ``run`` (and
``read``) callables given to :func:`evaluate`.
"""
from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import networkx as nx

from .errors import EvalError, UsageError
from .ids import name_key, without_text_hash
from .types import ENTITY_TYPES, Document, Skipped

__all__ = [
    "Score",
    "BCubed",
    "RelationScore",
    "ScoredPrediction",
    "CalibrationBand",
    "RelationScores",
    "TypeAccuracy",
    "MentionTypeScores",
    "calibration_bands",
    "calibration_error",
    "CALIBRATION_TOLERANCE",
    "TypeMismatch",
    "MissingRelation",
    "Violation",
    "PropertyCheck",
    "Section",
    "CorefScores",
    "DocredScores",
    "Report",
    "micro",
    "read_gold",
    "read_conll04",
    "read_wikinews",
    "gold_kind",
    "GOLD_KINDS",
    "CONLL04_RELATIONS",
    "TITLES",
    "title_offset",
    "MENTION_TYPES",
    "score_document",
    "score_documents",
    "score_graph",
    "score_gold",
    "score_gold_relations",
    "score_conll04",
    "score_conll04_relations",
    "score_conll04_entities",
    "score_wikinews",
    "score_wikinews_relations",
    "score_mention_types",
    "relation_scores",
    "gold_heads",
    "bcubed",
    "mention_clusters",
    "score_mentions",
    "score_coreference",
    "identical_name_baseline",
    "record_from_gold_mentions",
    "read_docred",
    "read_mapping",
    "docred_doc_id",
    "docred_layout",
    "docred_documents",
    "docred_gold_records",
    "score_docred",
    "score_docred_relations",
    "majority_relation_table",
    "adjacent_type_baseline",
    "format_report",
    "report_to_json",
    "evaluate",
]

Record = Mapping[str, Any]  # one `kg extract` line
Graph = Mapping[str, Any]  # `kg build --format json`
RunPipeline = Callable[[list[Document]], tuple[list[dict], dict]]
ReadInputs = Callable[[list[str]], Iterable[Document | Skipped]]

LEVELS = ("must", "should")
ALL_KINDS = ("name", "nominal", "pronoun")
WILDCARD = "*"
# Gold types of other annotation schemes (GUM's lowercase ones) -> the kg types that count as
# right for them. GUM's person and organization also cover groups ("Muslims", "the Taliban").
FOREIGN_TYPES: dict[str, tuple[str, ...]] = {
    "person": ("Person", "Group"),
    "organization": ("Organization", "Group"),
    "place": ("Location", "Facility"),
    "event": ("Event",),
    "object": ("Product",),
}
# GUM types that name no kg entity kind (times, quantities, ideas...): not scored as entities.
UNSCORED_TYPES = frozenset({"time", "abstract", "substance", "animal", "plant", "quantity"})
# DocRED entity types -> kg types (TIME and NUM are not entities in kg).
DOCRED_TYPES: dict[str, tuple[str, ...]] = {
    "PER": ("Person",),
    "ORG": ("Organization",),
    "LOC": ("Location", "Facility"),
    "MISC": ("Event", "Product", "Law", "Group"),
}
_GRAPH_ONLY_EDGES = frozenset({"MENTIONS", "NEAR_DUPLICATE_OF"})


# --------------------------------------------------------------------------------------------
# Metrics


@dataclass(frozen=True, slots=True)
class Score:
    """Counts of one P/R/F1 cell."""

    tp: int = 0
    fp: int = 0
    fn: int = 0

    def __add__(self, other: Score) -> Score:
        return Score(self.tp + other.tp, self.fp + other.fp, self.fn + other.fn)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class BCubed:
    """B-cubed sums over gold mentions; sums (not averages) so that documents pool exactly."""

    precision_sum: float = 0.0
    recall_sum: float = 0.0
    mentions: int = 0

    def __add__(self, other: BCubed) -> BCubed:
        return BCubed(
            self.precision_sum + other.precision_sum,
            self.recall_sum + other.recall_sum,
            self.mentions + other.mentions,
        )

    @property
    def precision(self) -> float:
        return self.precision_sum / self.mentions if self.mentions else 0.0

    @property
    def recall(self) -> float:
        return self.recall_sum / self.mentions if self.mentions else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _sum_scores(cells: Iterable[Mapping[str, Score]]) -> dict[str, Score]:
    total: dict[str, Score] = {}
    for cell in cells:
        for key, score in cell.items():
            total[key] = total.get(key, Score()) + score
    return dict(sorted(total.items()))


def micro(scores: Mapping[str, Score]) -> Score:
    return sum(scores.values(), Score())


@dataclass(frozen=True, slots=True)
class RelationScore:
    """One relation type's cell when precision and recall count different things: ``right`` and
    ``wrong`` count scored predictions, ``found`` and ``missed`` the gold relations of the recall
    base. Where predictions pair one-to-one with gold relations (kg gold, CoNLL04, DocRED),
    right == found; in the Wikinews file a prediction is right when it matches a `must` or a
    `should` line, while recall counts `must` lines only."""

    right: int = 0
    wrong: int = 0
    found: int = 0
    missed: int = 0

    def __add__(self, other: RelationScore) -> RelationScore:
        return RelationScore(self.right + other.right, self.wrong + other.wrong,
                             self.found + other.found, self.missed + other.missed)

    @classmethod
    def from_score(cls, score: Score) -> RelationScore:
        return cls(right=score.tp, wrong=score.fp, found=score.tp, missed=score.fn)

    @property
    def precision(self) -> float:
        return self.right / (self.right + self.wrong) if self.right + self.wrong else 0.0

    @property
    def recall(self) -> float:
        return self.found / (self.found + self.missed) if self.found + self.missed else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass(frozen=True, slots=True)
class ScoredPrediction:
    """One scored predicted relation: where it is (document, the record's entity ids), its kg
    type, the type it is scored under (a CoNLL04 type for CoNLL04, else its own or, when it
    pairs with gold of another compatible type, that type), its confidence and whether it is
    right."""

    doc: str
    subject: str
    type: str
    object: str
    confidence: float
    correct: bool
    scored_type: str


# How far a band's share right may lie from the band's range (0.6-0.7: 0.5 to 0.8).
CALIBRATION_TOLERANCE = 0.1


@dataclass(frozen=True, slots=True)
class CalibrationBand:
    """Predictions with confidence in [low, high) (the last band includes 1.0)."""

    low: float
    high: float
    count: int = 0
    right: int = 0
    confidence_sum: float = 0.0

    @property
    def share_right(self) -> float:
        return self.right / self.count if self.count else 0.0

    @property
    def mean_confidence(self) -> float:
        return self.confidence_sum / self.count if self.count else 0.0

    def within(self, tolerance: float = CALIBRATION_TOLERANCE) -> bool:
        """Whether the share right lies within ``tolerance`` of the band's range (False for an
        empty band): the calibration target of kg's gold sets."""
        return bool(self.count) and self.low - tolerance - 1e-9 <= self.share_right <= self.high + tolerance + 1e-9

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """The Wilson score interval of the share right at ``level``: in a band of a dozen
        predictions one edge moves the share by 0.08, and this says how far the band's
        count lets the share be trusted. (0.0, 1.0) for an empty band."""
        if not self.count:
            return (0.0, 1.0)
        from scipy.stats import binomtest  # here: only kg eval needs it

        ci = binomtest(self.right, self.count).proportion_ci(confidence_level=level, method="wilson")
        return (float(ci.low), float(ci.high))


def calibration_bands(pairs: Iterable[tuple[float, bool]], bands: int = 10) -> tuple[CalibrationBand, ...]:
    """(confidence, correct) pairs counted in ``bands`` equal confidence bands over [0, 1]
    (confidences outside [0, 1] are clamped): how many, how many right, their mean confidence."""
    if bands < 1:
        raise UsageError("calibration needs at least one band")
    counts = [0] * bands
    rights = [0] * bands
    sums = [0.0] * bands
    for confidence, correct in pairs:
        value = min(max(float(confidence), 0.0), 1.0)
        index = min(int(round(value * bands, 9)), bands - 1)
        counts[index] += 1
        rights[index] += bool(correct)
        sums[index] += value
    return tuple(
        CalibrationBand(i / bands, (i + 1) / bands, counts[i], rights[i], sums[i]) for i in range(bands)
    )


def calibration_error(bands: Sequence[CalibrationBand]) -> float:
    """Expected calibration error: the count-weighted mean |share right - mean confidence|."""
    total = sum(b.count for b in bands)
    if not total:
        return 0.0
    return sum(b.count * abs(b.share_right - b.mean_confidence) for b in bands) / total


@dataclass(frozen=True)
class RelationScores:
    """Relation scores of one run against one gold file: per type (see :class:`RelationScore`)
    and every scored prediction, for thresholds and calibration. ``kind``: gold, conll04,
    wikinews or docred."""

    kind: str
    types: dict[str, RelationScore] = field(default_factory=dict)
    predictions: tuple[ScoredPrediction, ...] = ()

    @property
    def micro(self) -> RelationScore:
        return sum(self.types.values(), RelationScore())

    @property
    def pairs(self) -> list[tuple[float, bool]]:
        """(confidence, correct) of every scored prediction."""
        return [(p.confidence, p.correct) for p in self.predictions]

    def calibration(self, bands: int = 10) -> tuple[CalibrationBand, ...]:
        return calibration_bands(self.pairs, bands)


def _relation_score_cells(cells: Mapping[str, Score]) -> dict[str, RelationScore]:
    return {t: RelationScore.from_score(s) for t, s in sorted(cells.items())}


def _sum_relation_cells(cells: Iterable[Mapping[str, RelationScore]]) -> dict[str, RelationScore]:
    total: dict[str, RelationScore] = {}
    for cell in cells:
        for key, score in cell.items():
            total[key] = total.get(key, RelationScore()) + score
    return dict(sorted(total.items()))


def _match(candidates: Iterable[tuple[Any, Any, int]]) -> dict[Any, Any]:
    """One-to-one pairing of gold and predicted items: as many pairs as possible, then the
    heaviest. ``candidates`` are (gold, predicted, weight) triples; returns gold -> predicted."""
    graph = nx.Graph()
    for gold, predicted, weight in candidates:
        graph.add_edge(("g", gold), ("p", predicted), weight=weight)
    pairs: dict[Any, Any] = {}
    for a, b in nx.max_weight_matching(graph, maxcardinality=True):
        gold, predicted = (a, b) if a[0] == "g" else (b, a)
        pairs[gold[1]] = predicted[1]
    return pairs


# --------------------------------------------------------------------------------------------
# Names and entities


def _name_keys(names: Iterable[str | None]) -> frozenset[str]:
    return frozenset(key for key in (name_key(n) for n in names if n) if key)


@dataclass(frozen=True, slots=True)
class _Entity:
    """An entity reduced to what matching needs (gold or predicted)."""

    id: str
    name: str
    type: str
    keys: frozenset[str]
    accepted: tuple[str, ...] = ()  # gold: kg types counted right; empty: not scored


def _kg_types(gold_type: str) -> tuple[str, ...] | None:
    """The kg types a gold type accepts; () for a foreign type kg does not extract; None for an
    unknown type."""
    if gold_type in ENTITY_TYPES:
        return (gold_type,)
    if gold_type in FOREIGN_TYPES:
        return FOREIGN_TYPES[gold_type]
    if gold_type in UNSCORED_TYPES:
        return ()
    return None


def _gold_entities(gold: Mapping[str, Any]) -> list[_Entity]:
    entities = []
    for index, entity in enumerate(gold.get("entities", [])):
        names = [entity["name"], *entity.get("aliases", [])]
        names += [m["text"] for m in entity.get("mentions", []) if m.get("kind", "name") == "name"]
        accepted = _kg_types(entity["type"]) or ()
        entities.append(_Entity(str(index), entity["name"], entity["type"], _name_keys(names), accepted))
    return entities


def _predicted_entities(entities: Iterable[Mapping[str, Any]]) -> dict[str, _Entity]:
    return {
        e["id"]: _Entity(e["id"], e.get("name", ""), e.get("type", ""),
                         _name_keys([e.get("name"), *e.get("aliases", [])]))
        for e in entities
    }


def _graph_entities(graph: Graph) -> dict[str, _Entity]:
    nodes = [n for n in graph.get("nodes", []) if n.get("kind", "entity") == "entity"]
    return _predicted_entities(nodes)


def _lookup(name: str, gold: Sequence[_Entity]) -> frozenset[str]:
    """The keys a gold relation's argument stands for: the gold entity it names (with all its
    aliases), or only the name itself when no gold entity carries it."""
    key = name_key(name)
    for entity in gold:
        if key in entity.keys:
            return entity.keys
    return frozenset({key}) if key else frozenset()


@dataclass(frozen=True, slots=True)
class TypeMismatch:
    """A predicted entity that matched a gold one by name but not by type."""

    doc: str
    gold_name: str
    gold_type: str
    predicted_name: str
    predicted_type: str


def _score_entities(
    doc: str, gold: Sequence[_Entity], predicted: Sequence[_Entity]
) -> tuple[dict[str, Score], Score, list[TypeMismatch]]:
    """Typed P/R/F1 per type (a type error is a false positive for the predicted type and a miss
    for the gold type), untyped P/R/F1, and the type errors. Predicted entities matching only
    unscored gold entities are left out."""
    scored = [g for g in gold if g.accepted]
    unscored_keys = frozenset().union(*(g.keys for g in gold if not g.accepted))
    scored_keys = frozenset().union(*(g.keys for g in scored))
    kept = [p for p in predicted if not (p.keys & unscored_keys) or p.keys & scored_keys]
    pairs = _match(
        (gi, pi, 2 if p.type in g.accepted else 1)
        for gi, g in enumerate(scored)
        for pi, p in enumerate(kept)
        if g.keys & p.keys
    )
    cells: dict[str, Score] = defaultdict(Score)
    mismatches = []
    for gi, g in enumerate(scored):
        pi = pairs.get(gi)
        if pi is not None and kept[pi].type in g.accepted:
            cells[kept[pi].type] += Score(tp=1)
            continue
        cells[g.accepted[0]] += Score(fn=1)
        if pi is not None:
            p = kept[pi]
            mismatches.append(TypeMismatch(doc, g.name, g.type, p.name, p.type))
    typed_hits = {pi for gi, pi in pairs.items() if kept[pi].type in scored[gi].accepted}
    for pi, p in enumerate(kept):
        if pi not in typed_hits:
            cells[p.type] += Score(fp=1)
    untyped = Score(tp=len(pairs), fp=len(kept) - len(pairs), fn=len(scored) - len(pairs))
    return dict(sorted(cells.items())), untyped, mismatches


# --------------------------------------------------------------------------------------------
# Relations


@dataclass(frozen=True, slots=True)
class _GoldRelation:
    subject: str
    type: str
    object: str
    level: str
    subject_keys: frozenset[str]
    object_keys: frozenset[str]  # the object and every `object_any` alternative
    docs: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class _Edge:
    """A positive predicted relation or graph edge between two predicted entities."""

    subject: _Entity
    type: str
    object: _Entity
    docs: frozenset[str] = frozenset()
    confidence: float = 1.0  # the highest confidence among the relations it stands for


@dataclass(frozen=True, slots=True)
class MissingRelation:
    doc: str  # a document id, or "graph" for the merged graph
    subject: str
    type: str
    object: str
    level: str
    docs: tuple[str, ...] = ()  # graph only: the gold documents whose support was required


@dataclass(frozen=True, slots=True)
class Violation:
    doc: str  # a document id, or "graph"
    rule: str  # the absent entity or the absent relation pattern
    found: str  # what was predicted against it


def _gold_relations(gold: Mapping[str, Any], entities: Sequence[_Entity]) -> list[_GoldRelation]:
    relations = []
    for relation in gold.get("relations", []):
        objects = [relation["object"], *relation.get("object_any", [])]
        object_keys = frozenset().union(*(_lookup(o, entities) for o in objects))
        relations.append(_GoldRelation(
            relation["subject"], relation["type"], relation["object"], relation["level"],
            _lookup(relation["subject"], entities), object_keys, frozenset({gold["id"]}),
        ))
    return relations


def _confidence(relation: Mapping[str, Any]) -> float:
    value = relation.get("confidence")
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else 1.0


def _record_edges(record: Record, entities: Mapping[str, _Entity], *, keep_past: bool = False) -> list[_Edge]:
    """Positive relations of an extract record, one per (subject, type, object), with the highest
    confidence among them. Relations marked ``past`` (stated as ended) are not the current fact
    and are left out unless ``keep_past``."""
    edges: dict[tuple[str, str, str], _Edge] = {}
    for relation in record.get("relations", []):
        if relation.get("negated") or (relation.get("past") and not keep_past):
            continue
        subject, obj = entities.get(relation["subject"]), entities.get(relation["object"])
        if subject is None or obj is None:
            continue
        key = (subject.id, relation["type"], obj.id)
        confidence = _confidence(relation)
        seen = edges.get(key)
        if seen is None or confidence > seen.confidence:
            edges[key] = _Edge(subject, relation["type"], obj, frozenset({record["id"]}), confidence)
    return list(edges.values())


def _graph_edges(graph: Graph, entities: Mapping[str, _Entity]) -> list[_Edge]:
    edges = []
    for edge in graph.get("edges", []):
        if edge.get("type") in _GRAPH_ONLY_EDGES or edge.get("negated") or edge.get("past"):
            continue
        subject, obj = entities.get(edge.get("source")), entities.get(edge.get("target"))
        if subject is None or obj is None:
            continue
        docs = frozenset(e["doc"] for e in edge.get("evidence", []) if e.get("doc"))
        edges.append(_Edge(subject, edge["type"], obj, docs))
    return edges


def _relation_holds(gold: _GoldRelation, edge: _Edge) -> bool:
    return (edge.type == gold.type and bool(edge.subject.keys & gold.subject_keys)
            and bool(edge.object.keys & gold.object_keys))


def _score_relations(
    gold: Sequence[_GoldRelation], edges: Sequence[_Edge], *, supported: Callable[[_GoldRelation, _Edge], bool]
) -> tuple[dict[str, Score], dict[str, Score], list[_GoldRelation]]:
    """P/R/F1 per relation type (one-to-one pairing, `must` preferred), recall per level, and the
    gold relations no edge supports (``supported`` adds conditions, e.g. document coverage)."""
    cells = _relation_cells(gold, edges, _pair_relations(gold, edges))
    levels: dict[str, Score] = {level: Score() for level in LEVELS}
    missing = []
    for g in gold:
        held = any(_relation_holds(g, e) and supported(g, e) for e in edges)
        levels[g.level] = levels[g.level] + (Score(tp=1) if held else Score(fn=1))
        if not held:
            missing.append(g)
    return dict(sorted(cells.items())), levels, missing


def _pair_relations(gold: Sequence[_GoldRelation], edges: Sequence[_Edge]) -> dict[int, int]:
    """Gold index -> edge index: one-to-one, as many pairs as possible, `must` preferred."""
    return _match(
        (gi, ei, 2 if g.level == "must" else 1)
        for gi, g in enumerate(gold)
        for ei, e in enumerate(edges)
        if _relation_holds(g, e)
    )


def _relation_cells(gold: Sequence[_GoldRelation], edges: Sequence[_Edge], pairs: Mapping[int, int]) -> dict[str, Score]:
    cells: dict[str, Score] = defaultdict(Score)
    for gi, g in enumerate(gold):
        cells[g.type] += Score(tp=1) if gi in pairs else Score(fn=1)
    paired = set(pairs.values())
    for ei, e in enumerate(edges):
        if ei not in paired:
            cells[e.type] += Score(fp=1)
    return dict(sorted(cells.items()))


def _absent_entity_violations(doc: str, absent: Iterable[str], predicted: Iterable[_Entity]) -> list[Violation]:
    predicted = list(predicted)
    return [
        Violation(doc, name, f"{p.name} ({p.type})")
        for name in absent
        for p in predicted
        if name_key(name) in p.keys
    ]


def _absent_relation_violations(
    doc: str, patterns: Iterable[Mapping[str, str]], edges: Iterable[_Edge], entities: Sequence[_Entity]
) -> list[Violation]:
    def fits(name: str, entity: _Entity) -> bool:
        return name == WILDCARD or bool(_lookup(name, entities) & entity.keys)

    edges = list(edges)
    violations = []
    for pattern in patterns:
        rule = f"{pattern['subject']} -[{pattern['type']}]-> {pattern['object']}"
        for e in edges:
            if (pattern["type"] in (WILDCARD, e.type) and fits(pattern["subject"], e.subject)
                    and fits(pattern["object"], e.object)):
                violations.append(Violation(doc, rule, f"{e.subject.name} -[{e.type}]-> {e.object.name}"))
    return violations


# --------------------------------------------------------------------------------------------
# Document properties


@dataclass(frozen=True, slots=True)
class PropertyCheck:
    doc: str
    field: str  # title, authors or published
    expected: Any
    actual: Any
    ok: bool


def _same_text(expected: str, actual: Any) -> bool:
    return isinstance(actual, str) and " ".join(expected.split()).casefold() == " ".join(actual.split()).casefold()


def _same_authors(expected: Sequence[str], actual: Any) -> bool:
    return isinstance(actual, list) and _name_keys(expected) == _name_keys(actual)


def _same_date(expected: str, actual: Any) -> bool:
    # "2017-12-18" is satisfied by "2017-12-18T09:30:00Z": the gold states what it knows.
    return isinstance(actual, str) and actual.strip().startswith(expected.strip())


_PROPERTY_CHECKS: dict[str, Callable[[Any, Any], bool]] = {
    "title": _same_text, "authors": _same_authors, "published": _same_date,
}


def _check_properties(doc: str, expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[PropertyCheck]:
    return [
        PropertyCheck(doc, name, expected[name], actual.get(name), check(expected[name], actual.get(name)))
        for name, check in _PROPERTY_CHECKS.items()
        if name in expected
    ]


# --------------------------------------------------------------------------------------------
# Gold files


GOLD_KINDS = ("gold", "conll04", "wikinews", "docred")


def gold_kind(path: str | Path) -> str:
    """Which gold format a file holds: ``"docred"`` for a JSON array (DocRED); for JSON lines,
    ``"wikinews"`` when the lines carry no text or source but relations with aliases or
    `negated` lists (the Wikinews relation file), ``"conll04"`` when every line has a text and
    every entity character offsets of its own (CoNLL04-style sentences), else ``"gold"`` (contract
    gold, checked by :func:`read_gold`)."""
    try:
        with open(path, encoding="utf-8") as handle:
            head = handle.read(4096).lstrip()
    except OSError as exc:
        raise EvalError(f"cannot read gold file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise EvalError(f"gold file {path} is not UTF-8") from exc
    if head.startswith("["):
        return "docred"
    try:
        lines = [d for _, d in _json_lines(path)]
    except EvalError:
        return "gold"  # read_gold says what is wrong
    if not lines or not all(isinstance(d, dict) for d in lines):
        return "gold"
    relations = [r for d in lines if isinstance(d.get("relations"), list) for r in d["relations"]]
    if all("text" not in d and "source" not in d for d in lines) and (
        any("negated" in d for d in lines)
        or any(isinstance(r, dict) and ("subject_aliases" in r or "object_aliases" in r) for r in relations)
    ):
        return "wikinews"
    entities = [e for d in lines if isinstance(d.get("entities"), list) for e in d["entities"]]
    if (entities and all(isinstance(d.get("text"), str) for d in lines)
            and all(isinstance(e, dict) and isinstance(e.get("start"), int) and isinstance(e.get("end"), int)
                    and "mentions" not in e for e in entities)):
        return "conll04"
    return "gold"


def _json_lines(path: str | Path) -> list[tuple[int, Any]]:
    """(line number, parsed value) of the non-blank lines of a JSON lines file."""
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise EvalError(f"cannot read gold file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise EvalError(f"gold file {path} is not UTF-8") from exc
    values = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            values.append((number, json.loads(line)))
        except json.JSONDecodeError as exc:
            raise EvalError(f"{path}:{number}: not JSON ({exc.msg})") from exc
    return values


def _unique(documents: list[dict], path: str | Path) -> list[dict]:
    ids = Counter(d["id"] for d in documents)
    repeated = [i for i, n in ids.items() if n > 1]
    if repeated:
        raise EvalError(f"{path}: document id {repeated[0]!r} appears more than once")
    if not documents:
        raise EvalError(f"{path}: no gold documents")
    return documents


def read_gold(path: str | Path) -> list[dict]:
    """The documents of a contract gold file, checked."""
    documents = []
    for number, document in _json_lines(path):
        _check_gold(document, f"{path}:{number}")
        documents.append(document)
    return _unique(documents, path)


def _check_gold(document: Any, where: str) -> None:
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise EvalError(f"{where}: each line must be an object with a string `id`")
    if not isinstance(document.get("source"), str) and not isinstance(document.get("text"), str):
        raise EvalError(f"{where}: document {document['id']!r} needs `source` or `text`")
    for entity in document.get("entities", []):
        if not isinstance(entity.get("name"), str) or not isinstance(entity.get("type"), str):
            raise EvalError(f"{where}: every entity needs a `name` and a `type`")
        if _kg_types(entity["type"]) is None:
            raise EvalError(f"{where}: entity {entity['name']!r} has unknown type {entity['type']!r}")
        for mention in entity.get("mentions", []):
            if not (isinstance(mention.get("start"), int) and isinstance(mention.get("end"), int)):
                raise EvalError(f"{where}: a mention of {entity['name']!r} lacks integer `start`/`end`")
    for relation in document.get("relations", []):
        if not all(isinstance(relation.get(k), str) for k in ("subject", "type", "object")):
            raise EvalError(f"{where}: every relation needs `subject`, `type` and `object`")
        if relation.get("level") not in LEVELS:
            raise EvalError(f"{where}: relation level must be `must` or `should`, not {relation.get('level')!r}")
    for pattern in document.get("absent_relations", []):
        if not all(isinstance(pattern.get(k), str) for k in ("subject", "type", "object")):
            raise EvalError(f"{where}: every absent relation needs `subject`, `type` and `object`")


# --------------------------------------------------------------------------------------------
# Per-document and graph scoring


@dataclass(frozen=True)
class Section:
    """The scores of one view: documents (pooled over extract records) or the merged graph."""

    entities: dict[str, Score] = field(default_factory=dict)  # per kg entity type, typed
    entities_untyped: Score = Score()  # name matches, whatever the type
    relations: dict[str, Score] = field(default_factory=dict)  # per relation type
    levels: dict[str, Score] = field(default_factory=dict)  # must/should: tp found, fn missing
    missing_must: tuple[MissingRelation, ...] = ()
    violations: tuple[Violation, ...] = ()
    type_errors: tuple[TypeMismatch, ...] = ()
    properties: tuple[PropertyCheck, ...] = ()

    def __add__(self, other: Section) -> Section:
        return Section(
            entities=_sum_scores([self.entities, other.entities]),
            entities_untyped=self.entities_untyped + other.entities_untyped,
            relations=_sum_scores([self.relations, other.relations]),
            levels=_sum_scores([self.levels, other.levels]),
            missing_must=self.missing_must + other.missing_must,
            violations=self.violations + other.violations,
            type_errors=self.type_errors + other.type_errors,
            properties=self.properties + other.properties,
        )

    @property
    def passed(self) -> bool:
        return not self.missing_must and not self.violations and all(p.ok for p in self.properties)


def _missing(doc: str, relations: Iterable[_GoldRelation], *, graph: bool = False) -> tuple[MissingRelation, ...]:
    return tuple(
        MissingRelation(doc, g.subject, g.type, g.object, g.level, tuple(sorted(g.docs)) if graph else ())
        for g in relations
        if g.level == "must"
    )


def score_document(gold: Mapping[str, Any], record: Record | None) -> Section:
    """Scores one `kg extract` record against its gold document (``None``: nothing extracted)."""
    record = record or {"id": gold["id"], "entities": [], "relations": []}
    doc = gold["id"]
    gold_entities = _gold_entities(gold)
    predicted = _predicted_entities(record.get("entities", []))
    entity_cells, untyped, mismatches = _score_entities(doc, gold_entities, list(predicted.values()))
    edges = _record_edges(record, predicted)
    relation_cells, levels, missing = _score_relations(
        _gold_relations(gold, gold_entities), edges, supported=lambda g, e: True
    )
    violations = _absent_entity_violations(doc, gold.get("absent_entities", []), predicted.values())
    violations += _absent_relation_violations(doc, gold.get("absent_relations", []), edges, gold_entities)
    return Section(
        entities=entity_cells, entities_untyped=untyped, relations=relation_cells, levels=levels,
        missing_must=_missing(doc, missing), violations=tuple(violations), type_errors=tuple(mismatches),
        properties=tuple(_check_properties(doc, gold.get("document", {}), record)),
    )


def score_documents(golds: Sequence[Mapping[str, Any]], records: Iterable[Record]) -> tuple[Section, tuple[str, ...]]:
    """Pooled per-document scores, and the gold documents that no record answers."""
    by_id = {r["id"]: r for r in records}
    sections = [score_document(g, by_id.get(g["id"])) for g in golds]
    missing = tuple(g["id"] for g in golds if g["id"] not in by_id)
    return sum(sections, Section()), missing


def _scored(doc: str, edge: _Edge, correct: bool, scored_type: str) -> ScoredPrediction:
    return ScoredPrediction(doc, edge.subject.id, edge.type, edge.object.id, edge.confidence, correct, scored_type)


def score_gold_relations(golds: Sequence[Mapping[str, Any]], records: Iterable[Record]) -> RelationScores:
    """The per-document relation scores of contract gold (as in :func:`score_document`: every
    predicted edge is scored, paired one-to-one with gold relations, `must` preferred) with each
    scored prediction, right when it pairs with a gold relation."""
    by_id = {r["id"]: r for r in records}
    cells = []
    predictions: list[ScoredPrediction] = []
    for gold in golds:
        record = by_id.get(gold["id"]) or {"id": gold["id"], "entities": [], "relations": []}
        gold_entities = _gold_entities(gold)
        edges = _record_edges(record, _predicted_entities(record.get("entities", [])))
        relations = _gold_relations(gold, gold_entities)
        pairs = _pair_relations(relations, edges)
        cells.append(_relation_cells(relations, edges, pairs))
        paired = set(pairs.values())
        predictions += [_scored(gold["id"], e, ei in paired, e.type) for ei, e in enumerate(edges)]
    return RelationScores("gold", _relation_score_cells(_sum_scores(cells)), tuple(predictions))


def _merge_gold_entities(golds: Sequence[Mapping[str, Any]]) -> list[_Entity]:
    """Gold entities of all documents, those sharing a name key merged into one."""
    merged: list[_Entity] = []
    for gold in golds:
        for entity in _gold_entities(gold):
            overlapping = [m for m in merged if m.keys & entity.keys]
            keys = frozenset().union(entity.keys, *(m.keys for m in overlapping))
            first = overlapping[0] if overlapping else entity
            merged = [m for m in merged if not (m.keys & entity.keys)]
            merged.append(replace(first, id=str(len(merged)), keys=keys))
    return merged


def _merge_gold_relations(golds: Sequence[Mapping[str, Any]], entities: Sequence[_Entity]) -> list[_GoldRelation]:
    """Gold relations of all documents, one per (subject, type, object alternatives); `must` when
    any document says so; ``docs`` lists the documents that state it."""
    merged: dict[tuple, _GoldRelation] = {}
    for gold in golds:
        for relation in _gold_relations(gold, entities):
            key = (relation.subject_keys, relation.type, relation.object_keys)
            seen = merged.get(key)
            if seen is None:
                merged[key] = relation
                continue
            level = "must" if "must" in (seen.level, relation.level) else "should"
            merged[key] = replace(seen, level=level, docs=seen.docs | relation.docs)
    return list(merged.values())


def score_graph(golds: Sequence[Mapping[str, Any]], graph: Graph) -> Section:
    """Scores the merged graph JSON: gold entities merged across documents against entity nodes;
    a `must` relation holds when one edge of its type joins matching nodes and its evidence covers
    every gold document that lists the relation."""
    gold_entities = _merge_gold_entities(golds)
    nodes = _graph_entities(graph)
    entity_cells, untyped, mismatches = _score_entities("graph", gold_entities, list(nodes.values()))
    edges = _graph_edges(graph, nodes)
    relation_cells, levels, missing = _score_relations(
        _merge_gold_relations(golds, gold_entities), edges, supported=lambda g, e: g.docs <= e.docs
    )
    absent = sorted({name for g in golds for name in g.get("absent_entities", [])})
    patterns = {json.dumps(p, sort_keys=True): p for g in golds for p in g.get("absent_relations", [])}
    violations = _absent_entity_violations("graph", absent, nodes.values())
    violations += _absent_relation_violations("graph", patterns.values(), edges, gold_entities)
    documents = {n["id"]: n for n in graph.get("nodes", []) if n.get("kind") == "document"}
    properties = [
        check
        for g in golds
        if g["id"] in documents
        for check in _check_properties(g["id"], g.get("document", {}), documents[g["id"]])
    ]
    return Section(
        entities=entity_cells, entities_untyped=untyped, relations=relation_cells, levels=levels,
        missing_must=_missing("graph", missing, graph=True), violations=tuple(violations),
        type_errors=tuple(mismatches), properties=tuple(properties),
    )


# --------------------------------------------------------------------------------------------
# Mention grouping (B-cubed over gold mentions, matched by head word)


Span = tuple[int, int]


def _word_spans(word: str, text: str, start: int, end: int) -> list[Span]:
    pattern = re.compile(r"(?<!\w)" + re.escape(word) + r"(?!\w)")
    return [(start + m.start(), start + m.end()) for m in pattern.finditer(text[start:end])]


def gold_heads(gold: Mapping[str, Any], *, nlp: Callable[[str], Any] | None = None) -> dict[Span, Span]:
    """The head word's span of every gold mention, keyed by the mention's span.

    The gold's own ``head_start``/``head_end`` win; else its ``head`` word when it occurs once in
    the mention; else the parse decides: the mention's syntactic root (the token whose head lies
    outside the span), preferring an occurrence of the ``head`` word. The text is parsed at most
    once per document, only when some mention needs it."""
    text = gold.get("text", "")
    mentions = [m for e in gold.get("entities", []) for m in e.get("mentions", [])]
    heads: dict[Span, Span] = {}
    undecided = []
    for mention in mentions:
        span = (mention["start"], mention["end"])
        if isinstance(mention.get("head_start"), int) and isinstance(mention.get("head_end"), int):
            heads[span] = (mention["head_start"], mention["head_end"])
            continue
        found = _word_spans(mention["head"], text, *span) if mention.get("head") else []
        if len(found) == 1:
            heads[span] = found[0]
        else:
            undecided.append((span, found))
    if not undecided:
        return heads
    if nlp is None:
        raise EvalError(f"gold document {gold.get('id')!r}: mention heads need a spaCy pipeline to parse")
    parsed = nlp(text)
    for span, found in undecided:
        heads[span] = _parsed_head(parsed, span, found)
    return heads


def _parsed_head(parsed: Any, span: Span, occurrences: Sequence[Span]) -> Span:
    chunk = parsed.char_span(span[0], span[1], alignment_mode="expand")
    if chunk is None or len(chunk) == 0:
        return occurrences[-1] if occurrences else span
    root = chunk.root
    root_span = (root.idx, root.idx + len(root.text))
    if not occurrences or root_span in occurrences:
        return root_span
    # The parse disagrees with the gold's head word: keep the gold word, the last occurrence
    # (English noun phrases end in their head).
    return occurrences[-1]


def _covering_entity(head: Span, mentions: Sequence[tuple[int, int, str]]) -> str | None:
    """The entity of the shortest predicted mention covering the head word."""
    covering = [(end - start, start, entity) for start, end, entity in mentions
                if start <= head[0] and head[1] <= end]
    return min(covering)[2] if covering else None


def mention_clusters(
    gold: Mapping[str, Any], record: Record | None, heads: Mapping[Span, Span], *, kinds: Iterable[str]
) -> list[tuple[Any, Any]]:
    """(gold cluster, predicted cluster) for each gold mention of the given kinds. A gold mention
    that no predicted mention covers by its head word is a predicted singleton."""
    kinds = frozenset(kinds)
    predicted = [
        (m["start"], m["end"], e["id"])
        for e in (record or {}).get("entities", [])
        for m in e.get("mentions", [])
    ]
    pairs = []
    for index, entity in enumerate(gold.get("entities", [])):
        for number, mention in enumerate(entity.get("mentions", [])):
            if mention.get("kind", "name") not in kinds:
                continue
            span = (mention["start"], mention["end"])
            found = _covering_entity(heads[span], predicted)
            pairs.append((index, ("entity", found) if found is not None else ("alone", index, number)))
    return pairs


def bcubed(pairs: Sequence[tuple[Any, Any]]) -> BCubed:
    """B-cubed over items given as (gold cluster, predicted cluster), one pair per gold mention:
    precision of an item = |its predicted cluster ∩ its gold cluster| / |its predicted cluster|,
    recall = the same / |its gold cluster|."""
    gold_sizes = Counter(g for g, _ in pairs)
    predicted_sizes = Counter(p for _, p in pairs)
    shared = Counter(pairs)
    return BCubed(
        sum(shared[pair] / predicted_sizes[pair[1]] for pair in pairs),
        sum(shared[pair] / gold_sizes[pair[0]] for pair in pairs),
        len(pairs),
    )


def score_mentions(
    gold: Mapping[str, Any], record: Record | None, heads: Mapping[Span, Span], *, kinds: Iterable[str]
) -> BCubed:
    return bcubed(mention_clusters(gold, record, heads, kinds=kinds))


def identical_name_baseline(record: Record) -> dict:
    """The naive grouping the resolver must beat: the record's name mentions, grouped only when
    their texts are identical after name normalisation. Pronouns and descriptions are dropped."""
    groups: dict[str, dict] = {}
    for entity in record.get("entities", []):
        for mention in entity.get("mentions", []):
            key = name_key(mention.get("text", ""))
            if mention.get("kind", "name") != "name" or not key:
                continue
            group = groups.setdefault(key, {
                "id": f"name:{key}", "name": mention["text"], "type": entity.get("type", ""),
                "aliases": [], "mentions": [],
            })
            group["mentions"].append(dict(mention))
    return {"id": record["id"], "entities": list(groups.values()), "relations": []}


def record_from_gold_mentions(gold: Mapping[str, Any], *, kinds: Iterable[str] = ("name",)) -> dict:
    """An extract record whose entities are the gold chains with their mentions of ``kinds``:
    what a perfect extractor would output (used to check metrics and baselines)."""
    kinds = frozenset(kinds)
    entities = []
    for index, entity in enumerate(gold.get("entities", [])):
        mentions = [
            {"text": m["text"], "start": m["start"], "end": m["end"], "kind": m.get("kind", "name")}
            for m in entity.get("mentions", [])
            if m.get("kind", "name") in kinds
        ]
        if mentions:
            entities.append({"id": f"gold:{index}", "name": entity["name"], "type": entity["type"],
                             "aliases": [], "mentions": mentions})
    return {"id": gold["id"], "entities": entities, "relations": []}


@dataclass(frozen=True, slots=True)
class CorefScores:
    """B-cubed of kg's grouping and of the identical-name baseline over the same records."""

    names: BCubed
    all_kinds: BCubed
    baseline_names: BCubed
    baseline_all_kinds: BCubed



def score_coreference(
    golds: Sequence[Mapping[str, Any]],
    records: Iterable[Record],
    *,
    nlp: Callable[[str], Any] | None = None,
    heads: Mapping[str, Mapping[Span, Span]] | None = None,
) -> CorefScores:
    """Pooled B-cubed over every gold mention of documents with mentions (names alone, all kinds),
    for the records and for :func:`identical_name_baseline` of the same records. ``heads``: gold
    id -> precomputed :func:`gold_heads`."""
    by_id = {r["id"]: r for r in records}
    totals = [BCubed(), BCubed(), BCubed(), BCubed()]
    for gold in golds:
        if not any(e.get("mentions") for e in gold.get("entities", [])):
            continue
        doc_heads = heads[gold["id"]] if heads is not None and gold["id"] in heads else gold_heads(gold, nlp=nlp)
        record = by_id.get(gold["id"]) or {"id": gold["id"], "entities": []}
        baseline = identical_name_baseline(record)
        scores = (
            score_mentions(gold, record, doc_heads, kinds=("name",)),
            score_mentions(gold, record, doc_heads, kinds=ALL_KINDS),
            score_mentions(gold, baseline, doc_heads, kinds=("name",)),
            score_mentions(gold, baseline, doc_heads, kinds=ALL_KINDS),
        )
        totals = [t + s for t, s in zip(totals, scores)]
    return CorefScores(*totals)


def score_gold(
    golds: Sequence[Mapping[str, Any]],
    records: Sequence[Record],
    graph: Graph | None = None,
    *,
    nlp: Callable[[str], Any] | None = None,
) -> Report:
    """The full report for contract gold: per document, on the merged graph (when given), and the
    mention grouping when the gold has mentions."""
    documents, missing = score_documents(golds, records)
    with_mentions = any(e.get("mentions") for g in golds for e in g.get("entities", []))
    with_relations = any(g.get("relations") for g in golds)
    heads = {g["id"]: gold_heads(g, nlp=nlp) for g in golds
             if any(e.get("mentions") for e in g.get("entities", []))}
    return Report(
        kind="gold",
        documents=tuple(g["id"] for g in golds),
        missing_documents=missing,
        per_document=documents,
        graph=score_graph(golds, graph) if graph is not None else None,
        coreference=score_coreference(golds, records, nlp=nlp, heads=heads) if with_mentions else None,
        relations=score_gold_relations(golds, records) if with_relations else None,
        mention_types=score_mention_types(golds, records, heads=heads) if with_mentions else None,
    )


def score_conll04(golds: Sequence[Mapping[str, Any]], records: Sequence[Record]) -> Report:
    """The report for CoNLL04-style gold: entity spans and relations (see
    :func:`score_conll04_entities`, :func:`score_conll04_relations`)."""
    answered = {r["id"] for r in records}
    return Report(
        kind="conll04",
        documents=tuple(g["id"] for g in golds),
        missing_documents=tuple(g["id"] for g in golds if g["id"] not in answered),
        relations=score_conll04_relations(golds, records),
        entity_spans=score_conll04_entities(golds, records),
    )


def score_wikinews(golds: Sequence[Mapping[str, Any]], records: Sequence[Record]) -> Report:
    """The report for the Wikinews relation file (see :func:`score_wikinews_relations`)."""
    answered = {r["id"] for r in records}
    return Report(
        kind="wikinews",
        documents=tuple(g["id"] for g in golds),
        missing_documents=tuple(g["id"] for g in golds if g["id"] not in answered),
        relations=score_wikinews_relations(golds, records),
    )


def relation_scores(
    gold_path: str | Path, records: Iterable[Record], *, mapping: str | Path | None = None
) -> RelationScores:
    """The relation scores of one run's extract records (the dicts ``kg extract`` writes, ids as
    ``kg eval`` gives them) against a gold file of any kind, with every scored prediction's
    (confidence, correct): what threshold picking and calibration need. No pipeline runs."""
    kind = gold_kind(gold_path)
    records = list(records)
    if kind == "docred":
        relation_mapping = read_mapping(mapping or Path(gold_path).with_name("redocred_mapping.json"))
        return score_docred_relations(read_docred(gold_path), relation_mapping, {r["id"]: r for r in records})
    if kind == "conll04":
        return score_conll04_relations(read_conll04(gold_path), records)
    if kind == "wikinews":
        return score_wikinews_relations(read_wikinews(gold_path), records)
    return score_gold_relations(read_gold(gold_path), records)


# --------------------------------------------------------------------------------------------
# CoNLL04-style JSON lines: sentences with typed entity spans and five relation types

CONLL04_ENTITY_TYPES = ("Person", "Organization", "Location")
CONLL04_OTHER = "Other"  # a gold entity type kg does not extract: not scored
# CoNLL04 relation types (renamed to kg's) -> the kg types scored as them. LOCATED_IN counts as
# BASED_IN only when its subject is an organisation or a facility.
CONLL04_RELATIONS: dict[str, tuple[str, ...]] = {
    "LIVES_IN": ("LIVES_IN", "CITIZEN_OF", "BORN_IN"),
    "WORKS_FOR": ("WORKS_FOR", "LEADS"),
    "BASED_IN": ("BASED_IN", "LOCATED_IN"),
    "LOCATED_IN": ("LOCATED_IN",),
    "KILLED": ("KILLED",),
}
_ORGANISATION_LIKE = frozenset({"Organization", "Facility"})
# English titles and honorifics that may open a person's span ("President X", "Sen. X");
# compared case-folded, without a final period; longest first.
TITLES: frozenset[tuple[str, ...]] = frozenset(tuple(t.split()) for t in (
    "mr", "mrs", "ms", "miss", "mister", "madam", "dr", "doctor", "prof", "professor", "sir", "dame",
    "lord", "lady", "president", "vice president", "vice-president", "president-elect",
    "prime minister", "deputy prime minister", "premier", "chancellor", "minister",
    "foreign minister", "defense minister", "defence minister", "finance minister", "secretary",
    "secretary of state", "secretary-general", "secretary general", "senator", "sen", "sens",
    "representative", "rep", "reps", "congressman", "congresswoman", "governor", "gov", "lt gov",
    "mayor", "judge", "justice", "chief justice", "attorney general", "ambassador", "general", "gen",
    "lt", "lieutenant", "col", "colonel", "lt col", "maj", "major", "capt", "captain", "cmdr",
    "commander", "adm", "admiral", "sgt", "sergeant", "cpl", "corporal", "pvt", "marshal",
    "field marshal", "brig", "brigadier", "king", "queen", "prince", "princess", "crown prince",
    "emperor", "empress", "archduke", "archduchess", "duke", "duchess", "czar", "tsar", "sultan", "sheik", "sheikh", "emir", "ayatollah", "imam",
    "rabbi", "pope", "cardinal", "archbishop", "bishop", "rev", "reverend", "msgr", "chairman",
    "chairwoman", "chairperson", "commissioner", "speaker", "superintendent", "detective", "officer",
))
_LONGEST_TITLE = max(len(t) for t in TITLES)
_DETERMINERS = frozenset({"the", "a", "an"})


def title_offset(text: str) -> int:
    """Where a name proper starts in ``text``: after leading determiners and titles ("the Rev.
    Dr. Ann Lee" -> the offset of "Ann"); 0 when nothing would remain."""
    words = list(re.finditer(r"\S+", text))
    index = 0
    while index < len(words) - 1:
        word = words[index].group(0).casefold()
        if word in _DETERMINERS:
            index += 1
            continue
        size = _title_size(words, index)
        if not size and index + 2 < len(words) and words[index].group(0)[:1].isupper():
            # a title with its country or people before it: "U.S. Sen.", "Roman Emperor"
            after = _title_size(words, index + 1)
            size = after and 1 + after
        if not size:
            break
        index += size
    return words[index].start() if words and index < len(words) else 0


def _title_size(words: Sequence[re.Match], index: int) -> int:
    """How many words from ``index`` form a title, leaving a name after it (0: none)."""
    for size in range(min(_LONGEST_TITLE, len(words) - 1 - index), 0, -1):
        if tuple(w.group(0).casefold().rstrip(".") for w in words[index:index + size]) in TITLES:
            return size
    return 0


def _untitled_keys(names: Iterable[str | None]) -> frozenset[str]:
    """Name keys of the names, each also without its leading titles."""
    names = [n for n in names if n]
    return _name_keys([*names, *(n[title_offset(n):] for n in names)])


def read_conll04(path: str | Path) -> list[dict]:
    """The sentences of a CoNLL04-style file (``id``, ``text``, ``entities`` with name, type,
    start, end; ``relations`` with subject, type, object), checked."""
    documents = []
    for number, document in _json_lines(path):
        where = f"{path}:{number}"
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise EvalError(f"{where}: each line must be an object with a string `id`")
        if not isinstance(document.get("text"), str):
            raise EvalError(f"{where}: sentence {document['id']!r} needs a `text`")
        for entity in document.get("entities", []):
            if not (isinstance(entity, dict) and isinstance(entity.get("name"), str)
                    and isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int)):
                raise EvalError(f"{where}: every entity needs a `name` and integer `start`/`end`")
            if entity.get("type") not in (*CONLL04_ENTITY_TYPES, CONLL04_OTHER):
                raise EvalError(f"{where}: entity {entity['name']!r} has type {entity.get('type')!r}, not one "
                                f"of {', '.join((*CONLL04_ENTITY_TYPES, CONLL04_OTHER))}")
        for relation in document.get("relations", []):
            if not all(isinstance(relation.get(k), str) for k in ("subject", "type", "object")):
                raise EvalError(f"{where}: every relation needs `subject`, `type` and `object`")
        documents.append(document)
    return _unique(documents, path)


_KG_AS_CONLL04 = {kg: conll for conll, kinds in CONLL04_RELATIONS.items() for kg in kinds if kg != "LOCATED_IN"}


def _conll04_candidates(kg_type: str, subject_type: str) -> tuple[str, ...]:
    """The CoNLL04 types a kg relation may stand for, the one it is counted under first; ()
    for a type CoNLL04 does not annotate."""
    if kg_type == "LOCATED_IN":
        if subject_type == "Organization":
            return ("BASED_IN", "LOCATED_IN")
        return ("LOCATED_IN", "BASED_IN") if subject_type in _ORGANISATION_LIKE else ("LOCATED_IN",)
    return (_KG_AS_CONLL04[kg_type],) if kg_type in _KG_AS_CONLL04 else ()


@dataclass(frozen=True, slots=True)
class _Fact:
    """Predicted relations of one entity pair that stand for one CoNLL04 fact."""

    edge: _Edge  # the most confident of them
    scored_type: str
    candidates: frozenset[str]


def _conll04_facts(record: Record) -> list[_Fact]:
    entities = {
        e["id"]: _Entity(e["id"], e.get("name", ""), e.get("type", ""),
                         _untitled_keys([e.get("name"), *e.get("aliases", [])]))
        for e in record.get("entities", [])
    }
    facts: dict[tuple[str, str, str], _Fact] = {}
    for edge in _record_edges(record, entities):
        candidates = _conll04_candidates(edge.type, edge.subject.type)
        if not candidates:
            continue  # a type CoNLL04 does not annotate: not a prediction of it
        key = (edge.subject.id, candidates[0], edge.object.id)
        seen = facts.get(key)
        if seen is None:
            facts[key] = _Fact(edge, candidates[0], frozenset(candidates))
        else:
            best = edge if edge.confidence > seen.edge.confidence else seen.edge
            facts[key] = _Fact(best, seen.scored_type, seen.candidates | frozenset(candidates))
    return list(facts.values())


def score_conll04_relations(golds: Sequence[Mapping[str, Any]], records: Iterable[Record]) -> RelationScores:
    """Relation P/R/F1 per CoNLL04 type, strict on names: a prediction is right when the names or
    aliases of its subject and object equal the gold entity names (by name key, titles such as
    "President" stripped on both sides) and its kg type counts as the gold type
    (:data:`CONLL04_RELATIONS`). kg relations of other types are not predictions; several kg
    relations of one entity pair that stand for one CoNLL04 type are one prediction (the highest
    confidence); predictions pair one-to-one with the distinct gold relations of the sentence."""
    by_id = {r["id"]: r for r in records}
    cells: list[dict[str, RelationScore]] = []
    predictions: list[ScoredPrediction] = []
    for gold in golds:
        doc = gold["id"]
        distinct = {}
        for relation in gold.get("relations", []):
            key = (name_key(relation["subject"]), relation["type"], name_key(relation["object"]))
            distinct.setdefault(key, (_untitled_keys([relation["subject"]]), relation["type"],
                                      _untitled_keys([relation["object"]])))
        facts_gold = list(distinct.values())
        facts = _conll04_facts(by_id.get(doc) or {"id": doc})
        pairs = _match(
            (gi, fi, 1)
            for gi, (subject, gold_type, obj) in enumerate(facts_gold)
            for fi, f in enumerate(facts)
            if gold_type in f.candidates and f.edge.subject.keys & subject and f.edge.object.keys & obj
        )
        cell: dict[str, RelationScore] = defaultdict(RelationScore)
        for gi, (_, gold_type, _) in enumerate(facts_gold):
            cell[gold_type] += RelationScore(found=1) if gi in pairs else RelationScore(missed=1)
        paired = {fi: facts_gold[gi][1] for gi, fi in pairs.items()}
        for fi, f in enumerate(facts):
            scored_type = paired.get(fi, f.scored_type)
            cell[scored_type] += RelationScore(right=1) if fi in paired else RelationScore(wrong=1)
            predictions.append(_scored(doc, f.edge, fi in paired, scored_type))
        cells.append(cell)
    return RelationScores("conll04", _sum_relation_cells(cells), tuple(predictions))


def _core_span(text: str, start: int, end: int) -> Span:
    """A span without leading determiners and titles and without trailing sentence punctuation
    (CoNLL04's tokens keep a sentence's final period: "... in Kosovo.")."""
    start += title_offset(text[start:end])
    while end - start > 1 and text[end - 1] in ".,;:":
        end -= 1
    return start, end


def score_conll04_entities(golds: Sequence[Mapping[str, Any]], records: Iterable[Record]) -> dict[str, Score]:
    """Entity P/R/F1 per type over Person, Organization and Location, type strict, by span: a
    predicted name mention (from the record's mention offsets) matches a gold entity when their
    spans are equal once leading determiners and titles and trailing sentence punctuation are
    dropped from both. Gold `Other`
    entities are not scored, and neither are predictions on their spans or of other kg types."""
    by_id = {r["id"]: r for r in records}
    cells: list[dict[str, Score]] = []
    for gold in golds:
        text = gold["text"]
        gold_spans: set[tuple[int, int, str]] = set()
        other: set[Span] = set()
        for entity in gold.get("entities", []):
            core = _core_span(text, entity["start"], entity["end"])
            if entity["type"] in CONLL04_ENTITY_TYPES:
                gold_spans.add((*core, entity["type"]))
            else:
                other.add(core)
        predicted: set[tuple[int, int, str]] = set()
        for entity in (by_id.get(gold["id"]) or {}).get("entities", []):
            if entity.get("type") not in CONLL04_ENTITY_TYPES:
                continue
            for mention in entity.get("mentions", []):
                if mention.get("kind", "name") != "name":
                    continue
                core = _core_span(text, mention["start"], mention["end"])
                if core not in other or (*core, entity["type"]) in gold_spans:
                    predicted.add((*core, entity["type"]))
        cell: dict[str, Score] = defaultdict(Score)
        for start, end, kind in gold_spans:
            cell[kind] += Score(tp=1) if (start, end, kind) in predicted else Score(fn=1)
        for start, end, kind in predicted - gold_spans:
            cell[kind] += Score(fp=1)
        cells.append(cell)
    return _sum_scores(cells)


# --------------------------------------------------------------------------------------------
# The Wikinews relation file: per article, relations between named entities with levels, and
# negated (hypothetical, past, future) statements

SYMMETRIC_RELATIONS = frozenset({"SPOUSE_OF", "PARTNERED_WITH"})


def read_wikinews(path: str | Path) -> list[dict]:
    """The articles of a Wikinews relation file (``id``, ``relations`` with subject,
    subject_aliases, type, object, object_aliases, level; ``negated``), checked."""
    documents = []
    for number, document in _json_lines(path):
        where = f"{path}:{number}"
        if not isinstance(document, dict) or not isinstance(document.get("id"), str):
            raise EvalError(f"{where}: each line must be an object with a string `id`")
        for key in ("relations", "negated"):
            if not isinstance(document.get(key, []), list):
                raise EvalError(f"{where}: `{key}` must be a list")
            for relation in document.get(key, []):
                if not isinstance(relation, dict) or not all(
                        isinstance(relation.get(k), str) for k in ("subject", "type", "object")):
                    raise EvalError(f"{where}: every {key} line needs `subject`, `type` and `object`")
                for aliases in ("subject_aliases", "object_aliases"):
                    if not all(isinstance(a, str) for a in relation.get(aliases, [])):
                        raise EvalError(f"{where}: `{aliases}` must list strings")
                if key == "relations" and relation.get("level") not in LEVELS:
                    raise EvalError(f"{where}: relation level must be `must` or `should`, not "
                                    f"{relation.get('level')!r}")
        documents.append(document)
    return _unique(documents, path)


@dataclass(frozen=True, slots=True)
class _Line:
    type: str
    level: str  # must, should or negated
    subject_keys: frozenset[str]
    object_keys: frozenset[str]


def _wikinews_lines(gold: Mapping[str, Any]) -> list[_Line]:
    lines = [
        _Line(r["type"], r["level"], _name_keys([r["subject"], *r.get("subject_aliases", [])]),
              _name_keys([r["object"], *r.get("object_aliases", [])]))
        for r in gold.get("relations", [])
    ]
    lines += [
        _Line(r["type"], "negated", _name_keys([r["subject"], *r.get("subject_aliases", [])]),
              _name_keys([r["object"], *r.get("object_aliases", [])]))
        for r in gold.get("negated", [])
    ]
    return lines


def _wikinews_type_counts(predicted: str, subject_type: str, gold: str) -> bool:
    if predicted == gold:
        return True
    if predicted == "LEADS" and gold == "WORKS_FOR":  # a head of an organisation works for it
        return True
    return {predicted, gold} == {"BASED_IN", "LOCATED_IN"} and subject_type in _ORGANISATION_LIKE


def _wikinews_matches(edge: _Edge, line: _Line) -> bool:
    if not _wikinews_type_counts(edge.type, edge.subject.type, line.type):
        return False
    forward = bool(edge.subject.keys & line.subject_keys) and bool(edge.object.keys & line.object_keys)
    backward = bool(edge.subject.keys & line.object_keys) and bool(edge.object.keys & line.subject_keys)
    return forward or (line.type in SYMMETRIC_RELATIONS and backward)


def _wikinews_edges(record: Record) -> list[_Edge]:
    """The record's current positive relations, one per fact: BASED_IN and LOCATED_IN of an
    organisation or facility are one, and so are both directions of a symmetric type."""
    edges: dict[tuple, _Edge] = {}
    for edge in _record_edges(record, _predicted_entities(record.get("entities", []))):
        kind = edge.type
        if kind in ("BASED_IN", "LOCATED_IN") and edge.subject.type in _ORGANISATION_LIKE:
            kind = "BASED_IN"
        ends = (edge.subject.id, edge.object.id)
        key = (kind, tuple(sorted(ends)) if kind in SYMMETRIC_RELATIONS else ends)
        seen = edges.get(key)
        if seen is None or edge.confidence > seen.confidence:
            edges[key] = edge
    return list(edges.values())


def score_wikinews_relations(golds: Sequence[Mapping[str, Any]], records: Iterable[Record]) -> RelationScores:
    """Relation P/R/F1 per type against the Wikinews relation file. A prediction is right when
    it matches a `must` or `should` line (a name or alias on both ends; SPOUSE_OF and
    PARTNERED_WITH either way; BASED_IN and LOCATED_IN as one for an organisation or facility
    subject, by kg's type; a LEADS prediction also matches a WORKS_FOR line) and no `negated`
    line; recall counts the `must` lines some right prediction matches. Negated and ``past``
    predictions are left out. A right prediction is counted under the type of the line it
    matches (its own type when it can), a wrong one under its own type."""
    by_id = {r["id"]: r for r in records}
    cells: list[dict[str, RelationScore]] = []
    predictions: list[ScoredPrediction] = []
    for gold in golds:
        doc = gold["id"]
        lines = _wikinews_lines(gold)
        negated = [line for line in lines if line.level == "negated"]
        stated = [line for line in lines if line.level != "negated"]
        edges = _wikinews_edges(by_id.get(doc) or {"id": doc})
        cell: dict[str, RelationScore] = defaultdict(RelationScore)
        right = []
        for edge in edges:
            matched = [line for line in stated if _wikinews_matches(edge, line)]
            correct = bool(matched) and not any(_wikinews_matches(edge, line) for line in negated)
            # scored under the type of the line it matches (its own when it can, a `must` line first)
            scored_type = min(matched, key=lambda line: (line.type != edge.type, line.level != "must")).type \
                if correct else edge.type
            cell[scored_type] += RelationScore(right=1) if correct else RelationScore(wrong=1)
            predictions.append(_scored(doc, edge, correct, scored_type))
            if correct:
                right.append(edge)
        for line in stated:
            if line.level == "must":
                found = any(_wikinews_matches(edge, line) for edge in right)
                cell[line.type] += RelationScore(found=1) if found else RelationScore(missed=1)
        cells.append(cell)
    return RelationScores("wikinews", _sum_relation_cells(cells), tuple(predictions))


def _wikinews_texts(gold_path: str | Path, ids: Sequence[str]) -> Path:
    """A JSON lines file beside the gold file whose documents (``id`` and ``text``) cover every
    gold id; one named like the gold file ("x.jsonl" for "x_relations.jsonl") preferred."""
    gold_path = Path(gold_path)
    stem = gold_path.stem
    candidates = sorted(
        (p for p in gold_path.parent.glob("*.jsonl") if p.resolve() != gold_path.resolve()),
        key=lambda p: (not stem.startswith(p.stem), p.name),
    )
    wanted = set(ids)
    for candidate in candidates:
        try:
            found = {d.get("id") for _, d in _json_lines(candidate) if isinstance(d, dict)
                     and isinstance(d.get("text"), str)}
        except EvalError:
            continue
        if wanted <= found:
            return candidate
    raise EvalError(f"{gold_path}: relation gold without texts, and no JSON lines file beside it has "
                    "documents with its ids: give the articles as INPUT")


def _text_documents(path: Path) -> list[Document]:
    return [Document(id=d["id"], text=d["text"], title=d.get("title") if isinstance(d.get("title"), str) else None)
            for _, d in _json_lines(path) if isinstance(d, dict) and isinstance(d.get("text"), str)]


# --------------------------------------------------------------------------------------------
# Entity types of gold name mentions (GUM)

# GUM's types -> the one kg type counted right for a name mention's entity (strict); the
# compatible count also takes kg's finer types of FOREIGN_TYPES (a Facility is a place).
MENTION_TYPES: dict[str, str] = {"person": "Person", "place": "Location", "organization": "Organization"}


@dataclass(frozen=True, slots=True)
class TypeAccuracy:
    """Gold name mentions of one gold type: how many a predicted mention covers by the head
    word (``matched``), how many of those belong to an entity of the right kg type (``right``:
    the one type of MENTION_TYPES; ``compatible``: one of FOREIGN_TYPES, kg's finer types too)."""

    right: int = 0
    matched: int = 0
    unmatched: int = 0
    compatible: int = 0

    def __add__(self, other: TypeAccuracy) -> TypeAccuracy:
        return TypeAccuracy(self.right + other.right, self.matched + other.matched,
                            self.unmatched + other.unmatched, self.compatible + other.compatible)

    @property
    def accuracy(self) -> float:
        return self.right / self.matched if self.matched else 0.0

    @property
    def compatible_accuracy(self) -> float:
        return self.compatible / self.matched if self.matched else 0.0


@dataclass(frozen=True)
class MentionTypeScores:
    """Type accuracy of matched gold name mentions per gold type, and what they were typed as."""

    types: dict[str, TypeAccuracy] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)  # gold type -> kg type -> count

    @property
    def overall(self) -> TypeAccuracy:
        return sum(self.types.values(), TypeAccuracy())


def score_mention_types(
    golds: Sequence[Mapping[str, Any]],
    records: Iterable[Record],
    *,
    nlp: Callable[[str], Any] | None = None,
    heads: Mapping[str, Mapping[Span, Span]] | None = None,
) -> MentionTypeScores:
    """For every gold name mention of a person, place or organization: the entity of the
    shortest predicted mention covering its head word (as in :func:`mention_clusters`), right
    when its type is the kg type of :data:`MENTION_TYPES`. ``heads``: gold id -> precomputed
    :func:`gold_heads`."""
    by_id = {r["id"]: r for r in records}
    cells: dict[str, TypeAccuracy] = defaultdict(TypeAccuracy)
    confusion: dict[str, Counter] = defaultdict(Counter)
    for gold in golds:
        entities = [e for e in gold.get("entities", []) if e.get("type") in MENTION_TYPES and e.get("mentions")]
        if not entities:
            continue
        doc_heads = heads[gold["id"]] if heads is not None and gold["id"] in heads else gold_heads(gold, nlp=nlp)
        record = by_id.get(gold["id"]) or {}
        types = {e["id"]: e.get("type", "") for e in record.get("entities", [])}
        predicted = [(m["start"], m["end"], e["id"]) for e in record.get("entities", []) for m in e.get("mentions", [])]
        for entity in entities:
            for mention in entity["mentions"]:
                if mention.get("kind", "name") != "name":
                    continue
                found = _covering_entity(doc_heads[(mention["start"], mention["end"])], predicted)
                if found is None:
                    cells[entity["type"]] += TypeAccuracy(unmatched=1)
                    continue
                right = types.get(found) == MENTION_TYPES[entity["type"]]
                compatible = types.get(found) in FOREIGN_TYPES[entity["type"]]
                cells[entity["type"]] += TypeAccuracy(right=int(right), matched=1, compatible=int(compatible))
                confusion[entity["type"]][types.get(found, "")] += 1
    return MentionTypeScores(dict(sorted(cells.items())),
                             {t: dict(sorted(c.items())) for t, c in sorted(confusion.items())})


# --------------------------------------------------------------------------------------------
# DocRED


def read_docred(path: str | Path) -> list[dict]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise EvalError(f"cannot read DocRED file {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvalError(f"DocRED file {path} is not JSON") from exc
    if not isinstance(data, list) or not all(
        isinstance(d, dict) and {"sents", "vertexSet"} <= d.keys() for d in data
    ):
        raise EvalError(f"{path}: expected a JSON array of documents with `sents` and `vertexSet`")
    return data


def read_mapping(path: str | Path) -> dict[str, dict]:
    """A Wikidata relation id -> {type, inverse, symmetric} mapping file (keys starting with "_"
    are comments)."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"cannot read relation mapping {path}: {exc.strerror}") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise EvalError(f"relation mapping {path} is not JSON") from exc
    return _relation_mapping(raw, str(path))


def _relation_mapping(raw: Any, where: str = "relation mapping") -> dict[str, dict]:
    if not isinstance(raw, dict):
        raise EvalError(f"{where}: expected an object of relation ids")
    mapping = {}
    for key, entry in raw.items():
        if key.startswith("_"):
            continue
        if not isinstance(entry, dict) or not isinstance(entry.get("type"), str):
            raise EvalError(f"{where}: {key} needs a kg `type`")
        mapping[key] = {"type": entry["type"], "inverse": bool(entry.get("inverse")),
                        "symmetric": bool(entry.get("symmetric"))}
    return mapping


def docred_doc_id(index: int) -> str:
    return f"redocred-{index:04d}"


def docred_layout(doc: Mapping[str, Any]) -> tuple[str, list[list[Span]]]:
    """The text of a DocRED document (tokens joined by single spaces) and every token's char span,
    per sentence."""
    spans: list[list[Span]] = []
    cursor = 0
    for sentence in doc["sents"]:
        row = []
        for token in sentence:
            row.append((cursor, cursor + len(token)))
            cursor += len(token) + 1
        spans.append(row)
    text = " ".join(token for sentence in doc["sents"] for token in sentence)
    return text, spans


def docred_documents(path: str | Path) -> list[tuple[str, str]]:
    """(doc id, text) of each document of a DocRED file, in file order."""
    return [(docred_doc_id(i), docred_layout(doc)[0]) for i, doc in enumerate(read_docred(path))]


def _vertex_type(vertex: Sequence[Mapping[str, Any]]) -> str:
    return Counter(m["type"] for m in vertex).most_common(1)[0][0]


def docred_gold_records(data: Sequence[Mapping[str, Any]]) -> dict[str, dict]:
    """Extract records built from the gold entity mentions (typed with the first kg type of their
    DocRED type; TIME and NUM left out): what a perfect entity extractor would give."""
    records = {}
    for index, doc in enumerate(data):
        text, spans = docred_layout(doc)
        entities = []
        for number, vertex in enumerate(doc["vertexSet"]):
            types = DOCRED_TYPES.get(_vertex_type(vertex))
            if not types:
                continue
            mentions = []
            for m in vertex:
                start, end = spans[m["sent_id"]][m["pos"][0]][0], spans[m["sent_id"]][m["pos"][1] - 1][1]
                mentions.append({"text": text[start:end], "start": start, "end": end, "kind": "name"})
            entities.append({"id": f"vertex:{number}", "name": vertex[0]["name"], "type": types[0],
                             "aliases": sorted({m["name"] for m in vertex}), "mentions": mentions})
        records[docred_doc_id(index)] = {"id": docred_doc_id(index), "entities": entities, "relations": []}
    return records


def _docred_labels(doc: Mapping[str, Any], mapping: Mapping[str, dict]) -> set[tuple[int, str, int]]:
    """Gold (subject vertex, kg type, object vertex) of the mapped labels, directed as kg reads
    them."""
    triples = set()
    for label in doc.get("labels", []):
        entry = mapping.get(label["r"])
        if entry is not None:
            head, tail = label["h"], label["t"]
            triples.add((tail, entry["type"], head) if entry["inverse"] else (head, entry["type"], tail))
    return triples


def _docred_triples(doc: Mapping[str, Any], mapping: Mapping[str, dict]) -> set[tuple[int, str, int]]:
    """The distinct gold facts: a symmetric type's pair once, in ascending vertex order."""
    symmetric = {e["type"] for e in mapping.values() if e["symmetric"]}
    return {
        (min(s, o), t, max(s, o)) if t in symmetric else (s, t, o)
        for s, t, o in _docred_labels(doc, mapping)
    }


@dataclass(frozen=True, slots=True)
class DocredScores:
    """Strict relation scores per mapped kg type for kg and for the adjacent-types baseline."""

    relations: dict[str, Score]
    baseline: dict[str, Score]


def score_docred(
    data: Sequence[Mapping[str, Any]], mapping: Mapping[str, Any], predicted: Mapping[str, Record]
) -> dict[str, Score]:
    """Strict relation P/R/F1 per mapped kg type. A predicted (subject, type, object) is right when
    a name or alias of its subject and of its object equal (by name key) mention names of the
    gold head and tail entities. Only types the mapping produces are scored; negated relations
    never count; predictions pair one-to-one with gold triples."""
    scores = score_docred_relations(data, mapping, predicted)
    return {t: Score(c.right, c.wrong, c.missed) for t, c in scores.types.items()}


def score_docred_relations(
    data: Sequence[Mapping[str, Any]], mapping: Mapping[str, Any], predicted: Mapping[str, Record]
) -> RelationScores:
    """:func:`score_docred` with every scored prediction (its confidence, right or not).
    DocRED's facts are timeless ("member of" covers former members): ``past`` relations count."""
    mapping = _relation_mapping(mapping)
    scored_types = {e["type"] for e in mapping.values()}
    symmetric = {e["type"] for e in mapping.values() if e["symmetric"]}
    cells: list[dict[str, Score]] = []
    predictions: list[ScoredPrediction] = []
    for index, doc in enumerate(data):
        doc_id = docred_doc_id(index)
        vertices = [_name_keys(m["name"] for m in vertex) for vertex in doc["vertexSet"]]
        gold = sorted(_docred_triples(doc, mapping))
        record = predicted.get(doc_id) or {"id": doc_id, "entities": [], "relations": []}
        edges = _docred_edges(record, scored_types, symmetric)
        pairs = _match(
            (gi, ei, 1)
            for gi, (s, t, o) in enumerate(gold)
            for ei, e in enumerate(edges)
            if e.type == t and _docred_holds(e, vertices[s], vertices[o], symmetric=t in symmetric)
        )
        cell: dict[str, Score] = defaultdict(Score)
        for gi, (_, t, _) in enumerate(gold):
            cell[t] += Score(tp=1) if gi in pairs else Score(fn=1)
        paired = set(pairs.values())
        for ei, e in enumerate(edges):
            if ei not in paired:
                cell[e.type] += Score(fp=1)
            predictions.append(_scored(doc_id, e, ei in paired, e.type))
        cells.append(cell)
    return RelationScores("docred", _relation_score_cells(_sum_scores(cells)), tuple(predictions))


def _docred_edges(record: Record, types: set[str], symmetric: set[str]) -> list[_Edge]:
    entities = _predicted_entities(record.get("entities", []))
    edges: dict[tuple, _Edge] = {}
    for e in _record_edges(record, entities, keep_past=True):
        if e.type not in types:
            continue
        ends = (e.subject.id, e.object.id)
        key = (e.type, tuple(sorted(ends)) if e.type in symmetric else ends)
        seen = edges.get(key)
        if seen is None or e.confidence > seen.confidence:
            edges[key] = e
    return list(edges.values())


def _docred_holds(edge: _Edge, head: frozenset[str], tail: frozenset[str], *, symmetric: bool) -> bool:
    forward = bool(edge.subject.keys & head) and bool(edge.object.keys & tail)
    backward = bool(edge.subject.keys & tail) and bool(edge.object.keys & head)
    return forward or (symmetric and backward)


def majority_relation_table(data: Sequence[Mapping[str, Any]], mapping: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(subject kg type, object kg type) -> the kg relation type most frequent for that pair in
    the gold of ``data`` (DocRED entity types read as kg types through DOCRED_TYPES; ties go to
    the type listed first in the mapping). Learned on the data it is scored on: a baseline that
    knows the dev set's majority types, so the fair, slightly optimistic bar to beat."""
    mapping = _relation_mapping(mapping)
    order = {t: i for i, t in enumerate(dict.fromkeys(e["type"] for e in mapping.values()))}
    counts: dict[tuple[str, str], Counter] = defaultdict(Counter)
    for doc in data:
        kinds = [DOCRED_TYPES.get(_vertex_type(v), ()) for v in doc["vertexSet"]]
        for subject, relation, obj in _docred_labels(doc, mapping):
            for subject_type in kinds[subject]:
                for object_type in kinds[obj]:
                    counts[(subject_type, object_type)][relation] += 1
    return {
        pair: min(counter, key=lambda t: (-counter[t], order[t]))
        for pair, counter in sorted(counts.items())
    }


def adjacent_type_baseline(
    data: Sequence[Mapping[str, Any]], predicted: Mapping[str, Record], *, table: Mapping[tuple[str, str], str]
) -> dict[str, dict]:
    """The naive relation extractor: within each sentence, every two consecutive name mentions of
    different entities (from the given extract records, so it sees the same entities kg saw) get
    the relation ``table`` gives their (earlier type, later type) pair, earlier as subject."""
    baseline = {}
    for index, doc in enumerate(data):
        doc_id = docred_doc_id(index)
        record = predicted.get(doc_id) or {"id": doc_id, "entities": []}
        _, spans = docred_layout(doc)
        sentences = [(row[0][0], row[-1][1]) for row in spans if row]
        mentions = sorted(
            (m["start"], m["end"], e["id"], e.get("type", ""))
            for e in record.get("entities", [])
            for m in e.get("mentions", [])
            if m.get("kind", "name") == "name"
        )
        relations = {}
        for start, end in sentences:
            inside = [m for m in mentions if start <= m[0] and m[1] <= end]
            for (_, _, a, a_type), (_, _, b, b_type) in zip(inside, inside[1:]):
                relation = table.get((a_type, b_type))
                if a != b and relation:
                    relations[(a, relation, b)] = {"subject": a, "type": relation, "object": b, "negated": False}
        baseline[doc_id] = {"id": doc_id, "entities": list(record.get("entities", [])),
                            "relations": list(relations.values())}
    return baseline


# --------------------------------------------------------------------------------------------
# Report


@dataclass(frozen=True)
class Report:
    kind: str  # one of GOLD_KINDS: "gold" (contract gold, maybe with mentions), "conll04", "wikinews", "docred"
    documents: tuple[str, ...]
    missing_documents: tuple[str, ...] = ()  # gold documents the pipeline returned nothing for
    per_document: Section | None = None
    graph: Section | None = None
    coreference: CorefScores | None = None
    docred: DocredScores | None = None
    relations: RelationScores | None = None  # with every scored prediction, for calibration
    entity_spans: dict[str, Score] | None = None  # CoNLL04: entities by span, per type
    mention_types: MentionTypeScores | None = None  # gold with mentions: types of name mentions

    @property
    def passed(self) -> bool:
        """No gold document unanswered, every `must` relation found (per document and in the
        merged graph), no absent entity or relation present, document properties right."""
        sections = [s for s in (self.per_document, self.graph) if s is not None]
        return not self.missing_documents and not self.missed_must and all(s.passed for s in sections)

    @property
    def missed_must(self) -> int | None:
        """`must` lines of the Wikinews relation file that no right prediction matches (None for
        the other kinds: kg gold has :attr:`passed`; CoNLL04 and DocRED have no `must` lines)."""
        return self.relations.micro.missed if self.kind == "wikinews" and self.relations is not None else None

    @property
    def exit_code(self) -> int:
        """1 when a `must` line fails: contract gold with `must` relations that fails (see
        :attr:`passed`), or a Wikinews relation file with a `must` line not found; else 0.
        CoNLL04 and DocRED scores are figures, not a verdict."""
        if self.kind == "wikinews":
            return 0 if self.passed else 1
        must = self.per_document.levels.get("must", Score()) if self.per_document is not None else Score()
        return 1 if self.kind == "gold" and must.tp + must.fn and not self.passed else 0


def _score_json(score: Score) -> dict:
    return {"tp": score.tp, "fp": score.fp, "fn": score.fn, "precision": round(score.precision, 4),
            "recall": round(score.recall, 4), "f1": round(score.f1, 4)}


def _bcubed_json(score: BCubed) -> dict:
    return {"mentions": score.mentions, "precision": round(score.precision, 4),
            "recall": round(score.recall, 4), "f1": round(score.f1, 4)}


def _typed_json(cells: Mapping[str, Score]) -> dict:
    return {"types": {t: _score_json(s) for t, s in cells.items()}, "overall": _score_json(micro(cells))}


def _section_json(section: Section) -> dict:
    return {
        "passed": section.passed,
        "entities": {**_typed_json(section.entities), "untyped": _score_json(section.entities_untyped)},
        "relations": _typed_json(section.relations),
        "levels": {level: _score_json(s) for level, s in section.levels.items()},
        "missing_must": [_plain(m) for m in section.missing_must],
        "violations": [_plain(v) for v in section.violations],
        "type_errors": [_plain(t) for t in section.type_errors],
        "properties": [_plain(p) for p in section.properties],
    }


def _plain(item: Any) -> dict:
    return {name: (list(value) if isinstance(value, tuple) else value)
            for name, value in ((f, getattr(item, f)) for f in item.__dataclass_fields__)}


def _relation_score_json(score: RelationScore) -> dict:
    return {"right": score.right, "wrong": score.wrong, "found": score.found, "missed": score.missed,
            "precision": round(score.precision, 4), "recall": round(score.recall, 4), "f1": round(score.f1, 4)}


def _relations_json(scores: RelationScores) -> dict:
    return {"types": {t: _relation_score_json(c) for t, c in scores.types.items()},
            "overall": _relation_score_json(scores.micro)}


def _calibration_json(scores: RelationScores) -> dict:
    bands = scores.calibration()
    return {
        "predictions": len(scores.predictions),
        "expected_calibration_error": round(calibration_error(bands), 4),
        "tolerance": CALIBRATION_TOLERANCE,
        "bands_within": sum(b.within() for b in bands),
        "bands_with_predictions": sum(bool(b.count) for b in bands),
        "bands": [{"low": b.low, "high": b.high, "count": b.count, "right": b.right,
                   "share_right": round(b.share_right, 4), "mean_confidence": round(b.mean_confidence, 4),
                   "within": b.within(), "interval_95": [round(x, 4) for x in b.interval()]}
                  for b in bands],
    }


def _mention_types_json(scores: MentionTypeScores) -> dict:
    def cell(score: TypeAccuracy) -> dict:
        return {"right": score.right, "matched": score.matched, "unmatched": score.unmatched,
                "accuracy": round(score.accuracy, 4), "compatible": score.compatible,
                "compatible_accuracy": round(score.compatible_accuracy, 4)}

    return {"types": {t: cell(c) for t, c in scores.types.items()}, "overall": cell(scores.overall),
            "confusion": scores.confusion}


def report_to_json(report: Report) -> dict:
    """The report as plain JSON-ready data."""
    out: dict[str, Any] = {
        "kind": report.kind,
        "passed": report.passed,
        "documents": list(report.documents),
        "missing_documents": list(report.missing_documents),
    }
    if report.entity_spans is not None:
        out["entities"] = _typed_json(report.entity_spans)
    if report.relations is not None and report.kind in ("conll04", "wikinews"):
        out["relations"] = _relations_json(report.relations)
    if report.relations is not None:
        out["calibration"] = _calibration_json(report.relations)
    if report.mention_types is not None:
        out["mention_types"] = _mention_types_json(report.mention_types)
    if report.per_document is not None:
        out["per_document"] = _section_json(report.per_document)
    if report.graph is not None:
        out["graph"] = _section_json(report.graph)
    if report.coreference is not None:
        c = report.coreference
        out["coreference"] = {
            "kg": {"names": _bcubed_json(c.names), "all_kinds": _bcubed_json(c.all_kinds)},
            "identical_names_baseline": {"names": _bcubed_json(c.baseline_names),
                                         "all_kinds": _bcubed_json(c.baseline_all_kinds)},
        }
    if report.docred is not None:
        out["docred"] = {"kg": _typed_json(report.docred.relations),
                         "adjacent_types_baseline": _typed_json(report.docred.baseline)}
    return out


_HEADER = f"{'':<28}{'P':>7}{'R':>7}{'F1':>7}{'tp':>6}{'fp':>6}{'fn':>6}"


def _row(name: str, score: Score) -> str:
    return (f"  {name:<26}{score.precision:>7.3f}{score.recall:>7.3f}{score.f1:>7.3f}"
            f"{score.tp:>6}{score.fp:>6}{score.fn:>6}")


def _table(title: str, cells: Mapping[str, Score], extra: Iterable[tuple[str, Score]] = ()) -> list[str]:
    lines = [f"{title:<28}{_HEADER[28:]}"]
    lines += [_row(t, s) for t, s in cells.items()]
    lines.append(_row("all", micro(cells)))
    lines += [_row(name, s) for name, s in extra]
    return lines


def _section_text(title: str, section: Section) -> list[str]:
    lines = [f"== {title}: {'PASS' if section.passed else 'FAIL'}"]
    lines += _table("Entities", section.entities, [("all, any type", section.entities_untyped)])
    lines += _table("Relations", section.relations)
    for level, score in section.levels.items():
        lines.append(f"  {level} relations found: {score.tp}/{score.tp + score.fn}")
    lines += [f"  MISSING must: {m.subject} -[{m.type}]-> {m.object} ({m.doc}"
              + (f"; needs evidence from {', '.join(m.docs)}" if m.docs else "") + ")"
              for m in section.missing_must]
    lines += [f"  VIOLATION ({v.doc}): {v.rule} <- {v.found}" for v in section.violations]
    lines += [f"  type error ({t.doc}): {t.gold_name} is {t.gold_type}, got {t.predicted_name} as "
              f"{t.predicted_type}" for t in section.type_errors]
    lines += [f"  {p.field} ({p.doc}): expected {p.expected!r}, got {p.actual!r}"
              for p in section.properties if not p.ok]
    return lines


def _bcubed_row(name: str, score: BCubed) -> str:
    return f"  {name:<26}{score.precision:>7.3f}{score.recall:>7.3f}{score.f1:>7.3f}{score.mentions:>6}"


_RELATION_HEADER = f"{'':<28}{'P':>7}{'R':>7}{'F1':>7}{'right':>7}{'wrong':>7}{'found':>7}{'missed':>7}"


def _relation_row(name: str, score: RelationScore) -> str:
    return (f"  {name:<26}{score.precision:>7.3f}{score.recall:>7.3f}{score.f1:>7.3f}"
            f"{score.right:>7}{score.wrong:>7}{score.found:>7}{score.missed:>7}")


def _relation_table(title: str, scores: RelationScores) -> list[str]:
    lines = [f"{title:<28}{_RELATION_HEADER[28:]}"]
    lines += [_relation_row(t, c) for t, c in scores.types.items()]
    lines.append(_relation_row("all", scores.micro))
    return lines


def _calibration_text(scores: RelationScores) -> list[str]:
    bands = scores.calibration()
    lines = [f"{'Calibration (confidence)':<28}{'n':>7}{'right':>7}{'conf':>7}{'95% interval':>15}{'within':>8}"]
    for b in bands:
        if b.count:
            low, high = b.interval()
            rest = f"{b.share_right:>7.3f}{b.mean_confidence:>7.3f}{f'{low:.2f}-{high:.2f}':>15}{'yes' if b.within() else 'NO':>8}"
        else:
            rest = f"{'-':>7}{'-':>7}{'-':>15}{'-':>8}"
        lines.append(f"  {f'{b.low:.1f}-{b.high:.1f}':<26}{b.count:>7}{rest}")
    used = [b for b in bands if b.count]
    lines.append(f"  {len(scores.predictions)} scored predictions, expected calibration error "
                 f"{calibration_error(bands):.3f}; share right within {CALIBRATION_TOLERANCE} of its band "
                 f"in {sum(b.within() for b in used)} of {len(used)} bands")
    return lines


def _mention_types_text(scores: MentionTypeScores) -> list[str]:
    lines = ["== Types of gold name mentions matched by head word (acc: person Person, place Location, "
             "organization Organization; compat: also Group for person and organization, Facility for place)",
             f"{'':<28}{'acc':>7}{'right':>7}{'compat':>8}{'right':>7}{'matched':>9}{'unmatched':>10}"]
    for name, cell in [*scores.types.items(), ("all", scores.overall)]:
        lines.append(f"  {name:<26}{cell.accuracy:>7.3f}{cell.right:>7}{cell.compatible_accuracy:>8.3f}"
                     f"{cell.compatible:>7}{cell.matched:>9}{cell.unmatched:>10}")
    for name, counts in scores.confusion.items():
        lines.append(f"  {name} typed as: " + ", ".join(f"{t or '?'} {n}" for t, n in counts.items()))
    return lines


def format_report(report: Report) -> str:
    """Plain-text tables: P/R/F1 with counts per type, then what is missing or wrong."""
    if report.kind == "wikinews":
        base = report.relations.micro.found + report.relations.micro.missed if report.relations else 0
        verdict = f"FAIL: {report.missed_must} of {base} must lines not found" if report.missed_must else "PASS"
        lines = [f"kg eval ({report.kind}): {len(report.documents)} documents, {verdict}"]
    elif report.kind == "conll04":
        lines = [f"kg eval ({report.kind}): {len(report.documents)} documents"]
    else:
        lines = [f"kg eval: {len(report.documents)} documents, {'PASS' if report.passed else 'FAIL'}"]
    if report.missing_documents:
        lines.append(f"  no output for: {', '.join(report.missing_documents)}")
    if report.entity_spans is not None:
        lines.append("== CoNLL04 entities (spans, type strict; leading titles, determiners aside)")
        lines += _table("Entities", report.entity_spans)
    if report.relations is not None and report.kind in ("conll04", "wikinews"):
        lines.append("== CoNLL04 relations (strict on names, per CoNLL04 type)" if report.kind == "conll04"
                     else "== Wikinews relations (right: matches a must or should line; recall over must lines)")
        lines += _relation_table("Relations", report.relations)
        lines += _calibration_text(report.relations)
    if report.per_document is not None:
        lines += _section_text("Per document", report.per_document)
        if report.relations is not None:
            lines += _calibration_text(report.relations)
    if report.graph is not None:
        lines += _section_text("Merged graph", report.graph)
    if report.coreference is not None:
        c = report.coreference
        lines.append("== Mention grouping (B-cubed over gold mentions)")
        lines.append(f"{'':<28}{'P':>7}{'R':>7}{'F1':>7}{'gold':>6}")
        lines += [_bcubed_row("kg, names", c.names), _bcubed_row("kg, all kinds", c.all_kinds),
                  _bcubed_row("identical names, names", c.baseline_names),
                  _bcubed_row("identical names, all kinds", c.baseline_all_kinds)]
    if report.mention_types is not None:
        lines += _mention_types_text(report.mention_types)
    if report.docred is not None:
        lines.append("== DocRED relations (strict, mapped types)")
        lines += _table("kg", report.docred.relations)
        lines += _table("adjacent-types baseline", report.docred.baseline)
        if report.relations is not None:
            lines += _calibration_text(report.relations)
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Entry point


def evaluate(
    gold_path: str,
    inputs: list[str] | None = None,
    *,
    run: RunPipeline,
    read: ReadInputs | None = None,
    mapping: str | None = None,
    nlp: Callable[[str], Any] | None = None,
    docred_range: tuple[int, int] | None = None,
) -> Report:
    """Runs the pipeline on the gold's documents and scores the result (``docred_range``: only
    DocRED documents START <= i < END, e.g. those a relation model did not train on).

    ``run`` takes documents and returns (extract records, merged graph JSON). ``read`` turns input
    paths into documents (kg's reader, e.g. ``lambda paths: kg.ingest.read_documents(paths)``;
    Skipped results are dropped and their gold documents reported missing); it is needed for gold
    documents given by ``source`` and for ``inputs`` (which then replace the gold's own
    documents; records pair with gold by id).
    DocRED gold carries its own texts; ``mapping`` defaults to redocred_mapping.json beside it.
    CoNLL04-style gold carries its texts too (``inputs`` may replace them). The Wikinews relation
    file has none: ``inputs`` give the articles, else a JSON lines file beside it whose
    documents' ids cover the gold's (see :func:`gold_kind` for how the format is told).
    ``nlp`` parses gold texts when a mention's head word must be found (loaded when needed)."""
    kind = gold_kind(gold_path)
    if kind == "docred":
        if inputs:
            raise UsageError("DocRED gold carries its own documents: give no INPUT")
        return _evaluate_docred(gold_path, run=run, mapping=mapping, docred_range=docred_range)
    if inputs and read is None:
        raise UsageError("reading INPUT files needs kg's reader (read=)")
    if kind == "conll04":
        golds = read_conll04(gold_path)
        documents = _named_as_gold(read(list(inputs)), golds) if inputs else _gold_documents(golds, read=read)
        records, _ = run(documents)
        return score_conll04(golds, records)
    if kind == "wikinews":
        golds = read_wikinews(gold_path)
        if inputs:
            documents = _named_as_gold(read(list(inputs)), golds)
        else:
            texts = _wikinews_texts(gold_path, [g["id"] for g in golds])
            documents = _documents(read([str(texts)])) if read is not None else _text_documents(texts)
        records, _ = run(documents)
        return score_wikinews(golds, records)
    golds = read_gold(gold_path)
    documents = _named_as_gold(read(list(inputs)), golds) if inputs else _gold_documents(golds, read=read)
    records, graph = run(documents)
    if nlp is None and _needs_parse(golds):
        from .nlp import load_model  # only when a head word cannot be found without a parse

        nlp = load_model(None)
    return score_gold(golds, records, graph, nlp=nlp)


def _gold_documents(golds: Sequence[Mapping[str, Any]], *, read: ReadInputs | None) -> list[Document]:
    documents = []
    for gold in golds:
        if isinstance(gold.get("text"), str):
            documents.append(Document(id=gold["id"], text=gold["text"]))
            continue
        source = gold["source"]
        if not Path(source).exists():
            raise EvalError(f"gold document {gold['id']!r}: source {source} not found (paths are relative "
                            "to the project root)")
        if read is None:
            raise UsageError(f"gold document {gold['id']!r} is a file: reading it needs kg's reader (read=)")
        found = _documents(read([source]))
        # One file, one gold document: it answers under the gold's id whatever its file name.
        documents += [replace(found[0], id=gold["id"])] if len(found) == 1 else found
    return documents


def _named_as_gold(results: Iterable[Document | Skipped], golds: Sequence[Mapping[str, Any]]) -> list[Document]:
    """The documents read from INPUT files, each under its gold record's id: the record whose
    ``source`` is that file, else the one named by the file's stem (kg names a file
    ``<stem>-<hash of its text>``; gold files name it by its stem)."""
    ids = {str(g.get("id")) for g in golds}
    by_file = {Path(g["source"]).resolve(): str(g["id"]) for g in golds if isinstance(g.get("source"), str)}
    named = []
    for document in _documents(results):
        gold_id = document.id if document.id in ids else by_file.get(Path(document.source or "").resolve())
        if gold_id is None and without_text_hash(document.id) in ids:
            gold_id = without_text_hash(document.id)
        named.append(replace(document, id=gold_id) if gold_id and gold_id != document.id else document)
    return named


def _documents(results: Iterable[Document | Skipped]) -> list[Document]:
    # An input the reader skipped has no record: its gold document is reported as missing.
    return [r for r in results if isinstance(r, Document)]


def _needs_parse(golds: Sequence[Mapping[str, Any]]) -> bool:
    for gold in golds:
        text = gold.get("text", "")
        for entity in gold.get("entities", []):
            for m in entity.get("mentions", []):
                if isinstance(m.get("head_start"), int) and isinstance(m.get("head_end"), int):
                    continue
                if not m.get("head") or len(_word_spans(m["head"], text, m["start"], m["end"])) != 1:
                    return True
    return False


def _evaluate_docred(path: str, *, run: RunPipeline, mapping: str | None,
                     docred_range: tuple[int, int] | None = None) -> Report:
    data = read_docred(path)
    relation_mapping = read_mapping(mapping or Path(path).with_name("redocred_mapping.json"))
    lo, hi = docred_range or (0, len(data))
    # Documents outside the range are left out whole (a model trained on them is scored on the
    # rest); the others keep their ids, so scores pair with the file's numbering.
    data = [doc if lo <= i < hi else {**doc, "sents": [], "vertexSet": [], "labels": []} for i, doc in enumerate(data)]
    documents = [Document(id=docred_doc_id(i), text=docred_layout(doc)[0], title=doc.get("title"))
                 for i, doc in enumerate(data) if lo <= i < hi]
    records, _ = run(documents)
    predicted = {r["id"]: r for r in records}
    table = majority_relation_table(data, relation_mapping)
    baseline = adjacent_type_baseline(data, predicted, table=table)
    scores = score_docred_relations(data, relation_mapping, predicted)
    return Report(
        kind="docred",
        documents=tuple(d.id for d in documents),
        missing_documents=tuple(d.id for d in documents if d.id not in predicted),
        docred=DocredScores(
            {t: Score(c.right, c.wrong, c.missed) for t, c in scores.types.items()},
            score_docred(data, relation_mapping, baseline),
        ),
        relations=scores,
    )
