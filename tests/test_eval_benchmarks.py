"""kg.eval on the benchmark formats (CoNLL04-style sentences, the Wikinews relation file), the
relation scores with their scored predictions, calibration, and `kg eval`'s exit code. Gold lines
and records are hand-written (invented names); expected numbers are worked out in the comments."""
from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from typer.testing import CliRunner

from kg import eval as ev
from kg.errors import EvalError
from kg.types import Document

ROOT = Path(__file__).resolve().parents[1]
SHARED = next((p for p in (ROOT.parent / "shared", Path("/work/shared")) if p.is_dir()), ROOT.parent / "shared")


def entity(eid, name, etype, aliases=(), mentions=()):
    return {"id": eid, "name": name, "type": etype, "aliases": list(aliases), "mentions": list(mentions)}


def rel(subject, rtype, obj, confidence, **flags):
    return {"subject": subject, "type": rtype, "object": obj, "label": rtype.lower(), "confidence": confidence,
            "negated": flags.get("negated", False), "past": flags.get("past", False),
            "evidence": {"sentence": "", "start": 0, "end": 0, "rule": "test"}}


def mention(text, words, kind="name"):
    start = text.index(words)
    return {"text": words, "start": start, "end": start + len(words), "kind": kind}


def gold_span(text, words, etype):
    start = text.index(words)
    return {"name": words, "type": etype, "start": start, "end": start + len(words)}


def approx(value):
    return pytest.approx(value, abs=1e-9)


def _write_jsonl(path, rows):
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# ---------------------------------------------------------------------------------------------
# Calibration


def test_calibration_bands_count_share_right_and_mean_confidence():
    pairs = [(0.05, False), (0.3, True), (0.35, False), (0.999, True), (1.0, True), (1.2, False)]
    bands = ev.calibration_bands(pairs)
    assert len(bands) == 10 and (bands[0].low, bands[0].high) == (0.0, 0.1) and bands[9].high == 1.0
    assert [b.count for b in bands] == [1, 0, 0, 2, 0, 0, 0, 0, 0, 3]  # 0.3 opens band 3; 1.0 and 1.2 (clamped) in the last
    assert (bands[3].right, bands[3].share_right, bands[3].mean_confidence) == (1, 0.5, approx(0.325))
    assert (bands[9].right, bands[9].mean_confidence) == (2, approx(2.999 / 3))
    assert bands[1].share_right == 0.0 and bands[1].mean_confidence == 0.0
    # ECE = (1*|0 - 0.05| + 2*|0.5 - 0.325| + 3*|2/3 - 2.999/3|) / 6 = (0.05 + 0.35 + 0.999) / 6
    assert ev.calibration_error(bands) == approx(1.399 / 6)
    assert ev.calibration_error(ev.calibration_bands([])) == 0.0
    assert [b.count for b in ev.calibration_bands(pairs, bands=2)] == [3, 3]
    assert ev.calibration_bands([(15 / 22, True)], bands=22)[15].count == 1  # 15/22*22 < 15 in floats


def _band(low, right, count):
    return ev.CalibrationBand(low, round(low + 0.1, 1), count, right, count * (low + 0.05))


@pytest.mark.parametrize("right, count, within", [
    (30, 37, False),  # 0.811: more than 0.1 above 0.6-0.7
    (29, 37, True),  # 0.784
    (4, 5, True),  # 0.8 exactly: at the edge of the tolerance
    (1, 5, False),  # 0.2: more than 0.1 below
    (0, 0, False),  # an empty band is not evidence of anything
])
def test_a_band_is_within_the_tolerance_of_its_range(right, count, within):
    assert _band(0.6, right, count).within() is within


