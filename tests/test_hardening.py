"""kg under bad input and interruptions, as a user runs it (``python -m kg`` in a subprocess):

- ``kg build`` on the hostile corpus (tests/data/make_hostile.py) keeps every good article's
  entities, names each skipped input with its reason, exits 1, prints no traceback and writes
  valid JSON and GraphML;
- a ``kg build`` killed (SIGKILL) while it writes its output leaves the previous output intact;
- XML with a DTD (billion laughs, external entities) is refused by kg's GraphML reader at once,
  and never expanded when it comes as HTML;
- a graph file nested past Python's recursion limit is one line from ``kg load``.
"""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import defusedxml.ElementTree as SafeET
import networkx as nx
import pytest

from kg.errors import InputError
from kg.ids import without_text_hash
from kg.ingest.formats import html_document
from kg.sinks.graphml import read_graphml, write_graphml

ROOT = Path(__file__).resolve().parent.parent
MAKER = ROOT / "tests" / "data" / "make_hostile.py"
BUILD_TIMEOUT_S = 300  # generous: a bound against hangs, not a benchmark
XML_TIMEOUT_S = 20  # expanding a billion laughs would take minutes and gigabytes; refusing, milliseconds


def _maker():
    spec = importlib.util.spec_from_file_location("make_hostile", MAKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _env() -> dict[str, str]:
    # The subprocess imports kg from this checkout, wherever an editable install points.
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}


def _kg(*args: str, cwd: Path, timeout: float = BUILD_TIMEOUT_S) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=_env(), capture_output=True,
                          text=True, timeout=timeout, stdin=subprocess.DEVNULL, check=False)


# --- kg build on the hostile corpus ------------------------------------------------------------


def _clean_copy(folder: Path, manifest: dict) -> None:
    """Take every bad input out of a corpus made by make_hostile, leaving the good ones where they
    were (bad JSON lines become blank lines, so the good lines keep their numbers)."""
    for source in manifest["bad"]:
        path, _, line = source.partition(":")
        if not line:
            # kg prints control characters in names as \xNN: the file's real name has them.
            target = folder / re.sub(r"\\x([0-9a-f]{2})", lambda m: chr(int(m.group(1), 16)), path)
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            else:
                target.unlink()
    bad_lines: dict[str, set[int]] = {}
    for source in manifest["bad"]:
        path, _, line = source.partition(":")
        if line:
            bad_lines.setdefault(path, set()).add(int(line))
    for path, numbers in bad_lines.items():
        lines = (folder / path).read_text(encoding="utf-8").split("\n")
        kept = ["" if number in numbers else text for number, text in enumerate(lines, start=1)]
        (folder / path).write_text("\n".join(kept), encoding="utf-8")


@pytest.fixture(scope="module")
def hostile_builds(tmp_path_factory) -> dict:
    """Build the hostile corpus to JSON and to GraphML, and the same corpus without its bad inputs
    to JSON. Each corpus is called ``corpus`` in its own folder, so sources and ids are equal."""
    maker = _maker()
    hostile_root = tmp_path_factory.mktemp("hostile-build")
    clean_root = tmp_path_factory.mktemp("clean-build")
    manifest = maker.make_hostile(hostile_root / "corpus")
    maker.make_hostile(clean_root / "corpus")
    _clean_copy(clean_root / "corpus", manifest)

    started = time.monotonic()
    as_json = _kg("build", "corpus", "--out", "graph.json", "--cache", "cache", cwd=hostile_root)
    seconds = time.monotonic() - started
    # The GraphML run reuses the extraction cache of the JSON run: only the output differs.
    as_graphml = _kg("build", "corpus", "--out", "graph.graphml", "--cache", "cache", cwd=hostile_root)
    clean = _kg("build", "corpus", "--out", "graph.json", "--no-cache", cwd=clean_root)
    return {"manifest": manifest, "json": as_json, "graphml": as_graphml, "clean": clean, "seconds": seconds,
            "hostile_root": hostile_root, "clean_root": clean_root}


def _skipped_lines(stderr: str) -> dict[str, str]:
    """``kg: skipped SOURCE: REASON`` lines as {source below corpus/: reason}."""
    found = {}
    for line in stderr.splitlines():
        if line.startswith("kg: skipped corpus/"):
            source, _, reason = line[len("kg: skipped corpus/"):].partition(": ")
            found[source] = reason
    return found


