"""kg.sinks.json, kg.sinks.graphml and kg.sinks.files: the contract's JSON and GraphML shapes,
GraphML that re-reads to the same graph, and atomic writes."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path

import defusedxml.ElementTree as SafeET
import networkx as nx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.graph import MENTIONS, NEAR_DUPLICATE_OF, build_graph
from kg.ids import entity_id
from kg.sinks.files import atomic_writer
from kg.sinks.graphml import read_graphml, to_graphml_graph, under_kg_ids, write_graphml
from kg.sinks.json import extraction_record, graph_to_json, read_graph_json, write_extractions, write_graph_json
from kg.types import Document, Entity, Evidence, Extraction, Mention, Relation

GRAPHML_NS = "{http://graphml.graphdrawing.org/xmlns}"
# Fields the contract names, and the extra fields kg adds on purpose (audit trail, provenance).
ENTITY_NODE_FIELDS = {"id", "kind", "name", "type", "aliases", "mentions", "documents"}
ENTITY_NODE_EXTRAS = {"merged_from"}
DOCUMENT_NODE_FIELDS = {"id", "kind", "title", "source", "published", "authors"}
DOCUMENT_NODE_EXTRAS = {"url"}
RELATION_EDGE_FIELDS = {"id", "source", "target", "type", "label", "weight", "documents", "confidence", "evidence",
                        "sources", "past"}  # sources: rule names and/or "model"; past: only ever stated as ended
EVIDENCE_FIELDS = {"doc", "sentence", "start", "end"}
EVIDENCE_EXTRAS = {"rule"}

STORY = (
    "Ravi Okonjo, the chief of Marlowe Freight, said on Friday that the company would move its "
    "warehouse to Tessing. Marlowe Freight employs about two hundred people at the old site."
)
SYNDICATED = STORY + " The move is expected to take a year."
OTHER = "Ravi Okonjo did not join Lindqvist Rail. Lindqvist Rail is based in Tessing."


def _entity(text: str, entity_type: str, name: str) -> Entity:
    eid = entity_id(entity_type, name)
    mentions = tuple(
        Mention(m.start(), m.end(), name, entity_type, "name", eid) for m in re.finditer(re.escape(name), text)
    )
    return Entity(eid, name, entity_type, (), mentions)


def _relation(doc: Document, subject: Entity, rtype: str, obj: Entity, sentence: str, confidence: float, **kw) -> Relation:
    start = doc.text.index(sentence)
    evidence = Evidence(doc.id, sentence, start, start + len(sentence), "test-rule")
    return Relation(subject.id, rtype, obj.id, rtype.lower().replace("_", " "), confidence, evidence, **kw)


def _extractions() -> list[Extraction]:
    extractions = []
    for doc_id, text, meta in [
        ("story-1", STORY, {"title": "Freight move", "published": "2023-06-02", "authors": ("Ada Pell",)}),
        ("story-2", SYNDICATED, {"source": "wire/story-2.txt"}),
    ]:
        doc = Document(doc_id, text, **meta)
        ravi, marlowe, tessing = (
            _entity(text, "Person", "Ravi Okonjo"),
            _entity(text, "Organization", "Marlowe Freight"),
            _entity(text, "Location", "Tessing"),
        )
        relations = (
            _relation(doc, ravi, "LEADS", marlowe, STORY.split(", said")[0], 0.8),
            _relation(doc, marlowe, "BASED_IN", tessing, STORY.split(". ")[0] + ".", 0.4),
        )
        extractions.append(Extraction(doc, (ravi, marlowe, tessing), relations))
    doc = Document("story-3", OTHER)
    ravi, lindqvist, tessing = (
        _entity(OTHER, "Person", "Ravi Okonjo"),
        _entity(OTHER, "Organization", "Lindqvist Rail"),
        _entity(OTHER, "Location", "Tessing"),
    )
    relations = (
        _relation(doc, ravi, "WORKS_FOR", lindqvist, "Ravi Okonjo did not join Lindqvist Rail.", 0.7, negated=True),
        _relation(doc, lindqvist, "BASED_IN", tessing, "Lindqvist Rail is based in Tessing.", 0.9),
    )
    extractions.append(Extraction(doc, (ravi, lindqvist, tessing), relations))
    return extractions


@pytest.fixture(scope="module")
def built():
    return build_graph(_extractions())


@pytest.fixture(scope="module")
def graph(built):
    return built[0]


# --- JSON graph ---------------------------------------------------------------------------


def test_graph_json_nodes_have_the_contract_fields(graph):
    data = graph_to_json(graph)
    assert set(data) == {"nodes", "edges"}
    kinds = {node["kind"] for node in data["nodes"]}
    assert kinds == {"entity", "document"}
    for node in data["nodes"]:
        if node["kind"] == "entity":
            assert ENTITY_NODE_FIELDS <= set(node) <= ENTITY_NODE_FIELDS | ENTITY_NODE_EXTRAS
            assert isinstance(node["name"], str) and node["name"]
            assert node["type"] in {"Person", "Organization", "Location"}
            assert isinstance(node["aliases"], list)
            assert isinstance(node["mentions"], int) and node["mentions"] >= 1
            assert isinstance(node["documents"], int) and node["documents"] >= 1
            assert node["id"] == entity_id(node["type"], node["name"])
        else:
            assert DOCUMENT_NODE_FIELDS <= set(node) <= DOCUMENT_NODE_FIELDS | DOCUMENT_NODE_EXTRAS
            assert isinstance(node["authors"], list)
            assert all(isinstance(node[f], str) for f in ("title", "source", "published"))
    by_id = {node["id"]: node for node in data["nodes"]}
    assert by_id["story-1"]["authors"] == ["Ada Pell"]
    assert by_id["story-1"]["published"] == "2023-06-02"
    assert by_id["person:ravi-okonjo"]["documents"] == 3
    assert [n["id"] for n in data["nodes"]] == sorted(by_id)


def test_graph_json_edges_have_the_contract_fields(graph):
    data = graph_to_json(graph)
    node_ids = {n["id"] for n in data["nodes"]}
    types = set()
    for edge in data["edges"]:
        assert edge["source"] in node_ids and edge["target"] in node_ids
        types.add(edge["type"])
        if edge["type"] == MENTIONS:
            assert set(edge) == {"id", "source", "target", "type", "label", "count"}
            assert isinstance(edge["count"], int) and edge["count"] >= 1
        elif edge["type"] == NEAR_DUPLICATE_OF:
            assert set(edge) == {"id", "source", "target", "type", "label", "similarity"}
            assert 0 < edge["similarity"] <= 1
        else:
            # first_seen/last_seen (CONTRACT round 2) when an evidence document has a date.
            assert RELATION_EDGE_FIELDS <= set(edge) <= RELATION_EDGE_FIELDS | {"first_seen", "last_seen"}
            assert ("first_seen" in edge) == ("last_seen" in edge)
            if "first_seen" in edge:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", edge["first_seen"]) and edge["first_seen"] <= edge["last_seen"]
            assert re.fullmatch(r"[A-Z][A-Z0-9_]*", edge["type"])
            assert edge["label"] == edge["label"].lower()
            assert isinstance(edge["weight"], int) and edge["weight"] == len(edge["evidence"])
            assert isinstance(edge["documents"], int)
            assert edge["documents"] == len({e["doc"] for e in edge["evidence"]})
            assert isinstance(edge["confidence"], float) and 0 < edge["confidence"] <= 1
            for evidence in edge["evidence"]:
                assert EVIDENCE_FIELDS <= set(evidence) <= EVIDENCE_FIELDS | EVIDENCE_EXTRAS
                assert isinstance(evidence["start"], int) and isinstance(evidence["end"], int)
    assert {MENTIONS, NEAR_DUPLICATE_OF, "LEADS", "BASED_IN"} <= types
    assert "WORKS_FOR" not in types  # negated in its only sentence
    ids = [e["id"] for e in data["edges"]]
    assert len(ids) == len(set(ids)) and ids == sorted(ids)


def test_graph_json_file_round_trips(graph, tmp_path):
    path = tmp_path / "out" / "graph.json"
    write_graph_json(graph, path)
    assert read_graph_json(path) == json.loads(json.dumps(graph_to_json(graph)))
    assert path.read_text(encoding="utf-8").endswith("\n")


# --- kg extract records -------------------------------------------------------------------


def test_extraction_record_shape(built):
    _, local = built
    texts = {x.document.id: x.document.text for x in local}
    records = [extraction_record(x) for x in local]
    for record in records:
        assert {"id", "title", "published", "authors", "entities", "relations"} <= set(record)
        assert set(record) <= {"id", "title", "published", "authors", "entities", "relations", "source", "quotes"}
        assert isinstance(record["authors"], list)
        entity_ids = set()
        for entity in record["entities"]:
            assert {"id", "name", "type", "aliases", "mentions"} <= set(entity)
            assert set(entity) <= {"id", "name", "type", "aliases", "mentions", "merged_from"}
            assert isinstance(entity["aliases"], list)
            entity_ids.add(entity["id"])
            for mention in entity["mentions"]:
                assert set(mention) == {"text", "start", "end", "kind"}
                assert mention["kind"] in {"name", "pronoun", "nominal"}
                assert texts[record["id"]][mention["start"]:mention["end"]] == mention["text"]
        for relation in record["relations"]:
            required = {"subject", "type", "object", "label", "confidence", "negated", "evidence", "past", "source"}
            assert required <= set(relation) <= required | {"modality"}
            assert isinstance(relation["past"], bool) and all(isinstance(s, str) for s in relation["source"])
            assert relation["subject"] in entity_ids and relation["object"] in entity_ids
            assert isinstance(relation["negated"], bool)
            assert {"sentence", "start", "end"} <= set(relation["evidence"]) <= {"sentence", "start", "end", "rule"}
            evidence = relation["evidence"]
            assert texts[record["id"]][evidence["start"]:evidence["end"]] == evidence["sentence"]
    by_id = {r["id"]: r for r in records}
    assert by_id["story-1"]["title"] == "Freight move"
    assert by_id["story-1"]["authors"] == ["Ada Pell"]
    # Negated relations are reported per document, flagged.
    assert [(r["type"], r["negated"]) for r in by_id["story-3"]["relations"]] == [("WORKS_FOR", True), ("BASED_IN", False)]


def test_extraction_records_use_the_graph_ids(built):
    graph, local = built
    for record in map(extraction_record, local):
        for entity in record["entities"]:
            assert graph.nodes[entity["id"]]["kind"] == "entity"


def test_write_extractions_writes_one_json_line_each(built):
    _, local = built
    stream = io.StringIO()
    assert write_extractions(local, stream) == len(local)
    lines = stream.getvalue().splitlines()
    assert [json.loads(line) for line in lines] == [json.loads(json.dumps(extraction_record(x))) for x in local]


# --- GraphML ------------------------------------------------------------------------------


def _node_table(g: nx.MultiDiGraph) -> dict:
    return {node: dict(data) for node, data in g.nodes(data=True)}


def _edge_table(g: nx.MultiDiGraph) -> dict:
    table = {}
    for source, target, key, data in g.edges(keys=True, data=True):
        assert (source, target, key) not in table
        table[(source, target, key)] = dict(data)
    return table


def _assert_same_graph(read: nx.MultiDiGraph, expected: nx.MultiDiGraph) -> None:
    assert read.is_directed() and read.is_multigraph()
    assert _node_table(read) == _node_table(expected)
    assert _edge_table(read) == _edge_table(expected)


def test_graphml_reads_back_to_the_same_graph(graph, tmp_path):
    path = tmp_path / "graph.graphml"
    write_graphml(graph, path)
    expected = to_graphml_graph(graph)
    _assert_same_graph(nx.read_graphml(path, force_multigraph=True), expected)
    _assert_same_graph(read_graphml(path), under_kg_ids(expected))  # kg's reader: under kg's ids
    assert expected.number_of_edges() == graph.number_of_edges()
    assert expected.number_of_nodes() == graph.number_of_nodes()


def test_graphml_values_are_scalars_lists_as_json(graph):
    out = to_graphml_graph(graph)
    for _, data in out.nodes(data=True):
        assert all(isinstance(v, (str, int, float, bool)) for v in data.values())
    for _, _, data in out.edges(data=True):
        assert all(isinstance(v, (str, int, float, bool)) for v in data.values())
    node = out.nodes["story-1"]
    assert json.loads(node["authors"]) == ["Ada Pell"]
    [leads] = [d for _, _, d in out.edges(data=True) if d["type"] == "LEADS"]
    original = [d for _, _, d in graph.edges(data=True) if d["type"] == "LEADS"][0]
    assert json.loads(leads["evidence"]) == original["evidence"]


def test_graphml_xml_keys_labels_ids_and_weight(graph, tmp_path):
    path = tmp_path / "graph.graphml"
    write_graphml(graph, path)
    root = SafeET.parse(path).getroot()
    keys = root.findall(f"{GRAPHML_NS}key")
    assert keys
    for key in keys:
        assert key.get("for") in {"node", "edge", "graph", "all"}
        assert key.get("attr.name")
        assert key.get("attr.type") in {"boolean", "int", "long", "float", "double", "string"}
    key_of = {(k.get("for"), k.get("attr.name")): k for k in keys}
    assert key_of[("edge", "weight")].get("attr.type") in {"int", "long", "double"}
    assert key_of[("edge", "confidence")].get("attr.type") in {"float", "double"}
    assert key_of[("node", "mentions")].get("attr.type") in {"int", "long"}

    [graph_element] = root.findall(f"{GRAPHML_NS}graph")
    assert graph_element.get("edgedefault") == "directed"
    node_label = key_of[("node", "label")].get("id")
    edge_label = key_of[("edge", "label")].get("id")
    nodes = graph_element.findall(f"{GRAPHML_NS}node")
    edges = graph_element.findall(f"{GRAPHML_NS}edge")
    assert len(nodes) == graph.number_of_nodes() and len(edges) == graph.number_of_edges()
    for element, label_key in [*((n, node_label) for n in nodes), *((e, edge_label) for e in edges)]:
        labels = [d.text for d in element.findall(f"{GRAPHML_NS}data") if d.get("key") == label_key]
        assert labels and labels[0], element.attrib
    edge_ids = [e.get("id") for e in edges]
    assert all(edge_ids) and len(edge_ids) == len(set(edge_ids))
    # Entity labels are the names; relation labels the relation label.
    names = {n.get("id"): [d.text for d in n if d.get("key") == node_label][0] for n in nodes}
    assert names["person:ravi-okonjo"] == "Ravi Okonjo"


FORBIDDEN = "\x00\x01\x08\x0b\x0c\x1f\ud800\udfff\ufffe\uffff"


def _graph_with_text(name: str, sentence: str, doc_id: str = "doc-1", title: str = "") -> nx.MultiDiGraph:
    """A graph of the shape build_graph makes, with arbitrary text in names and evidence."""
    g = nx.MultiDiGraph()
    first, second = "person:first", "organization:second"
    g.add_node(first, kind="entity", name=name, type="Person", aliases=[name, "x"], mentions=1, documents=1, merged_from=[])
    g.add_node(second, kind="entity", name="Second", type="Organization", aliases=[], mentions=1, documents=1, merged_from=[])
    g.add_node(doc_id, kind="document", title=title, source="", published="", authors=[name], url="")
    g.add_edge(doc_id, first, key=f"{doc_id}-[MENTIONS]->{first}", type="MENTIONS", label="mentions", count=1)
    evidence = [{"doc": doc_id, "sentence": sentence, "start": 0, "end": len(sentence), "rule": ""}]
    g.add_edge(first, second, key=f"{first}-[LEADS]->{second}", type="LEADS", label="leads",
               weight=1, documents=1, confidence=0.5, evidence=evidence)
    return g


def test_graphml_with_xml_forbidden_characters_still_parses(tmp_path):
    name = f"Bad{FORBIDDEN}Name"
    g = _graph_with_text(name, f"A sentence\x00 with\x0b odd\ud800 characters.", doc_id="doc\x0b1", title="T\x00")
    path = tmp_path / "bad.graphml"
    write_graphml(g, path)
    raw = path.read_bytes()
    raw.decode("utf-8")  # strict: no lone surrogates were written
    SafeET.fromstring(raw)  # well-formed XML 1.0
    read = nx.read_graphml(path, force_multigraph=True)
    _assert_same_graph(read, to_graphml_graph(g))
    [entity] = [d for _, d in read.nodes(data=True) if d.get("type") == "Person"]
    assert entity["name"].startswith("Bad") and entity["name"].endswith("Name")
    assert not set(entity["name"]) & set(FORBIDDEN)
    assert read.number_of_edges() == 2


def test_graphml_carriage_returns_survive_as_line_breaks(tmp_path):
    g = _graph_with_text("Line one\r\nline two\rthree", "Sentence\r")
    path = tmp_path / "cr.graphml"
    write_graphml(g, path)
    read = nx.read_graphml(path, force_multigraph=True)
    _assert_same_graph(read, to_graphml_graph(g))
    assert read.nodes["person:first"]["name"] == "Line one\nline two\nthree"


# What XML 1.0 text can hold as is: no C0 controls but tab and newline, no surrogates, U+FFFE/F.
XML_UNSAFE = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n") + "\ufffe\uffff"
XML_SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters=XML_UNSAFE))
# Inside JSON strings control characters are escaped; only surrogates and U+FFFE/U+FFFF are lost.
JSON_SAFE_TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff"))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.text(), sentence=st.text(), doc_id=st.text(min_size=1), title=st.text())
def test_graphml_round_trips_arbitrary_text(tmp_path, name, sentence, doc_id, title):
    g = _graph_with_text(name, sentence, doc_id=f"doc-{doc_id}", title=title)  # never an entity id
    path = tmp_path / "any.graphml"
    write_graphml(g, path)
    _assert_same_graph(nx.read_graphml(path, force_multigraph=True), to_graphml_graph(g))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=XML_SAFE_TEXT, sentence=JSON_SAFE_TEXT)
def test_graphml_keeps_representable_text_exactly(tmp_path, name, sentence):
    g = _graph_with_text(name, sentence)
    path = tmp_path / "safe.graphml"
    write_graphml(g, path)
    read = nx.read_graphml(path, force_multigraph=True)
    assert read.nodes["person:first"]["name"] == name
    assert json.loads(read.nodes["person:first"]["aliases"]) == [name, "x"]
    [leads] = [d for _, _, d in read.edges(data=True) if d["type"] == "LEADS"]
    assert json.loads(leads["evidence"])[0]["sentence"] == sentence  # JSON escapes what XML can't hold


# --- atomic writes ------------------------------------------------------------------------


def _leftovers(folder: Path, keep: str) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != keep)


def test_atomic_writer_replaces_the_file_on_success(tmp_path):
    target = tmp_path / "nested" / "out.txt"
    with atomic_writer(target) as stream:
        stream.write("first\n")
        assert not target.exists()  # nothing visible until the block ends
    assert target.read_text(encoding="utf-8") == "first\n"
    with atomic_writer(target, mode="wb", encoding=None) as stream:
        stream.write("zweite Zeile – ü\n".encode("utf-8"))
    assert target.read_text(encoding="utf-8") == "zweite Zeile – ü\n"
    assert _leftovers(target.parent, "out.txt") == []


def test_atomic_writer_failure_keeps_the_previous_file_and_no_temp(tmp_path):
    target = tmp_path / "out.json"
    target.write_text("previous content\n", encoding="utf-8")
    with pytest.raises(RuntimeError, match="boom"):
        with atomic_writer(target) as stream:
            stream.write("half a file")
            raise RuntimeError("boom")
    assert target.read_text(encoding="utf-8") == "previous content\n"
    assert _leftovers(tmp_path, "out.json") == []


def test_atomic_writer_failure_without_previous_file_leaves_nothing(tmp_path):
    target = tmp_path / "new.graphml"
    with pytest.raises(KeyboardInterrupt):
        with atomic_writer(target, mode="wb", encoding=None) as stream:
            stream.write(b"<graphml")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_failed_graph_json_write_keeps_the_previous_graph(graph, tmp_path):
    path = tmp_path / "graph.json"
    write_graph_json(graph, path)
    before = path.read_bytes()
    broken = graph.copy()
    broken.add_node("not-serialisable", kind="entity", name=object())
    with pytest.raises(TypeError):
        write_graph_json(broken, path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path, "graph.json") == []


def test_the_next_write_removes_only_temporary_files_whose_writer_is_gone(tmp_path):
    import fcntl
    import subprocess
    import sys

    from kg.sinks.files import _host

    target = tmp_path / "graph.json"
    abandoned = tmp_path / f".graph.json.{_host()}.abc123.part"
    elsewhere = tmp_path / ".graph.json.otherhost.ghi789.part"  # another machine's
    other_output = tmp_path / f".other.json.{_host()}.jkl012.part"
    live = tmp_path / f".graph.json.{_host()}.def456.part"
    for path in (abandoned, elsewhere, other_output, live):
        path.write_text("half")
    # A live writer: another process holding the lock on its temporary file.
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, sys; f = open(sys.argv[1], 'rb'); "
         "fcntl.flock(f.fileno(), fcntl.LOCK_EX); print('held', flush=True); sys.stdin.read()", str(live)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with atomic_writer(target) as stream:
            stream.write("{}")
            [own] = [p for p in tmp_path.iterdir() if p.name.startswith(".graph.json.") and p.name not in
                     {abandoned.name, elsewhere.name, live.name}]
            with open(own, "rb") as probe, pytest.raises(BlockingIOError):  # the writer holds its own
                fcntl.flock(probe.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        holder.communicate("")
    assert target.read_text() == "{}"
    assert not abandoned.exists()
    assert live.exists() and elsewhere.exists() and other_output.exists()
