"""Document ids: unique in a run, stable, never equal to an entity id; a JSON line's id kept as
given, a repeated one a named error; ids that differ only in control characters stay apart."""
from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from kg.errors import DuplicateDocumentId
from kg.ids import document_id, in_entity_namespace, text_hash
from kg.ingest import read_documents
from kg.types import Document, Skipped


def read_all(*inputs: str | Path, **options) -> list[Document | Skipped]:
    return list(read_documents([str(i) for i in inputs], **options))


def ids(results) -> list[str]:
    return [r.id for r in results if isinstance(r, Document)]


def _options():
    from kg.pipeline import BuildOptions

    return BuildOptions(relation_model=None) if "relation_model" in BuildOptions.__dataclass_fields__ else BuildOptions()


def test_a_file_named_like_an_entity_id_does_not_become_that_entity(tmp_path: Path) -> None:
    from kg.pipeline import build
    from kg.sinks.json import graph_to_json

    path = tmp_path / "person:john-smith.txt"
    path.write_text("John Smith met Mary Jones in Boston on Monday.\n", encoding="utf-8")
    [doc] = read_all(path)
    assert doc.id.startswith("doc:person:john-smith-") and not in_entity_namespace(doc.id)
    graph = graph_to_json(build([str(path)], options=_options()).graph)
    kinds = {n["id"]: n["kind"] for n in graph["nodes"]}
    assert kinds.get("person:john-smith") == "entity"
    assert kinds[doc.id] == "document"
    mentions = [e for e in graph["edges"] if e["type"] == "MENTIONS"]
    assert {e["source"] for e in mentions} == {doc.id}


@pytest.mark.parametrize("given", ["person:john-smith", "Organization:acme", "quote:q1", "document:x"])
def test_a_json_line_id_in_the_entity_namespace_is_moved_out_of_it(tmp_path: Path, given: str) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_text(json.dumps({"id": given, "text": "John Smith spoke."}) + "\n", encoding="utf-8")
    assert ids(read_all(path)) == [f"doc:{given}"]


def test_json_line_ids_are_kept_as_given_when_unique(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": "Some text."}) + "\n"
                            for i in ("a1", "doc:b", "x/y", "report")), encoding="utf-8")
    assert ids(read_all(path)) == ["a1", "doc:b", "x/y", "report"]


def test_one_id_in_two_json_line_files_is_a_named_error_in_either_order(tmp_path: Path) -> None:
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    first.write_text(json.dumps({"id": "n1", "text": "First article."}) + "\n", encoding="utf-8")
    second.write_text(json.dumps({"id": "n1", "text": "Second article."}) + "\n", encoding="utf-8")
    for order in ((first, second), (second, first)):
        with pytest.raises(DuplicateDocumentId, match="'n1' is given twice"):
            read_all(*order)


