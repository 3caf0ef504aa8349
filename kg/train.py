"""Training the relation model (``kg train``) from annotated text.

Gold files of four kinds are read: kg gold JSONL (``text``, entities by name and aliases,
relations by name), CoNLL04-style JSONL (entities with character offsets), the Wikinews relation
file (relations by names and aliases; texts from a documents file), and DocRED (with a mapping of
its relation ids to kg types). Each text goes through kg's own stages (parse, mentions,
resolution, rules), so the model learns from the candidates it will meet at run time; a
candidate is labelled with the gold relation between the gold entities its two mentions stand
for (by offsets where the gold has them, else by name).

The classifier is scikit-learn's multinomial logistic regression (probabilities that an
isotonic map fitted on out-of-fold predictions turns into measured shares right); it is
deterministic for the same data and options.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import UsageError
from .extract.features import Candidate
from .extract.model import FORMAT, NONE, RelationModel, rule_kind
from .extract.schema import Schema, load_schema
from .types import Document

__all__ = ["GoldEntity", "GoldDocument", "read_training_gold", "labelled_candidates", "fit", "train", "TrainReport"]

# CoNLL04's coarse types read as kg's finer ones (eval/README): the finer type is chosen from the
# rules' reading of the pair when they give one, else from the entity types.
_UNRELATED_TYPE = "Other"  # CoNLL04's entities of no relation (nationalities, events, titles)
_COARSE = {"LIVES_IN": ("LIVES_IN", "CITIZEN_OF", "BORN_IN"), "WORKS_FOR": ("WORKS_FOR", "LEADS"),
           "BASED_IN": ("BASED_IN", "LOCATED_IN")}


@dataclass(frozen=True, slots=True)
class GoldEntity:
    names: frozenset[str]  # normalised names and aliases
    spans: tuple[tuple[int, int], ...] = ()  # character offsets of its mentions, where known
    related: bool = True  # False: of a kind its file relates to nothing (CoNLL04's Other)


@dataclass(frozen=True, slots=True)
class GoldDocument:
    document: Document
    entities: tuple[GoldEntity, ...]
    relations: frozenset[tuple[int, str, int]]  # (subject entity, kg type, object entity)
    coarse: bool = False  # CoNLL04: types to be refined (see _COARSE)
    source: str = ""  # which file it came from
    # The relation types its file annotates: a rule's relation of another type is neither right
    # nor wrong there (CoNLL04 has no FOUNDED; a DocRED mapping may lack ACQUIRED).
    annotated: frozenset[str] = frozenset()


# ---------------------------------------------------------------- reading gold files


def _key(name: str) -> str:
    from .ids import name_key

    return name_key(name)


def read_training_gold(path: str | Path, *, mapping: Mapping[str, dict] | None = None,
                       texts: Mapping[str, str] | None = None, docred_range: tuple[int, int] | None = None) -> list[GoldDocument]:
    """The annotated documents of one gold file, whatever its kind."""
    path = Path(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read gold file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    stripped = raw.lstrip()
    if stripped.startswith("["):
        return _docred(path, mapping, docred_range)
    docs = []
    for number, line in enumerate(raw.splitlines(), 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            raise UsageError(f"{path}:{number}: not a JSON line") from None
        if not isinstance(item, dict):
            raise UsageError(f"{path}:{number}: expected a JSON object")
        doc = _gold_line(item, f"{path}:{number}", texts)
        if doc is not None:
            docs.append(doc)
    return _annotating(docs)


def _annotating(docs: list[GoldDocument]) -> list[GoldDocument]:
    """Each document with the types its file annotates: those its relations use (CoNLL04's
    coarse types with the finer types they stand for)."""
    types = {t for d in docs for _, t, _ in d.relations}
    types |= {fine for t in list(types) if any(d.coarse for d in docs) for fine in _COARSE.get(t, ())}
    if any(d.coarse for d in docs) and "WORKS_FOR" in types:
        types.add("MEMBER_OF")  # CoNLL04's Work_For covers party membership (see _refined)
    return [replace(d, annotated=frozenset(types)) for d in docs]


def _gold_line(item: dict, where: str, texts: Mapping[str, str] | None) -> GoldDocument | None:
    doc_id = str(item.get("id") or where)
    text = item.get("text")
    if not isinstance(text, str):
        text = (texts or {}).get(doc_id)
    if not isinstance(text, str):
        if item.get("source"):
            try:
                text = Path(item["source"]).read_text(encoding="utf-8")
            except OSError:
                text = None
        if text is None:
            raise UsageError(f"{where}: no text for document {doc_id!r} (give the texts with --texts FILE)")
    entities: list[GoldEntity] = []
    index: dict[str, int] = {}
    related: set[int] = set()  # entities of a kind the file relates (all but CoNLL04's Other)
    has_spans = False

    def entity_for(name: str, aliases: Iterable[str] = ()) -> int:
        keys = {k for k in (_key(n) for n in (name, *aliases)) if k}
        for k in keys:
            if k in index:
                i = index[k]
                entities[i] = replace(entities[i], names=entities[i].names | keys)
                for k2 in keys:
                    index.setdefault(k2, i)
                return i
        entities.append(GoldEntity(frozenset(keys)))
        for k in keys:
            index[k] = len(entities) - 1
        return len(entities) - 1

    for entity in item.get("entities") or ():
        if not isinstance(entity, dict) or not isinstance(entity.get("name"), str):
            continue
        i = entity_for(entity["name"], entity.get("aliases") or ())
        if isinstance(entity.get("start"), int) and isinstance(entity.get("end"), int):
            has_spans = True
            entities[i] = replace(entities[i], spans=(*entities[i].spans, (entity["start"], entity["end"])))
        for m in entity.get("mentions") or ():
            if isinstance(m, dict) and isinstance(m.get("start"), int) and m.get("kind", "name") == "name":
                entities[i] = replace(entities[i], spans=(*entities[i].spans, (m["start"], m["end"])))
        if entity.get("type") != _UNRELATED_TYPE:
            related.add(i)
    entities = [replace(e, related=i in related) for i, e in enumerate(entities)]
    relations = set()
    for r in item.get("relations") or ():
        if not isinstance(r, dict) or not all(isinstance(r.get(k), str) for k in ("subject", "type", "object")):
            continue
        s = entity_for(r["subject"], r.get("subject_aliases") or ())
        o = entity_for(r["object"], r.get("object_aliases") or ())
        relations.add((s, r["type"], o))
    document = Document(id=doc_id, text=text)
    return GoldDocument(document, tuple(entities), frozenset(relations), coarse=has_spans and _looks_conll(item),
                        source=where.rsplit(":", 1)[0])


def _looks_conll(item: dict) -> bool:
    """CoNLL04-style lines: entities with offsets, no aliases, relation types of CoNLL04's five."""
    entities = item.get("entities") or ()
    return bool(entities) and all(isinstance(e, dict) and "start" in e and "aliases" not in e for e in entities) and all(
        isinstance(r, dict) and r.get("type") in ("LIVES_IN", "WORKS_FOR", "BASED_IN", "LOCATED_IN", "KILLED")
        for r in item.get("relations") or ())


