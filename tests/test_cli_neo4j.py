"""kg load / kg query / kg remove as a user runs them (``python -m kg`` in a subprocess), against
a real Neo4j server."""
from __future__ import annotations

import json
import os
import pty
import select
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest_neo4j import database_state, graph_counts, make_sample_graph
from kg.ids import document_id, without_text_hash

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


@pytest.mark.neo4j
def test_a_missing_database_is_one_clean_line(neo4j_settings, graph_file):
    for args in (["load", str(graph_file)], ["query", "relation-types"], ["remove", "doc-a"]):
        started = time.monotonic()
        done = _kg(*args, "--database", "nosuchdatabase", env=_env(neo4j_settings))
        assert done.returncode == 2
        assert "has no database 'nosuchdatabase'" in _error_line(done)
        assert (neo4j_settings.password or "") not in done.stdout + done.stderr
        assert time.monotonic() - started < 60


def test_an_unreachable_server_is_one_line(graph_file):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    env.update({"NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": "pw-not-shown-anywhere"})
    for uri in ("bolt://127.0.0.1:9", "neo4j://127.0.0.1:9", "neo4j+s://127.0.0.1:9"):
        started = time.monotonic()
        done = _kg("load", str(graph_file), "--uri", uri, env=env)
        assert done.returncode == 2
        # One line: the driver's own log records (a failed routing request) stay out of it.
        line = _error_line(done)
        assert line.startswith(f"kg: error: cannot reach Neo4j at {uri}: connection refused")
        assert "pw-not-shown-anywhere" not in done.stdout + done.stderr
        assert time.monotonic() - started < 60


def test_a_missing_parameter_is_named_before_connecting():
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    done = _kg("query", "edge-evidence", "--param", "subject=A", env=env)
    assert done.returncode == 2
    assert "needs parameter 'object'" in _error_line(done)


def test_without_a_password_or_a_terminal_the_user_is_told_what_to_set(graph_file):
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
    done = _kg("query", "relation-types", "--neo4j", env=env)  # without --neo4j: the embedded store
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
    assert [r["id"] for r in records] == [document_id("harbor-note.txt", article.read_text(encoding="utf-8"))]
    assert any("Bellwether" in name for name in records[0]["names"])