def test_the_cli_names_a_duplicate_id_on_one_line_and_writes_nothing(tmp_path: Path) -> None:
    import subprocess
    import sys

    path = tmp_path / "twice.jsonl"
    path.write_text(json.dumps({"id": "n1", "text": "One."}) + "\n" + json.dumps({"id": "n1", "text": "Two."}) + "\n",
                    encoding="utf-8")
    out = tmp_path / "g.json"
    result = subprocess.run([sys.executable, "-m", "kg", "build", str(path), "--out", str(out), "--no-cache",
                             "--relation-model", "none", "-q"],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "'n1'" in result.stderr and not out.exists()


def test_generated_ids_give_way_to_stated_ones(tmp_path: Path) -> None:
    # Line 2 without an id would be "lines-<hash of its text>", which line 1 states for itself.
    generated = f"lines-{text_hash('Two.')}"
    path = tmp_path / "lines.jsonl"
    path.write_text(json.dumps({"id": generated, "text": "One."}) + "\n" + json.dumps({"text": "Two."}) + "\n",
                    encoding="utf-8")
    found = ids(read_all(path))
    assert found[0] == generated and found[1].startswith(f"{generated}-") and len(set(found)) == 2


def test_json_lines_without_an_id_are_named_by_their_text_wherever_they_move(tmp_path: Path) -> None:
    first, second = tmp_path / "x" / "feed.jsonl", tmp_path / "y" / "feed.jsonl"
    for path, texts in ((first, ["Alpha story.", "Beta story."]), (second, ["Gamma story.", "Alpha story."])):
        path.parent.mkdir()
        path.write_text("".join(json.dumps({"text": t}) + "\n" for t in texts), encoding="utf-8")
    one, two = ids(read_all(first)), ids(read_all(second))  # two runs
    assert len(set(one + two)) == 3 and one[0] == two[1] == f"feed-{text_hash('Alpha story.')}"


def test_two_files_with_one_stem_are_two_documents_with_stable_ids(tmp_path: Path) -> None:
    for folder, name in (("x", "report.txt"), ("y", "report.txt")):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / name).write_text(f"Report from folder {folder}.\n", encoding="utf-8")
    first = ids(read_all(tmp_path / "x" / "report.txt", tmp_path / "y" / "report.txt"))
    again = ids(read_all(tmp_path / "y" / "report.txt", tmp_path / "x" / "report.txt"))
    assert len(set(first)) == 2 and sorted(first) == sorted(again)


def test_files_of_one_name_read_in_two_runs_are_two_documents_and_one_text_is_one_id_anywhere(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text(f"Report from folder {folder}.\n", encoding="utf-8")
    [x] = ids(read_all(tmp_path / "x" / "report.txt"))
    [y] = ids(read_all(tmp_path / "y" / "report.txt"))  # a second run
    assert x != y and x.startswith("report-") and y.startswith("report-")
    assert x == f"report-{text_hash('Report from folder x.' + chr(10))}"
    # The same file named from another folder, or as part of a folder input, keeps its id.
    monkeypatch.chdir(tmp_path / "x")
    assert ids(read_all("report.txt")) == [x] and ids(read_all(tmp_path)) == [x, y]


def test_one_text_in_two_files_of_one_name_in_one_run_is_two_documents(tmp_path: Path) -> None:
    for folder in ("x", "y"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "report.txt").write_text("The same wire story.\n", encoding="utf-8")
    found = ids(read_all(tmp_path))
    assert len(set(found)) == 2 and found[0] == f"report-{text_hash('The same wire story.' + chr(10))}"


def test_standard_input_is_named_by_its_text() -> None:
    [one] = read_all("-", stdin=io.StringIO("Alice Ward founded Ward Mills.\n"))
    [two] = read_all("-", stdin=io.StringIO("Bob Kerr founded Kerr Paper.\n"))
    [one_again] = read_all("-", stdin=io.StringIO("Alice Ward founded Ward Mills.\n"))
    assert one.id.startswith("stdin-") and one.id != two.id and one.id == one_again.id


def test_json_line_ids_differing_only_in_control_characters_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_text("".join(json.dumps({"id": i, "text": "Some text."}) + "\n"
                            for i in ("a\x01", "a\x02", "b\x1fc", "b c")), encoding="utf-8")
    results = read_all(path)
    assert ids(results) == ["b c"]
    reasons = [r.reason for r in results if isinstance(r, Skipped)]
    assert reasons == ['"id" holds control characters'] * 3


def test_file_names_with_control_characters_are_escaped_reversibly(tmp_path: Path) -> None:
    names = ["a\x01.txt", "a\x02.txt", "b\nc.txt", "b c.txt"]
    for name in names:
        (tmp_path / name).write_text("Some text about Oslo.\n", encoding="utf-8")
    results = read_all(*(tmp_path / n for n in names))
    assert [i.rsplit("-", 1)[0] for i in ids(results)] == ["a\\x01", "a\\x02", "b\\x0ac", "b c"]
    assert all("\n" not in r.source for r in results)
    assert document_id("x/b\nc.txt") == "b\\x0ac"