def _docred(path: Path, mapping: Mapping[str, dict] | None, docred_range: tuple[int, int] | None) -> list[GoldDocument]:
    from .eval import _docred_labels, docred_doc_id, docred_layout, read_docred

    if mapping is None:
        raise UsageError(f"{path} is a DocRED file: give its relation mapping with --mapping FILE")
    data = read_docred(path)
    lo, hi = docred_range or (0, len(data))
    docs = []
    for index in range(max(0, lo), min(hi, len(data))):
        doc = data[index]
        text, spans = docred_layout(doc)
        entities = []
        for vertex in doc["vertexSet"]:
            names = frozenset(k for k in (_key(m["name"]) for m in vertex) if k)
            mention_spans = tuple((spans[m["sent_id"]][m["pos"][0]][0], spans[m["sent_id"]][m["pos"][1] - 1][1]) for m in vertex)
            entities.append(GoldEntity(names, mention_spans))
        docs.append(GoldDocument(Document(id=docred_doc_id(index), text=text), tuple(entities),
                                 frozenset(_docred_labels(doc, mapping)),
                                 source=str(path), annotated=frozenset(e["type"] for e in mapping.values())))
    return docs


# ---------------------------------------------------------------- labelling candidates


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _gold_of(mention, entity_names: frozenset[str], gold: GoldDocument) -> set[int]:
    """The gold entities a kg mention stands for: by offsets (a name mention overlapping a gold
    span by at least half of the shorter), else by any name of its kg entity."""
    found = set()
    if mention.kind == "name":
        span = (mention.start, mention.end)
        for i, entity in enumerate(gold.entities):
            for s in entity.spans:
                ov = _overlap(span, s)
                if ov and ov * 2 >= min(span[1] - span[0], s[1] - s[0]):
                    found.add(i)
    if not found:
        for i, entity in enumerate(gold.entities):
            if entity.names & entity_names and (not entity.spans or mention.kind != "name"):
                found.add(i)
    return found