def test_the_interval_of_a_band_is_the_wilson_score_interval():
    z = 1.959963984540054  # the normal quantile at 0.975
    for right, count in ((12, 13), (0, 4), (37, 37), (9, 20)):
        p = right / count
        centre = (p + z * z / (2 * count)) / (1 + z * z / count)
        half = z * math.sqrt(p * (1 - p) / count + z * z / (4 * count * count)) / (1 + z * z / count)
        low, high = _band(0.7, right, count).interval()
        assert (low, high) == (approx(max(0.0, centre - half)), approx(min(1.0, centre + half)))
    assert _band(0.7, 0, 0).interval() == (0.0, 1.0)
    narrow, wide = _band(0.7, 12, 13).interval(level=0.5), _band(0.7, 12, 13).interval()
    assert wide[0] < narrow[0] < 12 / 13 < narrow[1] < wide[1]


# ---------------------------------------------------------------------------------------------
# CoNLL04


def test_title_offset_strips_leading_titles_and_determiners():
    assert ev.title_offset("President Ada Brook") == len("President ")
    assert ev.title_offset("the Rev. Dr. Ada Brook") == len("the Rev. Dr. ")
    assert ev.title_offset("Sen. Omar Vell") == len("Sen. ")
    assert ev.title_offset("Prime Minister Omar Vell") == len("Prime Minister ")
    assert ev.title_offset("The Harbor Times") == len("The ")
    assert ev.title_offset("President") == 0  # nothing would remain
    assert ev.title_offset("A. Brook") == 0  # an initial, not the article
    assert ev.title_offset("Ada Brook") == 0
    # a title with its country or people before it is still a leading title
    assert ev.title_offset("U.S. Sen. Omar Vell") == len("U.S. Sen. ")
    assert ev.title_offset("Roman Emperor Omar Vell") == len("Roman Emperor ")
    assert ev.title_offset("Varnian Archduke Omar") == len("Varnian Archduke ")
    assert ev.title_offset("Varnian Omar Vell") == 0  # no title after the word
    assert ev.title_offset("Roman Emperor") == 0


CONLL_TEXT = "Sen. Ada Brook of Northwind Traders toured the Pellston Mill on Monday in Marlow County."


def _conll_gold():
    t = CONLL_TEXT
    return {"id": "s1", "text": t, "entities": [
        gold_span(t, "Sen. Ada Brook", "Person"), gold_span(t, "Northwind Traders", "Organization"),
        gold_span(t, "the Pellston Mill", "Location"), gold_span(t, "Monday", "Other"),
        gold_span(t, "Marlow County.", "Location"),
    ], "relations": [
        {"subject": "Sen. Ada Brook", "type": "LIVES_IN", "object": "Pellston", "level": "must"},
        {"subject": "Sen. Ada Brook", "type": "LIVES_IN", "object": "Pellston", "level": "must"},  # repeated: one fact
        {"subject": "Sen. Ada Brook", "type": "WORKS_FOR", "object": "Northwind Traders", "level": "must"},
        {"subject": "Northwind Traders", "type": "BASED_IN", "object": "Pellston", "level": "must"},
        {"subject": "Pellston", "type": "LOCATED_IN", "object": "Marlow County", "level": "must"},
        {"subject": "Omar Vell", "type": "KILLED", "object": "President Ivo Kast", "level": "must"},
        {"subject": "Contoso", "type": "BASED_IN", "object": "Marlow County", "level": "must"},
    ]}


def _conll_record():
    return {"id": "s1", "entities": [
        entity("ada", "Ada Brook", "Person"), entity("nw", "Northwind Traders", "Organization"),
        entity("pe", "Pellston", "Location"), entity("mc", "Marlow County", "Location"),
        entity("ov", "Omar Vell", "Person"), entity("ik", "Ivo Kast", "Person"),
        entity("co", "Contoso", "Location"),  # mistyped: its LOCATED_IN cannot stand for BASED_IN
    ], "relations": [
        rel("ada", "BORN_IN", "pe", 0.55),  # LIVES_IN, together with the next one: one prediction
        rel("ada", "CITIZEN_OF", "pe", 0.75),
        rel("ada", "LEADS", "nw", 0.65),  # WORKS_FOR
        rel("nw", "LOCATED_IN", "pe", 0.45),  # BASED_IN: an organisation's
        rel("pe", "LOCATED_IN", "mc", 0.85),
        rel("ov", "KILLED", "ik", 0.95),  # the gold's "President Ivo Kast" without the title
        rel("co", "LOCATED_IN", "mc", 0.35),  # a place's LOCATED_IN: wrong, and Contoso's BASED_IN missed
        rel("ik", "KILLED", "ov", 0.15),  # wrong direction
        rel("ada", "SUED", "nw", 0.9),  # no CoNLL04 type: not a prediction
        rel("ov", "KILLED", "pe", 0.9, negated=True),  # negated: not a prediction
        rel("ov", "LIVES_IN", "mc", 0.9, past=True),  # ended: not the current fact
    ]}


