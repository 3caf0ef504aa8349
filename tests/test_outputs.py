"""--out safety: kg writes only regular files (a symbolic link is followed deliberately: its target
gets the output, the link stays); a device, a pipe, a folder, a read-only file or folder, or a path
under a file fails at once, before the build, with one line (exit 2)."""
from __future__ import annotations

import os
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kg.errors import UsageError
from kg.sinks.files import atomic_writer, check_output

TEXT = "Ann Lee founded Lee Mills in Bergen.\n"


def _kg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL)


def _build(tmp_path: Path, out: str | Path, *extra: str) -> subprocess.CompletedProcess:
    doc = tmp_path / "doc.txt"
    doc.write_text(TEXT, encoding="utf-8")
    return _kg("build", str(doc), "--out", str(out), "--cache", str(tmp_path / "cache"),
               "--relation-model", "none", *extra, cwd=tmp_path)


def _refused_at_once(result: subprocess.CompletedProcess, seconds: float, words: str) -> None:
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr, result.stderr
    assert words in result.stderr, result.stderr
    assert "documents:" not in result.stderr  # refused before any document was read
    assert seconds < 20


def _timed(tmp_path: Path, out, *extra):
    started = time.monotonic()
    result = _build(tmp_path, out, *extra)
    return result, time.monotonic() - started


@pytest.mark.skipif(not hasattr(os, "mknod"), reason="needs mknod")
def test_a_device_is_never_replaced(tmp_path: Path) -> None:
    device = tmp_path / "null.json"
    try:
        os.mknod(device, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("cannot make a device node here")
    result, seconds = _timed(tmp_path, device)
    _refused_at_once(result, seconds, "character device")
    assert stat.S_ISCHR(os.lstat(device).st_mode)


def test_a_named_pipe_is_refused_at_once(tmp_path: Path) -> None:
    pipe = tmp_path / "pipe.json"
    os.mkfifo(pipe)
    result, seconds = _timed(tmp_path, pipe)
    _refused_at_once(result, seconds, "named pipe")
    assert stat.S_ISFIFO(os.lstat(pipe).st_mode)


def test_an_existing_folder_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "out.json").mkdir()
    result, seconds = _timed(tmp_path, tmp_path / "out.json")
    _refused_at_once(result, seconds, "folder")


def test_a_read_only_output_file_is_refused_at_once(tmp_path: Path) -> None:
    out = tmp_path / "graph.json"
    out.write_text("precious\n", encoding="utf-8")
    out.chmod(0o444)
    result, seconds = _timed(tmp_path, out)
    _refused_at_once(result, seconds, "read-only")
    assert out.read_text(encoding="utf-8") == "precious\n"


def test_a_path_under_a_file_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("a file\n", encoding="utf-8")
    result, seconds = _timed(tmp_path, tmp_path / "notes.txt" / "sub" / "graph.json")
    _refused_at_once(result, seconds, "not a folder")


def test_a_read_only_folder_is_refused_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        result, seconds = _timed(tmp_path, folder / "graph.json")
        _refused_at_once(result, seconds, "read-only")
        result, seconds = _timed(tmp_path, folder, "--format", "neo4j-csv")
        _refused_at_once(result, seconds, "read-only")
    finally:
        folder.chmod(0o755)


def test_neo4j_csv_into_a_file_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "out").write_text("x\n", encoding="utf-8")
    result, seconds = _timed(tmp_path, tmp_path / "out", "--format", "neo4j-csv")
    _refused_at_once(result, seconds, "writes a folder")


