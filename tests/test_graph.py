"""kg.graph: reducing hand-made per-document extractions into the merged graph."""
from __future__ import annotations

import itertools
from dataclasses import replace
import math
import random
import re

import numpy as np
import pytest

from kg.extract.resolve import GlobalResolution
from kg.graph import (
    MENTIONS,
    NEAR_DUPLICATE_OF,
    NearDuplicateFinder,
    build_graph,
    localise,
    near_duplicates,
    relation_edge_id,
)
from kg.ids import entity_id
from kg.sinks.json import graph_to_json
from kg.types import Document, Entity, Evidence, Extraction, Mention, Relation

# --- hand-made extractions ----------------------------------------------------------------


def _mentions(text: str, entity_type: str, surfaces: list[str], eid: str) -> tuple[Mention, ...]:
    found = []
    for surface in surfaces:
        for match in re.finditer(re.escape(surface), text):
            found.append(Mention(match.start(), match.end(), surface, entity_type, "name", eid))
    assert found, surfaces
    return tuple(sorted(found, key=lambda m: (m.start, m.end)))


def _entity(text: str, entity_type: str, name: str, *aliases: str) -> Entity:
    eid = entity_id(entity_type, name)
    return Entity(eid, name, entity_type, tuple(aliases), _mentions(text, entity_type, [name, *aliases], eid))


def _sentence_of(text: str, needle: str) -> tuple[str, int, int]:
    start = text.index(needle)
    return needle, start, start + len(needle)


def _relation(doc: Document, subject: Entity, rtype: str, obj: Entity, sentence: str, confidence: float, **kw) -> Relation:
    sentence, start, end = _sentence_of(doc.text, sentence)
    label = rtype.lower().replace("_", " ")
    return Relation(subject.id, rtype, obj.id, label, confidence, Evidence(doc.id, sentence, start, end, kw.pop("rule", "test")), **kw)


TEXT_1 = (
    "Tamsin Ardley runs Norvale Systems. Tamsin Ardley has led Norvale Systems since 2019. "
    "Brackwater Council did not ban Norvale Systems. Norvale Systems may buy Brackwater Council."
)
TEXT_2 = (
    "Norvale Systems is based in Quillport. Tamsin Ardley leads Norvale Systems, staff said."
)
TEXT_3 = "Tamsin Ardley lives in Quillport. Quillport is quiet in winter."


def _extractions() -> list[Extraction]:
    doc1 = Document("2024-01-norvale", TEXT_1, title="Norvale chief", source="in/a.txt",
                    published="2024-01-05", authors=("Wren Halloway",))
    doc2 = Document("2024-02-quillport", TEXT_2, title="Quillport firm", source="in/b.txt")
    doc3 = Document("2024-03-ardley", TEXT_3, source="in/c.txt", url="https://example.org/c")

    tamsin1 = _entity(TEXT_1, "Person", "Tamsin Ardley")
    norvale1 = _entity(TEXT_1, "Organization", "Norvale Systems")
    council1 = _entity(TEXT_1, "Organization", "Brackwater Council")
    relations1 = (
        _relation(doc1, tamsin1, "LEADS", norvale1, "Tamsin Ardley runs Norvale Systems.", 0.5),
        _relation(doc1, tamsin1, "LEADS", norvale1, "Tamsin Ardley has led Norvale Systems since 2019.", 0.4),
        # The same sentence found by a second rule: one piece of evidence, its best confidence.
        _relation(doc1, tamsin1, "LEADS", norvale1, "Tamsin Ardley has led Norvale Systems since 2019.", 0.6, rule="other"),
        _relation(doc1, council1, "BANNED", norvale1, "Brackwater Council did not ban Norvale Systems.", 0.9, negated=True),
        _relation(doc1, norvale1, "ACQUIRED", council1, "Norvale Systems may buy Brackwater Council.", 0.9, modality="may"),
        _relation(doc1, tamsin1, "WORKS_FOR", tamsin1, "Tamsin Ardley runs Norvale Systems.", 0.9),
    )

    norvale2 = _entity(TEXT_2, "Organization", "Norvale Systems")
    quill2 = _entity(TEXT_2, "Location", "Quillport")
    tamsin2 = _entity(TEXT_2, "Person", "Tamsin Ardley")
    relations2 = (
        _relation(doc2, norvale2, "BASED_IN", quill2, "Norvale Systems is based in Quillport.", 0.8),
        _relation(doc2, tamsin2, "LEADS", norvale2, "Tamsin Ardley leads Norvale Systems, staff said.", 0.7),
    )

    tamsin3 = _entity(TEXT_3, "Person", "Tamsin Ardley")
    quill3 = _entity(TEXT_3, "Location", "Quillport")
    relations3 = (
        _relation(doc3, tamsin3, "LIVES_IN", quill3, "Tamsin Ardley lives in Quillport.", 0.5),
    )
    return [
        Extraction(doc1, (tamsin1, norvale1, council1), relations1),
        Extraction(doc2, (norvale2, quill2, tamsin2), relations2),
        Extraction(doc3, (tamsin3, quill3), relations3),
    ]


