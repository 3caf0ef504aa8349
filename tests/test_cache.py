"""kg.cache: keys that change exactly when an extraction could, JSON values that round-trip, and
incremental builds (real model) that parse only what changed and give the cold build's graph."""
from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from dataclasses import replace

import pytest
from typer.testing import CliRunner

import kg.extraction
from kg.cache import (
    CACHE_FILE,
    ExtractionCache,
    cache_context,
    content_digest,
    decode_extraction,
    document_digest,
    encode_extraction,
)
from kg.cli import app
from kg.pipeline import BuildOptions, build
from kg.sinks.json import graph_to_json
from kg.types import Document, Entity, Evidence, Extraction, Merge, Mention, Relation

# --- values -----------------------------------------------------------------------------------


def _extraction(doc_id: str = "a", text: str = "Ana Ruiz joined Velto Labs in Quito.") -> Extraction:
    document = Document(
        doc_id, text, title="T", source="in.jsonl:1", url="https://example.org/a", published="2020-01-02",
        authors=("Lee Park", "Sam Ode"), body=((0, len(text)),),
    )
    person = Entity(
        "person:ana-ruiz", "Ana Ruiz", "Person", ("Ruiz",),
        (Mention(0, 8, "Ana Ruiz", "Person", "name", "person:ana-ruiz"),),
        (Merge("Ruiz", "short form of Ana Ruiz", doc_id),),
    )
    org = Entity("organization:velto-labs", "Velto Labs", "Organization", (), (Mention(16, 26, "Velto Labs", "Organization"),))
    relation = Relation(
        person.id, "WORKS_FOR", org.id, "works for", 0.8,
        Evidence(doc_id, text, 0, len(text), "verb:join"), negated=False, modality="may",
    )
    return Extraction(document, (person, org), (relation,), {"boilerplate_chars": 3})


def test_extractions_round_trip_through_json():
    original = _extraction()
    data = encode_extraction(original)
    json.loads(data)  # plain JSON, not a pickle
    back = decode_extraction(data)
    assert back == original
    assert back.stats == original.stats
    assert isinstance(back.document.authors, tuple) and isinstance(back.document.body[0], tuple)
    assert isinstance(back.entities[0].mentions[0], Mention)


def test_a_foreign_type_in_the_cache_is_refused():
    with pytest.raises(ValueError, match="unknown type"):
        decode_extraction(b'{"__type__": "Popen", "args": "rm"}')


# --- keys -------------------------------------------------------------------------------------


def test_document_digest_changes_with_text_metadata_and_body():
    document = _extraction().document
    variants = [
        replace(document, text=document.text + " "),
        replace(document, title="U"),
        replace(document, published="2020-01-03"),
        replace(document, authors=("Lee Park",)),
        replace(document, body=((0, 10),)),
        replace(document, body=None),
        replace(document, id="b"),
    ]
    digests = {document_digest(d) for d in variants}
    assert len(digests) == len(variants)
    assert document_digest(document) not in digests
    assert document_digest(replace(document)) == document_digest(document)


def test_content_digest_is_the_same_in_every_process():
    """Sets iterate in a different order under another hash seed; the digest must not."""
    script = "from kg.cache import content_digest; from kg.extract.schema import load_schema; print(content_digest(load_schema()))"
    digests = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        digests.add(subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True).stdout)
    assert len(digests) == 1 and len(digests.pop().strip()) == 64


def test_context_depends_on_model_schema_and_known_entities():
    from kg.extract.resolve import KnownEntity
    from kg.extract.schema import load_schema

    schema = load_schema()
    base = cache_context(model="m", model_version="1", schema=schema, known=())
    assert base == cache_context(model="m", model_version="1", schema=load_schema(), known=())
    fewer = replace(schema, relations=schema.relations[1:])
    others = {
        cache_context(model="n", model_version="1", schema=schema, known=()),
        cache_context(model="m", model_version="2", schema=schema, known=()),
        cache_context(model="m", model_version="1", schema=fewer, known=()),
        cache_context(model="m", model_version="1", schema=schema, known=(KnownEntity("Velto Labs", "Organization"),)),
    }
    assert base not in others and len(others) == 4
    assert content_digest(schema) != content_digest(fewer)


def test_store_gets_what_was_put_and_keeps_it_across_runs(tmp_path):
    extraction = _extraction()
    with ExtractionCache(tmp_path, context="c1") as cache:
        assert cache.get(extraction.document) is None
        cache.put(extraction)
        assert cache.get(extraction.document) == extraction
        assert (cache.hits, cache.misses) == (1, 1)
    with ExtractionCache(tmp_path, context="c1") as cache:
        assert cache.get(extraction.document) == extraction
        assert cache.get(replace(extraction.document, text="Other text.")) is None
        assert len(cache) == 1
    with ExtractionCache(tmp_path, context="c2") as cache:  # another model, schema or kg
        assert cache.get(extraction.document) is None


def test_a_cache_of_another_format_is_started_afresh(tmp_path):
    with ExtractionCache(tmp_path, context="c") as cache:
        cache.put(_extraction())
    with sqlite3.connect(tmp_path / CACHE_FILE) as db:
        db.execute("UPDATE meta SET value = 'old' WHERE name = 'format'")
    with ExtractionCache(tmp_path, context="c") as cache:
        assert len(cache) == 0


