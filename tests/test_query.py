"""kg.query and the shipped queries/: header parsing, parameters, output formats, and every query
run against a real Neo4j loaded with the sample graph."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from conftest_neo4j import make_sample_graph
from kg.errors import Neo4jError, UsageError
from kg.query import (
    QueryResult,
    available_queries,
    bind_parameters,
    find_query,
    format_result,
    parse_param_options,
    read_query,
    run_query,
)
from kg.sinks.neo4j import load_graph

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted((ROOT / "queries").glob("*.cypher"))
REQUIRED_QUERIES = {"who-banned-whom", "entity", "edge-evidence", "most-connected", "shortest-paths",
                    "co-mentioned", "documents-about", "near-duplicates", "relation-types", "find-entity",
                    "added-since"}


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# ---------------------------------------------------------------- the shipped files


def test_the_analysts_queries_are_all_there():
    assert len(SHIPPED) >= 10
    assert REQUIRED_QUERIES <= {p.stem for p in SHIPPED}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.stem)
def test_each_query_says_what_it_answers_and_declares_exactly_the_parameters_it_uses(path):
    query = read_query(path)
    assert len(query.description) > 20
    assert {p.name for p in query.parameters} == set(query.used_parameters)
    assert all(p.description for p in query.parameters)


# ---------------------------------------------------------------- finding and headers (pure)


def test_the_queries_ship_inside_the_package_too():
    # kg/queries links to queries/, and pyproject's package data takes kg/queries/*.cypher into a
    # wheel: a non-editable install finds the same queries by name.
    assert (ROOT / "kg" / "queries").resolve() == (ROOT / "queries").resolve()
    assert '"queries/*.cypher"' in (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    installed = Path(__import__("kg").__file__).resolve().parent / "queries"
    assert sorted(p.name for p in installed.glob("*.cypher")) == [p.name for p in SHIPPED]


def test_queries_are_found_by_name_with_or_without_suffix_and_by_path(tmp_path):
    assert find_query("who-banned-whom", cwd=tmp_path) == ROOT / "queries" / "who-banned-whom.cypher"
    assert find_query("who-banned-whom.cypher", cwd=tmp_path).name == "who-banned-whom.cypher"
    own = _write(tmp_path, "mine.cypher", "// Counts nodes.\n// Parameters: none\nMATCH (n) RETURN count(n)\n")
    assert find_query(str(own)) == own
    assert find_query("mine.cypher", cwd=tmp_path) == own


def test_a_project_queries_folder_comes_first(tmp_path):
    (tmp_path / "queries").mkdir()
    local = _write(tmp_path / "queries", "who-banned-whom.cypher", "// Local override.\nRETURN 1 AS x\n")
    assert find_query("who-banned-whom", cwd=tmp_path) == local
    assert "entity" in available_queries(cwd=tmp_path)


def test_an_unknown_query_lists_the_known_ones(tmp_path):
    with pytest.raises(UsageError, match="unknown query 'who-sued'; known queries: .*who-banned-whom"):
        find_query("who-sued", cwd=tmp_path)
    with pytest.raises(UsageError, match="no query file"):
        find_query("nowhere/at-all.cypher", cwd=tmp_path)


def test_the_header_gives_description_types_and_defaults(tmp_path):
    path = _write(tmp_path, "q.cypher", (
        "// Which entities were named\n// in a window of time.\n"
        "// Parameters:\n"
        "//   $name (string): the entity\n"
        "//   $limit (integer, default 5): at most this many,\n"
        "//       counted after sorting\n"
        "//   $since (date, default 2020-01-01): first day\n"
        "//   $strict (boolean, default false): exact names only\n"
        "MATCH (e:Entity) WHERE e.name = $name RETURN e LIMIT $limit // $not_a_parameter\n"))
    query = read_query(path)
    assert query.description == "Which entities were named in a window of time."
    assert [(p.name, p.type, p.default, p.required) for p in query.parameters] == [
        ("name", "string", None, True), ("limit", "integer", "5", False),
        ("since", "date", "2020-01-01", False), ("strict", "boolean", "false", False)]
    assert query.parameters[1].description == "at most this many, counted after sorting"
    assert query.used_parameters == {"name", "limit"}
    assert bind_parameters(query, {"name": "Velmart"}) == {
        "name": "Velmart", "limit": 5, "since": "2020-01-01", "strict": False}
    assert bind_parameters(query, {"name": "X", "limit": "7", "strict": "yes"})["limit"] == 7


def test_a_missing_parameter_is_named_in_one_line():
    query = read_query(ROOT / "queries" / "edge-evidence.cypher")
    with pytest.raises(UsageError) as caught:
        bind_parameters(query, {"subject": "Velmart"})
    message = str(caught.value)
    assert "'object'" in message and "\n" not in message


def test_wrong_parameter_values_and_names_are_usage_errors():
    query = read_query(ROOT / "queries" / "added-since.cypher")
    for bad in ("yesterday", "2021-13-01", "2021-3-1"):
        with pytest.raises(UsageError, match="must be a date"):
            bind_parameters(query, {"since": bad})
    with pytest.raises(UsageError, match="has no parameter 'snice'"):
        bind_parameters(query, {"snice": "2021-01-01"})
    limited = read_query(ROOT / "queries" / "most-connected.cypher")
    with pytest.raises(UsageError, match="must be an integer"):
        bind_parameters(limited, {"limit": "ten"})


def test_param_options_split_on_the_first_equals_sign():
    assert parse_param_options(["entity=A=B", "$limit=3", "empty="]) == {"entity": "A=B", "limit": "3", "empty": ""}
    with pytest.raises(UsageError, match="key=value"):
        parse_param_options(["novalue"])


def test_a_header_without_a_description_or_with_a_bad_type_is_refused(tmp_path):
    with pytest.raises(UsageError, match="does not open with a // comment"):
        read_query(_write(tmp_path, "bare.cypher", "MATCH (n) RETURN n\n"))
    with pytest.raises(UsageError, match="unknown type 'number'"):
        read_query(_write(tmp_path, "typed.cypher", "// Something.\n// Parameters:\n//   $x (number): x\nRETURN $x\n"))


# ---------------------------------------------------------------- formats (pure)


RESULT = QueryResult(columns=("name", "weight", "evidence", "score"),
                     rows=(("Zentrix Labs", 3, ["doc-a: first, sentence", "doc-b: second"], 0.5),
                           ("Velmart", None, [], 1.25)))


def test_table_output_aligns_columns_and_counts_rows():
    lines = format_result(RESULT, "table").splitlines()
    assert lines[0].split() == ["name", "weight", "evidence", "score"]
    assert set(lines[1].replace(" ", "")) == {"-"}
    assert lines[2].startswith("Zentrix Labs  3 ") and "doc-a: first, sentence; doc-b: second" in lines[2]
    assert lines[0].index("weight") == lines[2].index("3")
    assert lines[-1] == "(2 rows)"


def test_csv_output_round_trips_through_a_csv_reader():
    rows = list(csv.reader(io.StringIO(format_result(RESULT, "csv"))))
    assert rows[0] == ["name", "weight", "evidence", "score"]
    assert rows[1][0] == "Zentrix Labs" and json.loads(rows[1][2]) == ["doc-a: first, sentence", "doc-b: second"]
    assert rows[2] == ["Velmart", "", "[]", "1.25"]


def test_json_output_is_a_list_of_objects():
    assert json.loads(format_result(RESULT, "json")) == [
        {"name": "Zentrix Labs", "weight": 3, "evidence": ["doc-a: first, sentence", "doc-b: second"], "score": 0.5},
        {"name": "Velmart", "weight": None, "evidence": [], "score": 1.25}]


def test_an_unknown_format_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown format"):
        format_result(RESULT, "xml")


# ---------------------------------------------------------------- every query on a real server


@pytest.fixture(scope="module")
def loaded(neo4j_settings, neo4j_driver):
    """The sample graph, loaded once for this module's read-only queries."""
    with neo4j_driver.session(database=neo4j_settings.database) as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    load_graph(make_sample_graph(), settings=neo4j_settings)
    return neo4j_settings


