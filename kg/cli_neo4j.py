"""``kg load``, ``kg query`` and ``kg remove``: the graph-store commands, as plain typer command
functions that kg.cli registers. They work on the embedded store (``--db``, ``./kg.db``) unless
NEO4J_URI is set or ``--neo4j`` is given (kg.store chooses).

Connection options read NEO4J_URI, NEO4J_USERNAME, NEO4J_PASSWORD and NEO4J_DATABASE; flags
override. The password is never a flag value (it would land in shell history): it comes from
NEO4J_PASSWORD, or is asked for on the terminal without echo, and is never printed.
"""
from __future__ import annotations

import getpass
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from kg.errors import InputError, UsageError

__all__ = ["load_command", "query_command", "remove_command", "resolve_settings", "read_graph_file"]

UriOpt = Annotated[Optional[str], typer.Option("--uri", help="Neo4j URI, e.g. neo4j+s://xxxx.databases.neo4j.io (default: $NEO4J_URI, else neo4j://localhost:7687).", show_default=False)]
UserOpt = Annotated[Optional[str], typer.Option("--username", "-u", help="Neo4j user (default: $NEO4J_USERNAME, else neo4j).", show_default=False)]
DatabaseOpt = Annotated[Optional[str], typer.Option("--database", "-d", help="Neo4j database (default: $NEO4J_DATABASE, else the server's default).", show_default=False)]
AskPasswordOpt = Annotated[bool, typer.Option("--ask-password", help="Ask for the password even when NEO4J_PASSWORD is set.")]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary.")]
DbOpt = Annotated[Optional[str], typer.Option("--db", metavar="PATH", help="The embedded store, a file (default: ./kg.db); used unless NEO4J_URI is set or --neo4j is given.", show_default=False)]
Neo4jOpt = Annotated[bool, typer.Option("--neo4j", help="Use Neo4j (NEO4J_URI, else neo4j://localhost:7687) instead of the embedded store.")]
LockTimeoutOpt = Annotated[float, typer.Option("--lock-timeout", metavar="SECONDS", min=0.0, help="Embedded store: how long to wait for another kg process writing it (default: 30).", show_default=False)]


def _store(neo4j: bool, db: str | None, uri: str | None, username: str | None, database: str | None, *,
           ask_password: bool = False):
    """The store a command works on: the embedded one, or Neo4j with its settings (asked for
    only when Neo4j is the one)."""
    from kg.sinks.embedded import DEFAULT_DB
    from kg.store import Store, choose_engine

    if choose_engine(neo4j=neo4j, db=db, uri=uri) == "embedded":
        return Store("embedded", db=Path(db or DEFAULT_DB))
    return Store("neo4j", settings=resolve_settings(uri, username, database, ask_password=ask_password))


def resolve_settings(uri: str | None, username: str | None, database: str | None, *, ask_password: bool = False):
    """Connection settings from flags and the environment; asks for a missing password on the
    terminal (without echo), and refuses when there is no terminal to ask on."""
    from kg.sinks.neo4j import settings_from_env

    settings = settings_from_env(uri=uri, username=username, database=database)
    if settings.password is not None and not ask_password:
        return settings
    if not sys.stdin.isatty():
        raise UsageError("no Neo4j password: set NEO4J_PASSWORD, or run in a terminal to be asked for it")
    password = getpass.getpass(f"Neo4j password for {settings.username} at {settings.display_uri}: ")
    return replace(settings, password=password)


