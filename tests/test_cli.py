"""The command line through typer's CliRunner and as a real process (exit codes, one-line errors)."""
from __future__ import annotations

import json
import re
import subprocess
import sys

import networkx as nx
import pytest
from typer.testing import CliRunner

from kg.cli import app
from kg.ids import without_text_hash
from conftest import ROOT, SEEDS

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
    assert kinds == {"entity", "document", "quote"}  # the seeds hold quotations
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


# ---------------------------------------------------------------- outputs that are never made worse

ONE_DOC = json.dumps({"id": "n1", "text": "Maria Lindqvist joined Harbor Freight Systems in Oslo last year."}) + "\n"


@pytest.mark.parametrize("make_input", ["missing file", "empty folder", "only bad lines"])
def test_a_run_that_read_no_document_writes_nothing_and_keeps_the_old_output(tmp_path, make_input):
    previous = tmp_path / "prev.graphml"
    previous.write_text("<graphml>the previous graph</graphml>")
    if make_input == "missing file":
        given = tmp_path / "typo.txt"
    elif make_input == "empty folder":
        given = tmp_path / "empty"
        given.mkdir()
    else:
        given = tmp_path / "bad.jsonl"
        given.write_text("{not json\n")
    done = _kg("build", str(given), "--out", str(previous), "--no-cache")
    assert done.returncode == 2, done.stderr
    assert previous.read_text() == "<graphml>the previous graph</graphml>"
    errors = [line for line in done.stderr.splitlines() if line.startswith("kg: error:")]
    assert errors == [f"kg: error: nothing to do: no document could be read (1 input skipped); {previous} left as it was"]
    assert "Traceback" not in done.stderr
    fresh = tmp_path / "new.json"
    assert _kg("extract", str(given), "--out", str(fresh), "--no-cache").returncode == 2
    assert not fresh.exists()


def test_strict_fails_on_a_skipped_input_and_keeps_the_old_output(tmp_path):
    good = tmp_path / "good.jsonl"
    good.write_text(ONE_DOC)
    previous = tmp_path / "prev.json"
    previous.write_text('{"nodes": [], "edges": [], "note": "previous"}')
    missing = tmp_path / "typo.txt"
    strict = _kg("build", str(good), str(missing), "--out", str(previous), "--no-cache", "--strict")
    assert strict.returncode == 1, strict.stderr
    assert json.loads(previous.read_text())["note"] == "previous"
    assert f"kg: skipped {missing}: no such file or directory" in strict.stderr
    assert f"kg: error: --strict: 1 input skipped, nothing written; {previous} left as it was" in strict.stderr
    lenient = _kg("build", str(good), str(missing), "--out", str(previous), "--no-cache")
    assert lenient.returncode == 1  # written, but an input was skipped
    assert "note" not in json.loads(previous.read_text())
    assert _kg("build", str(good), "--out", str(previous), "--no-cache", "--strict", "-q").returncode == 0


def test_build_help_says_what_each_exit_code_means():
    result = runner.invoke(app, ["build", "--help"], env={"COLUMNS": "400"})
    text = " ".join(result.output.split())
    assert "2 nothing written: a usage error, or no document could be read" in text
    assert "--strict" in text and "Fail (exit 1) and write nothing when any input is skipped" in text


# ---------------------------------------------------------------- usage errors, --help, --version


@pytest.mark.parametrize("args, says", [
    (["build"], "Missing argument 'INPUT'"),
    (["build", "x.txt", "--out", "g.json", "--no-such-option"], "No such option: --no-such-option"),
    (["--no-such-option"], "No such option: --no-such-option"),
    (["no-such-command"], "No such command 'no-such-command'"),
    (["build", "x.txt", "--out", "g.json", "--workers", "zero"], "Invalid value for '--workers'"),
    (["query", "who-banned-whom", "--format", "yaml"], "unknown --format 'yaml'"),
])
def test_usage_errors_are_one_line_on_stderr_exit_2(args, says):
    done = _kg(*args)
    assert done.returncode == 2, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: ") and says in lines[0], done.stderr
    assert done.stdout == ""


