"""kg.sinks.gexf: GEXF 1.2 with typed attributes and relation edges in time, valid against the
schema and read back by networkx (Gephi: tests/test_gephi.py)."""
from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree

from kg.sinks.gexf import GEXF_NS, write_gexf

XSD = Path(__file__).parent / "data" / "xsd"
NS = {"x": GEXF_NS}


def _assert_valid(path: Path, schema: str) -> None:
    checker = etree.XMLSchema(etree.parse(str(XSD / schema)))
    assert checker.validate(etree.parse(str(path))), checker.error_log.last_error


def _graph() -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_node("person:ida-rask", kind="entity", name="Ida Rask", type="Person", aliases=["I. Rask"],
                   mentions=2, documents=2, merged_from=[])
    graph.add_node("organization:tarn-labs", kind="entity", name="Tarn Labs", type="Organization", aliases=[],
                   mentions=2, documents=2, merged_from=[])
    graph.add_node("d1", kind="document", title="Tarn news", source="in/d1.txt", published="2023-05-01",
                   authors=[], url="")
    graph.add_edge("d1", "person:ida-rask", key="d1-[MENTIONS]->person:ida-rask", type="MENTIONS",
                   label="mentions", count=2)
    graph.add_edge("person:ida-rask", "organization:tarn-labs", key="person:ida-rask-[FOUNDED]->organization:tarn-labs",
                   type="FOUNDED", label="founded", weight=2, documents=2, confidence=0.91, evidence=[],
                   sources=["rule"], past=False, first_seen="2023-05-01", last_seen="2024-02-11")
    graph.add_edge("person:ida-rask", "organization:tarn-labs", key="person:ida-rask-[LEADS]->organization:tarn-labs",
                   type="LEADS", label="leads", weight=1, documents=1, confidence=0.7, evidence=[],
                   sources=["model"], past=False)  # no date known: always there
    return graph


def test_gexf_validates_with_typed_attributes_and_intervals(tmp_path) -> None:
    path = tmp_path / "g.gexf"
    write_gexf(_graph(), path)
    _assert_valid(path, "gexf-kg.xsd")
    root = etree.parse(str(path)).getroot()
    graph = root.find("x:graph", NS)
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")
    types = {(a.getparent().get("class"), a.get("title")): a.get("type") for a in graph.iterfind("x:attributes/x:attribute", NS)}
    assert types[("node", "mentions")] == "integer" and types[("edge", "confidence")] == "double"
    assert types[("edge", "past")] == "boolean" and types[("node", "aliases")] == "string"
    edges = {e.get("kind"): e for e in graph.iterfind("x:edges/x:edge", NS)}
    assert (edges["FOUNDED"].get("start"), edges["FOUNDED"].get("end")) == ("2023-05-01", "2024-02-11")
    assert edges["LEADS"].get("start") is None and edges["MENTIONS"].get("weight") == "2.0"
    labels = {n.get("id"): n.get("label") for n in graph.iterfind("x:nodes/x:node", NS)}
    assert labels == {"person:ida-rask": "Ida Rask", "organization:tarn-labs": "Tarn Labs", "d1": "Tarn news"}


def test_without_gephi_edge_types_the_unextended_schema_accepts_it(tmp_path) -> None:
    path = tmp_path / "g.gexf"
    write_gexf(_graph(), path, gephi_edge_types=False)
    _assert_valid(path, "gexf.xsd")


def test_networkx_reads_it_back_with_times_and_types(tmp_path) -> None:
    graph = _graph()
    path = tmp_path / "g.gexf"
    write_gexf(graph, path)
    back = nx.read_gexf(path)
    assert set(back.nodes) == set(graph.nodes)
    assert back.nodes["person:ida-rask"]["mentions"] == 2
    assert json.loads(back.nodes["person:ida-rask"]["aliases"]) == ["I. Rask"]
    edges = {d["id"]: d for *_, d in back.edges(data=True)}  # a DiGraph when no edge is parallel
    assert set(edges) == {k for *_, k in graph.edges(keys=True)}
    founded = edges["person:ida-rask-[FOUNDED]->organization:tarn-labs"]
    assert (founded["start"], founded["end"]) == ("2023-05-01", "2024-02-11")
    assert founded["type"] == "FOUNDED" and founded["weight"] == 2.0 and founded["past"] is False


def _check_export(exports: dict[str, Path]) -> int:
    graph = json.loads(exports["json"].read_text(encoding="utf-8"))
    _assert_valid(exports["gexf"], "gexf-kg.xsd")
    back = nx.read_gexf(exports["gexf"])
    assert set(back.nodes) == {n["id"] for n in graph["nodes"]}
    edges = {d["id"]: d for *_, d in back.edges(data=True)}  # a DiGraph when no edge is parallel
    assert set(edges) == {e["id"] for e in graph["edges"]}
    published = {n["id"]: n.get("published") for n in graph["nodes"] if n["kind"] == "document"}
    timed = 0
    for edge in graph["edges"]:
        if edge["type"] in ("MENTIONS", "NEAR_DUPLICATE_OF"):
            continue
        # first_seen/last_seen: the first and last publication dates of the edge's evidence.
        dates = sorted(published[e["doc"]] for e in edge["evidence"] if published.get(e["doc"]))
        assert (edge.get("first_seen"), edge.get("last_seen")) == ((dates[0], dates[-1]) if dates else (None, None))
        kept = edges[edge["id"]]
        assert kept["type"] == edge["type"]
        assert (kept.get("start"), kept.get("end")) == (edge.get("first_seen"), edge.get("last_seen"))
        timed += bool(dates)
    return timed


@pytest.mark.model
def test_seeds_gexf_validates_and_shows_time(seed_exports) -> None:
    assert _check_export(seed_exports) > 0


@pytest.mark.model
@pytest.mark.slow
def test_corpus_gexf_validates_and_shows_time(corpus_exports) -> None:
    graph = json.loads(corpus_exports["json"].read_text(encoding="utf-8"))
    spans = {(e["first_seen"], e["last_seen"]) for e in graph["edges"] if "first_seen" in e}
    assert any(first < last for first, last in spans)  # some relations span several days
    assert _check_export(corpus_exports) > 100


def test_ids_that_would_meet_once_escaped_are_refused(tmp_path) -> None:
    from kg.errors import InputError

    graph = nx.MultiDiGraph()
    graph.add_node("a\x01", kind="document", title="t")
    graph.add_node("a\\x01", kind="document", title="t")
    with pytest.raises(InputError, match="one GEXF node"):
        write_gexf(graph, tmp_path / "g.gexf")
    assert not (tmp_path / "g.gexf").exists()
