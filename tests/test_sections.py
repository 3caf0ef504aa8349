"""Memory flat in document size: long texts are parsed in bounded pieces and long documents
extracted a section at a time, with every offset right (real model, real processes)."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.sections import extract_long, sections
from kg.types import Document

ROOT = Path(__file__).resolve().parent.parent
PARAGRAPHS = [
    "Mayor Ann Lee of Bergen met Bo Ek, the chief executive of Nordvik Shipping, on Monday.",
    "Nordvik Shipping plans to build a harbour near Oslo, Ek said after the meeting.",
    "Lee told reporters that the city council would vote on the plan in March.",
    "Critics including Kari Holm of the Green Party said the harbour would harm the fjord.",
]


def _settings():
    from kg.extraction import ExtractionSettings
    from kg.extract.schema import load_schema
    from kg.nlp import model_name

    fields = ExtractionSettings.__dataclass_fields__
    extra = {"relation_model": None} if "relation_model" in fields else {}
    return ExtractionSettings(model=model_name(None), schema=load_schema(None), **extra)


def test_sections_cut_at_paragraphs_and_keep_their_part_of_the_body() -> None:
    text = "\n\n".join(PARAGRAPHS * 5)
    body = ((10, 200), (400, len(text) - 5))
    document = Document("d", text, title="T", body=body)
    found = list(sections(document, size=300))
    assert all(len(section.text) <= 300 for _, section in found)
    for offset, section in found:
        assert section.text == text[offset:offset + len(section.text)]
        assert section.id == "d" and section.title == "T"
        for start, end in section.body:
            assert any(s <= start + offset and end + offset <= e for s, e in body)
    assert sum(e - s for _, x in found for s, e in x.body) == sum(e - s for s, e in body)


@pytest.mark.model
def test_a_long_document_extracted_by_sections_keeps_offsets_and_merges_names() -> None:
    text = "\n\n".join(PARAGRAPHS * 6)
    document = Document("long", text)
    extraction = extract_long(document, _settings(), size=700)
    assert extraction.stats["sections"] >= 3 and extraction.document is document
    for entity in extraction.entities:
        for mention in entity.mentions:
            assert text[mention.start:mention.end] == mention.text
            assert mention.entity == entity.id
    names = [e.name for e in extraction.entities]
    assert len(names) == len(set(names))  # one entity per name across sections
    shipping = [e for e in extraction.entities if e.name == "Nordvik Shipping"]
    assert shipping and len(shipping[0].mentions) >= 6
    for relation in extraction.relations:
        evidence = relation.evidence
        assert evidence.doc == "long" and text[evidence.start:evidence.end] == evidence.sentence


def test_a_long_document_keeps_the_quotations_of_every_section() -> None:
    paragraph = ('"The harbour will be finished by March," said Bo Ek, the chief executive of Nordvik Shipping. '
                 'The council met on Monday.')
    text = "\n\n".join([paragraph] * 8)
    extraction = extract_long(Document("quoted", text), _settings(), size=400)
    assert extraction.stats["sections"] >= 3
    direct = [q for q in extraction.quotes if q.kind == "direct"]
    assert len(direct) == 8
    assert {text[q.start:q.end] for q in direct} == {"The harbour will be finished by March,"}
    speakers = {e.id: e.name for e in extraction.entities}
    assert {speakers.get(q.speaker) for q in direct} == {"Bo Ek"}


def _peak_mib(tmp_path: Path, chars: int) -> float:
    paragraph = " ".join(PARAGRAPHS)
    text = "\n\n".join(f"{paragraph} Story {i}." for i in range(chars // (len(paragraph) + 12) + 1))[:chars]
    path = tmp_path / f"doc-{chars}.txt"
    path.write_text(text, encoding="utf-8")
    code = ("import resource, subprocess, sys; "
            "subprocess.run(sys.argv[1:], check=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)")
    result = subprocess.run(
        [sys.executable, "-c", code, sys.executable, "-m", "kg", "build", str(path), "--out", str(tmp_path / "g.json"),
         "--no-cache", "-q", "--relation-model", "none"],
        capture_output=True, text=True, timeout=1200, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert result.returncode == 0, result.stderr
    return float(result.stdout.strip())


@pytest.mark.slow
@pytest.mark.model
def test_peak_memory_of_a_1_mb_document_stays_near_that_of_a_50_kb_one(tmp_path: Path) -> None:
    small = _peak_mib(tmp_path, 50_000)
    large = _peak_mib(tmp_path, 1_000_000)
    assert large <= 1.5 * small, (small, large)  # was about 3 GB against 0.5 GB