def _run(settings, name: str, **params: str) -> list[dict]:
    query = read_query(find_query(name))
    return run_query(query, bind_parameters(query, params), settings=settings).as_dicts()


@pytest.mark.neo4j
def test_who_banned_whom_lists_the_ban_with_its_evidence(loaded):
    rows = _run(loaded, "who-banned-whom")
    assert len(rows) == 1
    row = rows[0]
    assert (row["banned_by"], row["banned"], row["weight"], row["documents"]) == (
        "Trade Safety Board", "Zentrix Labs", 3, 2)
    assert row["evidence"] == [
        "doc-a: The Trade Safety Board banned Zentrix Labs software on Monday.",
        "doc-a: The Board said the ban takes effect in 90 days.",
        "doc-b: The ban by the TSB came last week."]


@pytest.mark.neo4j
def test_entity_finds_by_alias_and_lists_every_relation(loaded):
    rows = _run(loaded, "entity", entity="zentrix")  # an alias, in another case
    assert {r["id"] for r in rows} == {"organization:zentrix-labs"}
    assert rows[0]["mentions"] == 9 and rows[0]["documents"] == 4
    assert sorted((r["direction"], r["relation"], r["other"]) for r in rows) == [
        ("in", "BANNED", "Trade Safety Board"), ("in", "FOUNDED", "Orla Vance"),
        ("in", "PULLED_PRODUCTS", "Velmart"), ("out", "BASED_IN", "Port Arlen")]
    assert rows[0]["relation"] == "BANNED"  # strongest first


