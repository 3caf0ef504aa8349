"""kg's command line. Each command parses its options, calls one library function, prints.
Errors kg raises on purpose (``KgError``) become one line on stderr, never a traceback."""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from .errors import UsageError
from .cli_neo4j import load_command, query_command, remove_command
from .cli_support import check_outcome, document_progress, run_app
from .cli_view import view_command

__all__ = ["app", "main"]

app = typer.Typer(
    name="kg",
    help="Build a knowledge graph of people, organisations and places from news articles, offline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        typer.echo(f"kg {version('kg')}")
        raise typer.Exit()


@app.callback()
def _main_options(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Print kg's version and exit.")] = False,
) -> None:
    """Build a knowledge graph of people, organisations and places from news articles, offline."""

Inputs = Annotated[list[str], typer.Argument(help="Files, folders (recursive), globs, or - for stdin (.txt .md .html .jsonl).", metavar="INPUT", show_default=False)]
SchemaOpt = Annotated[Optional[str], typer.Option("--schema", help="Relation schema file (TOML) adding or replacing relation types.")]
AliasesOpt = Annotated[Optional[str], typer.Option("--aliases", help="Known entities (JSON, JSON lines or CSV: name, type, aliases).")]
ModelOpt = Annotated[Optional[str], typer.Option("--model", help="Any installed spaCy pipeline (default: the small English one).")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=1, help="Processes for parsing and extraction.")]
BoilerOpt = Annotated[bool, typer.Option("--keep-boilerplate", help="Analyse page furniture too (captions, comments, navigation).")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")]
CacheOpt = Annotated[str, typer.Option("--cache", metavar="DIR", envvar="KG_CACHE", help="Keep per-document extractions here; a rebuild parses only new or changed documents.")]
NoCacheOpt = Annotated[bool, typer.Option("--no-cache", help="Neither read nor write the extraction cache.")]
EngineOpt = Annotated[str, typer.Option("--engine", help="local (this machine, --workers processes) or dask (a Dask cluster).")]
SchedulerOpt = Annotated[Optional[str], typer.Option("--scheduler", metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://HOST:8786 (without it, --engine dask starts a local cluster of --workers processes).")]

RelationModelOpt = Annotated[str, typer.Option("--relation-model", metavar="PATH", help="Relation model file from `kg train`; 'default' is the one shipped with kg, 'none' uses the rules alone.")]
MinConfidenceOpt = Annotated[Optional[float], typer.Option("--min-confidence", min=0.0, max=1.0, help="Drop relations whose confidence (a measured probability) is below this (default: the relation model's, chosen on dev data for precision).")]

StrictOpt = Annotated[bool, typer.Option("--strict", help="Fail (exit 1) and write nothing when any input is skipped.")]

_FORMATS = ("graphml", "graphml-yed", "gexf", "json", "neo4j-csv", "html")


def _options(model, schema, aliases, workers, keep_boilerplate, *, cache=None, no_cache=True, engine="local", scheduler=None,
             relation_model="default", min_confidence=None):
    from .pipeline import BuildOptions, relation_model_setting

    return BuildOptions(
        model=model, schema=schema, aliases=aliases, workers=workers, keep_boilerplate=keep_boilerplate,
        use_cache=not no_cache, cache_dir=cache, engine=engine, scheduler=scheduler,
        relation_model=relation_model_setting(relation_model), min_confidence=min_confidence,
    )




def _run(inputs: list[str], options, *, quiet: bool):
    """Build with a progress bar on stderr (shown on terminals) and skipped inputs named."""
    from tqdm import tqdm

    from .pipeline import build

    def skipped(item) -> None:
        tqdm.write(f"kg: skipped {item.source}: {item.reason}", file=sys.stderr)
        bar.update(1)  # counted in the total

    with document_progress(inputs, quiet=quiet) as bar:
        return build(inputs, options=options, on_document=lambda _doc: bar.update(1), on_skip=skipped)


def _summarise(summary, *, quiet: bool) -> None:
    if not quiet:
        lines = summary.lines() if summary.documents else summary.lines()[:1]  # no zero counts after "0 read"
        for line in lines:
            if not line.startswith("  skipped"):  # already named as they happened
                typer.echo(line, err=True)


def _output_format(out: str, fmt: str | None) -> str:
    if fmt:
        if fmt not in _FORMATS:
            raise UsageError(f"unknown --format {fmt!r}: use one of {', '.join(_FORMATS)}")
        return fmt
    suffix = Path(out).suffix.lower()
    if suffix in {".graphml", ".json", ".gexf", ".html"}:
        return suffix[1:]
    raise UsageError(f"cannot tell the format of {out!r} from its suffix: pass --format ({', '.join(_FORMATS)})")


def _check_out(out: str, *, folder: bool = False) -> None:
    """An --out that cannot be written fails now, in one line, not after the build."""
    if out != "-":
        from .sinks.files import check_output

        check_output(out, folder=folder)


@app.command()
def build(
    inputs: Inputs,
    out: Annotated[str, typer.Option("--out", "-o", help="Output file (.graphml, .gexf, .json, .html), folder (neo4j-csv), or - for stdout (the summary goes to stderr).")],
    fmt: Annotated[Optional[str], typer.Option("--format", "-f", help="graphml, graphml-yed (with yEd's labels), gexf (Gephi, with time), json, neo4j-csv or html (the interactive view) (default: from --out's suffix; json for -).")] = None,
    entities_only: Annotated[bool, typer.Option("--entities-only", help="Leave out document nodes and their MENTIONS and NEAR_DUPLICATE_OF edges (for layouts).")] = False,
    schema: SchemaOpt = None,
    aliases: AliasesOpt = None,
    model: ModelOpt = None,
    workers: WorkersOpt = 1,
    keep_boilerplate: BoilerOpt = False,
    quiet: QuietOpt = False,
    cache: CacheOpt = ".kg-cache",
    no_cache: NoCacheOpt = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    relation_model: RelationModelOpt = "default",
    min_confidence: MinConfidenceOpt = None,
    strict: StrictOpt = False,
) -> None:
    """Read documents, extract entities and relations, merge them, write the graph.

    Exit codes: 0 written; 1 written, but some inputs were skipped (each named on stderr); 2 nothing written: a usage error, or no document could be read (an earlier output stays as it was). With --strict a skipped input is exit 1 and nothing is written."""
    from .sinks.export import entities_only as entity_subgraph, write_graph
    from .sinks.json import graph_to_json

    output_format = _output_format(out, fmt) if out != "-" or fmt else "json"
    if out == "-" and output_format in {"neo4j-csv", "html"}:
        raise UsageError(f"--format {output_format} writes a {'folder' if output_format == 'neo4j-csv' else 'file'}, not standard output")
    _check_out(out, folder=output_format == "neo4j-csv")
    options = _options(model, schema, aliases, workers, keep_boilerplate, cache=cache, no_cache=no_cache, engine=engine, scheduler=scheduler,
                       relation_model=relation_model, min_confidence=min_confidence)
    result = _run(inputs, options, quiet=quiet)
    _summarise(result.summary, quiet=quiet)
    check_outcome(result.summary, strict=strict, out=out)  # before anything is written
    graph = entity_subgraph(result.graph) if entities_only else result.graph
    if output_format == "html":
        from .sinks.html import write_html

        write_html(graph_to_json(graph), out, title=Path(out).stem)
    elif output_format == "neo4j-csv":
        from .sinks.neo4j_csv import write_neo4j_csv

        write_neo4j_csv(graph_to_json(graph), Path(out))
    else:
        write_graph(graph, out, output_format)
    if not quiet:
        typer.echo(f"wrote {'standard output' if out == '-' else out} ({output_format})", err=True)
    if result.summary.skipped:
        raise typer.Exit(1)


@app.command()
def extract(
    inputs: Inputs,
    out: Annotated[str, typer.Option("--out", "-o", help="JSON lines file, or - for stdout.")] = "-",
    schema: SchemaOpt = None,
    aliases: AliasesOpt = None,
    model: ModelOpt = None,
    workers: WorkersOpt = 1,
    keep_boilerplate: BoilerOpt = False,
    quiet: QuietOpt = False,
    cache: CacheOpt = ".kg-cache",
    no_cache: NoCacheOpt = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    relation_model: RelationModelOpt = "default",
    min_confidence: MinConfidenceOpt = None,
    strict: StrictOpt = False,
) -> None:
    """One JSON line per document: its entities (with mentions) and relations, before merging.

    Exit codes as for build: 0 written; 1 written, but some inputs were skipped; 2 nothing written (a usage error, or no document could be read); with --strict a skipped input is exit 1 and nothing is written."""
    _check_out(out)
    from .sinks.files import atomic_writer
    from .sinks.json import write_extractions

    options = _options(model, schema, aliases, workers, keep_boilerplate, cache=cache, no_cache=no_cache, engine=engine, scheduler=scheduler,
                       relation_model=relation_model, min_confidence=min_confidence)
    result = _run(inputs, options, quiet=quiet)
    _summarise(result.summary, quiet=quiet)
    check_outcome(result.summary, strict=strict, out=out)  # before anything is written
    if out == "-":
        write_extractions(result.extractions, sys.stdout)
        sys.stdout.flush()
    else:
        with atomic_writer(out) as stream:
            write_extractions(result.extractions, stream)
    if result.summary.skipped:
        raise typer.Exit(1)


@app.command("eval")
def evaluate(
    gold: Annotated[str, typer.Argument(help="Gold file: kg's gold JSON lines, CoNLL04-style JSON lines, the Wikinews relation file, or a DocRED-format JSON file (told apart by their content).")],
    inputs: Annotated[Optional[list[str]], typer.Argument(help="Inputs (default: the gold file's own texts or sources; for the Wikinews relation file, the JSON lines file of its articles beside it).", show_default=False)] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    mapping: Annotated[Optional[str], typer.Option("--mapping", help="DocRED relation mapping file.")] = None,
    schema: SchemaOpt = None,
    aliases: AliasesOpt = None,
    model: ModelOpt = None,
    workers: WorkersOpt = 1,
    keep_boilerplate: BoilerOpt = False,
    relation_model: RelationModelOpt = "default",
    min_confidence: MinConfidenceOpt = None,
    docred_range: Annotated[Optional[str], typer.Option("--docred-range", metavar="START:END", help="Score these DocRED documents only (e.g. 400:500, those the default relation model did not train on).")] = None,
) -> None:
    """Score extraction against gold: P/R/F1 per entity type and relation type, and how well
    relation confidences are calibrated. Exits 1 when kg gold with `must` relations fails."""
    from . import eval as scoring
    from .pipeline import run_documents

    options = _options(model, schema, aliases, workers, keep_boilerplate, relation_model=relation_model, min_confidence=min_confidence)
    from .ingest import read_documents

    report = scoring.evaluate(
        gold, inputs or None, mapping=mapping, docred_range=_range(docred_range) if docred_range else None,
        run=lambda docs: run_documents(docs, options=options),
        read=lambda paths: read_documents(paths, keep_boilerplate=keep_boilerplate),
    )
    if as_json:
        typer.echo(json.dumps(scoring.report_to_json(report), indent=1, ensure_ascii=False))
    else:
        typer.echo(scoring.format_report(report))
    if report.exit_code:
        raise typer.Exit(report.exit_code)


@app.command("train")
def train_model(
    gold: Annotated[list[str], typer.Argument(help="Gold files: kg gold JSON lines (with text), CoNLL04-style JSON lines, the Wikinews relation file (with --texts), DocRED JSON (with --mapping).", show_default=False)],
    out: Annotated[str, typer.Option("--out", "-o", help="The model file to write (gzip-compressed JSON).")],
    schema: SchemaOpt = None,
    model: ModelOpt = None,
    mapping: Annotated[Optional[str], typer.Option("--mapping", help="DocRED relation mapping file (Wikidata ids to kg types).")] = None,
    texts: Annotated[Optional[str], typer.Option("--texts", help="JSON lines of documents (id, text) for gold lines without text.")] = None,
    docred_range: Annotated[Optional[str], typer.Option("--docred-range", metavar="START:END", help="Train on these DocRED documents only (e.g. 0:400), so the rest stay unseen.")] = None,
    c: Annotated[float, typer.Option("--c", min=1e-6, help="Inverse regularisation strength of the logistic regression.")] = 0.5,
    min_count: Annotated[int, typer.Option("--min-count", min=1, help="Features seen in fewer candidates are dropped.")] = 2,
    min_confidence: Annotated[float, typer.Option("--min-confidence", min=0.0, max=1.0, help="The threshold the model proposes to build/extract/load.")] = 0.5,
    without_rules: Annotated[bool, typer.Option("--without-rules", help="Learn without the rules' findings as features and keep no rule-only relation (the model alone, for comparison).")] = False,
    quiet: QuietOpt = False,
) -> None:
    """Train the relation model from annotated text; print held-out scores; write one model file."""
    from .train import train

    _check_out(out)
    span = _range(docred_range) if docred_range else None
    with document_progress(None, quiet=quiet) as bar:
        report = train(gold, out, schema_path=schema, mapping_path=mapping, texts_path=texts, docred_range=span,
                       model=model, c=c, min_count=min_count, min_confidence=min_confidence, progress=bar.update,
                       use_rules=not without_rules)
    for line in report.lines():
        typer.echo(line)
    if not quiet:
        typer.echo(f"wrote {out}", err=True)


def _range(text: str) -> tuple[int, int]:
    start, sep, end = text.partition(":")
    try:
        return int(start or 0), int(end) if end else 10**9
    except ValueError:
        raise UsageError(f"--docred-range expects START:END, not {text!r}") from None


@app.command("schema")
def show_schema(schema: SchemaOpt = None, as_json: Annotated[bool, typer.Option("--json", help="Print as JSON.")] = False) -> None:
    """List the relation types in force: name, label, argument types, triggers."""
    from .extract.schema import load_schema, schema_rows

    rows = schema_rows(load_schema(schema))
    if as_json:
        typer.echo(json.dumps(rows, indent=1))
        return
    for row in rows:
        triggers = row["triggers"] or "(links only)"
        typer.echo(f"{row['name']:<16} {row['label']:<22} {row['subject']} -> {row['object']}")
        typer.echo(f"{'':<16} triggers: {triggers[:200]}{' ...' if len(triggers) > 200 else ''}")
        if row["links"]:
            typer.echo(f"{'':<16} links: {row['links']}")


app.command("load", help=load_command.__doc__)(load_command)
app.command("query", help=query_command.__doc__)(query_command)
app.command("remove", help=remove_command.__doc__)(remove_command)
app.command("view", help=view_command.__doc__)(view_command)


def main() -> None:
    """The console script: usage errors and kg's own errors are one line on stderr (exit 2 unless
    said otherwise), never a box or a traceback."""
    sys.exit(run_app(app, prog_name="kg"))
