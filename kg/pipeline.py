"""The order of kg's stages, in one place:

    inputs -> documents (ingest) -> parsed chunks (nlp) -> mentions -> entities (resolve)
           -> relations -> per-document Extraction            (the map: pure, per document)
    extractions -> corpus-wide entities -> graph (graph)        (the reduce: deterministic)
    graph -> sinks (JSON, GraphML, Neo4j, CSV)

Per-document extraction depends only on the document, the model, the schema and the aliases,
so it can run in other processes, be cached, or run on a cluster.
"""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

import networkx as nx

from .errors import UsageError
from .extract.resolve import KnownEntity, known_entities, resolve_document
from .extract.schema import Schema, load_schema
from .graph import NearDuplicateFinder, build_graph
from .ingest import read_documents
from .nlp import Chunk, analysed_text, load_model, memory_zone, model_name, model_version, parse
from .types import Document, Evidence, Extraction, Mention, Skipped

__all__ = [
    "BuildOptions", "ENGINES", "ExtractionSettings", "Summary", "BuildResult", "extract_document", "extract_batch",
    "extract", "build", "build_graph_json", "run_documents",
]


@dataclass(frozen=True, slots=True)
class BuildOptions:
    model: str | None = None
    schema: str | None = None
    aliases: str | None = None
    workers: int = 1
    keep_boilerplate: bool = False
    batch_size: int = 32  # documents per nlp.pipe batch and per unit of work sent to a worker
    use_cache: bool = False  # the command line turns it on; library calls stay pure by default
    cache_dir: str | None = None  # None: kg.cache.DEFAULT_CACHE_DIR
    engine: str = "local"  # "local": this machine, --workers processes; "dask": a Dask cluster
    scheduler: str | None = None  # Dask scheduler address; None: a local Dask cluster


ENGINES = ("local", "dask")


@dataclass(frozen=True, slots=True)
class ExtractionSettings:
    """Everything the map step needs besides the documents: shipped once to each worker process
    or cluster node, which loads the model itself (once per process)."""

    model: str
    schema: Schema
    known: tuple[KnownEntity, ...] = ()
    batch_size: int = 32


@dataclass(slots=True)
class Summary:
    """What a run did, for the closing report."""

    documents: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    boilerplate_chars: int = 0
    body_chars: int = 0
    entities_by_type: Counter = field(default_factory=Counter)
    relations_by_type: Counter = field(default_factory=Counter)
    near_duplicates: int = 0
    seconds: float = 0.0

    def lines(self) -> list[str]:
        out = [f"documents: {self.documents} read, {len(self.skipped)} skipped"]
        out += [f"  skipped {s.source}: {s.reason}" for s in self.skipped]
        total = self.boilerplate_chars + self.body_chars
        if total:
            share = 100.0 * self.boilerplate_chars / total
            out.append(f"set aside as page furniture: {self.boilerplate_chars} characters ({share:.0f}%)")
        out.append(f"entities: {sum(self.entities_by_type.values())} " + _counts(self.entities_by_type))
        out.append(f"relations: {sum(self.relations_by_type.values())} " + _counts(self.relations_by_type))
        if self.near_duplicates:
            out.append(f"near-duplicate document pairs: {self.near_duplicates}")
        out.append(f"time: {self.seconds:.1f}s")
        return out


def _counts(counter: Counter) -> str:
    return "(" + ", ".join(f"{k} {v}" for k, v in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))) + ")" if counter else ""


@dataclass(slots=True)
class BuildResult:
    graph: nx.MultiDiGraph
    extractions: list[Extraction]  # with corpus-wide entity ids
    summary: Summary


def extract_document(
    document: Document,
    chunks: Sequence[Chunk],
    *,
    schema: Schema,
    known: Sequence[KnownEntity] = (),
) -> Extraction:
    """The map step: one parsed document -> its entities and relations."""
    # Here, not at the top: these read spaCy's Docs and import spaCy, which a run answered from
    # the cache never needs.
    from .extract.mentions import find_mentions
    from .extract.relations import find_relations

    names, refs = find_mentions(chunks)
    subjects, examples = _mention_roles(chunks, names)
    sentence_starts = sorted(sent.start_char + c.offset for c in chunks for sent in c.doc.sents)
    analysed = analysed_text(document)
    entities = resolve_document(
        document.id, analysed, names, refs,
        known=known, subjects=subjects, sentence_starts=sentence_starts, examples=examples,
    )
    mentions = sorted((m for e in entities for m in e.mentions), key=lambda m: (m.start, m.end))
    relations = []
    for chunk in chunks:
        inside = _outermost([m for m in mentions if chunk.offset <= m.start and m.end <= chunk.end])
        relations.extend(find_relations(chunk.doc, inside, schema, doc_id=document.id, offset=chunk.offset))
    stats = {"boilerplate_chars": document.boilerplate_chars}
    relations = [replace(r, evidence=_trimmed(r.evidence, document.text, analysed)) for r in relations]
    return Extraction(document, entities, tuple(relations), stats)