def _refined(coarse_type: str, candidate: Candidate, direction: str, membership: frozenset[str] = frozenset()) -> str:
    """A CoNLL04 type as kg's finer type: what a rule read on the pair in this direction, if one
    of the finer types; else by the object's kind."""
    options = _COARSE.get(coarse_type)
    if not options:
        return coarse_type
    for t, d, _ in candidate.rules:
        if d == direction and t in options:
            return t
    subject, obj = (candidate.first, candidate.second) if direction == ">" else (candidate.second, candidate.first)
    words = obj.text.lower().split()
    if coarse_type == "WORKS_FOR" and words and words[-1] in membership:
        return "MEMBER_OF"  # kg's convention: a party's or a team's people are its members
    if coarse_type == "LIVES_IN" and "Country" in _types_of(candidate, direction)[1]:
        return "CITIZEN_OF"
    if coarse_type == "BASED_IN" and subject.type in ("Location", "Facility"):
        return "LOCATED_IN"
    return coarse_type


def _types_of(candidate: Candidate, direction: str) -> tuple[str, str]:
    t = next((f[2:] for f in candidate.features if f.startswith("t=")), "|")
    a, _, b = t.partition("|")
    return (a, b) if direction == ">" else (b, a)


# The label of a candidate the gold can say nothing about: its two mentions stand for one gold
# entity ("Halden, Varnia" as one gold name, two for kg), or one stands only for an entity of a
# kind its file relates to nothing ("a Jordanian citizen": CoNLL04 types "Jordanian" Other).
UNJUDGED = "unjudged"


def label(candidate: Candidate, gold: GoldDocument, names: Mapping[str, frozenset[str]], symmetric: frozenset[str],
          membership: frozenset[str] = frozenset()) -> str:
    """The class of a candidate: "TYPE>" (first relates to second), "TYPE<", NONE, or UNJUDGED."""
    ga = _gold_of(candidate.first, names.get(candidate.first.entity, frozenset()), gold)
    gb = _gold_of(candidate.second, names.get(candidate.second.entity, frozenset()), gold)
    if ga & gb or any(g and not any(gold.entities[i].related for i in g) for g in (ga, gb)):
        return UNJUDGED
    if not ga or not gb:
        return NONE
    found = []
    for s, t, o in gold.relations:
        if s in ga and o in gb:
            found.append((t, ">"))
        elif s in gb and o in ga:
            found.append((t, ">" if t in symmetric else "<"))
    if not found:
        return NONE
    t, d = sorted(found)[0]
    if gold.coarse:
        t = _refined(t, candidate, d, membership)
    return t + d


@dataclass(slots=True)
class Example:
    candidate: Candidate
    label: str
    doc: str
    source: str
    annotated: frozenset[str] = frozenset()
    pseudo: bool = False  # labelled with a rule's reading, not by gold (see _pseudo_labelled)
    unjudged: bool = False  # labelled UNJUDGED: trained as none, no rule measured on it

    @property
    def unknown(self) -> bool:
        """No gold relation, but a rule read one of a type the gold does not annotate: the
        gold says nothing about it."""
        return self.label == NONE and any(t not in self.annotated for t, _, _ in self.candidate.rules)


def _pseudo_labelled(examples: Sequence[Example]) -> list[Example]:
    """Where the gold does not annotate the type a rule read, the rule's reading stands as the
    label ("X was born in Y" in a file that annotates only visits is a birth, not a visit and not
    nothing). Such examples shape the classes but are never used to measure anything."""
    out = []
    for e in examples:
        if e.unknown:
            t, d, _ = sorted(r for r in e.candidate.rules if r[0] not in e.annotated)[0]
            e = replace(e, label=t + d, pseudo=True)
        out.append(e)
    return out