TAMSIN = entity_id("Person", "Tamsin Ardley")
NORVALE = entity_id("Organization", "Norvale Systems")
COUNCIL = entity_id("Organization", "Brackwater Council")
QUILLPORT = entity_id("Location", "Quillport")


@pytest.fixture(scope="module")
def built():
    return build_graph(_extractions())


def _relation_edges(graph):
    return {
        (s, d["type"], t): d for s, t, d in graph.edges(data=True)
        if d["type"] not in (MENTIONS, NEAR_DUPLICATE_OF)
    }


# --- nodes --------------------------------------------------------------------------------


def test_entity_nodes_carry_kind_name_type_aliases_and_counts(built):
    graph, _ = built
    entities = {n: d for n, d in graph.nodes(data=True) if d["kind"] == "entity"}
    assert set(entities) == {TAMSIN, NORVALE, COUNCIL, QUILLPORT}
    tamsin = entities[TAMSIN]
    assert (tamsin["name"], tamsin["type"], tamsin["aliases"]) == ("Tamsin Ardley", "Person", [])
    # Mentions summed over documents: 2 + 1 + 1; documents: all three.
    assert (tamsin["mentions"], tamsin["documents"]) == (
        TEXT_1.count("Tamsin Ardley") + TEXT_2.count("Tamsin Ardley") + TEXT_3.count("Tamsin Ardley"), 3,
    )
    norvale = entities[NORVALE]
    assert norvale["type"] == "Organization"
    assert (norvale["mentions"], norvale["documents"]) == (
        TEXT_1.count("Norvale Systems") + TEXT_2.count("Norvale Systems"), 2,
    )
    assert (entities[QUILLPORT]["mentions"], entities[QUILLPORT]["documents"]) == (3, 2)
    assert (entities[COUNCIL]["mentions"], entities[COUNCIL]["documents"]) == (2, 1)
    assert all(isinstance(d["aliases"], list) for d in entities.values())


def test_document_nodes(built):
    graph, _ = built
    documents = {n: d for n, d in graph.nodes(data=True) if d["kind"] == "document"}
    assert set(documents) == {"2024-01-norvale", "2024-02-quillport", "2024-03-ardley"}
    first = documents["2024-01-norvale"]
    assert (first["title"], first["source"], first["published"], first["authors"]) == (
        "Norvale chief", "in/a.txt", "2024-01-05", ["Wren Halloway"],
    )
    # Missing metadata is an empty string, never None (GraphML and Neo4j need scalars).
    third = documents["2024-03-ardley"]
    assert (third["title"], third["published"], third["authors"], third["url"]) == ("", "", [], "https://example.org/c")


def test_mentions_edges_link_documents_to_entities_with_counts(built):
    graph, _ = built
    mentions = {(s, t): d for s, t, d in graph.edges(data=True) if d["type"] == MENTIONS}
    assert set(mentions) == {
        ("2024-01-norvale", TAMSIN), ("2024-01-norvale", NORVALE), ("2024-01-norvale", COUNCIL),
        ("2024-02-quillport", NORVALE), ("2024-02-quillport", QUILLPORT), ("2024-02-quillport", TAMSIN),
        ("2024-03-ardley", TAMSIN), ("2024-03-ardley", QUILLPORT),
    }
    assert mentions[("2024-01-norvale", NORVALE)]["count"] == TEXT_1.count("Norvale Systems")
    assert mentions[("2024-03-ardley", QUILLPORT)]["count"] == 2
    assert all(d["label"] == "mentions" for d in mentions.values())


# --- relation edges -----------------------------------------------------------------------


