"""kg.sinks.neo4j_csv: CSV files for neo4j-admin import, read back with LOAD CSV into a real
Neo4j and compared with what kg load writes."""
from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from conftest_neo4j import database_state, make_sample_graph
from kg.errors import UsageError
from kg.sinks.neo4j import load_graph
from kg.sinks.neo4j_csv import ARRAY_DELIMITER, write_neo4j_csv

CSV_FILES = ["documents.csv", "entities.csv", "mentions.csv", "near_duplicates.csv", "relations.csv"]
QUOTE_FILES = ["quotes.csv", "said.csv", "quote_mentions.csv"]  # written when the graph has quotations


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.reader(stream)
        header = next(reader)
        return header, [dict(zip(header, row)) for row in reader]


def _tricky_graph() -> dict:
    graph = make_sample_graph()
    banned = next(e for e in graph["edges"] if e["type"] == "BANNED")
    banned["evidence"][1]["sentence"] = 'It said "no"; then, after a pause,\nit left | quietly.'
    graph["nodes"][0]["title"] = ""  # an empty string stays an empty string
    return graph


def test_writes_node_and_relationship_files_with_typed_headers(tmp_path):
    written = write_neo4j_csv(make_sample_graph(), tmp_path / "out")
    assert [p.name for p in written] == CSV_FILES + ["schema.cypher", "import.sh"]
    headers = {name: _read(tmp_path / "out" / name)[0] for name in CSV_FILES}
    assert headers["entities.csv"][:2] == ["id:ID(Entity)", ":LABEL"]
    assert {"name:string", "aliases:string[]", "mentions:long", "documents:long"} <= set(headers["entities.csv"])
    assert headers["documents.csv"][:2] == ["id:ID(Document)", ":LABEL"]
    assert "authors:string[]" in headers["documents.csv"]
    assert headers["mentions.csv"] == [":START_ID(Document)", ":END_ID(Entity)", ":TYPE", "count:long"]
    assert headers["near_duplicates.csv"] == [":START_ID(Document)", ":END_ID(Document)", ":TYPE", "similarity:double"]
    assert headers["relations.csv"][:3] == [":START_ID(Entity)", ":END_ID(Entity)", ":TYPE"]
    assert {"weight:long", "confidence:double", "evidence_docs:string[]", "evidence_starts:long[]"} <= set(
        headers["relations.csv"])


def test_rows_hold_every_node_and_edge_with_labels_and_arrays(tmp_path):
    write_neo4j_csv(make_sample_graph(), tmp_path)
    _, entities = _read(tmp_path / "entities.csv")
    assert len(entities) == 6
    board = next(e for e in entities if e["id:ID(Entity)"] == "organization:trade-safety-board")
    assert board[":LABEL"].split(ARRAY_DELIMITER) == ["Entity", "Organization"]
    assert board["aliases:string[]"].split(ARRAY_DELIMITER) == ["TSB", "the Board"]
    assert (board["mentions:long"], board["documents:long"]) == ("4", "2")
    _, relations = _read(tmp_path / "relations.csv")
    assert sorted(r[":TYPE"] for r in relations) == ["BANNED", "BASED_IN", "EXEMPTED", "FOUNDED", "PULLED_PRODUCTS"]
    banned = next(r for r in relations if r[":TYPE"] == "BANNED")
    assert banned["evidence_docs:string[]"].split(ARRAY_DELIMITER) == ["doc-a", "doc-a", "doc-b"]
    assert banned["evidence_starts:long[]"].split(ARRAY_DELIMITER) == ["0", "64", "120"]
    assert len(_read(tmp_path / "mentions.csv")[1]) == 11
    assert len(_read(tmp_path / "near_duplicates.csv")[1]) == 1


def test_sentences_with_quotes_separators_and_newlines_survive(tmp_path):
    write_neo4j_csv(_tricky_graph(), tmp_path)
    _, relations = _read(tmp_path / "relations.csv")
    banned = next(r for r in relations if r[":TYPE"] == "BANNED")
    assert banned["evidence_sentences:string[]"].split(ARRAY_DELIMITER)[1] == (
        'It said "no"; then, after a pause,\nit left | quietly.')


