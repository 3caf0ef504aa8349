"""Analysts' Cypher files: find one by name or path, read its parameters from its header comment,
run it read-only, and print the rows as a table, CSV or JSON.

A query file opens with ``//`` comment lines: first what it answers, then a ``// Parameters:``
line (``// Parameters: none`` when there are none) and the parameters, one a line, in the form
``//   $name (type[, default VALUE]): what it is``. Types: string, integer,
float, boolean, date (YYYY-MM-DD), relation (a relation type: "banned" or "pulled products" is
BANNED or PULLED_PRODUCTS, checked against the types the database holds). A parameter with a
default may be left out.

Tables fit a width (the terminal's): long cells are cut with an ellipsis and the last line says
so; CSV, JSON and a table without a width keep every cell whole.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import neo4j.exceptions
import neo4j.graph
import neo4j.time

from kg.errors import UsageError
from kg.sinks.cypher import statement
from kg.sinks.neo4j import Neo4jSettings, bounded, connect

__all__ = [
    "FORMATS",
    "QueryParameter",
    "QueryFile",
    "QueryResult",
    "query_dirs",
    "available_queries",
    "find_query",
    "read_query",
    "parse_param_options",
    "bind_parameters",
    "run_query",
    "match_relation_types",
    "search_syntax_error",
    "format_result",
]

FORMATS = ("table", "csv", "json")
TYPES = ("string", "integer", "float", "boolean", "date", "relation")

_PARAMETER_LINE = re.compile(r"^//\s*\$(?P<name>[A-Za-z_][A-Za-z0-9_]*)\s*(?:\((?P<spec>[^)]*)\))?\s*:?\s*(?P<doc>.*)$")
_PARAMETER_USE = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_COMMENT = re.compile(r"//[^\n]*")
_STRING_LITERAL = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RELATION_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_FULLTEXT_PARAMETER = re.compile(r"queryNodes\s*\([^,]*,\s*\$([A-Za-z_][A-Za-z0-9_]*)")
_LUCENE_ERROR = re.compile(r"org\.apache\.lucene\.queryparser\S*?(ParseException|TokenMgrError): (.*)", re.DOTALL)
_LUCENE_WHERE = re.compile(r"at line \d+, column (\d+)")


@dataclass(frozen=True)
class QueryParameter:
    name: str
    type: str = "string"
    default: str | None = None  # as written in the header; None: required
    description: str = ""

    @property
    def required(self) -> bool:
        return self.default is None


@dataclass(frozen=True)
class QueryFile:
    name: str
    path: Path
    description: str
    parameters: tuple[QueryParameter, ...]
    text: str

    def parameter(self, name: str) -> QueryParameter | None:
        return next((p for p in self.parameters if p.name == name), None)

    @property
    def used_parameters(self) -> frozenset[str]:
        """``$names`` that the statement itself uses (comments and string literals left out)."""
        body = _STRING_LITERAL.sub("''", _COMMENT.sub("", self.text))
        return frozenset(_PARAMETER_USE.findall(body))


@dataclass(frozen=True)
class QueryResult:
    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dict(zip(self.columns, row)) for row in self.rows]


# ---------------------------------------------------------------- finding and reading


def query_dirs(*, cwd: Path | None = None) -> list[Path]:
    """Where named queries are looked for, first match wins: ``queries/`` under the current
    folder (a project's own queries, which may override shipped ones), the ``queries/`` folder
    beside the kg package in a source checkout or editable install, and ``kg/queries`` inside the
    package. In the checkout ``kg/queries`` is a symbolic link to ``queries/``, so a wheel (a
    non-editable install) carries the same files as package data."""
    package_dir = Path(__file__).resolve().parent
    checkout = package_dir.parent
    candidates = [(cwd or Path.cwd()) / "queries"]
    if (checkout / "pyproject.toml").is_file():  # not site-packages, where queries/ is anyone's
        candidates.append(checkout / "queries")
    candidates.append(package_dir / "queries")
    unique: list[Path] = []
    for folder in candidates:
        if folder.is_dir() and folder.resolve() not in [u.resolve() for u in unique]:
            unique.append(folder)
    return unique


def available_queries(*, cwd: Path | None = None) -> dict[str, Path]:
    """Query name -> file, the first folder of query_dirs() winning."""
    found: dict[str, Path] = {}
    for folder in query_dirs(cwd=cwd):
        for path in sorted(folder.glob("*.cypher")):
            found.setdefault(path.stem, path)
    return found


def find_query(name_or_path: str, *, cwd: Path | None = None) -> Path:
    """A query file by path (anything that exists, or that looks like a path) or by name."""
    as_path = Path(name_or_path).expanduser()
    if not as_path.is_absolute() and cwd is not None:
        as_path = cwd / as_path
    if as_path.is_file():
        return as_path
    looks_like_path = "/" in name_or_path or "\\" in name_or_path or name_or_path.endswith(".cypher")
    known = available_queries(cwd=cwd)
    name = name_or_path[: -len(".cypher")] if name_or_path.endswith(".cypher") else name_or_path
    if name in known and "/" not in name and "\\" not in name:
        return known[name]
    if looks_like_path:
        raise UsageError(f"no query file {name_or_path}")
    listing = ", ".join(sorted(known)) or "none found"
    raise UsageError(f"unknown query {name_or_path!r}; known queries: {listing}")


def read_query(path: Path) -> QueryFile:
    """A query file with its header parsed. UsageError when the header is malformed."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise UsageError(f"cannot read query file {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UsageError(f"query file {path} is not UTF-8 text") from None
    header = _header_lines(text)
    description_lines: list[str] = []
    parameters: list[QueryParameter] = []
    in_parameters = False
    for line in header:
        content = line[2:].strip()
        if re.fullmatch(r"parameters\s*:\s*(none\.?)?", content, flags=re.IGNORECASE):
            in_parameters = True
            continue
        if not in_parameters:
            if content:
                description_lines.append(content)
            continue
        match = _PARAMETER_LINE.match(line)
        if match:
            parameters.append(_parameter(match, path))
        elif content and parameters:  # a parameter's description going on over several lines
            last = parameters[-1]
            parameters[-1] = QueryParameter(last.name, last.type, last.default, f"{last.description} {content}")
        elif content:
            raise UsageError(f"query file {path}: cannot read parameter line {line!r} "
                             "(expected //   $name (type[, default VALUE]): description)")
    if not description_lines:
        raise UsageError(f"query file {path} does not open with a // comment saying what it answers")
    names = [p.name for p in parameters]
    if len(set(names)) != len(names):
        raise UsageError(f"query file {path} declares a parameter twice")
    return QueryFile(name=path.stem, path=path, description=" ".join(description_lines),
                     parameters=tuple(parameters), text=text)


def _header_lines(text: str) -> list[str]:
    lines: list[str] = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("//"):
            lines.append(stripped)
        elif stripped:
            break
    return lines


def _parameter(match: re.Match[str], path: Path) -> QueryParameter:
    spec = [part.strip() for part in (match.group("spec") or "string").split(",") if part.strip()]
    kind = spec[0].lower() if spec else "string"
    if kind not in TYPES:
        raise UsageError(f"query file {path}: parameter ${match.group('name')} has unknown type {kind!r} "
                         f"(known: {', '.join(TYPES)})")
    default = None
    for part in spec[1:]:
        found = re.fullmatch(r"default\s+(.*)", part, flags=re.IGNORECASE)
        if found:
            default = found.group(1).strip().strip("'\"")
    return QueryParameter(name=match.group("name"), type=kind, default=default,
                          description=match.group("doc").strip())


# ---------------------------------------------------------------- parameters


def parse_param_options(options: Iterable[str]) -> dict[str, str]:
    """``["key=value", ...]`` from repeated ``--param`` options."""
    params: dict[str, str] = {}
    for option in options:
        key, sep, value = option.partition("=")
        key = key.strip().lstrip("$")
        if not sep or not key:
            raise UsageError(f"--param expects key=value, got {option!r}")
        params[key] = value
    return params


def bind_parameters(query: QueryFile, given: Mapping[str, str]) -> dict[str, Any]:
    """Typed values for every parameter the query declares: the given ones, else defaults.
    A missing required parameter or an unknown one is a one-line UsageError."""
    unknown = sorted(set(given) - {p.name for p in query.parameters})
    if unknown:
        declared = ", ".join(p.name for p in query.parameters) or "none"
        raise UsageError(f"query {query.name} has no parameter {unknown[0]!r} (its parameters: {declared})")
    bound: dict[str, Any] = {}
    for parameter in query.parameters:
        raw = given.get(parameter.name, parameter.default)
        if raw is None:
            raise UsageError(f"query {query.name} needs parameter {parameter.name!r}: "
                             f"--param {parameter.name}=... ({parameter.description or parameter.type})")
        bound[parameter.name] = _convert(raw, parameter, query.name)
    return bound


def _convert(raw: str, parameter: QueryParameter, query_name: str) -> Any:
    def bad() -> UsageError:
        article = "an" if parameter.type[0] in "aeiou" else "a"
        return UsageError(f"query {query_name}: parameter {parameter.name!r} must be {article} {parameter.type}, got {raw!r}")

    if parameter.type == "integer":
        try:
            value = int(raw)
        except ValueError:
            raise bad() from None
        if not -(2 ** 63) <= value < 2 ** 63:  # what Cypher's integers hold
            raise UsageError(f"query {query_name}: parameter {parameter.name!r} must fit in 64 bits, got {raw!r}")
        return value
    if parameter.type == "float":
        try:
            return float(raw)
        except ValueError:
            raise bad() from None
    if parameter.type == "boolean":
        lowered = raw.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
        raise bad()
    if parameter.type == "date":
        if not _DATE.match(raw.strip()):
            raise bad()
        try:
            dt.date.fromisoformat(raw.strip())
        except ValueError:
            raise bad() from None
        return raw.strip()
    if parameter.type == "relation":
        # "pulled products", "pulled-products", "Pulled_Products": the type PULLED_PRODUCTS
        name = re.sub(r"[\s-]+", "_", raw.strip())
        if name and not _RELATION_TYPE.match(name):
            raise UsageError(f"query {query_name}: parameter {parameter.name!r} must be a relation type "
                             f"such as BANNED or PULLED_PRODUCTS, got {raw!r}")
        return name.upper()
    return raw


def match_relation_types(query: QueryFile, params: Mapping[str, Any], known: Sequence[str]) -> dict[str, Any]:
    """``params`` with each relation-type parameter spelled as the database spells the type it
    names, whatever the case; a type the database does not hold is a UsageError listing those it
    does (an empty value, "any type", is left as it is)."""
    by_key = {name.upper(): name for name in known}
    matched = dict(params)
    for parameter in query.parameters:
        value = params.get(parameter.name)
        if parameter.type != "relation" or not value:
            continue
        if value not in by_key:
            listing = ", ".join(sorted(known)) or "none: it holds no relationships"
            raise UsageError(f"query {query.name}: no relation type {value} in the database "
                             f"(--param {parameter.name}=...; its types: {listing})")
        matched[parameter.name] = by_key[value]
    return matched


def search_syntax_error(error: Exception, query: QueryFile, params: Mapping[str, Any]) -> str | None:
    """One line for a full-text search text that Lucene cannot parse (the server's message is a
    Java exception with the parser's whole grammar in it), or None for any other error."""
    match = _LUCENE_ERROR.search(getattr(error, "message", None) or str(error))
    if match is None:
        return None
    where = _LUCENE_WHERE.search(match.group(2))
    used = _FULLTEXT_PARAMETER.search(query.text)
    name = used.group(1) if used else None
    given = f"--param {name}={params[name]!r}" if name in params else "the search text"
    at = f" (at character {where.group(1)})" if where else ""
    return (f"query {query.name}: {given} is not valid full-text search syntax{at}: put a phrase in double "
            'quotes, end a prefix with *, and put a backslash before any of + - ! ( ) { } [ ] ^ " ~ * ? : \\ / '
            "meant as text")


# ---------------------------------------------------------------- running


def run_query(query: QueryFile, params: Mapping[str, Any], *, settings: Neo4jSettings) -> QueryResult:
    """Run the query in a read transaction (a query file cannot change the database)."""

    def work(tx: neo4j.ManagedTransaction) -> QueryResult:
        bound = dict(params)
        if any(p.type == "relation" and params.get(p.name) for p in query.parameters):
            known = [record[0] for record in tx.run(statement("relationship_types"))]
            bound = match_relation_types(query, params, known)
        result = tx.run(query.text, bound)
        columns = tuple(result.keys())
        rows = tuple(tuple(_plain(value) for value in record.values()) for record in result)
        return QueryResult(columns=columns, rows=rows)

    def run(driver: neo4j.Driver) -> QueryResult:
        # The server aborts a query past the transaction timeout; kg stops waiting on a frozen one.
        with driver.session(database=settings.database) as session:
            try:
                return session.execute_read(neo4j.unit_of_work(timeout=settings.transaction_timeout)(work))
            except neo4j.exceptions.ClientError as error:
                message = search_syntax_error(error, query, params)
                if message is None:
                    raise
                raise UsageError(message) from None

    with connect(settings) as driver:
        return bounded(settings, lambda: run(driver))


def _plain(value: Any) -> Any:
    """Driver values as JSON-ready Python values."""
    if isinstance(value, neo4j.graph.Node):
        return {"labels": sorted(value.labels), **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, neo4j.graph.Relationship):
        return {"type": value.type, **{k: _plain(v) for k, v in value.items()}}
    if isinstance(value, neo4j.graph.Path):
        return [_plain(n) for n in value.nodes]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (neo4j.time.Date, neo4j.time.DateTime, neo4j.time.Time, neo4j.time.Duration)):
        return value.iso_format()
    return value


# ---------------------------------------------------------------- printing


def format_result(result: QueryResult, fmt: str, *, width: int | None = None) -> str:
    """The rows as ``fmt``. A table fits ``width`` columns (None: cells whole), the widest columns
    cut first, each to no less than its header or 8 characters."""
    if fmt == "json":
        return json.dumps(result.as_dicts(), ensure_ascii=False, indent=2) + "\n"
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(result.columns)
        writer.writerows([[_cell(v, for_csv=True) for v in row] for row in result.rows])
        return buffer.getvalue()
    if fmt == "table":
        return _table(result.columns, [[_cell(v) for v in row] for row in result.rows], width=width)
    raise UsageError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


def _cell(value: Any, *, for_csv: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.4g}" if not for_csv else repr(value)
    if isinstance(value, list) and not for_csv and all(isinstance(v, (str, int, float)) for v in value):
        return "; ".join(str(v) for v in value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return " ".join(str(value).split()) if not for_csv else str(value)


_GAP = 2  # spaces between columns
_ELLIPSIS = "\u2026"


def _table(columns: Sequence[str], rows: Sequence[Sequence[str]], *, width: int | None = None) -> str:
    natural = [max([len(c)] + [len(r[i]) for r in rows]) for i, c in enumerate(columns)]
    widths = _fit(natural, [min(n, max(len(c), 8)) for n, c in zip(natural, columns)], width) if width else natural
    cut = widths != natural

    def line(cells: Sequence[str]) -> str:
        return (" " * _GAP).join(_clip(v, w).ljust(w) for v, w in zip(cells, widths)).rstrip()

    lines = [line(columns), (" " * _GAP).join("-" * w for w in widths)]
    lines += [line(row) for row in rows]
    count = f"{len(rows)} row{'s' if len(rows) != 1 else ''}"
    if cut:
        count += f"; long cells cut to fit {width} columns: --format csv or json, or a pipe, shows them whole"
    lines.append(f"({count})")
    return "\n".join(lines) + "\n"


def _fit(natural: list[int], least: list[int], width: int) -> list[int]:
    """Column widths within ``width`` (gaps included): the largest cap on every column that
    fits, no column below ``least``; the cap's spare columns go to the cut ones, left first."""
    room = width - _GAP * (len(natural) - 1)
    if sum(natural) <= room:
        return natural
    low, high = 0, max(natural)
    while low < high:  # the largest cap whose widths fit
        cap = (low + high + 1) // 2
        if sum(max(m, min(n, cap)) for n, m in zip(natural, least)) <= room:
            low = cap
        else:
            high = cap - 1
    widths = [max(m, min(n, low)) for n, m in zip(natural, least)]
    spare = room - sum(widths)
    for i, n in enumerate(natural):
        if spare <= 0:
            break
        extra = min(spare, n - widths[i])
        widths[i] += extra
        spare -= extra
    return widths


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(width - 1, 0)] + _ELLIPSIS