def test_one_edge_per_subject_type_object_with_accumulated_evidence(built):
    graph, _ = built
    edges = _relation_edges(graph)
    assert set(edges) == {(TAMSIN, "LEADS", NORVALE), (NORVALE, "BASED_IN", QUILLPORT), (TAMSIN, "LIVES_IN", QUILLPORT)}
    assert len(graph.get_edge_data(TAMSIN, NORVALE)) == 1

    leads = edges[(TAMSIN, "LEADS", NORVALE)]
    assert leads["label"] == "leads"
    assert [(e["doc"], e["sentence"]) for e in leads["evidence"]] == [
        ("2024-01-norvale", "Tamsin Ardley runs Norvale Systems."),
        ("2024-01-norvale", "Tamsin Ardley has led Norvale Systems since 2019."),
        ("2024-02-quillport", "Tamsin Ardley leads Norvale Systems, staff said."),
    ]
    texts = {"2024-01-norvale": TEXT_1, "2024-02-quillport": TEXT_2}
    for evidence in leads["evidence"]:
        assert texts[evidence["doc"]][evidence["start"]:evidence["end"]] == evidence["sentence"]
    assert leads["weight"] == 3  # evidence sentences, the doubly-found one counted once
    assert leads["evidence"][1]["rule"] == "other"  # the more confident finding is kept
    assert leads["documents"] == 2
    # Independent evidence combines: 1 - (1-0.5)(1-0.6)(1-0.7), the best confidence per sentence.
    assert leads["confidence"] == pytest.approx(1 - 0.5 * 0.4 * 0.3, abs=1e-4)

    based = edges[(NORVALE, "BASED_IN", QUILLPORT)]
    assert (based["weight"], based["documents"], based["confidence"]) == (1, 1, pytest.approx(0.8))


def test_edge_keys_are_relation_ids(built):
    graph, _ = built
    keys = {k for _, _, k, d in graph.edges(keys=True, data=True) if d["type"] == "LEADS"}
    assert keys == {relation_edge_id(TAMSIN, "LEADS", NORVALE)}


def test_negated_modal_and_self_relations_never_become_edges(built):
    graph, _ = built
    types = {d["type"] for _, _, d in graph.edges(data=True)}
    assert "BANNED" not in types
    assert "ACQUIRED" not in types
    assert "WORKS_FOR" not in types
    assert not any(s == t for s, t in graph.edges())


def test_negated_evidence_does_not_add_to_a_positive_edge():
    [extraction, *_] = _extractions()
    doc = extraction.document
    tamsin, norvale = extraction.entities[0], extraction.entities[1]
    denied = _relation(doc, tamsin, "LEADS", norvale, "Brackwater Council did not ban Norvale Systems.", 0.9, negated=True)
    changed = Extraction(doc, extraction.entities, extraction.relations + (denied,))
    graph, _ = build_graph([changed])
    [leads] = [d for _, _, d in graph.edges(data=True) if d["type"] == "LEADS"]
    assert leads["weight"] == 2
    assert all("did not" not in e["sentence"] for e in leads["evidence"])


def test_graph_does_not_depend_on_extraction_order():
    extractions = _extractions()
    expected = graph_to_json(build_graph(extractions)[0])
    for order in itertools.permutations(extractions):
        assert graph_to_json(build_graph(list(order))[0]) == expected
    # Entities and relations listed in another order inside each extraction: same graph.
    shuffled = [
        Extraction(x.document, tuple(reversed(x.entities)), tuple(reversed(x.relations))) for x in extractions
    ]
    assert graph_to_json(build_graph(shuffled)[0]) == expected


# --- cross-document merging and localise --------------------------------------------------


