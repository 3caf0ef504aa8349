"""``kg build --format neo4j-csv``: node and relationship CSV files for
``neo4j-admin database import full``, holding the same nodes, relationships and properties that
``kg load`` writes (kg.sinks.neo4j).

Array values (aliases, authors, evidence lists) and multiple labels are joined with U+001F (the
ASCII unit separator), which text almost never holds (any found is replaced by a space): a
``;`` or ``|`` would split sentences. The folder's ``import.sh`` runs neo4j-admin with the
matching options; ``schema.cypher`` adds kg's constraints and full-text index afterwards.
"""
from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from kg.errors import InputError, UsageError
from kg.sinks.cypher import statements
from kg.sinks.neo4j import LoadPlan, plan_load

__all__ = ["ARRAY_DELIMITER", "ENTITY_ID_SPACE", "DOCUMENT_ID_SPACE", "QUOTE_ID_SPACE", "neo4j_csv_tables", "write_neo4j_csv"]

ARRAY_DELIMITER = "\u001f"
ENTITY_ID_SPACE = "Entity"
DOCUMENT_ID_SPACE = "Document"
QUOTE_ID_SPACE = "Quote"

Table = tuple[list[str], list[list[Any]]]  # header, rows


def neo4j_csv_tables(graph: Mapping[str, Any]) -> dict[str, Table]:
    """File name -> (header, rows) for each CSV file; pure."""
    plan = plan_load(graph)
    _check_ids(plan)
    counts = _entity_counts(plan)
    documents = [{"id": row["id"], ":LABEL": [DOCUMENT_ID_SPACE], **row["props"]} for row in plan.documents]
    entities = []
    for label, rows in plan.entities.items():
        for row in rows:
            entities.append({"id": row["id"], ":LABEL": ["Entity", label], **row["props"],
                             "aliases": row["aliases"], **counts[row["id"]]})
    mentions = [{":START_ID": m["source"], ":END_ID": m["target"], ":TYPE": "MENTIONS", "count": m["count"]}
                for m in plan.mentions]
    near = [{":START_ID": n["source"], ":END_ID": n["target"], ":TYPE": "NEAR_DUPLICATE_OF",
             "similarity": n["similarity"]} for n in plan.near_duplicates]
    relations = [_relation_record(name, row) for name, rows in plan.relations.items() for row in rows]
    tables = {
        "documents.csv": _table(documents, id_space=DOCUMENT_ID_SPACE),
        "entities.csv": _table(entities, id_space=ENTITY_ID_SPACE),
        "mentions.csv": _table(mentions, start_space=DOCUMENT_ID_SPACE, end_space=ENTITY_ID_SPACE),
        "near_duplicates.csv": _table(near, start_space=DOCUMENT_ID_SPACE, end_space=DOCUMENT_ID_SPACE),
        "relations.csv": _table(relations, start_space=ENTITY_ID_SPACE, end_space=ENTITY_ID_SPACE),
    }
    if plan.quotes:  # as merge_quotes.cypher, merge_said.cypher and merge_quote_mentions.cypher write them
        quotes = [{"id": q["id"], ":LABEL": [QUOTE_ID_SPACE], "text": q["text"], "kind": q["kind"],
                   "evidence_docs": q["evidence_docs"], "evidence_starts": q["evidence_starts"],
                   "evidence_ends": q["evidence_ends"], "documents": list(dict.fromkeys(q["evidence_docs"]))}
                  for q in plan.quotes]
        said = [{":START_ID": r["source"], ":END_ID": r["target"], ":TYPE": "SAID", "evidence_docs": r["documents"]}
                for r in plan.said]
        named = [{":START_ID": r["source"], ":END_ID": r["target"], ":TYPE": "MENTIONS"} for r in plan.quote_mentions]
        tables["quotes.csv"] = _table(quotes, id_space=QUOTE_ID_SPACE)
        tables["said.csv"] = _table(said, start_space=ENTITY_ID_SPACE, end_space=QUOTE_ID_SPACE)
        tables["quote_mentions.csv"] = _table(named, start_space=QUOTE_ID_SPACE, end_space=ENTITY_ID_SPACE)
    return tables


def write_neo4j_csv(graph: Mapping[str, Any], folder: Path) -> list[Path]:
    """Write the CSV files, ``schema.cypher`` and ``import.sh`` into ``folder`` (created if
    needed); returns the files written."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"{folder} is a file; neo4j-csv output needs a folder")
    tables = neo4j_csv_tables(graph)
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for name, (header, rows) in tables.items():
        path = folder / name
        with path.open("w", encoding="utf-8", newline="") as stream:
            stream.write(_csv_line(header))
            stream.writelines(_csv_line(row) for row in rows)
        written.append(path)
    schema = folder / "schema.cypher"
    schema.write_text("// Run after the import (cypher-shell -f schema.cypher): kg's constraints and index,\n"
                      "// and the empty lists a CSV field cannot hold.\n"
                      + "".join(f"{ddl};\n" for ddl in statements("schema") + statements("after_import")),
                      encoding="utf-8")
    script = folder / "import.sh"
    script.write_text(_import_script(list(tables)), encoding="utf-8")
    script.chmod(0o755)
    return written + [schema, script]


def _check_ids(plan: LoadPlan) -> None:
    """Ids go into the CSV files exactly: one holding the array delimiter (which every other
    string loses, as a space) would become another id ("b\\x1fc" and "b c")."""
    rows = [*plan.documents, *(row for rows in plan.entities.values() for row in rows)]
    for row in rows:
        if ARRAY_DELIMITER in row["id"]:
            raise InputError(f"node id {row['id']!r} holds U+001F, which neo4j-csv uses between array items")


def _entity_counts(plan: LoadPlan) -> dict[str, dict[str, int]]:
    """The same documents/mentions kg load ends with: never below the graph's own figures."""
    documents: dict[str, int] = {}
    mentions: dict[str, int] = {}
    for m in plan.mentions:
        documents[m["target"]] = documents.get(m["target"], 0) + 1
        mentions[m["target"]] = mentions.get(m["target"], 0) + m["count"]
    return {row["id"]: {"mentions": max(row["mentions"], mentions.get(row["id"], 0)),
                        "documents": max(row["documents"], documents.get(row["id"], 0))}
            for row in plan.entity_counts}