def test_conll04_relations_read_kg_types_as_conll04_types():
    scores = ev.score_conll04_relations([_conll_gold()], [_conll_record()])
    R = ev.RelationScore
    assert scores.kind == "conll04"
    assert scores.types == {
        "BASED_IN": R(right=1, found=1, missed=1),
        "KILLED": R(right=1, wrong=1, found=1),
        "LIVES_IN": R(right=1, found=1),
        "LOCATED_IN": R(right=1, wrong=1, found=1),
        "WORKS_FOR": R(right=1, found=1),
    }
    # right 5 of 7 predictions; found 5 of 6 distinct gold facts; F1 = 2*(5/7)*(5/6)/(5/7+5/6) = 10/13
    micro = scores.micro
    assert (micro.precision, micro.recall, micro.f1) == (approx(5 / 7), approx(5 / 6), approx(10 / 13))
    assert sorted(scores.pairs) == [(0.15, False), (0.35, False), (0.45, True), (0.65, True), (0.75, True),
                                    (0.85, True), (0.95, True)]
    based = next(p for p in scores.predictions if p.subject == "nw")
    assert (based.type, based.scored_type, based.correct) == ("LOCATED_IN", "BASED_IN", True)
    lives = next(p for p in scores.predictions if p.subject == "ada" and p.scored_type == "LIVES_IN")
    assert (lives.type, lives.confidence) == ("CITIZEN_OF", 0.75)  # the most confident of the two


def test_conll04_relations_without_a_record_miss_everything():
    scores = ev.score_conll04_relations([_conll_gold()], [])
    assert scores.micro == ev.RelationScore(missed=6) and scores.predictions == ()


def test_conll04_entities_by_span_with_titles_determiners_and_other_aside():
    t = CONLL_TEXT
    record = {"id": "s1", "entities": [
        entity("ada", "Ada Brook", "Person", mentions=[mention(t, "Ada Brook")]),  # gold "Sen. Ada Brook": right
        entity("nw", "Northwind Traders", "Person", mentions=[mention(t, "Northwind Traders")]),  # wrong type
        entity("mill", "Pellston Mill", "Facility", mentions=[mention(t, "Pellston Mill")]),  # not scored
        entity("pe", "Pellston", "Location", mentions=[mention(t, "Pellston"),  # no gold span: wrong
                                                       mention(t, "the Pellston Mill", kind="nominal")]),
        entity("mc", "Marlow County", "Location", mentions=[mention(t, "Marlow County")]),  # gold ends in "."
        entity("mo", "Monday", "Organization", mentions=[mention(t, "Monday")]),  # on an Other span: not scored
    ]}
    scores = ev.score_conll04_entities([_conll_gold()], [record])
    # Person: Ada right, Northwind Traders wrongly a Person. Organization: Northwind Traders missed.
    # Location: Marlow County right, Pellston wrong, the Pellston Mill missed (kg saw a Facility).
    assert scores == {
        "Location": ev.Score(tp=1, fp=1, fn=1),
        "Organization": ev.Score(fn=1),
        "Person": ev.Score(tp=1, fp=1),
    }


def test_read_conll04_accepts_other_and_rejects_unknown_types(tmp_path):
    path = _write_jsonl(tmp_path / "c.jsonl", [_conll_gold()])
    assert ev.gold_kind(path) == "conll04"
    assert [g["id"] for g in ev.read_conll04(path)] == ["s1"]
    with pytest.raises(EvalError, match="unknown type"):
        ev.read_gold(path)  # contract gold has no type Other: why the format is told apart
    bad = _conll_gold()
    bad["entities"][0]["type"] = "Company"
    with pytest.raises(EvalError, match=":1: entity"):
        ev.read_conll04(_write_jsonl(tmp_path / "bad.jsonl", [bad]))