@pytest.mark.neo4j
def test_two_runs_loading_files_of_one_name_give_two_documents_that_remove_names_apart(empty_neo4j, neo4j_driver,
                                                                                      tmp_path):
    texts = {"x": "Harbor council fines shipping firm\n\nThe Harbor Council fined Bellwether Shipping on Tuesday.\n",
             "y": "Mill reopens\n\nOrla Vance reopened the Dunmere mill in Port Arlen on Friday.\n"}
    for folder, text in texts.items():
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text(text, encoding="utf-8")
    env = _env(empty_neo4j)
    for folder in texts:  # two runs, from the folder above
        done = _kg("load", f"{folder}/report.txt", "--relation-model", "none", "--quiet", env=env, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    records, _, _ = neo4j_driver.execute_query("MATCH (d:Document) RETURN d.id AS id, d.source AS source, d.title AS title")
    found = {r["source"]: (r["id"], r["title"]) for r in records}
    assert set(found) == {"x/report.txt", "y/report.txt"}
    assert found["x/report.txt"] == (document_id("report.txt", texts["x"]), "Harbor council fines shipping firm")
    assert found["y/report.txt"][1] == "Mill reopens"

    done = _kg("remove", found["x/report.txt"][0], env=env)
    assert done.returncode == 0, done.stderr
    records, _, _ = neo4j_driver.execute_query("MATCH (d:Document) RETURN d.id AS id")
    assert [r["id"] for r in records] == [found["y/report.txt"][0]]
    names, _, _ = neo4j_driver.execute_query("MATCH (e:Entity) RETURN collect(e.name) AS names")
    assert not any("Bellwether" in name for name in names[0]["names"])


# ---------------------------------------------------------------- the seed articles, end to end


AGENCY, COMPANY = "Department of Homeland Security", "Kaspersky Lab"  # as the seed gold file names them


@pytest.mark.parametrize("bad", [
    {"nodes": [{"id": "document:x", "kind": "entity", "name": "X", "type": "Document"}], "edges": []},
    {"nodes": [{"id": "person:a", "kind": "entity", "name": "A", "type": "Person"},
               {"id": "person:b", "kind": "entity", "name": "B", "type": "Person"}],
     "edges": [{"source": "person:a", "target": "person:b", "type": "SAID", "evidence": []}]},
])
def test_a_graph_file_with_a_reserved_name_is_one_line_before_any_connection(tmp_path, bad):
    graph = tmp_path / "reserved.json"
    graph.write_text(json.dumps(bad), encoding="utf-8")
    with socket.socket() as listener:  # a "server" that notes every connection attempt
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listener.settimeout(0.5)
        env = {k: v for k, v in os.environ.items() if not k.startswith("NEO4J_")}
        env.update({"NEO4J_URI": f"bolt://127.0.0.1:{listener.getsockname()[1]}", "NEO4J_PASSWORD": "unused"})
        done = _kg("load", str(graph), env=env)
        with pytest.raises(TimeoutError):
            listener.accept()[0].close()
    assert done.returncode == 2
    line = _error_line(done)
    assert str(graph) in line and "reserved" in line


@pytest.mark.neo4j
@pytest.mark.model
def test_kg_load_seeds_twice_then_who_banned_whom(empty_neo4j, neo4j_driver):
    env = _env(empty_neo4j)
    first = _kg("load", "seeds", env=env)
    assert first.returncode == 0, first.stderr
    assert "documents: 2 read, 0 skipped" in first.stderr
    counts, state = graph_counts(neo4j_driver), database_state(neo4j_driver)
    assert counts["nodes"] > 2 and counts["relationships"] > 0

    second = _kg("load", "seeds", env=env)
    assert second.returncode == 0, second.stderr
    assert "nodes: 0 created" in second.stderr and "relationships: 0 created" in second.stderr
    assert "0 evidence sentences added" in second.stderr
    assert graph_counts(neo4j_driver) == counts
    assert database_state(neo4j_driver) == state

    asked = _kg("query", "who-banned-whom", "--format", "json", env=env)
    assert asked.returncode == 0, asked.stderr
    ban = next(r for r in json.loads(asked.stdout) if (r["banned_by"], r["banned"]) == (AGENCY, COMPANY))
    seed_ids = sorted(p.stem for p in (ROOT / "seeds").glob("*.txt"))
    assert sorted({without_text_hash(item.split(": ", 1)[0]) for item in ban["evidence"]}) == seed_ids
    for item in ban["evidence"]:
        doc, sentence = item.split(": ", 1)
        assert sentence in (ROOT / "seeds" / f"{without_text_hash(doc)}.txt").read_text(encoding="utf-8")

    table = _kg("query", "who-banned-whom", env=env)
    assert table.returncode == 0, table.stderr
    assert any(line.startswith(AGENCY) and COMPANY in line for line in table.stdout.splitlines())

    for done in (first, second, asked, table):
        assert empty_neo4j.password not in done.stdout + done.stderr


# ---------------------------------------------------------------- TLS and the password prompt


@pytest.mark.neo4j
def test_bolt_s_and_neo4j_s_work_when_the_certificate_is_trusted(empty_neo4j, neo4j_driver, neo4j_tls_certificate,
                                                                 graph_file):
    port = empty_neo4j.uri.rsplit(":", 1)[1]
    trusting = _env(empty_neo4j, SSL_CERT_FILE=str(neo4j_tls_certificate), SSL_CERT_DIR=None)
    loaded = _kg("load", str(graph_file), "--uri", f"bolt+s://localhost:{port}", env=trusting)
    assert loaded.returncode == 0, loaded.stderr
    assert graph_counts(neo4j_driver)["nodes"] == 10
    asked = _kg("query", "who-banned-whom", "--format", "json", "--uri", f"neo4j+s://localhost:{port}", env=trusting)
    assert asked.returncode == 0, asked.stderr
    assert [r["banned"] for r in json.loads(asked.stdout)] == ["Zentrix Labs"]

    # The handshake really checks the certificate: not trusted, one line; +ssc accepts it as self-signed.
    system_trust = _env(empty_neo4j, SSL_CERT_DIR=None, SSL_CERT_FILE="/nonexistent/ca.pem")
    refused = _kg("query", "relation-types", "--uri", f"neo4j+s://localhost:{port}", env=system_trust)
    assert refused.returncode == 2
    assert "TLS certificate is not trusted" in _error_line(refused)
    self_signed = _kg("query", "relation-types", "--uri", f"bolt+ssc://localhost:{port}", env=system_trust)
    assert self_signed.returncode == 0, self_signed.stderr
    for done in (loaded, asked, refused, self_signed):
        assert empty_neo4j.password not in done.stdout + done.stderr


def _run_on_a_terminal(args: list[str], env: dict[str, str], answer: str, timeout: float = 120) -> tuple[int, str]:
    """Run ``python -m kg ARGS`` with a pseudo-terminal as stdin/stdout/stderr, type ``answer``
    once the password prompt shows, and return the exit code and everything the terminal showed
    (a terminal with echo on would show the typed password too)."""
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "kg", *args], env=env, cwd=ROOT, stdin=terminal,
                               stdout=terminal, stderr=terminal, start_new_session=True)
    os.close(terminal)
    shown, answered, deadline = b"", False, time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.2)
            if ready:
                try:
                    chunk = os.read(controller, 4096)
                except OSError:  # the terminal closed: the process is done
                    break
                if not chunk:
                    break
                shown += chunk
            if not answered and b"password for" in shown:
                time.sleep(0.2)  # echo is switched off right after the prompt is written
                os.write(controller, answer.encode() + b"\n")
                answered = True
            if process.poll() is not None and not ready:
                break
        return process.wait(timeout=10), shown.decode(errors="replace")
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)


