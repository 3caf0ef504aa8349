"""Small hardening items: file names print on one line, Markdown syntax never becomes entities,
a published value that is not a date is left out with a warning, and bad query files, query
parameters and gold files are each one line."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.errors import UsageError
from kg.ingest import read_documents
from kg.ingest.markdown import markdown_to_text
from kg.types import Document, Skipped

ROOT = Path(__file__).resolve().parent.parent


def _kg(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, stdin=subprocess.DEVNULL, env={**os.environ, "PYTHONPATH": str(ROOT)})


def test_a_newline_in_a_file_name_cannot_forge_a_line_of_the_report(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "good.txt").write_text("Ann Lee founded Lee Mills in Bergen.\n", encoding="utf-8")
    (corpus / "x.txt: all fine\nkg: skipped z.txt").write_bytes(b"")
    result = _kg("build", str(corpus), "--out", str(tmp_path / "g.json"), "--no-cache", "--relation-model", "none",
                 cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    skipped = [line for line in result.stderr.splitlines() if line.startswith("kg: skipped")]
    assert len(skipped) == 1 and "\\x0a" in skipped[0] and skipped[0].endswith("empty file")


MARKDOWN = """# Acme buys Globex

By [John Smith](https://example.org/people/john-smith "profile")

**Acme Corp** said on *Monday* that it would buy [Globex](http://globex.com) from Mary Jones.
Read more at https://www.example.com/story?id=3 or <https://example.net/about>.

```python
reviewer = Person(name="Robert Stone", employer="Initech")
```

![Photo of Jane Doe](img/jane-doe.png)
"""


def test_markdown_syntax_becomes_spaces_and_offsets_stay() -> None:
    text = markdown_to_text(MARKDOWN)
    assert len(text) == len(MARKDOWN)
    assert " John Smith " in text and "John Smith]" not in text and "](" not in text
    for gone in ("https://", "example.net", "Robert Stone", "Initech", "Jane Doe", "**", "```", "# Acme"):
        assert gone not in text
    start = text.index("Mary Jones")
    assert MARKDOWN[start:start + len("Mary Jones")] == "Mary Jones"


def test_markdown_links_and_code_never_become_entities(tmp_path: Path) -> None:
    from kg.pipeline import BuildOptions, build
    from kg.sinks.json import graph_to_json

    path = tmp_path / "story.md"
    path.write_text(MARKDOWN, encoding="utf-8")
    options = BuildOptions(relation_model=None) if "relation_model" in BuildOptions.__dataclass_fields__ else BuildOptions()
    graph = graph_to_json(build([str(path)], options=options).graph)
    names = {n["name"] for n in graph["nodes"] if n["kind"] == "entity"}
    names |= {a for n in graph["nodes"] if n["kind"] == "entity" for a in n["aliases"]}
    assert "Mary Jones" in names  # (John Smith is the byline: furniture, not an entity)
    assert not any(ch in name for name in names for ch in "[]()*`#<>/"), names
    assert not names & {"Robert Stone", "Initech", "Jane Doe"}


def test_a_published_value_that_is_not_a_date_is_left_out_with_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_text(json.dumps({"id": "a", "text": "Ann Lee spoke.", "published": "unknown"}) + "\n"
                    + json.dumps({"id": "b", "text": "Bo Ek spoke.", "published": "2020-03-04T10:00:00Z"}) + "\n",
                    encoding="utf-8")
    warnings: list[str] = []
    documents = [d for d in read_documents([str(path)], on_warning=warnings.append) if isinstance(d, Document)]
    assert [d.published for d in documents] == [None, "2020-03-04"]
    assert len(warnings) == 1 and warnings[0].startswith(f"{path}:1:") and "'unknown'" in warnings[0]


def test_an_undecodable_query_file_is_one_line(tmp_path: Path) -> None:
    from kg.query import read_query

    path = tmp_path / "q.cypher"
    path.write_bytes(b"\xff\xfe// who\nMATCH (n) RETURN n\x80")
    with pytest.raises(UsageError, match="not UTF-8"):
        read_query(path)
    result = _kg("query", str(path), cwd=tmp_path)
    assert result.returncode == 2 and result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_a_query_integer_over_64_bits_is_one_line(tmp_path: Path) -> None:
    from kg.query import bind_parameters, find_query, read_query

    query = read_query(find_query("who-banned-whom"))
    with pytest.raises(UsageError, match="64 bits"):
        bind_parameters(query, {"limit": str(2 ** 64)})
    assert bind_parameters(query, {"limit": str(2 ** 63 - 1)})["limit"] == 2 ** 63 - 1


def test_a_binary_gold_file_is_one_line(tmp_path: Path) -> None:
    for name, data in (("gold.jsonl", os.urandom(4096)), ("gold.json", b"\x00\x01\x02" * 100)):
        path = tmp_path / name
        path.write_bytes(data)
        result = _kg("eval", str(path), cwd=tmp_path)
        assert result.returncode == 2 and result.stderr.count("\n") == 1, result.stderr
        assert "Traceback" not in result.stderr