# ---------------------------------------------------------------------------------------------
# Wikinews relation file


def _line(subject, subject_aliases, rtype, obj, object_aliases, level):
    return {"subject": subject, "subject_aliases": subject_aliases, "type": rtype, "object": obj,
            "object_aliases": object_aliases, "level": level, "sentence": ""}


def _wiki_gold():
    return {"id": "w1", "relations": [
        _line("Ada Brook", ["Brook"], "WORKS_FOR", "Northwind Traders", ["Northwind"], "must"),
        _line("Omar Vell", [], "SPOUSE_OF", "Ada Brook", ["Brook"], "must"),
        _line("Harbor Museum", [], "LOCATED_IN", "Pellston", [], "must"),
        _line("Northwind Traders", ["Northwind"], "BASED_IN", "Pellston", [], "must"),
        _line("Pellston", [], "LOCATED_IN", "Marlow County", [], "should"),
        _line("Contoso", [], "LOCATED_IN", "Marlow County", [], "should"),
        _line("Omar Vell", [], "MEMBER_OF", "Contoso", [], "must"),
    ], "negated": [
        {"subject": "Omar Vell", "type": "LIVES_IN", "object": "Pellston", "sentence": "", "note": "planned"},
        {"subject": "Ada Brook", "type": "LEADS", "object": "Northwind", "sentence": "", "note": "former"},
    ]}


def _wiki_record():
    return {"id": "w1", "entities": [
        entity("ada", "Ada Brook", "Person"), entity("ov", "Omar Vell", "Person"),
        entity("nw", "Northwind", "Organization"), entity("hm", "Harbor Museum", "Facility"),
        entity("pe", "Pellston", "Location"), entity("mc", "Marlow County", "Location"),
        entity("co", "Contoso", "Location"),
    ], "relations": [
        rel("ada", "WORKS_FOR", "nw", 0.85),  # must, through the alias Northwind
        rel("ada", "SPOUSE_OF", "ov", 0.75),  # must, the other direction
        rel("ov", "SPOUSE_OF", "ada", 0.5),  # the same fact again: one prediction
        rel("hm", "BASED_IN", "pe", 0.65),  # a facility's BASED_IN is its LOCATED_IN: must
        rel("nw", "LOCATED_IN", "pe", 0.55),  # an organisation's LOCATED_IN is its BASED_IN: must ...
        rel("nw", "BASED_IN", "pe", 0.45),  # ... and this is the same fact
        rel("pe", "LOCATED_IN", "mc", 0.35),  # should: right, no recall
        rel("ov", "LIVES_IN", "pe", 0.95),  # a negated line: wrong
        rel("ada", "LEADS", "nw", 0.25),  # counts for the WORKS_FOR line, but a negated line says no
        rel("co", "BASED_IN", "mc", 0.05),  # a place's BASED_IN is not its LOCATED_IN: wrong
        rel("ov", "MEMBER_OF", "co", 0.9, past=True),  # ended: not counted, the must line is missed
        rel("ov", "WORKS_FOR", "co", 0.9, negated=True),  # negated: not a prediction
    ]}


def test_wikinews_relations_levels_aliases_directions_and_negated_lines():
    scores = ev.score_wikinews_relations([_wiki_gold()], [_wiki_record()])
    R = ev.RelationScore
    assert scores.kind == "wikinews"
    assert scores.types == {
        "BASED_IN": R(right=1, wrong=1, found=1),  # Northwind's LOCATED_IN right; Contoso's BASED_IN wrong
        "LEADS": R(wrong=1),
        "LIVES_IN": R(wrong=1),
        "LOCATED_IN": R(right=2, found=1),  # the museum (must) and Pellston (should)
        "MEMBER_OF": R(missed=1),
        "SPOUSE_OF": R(right=1, found=1),
        "WORKS_FOR": R(right=1, found=1),
    }
    # right 5 of 8 predictions, found 4 of 5 must lines: F1 = 2*(5/8)*(4/5)/(5/8+4/5) = 40/57
    micro = scores.micro
    assert (micro.precision, micro.recall, micro.f1) == (approx(5 / 8), approx(4 / 5), approx(40 / 57))
    assert sorted(scores.pairs) == [(0.05, False), (0.25, False), (0.35, True), (0.55, True), (0.65, True),
                                    (0.75, True), (0.85, True), (0.95, False)]
    museum = next(p for p in scores.predictions if p.subject == "hm")
    assert (museum.type, museum.scored_type, museum.correct) == ("BASED_IN", "LOCATED_IN", True)


