"""Property-based tests (hypothesis) of what kg promises for any input, not just the examples:

- entity ids: deterministic across processes, idempotent, blind to the spelling variants the
  contract names (case of ASCII letters, spacing, a leading "the", a possessive);
- JSON and GraphML round-trip arbitrary Unicode names and evidence. What cannot be kept is
  decided, and tested against a model written here (not against the writer's own helper):
  JSON keeps every Unicode character and writes U+FFFD for a lone surrogate (a Python string can
  hold one, UTF-8 cannot); GraphML, XML 1.0, cannot hold most C0 controls, surrogates, U+FFFE or
  U+FFFF: each becomes U+FFFD, and a carriage return becomes a newline (XML parsers do that);
  lists such as evidence are JSON text inside GraphML, so their controls survive escaped;
- merging per-document extractions into the graph does not depend on the order of the documents,
  nor on the order of entities and relations inside each;
- a graph file of any shape is loaded or refused with one kg error line, never a traceback.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from kg.errors import KgError
from kg.graph import build_graph
from kg.ids import entity_id, name_key, slug
from kg.sinks.graphml import read_graphml, write_graphml
from kg.sinks.json import graph_to_json, read_graph_json, write_graph_json
from kg.sinks.neo4j import plan_load
from kg.types import Document, Entity, Evidence, Extraction, Mention, Relation

ROOT = Path(__file__).resolve().parent.parent
TYPES = ["Person", "Organization", "Location", "Facility", "Product", "Event", "Law", "Group"]
FILES = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

# --- ids ---------------------------------------------------------------------------------------

# st.text() never yields a lone surrogate (whatever its alphabet), and plain st.characters() rarely
# yields controls: these strategies mix both in with the characters XML and JSON treat specially,
# so most examples hold some.
ANY_CHAR = st.one_of(
    st.characters(),
    st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF, categories=["Cs"]),
    st.characters(max_codepoint=0x9F, categories=["Cc"]),
    st.sampled_from(list("\r\n\t`'\"\\<&>\ufffe\uffff\ufeff\u2028")),
)


def any_text(*, min_size: int = 0, max_size: int | None = None) -> st.SearchStrategy[str]:
    return st.lists(ANY_CHAR, min_size=min_size, max_size=max_size).map("".join)


ANY_TEXT = any_text()
ASCII_NAME = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), min_size=1, max_size=40)


@given(st.sampled_from(TYPES), ANY_TEXT)
def test_entity_id_is_idempotent_through_its_own_slug(entity_type, name):
    first = entity_id(entity_type, name)
    _, _, rest = first.partition(":")
    assert entity_id(entity_type, rest) == first
    assert slug(rest) == rest
    assert name_key(name_key(name)) == name_key(name)


@given(st.sampled_from(TYPES), ASCII_NAME, st.sampled_from(["", " ", "  \t", "\n"]),
       st.sampled_from(["", " ", "\t \n"]))
def test_entity_id_ignores_case_and_surrounding_space(entity_type, name, before, after):
    expected = entity_id(entity_type, name)
    assert entity_id(entity_type, before + name + after) == expected
    assert entity_id(entity_type, name.upper()) == expected
    assert entity_id(entity_type, name.lower()) == expected
    assert entity_id(entity_type, re.sub(r" +", "   ", name)) == expected


WORDS = st.lists(st.text(alphabet="abcdefghijklmnopqrstuvwxyzé", min_size=2, max_size=9), min_size=1, max_size=4)


@given(st.sampled_from(TYPES), WORDS)
def test_entity_id_ignores_a_leading_the_and_a_possessive(entity_type, words):
    assume(words[0] != "the")
    name = " ".join(w.capitalize() for w in words)
    expected = entity_id(entity_type, name)
    for variant in (f"The {name}", f"the {name}", f"{name}'s", f"{name}\u2019s", f"The {name}'s"):
        assert entity_id(entity_type, variant) == expected, variant


def test_entity_ids_are_the_same_in_another_process_with_another_hash_seed():
    names = ["Zoë Ångström", "The Orrin Group's", "U.S. Ferrous", "  Mælk  & Co. ", "ﬁnch ＡＢＣ", "\u0130stanbul",
             "Ruth O'Neil-Baptiste", "株式会社ミドリ", "Σίσυφος", "x'}) DETACH DELETE n //", "a\u0060b"]
    here = [entity_id(t, n) for t in TYPES[:3] for n in names]
    code = ("import json, sys; from kg.ids import entity_id; "
            "print(json.dumps([entity_id(t, n) for t in sys.argv[1:4] for n in json.loads(sys.argv[4])]))")
    for seed in ("1", "4242"):
        env = {**os.environ, "PYTHONHASHSEED": seed, "PYTHONPATH": str(ROOT)}
        done = subprocess.run([sys.executable, "-c", code, *TYPES[:3], json.dumps(names)], env=env,
                              capture_output=True, text=True, check=True, timeout=120)
        assert json.loads(done.stdout) == here


# --- JSON and GraphML round trips --------------------------------------------------------------

_SURROGATES = re.compile("[\ud800-\udfff]")
_XML_CANNOT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def json_kept(text: str) -> str:
    """What kg's graph JSON keeps of a string: all of it but lone surrogates."""
    return _SURROGATES.sub("\ufffd", text)