def test_version_and_short_help():
    from importlib.metadata import version

    done = _kg("--version")
    assert done.returncode == 0 and done.stdout.strip() == f"kg {version('kg')}"
    short = runner.invoke(app, ["build", "-h"])
    assert short.exit_code == 0 and "--out" in short.output
    bare = _kg()
    assert bare.returncode == 0 and "build" in bare.stdout and "Commands" in bare.stdout


def test_shell_completion_is_offered():
    result = runner.invoke(app, ["--help"])
    assert "--install-completion" in result.output and "--show-completion" in result.output


def _commands():
    import typer.main

    group = typer.main.get_command(app)
    return sorted(group.commands.items())


@pytest.mark.parametrize("name", [name for name, _ in _commands()])
def test_every_option_help_survives_in_help_output(name):
    """rich reads "[...]" as markup and drops it: every argument's and option's help text, and
    every metavar, must show whole in --help (also those other modules add)."""
    command = dict(_commands())[name]
    result = runner.invoke(app, [name, "--help"], env={"COLUMNS": "1000", "TERMINAL_WIDTH": "1000"})
    assert result.exit_code == 0, result.output
    shown = " ".join(result.output.replace("│", " ").split())
    for param in command.params:
        help_text = getattr(param, "help", None)
        if help_text:
            assert " ".join(help_text.split()) in shown, (param.name, help_text)


# ---------------------------------------------------------------- progress with a total


def _stderr_on_a_terminal(*args: str) -> tuple[int, str]:
    """Run kg with its stderr on a pseudo-terminal (so tqdm shows its bar) and return the exit
    code and everything written there."""
    import os
    import pty
    import select

    import fcntl
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))  # a terminal has a size
    process = subprocess.Popen([sys.executable, "-m", "kg", *args], stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=slave)
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 300)
        if not ready:
            process.kill()
            break
        try:
            data = os.read(master, 4096)
        except OSError:  # the other end closed: the process is gone
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_the_progress_bar_shows_a_total_counted_from_files_and_json_lines(tmp_path):
    lines = [json.dumps({"id": f"n{i}", "text": f"Person {i} Lindqvist joined Harbor Freight Systems in Oslo."})
             for i in range(3)]
    (tmp_path / "three.jsonl").write_text("\n".join(lines) + "\n\n")
    (tmp_path / "one.txt").write_text("Maria Lindqvist joined Harbor Freight Systems in Oslo last year.")
    code, shown = _stderr_on_a_terminal("build", str(tmp_path), "--out", str(tmp_path / "g.json"), "--no-cache")
    assert code == 0, shown
    assert re.search(r"documents: +\d+%\|.*\| \d/4 \[", shown), shown  # a total and an ETA, not only a count
    quiet_code, quiet = _stderr_on_a_terminal("build", str(tmp_path), "--out", str(tmp_path / "g.json"),
                                              "--no-cache", "-q")
    assert quiet_code == 0 and "documents:" not in quiet


def test_ctrl_c_is_one_line_exit_130_and_the_old_output_stays(tmp_path):
    import signal
    import time

    previous = tmp_path / "prev.json"
    previous.write_text('{"nodes": [], "edges": [], "note": "previous"}')
    # a corpus that takes far longer than the 3 s below to build (the seeds alone take under 2 s)
    articles = [json.loads(line) for line in (ROOT / "eval" / "gum_news_dev.jsonl").read_text(encoding="utf-8").splitlines()]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"copy-{n}-{a['id']}", "text": a["text"]}) + "\n"
                              for n in range(40) for a in articles), encoding="utf-8")
    process = subprocess.Popen([sys.executable, "-m", "kg", "build", str(corpus), "--out", str(previous), "--no-cache"],
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(3)  # importing and loading the model
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert stderr.strip().splitlines()[-1] == "kg: interrupted" and "Traceback" not in stderr
    assert json.loads(previous.read_text())["note"] == "previous"