def test_relations_follow_entities_merged_across_documents():
    text_a = "Orla Pemberton founded Vexley Marine Holdings. Vexley Marine Holdings grew fast."
    text_b = "Vexley Marine is based in Dunmere. Vexley Marine hired 40 people."
    doc_a, doc_b = Document("a", text_a), Document("b", text_b)
    orla = _entity(text_a, "Person", "Orla Pemberton")
    vexley_a = _entity(text_a, "Organization", "Vexley Marine Holdings")
    vexley_b = _entity(text_b, "Organization", "Vexley Marine")
    dunmere = _entity(text_b, "Location", "Dunmere")
    # Vexley Marine Holdings also called "Vexley Marine" in document a (same full name).
    vexley_a = Entity(vexley_a.id, vexley_a.name, vexley_a.type, ("Vexley Marine",), vexley_a.mentions)
    extraction_a = Extraction(doc_a, (orla, vexley_a), (
        _relation(doc_a, orla, "FOUNDED", vexley_a, "Orla Pemberton founded Vexley Marine Holdings.", 0.9),
    ))
    extraction_b = Extraction(doc_b, (vexley_b, dunmere), (
        _relation(doc_b, vexley_b, "BASED_IN", dunmere, "Vexley Marine is based in Dunmere.", 0.8),
    ))
    graph, local = build_graph([extraction_b, extraction_a])
    organizations = [n for n, d in graph.nodes(data=True) if d.get("type") == "Organization"]
    assert len(organizations) == 1
    [vexley] = organizations
    names = {graph.nodes[vexley]["name"], *graph.nodes[vexley]["aliases"]}
    assert {"Vexley Marine Holdings", "Vexley Marine"} <= names
    assert graph.nodes[vexley]["documents"] == 2
    edges = _relation_edges(graph)
    assert set(edges) == {(orla.id, "FOUNDED", vexley), (vexley, "BASED_IN", dunmere.id)}
    # The returned extractions use the global ids everywhere.
    by_doc = {x.document.id: x for x in local}
    assert {e.id for e in by_doc["b"].entities} == {vexley, dunmere.id}
    assert [(r.subject, r.object) for r in by_doc["b"].relations] == [(vexley, dunmere.id)]
    assert all(m.entity == e.id for x in local for e in x.entities for m in e.mentions)


def test_localise_maps_local_ids_to_global_ids():
    text = "Ines Caldera joined Hollin Works. Hollin said Ines Caldera starts Monday. Caldera agreed."
    doc = Document("doc-7", text)
    ines = _entity(text, "Person", "Ines Caldera")
    hollin_works = _entity(text, "Organization", "Hollin Works")
    hollin = Entity(entity_id("Organization", "Hollin"), "Hollin", "Organization", (),
                    (Mention(text.index("Hollin said"), text.index("Hollin said") + 6, "Hollin", "Organization"),))
    caldera = _entity(text, "Person", "Caldera")
    relations = (
        _relation(doc, ines, "WORKS_FOR", hollin_works, "Ines Caldera joined Hollin Works.", 0.7),
        _relation(doc, caldera, "WORKS_FOR", hollin, "Caldera agreed.", 0.3),
        _relation(doc, ines, "SPOUSE_OF", caldera, "Caldera agreed.", 0.3),  # collapses onto itself
    )
    extraction = Extraction(doc, (ines, hollin_works, hollin, caldera), relations)

    global_org = entity_id("Organization", "Hollin Works Group")
    global_person = entity_id("Person", "Ines Caldera")
    resolution = GlobalResolution(
        entities=(
            Entity(global_org, "Hollin Works Group", "Organization", ("Hollin", "Hollin Works")),
            Entity(global_person, "Ines Caldera", "Person", ("Caldera",)),
        ),
        local_to_global={
            ("doc-7", hollin_works.id): global_org,
            ("doc-7", hollin.id): global_org,
            ("doc-7", ines.id): global_person,
            ("doc-7", caldera.id): global_person,
            ("another-doc", ines.id): "person:someone-else",  # other documents do not leak in
        },
    )
    result = localise(extraction, resolution)
    assert result.document is doc
    assert [e.id for e in result.entities] == sorted([global_org, global_person])
    by_id = {e.id: e for e in result.entities}
    org = by_id[global_org]
    assert (org.name, org.type) == ("Hollin Works Group", "Organization")
    assert {"Hollin", "Hollin Works"} <= set(org.aliases)
    assert "Hollin Works Group" not in org.aliases
    assert sorted(m.start for m in org.mentions) == sorted(
        [m.start for m in hollin_works.mentions] + [m.start for m in hollin.mentions]
    )
    assert all(m.entity == global_org for m in org.mentions)
    person = by_id[global_person]
    assert len(person.mentions) == len({(m.start, m.end) for m in ines.mentions + caldera.mentions})
    assert [(r.subject, r.type, r.object) for r in result.relations] == [
        (global_person, "WORKS_FOR", global_org),
        (global_person, "WORKS_FOR", global_org),
    ]
    assert [r.evidence for r in result.relations] == [relations[0].evidence, relations[1].evidence]


def test_localise_keeps_ids_the_resolution_does_not_know():
    text = "Pell Quarry reopened."
    doc = Document("q", text)
    quarry = _entity(text, "Facility", "Pell Quarry")
    result = localise(Extraction(doc, (quarry,)), GlobalResolution((), {}))
    assert [e.id for e in result.entities] == [quarry.id]
    assert result.entities[0].mentions == quarry.mentions