def _relation_record(relation_type: str, row: Mapping[str, Any]) -> dict[str, Any]:
    record = {":START_ID": row["source"], ":END_ID": row["target"], ":TYPE": relation_type, **row["props"],
              "id": row["id"], "label": row["label"], "weight": row["weight"], "documents": row["documents"],
              **{key: row[key] for key in _EVIDENCE_LISTS}}
    if row["confidence"] is not None:
        record["confidence"] = row["confidence"]
    return record


_EVIDENCE_LISTS = ("evidence_docs", "evidence_sentences", "evidence_starts", "evidence_ends")
_FIXED = (":ID", ":START_ID", ":END_ID")


def _table(records: Sequence[Mapping[str, Any]], *, id_space: str | None = None,
           start_space: str | None = None, end_space: str | None = None) -> Table:
    keys: list[str] = []
    for record in records:
        keys.extend(k for k in record if k not in keys)
    header: list[str] = []
    for key in keys:
        if key == "id" and id_space:
            header.append(f"id:ID({id_space})")
        elif key == ":START_ID":
            header.append(f":START_ID({start_space})")
        elif key == ":END_ID":
            header.append(f":END_ID({end_space})")
        elif key in (":LABEL", ":TYPE"):
            header.append(key)
        else:
            header.append(f"{key}:{_column_type([r.get(key) for r in records])}")
    if not records:  # still a valid file for neo4j-admin: the fixed columns only
        header = ([f"id:ID({id_space})", ":LABEL"] if id_space
                  else [f":START_ID({start_space})", f":END_ID({end_space})", ":TYPE"])
    rows = [[_cell(record.get(key)) for key in keys] for record in records]
    return header, rows


def _column_type(values: Iterable[Any]) -> str:
    """neo4j-admin's type for a column: the one all present values share, else string."""
    kinds = {_value_type(v) for v in values if v is not None}
    if len(kinds) == 1:
        return kinds.pop()
    if kinds == {"long", "double"}:
        return "double"
    if kinds and all(k.endswith("[]") for k in kinds):
        return "string[]"
    return "string"


def _value_type(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "long"
    if isinstance(value, float):
        return "double"
    if isinstance(value, list):
        inner = {_value_type(v) for v in value}
        return f"{inner.pop()}[]" if len(inner) == 1 else "string[]"
    return "string"


def _cell(value: Any) -> str | int | float | None:
    if value is None or isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(str(_cell(v)) for v in value)
    return str(value).replace(ARRAY_DELIMITER, " ")


def _csv_line(cells: Sequence[str | int | float | None]) -> str:
    """One CSV record: strings quoted (quotes doubled; commas and newlines stay inside), numbers
    bare, no value an empty unquoted field. neo4j-admin then imports "" as an empty string, as kg
    load stores it, and an empty field as no property at all. (csv.QUOTE_NONNUMERIC would quote
    the empty field too, turning every missing value into "".)"""
    return ",".join("" if cell is None
                    else repr(cell) if isinstance(cell, float)
                    else str(cell) if isinstance(cell, int)
                    else '"' + str(cell).replace('"', '""') + '"'
                    for cell in cells) + "\n"


def _import_script(names: list[str]) -> str:
    node_files = [n for n in names if n in ("documents.csv", "entities.csv", "quotes.csv")]
    rel_files = [n for n in names if n not in node_files]
    lines = [
        "#!/usr/bin/env sh",
        "# Import this folder into an empty, stopped Neo4j database (default: neo4j), then run",
        "# schema.cypher (cypher-shell -f schema.cypher) for kg's constraints and full-text index.",
        'set -eu',
        'cd "$(dirname "$0")"',
        # The database name goes first: --nodes and --relationships take any number of files,
        # so a name after them is read as one more file (Neo4j 5.26: "File 'neo4j' doesn't exist").
        'neo4j-admin database import full "${1:-neo4j}" \\',
        "  --array-delimiter=U+001F --multiline-fields=true --overwrite-destination=false \\",
    ]
    lines += [f"  --nodes={shlex.quote(name)} \\" for name in node_files]
    lines += [f"  --relationships={shlex.quote(name)} \\" for name in rel_files]
    lines[-1] = lines[-1].removesuffix(" \\")
    return "\n".join(lines) + "\n"
