"""Shared fixtures. The real spaCy model is loaded once per session; the Neo4j fixtures live in
conftest_neo4j.py (a real server: the user's via NEO4J_URI, or one built from Maven Central)."""
from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["conftest_neo4j", "conftest_browser"]

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# A copy of ../shared/gold/seeds.jsonl, so the tests run wherever the project is cloned.
SEED_GOLD = ROOT / "tests" / "data" / "gold" / "seeds.jsonl"


@pytest.fixture(scope="session")
def nlp():
    """The real English pipeline kg depends on."""
    from kg.nlp import load_model

    return load_model()


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


# --- exports of real builds (tests/test_graphml.py, test_gexf.py, test_gephi.py) ------------------

REDOCRED_DEV = ROOT / "eval" / "redocred_dev.json"  # the project's copy of ../shared/eval


def _exports(folder: Path, inputs: str) -> dict[str, Path]:
    """One build of ``inputs`` (the real model, the shipped relation model), written in every
    file format by the code ``kg build --format`` runs."""
    from kg.pipeline import BuildOptions, build
    from kg.sinks.export import write_graph

    result = build([inputs], options=BuildOptions())
    assert result.summary.documents and not result.summary.skipped
    out = {}
    for name, fmt in (("json", "json"), ("graphml", "graphml"), ("yed.graphml", "graphml-yed"), ("gexf", "gexf")):
        out[fmt] = folder / f"graph.{name}"
        write_graph(result.graph, out[fmt], fmt)
    return out


@pytest.fixture(scope="session")
def seed_exports(tmp_path_factory) -> dict[str, Path]:
    """The seeds' graph as JSON, GraphML, yEd GraphML and GEXF."""
    folder = tmp_path_factory.mktemp("seed-exports")
    return _exports(folder, str(SEEDS))


@pytest.fixture(scope="session")
def corpus_exports(tmp_path_factory) -> dict[str, Path]:
    """A 100-document corpus's graph (Re-DocRED dev texts, each given a publication date a day
    after the one before, so relation edges span time) in every file format."""
    import json
    from datetime import date, timedelta

    folder = tmp_path_factory.mktemp("corpus-exports")
    records = json.loads(REDOCRED_DEV.read_text(encoding="utf-8"))[:100]
    corpus = folder / "corpus.jsonl"
    with open(corpus, "w", encoding="utf-8") as stream:
        for index, record in enumerate(records):
            text = " ".join(token for sentence in record["sents"] for token in sentence)
            published = (date(2020, 1, 1) + timedelta(days=index)).isoformat()
            stream.write(json.dumps({"id": f"doc-{index:03d}", "title": record["title"], "text": text,
                                     "published": published}, ensure_ascii=False) + "\n")
    return _exports(folder, str(corpus))