def test_wikinews_leads_counts_for_works_for():
    gold = {"id": "w1", "relations": [_line("Ada Brook", [], "WORKS_FOR", "Northwind", [], "must")]}
    record = {"id": "w1", "entities": [entity("a", "Ada Brook", "Person"), entity("n", "Northwind", "Organization")],
              "relations": [rel("a", "LEADS", "n", 0.6)]}
    scores = ev.score_wikinews_relations([gold], [record])
    assert scores.types == {"WORKS_FOR": ev.RelationScore(right=1, found=1)}
    # ... but not the other way round
    gold["relations"][0]["type"] = "LEADS"
    record["relations"][0]["type"] = "WORKS_FOR"
    scores = ev.score_wikinews_relations([gold], [record])
    assert scores.types == {"LEADS": ev.RelationScore(missed=1), "WORKS_FOR": ev.RelationScore(wrong=1)}


def test_evaluate_wikinews_finds_the_texts_beside_it_or_takes_inputs(tmp_path):
    gold_path = _write_jsonl(tmp_path / "arts_relations.jsonl", [_wiki_gold()])
    assert ev.gold_kind(gold_path) == "wikinews"
    _write_jsonl(tmp_path / "aaa.jsonl", [{"id": "other", "text": "Unrelated."}])  # ids do not match
    _write_jsonl(tmp_path / "arts.jsonl", [{"id": "w1", "text": "Ada Brook works for Northwind.", "title": "T"}])
    seen = []

    def run(documents):
        seen.extend(documents)
        return [_wiki_record()], {}

    report = ev.evaluate(str(gold_path), None, run=run)
    assert seen == [Document(id="w1", text="Ada Brook works for Northwind.", title="T")]
    assert report.kind == "wikinews" and report.missing_documents == ()
    assert report.relations.micro == ev.RelationScore(right=5, wrong=3, found=4, missed=1)
    assert report.missed_must == 1 and not report.passed and report.exit_code == 1  # a must line not found
    out = ev.report_to_json(report)
    json.dumps(out)
    assert out["relations"]["overall"] == {"right": 5, "wrong": 3, "found": 4, "missed": 1, "precision": 0.625,
                                           "recall": 0.8, "f1": round(40 / 57, 4)}
    assert out["calibration"]["predictions"] == 8
    assert [b["count"] for b in out["calibration"]["bands"]] == [1, 0, 1, 1, 0, 1, 1, 1, 1, 1]
    bands = report.relations.calibration()
    assert [b["within"] for b in out["calibration"]["bands"]] == [b.within() for b in bands]
    assert out["calibration"]["bands_within"] == sum(b.within() for b in bands)
    assert out["calibration"]["bands_with_predictions"] == 8
    text = ev.format_report(report)
    assert "Calibration" in text and "FAIL: 1 of 5 must lines not found" in text.splitlines()[0]
    assert f"within 0.1 of its band in {sum(b.within() for b in bands)} of 8 bands" in text
    assert any(line.split()[:2] == ["SPOUSE_OF", "1.000"] for line in text.splitlines())
    # INPUT replaces the search; read= turns paths into documents
    asked = []
    report = ev.evaluate(str(gold_path), ["somewhere.jsonl"], run=run,
                         read=lambda paths: asked.extend(paths) or [Document(id="w1", text="x")])
    assert asked == ["somewhere.jsonl"] and report.missing_documents == ()
    (tmp_path / "arts.jsonl").unlink()
    with pytest.raises(EvalError, match="give the articles as INPUT"):
        ev.evaluate(str(gold_path), None, run=run)


