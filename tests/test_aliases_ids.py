"""Aliases files and ids: a string where a list of aliases is expected is an error (not one alias
per letter), names that differ only in "+" or "#" keep two ids, and a bad aliases file is one line."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import UsageError
from kg.extract.resolve import KnownEntity, load_aliases, resolve_document
from kg.ids import entity_id, name_key
from kg.types import Mention


def _write(tmp_path: Path, text: str | bytes, name: str = "aliases.json") -> Path:
    path = tmp_path / name
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


@pytest.mark.parametrize("text", [
    '[{"name": "Department of Homeland Security", "type": "Organization", "aliases": "DHS"}]',
    '{"name": "Department of Homeland Security", "type": "Organization", "aliases": "DHS"}\n',
    '[{"name": "Department of Homeland Security", "type": "Organization", "aliases": ["DHS", 7]}]',
])
def test_aliases_given_as_a_string_are_an_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(UsageError, match="aliases must be a list of strings"):
        load_aliases(_write(tmp_path, text))


def test_aliases_given_as_a_list_are_kept(tmp_path: Path) -> None:
    [entry] = load_aliases(_write(tmp_path, '[{"name": "Department of Homeland Security", "type": "Organization", '
                                             '"aliases": ["DHS", "Homeland Security"]}]'))
    assert entry.aliases == ("DHS", "Homeland Security")


@pytest.mark.parametrize(("first", "second"), [("C++", "C#"), ("C++", "C"), ("F#", "F"), ("Disney+", "Disney")])
def test_names_differing_in_plus_or_sharp_keep_two_ids(first: str, second: str) -> None:
    assert entity_id("Product", first) != entity_id("Product", second)
    assert name_key(name_key(first)) == name_key(first)


def test_c_sharp_spelt_out_is_c_sharp() -> None:
    assert entity_id("Product", "C Sharp") == entity_id("Product", "C#") == "product:c-sharp"


def test_known_c_plus_plus_and_c_sharp_stay_two_entities() -> None:
    text = "Engineers compared C++ with C# this week."
    mentions = [Mention(text.index(n), text.index(n) + len(n), n, "Product") for n in ("C++", "C#")]
    known = [KnownEntity("C++", "Product", ()), KnownEntity("C#", "Product", ())]
    entities = resolve_document("d1", text, mentions, known=known)
    assert sorted(e.id for e in entities) == ["product:c-plus-plus", "product:c-sharp"]


@pytest.mark.parametrize(("content", "words"), [
    (b"\xff\xfe\x00\xd8 not utf-8 \xc3\x28", "not UTF-8"),
    (("[" * 100_000 + "]" * 100_000).encode(), "nested too deeply"),
    (b'{"name": "x"}', "needs a name and a type"),
])
def test_a_bad_aliases_file_is_one_line_from_kg(tmp_path: Path, content: bytes, words: str) -> None:
    path = _write(tmp_path, content)
    doc = _write(tmp_path, "Ann Lee met Bo Ek.\n", "doc.txt")
    result = subprocess.run([sys.executable, "-m", "kg", "build", str(doc), "--aliases", str(path), "--out",
                             str(tmp_path / "g.json"), "--no-cache", "-q"],
                            capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    assert result.stderr.count("\n") == 1 and words in result.stderr and "Traceback" not in result.stderr
