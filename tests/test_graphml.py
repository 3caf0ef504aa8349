"""kg.sinks.graphml: GraphML that the official schema, networkx, igraph and yEd take without loss
(Gephi: tests/test_gephi.py)."""
from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from lxml import etree

from kg.sinks.graphml import GRAPHML_NS, YED_NS, read_graphml, write_graphml, xml_token

XSD = Path(__file__).parent / "data" / "xsd"
NS = {"g": GRAPHML_NS, "y": YED_NS}


def _schema(name: str) -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD / name)))


def _assert_valid(path: Path, schema: str) -> None:
    checker = _schema(schema)
    assert checker.validate(etree.parse(str(path))), checker.error_log.last_error


def _graph() -> nx.MultiDiGraph:
    """Two relations of different types between one pair, a document with no title, an id
    with characters no NMTOKEN holds, and a relation with time."""
    graph = nx.MultiDiGraph()
    graph.add_node("organization:vell-foods", kind="entity", name="Vell Foods", type="Organization",
                   aliases=["Vell"], mentions=3, documents=1, merged_from=[])
    graph.add_node("location:øster-vik", kind="entity", name="Øster Vik", type="Location", aliases=[],
                   mentions=1, documents=1, merged_from=[], lat=60.5, lon=5.25)
    graph.add_node("story one [draft]", kind="document", title="", source="in/story one.txt",
                   published="2024-03-02", authors=["Ria Moe"], url="")
    graph.add_edge("story one [draft]", "organization:vell-foods",
                   key="story one [draft]-[MENTIONS]->organization:vell-foods", type="MENTIONS",
                   label="mentions", count=3)
    for rtype, weight in (("BASED_IN", 2), ("LOCATED_IN", 1)):
        graph.add_edge("organization:vell-foods", "location:øster-vik",
                       key=f"organization:vell-foods-[{rtype}]->location:øster-vik", type=rtype,
                       label=rtype.lower().replace("_", " "), weight=weight, documents=1, confidence=0.8,
                       evidence=[{"doc": "story one [draft]", "sentence": "s", "start": 0, "end": 1}],
                       sources=["rule"], past=False, first_seen="2024-03-02", last_seen="2024-03-02")
    return graph


def test_xml_token_makes_nmtokens_one_to_one() -> None:
    ids = ["organization:a-[BASED_IN]->location:b", "a b", "a_x0020_b", "a_b", "ø", "", "a\\x01", "x_x"]
    tokens = [xml_token(i) for i in ids]
    assert len(set(tokens)) == len(ids)
    assert tokens[0] == "organization:a-_x005B_BASED_IN_x005D_-_x003E_location:b"
    assert xml_token("organization:vell-foods") == "organization:vell-foods"  # kg's usual ids stay as they are
    schema = etree.XMLSchema(etree.XML(
        b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"><xs:element name="t">'
        b'<xs:complexType><xs:attribute name="v" type="xs:NMTOKEN"/></xs:complexType></xs:element></xs:schema>'))
    for token in tokens:
        assert schema.validate(etree.XML(f'<t v="{token}"/>'.encode())), token


def test_written_file_validates_and_carries_names_weights_and_gephi_types(tmp_path) -> None:
    path = tmp_path / "g.graphml"
    write_graphml(_graph(), path)
    _assert_valid(path, "graphml-kg.xsd")  # the official schema at its extension points
    root = etree.parse(str(path)).getroot()
    keys = {k.get("id"): k for k in root.iterfind("g:key", NS)}
    assert not {"d3", "d7"} & set(keys)  # Gephi reads those as yEd's labels
    assert keys["e.weight"].findtext("g:default", namespaces=NS) == "1"
    edges = root.findall("g:graph/g:edge", NS)
    assert sorted(e.get("label") for e in edges) == ["BASED_IN", "LOCATED_IN", "MENTIONS"]
    for edge in edges:
        assert edge.find("g:data[@key='e.weight']", NS) is not None
    for node in root.findall("g:graph/g:node", NS):
        assert node.findtext("g:data[@key='n.name']", namespaces=NS)
        assert node.findtext("g:data[@key='n.label']", namespaces=NS)


def test_without_gephi_edge_types_the_unextended_schema_accepts_it(tmp_path) -> None:
    path = tmp_path / "g.graphml"
    write_graphml(_graph(), path, gephi_edge_types=False)
    _assert_valid(path, "graphml.xsd")
    write_graphml(_graph(), path)
    assert not _schema("graphml.xsd").validate(etree.parse(str(path)))  # the Gephi attribute is an extension