def labelled_candidates(golds: Sequence[GoldDocument], *, schema: Schema, model: str | None = None,
                        progress: Callable[[int], None] | None = None) -> list[Example]:
    """kg's candidates in every gold document, each with its gold class."""
    from .extract.features import candidates
    from .extract.resolve import known_entities
    from .extraction import document_stages
    from .nlp import load_model, memory_zone, model_name, parse

    nlp = load_model(model_name(model))
    known = known_entities(None)
    symmetric = frozenset(r.name for r in schema.relations if r.symmetric)
    membership = schema.lexicon.membership_heads if schema.get("MEMBER_OF") else frozenset()
    by_id = {g.document.id: g for g in golds}
    examples: list[Example] = []
    with memory_zone(nlp):
        for document, chunks in parse(nlp, [g.document for g in golds], batch_size=32):
            gold = by_id[document.id]
            entities, _, per_chunk = document_stages(document, chunks, schema=schema, known=known)
            names = {e.id: frozenset(k for k in (_key(n) for n in (e.name, *e.aliases, *(m.text for m in e.mentions if m.kind == "name"))) if k)
                     for e in entities}
            for chunk, mentions, rules in per_chunk:
                for candidate in candidates(chunk.doc, mentions, rules, schema, offset=chunk.offset):
                    found = label(candidate, gold, names, symmetric, membership)
                    examples.append(Example(candidate, NONE if found == UNJUDGED else found, document.id, gold.source,
                                            gold.annotated, unjudged=found == UNJUDGED))
            if progress:
                progress(1)
    return examples


# ---------------------------------------------------------------- fitting


@dataclass(slots=True)
class TrainReport:
    examples: int
    positives: int
    heldout: dict[str, dict[str, float]] = field(default_factory=dict)  # type -> p, r, f1, support
    calibration: tuple = ()  # kg.eval.CalibrationBand per confidence band

    def lines(self) -> list[str]:
        out = [f"candidates: {self.examples} ({self.positives} with a gold relation)"]
        if self.heldout:
            out.append("held-out candidates (documents the model did not see):")
            out.append(f"  {'type':<16} {'P':>6} {'R':>6} {'F1':>6} {'gold':>6}")
            for t, s in sorted(self.heldout.items(), key=lambda kv: (kv[0] == "all", kv[0])):
                out.append(f"  {t:<16} {s['p']:6.3f} {s['r']:6.3f} {s['f1']:6.3f} {int(s['support']):6d}")
        if self.calibration:
            out.append("calibration on held-out candidates (confidence band: predictions, share right):")
            out += [f"  {b.low:.1f}-{b.high:.1f}: {b.count:5d} {b.share_right:.3f}" for b in self.calibration if b.count]
        return out


def _split(doc_id: str, folds: int) -> int:
    return int(hashlib.sha256(doc_id.encode()).hexdigest(), 16) % folds


def _weights(examples: Sequence[Example]) -> list[float]:
    """Each gold file weighs the same in the loss, whatever its size (a few hundred news
    sentences are not drowned by thousands of Wikipedia pairs)."""
    sizes = Counter(e.source for e in examples)
    total = len(examples)
    return [total / (len(sizes) * sizes[e.source]) for e in examples]


_RULE_FEATURES = ("rule=", "rk=", "rn=", "rt=", "norule")


def _without_rules(examples: Sequence[Example]) -> list[Example]:
    """The same examples with no feature of what the rules found (the "model alone" variant)."""
    return [replace(e, candidate=replace(e.candidate, features=tuple(
        f for f in e.candidate.features if not f.startswith(_RULE_FEATURES)))) for e in examples]


def _fit_lr(examples: Sequence[Example], *, c: float, min_count: int):
    from sklearn.feature_extraction import DictVectorizer
    from sklearn.linear_model import LogisticRegression

    counts = Counter(f for e in examples for f in set(e.candidate.features))
    keep = {f for f, n in counts.items() if n >= min_count}
    vectorizer = DictVectorizer(sort=True)
    x = vectorizer.fit_transform([{f: 1 for f in e.candidate.features if f in keep} for e in examples])
    y = [e.label for e in examples]
    lr = LogisticRegression(C=c, max_iter=1000, tol=1e-4)
    lr.fit(x, y, sample_weight=_weights(examples))
    return vectorizer, lr