def test_evaluate_conll04_runs_the_sentences(tmp_path):
    path = _write_jsonl(tmp_path / "dev.jsonl", [_conll_gold()])

    def run(documents):
        assert documents == [Document(id="s1", text=CONLL_TEXT)]
        return [_conll_record()], {}

    report = ev.evaluate(str(path), None, run=run)
    assert report.kind == "conll04" and report.exit_code == 0
    assert report.relations.micro == ev.RelationScore(right=5, wrong=2, found=5, missed=1)
    # the record has no mentions: every scored gold entity missed, Monday (Other) not among them
    assert report.entity_spans == {"Location": ev.Score(fn=2), "Organization": ev.Score(fn=1),
                                   "Person": ev.Score(fn=1)}
    out = ev.report_to_json(report)
    assert set(out) >= {"entities", "relations", "calibration"}
    assert out["relations"]["types"]["BASED_IN"]["missed"] == 1
    assert "CoNLL04 relations" in ev.format_report(report)


def test_relation_scores_of_given_records_for_any_gold_file(tmp_path):
    conll = _write_jsonl(tmp_path / "dev.jsonl", [_conll_gold()])
    assert ev.relation_scores(conll, [_conll_record()]) == ev.score_conll04_relations([_conll_gold()], [_conll_record()])
    wiki = _write_jsonl(tmp_path / "w_relations.jsonl", [_wiki_gold()])
    assert ev.relation_scores(wiki, iter([_wiki_record()])).micro == ev.RelationScore(right=5, wrong=3, found=4, missed=1)
    gold = _write_jsonl(tmp_path / "gold.jsonl", [MUST_GOLD])
    assert ev.relation_scores(gold, _must_run(True)([])[0]).pairs == [(0.7, True)]


# ---------------------------------------------------------------------------------------------
# Exit code


GOLD_TEXT = "Ada Brook works for Northwind."
MUST_GOLD = {"id": "g1", "text": GOLD_TEXT,
             "entities": [{"name": "Ada Brook", "type": "Person"}, {"name": "Northwind", "type": "Organization"}],
             "relations": [{"subject": "Ada Brook", "type": "WORKS_FOR", "object": "Northwind", "level": "must"}]}


def _must_run(found):
    def run(documents):
        record = {"id": "g1", "entities": [entity("a", "Ada Brook", "Person"), entity("n", "Northwind", "Organization")],
                  "relations": [rel("a", "WORKS_FOR", "n", 0.7)] if found else []}
        nodes = [{"id": e["id"], "kind": "entity", "name": e["name"], "type": e["type"], "aliases": []}
                 for e in record["entities"]]
        edges = [{"id": "e", "source": "a", "target": "n", "type": "WORKS_FOR", "evidence": [{"doc": "g1"}]}] if found else []
        return [record], {"nodes": nodes, "edges": edges}
    return run


def test_exit_code_1_only_when_kg_gold_with_must_lines_fails(tmp_path):
    path = _write_jsonl(tmp_path / "gold.jsonl", [MUST_GOLD])
    failing = ev.evaluate(str(path), None, run=_must_run(False))
    assert not failing.passed and failing.exit_code == 1
    passing = ev.evaluate(str(path), None, run=_must_run(True))
    assert passing.passed and passing.exit_code == 0
    assert passing.relations.pairs == [(0.7, True)]
    # no must lines: a failure is a figure, not an error
    should = {**MUST_GOLD, "relations": [{**MUST_GOLD["relations"][0], "level": "should"}]}
    path = _write_jsonl(tmp_path / "should.jsonl", [should])
    assert ev.evaluate(str(path), None, run=_must_run(False)).exit_code == 0