@pytest.mark.neo4j
def test_edge_evidence_gives_each_sentence_with_its_document(loaded):
    rows = _run(loaded, "edge-evidence", subject="TSB", object="Zentrix Labs", relation="BANNED")
    assert [(r["document"], r["start"], r["published"]) for r in rows] == [
        ("doc-a", 0, "2021-03-01"), ("doc-a", 64, "2021-03-01"), ("doc-b", 120, "2021-03-05")]
    assert rows[2]["sentence"] == "The ban by the TSB came last week." and rows[2]["end"] == 120 + 34
    assert _run(loaded, "edge-evidence", subject="Zentrix Labs", object="TSB") == []  # direction matters


@pytest.mark.neo4j
def test_most_connected_ranks_by_distinct_neighbours(loaded):
    rows = _run(loaded, "most-connected", limit="2")
    assert [(r["entity"], r["neighbours"], r["relations"], r["evidence"]) for r in rows] == [
        ("Zentrix Labs", 4, 4, 7), ("Trade Safety Board", 2, 2, 4)]


@pytest.mark.neo4j
def test_shortest_paths_go_over_relations_in_either_direction(loaded):
    rows = _run(loaded, "shortest-paths", **{"from": "Orla Vance", "to": "Port Arlen"})
    assert rows == [{"hops": 2, "path": "Orla Vance -[FOUNDED]-> Zentrix Labs -[BASED_IN]-> Port Arlen"}]
    rows = _run(loaded, "shortest-paths", **{"from": "Velmart", "to": "CDO"})
    assert rows == [{"hops": 3, "path": "Velmart -[PULLED_PRODUCTS]-> Zentrix Labs <-[BANNED]- "
                                        "Trade Safety Board -[EXEMPTED]-> Civic Data Office"}]


@pytest.mark.neo4j
def test_co_mentioned_counts_shared_documents(loaded):
    rows = _run(loaded, "co-mentioned", entity="Velmart")
    assert [(r["entity"], r["shared_documents"]) for r in rows] == [
        ("Zentrix Labs", 2), ("Trade Safety Board", 1)]
    assert sorted(rows[0]["sample_documents"]) == ["doc-b", "doc-c"]


@pytest.mark.neo4j
def test_documents_about_orders_by_mentions(loaded):
    rows = _run(loaded, "documents-about", entity="organization:trade-safety-board")
    assert [(r["document"], r["mentions"]) for r in rows] == [("doc-a", 3), ("doc-b", 1)]
    assert rows[0]["title"] == "Regulator bars Zentrix software"


@pytest.mark.neo4j
def test_near_duplicates_respects_the_threshold(loaded):
    rows = _run(loaded, "near-duplicates")
    assert [(r["document"], r["duplicate_of"]) for r in rows] == [("doc-c", "doc-b")]
    assert rows[0]["similarity"] == pytest.approx(0.93)
    assert _run(loaded, "near-duplicates", min_similarity="0.95") == []


@pytest.mark.neo4j
def test_relation_types_summarises_each_type(loaded):
    rows = {r["relation"]: r for r in _run(loaded, "relation-types")}
    assert set(rows) == {"BANNED", "EXEMPTED", "BASED_IN", "PULLED_PRODUCTS", "FOUNDED"}
    assert (rows["BANNED"]["edges"], rows["BANNED"]["evidence"], rows["BANNED"]["label"]) == (1, 3, "banned")
    assert rows["PULLED_PRODUCTS"]["evidence"] == 2 and rows["FOUNDED"]["entities"] == 2


@pytest.mark.neo4j
def test_find_entity_searches_names_and_aliases(loaded):
    assert [r["id"] for r in _run(loaded, "find-entity", text="CDO")] == ["organization:civic-data-office"]
    assert [r["id"] for r in _run(loaded, "find-entity", text="vance")] == ["person:orla-vance"]
    assert _run(loaded, "find-entity", text="zent*")[0]["name"] == "Zentrix Labs"


@pytest.mark.neo4j
def test_added_since_lists_evidence_from_newer_documents(loaded):
    rows = _run(loaded, "added-since", since="2021-03-06")
    assert [(r["published"], r["subject"], r["relation"], r["object"]) for r in rows] == [
        ("2022-01-10", "Orla Vance", "FOUNDED", "Zentrix Labs"),
        ("2021-03-06", "Velmart", "PULLED_PRODUCTS", "Zentrix Labs")]
    assert len(_run(loaded, "added-since", since="2021-01-01")) == 8