def _to_model(vectorizer, lr, *, threshold: float = 1e-3) -> tuple[tuple[str, ...], dict, tuple[float, ...]]:
    classes = tuple(str(c) for c in lr.classes_)
    coef = lr.coef_
    if coef.shape[0] == 1:  # two classes: scikit-learn keeps one row
        coef = [-coef[0] / 2, coef[0] / 2]
        intercepts = (float(-lr.intercept_[0] / 2), float(lr.intercept_[0] / 2))
    else:
        intercepts = tuple(round(float(v), 5) for v in lr.intercept_)
    weights: dict[str, tuple[tuple[int, float], ...]] = {}
    names = vectorizer.get_feature_names_out()
    for j, name in enumerate(names):
        ws = tuple((i, round(float(coef[i][j]), 4)) for i in range(len(classes)) if abs(coef[i][j]) >= threshold)
        if ws:
            weights[str(name)] = ws
    return classes, weights, intercepts


def _best(model: RelationModel, candidate: Candidate, schema: Schema) -> tuple[str, float]:
    from .extract.model import predict

    found = predict(model, candidate, schema)
    if found is None:
        return NONE, 0.0
    name, reverse, probability, _ = found
    return name + ("<" if reverse else ">"), probability


def _same(predicted: str, gold: str) -> bool:
    if predicted == gold:
        return True
    # a head of an organisation works for it (the gold conventions count LEADS for WORKS_FOR)
    return predicted[:-1] == "LEADS" and gold[:-1] == "WORKS_FOR" and predicted[-1] == gold[-1]


def _isotonic(pairs: Sequence[tuple[float, bool]]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    from sklearn.isotonic import IsotonicRegression

    if len(pairs) < 10:
        return (0.0, 1.0), (0.0, 1.0)
    xs = [p for p, _ in pairs]
    ys = [1.0 if ok else 0.0 for _, ok in pairs]
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0.0, y_max=1.0, increasing=True)
    iso.fit(xs, ys)
    return _centred(list(iso.X_thresholds_), list(iso.y_thresholds_))


def _centred(xs: list[float], ys: list[float]) -> tuple[tuple[float, ...], tuple[float, ...]]:
    """The isotonic steps as a line through the middle of each step (centred isotonic
    regression, Oron and Flournoy 2017): strictly rising from the first step's middle to the
    last one's (flat beyond), so that a retrain on slightly different candidates moves a score
    by a little, not across a threshold by a whole step."""
    blocks: list[list[float]] = []  # [first x, last x, y]
    for x, y in zip(xs, ys):
        if blocks and blocks[-1][2] == y:
            blocks[-1][1] = x
        else:
            blocks.append([x, x, y])
    points: list[tuple[float, float]] = []
    for x, y in [(xs[0], ys[0]), *(((a + b) / 2, y) for a, b, y in blocks), (xs[-1], ys[-1])]:
        if not points or x > points[-1][0]:
            points.append((x, y))
    return tuple(round(float(x), 5) for x, _ in points), tuple(round(float(y), 5) for _, y in points)


def _scores(pairs: Iterable[tuple[str, str]]) -> dict[str, dict[str, float]]:
    tp, fp, fn = Counter(), Counter(), Counter()
    for predicted, gold in pairs:
        if predicted != NONE and _same(predicted, gold):
            tp[gold[:-1]] += 1
            continue
        if predicted != NONE:
            fp[predicted[:-1]] += 1
        if gold != NONE:
            fn[gold[:-1]] += 1
    out = {}
    for t in sorted(set(tp) | set(fp) | set(fn)) + ["all"]:
        a = sum(tp.values()) if t == "all" else tp[t]
        b = sum(fp.values()) if t == "all" else fp[t]
        c = sum(fn.values()) if t == "all" else fn[t]
        p = a / (a + b) if a + b else 0.0
        r = a / (a + c) if a + c else 0.0
        out[t] = {"p": p, "r": r, "f1": 2 * p * r / (p + r) if p + r else 0.0, "support": a + c}
    return out


_MIN_RULE_SUPPORT = 5  # a rule kind's precision for one type is used from this many firings on


