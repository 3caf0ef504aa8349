"""The cache key holds a fingerprint of the spaCy pipeline's files: a model rebuilt under the same
package version (``spacy package`` makes 0.0.0) never gets the old model's cached extractions."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from kg.cache import cache_context, model_files_fingerprint


def _fake_model(root: Path, name: str = "kg_fake_pipeline") -> Path:
    package = root / name
    data = package / f"{name}-0.0.0"
    data.mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "meta.json").write_text('{"name": "fake", "version": "0.0.0"}', encoding="utf-8")
    (data / "meta.json").write_text('{"name": "fake", "version": "0.0.0"}', encoding="utf-8")
    (data / "ner").mkdir()
    (data / "ner" / "model").write_bytes(b"weights-v1")
    return package


@pytest.fixture
def fake_model(tmp_path, monkeypatch):
    package = _fake_model(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    model_files_fingerprint.cache_clear()
    yield package
    model_files_fingerprint.cache_clear()


def _context(model: str) -> str:
    return cache_context(model=model, model_version="0.0.0", schema=None, known=())


def test_new_weights_under_the_same_version_change_the_cache_key(fake_model: Path) -> None:
    before = _context("kg_fake_pipeline")
    assert model_files_fingerprint("kg_fake_pipeline")
    weights = fake_model / "kg_fake_pipeline-0.0.0" / "ner" / "model"
    weights.write_bytes(b"weights-v2")  # same size, new content and time
    os.utime(weights, ns=(weights.stat().st_atime_ns, weights.stat().st_mtime_ns + 1_000_000))
    model_files_fingerprint.cache_clear()
    assert _context("kg_fake_pipeline") != before


def test_a_changed_meta_changes_the_key_and_an_unchanged_model_keeps_it(fake_model: Path) -> None:
    first = _context("kg_fake_pipeline")
    model_files_fingerprint.cache_clear()
    assert _context("kg_fake_pipeline") == first  # the same files: the same key, across processes too
    meta = fake_model / "kg_fake_pipeline-0.0.0" / "meta.json"
    stat = meta.stat()
    meta.write_text('{"name": "fake", "version": "0.0.1"}', encoding="utf-8")
    os.utime(meta, ns=(stat.st_atime_ns, stat.st_mtime_ns))  # even with the old time
    model_files_fingerprint.cache_clear()
    assert _context("kg_fake_pipeline") != first


def test_a_model_folder_is_fingerprinted_too(tmp_path: Path) -> None:
    folder = _fake_model(tmp_path, "folder_model") / "folder_model-0.0.0"
    first = model_files_fingerprint(str(folder))
    (folder / "ner" / "model").write_bytes(b"other weights, longer")
    model_files_fingerprint.cache_clear()
    assert model_files_fingerprint(str(folder)) != first


def test_the_installed_default_model_has_a_fingerprint() -> None:
    from kg.nlp import model_name

    assert len(model_files_fingerprint(model_name(None))) == 64
    assert model_files_fingerprint("no_such_pipeline_anywhere") == ""