@pytest.mark.model
@pytest.mark.parametrize("run", ["json", "graphml"])
def test_hostile_build_exits_1_without_a_traceback_and_names_every_skipped_input(hostile_builds, run):
    done = hostile_builds[run]
    manifest = hostile_builds["manifest"]
    assert done.returncode == 1, done.stderr[-3000:]
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr.replace("kg: error:", "")
    assert done.stdout == ""
    skipped = _skipped_lines(done.stderr)
    assert set(skipped) == set(manifest["bad"]), done.stderr
    for source, fragment in manifest["bad"].items():
        assert fragment.lower() in skipped[source].lower(), (source, skipped[source])
    assert hostile_builds["seconds"] < BUILD_TIMEOUT_S


def _by_source(graph: dict) -> dict:
    """``graph`` with every document id replaced by ``<its source>``."""
    text = json.dumps(graph, ensure_ascii=False, sort_keys=True)
    for node in sorted((n for n in graph["nodes"] if n["kind"] == "document"), key=lambda n: -len(n["id"])):
        text = text.replace(json.dumps(node["id"], ensure_ascii=False)[1:-1],
                            json.dumps(f"<{node['source']}>", ensure_ascii=False)[1:-1])
    return json.loads(text)


@pytest.mark.model
def test_hostile_build_keeps_every_good_article_and_its_entities(hostile_builds):
    """The graph of the hostile corpus is the graph of its good inputs alone: bad neighbours cost
    no good article a document, an entity, a mention or a relation."""
    assert hostile_builds["clean"].returncode == 0, hostile_builds["clean"].stderr[-3000:]
    graph = json.loads((hostile_builds["hostile_root"] / "graph.json").read_text(encoding="utf-8"))
    clean = json.loads((hostile_builds["clean_root"] / "graph.json").read_text(encoding="utf-8"))
    manifest = hostile_builds["manifest"]
    documents = {n["id"]: n for n in graph["nodes"] if n["kind"] == "document"}
    assert len(documents) == len(manifest["good"])
    assert {n["source"] for n in documents.values()} == {f"corpus/{s}" for s in manifest["good"]}
    # A document's id holds a hash of its text, and one good file holds the absolute path of its
    # corpus (a file:// link): compare documents by their sources.
    assert _by_source(graph) == _by_source(clean)

    names = {n["id"]: n["name"] for n in graph["nodes"] if n["kind"] == "entity"}
    mentioned: dict[str, set[str]] = {}
    for edge in graph["edges"]:
        if edge["type"] == "MENTIONS":
            mentioned.setdefault(edge["source"], set()).add(names[edge["target"]])
    by_source = {n["source"]: doc_id for doc_id, n in documents.items()}
    # Most good inputs yield entities (a few one-liners may not): the build did analyse them.
    assert sum(1 for doc_id in documents if mentioned.get(doc_id)) >= len(documents) - 3
    # The huge file: an entity of its last paragraph, which starts past spaCy's max_length.
    maker = _maker()
    huge = mentioned[by_source[f"corpus/{manifest['huge']}"]]
    last_paragraph = maker.HUGE_PARAGRAPHS[-1]
    assert any(name in last_paragraph for name in huge), huge
    # Names hidden in scripts, styles, navigation, comments or XML entities are no entities.
    every_name = " ".join(names.values())
    for hidden in manifest["hidden"].values():
        for name in hidden:
            assert name not in every_name


@pytest.mark.model
def test_hostile_build_keeps_document_ids_out_of_the_entity_namespace(hostile_builds):
    """A file named person:orla-brennan.txt and a JSON line with id organization:tarn-mills are
    documents with ids of their own; the entities of those names stay entities."""
    from kg.ids import in_entity_namespace

    graph = json.loads((hostile_builds["hostile_root"] / "graph.json").read_text(encoding="utf-8"))
    kinds = {n["id"]: n["kind"] for n in graph["nodes"]}
    documents = [node_id for node_id, kind in kinds.items() if kind == "document"]
    assert documents and not any(in_entity_namespace(doc_id) for doc_id in documents)
    assert {"doc:person:orla-brennan", "doc:organization:tarn-mills"} <= {without_text_hash(d) for d in documents}
    assert kinds.get("person:orla-brennan") == "entity"
    undated = next(n for n in graph["nodes"] if n["id"] == "undated")
    assert undated["published"] == ""  # "unknown" is no date
    assert "lines/ids.jsonl:3" in hostile_builds["json"].stderr and "not a date" in hostile_builds["json"].stderr