# --- near duplicates ----------------------------------------------------------------------

STORY = (
    "The town council of Elbury voted on Monday night to close the old swimming pool on Mill "
    "Lane after inspectors found cracks in its main tank. Councillor Rhea Danvik said the "
    "decision was painful but unavoidable, because repairs would cost more than building a new "
    "pool. Parents who crowded into the meeting hall asked where their children would learn to "
    "swim this summer. The council promised to run a free bus to the leisure centre in "
    "neighbouring Castleford until a replacement opens. A public consultation on the design of "
    "the new pool will begin in April, and the council hopes to choose a site by the end of the "
    "year. Local swimming clubs said they would lose members if training moved so far away. "
    "The pool first opened in 1968 and was last refurbished twenty years ago. Staff will be "
    "offered jobs at other council sites, officials said."
)
REWRITE = (
    "Elbury's old swimming pool on Mill Lane is to close after inspectors found cracks in its "
    "main tank, the town council decided on Monday night. Councillor Rhea Danvik called the "
    "decision painful but unavoidable, saying repairs would cost more than building a new pool. "
    "Parents crowded into the meeting hall to ask where their children would learn to swim this "
    "summer. Until a replacement opens, the council promised a free bus to the leisure centre in "
    "neighbouring Castleford. A public consultation on the design of the new pool begins in "
    "April, and councillors hope to choose a site by the end of the year. Swimming clubs warned "
    "they would lose members if training moved so far away. First opened in 1968, the pool was "
    "last refurbished twenty years ago. Officials said staff would be offered jobs at other "
    "council sites."
)
UNRELATED_1 = (
    "A small robotics company in the northern city of Varnholm has built a machine that sorts "
    "recycled glass by colour at twice the speed of existing systems. Engineers trained the "
    "sorter on millions of photographs of broken bottles, jars and window panes collected from "
    "municipal depots. The firm says the machine could cut contamination in recycled glass, "
    "which often ends up in landfill when colours are mixed. Two waste operators have agreed to "
    "test prototypes next spring, and a regional investment fund has put money into the "
    "project. Critics point out that glass recycling rates depend more on collection habits than "
    "on sorting technology, and that households still throw too much glass in general waste. "
    "The founders, both former university researchers, plan to hire thirty people over the next "
    "two years and to open a second workshop near the port."
)
UNRELATED_2 = (
    "Farmers across the southern valleys are harvesting grapes weeks earlier than usual after "
    "an unusually hot and dry summer. Growers said the fruit was small but sweet, and several "
    "wineries expect a strong vintage despite lower volumes. Agricultural scientists warned "
    "that repeated early harvests could change which grape varieties thrive in the region over "
    "the coming decades. Some vineyards have started planting varieties from warmer countries, "
    "while others are installing drip irrigation and shade netting. Seasonal workers arrived "
    "late because of the sudden change in schedule, leaving some estates short of hands in the "
    "first week of picking. A cooperative of small producers asked the regional government for "
    "help with storage costs, since cellars filled faster than planned. Prices for the new wine "
    "will be set in December after tasting panels meet."
)


def test_story_texts_are_news_sized():
    for text in (STORY, REWRITE, UNRELATED_1, UNRELATED_2):
        assert 120 <= len(text.split()) <= 180


def test_rewritten_story_is_a_near_duplicate():
    documents = [Document("pool-rewrite", REWRITE), Document("pool-original", STORY)]
    [pair] = near_duplicates(documents)
    # The later id points at the earlier one.
    assert (pair.source, pair.target) == ("pool-rewrite", "pool-original")
    assert 0 < pair.similarity <= 1
    assert pair.similarity < 1  # a rewrite, not a copy


def test_identical_texts_have_similarity_one():
    [pair] = near_duplicates([Document("x1", STORY), Document("x2", STORY)])
    assert math.isclose(pair.similarity, 1.0)


def test_unrelated_stories_are_not_near_duplicates():
    documents = [Document("glass", UNRELATED_1), Document("grapes", UNRELATED_2), Document("pool", STORY)]
    assert near_duplicates(documents) == []


