"""The command line through typer's CliRunner and as a real process (exit codes, one-line errors)."""
from __future__ import annotations

import json
import subprocess
import sys

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.ids import without_text_hash
from conftest import SEEDS

pytestmark = pytest.mark.model
runner = CliRunner()


def _kg(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, input=stdin, timeout=300)


def test_build_graphml_rereads_with_labels(tmp_path):
    out = tmp_path / "seeds.graphml"
    result = runner.invoke(app, ["build", str(SEEDS), "--out", str(out), "--quiet"])
    assert result.exit_code == 0, result.output
    graph = nx.read_graphml(out, force_multigraph=True)
    assert graph.is_directed()
    kinds = {d["kind"] for _, d in graph.nodes(data=True)}
    assert kinds == {"entity", "document"}
    assert all("label" in d for _, d in graph.nodes(data=True))
    assert all("label" in d for _, _, d in graph.edges(data=True))


def test_build_json_and_extract_share_ids(tmp_path):
    graph_path = tmp_path / "g.json"
    lines_path = tmp_path / "x.jsonl"
    assert runner.invoke(app, ["build", str(SEEDS), "--out", str(graph_path), "-q"]).exit_code == 0
    assert runner.invoke(app, ["extract", str(SEEDS), "--out", str(lines_path), "-q"]).exit_code == 0
    graph = json.loads(graph_path.read_text())
    node_ids = {n["id"] for n in graph["nodes"]}
    records = [json.loads(line) for line in lines_path.read_text().splitlines()]
    assert [without_text_hash(r["id"]) for r in records] == ["000_4492bc89f768e1dd", "004_82ff1074eb669021"]
    for record in records:
        for entity in record["entities"]:
            assert entity["id"] in node_ids
        for relation in record["relations"]:
            assert relation["subject"] in node_ids and relation["object"] in node_ids


def test_stdin_jsonl_and_skipped_input_exit_1(tmp_path):
    good = json.dumps({"id": "n1", "text": "Maria Lindqvist joined Harbor Freight Systems in Oslo last year."})
    result = _kg("extract", "-", str(tmp_path / "missing.txt"), "--out", "-", "-q", stdin=good + "\n{not json\n")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert "missing.txt" in result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in records] == ["n1"]


def test_usage_errors_are_one_line_exit_2(tmp_path):
    result = _kg("build", str(SEEDS), "--out", str(tmp_path / "graph.unknown"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    bad_model = _kg("build", str(SEEDS), "--out", str(tmp_path / "g.json"), "--model", "no_such_pipeline")
    assert bad_model.returncode == 2 and "Traceback" not in bad_model.stderr
    assert "no_such_pipeline" in bad_model.stderr


def test_help_explains_commands():
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0
    for command in ("build", "extract", "eval", "schema"):
        assert command in result.output


def test_schema_lists_every_type_in_force_as_text_and_json(tmp_path):
    from kg.extract.schema import load_schema

    names = [r.name for r in load_schema().relations]
    text = runner.invoke(app, ["schema"])
    assert text.exit_code == 0, text.output
    listed = [line.split()[0] for line in text.output.splitlines() if line and not line.startswith(" ")]
    assert listed == names
    extra = tmp_path / "extra.toml"
    extra.write_text('[[relation]]\nname = "MENTORED"\nsubject = ["Person"]\nobject = ["Person"]\nverbs = ["mentor"]\n')
    as_json = runner.invoke(app, ["schema", "--schema", str(extra), "--json"])
    rows = json.loads(as_json.output)
    assert [r["name"] for r in rows] == [*names, "MENTORED"]
    assert rows[-1]["subject"] == "Person" and "mentor" in rows[-1]["triggers"]


def test_writing_to_a_closed_pipe_is_not_a_traceback():
    done = subprocess.run(f"{sys.executable} -m kg extract {SEEDS} --out - -q | head -c 100", shell=True,
                          capture_output=True, text=True, timeout=300)
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("command, phrase", [
    ("build", "the small English one"), ("build", "from --out's suffix"), ("extract", "chosen on dev data"),
    ("eval", "the gold file's own texts"), ("load", "the relation model's"),
])
def test_help_shows_its_defaults_whole(command, phrase):
    """rich takes "[...]" for markup and drops it: help strings say their defaults in parentheses."""
    from typer.testing import CliRunner

    from kg.cli import app

    result = CliRunner().invoke(app, [command, "--help"], env={"COLUMNS": "400", "TERMINAL_WIDTH": "400"})
    assert result.exit_code == 0
    assert phrase in " ".join(result.output.split())
