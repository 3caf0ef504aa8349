"""kg load / kg query / kg remove as a user runs them (``python -m kg`` in a subprocess), against
a real Neo4j server."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest_neo4j import graph_counts, make_sample_graph

ROOT = Path(__file__).resolve().parent.parent


def _env(settings, **overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"NEO4J_URI": settings.uri, "NEO4J_USERNAME": settings.username,
                "NEO4J_PASSWORD": settings.password or ""})
    if settings.database:
        env["NEO4J_DATABASE"] = settings.database
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def _kg(*args: str, env: dict[str, str], cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL, check=False)


def _error_line(done: subprocess.CompletedProcess) -> str:
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("kg: error: ")
    return lines[0]


@pytest.fixture
def graph_file(tmp_path) -> Path:
    path = tmp_path / "graph.json"
    path.write_text(json.dumps(make_sample_graph()), encoding="utf-8")
    return path


@pytest.mark.neo4j
def test_load_a_graph_file_twice_then_ask_who_banned_whom(empty_neo4j, neo4j_driver, graph_file):
    env = _env(empty_neo4j)
    first = _kg("load", str(graph_file), env=env)
    assert first.returncode == 0, first.stderr
    assert "nodes: 10 created" in first.stderr
    counts = graph_counts(neo4j_driver)
    second = _kg("load", str(graph_file), env=env)
    assert second.returncode == 0, second.stderr
    assert "nodes: 0 created, 10 already there" in second.stderr
    assert graph_counts(neo4j_driver) == counts

    asked = _kg("query", "who-banned-whom", "--format", "json", env=env)
    assert asked.returncode == 0, asked.stderr
    rows = json.loads(asked.stdout)
    assert [(r["banned_by"], r["banned"]) for r in rows] == [("Trade Safety Board", "Zentrix Labs")]
    assert "doc-b: The ban by the TSB came last week." in rows[0]["evidence"]

    table = _kg("query", "who-banned-whom", env=env)
    assert table.stdout.splitlines()[0].split()[:2] == ["banned_by", "banned"]
    assert "Trade Safety Board" in table.stdout and table.stdout.rstrip().endswith("(1 row)")

    as_csv = _kg("query", "edge-evidence", "--param", "subject=TSB", "-p", "object=zentrix",
                 "--format", "csv", env=env)
    assert as_csv.returncode == 0, as_csv.stderr
    assert as_csv.stdout.splitlines()[0] == "relation,document,title,published,sentence,start,end"
    assert len(as_csv.stdout.splitlines()) == 4

    for done in (first, second, asked, table, as_csv):
        assert empty_neo4j.password not in done.stdout + done.stderr


@pytest.mark.neo4j
def test_remove_takes_documents_out_and_names_unknown_ones(empty_neo4j, neo4j_driver, graph_file):
    env = _env(empty_neo4j)
    assert _kg("load", str(graph_file), env=env).returncode == 0
    done = _kg("remove", "doc-d", "doc-zzz", env=env)
    assert done.returncode == 1
    assert "kg: skipped doc-zzz: not in the database" in done.stderr
    records, _, _ = neo4j_driver.execute_query(
        "RETURN EXISTS { (:Document {id: 'doc-d'}) } AS doc, EXISTS { (:Entity {id: 'person:orla-vance'}) } AS founder")
    assert records[0]["doc"] is False and records[0]["founder"] is False


@pytest.mark.neo4j
def test_a_wrong_password_is_one_clean_line_and_never_shown(neo4j_settings, graph_file):
    wrong = "Wr0ng-Pa55word-" + "x" * 6
    for args in (["load", str(graph_file)], ["query", "relation-types"], ["remove", "doc-a"]):
        done = _kg(*args, env=_env(neo4j_settings, NEO4J_PASSWORD=wrong))
        assert done.returncode == 2
        line = _error_line(done)
        assert "refused the login" in line
        assert wrong not in done.stdout + done.stderr
        assert (neo4j_settings.password or "") not in done.stdout + done.stderr


def test_an_unreachable_server_is_one_line(graph_file):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": "pw-not-shown-anywhere"})
    done = _kg("load", str(graph_file), env=env)
    assert done.returncode == 2
    assert "cannot reach Neo4j at bolt://127.0.0.1:9" in _error_line(done)
    assert "pw-not-shown-anywhere" not in done.stdout + done.stderr


def test_a_missing_parameter_is_named_before_connecting():
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    done = _kg("query", "edge-evidence", "--param", "subject=A", env=env)
    assert done.returncode == 2
    assert "needs parameter 'object'" in _error_line(done)


def test_without_a_password_or_a_terminal_the_user_is_told_what_to_set(graph_file):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    done = _kg("query", "relation-types", env=env)
    assert done.returncode == 2
    assert "set NEO4J_PASSWORD" in _error_line(done)


def test_describe_prints_the_query_header_without_a_server():
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    done = _kg("query", "co-mentioned", "--describe", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("co-mentioned: Entities co-mentioned with X")
    assert "--param entity=...  (string, required)" in done.stdout
    assert "--param limit=...  (integer, default '25')" in done.stdout


def test_a_file_that_is_not_a_graph_is_an_input_error(tmp_path):
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env["NEO4J_PASSWORD"] = "unused"
    done = _kg("load", str(bad), env=env)
    assert done.returncode == 2
    assert "is not a kg graph" in _error_line(done)


@pytest.mark.neo4j
@pytest.mark.model
def test_load_builds_from_documents(empty_neo4j, neo4j_driver, tmp_path):
    article = tmp_path / "harbor-note.txt"
    article.write_text(
        "Harbor council fines shipping firm\n\n"
        "The Harbor Council fined Bellwether Shipping on Tuesday after an inspection in Port Arlen. "
        "Bellwether Shipping said it would appeal.\n", encoding="utf-8")
    done = _kg("load", str(article), "--quiet", env=_env(empty_neo4j))
    assert done.returncode == 0, done.stderr
    records, _, _ = neo4j_driver.execute_query(
        "MATCH (d:Document) OPTIONAL MATCH (d)-[:MENTIONS]->(e:Entity) RETURN d.id AS id, collect(e.name) AS names")
    assert [r["id"] for r in records] == ["harbor-note"]
    assert any("Bellwether" in name for name in records[0]["names"])