def test_a_large_corpus_finds_the_pairs_that_comparing_every_pair_finds():
    """Above 64 documents MinHash LSH proposes the pairs: it must not lose the rewrites, nor
    add pairs below the threshold (exact Jaccard still decides)."""
    rng = random.Random(3)
    vocabulary = [f"w{i}" for i in range(3000)]
    texts = {f"n{i:03d}": " ".join(rng.choice(vocabulary) for _ in range(150)) for i in range(80)}
    for original in ("n005", "n040", "n071"):  # rewrites: a tenth of the words changed
        words = texts[original].split()
        for position in rng.sample(range(len(words)), 15):
            words[position] = rng.choice(vocabulary)
        texts[f"r{original}"] = " ".join(words)
    texts["copy"] = texts["n010"]
    documents = [Document(doc_id, text) for doc_id, text in texts.items()]
    found = {(p.source, p.target) for p in near_duplicates(documents)}
    every_pair = {(p.source, p.target) for first, second in itertools.combinations(documents, 2)
                  for p in near_duplicates([first, second])}
    assert found == every_pair
    assert {("rn005", "n005"), ("rn040", "n040"), ("rn071", "n071"), ("n010", "copy")} <= found
    # Fed one at a time in another order (as a build feeds it), the same pairs come out.
    finder = NearDuplicateFinder()
    for document in reversed(documents):
        finder.add(document)
    assert finder.pairs() == near_duplicates(documents)


def test_minhash_signatures_and_bands_are_datasketchs():
    """kg computes MinHash itself (datasketch's import costs half a second): the same values as
    datasketch's MinHash over the same 32-bit hashes, and the same LSH bands."""
    from datasketch import MinHash
    from datasketch.lsh import _optimal_param

    from kg.graph import lsh_bands, minhash_permutations, minhash_signature

    hashed = np.random.default_rng(7).integers(0, 2**63, size=10_000, dtype=np.uint64)  # over one block
    reference = MinHash(num_perm=128, seed=1, hashfunc=lambda value: int(value) & 0xFFFFFFFF)
    reference.update_batch(hashed.tolist())
    assert np.array_equal(minhash_signature(hashed, minhash_permutations(128, seed=1)), reference.hashvalues)
    assert lsh_bands(0.2 * 0.6) == _optimal_param(0.12, 128, 0.5, 0.5)
    assert lsh_bands(0.3) == _optimal_param(0.3, 128, 0.5, 0.5)


def test_near_duplicates_only_compares_the_body():
    shared_furniture = UNRELATED_1 + "\n\n"
    first = Document("f1", shared_furniture + STORY, body=((len(shared_furniture), len(shared_furniture) + len(STORY)),))
    second = Document("f2", shared_furniture + UNRELATED_2, body=((len(shared_furniture), len(shared_furniture) + len(UNRELATED_2)),))
    assert near_duplicates([first, second]) == []


def test_near_duplicate_edges_in_the_graph():
    extractions = [
        Extraction(Document("pool-a", STORY)),
        Extraction(Document("pool-b", REWRITE)),
        Extraction(Document("glass", UNRELATED_1)),
    ]
    graph, _ = build_graph(extractions)
    edges = [(s, t, d) for s, t, d in graph.edges(data=True) if d["type"] == NEAR_DUPLICATE_OF]
    assert [(s, t) for s, t, _ in edges] == [("pool-b", "pool-a")]
    assert 0 < edges[0][2]["similarity"] <= 1
    assert edges[0][2]["label"]


# --- time -----------------------------------------------------------------------------------


def test_relation_edges_carry_first_and_last_seen_from_their_evidence_dates(built):
    graph, _ = built
    edges = _relation_edges(graph)
    # LEADS: evidence in doc 1 (2024-01-05) and doc 2 (no date): the known date is both ends.
    leads = edges[(TAMSIN, "LEADS", NORVALE)]
    assert (leads["first_seen"], leads["last_seen"]) == ("2024-01-05", "2024-01-05")
    # BASED_IN: evidence only in doc 2, which has no date: nothing is claimed.
    assert "first_seen" not in edges[(NORVALE, "BASED_IN", QUILLPORT)]


def test_first_and_last_seen_span_the_evidence_documents():
    extractions = _extractions()
    dated = [replace(x, document=replace(x.document, published=day))
             for x, day in zip(extractions, ("2024-03-09", "2023-11-30T08:15:00", None))]
    graph, _ = build_graph(dated)
    leads = _relation_edges(graph)[(TAMSIN, "LEADS", NORVALE)]
    assert (leads["first_seen"], leads["last_seen"]) == ("2023-11-30", "2024-03-09")  # dates only, in order
    assert any(e.get("first_seen") == "2023-11-30" for e in graph_to_json(graph)["edges"])