def _trimmed(evidence: Evidence, text: str, analysed: str) -> Evidence:
    """Evidence offsets without the blanked furniture or spaces a parsed sentence may start or
    end with, so ``text[start:end]`` is the sentence."""
    piece = analysed[evidence.start:evidence.end]
    start = evidence.start + len(piece) - len(piece.lstrip())
    end = evidence.end - (len(piece) - len(piece.rstrip()))
    if end <= start:
        return evidence
    sentence = text[start:end] if text[start:end] == analysed[start:end] else analysed[start:end]
    return replace(evidence, sentence=sentence, start=start, end=end)


def _outermost(mentions: Sequence[Mention]) -> list[Mention]:
    """Mentions not nested inside another (a place inside an institution's name is a mention of
    the place, but relations are read between whole names)."""
    kept: list[Mention] = []
    reach = -1
    for mention in sorted(mentions, key=lambda m: (m.start, -m.end)):
        if mention.end <= reach and kept and (kept[-1].start, kept[-1].end) != (mention.start, mention.end):
            continue
        kept.append(mention)
        reach = max(reach, mention.end)
    return sorted(kept, key=lambda m: (m.start, m.end))


def _mention_roles(chunks: Sequence[Chunk], mentions: Iterable[Mention]) -> tuple[frozenset[int], frozenset[int]]:
    """Start offsets of the mentions that are grammatical subjects, and of those given as
    examples ("retailers such as X", "firms like X", "including X"): both matter to salience."""
    subjects, examples = set(), set()
    for mention in mentions:
        chunk = next((c for c in chunks if c.offset <= mention.start < c.end), None)
        if chunk is None:
            continue
        span = chunk.doc.char_span(mention.start - chunk.offset, mention.end - chunk.offset, alignment_mode="expand")
        if span is None or not len(span):
            continue
        if _given_as_example(span.root):
            examples.add(mention.start)
        elif span.root.dep_ in {"nsubj", "nsubjpass"}:
            subjects.add(mention.start)
    return frozenset(subjects), frozenset(examples)


def _given_as_example(token) -> bool:
    while token.dep_ == "conj" and token.head is not token:  # "such as X and Y": Y too
        token = token.head
    if token.dep_ == "nsubj" and token.head.dep_ == "pcomp":  # "such as X dropping ..."
        token = token.head
    if token.dep_ not in {"pobj", "pcomp"}:
        return False
    prep = token.head
    word = prep.lower_
    return (word == "as" and any(c.lower_ == "such" for c in prep.children)) or (
        word == "like" and prep.head.pos_ in {"NOUN", "PROPN"}) or word == "including"


def extract(
    documents: Iterable[Document],
    *,
    options: BuildOptions = BuildOptions(),
    schema: Schema | None = None,
    known: Sequence[KnownEntity] | None = None,
) -> Iterator[Extraction]:
    """Parse and extract a stream of documents, one Extraction per document, in input order.

    Documents found in the cache (``options.use_cache``) are not parsed; the others go in batches
    to this process, to ``options.workers`` processes, or to a Dask cluster (``options.engine``).
    Whichever runs them, each document's Extraction is the same."""
    from .workers import open_runner, ordered_extractions

    if options.engine not in ENGINES:
        raise UsageError(f"unknown --engine {options.engine!r}: use one of {', '.join(ENGINES)}")
    settings = ExtractionSettings(
        model=model_name(options.model),
        schema=schema if schema is not None else load_schema(options.schema),
        known=tuple(known if known is not None else known_entities(options.aliases)),
        batch_size=options.batch_size,
    )
    cache = _open_cache(options, settings) if options.use_cache else None
    try:
        # A cache with entries means a rebuild: most documents come from it, and the model loads
        # in a worker process meanwhile instead of after it.
        background = cache is not None and options.engine == "local" and cache.has_entries()
        with open_runner(settings, workers=options.workers, engine=options.engine, scheduler=options.scheduler,
                         background=background) as runner:
            yield from ordered_extractions(documents, runner=runner, cache=cache, batch_documents=options.batch_size)
    finally:
        if cache is not None:
            cache.close()