# A file annotates a type between two kinds of entity when that many of its gold relations of
# the type, and that share of them, join those kinds on kg's candidates (fewer are strays:
# kg's own mistyped entities, or the odd relation an annotator gave).
_MIN_KIND_SUPPORT = 5
_MIN_KIND_SHARE = 0.05


def _annotated_kinds(examples: Sequence[Example]) -> dict[str, frozenset[tuple[str, str, str]]]:
    """Per gold file, the (type, subject kind, object kind) its gold relations link on kg's
    candidates: CoNLL04's Work_For joins people and organisations, so a LEADS between a person
    and a country (a head of state) is a fact that file never annotates, neither right nor
    wrong there."""
    counts: Counter = Counter()
    per_type: Counter = Counter()
    for e in examples:
        if e.label == NONE or e.pseudo:
            continue
        t, d = e.label[:-1], e.label[-1]
        a, b = _types_of(e.candidate, d)
        for name in (t, "LEADS") if t == "WORKS_FOR" else (t,):  # a head works for it (see _same)
            counts[(e.source, name, a, b)] += 1
            per_type[(e.source, name)] += 1
    out: dict[str, set] = {}
    for (source, t, a, b), n in counts.items():
        if n >= _MIN_KIND_SUPPORT and n >= _MIN_KIND_SHARE * per_type[(source, t)]:
            out.setdefault(source, set()).add((t, a, b))
    return {source: frozenset(kinds) for source, kinds in out.items()}


def _measures(e: Example, predicted: str, kinds: Mapping[str, frozenset[tuple[str, str, str]]]) -> bool:
    """Whether the gold of ``e``'s file tells if ``predicted`` is right: not for a pseudo-label,
    not for an UNJUDGED candidate, and not for a type between kinds the file never links by it
    (unless the gold gives that very relation)."""
    if e.pseudo or e.unjudged:
        return False
    if predicted == NONE or _same(predicted, e.label):
        return True
    t, d = predicted[:-1], predicted[-1]
    return (t, *_types_of(e.candidate, d)) in kinds.get(e.source, frozenset())


def _rule_precision(examples: Sequence[Example], *, symmetric: frozenset[str] = frozenset()) -> dict[str, float]:
    """The share of right relations among the rules' relations on the gold candidates where the
    gold can tell (:func:`_measures`): per "TYPE|kind", per kind and overall ("*"), smoothed
    toward the next coarser figure. A symmetric type's gold label runs one way (see
    :func:`label`): a rule's reading of it the other way is the same fact."""
    hits, seen = Counter(), Counter()
    kinds = _annotated_kinds(examples)
    for e in examples:
        for t, d, rule in set(e.candidate.rules):
            read = t + (">" if t in symmetric else d)
            if t not in e.annotated or not _measures(e, read, kinds):
                continue
            right = _same(read, e.label)
            for key in (f"{t}|{rule_kind(rule)}", rule_kind(rule), "*"):
                seen[key] += 1
                hits[key] += right
    overall = (hits["*"] + 1) / (seen["*"] + 2) if seen["*"] else 0.5
    by_kind = {k: (hits[k] + 2 * overall) / (seen[k] + 2) for k in seen if "|" not in k and k != "*"}
    table = {"*": overall, **by_kind}
    for key in seen:
        if "|" in key and seen[key] >= _MIN_RULE_SUPPORT:
            prior = by_kind.get(key.split("|", 1)[1], overall)
            table[key] = (hits[key] + 2 * prior) / (seen[key] + 2)
    return {k: round(v, 4) for k, v in table.items()}


