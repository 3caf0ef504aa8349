"""README's examples cannot drift from the code: the blocks marked ``<!-- readme-test: ... -->``
run (every line starting with ``kg``), the sample output is compared with what its command
writes, the commands and options the README names exist, and the seeds' figures are what
``kg eval`` prints."""
from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT

pytestmark = pytest.mark.model

README = (ROOT / "README.md").read_text(encoding="utf-8")
_MARKED = re.compile(r"<!-- readme-test: (?P<what>.*?) -->\n```(?P<lang>\w*)\n(?P<body>.*?)\n```", re.DOTALL)


def _marked(what: str) -> list[str]:
    return [m["body"] for m in _MARKED.finditer(README) if m["what"] == what]


def _outputs(prefix: str) -> list[tuple[str, str]]:
    return [(m["what"][len(prefix):], m["body"]) for m in _MARKED.finditer(README) if m["what"].startswith(prefix)]


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    """A folder where README's relative paths (seeds, tests/data, eval) mean what they do in the
    checkout, and the outputs land outside it."""
    folder = tmp_path_factory.mktemp("readme")
    for name in ("seeds", "tests", "eval", "queries"):
        (folder / name).symlink_to(ROOT / name)
    return folder


def _run(command: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run a README line of kg commands, joined by ``&&`` as a shell runs them: each in turn
    while they succeed; the output is the last one's, with every one's stderr."""
    words = shlex.split(command, comments=True)
    stderr = ""
    while words:
        step = words[:words.index("&&")] if "&&" in words else words
        words = words[len(step) + 1:]
        assert step[0] == "kg", command
        done = subprocess.run([sys.executable, "-m", "kg", *step[1:]], cwd=cwd, capture_output=True, text=True,
                              timeout=600, stdin=subprocess.DEVNULL, check=False)
        stderr += done.stderr
        if done.returncode != 0:
            break
    return subprocess.CompletedProcess(done.args, done.returncode, done.stdout, stderr)


def test_readme_marks_blocks_to_check():
    assert _marked("run the kg lines") and _outputs("output of ")


def test_the_marked_command_lines_run(workdir):
    lines = [line for body in _marked("run the kg lines") for line in body.splitlines() if line.startswith("kg ")]
    assert lines
    for line in lines:
        done = _run(line, workdir)
        assert done.returncode == 0, (line, done.stderr[-2000:])


def _shown_in(sample, real) -> bool:
    """Whether README's abridged ``sample`` is true of ``real``: a string ending in "..." is a
    prefix, a list ending in "..." a prefix of the list, an object a subset of the keys."""
    if isinstance(sample, str) and sample.endswith("..."):
        return isinstance(real, str) and real.startswith(sample[:-3].rstrip())
    if isinstance(sample, list):
        abridged = bool(sample) and sample[-1] == "..."
        items = sample[:-1] if abridged else sample
        if not isinstance(real, list) or len(real) < len(items) or (not abridged and len(real) != len(items)):
            return False
        return all(_shown_in(a, b) for a, b in zip(items, real))
    if isinstance(sample, dict):
        return isinstance(real, dict) and all(k in real and _shown_in(v, real[k]) for k, v in sample.items())
    return sample == real


def test_the_abridged_reading_is_strict():
    assert _shown_in({"a": "The ban ...", "b": [1, "..."]}, {"a": "The ban came", "b": [1, 2], "c": 3})
    assert not _shown_in({"a": "The ban ..."}, {"a": "A ban"})
    assert not _shown_in({"b": [1]}, {"b": [1, 2]})
    assert not _shown_in({"n": 19}, {"n": 13})


@pytest.mark.parametrize("command, sample", _outputs("output of "))
def test_the_sample_output_is_what_its_command_writes(workdir, command, sample):
    done = _run(command + " --no-cache -q", workdir)
    assert done.returncode == 0, done.stderr
    out = shlex.split(command)[shlex.split(command).index("--out") + 1]
    real = json.loads((workdir / out).read_text(encoding="utf-8"))
    shown = json.loads(sample)
    for key in ("nodes", "edges"):
        by_id = {item["id"]: item for item in real[key] if "id" in item}
        for item in shown[key]:
            if item == "...":
                continue
            assert item["id"] in by_id, item["id"]
            assert _shown_in(item, by_id[item["id"]]), (item, by_id[item["id"]])


def _commands() -> dict:
    import typer.main

    from kg.cli import app

    group = typer.main.get_command(app)
    return {name: {opt for param in command.params for opt in param.opts} for name, command in group.commands.items()} | {
        "": {opt for param in group.params for opt in param.opts}}


def test_every_command_and_option_the_readme_names_exists():
    commands = _commands()
    named = re.findall(r"`kg ([a-z][a-z-]*)", README)
    assert named
    for name in named:
        assert name in commands, f"README names kg {name}, which is no command"
    section = README[README.index("## Commands"):README.index("## How it works")]
    every = set().union(*commands.values()) | {"--help", "-h"}
    for option in set(re.findall(r"(?<![\w-])(--[a-z][a-z0-9-]*)", section)):
        assert option in every, f"README's Commands section names {option}, which no command has"


def test_the_seeds_figures_are_what_kg_eval_prints(workdir):
    done = subprocess.run([sys.executable, "-m", "kg", "eval", "tests/data/gold/seeds.jsonl", "seeds", "--json"],
                          cwd=workdir, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    claim = re.search(r"Relation precision on the\s+merged graph is (\d\.\d+) \((\d+) of (\d+) edges", README)
    assert claim, "README's seeds paragraph lost its precision figure"
    overall = report["graph"]["relations"]["overall"]
    assert (float(claim[1]), int(claim[2]), int(claim[3])) == (
        round(overall["precision"], 3), overall["tp"], overall["tp"] + overall["fp"])
    musts = re.search(r"all (\d+) `must` relations \((\d+) on the\s+merged\s+graph", README)
    assert musts and report["passed"]
    levels = (report["per_document"]["levels"]["must"], report["graph"]["levels"]["must"])
    assert (int(musts[1]), int(musts[2])) == tuple(level["tp"] + level["fn"] for level in levels)