def read_graph_file(path: str) -> dict:
    """A graph .json written by ``kg build``."""
    try:
        with open(path, encoding="utf-8") as stream:
            graph = json.load(stream)
    except OSError as error:
        raise InputError(f"cannot read {path}: {error.strerror or error}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise InputError(f"{path} is not JSON: {error}") from None
    except RecursionError:  # "[[[[..." a hundred thousand deep: Python's parser gives up
        raise InputError(f"{path} is not a kg graph: JSON nested too deeply") from None
    if not isinstance(graph, dict) or "nodes" not in graph or "edges" not in graph:
        raise InputError(f"{path} is not a kg graph (expected 'nodes' and 'edges'; write one with kg build --format json)")
    return graph


def _planned(name: str, plan_load):
    """A graph file's load plan: its shapes and reserved names checked before anything connects."""
    try:
        return plan_load(read_graph_file(name))
    except InputError as error:
        message = str(error)
        raise type(error)(message if message.startswith(name) else f"{name}: {message}") from None


def _is_graph_file(name: str) -> bool:
    return name != "-" and Path(name).suffix.lower() == ".json"


def _echo_lines(lines: list[str], *, quiet: bool) -> None:
    if not quiet:
        for line in lines:
            typer.echo(line, err=True)


def _load_with_progress(graph, settings, *, batch_size: int, quiet: bool, what: str):
    from tqdm import tqdm

    from kg.sinks.neo4j import LoadPlan, load_graph, plan_load

    plan = graph if isinstance(graph, LoadPlan) else plan_load(graph)  # checked before anything is sent
    total = (len(plan.documents) + plan.entity_count + len(plan.mentions) + len(plan.near_duplicates)
             + plan.relation_count + len(plan.entity_counts))
    with tqdm(total=total, desc=f"loading {what}", unit="row", file=sys.stderr, leave=False,
              disable=True if quiet else None) as bar:
        return load_graph(plan, settings=settings, batch_size=batch_size,
                          progress=lambda _step, done: bar.update(done))


def load_command(
    inputs: Annotated[list[str], typer.Argument(help="Graph .json files written by `kg build`, or documents to build from: files, folders, globs, or - for stdin.", metavar="INPUT...", show_default=False)],
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
    ask_password: AskPasswordOpt = False,
    batch_size: Annotated[int, typer.Option("--batch-size", min=1, help="Rows per transaction.")] = 5000,
    schema: Annotated[Optional[str], typer.Option("--schema", help="Relation schema file (TOML) adding or replacing relation types.")] = None,
    aliases: Annotated[Optional[str], typer.Option("--aliases", help="Known entities (JSON, JSON lines or CSV: name, type, aliases).")] = None,
    model: Annotated[Optional[str], typer.Option("--model", help="Any installed spaCy pipeline (default: the small English one).")] = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Processes for parsing and extraction.")] = 1,
    keep_boilerplate: Annotated[bool, typer.Option("--keep-boilerplate", help="Analyse page furniture too (captions, comments, navigation).")] = False,
    quiet: QuietOpt = False,
    relation_model: Annotated[str, typer.Option("--relation-model", metavar="PATH", help="Relation model file from `kg train`; 'default' is the one shipped with kg, 'none' uses the rules alone.")] = "default",
    min_confidence: Annotated[Optional[float], typer.Option("--min-confidence", min=0.0, max=1.0, help="Drop relations whose confidence is below this (default: the relation model's).")] = None,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Embedded store: replace it by this load alone instead of merging into it (the way out of a store that cannot be read).")] = False,
    lock_timeout: LockTimeoutOpt = 30.0,
) -> None:
    """Build the graph (or read graph .json files from kg build) and write it into the embedded store (--db, default ./kg.db), or into Neo4j when NEO4J_URI is set or --neo4j is given; loading twice changes nothing."""
    from kg.sinks.neo4j import connect, plan_load

    graph_files = [name for name in inputs if _is_graph_file(name)]
    documents = [name for name in inputs if not _is_graph_file(name)]
    graphs = [(name, _planned(name, plan_load)) for name in graph_files]  # checked before anything connects
    store = _store(neo4j, db, uri, username, database, ask_password=ask_password)
    if store.engine == "neo4j":
        with connect(store.settings):  # a wrong password or server shows before a long build
            pass
    fresh = [rebuild]  # --rebuild starts from an empty store once, then the inputs merge as usual

    def write(graph, what: str):
        from kg.store import load_graph

        if store.engine == "neo4j":
            return _load_with_progress(graph, store.settings, batch_size=batch_size, quiet=quiet, what=what)
        summary = load_graph(graph, store=store, rebuild=fresh[0], lock_timeout=lock_timeout)
        fresh[0] = False
        return summary

    skipped = False
    for name, graph in graphs:
        summary = write(graph, name)
        _echo_lines([f"{name}:"] + ["  " + line for line in summary.lines()], quiet=quiet)
    if documents:
        from kg.pipeline import build_graph_json, relation_model_setting

        graph, build_summary = build_graph_json(documents, model=model, schema=schema, aliases=aliases,
                                                workers=workers, keep_boilerplate=keep_boilerplate,
                                                relation_model=relation_model_setting(relation_model),
                                                min_confidence=min_confidence)
        for item in getattr(build_summary, "skipped", []):
            typer.echo(f"kg: skipped {item.source}: {item.reason}", err=True)
        skipped = bool(getattr(build_summary, "skipped", []))
        _echo_lines([line for line in build_summary.lines() if not line.startswith("  skipped")], quiet=quiet)
        from kg.cli_support import check_outcome

        check_outcome(build_summary, strict=False, out=None)  # no document read: nothing is written
        summary = write(graph, "documents")
        _echo_lines(summary.lines(), quiet=quiet)
    if skipped:
        raise typer.Exit(1)


def query_command(
    query: Annotated[Optional[str], typer.Argument(help="A query from queries/ by name (e.g. who-banned-whom), or any .cypher file.", metavar="NAME_OR_FILE", show_default=False)] = None,
    param: Annotated[Optional[list[str]], typer.Option("--param", "-p", help="A query parameter as key=value; repeat for several.", show_default=False)] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv or json.")] = "table",
    describe: Annotated[bool, typer.Option("--describe", help="Print what the query answers and its parameters; do not run it.")] = False,
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
    ask_password: AskPasswordOpt = False,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
    list_queries: Annotated[bool, typer.Option("--list", help="List the named queries with what each answers and its parameters.")] = False,
) -> None:
    """Run a Cypher file from queries/ (by name) or any path, read-only, on the embedded store (--db, default ./kg.db) or on Neo4j when NEO4J_URI is set or --neo4j is given, and print the rows."""
    from kg.query import FORMATS, available_queries, bind_parameters, find_query, format_result, parse_param_options, read_query
    from kg.store import run_query

    if fmt not in FORMATS:
        raise UsageError(f"unknown --format {fmt!r}: use one of {', '.join(FORMATS)}")
    if list_queries:
        typer.echo("\n".join(_listing(read_query(path)) for path in available_queries().values()))
        return
    if query is None:
        raise UsageError("name a query (kg query --list shows them) or give a .cypher file")
    query_file = read_query(find_query(query))
    if describe:
        typer.echo(_describe(query_file))
        return
    params = bind_parameters(query_file, parse_param_options(param or []))
    store = _store(neo4j, db, uri, username, database, ask_password=ask_password)
    result = run_query(query_file, params, store=store)
    from kg.cli_support import terminal_width

    typer.echo(format_result(result, fmt, width=terminal_width()), nl=False)


def _listing(query_file: Any) -> str:
    purpose = query_file.description.split(": ")[0] if ": " in query_file.description[:60] else query_file.description
    parameters = ", ".join(p.name + ("" if p.required else f"={p.default}") for p in query_file.parameters) or "none"
    return f"{query_file.name}: {purpose}\n    parameters: {parameters}"


def _describe(query_file: Any) -> str:
    lines = [f"{query_file.name}: {query_file.description}", f"file: {query_file.path}"]
    if not query_file.parameters:
        lines.append("parameters: none")
    for p in query_file.parameters:
        default = "required" if p.required else f"default {p.default!r}"
        lines.append(f"  --param {p.name}=...  ({p.type}, {default}) {p.description}")
    return "\n".join(lines)


def remove_command(
    doc_ids: Annotated[list[str], typer.Argument(help="Ids of the documents to take out (as in the graph's document nodes).", metavar="DOC_ID...", show_default=False)],
    uri: UriOpt = None,
    username: UserOpt = None,
    database: DatabaseOpt = None,
    ask_password: AskPasswordOpt = False,
    quiet: QuietOpt = False,
    db: DbOpt = None,
    neo4j: Neo4jOpt = False,
    lock_timeout: LockTimeoutOpt = 30.0,
) -> None:
    """Take documents out of the embedded store (--db, default ./kg.db), or out of Neo4j when NEO4J_URI is set or --neo4j is given, with every edge and entity that only they supported."""
    from kg.store import remove_documents

    store = _store(neo4j, db, uri, username, database, ask_password=ask_password)
    summary = remove_documents(doc_ids, store=store, lock_timeout=lock_timeout)
    _echo_lines([line for line in summary.lines() if not line.startswith("not in the database")], quiet=quiet)
    for doc_id in summary.missing:
        typer.echo(f"kg: skipped {doc_id}: not in the database", err=True)
    if summary.missing:
        raise typer.Exit(1)