def fit(examples: Sequence[Example], schema: Schema, *, c: float = 0.5, min_count: int = 2, folds: int = 5,
        info: Mapping[str, Any] | None = None) -> tuple[RelationModel, TrainReport]:
    """The relation model for these examples, its calibration from out-of-fold predictions
    (folds by document), and a report of held-out scores."""
    if not any(e.label != NONE for e in examples):
        raise UsageError("the gold files give no relation between the entities kg finds: nothing to learn")
    # The measured precision of each rule kind, for relations the rules alone find.
    symmetric = frozenset(r.name for r in schema.relations if r.symmetric)
    rule_precision = _rule_precision(examples, symmetric=symmetric)
    examples = _pseudo_labelled(examples)
    oof: list[tuple[Example, str, float]] = []
    for fold in range(folds):
        train_part = [e for e in examples if _split(e.doc, folds) != fold]
        test_part = [e for e in examples if _split(e.doc, folds) == fold]
        if not test_part or len({e.label for e in train_part}) < 2:
            continue
        vectorizer, lr = _fit_lr(train_part, c=c, min_count=min_count)
        classes, weights, intercepts = _to_model(vectorizer, lr)
        model = RelationModel(classes, weights, intercepts)
        for e in test_part:
            predicted, probability = _best(model, e.candidate, schema)
            if predicted[:-1] in symmetric:  # gold labels of a symmetric type run one way
                predicted = predicted[:-1] + ">"
            if not e.pseudo:
                oof.append((e, predicted, probability))
    # The map is fitted on every held-out prediction of the model, unjudged ones too: leaving those
    # out (as the rules' precision does) lifted the low end above what the dev sets find right
    # (tried: GUM precision at the default threshold fell from 0.778 to 0.745).
    calibration = _isotonic([(p, _same(pred, e.label)) for e, pred, p in oof if pred != NONE])
    vectorizer, lr = _fit_lr(examples, c=c, min_count=min_count)
    classes, weights, intercepts = _to_model(vectorizer, lr)
    model = RelationModel(classes, weights, intercepts, calibration, rule_precision, dict(info or {}))
    report = TrainReport(len(examples), sum(e.label != NONE and not e.pseudo for e in examples))
    if oof:
        from .eval import calibration_bands

        cal = RelationModel(classes, {}, intercepts, calibration)
        report.heldout = _scores((pred if cal.calibrated(p) >= 0.5 else NONE, e.label) for e, pred, p in oof)
        report.calibration = calibration_bands((cal.calibrated(p), _same(pred, e.label)) for e, pred, p in oof if pred != NONE)
    return model, report


def train(gold_paths: Sequence[str], out: str, *, schema_path: str | None = None, mapping_path: str | None = None,
          texts_path: str | None = None, docred_range: tuple[int, int] | None = None, model: str | None = None,
          c: float = 0.5, min_count: int = 2, min_confidence: float = 0.5,
          progress: Callable[[int], None] | None = None, extra_info: Mapping[str, Any] | None = None,
          use_rules: bool = True) -> TrainReport:
    """Read gold files, label kg's candidates in them, fit, write the model file to ``out``."""
    from .eval import read_mapping
    from .nlp import model_name, model_version

    schema = load_schema(schema_path)
    mapping = read_mapping(mapping_path) if mapping_path else None
    texts = _texts(texts_path) if texts_path else None
    golds: list[GoldDocument] = []
    for path in gold_paths:
        golds.extend(read_training_gold(path, mapping=mapping, texts=texts, docred_range=docred_range))
    if not golds:
        raise UsageError("the gold files hold no documents")
    ids = Counter(g.document.id for g in golds)
    if any(n > 1 for n in ids.values()):
        golds = [GoldDocument(Document(id=f"{g.source}#{g.document.id}", text=g.document.text), g.entities, g.relations,
                              g.coarse, g.source) for g in golds]
    examples = labelled_candidates(golds, schema=schema, model=model, progress=progress)
    if not use_rules:
        examples = _without_rules(examples)
    info = {
        "data": [str(p) for p in gold_paths], "docred_range": list(docred_range) if docred_range else None,
        "spacy_model": model_name(model), "spacy_model_version": model_version(model_name(model)),
        "c": c, "min_count": min_count, "min_confidence": min_confidence, "format": FORMAT, "rules": use_rules,
        **dict(extra_info or {}),
    }
    info["measured_types"] = sorted({t for g in golds for t in g.annotated})
    fitted, report = fit(examples, schema, c=c, min_count=min_count, info=info)
    info["heldout"] = report.heldout
    fitted = RelationModel(fitted.classes, fitted.weights, fitted.intercepts, fitted.calibration, fitted.rule_precision, info)
    fitted.save(out)
    return report


def _texts(path: str) -> dict[str, str]:
    out = {}
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read texts file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    for line in lines:
        if line.strip():
            item = json.loads(line)
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                out[str(item.get("id"))] = item["text"]
    return out