@pytest.mark.model
def test_hostile_build_writes_valid_json_and_graphml_with_the_same_graph(hostile_builds):
    root = hostile_builds["hostile_root"]
    graph = json.loads((root / "graph.json").read_text(encoding="utf-8"))
    raw = (root / "graph.graphml").read_bytes()
    raw.decode("utf-8")  # strict
    SafeET.fromstring(raw, forbid_dtd=True)  # well-formed XML 1.0
    read = read_graphml(root / "graph.graphml")
    assert set(read.nodes) == {n["id"] for n in graph["nodes"]}
    assert {key for _, _, key in read.edges(keys=True)} == {e["id"] for e in graph["edges"]}
    tricky = {n["id"] for n in graph["nodes"] if n["kind"] == "document" and "`" in n["id"]}
    assert "tick`) DETACH DELETE n //" in tricky and "weird `backtick` name" in {without_text_hash(d) for d in tricky}
    assert not [p.name for p in root.iterdir() if p.name.endswith(".part")]  # no temporary files left


# --- a kg build killed while it writes ---------------------------------------------------------

# Runs the real CLI in a child process; the only change is that the output stream, once it has
# taken its first bytes, flushes them, says so in a marker file and waits: so the test's SIGKILL
# lands while the output is half written, every time, whatever the machine's speed.
PAUSING_KG = textwrap.dedent('''
    import contextlib, runpy, sys, time
    from pathlib import Path

    import kg.sinks.files, kg.sinks.graphml, kg.sinks.json

    MARKER = Path(sys.argv.pop(1))
    real_writer = kg.sinks.files.atomic_writer


    class PausingStream:
        def __init__(self, stream):
            self._stream = stream

        def write(self, data):
            written = self._stream.write(data)
            self._stream.flush()
            MARKER.write_text("writing")
            time.sleep(600)
            return written

        def __getattr__(self, name):
            return getattr(self._stream, name)


    @contextlib.contextmanager
    def pausing_writer(path, **options):
        with real_writer(path, **options) as stream:
            yield PausingStream(stream)


    kg.sinks.json.atomic_writer = kg.sinks.files.atomic_writer = pausing_writer  # GraphML and GEXF write through files.write_xml
    sys.argv[0] = "kg"
    runpy.run_module("kg", run_name="__main__")
''')