def graphml_kept(text: str) -> str:
    """What kg's GraphML keeps of a string attribute."""
    return _XML_CANNOT.sub("\ufffd", text.replace("\r\n", "\n").replace("\r", "\n"))


def graphml_json_kept(text: str) -> str:
    """What GraphML keeps of a string inside a list attribute (JSON text): controls are escaped
    by JSON, so only surrogates, U+FFFE and U+FFFF are lost."""
    return re.sub("[\ud800-\udfff\ufffe\uffff]", "\ufffd", text)


def _two_document_graph(name: str, other: str, sentence: str, title: str) -> nx.MultiDiGraph:
    """The merged graph of two hand-made extractions naming ``name`` and ``other``, with
    ``sentence`` as evidence: what build_graph makes of arbitrary text."""
    text = f"{name} leads {other}. {sentence}"
    doc = Document("doc-1", text, title=title, authors=(title,))
    first = Entity(entity_id("Person", name) + "-1", name, "Person", (),
                   (Mention(0, len(name), name, "Person"),))
    second_start = len(name) + len(" leads ")
    second = Entity(entity_id("Organization", other) + "-2", other, "Organization", (),
                    (Mention(second_start, second_start + len(other), other, "Organization"),))
    start = text.index(sentence) if sentence else len(text)
    relation = Relation(first.id, "LEADS", second.id, "leads", 0.75,
                        Evidence("doc-1", sentence, start, start + len(sentence), "test"))
    graph, _ = build_graph([Extraction(doc, (first, second), (relation,))])
    return graph


def _entity_names(data: dict) -> set[str]:
    return {n["name"] for n in data["nodes"] if n.get("kind") == "entity"}


@FILES
@given(name=any_text(min_size=1, max_size=30), other=any_text(min_size=1, max_size=30),
       sentence=any_text(max_size=60), title=any_text(max_size=30))
def test_graph_json_round_trips_any_text(tmp_path, name, other, sentence, title):
    graph = _two_document_graph(name, other, sentence, title)
    path = tmp_path / "graph.json"
    write_graph_json(graph, path)
    path.read_bytes().decode("utf-8")  # strict UTF-8, whatever the strings held
    read = read_graph_json(path)
    expected = json.loads(json_kept(json.dumps(graph_to_json(graph), ensure_ascii=False)))
    assert read == expected
    # And in plain words: names and evidence come back as they were, surrogates aside.
    names = {n["name"] for n in graph_to_json(graph)["nodes"] if n["kind"] == "entity"}
    assert _entity_names(read) == {json_kept(n) for n in names}
    [leads] = [e for e in read["edges"] if e["type"] == "LEADS"]
    assert leads["evidence"][0]["sentence"] == json_kept(sentence)
    [doc] = [n for n in read["nodes"] if n["kind"] == "document"]
    assert doc["title"] == json_kept(title) and doc["authors"] == [json_kept(title)]


@FILES
@given(name=any_text(min_size=1, max_size=30), other=any_text(min_size=1, max_size=30),
       sentence=any_text(max_size=60), title=any_text(max_size=30))