def extract_batch(documents: Sequence[Document], settings: ExtractionSettings) -> list[Extraction]:
    """The map over a batch of documents, in one process: parse, then extract each document.
    Parsed Docs exist only inside this call, in a spaCy memory zone, so the vocabulary of a long
    run does not keep every word it ever met; only the plain Extractions leave."""
    nlp = load_model(settings.model)
    with memory_zone(nlp):
        return [
            extract_document(document, chunks, schema=settings.schema, known=settings.known)
            for document, chunks in parse(nlp, documents, batch_size=settings.batch_size)
        ]


def _open_cache(options: BuildOptions, settings: ExtractionSettings):
    from .cache import DEFAULT_CACHE_DIR, ExtractionCache, cache_context

    context = cache_context(
        model=settings.model, model_version=model_version(settings.model), schema=settings.schema, known=settings.known,
    )
    return ExtractionCache(options.cache_dir or DEFAULT_CACHE_DIR, context=context)


def build(
    inputs: Sequence[str],
    *,
    options: BuildOptions = BuildOptions(),
    on_document: Callable[[Document], None] | None = None,
    on_skip: Callable[[Skipped], None] | None = None,
    documents: Iterable[Document] | None = None,
) -> BuildResult:
    """Read inputs (or the given documents), extract every document, merge into one graph."""
    started = time.perf_counter()
    summary = Summary()
    schema = load_schema(options.schema)
    known = known_entities(options.aliases)

    def readable() -> Iterator[Document]:
        source = documents if documents is not None else read_documents(inputs, keep_boilerplate=options.keep_boilerplate)
        for item in source:
            if isinstance(item, Skipped):
                summary.skipped.append(item)
                if on_skip:
                    on_skip(item)
                continue
            yield item

    extractions = []
    near = NearDuplicateFinder()  # fed as documents arrive: work done while parsing goes on elsewhere
    for extraction in extract(readable(), options=options, schema=schema, known=known):
        extractions.append(extraction)
        document = extraction.document
        near.add(document)
        summary.documents += 1
        summary.boilerplate_chars += extraction.stats.get("boilerplate_chars", 0)  # counted once, by the map
        summary.body_chars += sum(e - s for s, e in document.body_spans())
        if on_document:
            on_document(document)
    graph, local = build_graph(extractions, known=known, near=near.pairs())
    for _, data in graph.nodes(data=True):
        if data.get("kind") == "entity":
            summary.entities_by_type[data["type"]] += 1
    for _, _, data in graph.edges(data=True):
        if data.get("type") == "NEAR_DUPLICATE_OF":
            summary.near_duplicates += 1
        elif data.get("type") != "MENTIONS":
            summary.relations_by_type[data["type"]] += 1
    summary.seconds = time.perf_counter() - started
    return BuildResult(graph, local, summary)


def build_graph_json(
    inputs: list[str],
    *,
    model: str | None = None,
    schema: str | None = None,
    aliases: str | None = None,
    workers: int = 1,
    keep_boilerplate: bool = False,
) -> tuple[dict, Summary]:
    """Build and return the contract's graph JSON (what ``kg load`` sends to Neo4j)."""
    from .sinks.json import graph_to_json

    options = BuildOptions(model=model, schema=schema, aliases=aliases, workers=workers, keep_boilerplate=keep_boilerplate)
    result = build(inputs, options=options)
    return graph_to_json(result.graph), result.summary


def run_documents(documents: Iterable[Document], *, options: BuildOptions = BuildOptions()) -> tuple[list[dict], dict]:
    """Extract and merge in-memory documents; returns (``kg extract`` records, graph JSON).
    This is what ``kg eval`` scores."""
    from .sinks.json import extraction_record, graph_to_json

    result = build([], options=options, documents=documents)
    return [extraction_record(x) for x in result.extractions], graph_to_json(result.graph)
