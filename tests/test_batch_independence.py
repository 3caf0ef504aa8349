"""What kg says about one article does not depend on which other articles share the run: built
alone or in a corpus, its mentions fall into the same entities, with the same types, and each
entity's name is one the article itself uses, or one a recorded merge (``merged_from``) or a
known entity (kg's countries, an --aliases file) gives it."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from kg.extract.resolve import default_known, match_key, resolve_document
from kg.graph import build_graph
from kg.sinks.json import extraction_record
from kg.types import Document, Extraction, Mention

GUM_DEV = Path(__file__).resolve().parents[2] / "shared" / "eval" / "gum_news_dev.jsonl"
_KNOWN_NAMES = {match_key(n) for e in default_known() for n in (e.name, *e.aliases)}


def _view(record: dict) -> dict:
    """The article's grouping: each entity's mention spans -> its type."""
    return {frozenset((m["start"], m["end"], m["kind"]) for m in e["mentions"]): e["type"] for e in record["entities"]}


def _names_explained(record: dict) -> list[str]:
    """Names of the record's entities that neither the article, a recorded merge from another
    document, nor a known entity explains."""
    unexplained = []
    for entity in record["entities"]:
        own = {match_key(m["text"]) for m in entity["mentions"] if m["kind"] == "name"}
        own |= {match_key(a) for a in entity["aliases"]}
        merged = any("another document" in m["reason"] or m["reason"].startswith("known alias")
                     for m in entity["merged_from"])
        key = match_key(entity["name"])
        if key not in own and key not in _KNOWN_NAMES and not merged:
            unexplained.append(entity["name"])
    return unexplained


def _compare(alone: dict, together: dict) -> list[str]:
    a, t = _view(alone), _view(together)
    problems = [f"built alone only: {sorted(g)[:2]} ({a[g]})" for g in a.keys() - t.keys()]
    problems += [f"in the corpus only: {sorted(g)[:2]} ({t[g]})" for g in t.keys() - a.keys()]
    problems += [f"type {a[g]} alone, {t[g]} in the corpus: {sorted(g)[:2]}" for g in a.keys() & t.keys() if a[g] != t[g]]
    problems += [f"name not the article's: {n}" for n in _names_explained(together)]
    return problems


def _extraction(doc_id: str, text: str, spans) -> Extraction:
    mentions = []
    for name, entity_type in spans:
        start = -1
        while (start := text.find(name, start + 1)) != -1:
            mentions.append(Mention(start, start + len(name), name, entity_type))
    return Extraction(Document(doc_id, text), resolve_document(doc_id, text, mentions))


def _records(extractions):
    _, local = build_graph(extractions)
    return {x.document.id: extraction_record(x) for x in local}


def test_a_name_typed_otherwise_in_another_document_keeps_each_documents_type():
    first = _extraction("a", "Halvard Arena opened on Friday.", [("Halvard Arena", "Facility")])
    second = _extraction("b", "Halvard Arena hired staff. Halvard Arena said so.", [("Halvard Arena", "Organization")])
    together = _records([first, second])
    for alone in (first, second):
        assert _compare(_records([alone])[alone.document.id], together[alone.document.id]) == []


def test_two_entities_of_one_document_never_meet_through_another_document():
    # Here "NCP" could be either party, so it stays alone; another article spells it out.
    text = "The New Coastal Party and the Northern Cod Party met. The NCP left early."
    first = _extraction("a", text, [("New Coastal Party", "Organization"), ("Northern Cod Party", "Organization"),
                                    ("NCP", "Organization")])
    second = _extraction("b", "The New Coastal Party (NCP) won.", [("New Coastal Party", "Organization"), ("NCP", "Organization")])
    assert len(first.entities) == 3
    together = _records([first, second])
    assert _compare(_records([first])["a"], together["a"]) == []
    assert _compare(_records([second])["b"], together["b"]) == []


def test_a_name_taken_from_another_document_is_on_record():
    first = _extraction("a", "The NCP said the budget was small.", [("NCP", "Organization")])
    second = _extraction("b", "The New Coastal Party (NCP) won. The NCP will govern.",
                         [("New Coastal Party", "Organization"), ("NCP", "Organization")])
    together = _records([first, second])
    (entity,) = together["a"]["entities"]
    assert entity["name"] == "New Coastal Party"
    assert {"name": "NCP", "reason": "same name in another document"} in entity["merged_from"]
    assert _compare(_records([first])["a"], together["a"]) == []


@pytest.mark.model
@pytest.mark.skipif(not GUM_DEV.is_file(), reason="needs ../shared/eval/gum_news_dev.jsonl")
def test_each_gum_dev_article_alone_and_in_the_corpus_says_the_same():
    from kg.pipeline import BuildOptions, run_documents

    golds = [json.loads(line) for line in GUM_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    documents = [Document(g["id"], g["text"]) for g in golds]
    options = BuildOptions(relation_model=None)
    together = {r["id"]: r for r in run_documents(documents, options=options)[0]}
    problems = []
    for document in documents:
        [alone], _ = run_documents([document], options=options)
        problems += [f"{document.id}: {p}" for p in _compare(alone, together[document.id])]
    assert problems == []
