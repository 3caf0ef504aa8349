"""kg.store: every shipped query on the embedded store, against the seeds as kg's real pipeline
reads them: the seed checks of test_query_seeds pass there too, and each query returns the same
rows as on Neo4j (the real test server)."""
from __future__ import annotations

from pathlib import Path

import pytest

from kg.query import bind_parameters, find_query, read_query
from kg.sinks import embedded
from kg.store import Store, run_query
from test_query_seeds import AGENCY, COMPANY, EXEMPT, FOUNDER, RETAILER, SEED_CHECKS, SHIPPED, Seeds, seeds  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent


class EmbeddedSeeds(Seeds):
    """The seed graph in an embedded store; the same lookups as test_query_seeds' Seeds."""

    def __init__(self, graph: dict, db: Path) -> None:
        super().__init__(graph, settings=None)
        self.store = Store("embedded", db=db)

    def run(self, name: str, **params: str) -> list[dict]:
        query = read_query(find_query(name, cwd=ROOT))
        return run_query(query, bind_parameters(query, params), store=self.store).as_dicts()


@pytest.fixture(scope="module")
def embedded_seeds(seed_graph, tmp_path_factory) -> EmbeddedSeeds:
    db = tmp_path_factory.mktemp("store") / "kg.db"
    embedded.load_graph(seed_graph, path=db)
    return EmbeddedSeeds(seed_graph, db)


@pytest.mark.model
@pytest.mark.parametrize("name", SHIPPED)
def test_query_on_the_seeds_in_the_embedded_store(name, embedded_seeds):
    SEED_CHECKS[name](embedded_seeds)


# The parameters the seed checks use, and a few more (a miss, an empty answer).
PARAMETERS: dict[str, list[dict[str, str]]] = {
    "who-banned-whom": [{}, {"limit": "1"}],
    "entity": [{"entity": "dhs"}, {"entity": COMPANY}, {"entity": "nobody at all"}],
    "edge-evidence": [{"subject": "DHS", "object": COMPANY, "relation": "BANNED"},
                      {"subject": COMPANY, "object": "DHS", "relation": "BANNED"}, {"subject": "DHS", "object": EXEMPT}],
    "most-connected": [{}, {"limit": "3"}],
    "shortest-paths": [{"from": FOUNDER, "to": EXEMPT}, {"from": COMPANY, "to": "Moscow"}],
    "co-mentioned": [{"entity": "Kaspersky", "limit": "100"}],
    "documents-about": [{"entity": RETAILER}, {"entity": AGENCY}],
    "near-duplicates": [{}, {"min_similarity": "0.99"}],
    "relation-types": [{}],
    "find-entity": [{"text": "DHS"}, {"text": "homeland"}, {"text": "best*"}],
    "added-since": [{"since": "2017-01-01"}, {"since": "2100-01-01"}],
    "relations-of-type": [{"relation": "FOUNDED"}, {"relation": "banned"}, {"relation": "pulled products"}],
    "quotes-by": [{"entity": FOUNDER}, {"entity": COMPANY}, {"entity": "nobody at all"}],
    "quotes-about": [{"entity": "DHS"}, {"entity": COMPANY}],
}


def test_every_shipped_query_is_compared():
    assert sorted(PARAMETERS) == SHIPPED


@pytest.mark.neo4j
@pytest.mark.model
@pytest.mark.parametrize("name", SHIPPED)
def test_both_engines_return_the_same_rows(name, seeds, embedded_seeds):  # noqa: F811 - seeds is the fixture
    for params in PARAMETERS[name]:
        on_neo4j, on_embedded = seeds.run(name, **params), embedded_seeds.run(name, **params)
        if name == "find-entity":
            # Lucene's scores have no counterpart without the full-text index: the same best match.
            assert [r["id"] for r in on_embedded[:1]] == [r["id"] for r in on_neo4j[:1]], params
            assert list(on_embedded[0]) == list(on_neo4j[0])
        else:
            assert on_embedded == on_neo4j, params