def test_a_missing_value_is_an_empty_field_and_an_empty_string_is_quoted(tmp_path):
    write_neo4j_csv(_tricky_graph(), tmp_path)  # doc-a's title is "", doc-c has no authors
    header_line, *lines = (tmp_path / "documents.csv").read_text(encoding="utf-8").splitlines()
    header = next(csv.reader([header_line]))
    raw = {line.split(",", 1)[0]: line.split(",") for line in lines}  # no commas inside these values
    assert raw['"doc-a"'][header.index("title:string")] == '""'  # an empty string: quoted
    assert raw['"doc-c"'][header.index("authors:string[]")] == ""  # no value: nothing at all


def test_the_import_script_names_every_file_with_matching_options(tmp_path):
    write_neo4j_csv(make_sample_graph(), tmp_path)
    script = (tmp_path / "import.sh").read_text()
    assert "neo4j-admin database import full" in script
    # the database name before the file lists, which take any number of files (Neo4j 5.19 on)
    assert script.index('full "${1:-neo4j}"') < script.index("--nodes=")
    assert "--array-delimiter=U+001F" in script and "--multiline-fields=true" in script
    assert re.findall(r"--nodes=(\S+)", script) == ["documents.csv", "entities.csv"]
    assert re.findall(r"--relationships=(\S+)", script) == ["mentions.csv", "near_duplicates.csv", "relations.csv"]
    assert "CREATE CONSTRAINT" in (tmp_path / "schema.cypher").read_text()


def test_a_file_in_the_way_is_a_usage_error(tmp_path):
    (tmp_path / "taken").write_text("x")
    with pytest.raises(UsageError, match="needs a folder"):
        write_neo4j_csv(make_sample_graph(), tmp_path / "taken")


# ---------------------------------------------------------------- back into a real server


def _value_expression(column: str, kind: str) -> str:
    """Cypher reading one typed column as neo4j-admin does: an empty field is no value, a
    quoted empty string is "" (or [] for an array), arrays split on the array delimiter."""
    cell = f"row[{column!r}]"
    converters = {"string": "x", "long": "toInteger(x)", "double": "toFloat(x)", "boolean": "toBoolean(x)"}
    if kind.endswith("[]"):
        element = converters[kind[:-2]]
        return (f"CASE WHEN {cell} IS NULL THEN null WHEN {cell} = '' THEN [] "
                f"ELSE [x IN split({cell}, $delimiter) | {element}] END")
    return converters[kind].replace("x", cell)


def _load_csv_back(driver, folder: Path) -> None:
    for name in CSV_FILES + [n for n in QUOTE_FILES if (folder / n).exists()]:
        header, _ = _read(folder / name)
        url = (folder / name).resolve().as_uri()
        properties = []
        for column in header:
            key, _, kind = column.partition(":")
            if key and not kind.startswith("ID"):
                properties.append(f"`{key}`: {_value_expression(column, kind)}")
            elif key:  # id:ID(space)
                properties.append(f"`{key}`: row[{column!r}]")
        props = "{" + ", ".join(properties) + "}"
        if name in ("documents.csv", "entities.csv", "quotes.csv"):
            query = (f"LOAD CSV WITH HEADERS FROM $url AS row "
                     f"CREATE (n:$(split(row[':LABEL'], $delimiter))) SET n = {props}")
        else:
            start_label, end_label = (column.partition("(")[2].rstrip(")") for column in header[:2])
            query = (f"LOAD CSV WITH HEADERS FROM $url AS row "
                     f"MATCH (a:{start_label} {{id: row[{header[0]!r}]}}) MATCH (b:{end_label} {{id: row[{header[1]!r}]}}) "
                     f"CREATE (a)-[r:$(row[':TYPE'])]->(b) SET r = {props}")
        driver.execute_query(query, url=url, delimiter=ARRAY_DELIMITER)


@pytest.mark.neo4j
def test_the_csv_files_load_back_to_what_kg_load_writes(empty_neo4j, neo4j_driver, neo4j_server_run_dir, tmp_path):
    # neo4j_server_run_dir: LOAD CSV reads file:// URLs, so the server must be the local test server.
    graph = _tricky_graph()
    load_graph(graph, settings=empty_neo4j)
    loaded = database_state(neo4j_driver, bookkeeping=False)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")

    write_neo4j_csv(graph, tmp_path)
    _load_csv_back(neo4j_driver, tmp_path)
    imported = database_state(neo4j_driver, bookkeeping=False)
    assert imported == loaded
    assert len(imported["nodes"]) == 10 and len(imported["relationships"]) == 17


