"""``kg view`` and ``kg build --format html`` on the command line: the page written, its summary,
and one-line refusals of outputs and inputs that cannot work."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from conftest import SEEDS
from kg.cli import app
from test_sinks_html import small_graph

runner = CliRunner()


def _kg(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, timeout=300)


def _page_data(path) -> dict:
    text = path.read_text(encoding="utf-8")
    start = text.index('<script type="application/json" id="kg-data">') + len('<script type="application/json" id="kg-data">')
    return json.loads(text[start:text.index("</script>", start)])


@pytest.fixture
def graph_file(tmp_path):
    path = tmp_path / "mills.json"
    path.write_text(json.dumps(small_graph()), encoding="utf-8")
    return path


def test_view_writes_the_page_and_says_what_it_shows(graph_file, tmp_path):
    out = tmp_path / "out" / "mills.html"
    result = _kg("view", str(graph_file), "--out", str(out), "--title", "Mills")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == f"wrote {out} (4 entities, 3 relations, 4 documents, 2 places)"
    data = _page_data(out)
    assert data["title"] == "Mills"
    assert {n["id"] for n in data["nodes"]} == {n["id"] for n in small_graph()["nodes"]}


def test_view_defaults_to_the_graph_s_name_with_html(graph_file):
    result = runner.invoke(app, ["view", str(graph_file), "--quiet"])
    assert result.exit_code == 0, result.output
    page = graph_file.with_suffix(".html")
    assert _page_data(page)["title"] == "mills"
    assert json.loads(graph_file.read_text())["nodes"]  # the graph file is untouched


@pytest.mark.parametrize("out, message", [
    ("/dev/null", "--out /dev/null is a character device"),
    ("-", "kg view writes a file: pass --out FILE.html"),
    ("{graph}", "would replace a graph file"),
])
def test_view_refuses_an_output_it_cannot_or_should_not_write(graph_file, out, message):
    result = _kg("view", str(graph_file), "--out", out.replace("{graph}", str(graph_file)))
    assert result.returncode == 2
    assert result.stderr.startswith("kg: error: ") and message in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


@pytest.mark.parametrize("content, message", [
    (None, "cannot read"),
    ("{not json", "is not JSON"),
    ('{"nodes": []}', "is not a kg graph"),
])
def test_view_refuses_an_input_that_is_not_a_graph(tmp_path, content, message):
    graph = tmp_path / "g.json"
    if content is not None:
        graph.write_text(content)
    result = _kg("view", str(graph), "--out", str(tmp_path / "g.html"))
    assert result.returncode == 2
    assert result.stderr.startswith("kg: error: ") and message in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "g.html").exists()


@pytest.mark.model
def test_build_writes_html_from_the_suffix_or_the_format(tmp_path):
    out = tmp_path / "seeds.html"
    result = runner.invoke(app, ["build", str(SEEDS), "--out", str(out), "--no-cache"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out} (html)" in result.output
    data = _page_data(out)
    assert {n["kind"] for n in data["nodes"]} == {"entity", "document", "quote"}  # the seeds hold quotations
    assert any(e["kind"] == "relation" and e["evidence"] for e in data["edges"])
    other = tmp_path / "seeds.page"
    assert runner.invoke(app, ["build", str(SEEDS), "--out", str(other), "--format", "html", "-q", "--no-cache"]).exit_code == 0
    assert _page_data(other)["nodes"] == data["nodes"]
