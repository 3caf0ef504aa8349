"""The real Gephi toolkit (0.10.1, from Maven Central, headless: tests/gephi) imports kg's GraphML
and GEXF with the settings Gephi's import dialog starts with: every node, every edge, each edge
under its own type (Gephi merges parallel edges of one type), labels on every node, and the GEXF's
relation edges in time."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections import Counter
from pathlib import Path

import pytest

HARNESS = Path(__file__).parent / "gephi"
BUILT = HARNESS / "target" / "classpath.txt"
MAVEN_TIMEOUT_S = 900  # the first build downloads the toolkit (80 MB)

pytestmark = [pytest.mark.model, pytest.mark.slow]


def _sources() -> list[Path]:
    return [HARNESS / "pom.xml", *sorted((HARNESS / "src").rglob("*.java"))]


@pytest.fixture(scope="session")
def gephi_classpath() -> str:
    """Build the harness with Maven unless an up-to-date build is there."""
    assert shutil.which("mvn") and shutil.which("java"), "Maven and Java are needed (see .ci/run)"
    jar = HARNESS / "target" / "gephi-import-1.jar"
    fresh = BUILT.exists() and jar.exists() and all(s.stat().st_mtime <= jar.stat().st_mtime for s in _sources())
    if not fresh:
        done = subprocess.run(["mvn", "-q", "-B", "package"], cwd=HARNESS, capture_output=True, text=True,
                              timeout=MAVEN_TIMEOUT_S, stdin=subprocess.DEVNULL)
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return BUILT.read_text(encoding="utf-8").strip() + os.pathsep + str(jar)


def gephi_import(classpath: str, path: Path) -> dict:
    done = subprocess.run(["java", "-Djava.awt.headless=true", "-cp", classpath, "kg.gephi.ImportFile", str(path)],
                          capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _assert_everything_arrives(seen: dict, graph: dict, *, timed: bool) -> None:
    types = Counter(e["type"] for e in graph["edges"])
    assert seen["nodes"] == len(graph["nodes"])
    assert seen["edges"] == len(graph["edges"])
    assert seen["gephi_edge_types"] == dict(types)  # each edge kept apart under its own type
    assert seen["type_column"] == dict(types)
    assert seen["unlabelled_nodes"] == 0
    assert sum(seen["edge_labels"].values()) == len(graph["edges"]) and "null" not in seen["edge_labels"]
    if timed:
        assert seen["timed_edges"] == sum("first_seen" in e for e in graph["edges"]) > 0
    assert not [i for i in seen["issues"] if i.startswith("SEVERE")], seen["issues"]


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_gephi_imports_the_seeds_graph_whole(gephi_classpath, seed_exports, fmt) -> None:
    graph = json.loads(seed_exports["json"].read_text(encoding="utf-8"))
    _assert_everything_arrives(gephi_import(gephi_classpath, seed_exports[fmt]), graph, timed=fmt == "gexf")


@pytest.mark.parametrize("fmt", ["graphml", "gexf"])
def test_gephi_imports_a_100_document_graph_whole(gephi_classpath, corpus_exports, fmt) -> None:
    graph = json.loads(corpus_exports["json"].read_text(encoding="utf-8"))
    pairs = Counter((e["source"], e["target"]) for e in graph["edges"])
    assert max(pairs.values()) > 1  # there are parallel edges to keep apart
    _assert_everything_arrives(gephi_import(gephi_classpath, corpus_exports[fmt]), graph, timed=fmt == "gexf")


def test_without_the_edge_type_gephi_merges_parallel_edges(gephi_classpath, tmp_path) -> None:
    """Why kg writes Gephi's edge type: the same file without it loses an edge."""
    from test_graphml import _graph

    from kg.sinks.graphml import write_graphml

    write_graphml(_graph(), tmp_path / "typed.graphml")
    write_graphml(_graph(), tmp_path / "untyped.graphml", gephi_edge_types=False)
    assert gephi_import(gephi_classpath, tmp_path / "typed.graphml")["edges"] == 3
    assert gephi_import(gephi_classpath, tmp_path / "untyped.graphml")["edges"] == 2