@pytest.mark.neo4j
def test_the_password_is_asked_for_without_echo_when_not_in_the_environment(neo4j_settings):
    env = _env(neo4j_settings, NEO4J_PASSWORD=None)
    code, shown = _run_on_a_terminal(["query", "relation-types"], env, neo4j_settings.password or "")
    assert code == 0, shown
    assert f"Neo4j password for {neo4j_settings.username} at {neo4j_settings.uri}:" in shown
    assert "relation" in shown and "row" in shown
    assert (neo4j_settings.password or "") not in shown

    wrong = "typed-but-wrong-" + "y" * 5
    code, shown = _run_on_a_terminal(["query", "relation-types"], env, wrong)
    assert code == 2
    assert "kg: error: " in shown and "refused the login" in shown
    assert wrong not in shown


@pytest.mark.neo4j
def test_query_errors_a_person_makes_are_one_line(empty_neo4j, graph_file):
    env = _env(empty_neo4j)
    assert _kg("load", str(graph_file), "-q", env=env).returncode == 0
    bad_search = _kg("query", "find-entity", "-p", "text=zentrix AND (", env=env)
    assert bad_search.returncode == 2
    assert "is not valid full-text search syntax" in _error_line(bad_search)
    unknown_type = _kg("query", "relations-of-type", "-p", "relation=acquired", env=env)
    assert unknown_type.returncode == 2
    assert "no relation type ACQUIRED in the database" in _error_line(unknown_type)
    any_case = _kg("query", "relations-of-type", "-p", "relation=banned", "--format", "json", env=env)
    assert any_case.returncode == 0 and [r["object"] for r in json.loads(any_case.stdout)] == ["Zentrix Labs"]


@pytest.mark.neo4j
def test_load_of_inputs_that_hold_no_document_sends_nothing(empty_neo4j, neo4j_driver, tmp_path):
    env = _env(empty_neo4j)
    done = _kg("load", str(tmp_path / "typo.txt"), env=env)
    assert done.returncode == 2, done.stderr
    assert "kg: error: nothing to do: no document could be read (1 input skipped)" in done.stderr
    assert graph_counts(neo4j_driver)["nodes"] == 0


@pytest.mark.neo4j
def test_seed_quotations_load_once_query_and_go_with_their_documents(empty_neo4j, neo4j_driver):
    env = _env(empty_neo4j)
    assert _kg("load", "seeds", env=env).returncode == 0
    quotes = lambda: neo4j_driver.execute_query(  # noqa: E731
        "MATCH (q:Quote) RETURN q.id AS id, q.text AS text, q.kind AS kind, q.documents AS documents")[0]
    first = sorted(r.data()["id"] for r in quotes())
    second = _kg("load", "seeds", env=env)
    assert second.returncode == 0 and "nodes: 0 created" in second.stderr, second.stderr
    assert sorted(r.data()["id"] for r in quotes()) == first

    by = _kg("query", "quotes-by", "--param", "entity=Eugene Kaspersky", "--format", "json", env=env)
    assert by.returncode == 0, by.stderr
    letter = [r for r in json.loads(by.stdout) if r["quote"].startswith("DHS has harmed")]
    seed_ids = sorted(r["id"] for r in neo4j_driver.execute_query("MATCH (d:Document) RETURN d.id AS id")[0])
    assert len(seed_ids) == len(list((ROOT / "seeds").glob("*.txt")))
    assert len(letter) == 1 and letter[0]["kind"] == "direct" and sorted(letter[0]["documents"]) == seed_ids
    company = _kg("query", "quotes-by", "--param", f"entity={COMPANY}", "--format", "json", env=env)
    rows = json.loads(company.stdout)
    assert any("help a government with cyber espionage" in r["quote"] and r["kind"] == "reported" for r in rows)
    published = [r["published"] for r in rows if r["published"]]
    assert published == sorted(published, reverse=True)

    about = _kg("query", "quotes-about", "--param", "entity=DHS", "--format", "json", env=env)
    assert about.returncode == 0, about.stderr
    assert any(r["speaker"] == "Eugene Kaspersky" and r["quote"].startswith("DHS has harmed")
               for r in json.loads(about.stdout))

    # removing one document keeps the shared quotation with the other's evidence only
    assert _kg("remove", seed_ids[0], env=env).returncode == 0
    left = {r.data()["text"][:14]: r.data()["documents"] for r in quotes()}
    assert left["DHS has harmed"] == [seed_ids[1]]
    assert all(docs == [seed_ids[1]] for docs in left.values())
    assert _kg("remove", seed_ids[1], env=env).returncode == 0
    assert quotes() == []