@pytest.mark.neo4j
@pytest.mark.model
def test_kg_build_neo4j_csv_of_the_seeds_loads_back_to_what_kg_load_writes(empty_neo4j, neo4j_driver,
                                                                          neo4j_server_run_dir, tmp_path):
    """Both through the command line, on the seed articles: ``kg build --format neo4j-csv`` and
    ``kg load`` of the same inputs give the same database."""
    import os
    import subprocess
    import sys

    root = Path(__file__).resolve().parent.parent
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update(NEO4J_URI=empty_neo4j.uri, NEO4J_USERNAME=empty_neo4j.username, NEO4J_PASSWORD=empty_neo4j.password)
    if empty_neo4j.database:
        env["NEO4J_DATABASE"] = empty_neo4j.database

    def kg(*args: str) -> None:
        done = subprocess.run([sys.executable, "-m", "kg", *args, "--quiet"], cwd=root, env=env, capture_output=True,
                              text=True, timeout=300, check=False)
        assert done.returncode == 0, done.stderr

    kg("load", "seeds")
    loaded = database_state(neo4j_driver, bookkeeping=False)
    neo4j_driver.execute_query("MATCH (n) DETACH DELETE n")
    kg("build", "seeds", "--format", "neo4j-csv", "--out", str(tmp_path / "csv"), "--no-cache")
    _load_csv_back(neo4j_driver, tmp_path / "csv")
    imported = database_state(neo4j_driver, bookkeeping=False)
    assert imported == loaded
    relation_types = {rel_type for _, rel_type, _, _ in imported["relationships"]}
    assert {"MENTIONS", "NEAR_DUPLICATE_OF", "BANNED"} <= relation_types


@pytest.mark.neo4j
@pytest.mark.model
def test_the_real_neo4j_admin_imports_the_folder_as_kg_load_writes_it(empty_neo4j, neo4j_driver, neo4j_admin,
                                                                      seed_graph, tmp_path):
    """import.sh as written, with Neo4j 5.26's own neo4j-admin (Maven Central), into a fresh
    store; a server started on that store holds what ``kg load`` writes of the same graph: the
    seeds' graph and the hand-made one with quotes, newlines, an empty string and empty lists."""
    import os
    import subprocess

    from conftest_neo4j import graph_counts, start_server_on_store
    from kg.sinks.neo4j import connect

    tricky = _tricky_graph()
    graph = {"nodes": seed_graph["nodes"] + tricky["nodes"], "edges": seed_graph["edges"] + tricky["edges"]}
    load_graph(graph, settings=empty_neo4j)
    loaded = database_state(neo4j_driver, bookkeeping=False)

    write_neo4j_csv(graph, tmp_path / "csv")
    home = tmp_path / "home"
    home.mkdir()
    env = {**os.environ, "PATH": f"{neo4j_admin}{os.pathsep}{os.environ['PATH']}", "NEO4J_HOME": str(home),
           "KG_NEO4J_HEAP": "1g"}
    done = subprocess.run(["sh", str(tmp_path / "csv" / "import.sh")], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, (done.stdout + done.stderr)[-3000:]
    assert "IMPORT DONE" in done.stdout

    settings, stop = start_server_on_store(home, tmp_path / "run")
    try:
        with connect(settings) as driver:
            # schema.cypher, as its comment says (what cypher-shell -f would send, statement by statement)
            schema = (tmp_path / "csv" / "schema.cypher").read_text()
            lines = "\n".join(line for line in schema.splitlines() if not line.startswith("//"))
            for statement in filter(None, (part.strip() for part in lines.split(";"))):
                driver.execute_query(statement)
            imported = database_state(driver, bookkeeping=False)
            assert graph_counts(driver, bookkeeping=False) == graph_counts(neo4j_driver, bookkeeping=False)
            empty_aliases, _, _ = driver.execute_query(
                "MATCH (e:Entity {id: 'organization:velmart'}) RETURN e.aliases AS aliases")
    finally:
        stop()
    assert imported == loaded
    assert empty_aliases[0]["aliases"] == []  # an empty list arrives as [], not missing
    assert len(imported["nodes"]) == len(graph["nodes"])