def test_kg_extract_checks_its_out_too(tmp_path: Path) -> None:
    (tmp_path / "doc.txt").write_text(TEXT, encoding="utf-8")
    (tmp_path / "lines.jsonl").mkdir()
    result = _kg("extract", str(tmp_path / "doc.txt"), "--out", str(tmp_path / "lines.jsonl"), "--no-cache",
                 "--relation-model", "none", cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "folder" in result.stderr


@pytest.mark.parametrize("case", ["pipe", "folder", "read-only file", "under a file", "read-only folder"])
def test_kg_train_checks_its_out_before_reading_any_gold(tmp_path: Path, case: str) -> None:
    gold = Path(__file__).resolve().parent / "data" / "gold" / "seeds.jsonl"
    out, words = tmp_path / "model.json.gz", {"pipe": "named pipe", "folder": "folder", "read-only file": "read-only",
                                              "under a file": "not a folder", "read-only folder": "read-only"}[case]
    if case == "pipe":
        os.mkfifo(out)
    elif case == "folder":
        out.mkdir()
    elif case == "read-only file":
        out.write_bytes(b"a model\n")
        out.chmod(0o444)
    elif case == "under a file":
        (tmp_path / "notes.txt").write_text("a file\n", encoding="utf-8")
        out = tmp_path / "notes.txt" / "model.json.gz"
    else:
        (tmp_path / "locked").mkdir()
        out = tmp_path / "locked" / "model.json.gz"
        (tmp_path / "locked").chmod(0o555)
    try:
        started = time.monotonic()
        result = _kg("train", str(gold), "--out", str(out), "-q", cwd=tmp_path)
        seconds = time.monotonic() - started
    finally:
        if case == "read-only folder":
            (tmp_path / "locked").chmod(0o755)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr and words in result.stderr
    assert result.stdout == ""  # no candidates counted, no scores: refused before the training
    assert seconds < 20
    if case == "read-only file":
        assert out.read_bytes() == b"a model\n"


def test_a_symbolic_link_is_followed_its_target_replaced_and_the_link_kept(tmp_path: Path) -> None:
    target = tmp_path / "real" / "graph.json"
    target.parent.mkdir()
    target.write_text("old\n", encoding="utf-8")
    link = tmp_path / "graph.json"
    link.symlink_to(target)
    result = _build(tmp_path, link)
    assert result.returncode == 0, result.stderr
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert '"nodes"' in target.read_text(encoding="utf-8")


def test_a_link_to_a_device_is_refused() -> None:
    with pytest.raises(UsageError, match="not a regular file"):
        check_output("/dev/null")


def test_atomic_writer_never_replaces_a_device(tmp_path: Path) -> None:
    link = tmp_path / "null.json"
    link.symlink_to("/dev/null")
    with pytest.raises(UsageError, match="character device"):
        with atomic_writer(link) as stream:
            stream.write("x")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_new_folders_on_the_way_are_fine(tmp_path: Path) -> None:
    assert check_output(tmp_path / "a" / "b" / "graph.json") == tmp_path / "a" / "b" / "graph.json"


def test_a_build_writes_nothing_in_the_current_folder_when_out_and_cache_are_elsewhere(tmp_path: Path) -> None:
    # A read-only current folder must not block such a build (root ignores permissions, so what
    # is checked is that nothing is written there).
    work, elsewhere = tmp_path / "cwd", tmp_path / "elsewhere"
    work.mkdir()
    elsewhere.mkdir()
    doc = elsewhere / "doc.txt"
    doc.write_text(TEXT, encoding="utf-8")
    work.chmod(0o555)
    try:
        result = _kg("build", str(doc), "--out", str(elsewhere / "g.json"), "--cache", str(elsewhere / "cache"),
                     "--relation-model", "none", cwd=work)
    finally:
        work.chmod(0o755)
    assert result.returncode == 0, result.stderr
    assert list(work.iterdir()) == []


# --- --out -, --entities-only and the export formats ---------------------------------------------


def _cli(tmp_path: Path, *args: str):
    """``kg build`` of one small document in this process (the model loads once)."""
    from typer.testing import CliRunner

    from kg.cli import app

    doc = tmp_path / "doc.txt"
    doc.write_text(TEXT, encoding="utf-8")
    result = CliRunner().invoke(app, ["build", str(doc), "--no-cache", "--relation-model", "none", *args])
    assert result.exit_code == 0, (result.stderr, result.exception)
    return result


def test_out_dash_writes_json_to_stdout_and_the_summary_to_stderr(tmp_path: Path) -> None:
    import json

    result = _cli(tmp_path, "--out", "-")
    graph = json.loads(result.stdout)
    kinds = {n["kind"] for n in graph["nodes"]}
    assert kinds == {"entity", "document"} and any(e["type"] == "MENTIONS" for e in graph["edges"])
    assert "documents:" in result.stderr and "wrote standard output (json)" in result.stderr
    assert list(tmp_path.glob("-*")) == []  # no file named "-"


def test_out_dash_writes_xml_formats_to_stdout(tmp_path: Path) -> None:
    from lxml import etree

    for fmt, root in (("graphml", "graphml"), ("graphml-yed", "graphml"), ("gexf", "gexf")):
        result = _cli(tmp_path, "--out", "-", "--format", fmt)
        parsed = etree.fromstring(result.stdout_bytes)
        assert etree.QName(parsed).localname == root, fmt
        assert ("NodeLabel" in result.stdout) == (fmt == "graphml-yed")
        assert "documents:" not in result.stdout and f"({fmt})" in result.stderr


def test_gexf_and_graphml_yed_are_written_to_files_too(tmp_path: Path) -> None:
    import networkx as nx

    _cli(tmp_path, "--out", str(tmp_path / "g.gexf"))  # the format from the suffix
    _cli(tmp_path, "--out", str(tmp_path / "g.graphml"), "--format", "graphml-yed")
    assert nx.read_gexf(tmp_path / "g.gexf").number_of_nodes() == nx.read_graphml(tmp_path / "g.graphml").number_of_nodes() > 1
    assert "y:NodeLabel" in (tmp_path / "g.graphml").read_text(encoding="utf-8")


def test_neo4j_csv_cannot_go_to_stdout(tmp_path: Path) -> None:
    doc = tmp_path / "doc.txt"
    doc.write_text(TEXT, encoding="utf-8")
    result = _kg("build", str(doc), "--out", "-", "--format", "neo4j-csv", "--no-cache", cwd=tmp_path)
    assert result.returncode == 2 and "folder" in result.stderr and result.stderr.count("\n") == 1


def test_entities_only_drops_documents_and_mentions(tmp_path: Path) -> None:
    import json

    import networkx as nx

    full = json.loads(_cli(tmp_path, "--out", "-").stdout)
    graph = json.loads(_cli(tmp_path, "--out", "-", "--entities-only").stdout)
    assert {n["kind"] for n in graph["nodes"]} == {"entity"}
    assert {n["id"] for n in graph["nodes"]} == {n["id"] for n in full["nodes"] if n["kind"] == "entity"}
    assert not [e for e in graph["edges"] if e["type"] in ("MENTIONS", "NEAR_DUPLICATE_OF")]
    assert len(full["edges"]) > len(graph["edges"])
    out = tmp_path / "entities.gexf"
    _cli(tmp_path, "--out", str(out), "--entities-only")
    assert {d["kind"] for _, d in nx.read_gexf(out).nodes(data=True)} == {"entity"}