@pytest.mark.parametrize("found", [True, False])
def test_cli_eval_exit_code_follows_the_wikinews_must_lines(tmp_path, monkeypatch, found):
    """The Wikinews relation file has `must` lines too: one not found is exit 1, as for kg gold;
    all found is exit 0 with PASS (CoNLL04 and DocRED have none, and always exit 0)."""
    from kg.cli import app

    gold = {"id": "w1", "relations": [_line("Ada Brook", [], "WORKS_FOR", "Northwind", [], "must")]}
    gold_path = _write_jsonl(tmp_path / "arts_relations.jsonl", [gold])
    _write_jsonl(tmp_path / "arts.jsonl", [{"id": "w1", "text": GOLD_TEXT}])
    record = {"id": "w1", "entities": [entity("a", "Ada Brook", "Person"), entity("n", "Northwind", "Organization")],
              "relations": [rel("a", "WORKS_FOR", "n", 0.7)] if found else []}
    monkeypatch.setattr("kg.pipeline.run_documents", lambda docs, options=None: ([record], {}))
    result = CliRunner().invoke(app, ["eval", str(gold_path)])
    assert result.exit_code == (0 if found else 1), result.output
    assert result.stdout.splitlines()[0].endswith("PASS" if found else "FAIL: 1 of 1 must lines not found")
    as_json = CliRunner().invoke(app, ["eval", str(gold_path), "--json"])
    assert as_json.exit_code == result.exit_code and json.loads(as_json.stdout)["passed"] is found


def test_cli_eval_exits_1_on_a_failed_must_line_and_still_prints(tmp_path, monkeypatch):
    from kg.cli import app

    path = _write_jsonl(tmp_path / "gold.jsonl", [MUST_GOLD])
    runner = CliRunner()
    monkeypatch.setattr("kg.pipeline.run_documents", lambda docs, options=None: _must_run(False)(docs))
    result = runner.invoke(app, ["eval", str(path), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["passed"] is False and report["calibration"]["predictions"] == 0
    monkeypatch.setattr("kg.pipeline.run_documents", lambda docs, options=None: _must_run(True)(docs))
    result = runner.invoke(app, ["eval", str(path)])
    assert result.exit_code == 0, result.output
    assert "PASS" in result.stdout and "Calibration" in result.stdout


# ---------------------------------------------------------------------------------------------
# The real files


def test_shared_files_are_told_apart():
    if not SHARED.is_dir():
        pytest.skip("../shared not present")
    assert ev.gold_kind(SHARED / "eval" / "conll04" / "dev.jsonl") == "conll04"
    assert ev.gold_kind(SHARED / "eval" / "gum_news_dev_relations.jsonl") == "wikinews"
    assert ev.gold_kind(SHARED / "eval" / "gum_news_dev.jsonl") == "gold"
    assert ev.gold_kind(SHARED / "eval" / "redocred_dev.json") == "docred"
    assert ev.gold_kind(ROOT / "tests" / "data" / "gold" / "seeds.jsonl") == "gold"
    golds = ev.read_wikinews(SHARED / "eval" / "gum_news_dev_relations.jsonl")
    texts = ev._wikinews_texts(SHARED / "eval" / "gum_news_dev_relations.jsonl", [g["id"] for g in golds])
    assert texts.name == "gum_news_dev.jsonl"


@pytest.mark.model
def test_kg_eval_json_on_a_few_conll04_dev_sentences(tmp_path):
    import subprocess
    import sys

    if not SHARED.is_dir():
        pytest.skip("../shared not present")
    lines = (SHARED / "eval" / "conll04" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:8]
    path = tmp_path / "dev.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "kg", "eval", str(path), "--json"],
                            capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["kind"] == "conll04" and report["missing_documents"] == []
    gold_relations = {(r["subject"], r["type"], r["object"]) for line in lines for r in json.loads(line)["relations"]}
    overall = report["relations"]["overall"]
    assert overall["found"] + overall["missed"] == len(gold_relations)
    assert report["calibration"]["predictions"] == overall["right"] + overall["wrong"]
    assert sum(b["count"] for b in report["calibration"]["bands"]) == report["calibration"]["predictions"]
    assert set(report["entities"]["types"]) <= {"Person", "Organization", "Location"}
    assert report["entities"]["overall"]["tp"] > 0  # kg finds some of the people and places