def test_graphml_round_trips_any_text_by_the_stated_rules(tmp_path, name, other, sentence, title):
    graph = _two_document_graph(name, other, sentence, title)
    path = tmp_path / "graph.graphml"
    write_graphml(graph, path)
    read = read_graphml(path)
    assert read.number_of_nodes() == graph.number_of_nodes()
    assert read.number_of_edges() == graph.number_of_edges()
    assert set(read.nodes) == {graphml_kept(n) for n in graph.nodes}
    for node_id, data in graph.nodes(data=True):
        kept = read.nodes[graphml_kept(node_id)]
        if data["kind"] == "entity":
            assert kept["name"] == graphml_kept(data["name"])
            assert kept["label"] == graphml_kept(data["name"] or node_id)  # a blank name: the id
            assert json.loads(kept["aliases"]) == [graphml_json_kept(a) for a in data["aliases"]]
        else:
            assert kept["title"] == graphml_kept(data["title"])
            assert json.loads(kept["authors"]) == [graphml_json_kept(a) for a in data["authors"]]
    [leads] = [d for _, _, d in read.edges(data=True) if d["type"] == "LEADS"]
    assert json.loads(leads["evidence"])[0]["sentence"] == graphml_json_kept(sentence)


@FILES
@given(name=st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\ufffe\uffff"
                                           + "".join(map(chr, range(0x20)))), min_size=1, max_size=30))
def test_graphml_and_json_keep_text_xml_can_hold_exactly(tmp_path, name):
    graph = _two_document_graph(name, "Orrin Vale", f"{name} leads Orrin Vale.", name)
    write_graphml(graph, tmp_path / "g.graphml")
    write_graph_json(graph, tmp_path / "g.json")
    names = {n["name"] for n in graph_to_json(graph)["nodes"] if n["kind"] == "entity"}
    assert {d["name"] for _, d in read_graphml(tmp_path / "g.graphml").nodes(data=True) if d["kind"] == "entity"} == names
    assert _entity_names(read_graph_json(tmp_path / "g.json")) == names


# --- merging does not depend on order ----------------------------------------------------------

# Names that meet across documents in several spellings: merged by the same rules in any order.
POOL = [
    ("Person", ["Maren Holloway", "Holloway", "MAREN HOLLOWAY"]),
    ("Person", ["Tobiah Quist", "Quist"]),
    ("Organization", ["Veldt Analytics", "Veldt Analytics Inc.", "the Veldt Analytics", "Veldt"]),
    ("Organization", ["Corran Shipping Group", "Corran Shipping", "CSG"]),
    ("Location", ["Port Ibsen", "port ibsen"]),
    ("Location", ["Narrow Fells"]),
    ("Organization", ["Ibsen Port Authority", "Port Authority"]),
]
RELATIONS = ["LEADS", "WORKS_FOR", "BASED_IN", "FOUNDED", "LOCATED_IN"]


@st.composite
def corpora(draw) -> list[Extraction]:
    count = draw(st.integers(min_value=2, max_value=5))
    extractions = []
    for number in range(count):
        doc_id = f"doc-{number}"
        picks = draw(st.lists(st.integers(0, len(POOL) - 1), min_size=1, max_size=4, unique=True))
        surfaces = [draw(st.sampled_from(POOL[p][1])) for p in picks]
        sentences = [f"{surface} was named in story {number}." for surface in surfaces]
        text = " ".join(sentences)
        entities, cursor = [], 0
        for pick, surface, sentence in zip(picks, surfaces, sentences):
            entity_type = POOL[pick][0]
            start = text.index(sentence, cursor)
            cursor = start + len(sentence)
            eid = entity_id(entity_type, surface)
            entities.append(Entity(eid, surface, entity_type, (),
                                   (Mention(start, start + len(surface), surface, entity_type, "name", eid),)))
        relations = []
        for _ in range(draw(st.integers(0, 3))):
            if len(entities) < 2:
                break
            subject, obj = draw(st.lists(st.sampled_from(entities), min_size=2, max_size=2, unique_by=lambda e: e.id))
            sentence = sentences[entities.index(subject)]
            start = text.index(sentence)
            relations.append(Relation(subject.id, draw(st.sampled_from(RELATIONS)), obj.id, "related",
                                      draw(st.sampled_from([0.3, 0.5, 0.9])),
                                      Evidence(doc_id, sentence, start, start + len(sentence), "test"),
                                      negated=draw(st.booleans()) and draw(st.booleans())))
        document = Document(doc_id, text, title=f"Story {number}", source=f"in/{doc_id}.txt")
        extractions.append(Extraction(document, tuple(entities), tuple(relations)))
    return extractions