@pytest.mark.neo4j
def test_relations_of_type_takes_the_type_as_a_parameter(loaded):
    rows = _run(loaded, "relations-of-type", relation="FOUNDED")
    assert [(r["subject"], r["object"], r["evidence_documents"]) for r in rows] == [
        ("Orla Vance", "Zentrix Labs", ["doc-d"])]


@pytest.mark.neo4j
def test_query_files_run_read_only(loaded, tmp_path):
    path = _write(tmp_path, "sneaky.cypher", "// Tries to write.\n// Parameters: none\nCREATE (:Entity {id: 'x'})\n")
    with pytest.raises(Neo4jError):
        run_query(read_query(path), {}, settings=loaded)
    assert _run(loaded, "find-entity", text="x") == []


# ---------------------------------------------------------------- output for people


def _long_result() -> QueryResult:
    sentence = "The Trade Safety Board said on Monday that the ban would take effect in ninety days. " * 3
    return QueryResult(columns=("relation", "document", "sentence", "start"),
                       rows=(("BANNED", "doc-a", sentence.strip(), 0), ("EXEMPTED", "doc-b", "Short one.", 200)))


@pytest.mark.parametrize("width", [60, 80, 120])
def test_a_table_fits_the_width_cutting_long_cells_and_says_so(width):
    text = format_result(_long_result(), "table", width=width)
    lines = text.splitlines()
    assert all(len(line) <= width for line in lines[:-1]), text
    assert lines[0].split() == ["relation", "document", "sentence", "start"]
    assert lines[2].startswith("BANNED    doc-a     The Trade Safety Board") and "\u2026" in lines[2]
    assert lines[2].rstrip().endswith("0") and lines[3].rstrip().endswith("200")  # columns after the cut stay
    assert "Short one." in lines[3]
    assert lines[-1] == (f"(2 rows; long cells cut to fit {width} columns: --format csv or json, "
                         "or a pipe, shows them whole)")


def test_a_table_without_a_width_or_that_fits_keeps_every_cell_whole():
    whole = format_result(_long_result(), "table")
    assert _long_result().rows[0][2] in whole and whole.splitlines()[-1] == "(2 rows)"
    assert format_result(RESULT, "table", width=200) == format_result(RESULT, "table")


def test_relation_type_parameters_take_any_case_and_spaces():
    query = read_query(find_query("relations-of-type"))
    for given in ("banned", "Banned", " BANNED "):
        assert bind_parameters(query, {"relation": given})["relation"] == "BANNED"
    assert bind_parameters(query, {"relation": "pulled products"})["relation"] == "PULLED_PRODUCTS"
    assert bind_parameters(query, {"relation": "pulled-products"})["relation"] == "PULLED_PRODUCTS"
    with pytest.raises(UsageError, match="must be a relation type"):
        bind_parameters(query, {"relation": "banned!"})
    evidence = read_query(find_query("edge-evidence"))
    assert bind_parameters(evidence, {"subject": "a", "object": "b"})["relation"] == ""  # any type


@pytest.mark.neo4j
def test_relation_types_match_the_database_or_are_refused_with_its_list(loaded):
    rows = _run(loaded, "relations-of-type", relation="founded")
    assert [(r["subject"], r["object"]) for r in rows] == [("Orla Vance", "Zentrix Labs")]
    assert len(_run(loaded, "edge-evidence", subject="TSB", object="Zentrix", relation="Banned")) == 3
    with pytest.raises(UsageError) as refused:
        _run(loaded, "relations-of-type", relation="bannned")
    assert str(refused.value) == (
        "query relations-of-type: no relation type BANNNED in the database (--param relation=...; its types: "
        "BANNED, BASED_IN, EXEMPTED, FOUNDED, MENTIONS, NEAR_DUPLICATE_OF, PULLED_PRODUCTS)")


@pytest.mark.neo4j
@pytest.mark.parametrize("text, column", [("zentrix AND (", 13), ('"zentrix', 9), ("a:b:", 3)])
def test_a_search_text_lucene_cannot_parse_is_one_line(loaded, text, column):
    with pytest.raises(UsageError) as refused:
        _run(loaded, "find-entity", text=text)
    message = str(refused.value)
    assert message.startswith(f"query find-entity: --param text={text!r} is not valid full-text search syntax "
                              f"(at character {column}): put a phrase in double quotes")
    assert "\n" not in message and "lucene" not in message.lower() and "Exception" not in message
