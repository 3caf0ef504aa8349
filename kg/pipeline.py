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
from pathlib import Path
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field

import networkx as nx

from .errors import UsageError
from .extract.resolve import KnownEntity, known_entities
from .extract.schema import Schema, load_schema
from .graph import NearDuplicateFinder, build_graph
from .ingest import read_documents
from .extraction import ExtractionSettings, extract_batch, extract_document
from .nlp import model_name, model_version
from .types import Document, Extraction, Skipped

__all__ = [
    "BuildOptions", "ENGINES", "ExtractionSettings", "Summary", "BuildResult", "extract_document", "extract_batch",
    "extract", "build", "build_graph_json", "run_documents", "relation_model_setting",
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
    relation_model: str | None = "default"  # "default": the shipped model; a path; None: rules alone
    min_confidence: float | None = None  # None: the relation model's own default


ENGINES = ("local", "dask")


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
        relation_model=options.relation_model,
        min_confidence=_min_confidence(options),
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


def relation_model_setting(value: str | None) -> str | None:
    """A --relation-model value as BuildOptions takes it: 'none' (the rules alone) -> None;
    'default' or a path as given, a missing file named at once."""
    if value is None or value.lower() == "none":
        return None
    if value != "default" and not Path(value).is_file():
        raise UsageError(f"relation model not found: {value}")
    return value


def _min_confidence(options: BuildOptions) -> float:
    """The threshold in force: the option, else the one the relation model was tuned with on dev
    data (for precision), else none."""
    if options.min_confidence is not None:
        if not 0.0 <= options.min_confidence <= 1.0:
            raise UsageError(f"--min-confidence must be between 0 and 1, not {options.min_confidence}")
        return options.min_confidence
    if options.relation_model is None:
        return 0.0
    from .extract.model import load_relation_model

    return float(load_relation_model(options.relation_model).info.get("min_confidence", 0.0))


def _relation_model_fingerprint(path: str | None) -> str:
    if path is None:
        return ""
    from .extract.model import model_fingerprint

    return model_fingerprint(path)


def _open_cache(options: BuildOptions, settings: ExtractionSettings):
    from .cache import DEFAULT_CACHE_DIR, ExtractionCache, cache_context

    context = cache_context(
        model=settings.model, model_version=model_version(settings.model), schema=settings.schema, known=settings.known,
        relation_model=_relation_model_fingerprint(settings.relation_model), min_confidence=settings.min_confidence,
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
    relation_model: str | None = "default",
    min_confidence: float | None = None,
) -> tuple[dict, Summary]:
    """Build and return the contract's graph JSON (what ``kg load`` sends to Neo4j)."""
    from .sinks.json import graph_to_json

    options = BuildOptions(model=model, schema=schema, aliases=aliases, workers=workers, keep_boilerplate=keep_boilerplate,
                           relation_model=relation_model, min_confidence=min_confidence)
    result = build(inputs, options=options)
    return graph_to_json(result.graph), result.summary


def run_documents(documents: Iterable[Document], *, options: BuildOptions = BuildOptions()) -> tuple[list[dict], dict]:
    """Extract and merge in-memory documents; returns (``kg extract`` records, graph JSON).
    This is what ``kg eval`` scores."""
    from .sinks.json import extraction_record, graph_to_json

    result = build([], options=options, documents=documents)
    return [extraction_record(x) for x in result.extractions], graph_to_json(result.graph)
