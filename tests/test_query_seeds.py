"""Every shipped query in queries/, run against a real Neo4j loaded with the seed articles as kg's
real pipeline reads them (spaCy model, relation engine, cross-document merge).

The expected rows come from two places: facts the seed gold file marks as ``must`` (the
department's ban on the company, reported by both articles, ...) and figures recomputed here from
the graph JSON that was loaded, so a query that drops or double-counts rows fails.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest

from kg.errors import UsageError

from kg.query import bind_parameters, find_query, read_query, run_query
from kg.sinks.neo4j import load_graph

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = sorted(p.stem for p in (ROOT / "queries").glob("*.cypher"))

# Names as the seed gold file writes them (tests/data/gold/seeds.jsonl).
AGENCY, COMPANY, RETAILER = "Department of Homeland Security", "Kaspersky Lab", "Best Buy"
FOUNDER, EXEMPT, CITY = "Eugene Kaspersky", "Pentagon", "Moscow"


class Seeds:
    """The loaded seed graph, with the lookups the checks need."""

    def __init__(self, graph: dict, settings) -> None:
        self.graph = graph
        self.settings = settings
        self.nodes = {n["id"]: n for n in graph["nodes"]}
        self.documents = {n["id"]: n for n in graph["nodes"] if n["kind"] == "document"}
        # relations between entities; a quotation's SAID and MENTIONS edges are the quotation queries'
        self.relations = [e for e in graph["edges"] if e["type"] not in ("MENTIONS", "NEAR_DUPLICATE_OF", "SAID")]
        self.mentions = [e for e in graph["edges"] if e["type"] == "MENTIONS" and e["source"] in self.documents]
        self.texts = {doc_id: Path(node["source"]).read_text(encoding="utf-8")
                      for doc_id, node in self.documents.items()}

    def run(self, name: str, **params: str) -> list[dict]:
        query = read_query(find_query(name, cwd=ROOT))
        return run_query(query, bind_parameters(query, params), settings=self.settings).as_dicts()

    def entity_id(self, name: str) -> str:
        found = [n["id"] for n in self.graph["nodes"] if n["kind"] == "entity" and n["name"] == name]
        assert len(found) == 1, f"the seed graph should hold one entity named {name!r}, has {found}"
        return found[0]

    def name(self, node_id: str) -> str:
        return self.nodes[node_id]["name"]

    def edges_of(self, entity_id: str) -> list[dict]:
        return [e for e in self.relations if entity_id in (e["source"], e["target"])]


@pytest.fixture(scope="module")
def seeds(neo4j_settings, neo4j_driver, seed_graph) -> Seeds:
    with neo4j_driver.session(database=neo4j_settings.database) as session:
        session.run("MATCH (n) DETACH DELETE n").consume()
    load_graph(seed_graph, settings=neo4j_settings)
    return Seeds(seed_graph, neo4j_settings)


def _assert_sentence_is_in_its_document(seeds: Seeds, doc: str, sentence: str) -> None:
    assert doc in seeds.texts, f"evidence cites {doc!r}, not a seed document"
    assert sentence and sentence in seeds.texts[doc]


# ---------------------------------------------------------------- one check per query


def check_who_banned_whom(seeds: Seeds) -> None:
    rows = seeds.run("who-banned-whom")
    expected = {(seeds.name(e["source"]), seeds.name(e["target"])) for e in seeds.relations if e["type"] == "BANNED"}
    assert {(r["banned_by"], r["banned"]) for r in rows} == expected
    ban = next(r for r in rows if (r["banned_by"], r["banned"]) == (AGENCY, COMPANY))
    # Both articles report the ban: one edge, evidence from each, every sentence really in its article.
    assert ban["documents"] == 2 and ban["weight"] >= 2
    cited = set()
    for item in ban["evidence"]:
        doc, _, sentence = item.partition(": ")
        _assert_sentence_is_in_its_document(seeds, doc, sentence)
        cited.add(doc)
    assert cited == set(seeds.documents)
    assert [r["weight"] for r in rows] == sorted((r["weight"] for r in rows), reverse=True)


def check_entity(seeds: Seeds) -> None:
    agency = seeds.entity_id(AGENCY)
    rows = seeds.run("entity", entity="dhs")  # an alias, in another case
    assert {r["id"] for r in rows} == {agency}
    assert rows[0]["name"] == AGENCY and "DHS" in rows[0]["aliases"]
    assert rows[0]["documents"] == seeds.nodes[agency]["documents"]
    assert len(rows) == len(seeds.edges_of(agency))
    facts = {(r["direction"], r["relation"], r["other"]) for r in rows}
    assert {("out", "BANNED", COMPANY), ("out", "EXEMPTED", EXEMPT)} <= facts


def check_edge_evidence(seeds: Seeds) -> None:
    rows = seeds.run("edge-evidence", subject="DHS", object=COMPANY, relation="BANNED")
    edge = next(e for e in seeds.relations if e["type"] == "BANNED" and e["source"] == seeds.entity_id(AGENCY)
                and e["target"] == seeds.entity_id(COMPANY))
    assert len(rows) == len(edge["evidence"]) >= 2
    assert {r["document"] for r in rows} == set(seeds.documents)
    for row in rows:
        # Offsets point into the article as read: the sentence is exactly there.
        assert seeds.texts[row["document"]][row["start"]:row["end"]] == row["sentence"]
        assert row["title"] == seeds.documents[row["document"]]["title"]
    assert seeds.run("edge-evidence", subject=COMPANY, object="DHS", relation="BANNED") == []


def check_most_connected(seeds: Seeds) -> None:
    rows = seeds.run("most-connected", limit="3")
    assert len(rows) == 3
    neighbours: dict[str, set[str]] = defaultdict(set)
    for e in seeds.relations:
        neighbours[e["source"]].add(e["target"])
        neighbours[e["target"]].add(e["source"])
    # The company is what every seed relation is about.
    assert rows[0]["entity"] == COMPANY
    for row in rows:
        node_id = next(i for i, n in seeds.nodes.items() if n.get("name") == row["entity"])
        assert row["neighbours"] == len(neighbours[node_id])
        assert row["relations"] == len(seeds.edges_of(node_id))
    assert [r["neighbours"] for r in rows] == sorted((r["neighbours"] for r in rows), reverse=True)


def check_shortest_paths(seeds: Seeds) -> None:
    rows = seeds.run("shortest-paths", **{"from": FOUNDER, "to": EXEMPT})
    assert rows and {r["hops"] for r in rows} == {3}
    assert (f"{FOUNDER} -[FOUNDED]-> {COMPANY} <-[BANNED]- {AGENCY} -[EXEMPTED]-> {EXEMPT}"
            in [r["path"] for r in rows])
    assert seeds.run("shortest-paths", **{"from": COMPANY, "to": CITY}) == [
        {"hops": 1, "path": f"{COMPANY} -[BASED_IN]-> {CITY}"}]


def check_co_mentioned(seeds: Seeds) -> None:
    company = seeds.entity_id(COMPANY)
    documents_of: dict[str, set[str]] = defaultdict(set)
    for m in seeds.mentions:
        documents_of[m["target"]].add(m["source"])
    expected = {seeds.name(other): len(docs & documents_of[company])
                for other, docs in documents_of.items() if other != company and docs & documents_of[company]}
    rows = seeds.run("co-mentioned", entity="Kaspersky", limit="100")
    assert {r["entity"]: r["shared_documents"] for r in rows} == expected
    assert next(r for r in rows if r["entity"] == AGENCY)["shared_documents"] == 2


def check_documents_about(seeds: Seeds) -> None:
    retailer = seeds.entity_id(RETAILER)
    expected = {m["source"]: m["count"] for m in seeds.mentions if m["target"] == retailer}
    rows = seeds.run("documents-about", entity=RETAILER)
    assert {r["document"]: r["mentions"] for r in rows} == expected
    assert set(expected) == set(seeds.documents)  # both articles name the retailer
    assert [r["mentions"] for r in rows] == sorted((r["mentions"] for r in rows), reverse=True)


def check_near_duplicates(seeds: Seeds) -> None:
    pairs = [e for e in seeds.graph["edges"] if e["type"] == "NEAR_DUPLICATE_OF"]
    rows = seeds.run("near-duplicates")
    # The two seed articles tell one story, rewritten.
    assert [(r["document"], r["duplicate_of"]) for r in rows] == [(e["source"], e["target"]) for e in pairs]
    assert len(rows) == 1 and 0 < rows[0]["similarity"] <= 1
    assert rows[0]["similarity"] == pytest.approx(pairs[0]["similarity"])
    assert seeds.run("near-duplicates", min_similarity=str(pairs[0]["similarity"] + 0.01)) == []


def check_relation_types(seeds: Seeds) -> None:
    rows = {r["relation"]: r for r in seeds.run("relation-types")}
    edges = Counter(e["type"] for e in seeds.relations)
    assert {name: r["edges"] for name, r in rows.items()} == dict(edges)
    weights: Counter = Counter()
    for e in seeds.relations:
        weights[e["type"]] += e["weight"]
    assert {name: r["evidence"] for name, r in rows.items()} == dict(weights)
    assert {"BANNED", "PULLED_PRODUCTS", "FOUNDED", "EXEMPTED", "BASED_IN"} <= set(rows)
    assert rows["BANNED"]["label"] == "banned"


def check_find_entity(seeds: Seeds) -> None:
    agency = seeds.entity_id(AGENCY)
    assert seeds.run("find-entity", text="DHS")[0]["id"] == agency  # an acronym alias
    assert seeds.run("find-entity", text="homeland")[0]["id"] == agency
    assert seeds.run("find-entity", text="best*")[0]["name"] == RETAILER


def check_added_since(seeds: Seeds) -> None:
    dated = {doc_id: n["published"] for doc_id, n in seeds.documents.items() if n.get("published")}
    assert dated, "a seed article carries a publication date"
    since = min(dated.values())
    rows = seeds.run("added-since", since=since)
    expected = sum(1 for e in seeds.relations for ev in e["evidence"] if ev["doc"] in dated)
    assert len(rows) == expected
    assert {r["document"] for r in rows} == set(dated)
    assert (AGENCY, "BANNED", COMPANY) in {(r["subject"], r["relation"], r["object"]) for r in rows}
    for row in rows:
        _assert_sentence_is_in_its_document(seeds, row["document"], row["sentence"])
    later = f"{int(max(dated.values())[:4]) + 1}-01-01"
    assert seeds.run("added-since", since=later) == []


def check_relations_of_type(seeds: Seeds) -> None:
    rows = seeds.run("relations-of-type", relation="FOUNDED")
    assert [(r["subject"], r["object"]) for r in rows] == [(FOUNDER, COMPANY)]
    assert set(rows[0]["evidence_documents"]) <= set(seeds.documents)
    with pytest.raises(UsageError, match="no relation type"):  # refused with the list, never an empty answer
        seeds.run("relations-of-type", relation="NO_SUCH_TYPE")


def check_quotes_by(seeds: Seeds) -> None:
    rows = seeds.run("quotes-by", entity=FOUNDER)
    letter = [r for r in rows if r["quote"].startswith("DHS has harmed")]
    assert len(letter) == 1 and letter[0]["speaker"] == FOUNDER and letter[0]["kind"] == "direct"
    assert sorted(letter[0]["documents"]) == sorted(seeds.documents)  # one quotation, both documents
    company = seeds.run("quotes-by", entity=COMPANY)
    assert any("cyber espionage" in r["quote"] and r["kind"] == "reported" for r in company)
    assert seeds.run("quotes-by", entity="nobody at all") == []


def check_quotes_about(seeds: Seeds) -> None:
    rows = seeds.run("quotes-about", entity="DHS")
    assert any(r["speaker"] == FOUNDER and r["about"] == AGENCY and r["quote"].startswith("DHS has harmed")
               for r in rows)


SEED_CHECKS: dict[str, Callable[[Seeds], None]] = {
    "quotes-by": check_quotes_by,
    "quotes-about": check_quotes_about,
    "who-banned-whom": check_who_banned_whom,
    "entity": check_entity,
    "edge-evidence": check_edge_evidence,
    "most-connected": check_most_connected,
    "shortest-paths": check_shortest_paths,
    "co-mentioned": check_co_mentioned,
    "documents-about": check_documents_about,
    "near-duplicates": check_near_duplicates,
    "relation-types": check_relation_types,
    "find-entity": check_find_entity,
    "added-since": check_added_since,
    "relations-of-type": check_relations_of_type,
}


def test_every_shipped_query_has_a_seed_check():
    assert sorted(SEED_CHECKS) == SHIPPED


@pytest.mark.neo4j
@pytest.mark.model
@pytest.mark.parametrize("name", SHIPPED)
def test_query_on_the_seeds(name, seeds):
    SEED_CHECKS[name](seeds)