def _write_story(folder: Path, name: str, person: str, company: str, town: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(
        f"{company} opens a depot\n\n{person}, the chief executive of {company}, said on Tuesday that "
        f"the company would open a depot in {town} next spring.\n", encoding="utf-8")


@pytest.mark.model
@pytest.mark.parametrize("suffix", [".json", ".graphml"])
def test_a_build_killed_while_writing_leaves_the_previous_output_intact(tmp_path, suffix):
    corpus = tmp_path / "corpus"
    _write_story(corpus, "one.txt", "Halvard Brennick", "Osterfeld Logistics", "Kettlewell")
    out = tmp_path / f"graph{suffix}"
    first = _kg("build", str(corpus), "--out", str(out), "--cache", str(tmp_path / "cache"), "-q", cwd=tmp_path)
    assert first.returncode == 0, first.stderr
    before = out.read_bytes()

    _write_story(corpus, "two.txt", "Sunniva Aldercott", "Pemberly Mills", "Frayne")  # the next output differs
    marker = tmp_path / "writing"
    script = tmp_path / "pausing_kg.py"
    script.write_text(PAUSING_KG, encoding="utf-8")
    child = subprocess.Popen(
        [sys.executable, str(script), str(marker), "build", str(corpus), "--out", str(out),
         "--cache", str(tmp_path / "cache"), "-q"],
        cwd=tmp_path, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + BUILD_TIMEOUT_S
        while not marker.exists():
            assert child.poll() is None, child.communicate()[1].decode(errors="replace")
            assert time.monotonic() < deadline, "the build never started writing"
            time.sleep(0.05)
        [partial] = [p for p in tmp_path.iterdir() if p.name.startswith(f".{out.name}.") and p.name.endswith(".part")]
        assert partial.stat().st_size > 0  # the new output is half written...
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    assert child.returncode == -signal.SIGKILL
    assert out.read_bytes() == before  # ...and the previous one is untouched
    if suffix == ".json":
        assert "one" in {without_text_hash(n["id"]) for n in json.loads(before)["nodes"]}
    else:
        assert "one" in {without_text_hash(n) for n in read_graphml(out)}

    # The next run is not upset by what the killed one left behind (temporary file, cache), and
    # clears the temporary file away.
    assert partial.exists()
    again = _kg("build", str(corpus), "--out", str(out), "--cache", str(tmp_path / "cache"), "-q", cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert out.read_bytes() != before
    assert not partial.exists()
    ids = ({n["id"] for n in json.loads(out.read_text(encoding="utf-8"))["nodes"]} if suffix == ".json"
           else set(read_graphml(out).nodes))
    assert {"one", "two"} <= {without_text_hash(i) for i in ids}


# --- XML with a DTD ----------------------------------------------------------------------------


def _laughs(levels: int = 9) -> str:
    entities = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, levels + 1)
    ]
    return "\n".join(entities)


def _graphml_with_dtd(dtd: str, value: str) -> str:
    return (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        f"<!DOCTYPE graphml [\n{dtd}\n]>\n"
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
        '<key id="d0" for="node" attr.name="name" attr.type="string"/>\n'
        '<graph edgedefault="directed">\n'
        f'<node id="person:a"><data key="d0">{value}</data></node>\n'
        "</graph>\n</graphml>\n"
    )


@pytest.mark.parametrize(
    ("dtd", "value"),
    [
        (_laughs(), "&lol9;"),  # a billion laughs: 10^9 "lol" from under a kilobyte
        ('<!ENTITY big "' + "x" * 50_000 + '">', "&big;" * 50_000),  # quadratic blow-up
        ('<!ENTITY leak SYSTEM "file:///etc/hostname">', "&leak;"),  # external entity (XXE)
        ("", "no entity at all, but a DTD all the same"),
    ],
    ids=["billion-laughs", "quadratic-blowup", "external-entity", "empty-dtd"],
)
def test_graphml_with_a_dtd_is_refused_quickly_with_one_line(tmp_path, dtd, value):
    path = tmp_path / "hostile.graphml"
    path.write_text(_graphml_with_dtd(dtd, value), encoding="utf-8")
    started = time.monotonic()
    with pytest.raises(InputError) as caught:
        read_graphml(path)
    assert time.monotonic() - started < XML_TIMEOUT_S
    message = str(caught.value)
    assert "\n" not in message and "DTD" in message and str(path) in message


def test_graphml_that_is_not_xml_or_not_graphml_is_one_line(tmp_path):
    for name, content in [("broken.graphml", "<graphml><graph>"), ("other.graphml", "<svg></svg>"),
                          ("binary.graphml", "\x00\x01PNG")]:
        path = tmp_path / name
        path.write_text(content, encoding="utf-8")
        with pytest.raises(InputError) as caught:
            read_graphml(path)
        assert "\n" not in str(caught.value) and str(path) in str(caught.value)
    with pytest.raises(InputError, match="cannot read"):
        read_graphml(tmp_path / "missing.graphml")


def test_graphml_kg_writes_still_reads(tmp_path):
    graph = nx.MultiDiGraph()
    graph.add_node("person:a", kind="entity", name="Tove &amp; <Ekdahl>", type="Person")
    path = tmp_path / "ok.graphml"
    write_graphml(graph, path)
    assert read_graphml(path).nodes["person:a"]["name"] == "Tove &amp; <Ekdahl>"


def test_html_with_a_billion_laughs_and_an_external_entity_is_not_expanded(tmp_path):
    maker = _maker()
    secret = tmp_path / "secret.dat"
    secret.write_text(f"{maker.SECRET_NAME} must never be read.\n", encoding="utf-8")
    page = maker.LAUGHS_HTML.replace("file://SECRET", secret.as_uri())
    started = time.monotonic()
    document = html_document(page, doc_id="laughs", source="laughs.html")
    assert time.monotonic() - started < XML_TIMEOUT_S
    assert "Rosalind Penhallow" in document.text
    assert "lollol" not in document.text and maker.SECRET_NAME not in document.text
    assert len(document.text) < len(page)  # nothing was expanded into it


@pytest.mark.model
def test_kg_build_does_not_parse_graphml_inputs(tmp_path):
    """GraphML is an output of kg, never an input it parses: given one, kg names it and skips it."""
    path = tmp_path / "laughs.graphml"
    path.write_text(_graphml_with_dtd(_laughs(), "&lol9;"), encoding="utf-8")
    started = time.monotonic()
    done = _kg("build", str(path), "--out", str(tmp_path / "out.json"), "--no-cache", "-q", cwd=tmp_path,
               timeout=XML_TIMEOUT_S * 6)
    assert time.monotonic() - started < XML_TIMEOUT_S * 6
    assert done.returncode == 2 and "Traceback" not in done.stderr  # no document read: nothing to do
    assert f"kg: skipped {path}: unsupported file type .graphml" in done.stderr
    assert not (tmp_path / "out.json").exists()


def test_kg_load_refuses_a_graph_file_nested_too_deeply_in_one_line(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 200_000, encoding="utf-8")
    env = {k: v for k, v in _env().items() if not k.startswith("NEO4J_")}
    env["NEO4J_PASSWORD"] = "not-needed-the-file-is-read-first"
    done = subprocess.run([sys.executable, "-m", "kg", "load", str(path)], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kg: error: ") and "nested too deeply" in lines[0]


# --- the committed corpus: `kg build tests/data/hostile`, exactly as the issue runs it -----------

COMMITTED = ROOT / "tests" / "data" / "hostile"


@pytest.mark.model
def test_kg_build_on_the_committed_hostile_folder(tmp_path):
    """tests/data/hostile is make_hostile's corpus less what git cannot hold portably (a pipe, a
    socket, a file name that is not UTF-8). It must still be the generator's: its good inputs
    build to the same graph, and every bad input it holds is named with its reason."""
    generated = _maker().make_hostile(tmp_path / "generated")
    committed_bad = {s for s in generated["bad"] if (COMMITTED / s.partition(":")[0]).is_symlink()
                     or (COMMITTED / s.partition(":")[0]).exists()}
    done = _kg("build", str(COMMITTED), "--out", str(tmp_path / "graph.json"), "--no-cache", cwd=ROOT)
    graphml = _kg("build", str(COMMITTED), "--out", str(tmp_path / "graph.graphml"), "--no-cache", cwd=ROOT)
    for run in (done, graphml):
        assert run.returncode == 1, run.stderr[-3000:]
        assert "Traceback" not in run.stderr
    prefix = f"kg: skipped {COMMITTED}/"
    skipped = {line[len(prefix):].partition(": ")[0] for line in done.stderr.splitlines() if line.startswith(prefix)}
    assert committed_bad and skipped == committed_bad
    # Its good inputs alone (a copy with the bad ones taken out) give the same entities.
    clean = tmp_path / "clean"
    shutil.copytree(COMMITTED, clean, symlinks=True)
    _clean_copy(clean, {"bad": {s: r for s, r in generated["bad"].items() if s in committed_bad}})
    alone = _kg("build", str(clean), "--out", str(tmp_path / "clean.json"), "--no-cache", cwd=ROOT)
    assert alone.returncode == 0, alone.stderr[-3000:]
    graph = json.loads((tmp_path / "graph.json").read_text(encoding="utf-8"))
    entities = lambda g: sorted((n["id"], n["mentions"]) for n in g["nodes"] if n["kind"] == "entity")
    assert entities(graph) and entities(graph) == entities(json.loads((tmp_path / "clean.json").read_text(encoding="utf-8")))
    assert nx.read_graphml(tmp_path / "graph.graphml", force_multigraph=True).number_of_nodes() == len(graph["nodes"])
