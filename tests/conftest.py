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