@settings(max_examples=40, deadline=None)
@given(corpora(), st.randoms(use_true_random=False))
def test_the_merged_graph_does_not_depend_on_document_order(extractions, random):
    expected_graph, expected_local = build_graph(extractions)
    expected = graph_to_json(expected_graph)
    shuffled = list(extractions)
    random.shuffle(shuffled)
    # Entities and relations inside each document in another order too.
    shuffled = [Extraction(x.document, tuple(random.sample(x.entities, len(x.entities))),
                           tuple(random.sample(x.relations, len(x.relations)))) for x in shuffled]
    graph, local = build_graph(shuffled)
    assert graph_to_json(graph) == expected
    assert list(reversed(shuffled)) and graph_to_json(build_graph(list(reversed(shuffled)))[0]) == expected
    # The per-document extractions with global ids agree too (each document's own view).
    def view(items):
        return {x.document.id: (sorted(e.id for e in x.entities),
                                sorted((r.subject, r.type, r.object, r.evidence.start) for r in x.relations))
                for x in items}
    assert view(local) == view(expected_local)


# --- graph files of any shape ------------------------------------------------------------------

SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.integers(min_value=2**62, max_value=2**80),
                    st.floats(allow_nan=True), any_text(max_size=6))
VALUES = st.recursive(SCALARS, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=3), inner, max_size=3)),
                      max_leaves=6)
IDS = st.sampled_from(["a", "b", "c"])
NODES = st.fixed_dictionaries(
    {"id": IDS, "kind": st.sampled_from(["entity", "document", "other"])},
    optional={"type": st.sampled_from(["Person", "Organization", "Bad Type", 3]), "name": VALUES, "aliases": VALUES,
              "mentions": VALUES, "documents": VALUES, "title": VALUES, "": VALUES, "a\x00b": VALUES})
EDGES = st.fixed_dictionaries(
    {"source": IDS, "target": IDS, "type": st.sampled_from(["MENTIONS", "NEAR_DUPLICATE_OF", "LEADS", "bad type"])},
    optional={"id": VALUES, "count": VALUES, "weight": VALUES, "documents": VALUES, "confidence": VALUES,
              "evidence": VALUES, "similarity": VALUES, "label": VALUES})
GRAPHS = st.fixed_dictionaries({"nodes": st.lists(NODES, max_size=4), "edges": st.lists(EDGES, max_size=4)})


@settings(max_examples=200, deadline=None)
@given(GRAPHS)
def test_a_graph_file_of_any_shape_is_planned_or_refused_in_one_line(graph):
    """What ``kg load`` does with a graph file before sending anything: a plan whose every value
    the driver can send (UTF-8 text, 64-bit integers, named properties), or one KgError line."""
    try:
        plan = plan_load(graph)
    except KgError as error:
        assert str(error) and "\n" not in str(error)
        return
    rows = [*plan.documents, *plan.entity_counts, *plan.mentions, *plan.near_duplicates,
            *(r for rows in plan.entities.values() for r in rows), *(r for rows in plan.relations.values() for r in rows)]
    json.dumps(rows, ensure_ascii=False, allow_nan=True).encode("utf-8")
    for row in rows:
        for key in row.get("props", {}):
            assert key and "\x00" not in key
        for value in (row.get("count"), row.get("mentions"), row.get("documents"), row.get("weight")):
            assert value is None or -(2**63) <= value < 2**63


def test_a_graph_file_with_wrong_types_names_the_item():
    bad = {"nodes": [{"id": "person:a", "kind": "entity", "type": "Person", "mentions": "many"}], "edges": []}
    with pytest.raises(KgError, match=r"node .*person:a.*many"):
        plan_load(bad)
    huge = {"nodes": [{"id": "d", "kind": "document", "pages": 2**70}], "edges": []}
    with pytest.raises(KgError, match="64 bits"):
        plan_load(huge)
    surrogate = {"nodes": [{"id": "d\ud800", "kind": "document"}], "edges": []}
    with pytest.raises(KgError, match=r"\\ud800"):
        plan_load(surrogate)