def test_networkx_and_kg_read_it_back_to_the_same_graph(tmp_path) -> None:
    graph = _graph()
    path = tmp_path / "g.graphml"
    write_graphml(graph, path)
    raw = nx.read_graphml(path, force_multigraph=True)
    assert {d["kg_id"] for _, d in raw.nodes(data=True)} == set(graph.nodes)
    back = read_graphml(path)
    assert set(back.nodes) == set(graph.nodes)
    assert {k for *_, k in back.edges(keys=True)} == {k for *_, k in graph.edges(keys=True)}
    for node_id, data in graph.nodes(data=True):
        for name, value in data.items():
            expected = json.dumps(value, ensure_ascii=False) if isinstance(value, list) else value
            assert back.nodes[node_id][name] == expected, (node_id, name)
    assert back.nodes["story one [draft]"]["name"] == "story one.txt"
    for s, t, key, data in graph.edges(keys=True, data=True):
        kept = back.edges[s, t, key]
        assert kept["type"] == data["type"] and kept["weight"] == data.get("weight", data.get("count"))
        assert kept.get("first_seen") == data.get("first_seen")


def test_yed_variant_has_node_and_edge_labels(tmp_path) -> None:
    path = tmp_path / "g.graphml"
    write_graphml(_graph(), path, yed=True)
    _assert_valid(path, "graphml-kg.xsd")
    root = etree.parse(str(path)).getroot()
    labels = sorted(n.findtext(".//y:NodeLabel", namespaces=NS) for n in root.findall("g:graph/g:node", NS))
    assert labels == sorted(["story one.txt", "Vell Foods", "Øster Vik"])
    assert len(root.findall("g:graph/g:edge/g:data/y:PolyLineEdge/y:EdgeLabel", NS)) == 3


# --- real builds ---------------------------------------------------------------------------------

def _check_export(exports: dict[str, Path], tmp_path: Path) -> None:
    graph = json.loads(exports["json"].read_text(encoding="utf-8"))
    _assert_valid(exports["graphml"], "graphml-kg.xsd")
    _assert_valid(exports["graphml-yed"], "graphml-kg.xsd")
    # The same graph without the Gephi attribute passes the unextended official schema.
    strict = tmp_path / "strict.graphml"
    write_graphml(read_graphml(exports["graphml"]), strict, gephi_edge_types=False)
    _assert_valid(strict, "graphml.xsd")

    back = read_graphml(exports["graphml"])
    assert set(back.nodes) == {n["id"] for n in graph["nodes"]}
    assert {k for *_, k in back.edges(keys=True)} == {e["id"] for e in graph["edges"]}
    for node in graph["nodes"]:
        assert back.nodes[node["id"]]["name"], node["id"]  # documents too
    for edge in graph["edges"]:
        kept = back.edges[edge["source"], edge["target"], edge["id"]]
        assert kept["type"] == edge["type"]
        assert kept["weight"] >= 1
        if "weight" in edge:
            assert kept["weight"] == edge["weight"]
        assert (kept.get("first_seen"), kept.get("last_seen")) == (edge.get("first_seen"), edge.get("last_seen"))
    yed = etree.parse(str(exports["graphml-yed"])).getroot()
    assert len(yed.findall(".//y:NodeLabel", NS)) == len(graph["nodes"])
    assert nx.read_graphml(exports["graphml-yed"], force_multigraph=True).number_of_edges() == len(graph["edges"])


def _igraph_weighted_path(path: Path) -> None:
    import igraph

    g = igraph.Graph.Read_GraphML(str(path))
    weights = g.es["weight"]
    assert weights and all(isinstance(w, float) and math.isfinite(w) and w > 0 for w in weights)
    assert all(g.vs["name"])
    relation = next(e for e in g.es if e["type"] not in ("MENTIONS", "NEAR_DUPLICATE_OF"))
    source = relation.source
    reachable = [v for v in g.subcomponent(source, mode="out") if v != source]
    distances = g.distances(source, weights="weight")[0]
    far = max(reachable, key=distances.__getitem__)
    distance = distances[far]
    [path_vertices] = g.get_shortest_paths(source, far, weights="weight", output="vpath")
    assert math.isfinite(distance) and distance > 0 and path_vertices[0] == source and path_vertices[-1] == far


@pytest.mark.model
def test_seeds_graphml_validates_and_round_trips(seed_exports, tmp_path) -> None:
    _check_export(seed_exports, tmp_path)


@pytest.mark.model
def test_igraph_runs_a_weighted_shortest_path_on_the_seeds(seed_exports) -> None:
    _igraph_weighted_path(seed_exports["graphml"])


@pytest.mark.model
@pytest.mark.slow
def test_corpus_graphml_validates_and_round_trips(corpus_exports, tmp_path) -> None:
    graph = json.loads(corpus_exports["json"].read_text(encoding="utf-8"))
    pairs = Counter((e["source"], e["target"]) for e in graph["edges"])
    assert len(graph["nodes"]) > 500 and len(graph["edges"]) > 1000
    assert max(pairs.values()) > 1  # parallel edges of different types: what Gephi used to merge
    _check_export(corpus_exports, tmp_path)
    _igraph_weighted_path(corpus_exports["graphml"])