def test_an_unusable_cache_directory_is_one_warning_and_no_cache(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    warnings = []
    with ExtractionCache(blocker / "sub", context="c", on_warning=warnings.append) as cache:
        assert not cache.enabled
        cache.put(_extraction())
        assert cache.get(_extraction().document) is None
    assert len(warnings) == 1 and "cannot use the cache" in warnings[0]


# --- incremental builds (real model) ----------------------------------------------------------

STORIES = {
    "n1": "Helena Varga founded Quillstone Robotics in Graz in 2011. The company builds warehouse robots.",
    "n2": "Quillstone Robotics was acquired by Ambrel Group on Monday. Ambrel Group is based in Vienna.",
    "n3": "Tomas Reyes, a lawyer for the city of Lyon, sued Pavex Energy over a failed pipeline project.",
    "n4": "Pavex Energy hired Irina Sokol as chief executive. Sokol previously worked for Ambrel Group.",
}


def _docs(stories: dict[str, str]) -> list[Document]:
    return [Document(doc_id, text) for doc_id, text in stories.items()]


@pytest.fixture
def parsed(monkeypatch, tmp_path):
    """Records the ids of the documents that reach parsing, in this process or in a worker
    process it forks (a rebuild parses in one), through a file both can append to."""
    log = _ParsedLog(tmp_path / "parsed.log")
    real = kg.extraction.extract_batch

    def recording(documents, settings):
        with open(log.path, "a", encoding="utf-8") as stream:
            stream.write("".join(f"{d.id}\n" for d in documents))
        return real(documents, settings)

    monkeypatch.setattr(kg.extraction, "extract_batch", recording)
    return log


class _ParsedLog:
    def __init__(self, path) -> None:
        self.path = path

    def ids(self) -> list[str]:
        return self.path.read_text(encoding="utf-8").split() if self.path.exists() else []

    def clear(self) -> None:
        self.path.unlink(missing_ok=True)

    def __iter__(self):
        return iter(self.ids())

    def __eq__(self, other: object) -> bool:
        return self.ids() == other


def _graph(documents: list[Document], options: BuildOptions) -> str:
    return json.dumps(graph_to_json(build([], options=options, documents=documents).graph), sort_keys=True)


@pytest.mark.model
def test_a_rebuild_parses_only_new_and_changed_documents(nlp, tmp_path, parsed):
    options = BuildOptions(use_cache=True, cache_dir=str(tmp_path / "cache"))
    first = _graph(_docs(STORIES), options)
    assert sorted(parsed) == ["n1", "n2", "n3", "n4"]

    parsed.clear()
    assert _graph(_docs(STORIES), options) == first
    assert parsed == []  # all from the cache: nothing parsed

    changed = {**STORIES, "n2": STORIES["n2"].replace("Vienna", "Salzburg"), "n5": "Ambrel Group opened a lab in Oslo."}
    parsed.clear()
    warm = _graph(_docs(changed), options)
    assert sorted(parsed) == ["n2", "n5"]
    cold = _graph(_docs(changed), BuildOptions())
    assert warm == cold
    assert "Salzburg" in warm and "location:salzburg" in warm


@pytest.mark.model
def test_another_schema_does_not_reuse_extractions(nlp, tmp_path, parsed):
    schema = tmp_path / "extra.toml"
    schema.write_text(
        '[[relation]]\nname = "PRAISED"\nlabel = "praised"\nsubject = ["Person"]\nobject = ["Organization"]\nverbs = ["praise"]\n'
    )
    cache = str(tmp_path / "cache")
    _graph(_docs(STORIES), BuildOptions(use_cache=True, cache_dir=cache))
    parsed.clear()
    _graph(_docs(STORIES), BuildOptions(use_cache=True, cache_dir=cache, schema=str(schema)))
    assert sorted(parsed) == ["n1", "n2", "n3", "n4"]


@pytest.mark.model
def test_cli_caches_by_default_and_not_with_no_cache(nlp, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("KG_CACHE", raising=False)
    corpus = tmp_path / "in.jsonl"
    corpus.write_text("".join(json.dumps({"id": k, "text": v}) + "\n" for k, v in STORIES.items()))
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(corpus), "--out", "nocache.json", "-q", "--no-cache"]).exit_code == 0
    assert not (tmp_path / ".kg-cache").exists()
    assert runner.invoke(app, ["build", str(corpus), "--out", "a.json", "-q"]).exit_code == 0
    assert (tmp_path / ".kg-cache" / CACHE_FILE).is_file()
    assert runner.invoke(app, ["extract", str(corpus), "--out", "x.jsonl", "-q", "--cache", "elsewhere"]).exit_code == 0
    with ExtractionCache(tmp_path / "elsewhere", context="any") as cache:
        assert len(cache) == 4
    assert runner.invoke(app, ["build", str(corpus), "--out", "b.json", "-q"]).exit_code == 0
    assert (tmp_path / "a.json").read_text() == (tmp_path / "b.json").read_text() == (tmp_path / "nocache.json").read_text()
