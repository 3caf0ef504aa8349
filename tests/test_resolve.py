"""Entity resolution on hand-built mentions (no model): every rule, and what must stay apart."""
from __future__ import annotations

import itertools
import json

import pytest

from kg.errors import UsageError
from kg.types import Reference
from kg.extract.resolve import (
    KnownEntity,
    canonical_name,
    default_known,
    load_aliases,
    match_key,
    resolve_across,
    resolve_document,
)
from kg.types import Mention


def mentions_in(text: str, *spans: tuple[str, str], kind: str = "name") -> list[Mention]:
    """Mentions for each (surface, type), taking successive occurrences left to right."""
    found, cursor = [], {}
    for surface, entity_type in spans:
        start = text.index(surface, cursor.get(surface, 0))
        cursor[surface] = start + 1
        found.append(Mention(start, start + len(surface), surface, entity_type, kind))
    return found


def by_name(entities):
    return {e.name: e for e in entities}


def test_acronym_defined_in_parentheses_merges_with_reason():
    text = "The Agency for Rural Growth (ARG) opened an office. Later, ARG said it would expand."
    names = mentions_in(text, ("Agency for Rural Growth", "Organization"), ("ARG", "Organization"), ("ARG", "Organization"))
    entities = resolve_document("d1", text, names)
    assert len(entities) == 1
    entity = entities[0]
    assert entity.id == "organization:agency-for-rural-growth"
    assert entity.aliases == ("ARG",)
    assert any(m.name == "ARG" and "acronym" in m.reason for m in entity.merged_from)
    assert [m.text for m in entity.mentions] == ["Agency for Rural Growth", "ARG", "ARG"]


def test_acronym_of_initials_without_definition():
    text = "The National Weather Office warned of storms. The NWO also said rain would follow."
    names = mentions_in(text, ("National Weather Office", "Organization"), ("NWO", "Organization"))
    (entity,) = resolve_document("d1", text, names)
    assert entity.name == "National Weather Office"
    assert "NWO" in entity.aliases


def test_acronym_matching_two_different_names_is_left_alone():
    text = "Pacific Rail Company and Port Roads Council met. PRC declined to comment."
    names = mentions_in(text, ("Pacific Rail Company", "Organization"), ("Port Roads Council", "Organization"), ("PRC", "Organization"))
    assert len(resolve_document("d1", text, names)) == 3


def test_person_surname_short_form_and_org_sharing_a_word_stay_apart():
    text = "Tomas Varga founded Varga Systems in 1999. Varga said the company would grow. Varga Systems agreed."
    names = mentions_in(
        text,
        ("Tomas Varga", "Person"), ("Varga Systems", "Organization"), ("Varga", "Person"), ("Varga Systems", "Organization"),
    )
    entities = by_name(resolve_document("d1", text, names))
    assert set(entities) == {"Tomas Varga", "Varga Systems"}
    assert entities["Tomas Varga"].type == "Person"
    assert entities["Tomas Varga"].aliases == ("Varga",)
    assert any(m.reason.startswith("short form") for m in entities["Tomas Varga"].merged_from)
    assert entities["Varga Systems"].type == "Organization"
    assert entities["Varga Systems"].aliases == ()


def test_org_short_form_is_merged_only_when_one_owner():
    text = "Orbis Freight Lines said profits fell. Orbis blamed fuel costs."
    names = mentions_in(text, ("Orbis Freight Lines", "Organization"), ("Orbis", "Organization"))
    (entity,) = resolve_document("d1", text, names)
    assert entity.aliases == ("Orbis",)

    text = "North Maravia and South Maravia held talks. Maravia was mentioned again."
    names = mentions_in(text, ("North Maravia", "Location"), ("South Maravia", "Location"), ("Maravia", "Location"))
    assert len(resolve_document("d1", text, names)) == 3


def test_legal_suffix_case_punctuation_and_possessive():
    text = "Norden Freight Inc. grew. NORDEN FREIGHT's trucks and Norden Freight hired staff."
    names = mentions_in(text, ("Norden Freight Inc.", "Organization"), ("NORDEN FREIGHT", "Organization"), ("Norden Freight", "Organization"))
    (entity,) = resolve_document("d1", text, names)
    assert entity.name == "Norden Freight"
    assert entity.id == "organization:norden-freight"
    assert set(entity.aliases) == {"Norden Freight Inc.", "NORDEN FREIGHT"}
    assert match_key("The Norden Freight's") == match_key("norden freight, inc")


def test_type_vote_corrects_a_single_wrong_tag():
    text = "Harlow Mart cut prices. Harlow Mart opened stores. Shoppers liked Harlow Mart."
    names = mentions_in(text, ("Harlow Mart", "Person"), ("Harlow Mart", "Organization"), ("Harlow Mart", "Organization"))
    (entity,) = resolve_document("d1", text, names)
    assert entity.type == "Organization"
    assert entity.id == "organization:harlow-mart"


def test_known_aliases_join_names_and_set_canonical_name():
    text = "Big Blue reported results. Later the Armonk company said more."
    names = mentions_in(text, ("Big Blue", "Organization"))
    known = [KnownEntity("Imaginary Business Machines", "Organization", ("Big Blue",))]
    (entity,) = resolve_document("d1", text, names, known=known)
    assert entity.name == "Imaginary Business Machines"
    assert entity.id == "organization:imaginary-business-machines"


def test_pronoun_and_description_attach_to_salient_compatible_entity():
    text = "Calder Foods said on Monday that it will close a plant in Ostrava. The company employs 300 people."
    names = mentions_in(text, ("Calder Foods", "Organization"), ("Ostrava", "Location"))
    it_start = text.index(" it ") + 1
    company_start = text.index("The company")
    refs = [
        Reference(it_start, it_start + 2, "it", "pronoun", ("Organization", "Location"), "thing", 0),
        Reference(company_start, company_start + 11, "The company", "nominal", ("Organization",), "company", text.index("The company")),
    ]
    entities = by_name(resolve_document(
        "d1", text, names, refs, subjects=frozenset({0}), sentence_starts=[0, text.index("The company")],
    ))
    calder = entities["Calder Foods"]
    assert [(m.text, m.kind) for m in calder.mentions] == [("Calder Foods", "name"), ("it", "pronoun"), ("The company", "nominal")]
    assert all(m.entity == calder.id for m in calder.mentions)
    assert [m.kind for m in entities["Ostrava"].mentions] == ["name"]


def test_description_of_a_company_does_not_attach_to_a_ministry():
    text = "The Ministry of Transport fined the operator. The company appealed."
    names = mentions_in(text, ("Ministry of Transport", "Organization"))
    start = text.index("The company")
    refs = [Reference(start, start + 11, "The company", "nominal", ("Organization",), "company", start)]
    (entity,) = resolve_document("d1", text, names, refs, sentence_starts=[0, start])
    assert [m.kind for m in entity.mentions] == ["name"]


def test_canonical_name_prefers_full_form_over_acronym_and_drops_legal_suffix():
    assert canonical_name(["ACME", "Acme Widgets Corp", "Acme Widgets Corp"]) == "Acme Widgets"
    assert canonical_name(["U.S.", "United States"]) == "United States"


def _doc_entities(doc_id: str, text: str, spans):
    return doc_id, resolve_document(doc_id, text, mentions_in(text, *spans))


def test_across_documents_same_name_merges_and_surnames_do_not():
    first = _doc_entities("a", "Jane Okafor met Halvard Bank officials. Okafor left.",
                          [("Jane Okafor", "Person"), ("Halvard Bank", "Organization"), ("Okafor", "Person")])
    second = _doc_entities("b", "Peter Okafor joined Halvard Bank. Okafor smiled.",
                           [("Peter Okafor", "Person"), ("Halvard Bank", "Organization"), ("Okafor", "Person")])
    resolution = resolve_across([first, second])
    names = sorted(e.name for e in resolution.entities)
    assert names == ["Halvard Bank", "Jane Okafor", "Peter Okafor"]
    assert resolution.local_to_global[("a", "organization:halvard-bank")] == "organization:halvard-bank"
    assert resolution.local_to_global[("b", "organization:halvard-bank")] == "organization:halvard-bank"


def test_across_documents_acronym_alias_links_entities_and_is_order_independent():
    first = _doc_entities("a", "The Office of Fair Trade (OFT) ruled.", [("Office of Fair Trade", "Organization"), ("OFT", "Organization")])
    second = _doc_entities("b", "OFT officials said more.", [("OFT", "Organization")])
    third = _doc_entities("c", "Fair Trade rules apply.", [("Fair Trade", "Organization")])
    results = []
    for order in itertools.permutations([first, second, third]):
        resolution = resolve_across(list(order))
        results.append((resolution.entities, sorted(resolution.local_to_global.items())))
    assert all(r == results[0] for r in results)
    entities, mapping = results[0]
    assert dict(mapping)[("b", "organization:oft")] == "organization:office-of-fair-trade"


def test_a_lone_short_form_in_another_document_stays_that_documents_own():
    # Across documents only a shared full name merges: "Quorin" alone may be another Quorin,
    # and the second article's entities must not change with the articles beside it.
    first = _doc_entities("a", "Quorin Labs released a chip.", [("Quorin Labs", "Organization")])
    second = _doc_entities("b", "Quorin shares rose.", [("Quorin", "Organization")])
    resolution = resolve_across([first, second])
    assert resolution.local_to_global[("b", "organization:quorin")] == "organization:quorin"
    # A short form that joined its full name in its own document goes with that full name.
    third = _doc_entities("c", "Quorin Labs hired staff. Quorin said more.",
                          [("Quorin Labs", "Organization"), ("Quorin", "Organization")])
    resolution = resolve_across([first, second, third])
    assert resolution.local_to_global[("c", "organization:quorin-labs")] == "organization:quorin-labs"
    assert resolution.local_to_global[("b", "organization:quorin")] == "organization:quorin"


def test_a_person_never_joins_a_place_of_another_document_named_like_his_surname():
    first = _doc_entities("a", "Mayor Ellis Tarnow spoke. Tarnow left.", [("Ellis Tarnow", "Person"), ("Tarnow", "Person")])
    second = _doc_entities("b", "Floods hit Tarnow on Monday.", [("Tarnow", "Location")])
    resolution = resolve_across([first, second])
    assert resolution.local_to_global[("b", "location:tarnow")] == "location:tarnow"
    assert resolution.local_to_global[("a", "person:ellis-tarnow")] == "person:ellis-tarnow"


def test_a_wire_credit_after_a_dateline_defines_no_acronym():
    text = "PORT VELLA, Ruritania (AP) _ Officials said the port reopened."
    names = mentions_in(text, ("PORT VELLA", "Location"), ("Ruritania", "Location"), ("AP", "Organization"))
    entities = by_name(resolve_document("d1", text, names))
    assert set(entities) == {"PORT VELLA", "Ruritania", "AP"}
    assert entities["AP"].type == "Organization"
    text = "Marlow Heights (AP) _ Schools closed."
    names = mentions_in(text, ("Marlow Heights", "Location"), ("AP", "Organization"))
    assert len(resolve_document("d2", text, names)) == 2


def test_no_chain_through_a_shared_acronym_across_documents():
    first = _doc_entities("a", "Northgate Partners (NP) bought a mill. NP said so.",
                          [("Northgate Partners", "Organization"), ("NP", "Organization"), ("NP", "Organization")])
    second = _doc_entities("b", "Newport Press (NP) printed it. NP said so.",
                           [("Newport Press", "Organization"), ("NP", "Organization"), ("NP", "Organization")])
    third = _doc_entities("c", "NP declined to comment.", [("NP", "Organization")])
    resolution = resolve_across([first, second, third])
    names = sorted(e.name for e in resolution.entities)
    assert "Northgate Partners" in names and "Newport Press" in names
    mapping = resolution.local_to_global
    assert mapping[("a", "organization:northgate-partners")] != mapping[("b", "organization:newport-press")]


def test_a_shared_surname_goes_to_the_nearest_person_and_never_chains_two_people():
    text = "Tom Brenner spoke first. Brenner left early. Later his son Alex Brenner arrived. Brenner smiled."
    names = [Mention(text.index(s), text.index(s) + len(s.split()[0]) if s.startswith("Brenner") else text.index(s) + len(s),
                     s.split()[0] if s.startswith("Brenner") else s, "Person", "name")
             for s in ("Tom Brenner", "Brenner left", "Alex Brenner", "Brenner smiled")]
    entities = by_name(resolve_document("d1", text, names))
    assert set(entities) == {"Tom Brenner", "Alex Brenner"}
    tom = [m.start for m in entities["Tom Brenner"].mentions]
    alex = [m.start for m in entities["Alex Brenner"].mentions]
    assert tom == [0, text.index("Brenner left")]
    assert alex == [text.index("Alex Brenner"), text.index("Brenner smiled")]


def test_a_given_name_and_a_surname_both_join_the_full_name():
    text = "Gloria Vance won. Gloria thanked fans. Vance said she would return."
    names = [Mention(0, 12, "Gloria Vance", "Person", "name"), Mention(18, 24, "Gloria", "Person", "name"),
             Mention(39, 44, "Vance", "Person", "name")]
    (entity,) = resolve_document("d1", text, names)
    assert entity.name == "Gloria Vance"


def test_a_surname_the_tagger_typed_as_an_organisation_joins_its_person():
    text = "Kira Holm chairs the board. Holm said profits rose. Holm added that costs fell."
    names = [Mention(0, 9, "Kira Holm", "Person", "name")] + [
        Mention(i, i + 4, "Holm", "Organization", "name") for i in (28, 52)]
    (entity,) = resolve_document("d1", text, names)
    assert (entity.name, entity.type) == ("Kira Holm", "Person")


def test_a_name_does_not_join_what_is_named_after_it():
    text = "Acme sponsored the Acme Science Fair. Acme said entries doubled."
    names = mentions_in(text, ("Acme", "Organization"), ("Acme Science Fair", "Organization"), ("Acme", "Organization"))
    assert sorted(e.name for e in resolve_document("d1", text, names)) == ["Acme", "Acme Science Fair"]
    text = "Students of the University of Carvell met in Carvell. Carvell was cold."
    names = mentions_in(text, ("University of Carvell", "Organization"), ("Carvell", "Organization"), ("Carvell", "Organization"))
    assert sorted(e.name for e in resolve_document("d2", text, names)) == ["Carvell", "University of Carvell"]
    text = "The Department of Harbour Safety (DHS) met. Harbour Safety officials left."
    names = mentions_in(text, ("Department of Harbour Safety", "Organization"), ("DHS", "Organization"), ("Harbour Safety", "Organization"))
    (entity,) = resolve_document("d3", text, names)
    assert set(entity.aliases) == {"DHS", "Harbour Safety"}


def test_load_aliases_formats_and_errors(tmp_path):
    as_json = tmp_path / "known.json"
    as_json.write_text(json.dumps([{"name": "Acme Widgets", "type": "Organization", "aliases": ["AW"]}]))
    as_csv = tmp_path / "known.csv"
    as_csv.write_text("name,type,aliases\nAcme Widgets,Organization,AW|Acme\n")
    assert load_aliases(as_json) == (KnownEntity("Acme Widgets", "Organization", ("AW",)),)
    assert load_aliases(as_csv) == (KnownEntity("Acme Widgets", "Organization", ("AW", "Acme")),)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps([{"name": "X", "type": "Company"}]))
    with pytest.raises(UsageError, match="entry 1"):
        load_aliases(bad)
    with pytest.raises(UsageError, match="cannot read"):
        load_aliases(tmp_path / "missing.json")


def test_a_demonym_is_a_mention_of_its_country_with_the_reason():
    from kg.extract.resolve import known_entities

    text = "The Norwegian skier won. Norway celebrated."
    found = mentions_in(text, ("Norwegian", "Group"), ("Norway", "Location"))
    entities = resolve_document("d", text, found, [], known=known_entities())
    assert [(e.name, e.type) for e in entities] == [("Norway", "Location")]
    assert [(m.name, m.reason) for m in entities[0].merged_from] == [("Norwegian", "known alias of Norway")]


def test_a_country_name_does_not_claim_a_person():
    from kg.extract.resolve import known_entities

    text = "Jordan scored twice."
    entities = resolve_document("d", text, mentions_in(text, ("Jordan", "Person")), [], known=known_entities())
    assert [(e.name, e.type) for e in entities] == [("Jordan", "Person")]


def test_a_users_alias_overrides_the_built_in_countries(tmp_path):
    from kg.extract.resolve import known_entities

    path = tmp_path / "aliases.json"
    path.write_text(json.dumps([{"name": "Norse Lines", "type": "Organization", "aliases": ["Norwegian"]}]))
    known = known_entities(path)
    assert known[0].name == "Norse Lines"
    assert not any("Norwegian" in k.aliases for k in known[1:])


def test_a_place_and_the_city_named_after_it_stay_apart_in_and_across_documents():
    text = "She was born in Varna City, Varna, and later moved."
    single = resolve_document("d1", text, mentions_in(text, ("Varna City", "Location"), ("Varna", "Location")))
    assert sorted(e.name for e in single) == ["Varna", "Varna City"]
    # Within one document the pair was already weighed: the corpus-wide pass must not join them.
    resolution = resolve_across([("d1", single)])
    assert sorted(e.name for e in resolution.entities) == ["Varna", "Varna City"]
    other = _doc_entities("d2", "Varna City grew.", [("Varna City", "Location")])
    lone = _doc_entities("d3", "Varna voted.", [("Varna", "Location")])
    assert sorted(e.name for e in resolve_across([other, lone]).entities) == ["Varna", "Varna City"]


def test_a_short_form_of_a_multi_word_place_without_a_designator_still_merges():
    text = "Floods hit Port Calden on Monday. Calden reopened its harbour."
    found = resolve_document("d1", text, mentions_in(text, ("Port Calden", "Location"), ("Calden", "Location")))
    assert [(e.name, tuple(m.reason for m in e.merged_from)) for e in found] == [
        ("Port Calden", ("short form of Port Calden",))]


def test_the_state_of_a_place_is_the_place_and_a_gulf_of_it_is_not():
    text = "The State of Varnia sued. Varnia lost. The Gulf of Varnia froze."
    names = [Mention(4, 19, "State of Varnia", "Location", "name"), Mention(26, 32, "Varnia", "Location", "name"),
             Mention(43, 58, "Gulf of Varnia", "Location", "name")]
    assert sorted((e.name, e.aliases) for e in resolve_document("d1", text, names)) == [
        ("Gulf of Varnia", ()), ("State of Varnia", ("Varnia",))]


def _pronoun(text, word, nth=0, feature="male"):
    start = -1
    for _ in range(nth + 1):
        start = text.index(f" {word} ", start + 1) + 1
    types = ("Person",) if feature in {"male", "female"} else ("Organization", "Group", "Person")
    return Reference(start, start + len(word), word, "pronoun", types, feature, 0)


def test_a_pronoun_agrees_in_gender_with_the_first_name_and_they_is_no_single_person():
    text = "Thomas Vance met his niece Maria Lund on Monday. Vance said she would stay. They left."
    names = [Mention(0, 12, "Thomas Vance", "Person", "name"), Mention(27, 37, "Maria Lund", "Person", "name"),
             Mention(49, 54, "Vance", "Person", "name")]
    refs = [_pronoun(text, "she", feature="female"),
            Reference(76, 80, "They", "pronoun", ("Organization", "Group", "Person"), "plural", 76)]
    entities = by_name(resolve_document("d1", text, names, refs, sentence_starts=[0, 49, 76]))
    assert [m.text for m in entities["Maria Lund"].mentions] == ["Maria Lund", "she"]
    assert [m.text for m in entities["Thomas Vance"].mentions] == ["Thomas Vance", "Vance"]


def test_a_surname_typed_as_an_organisation_goes_to_the_nearest_of_two_people():
    text = "Ana Voss and Pia Voss spoke. Voss said more."
    names = [Mention(0, 8, "Ana Voss", "Person", "name"), Mention(13, 21, "Pia Voss", "Person", "name"),
             Mention(29, 33, "Voss", "Organization", "name")]
    entities = by_name(resolve_document("d1", text, names))
    assert set(entities) == {"Ana Voss", "Pia Voss"}
    assert [m.text for m in entities["Pia Voss"].mentions] == ["Pia Voss", "Voss"]


def test_a_persons_full_name_inside_a_longer_name_is_a_mention_of_the_person():
    text = "Ada Rusk painted. The Ada Rusk Foundation sold prints."
    names = [Mention(0, 8, "Ada Rusk", "Person", "name"), Mention(22, 41, "Ada Rusk Foundation", "Organization", "name")]
    entities = by_name(resolve_document("d1", text, names, sentence_starts=[0, 18]))
    assert [m.start for m in entities["Ada Rusk"].mentions] == [0, 22]
    assert [m.text for m in entities["Ada Rusk Foundation"].mentions] == ["Ada Rusk Foundation"]


@pytest.mark.parametrize("region", ["Western Varnia", "Southern Varnia", "Central Varnia", "Northeastern Varnia"])
def test_a_region_named_by_a_compass_word_is_not_its_country(region):
    text = f"Floods hit {region} on Monday. Varnia sent troops."
    found = resolve_document("d1", text, mentions_in(text, (region, "Location"), ("Varnia", "Location")))
    assert sorted((e.name, e.aliases) for e in found) == sorted([(region, ()), ("Varnia", ())])


def test_a_country_inside_another_places_name_is_no_mention_of_the_country():
    text = "Varnia sent aid. Floods hit South Varnia and Varnia City, while the Museum of Varnia closed."
    found = resolve_document("d1", text, mentions_in(
        text, ("Varnia", "Location"), ("South Varnia", "Location"), ("Varnia City", "Location"),
        ("Museum of Varnia", "Facility")))
    country = next(e for e in found if e.name == "Varnia")
    # the museum's place is a mention of the country; the two other places' names are not
    assert [text[m.start:m.end + 7] for m in country.mentions] == ["Varnia sent a", "Varnia closed"]


def test_a_town_keeps_its_name_as_the_text_qualifies_it():
    text = "Lena Ostrow was born in Millbrook, Conn., and moved to Paris, France, and then to Texas."
    found = by_name(resolve_document("d", text, mentions_in(
        text, ("Lena Ostrow", "Person"), ("Millbrook", "Location"), ("Conn.", "Location"),
        ("Paris", "Location"), ("France", "Location"), ("Texas", "Location"))))
    assert "Millbrook, Conn." in found["Millbrook"].aliases
    assert "Paris, France" in found["Paris"].aliases
    # a state or country is not qualified by what follows it, nor a name by a person's
    assert found["France"].aliases == () and found["Conn."].aliases == () and found["Lena Ostrow"].aliases == ()


def test_a_name_met_once_with_a_slip_joins_the_person_it_nearly_spells():
    text = ("Curator Miriam Halvorsen opened the show. Halvorson said the prints came in May. "
            "Tobias Kellerman spoke next, and Tobias Kellermann thanked the donors.")
    found = resolve_document("d", text, mentions_in(
        text, ("Miriam Halvorsen", "Person"), ("Halvorson", "Person"),
        ("Tobias Kellerman", "Person"), ("Tobias Kellermann", "Person")))
    groups = sorted(sorted(m.text for m in e.mentions) for e in found)
    assert groups == [["Halvorson", "Miriam Halvorsen"], ["Tobias Kellerman", "Tobias Kellermann"]]


@pytest.mark.parametrize("text, spans", [
    # two people it nearly spells: neither
    ("Anna Berger and Lukas Burger spoke. Barger left early.",
     (("Anna Berger", "Person"), ("Lukas Burger", "Person"), ("Barger", "Person"))),
    # a different given name is another person, however close the surname
    ("Anna Berger met Lukas Bergen on Monday.", (("Anna Berger", "Person"), ("Lukas Bergen", "Person"))),
    # short words are not slips: "Lee" and "Lea" are two names
    ("Tom Lee arrived, and Lea said hello.", (("Tom Lee", "Person"), ("Lea", "Person"))),
])
def test_near_spellings_that_are_other_people_stay_apart(text, spans):
    found = resolve_document("d", text, mentions_in(text, *spans))
    assert len(found) == len(spans)


def test_a_surname_opening_a_sentence_is_the_person_unless_the_text_uses_the_word_lower_case():
    text = "Kara Vellin curates the show. Vellin said it would travel. Rose Marr paints. Rose bushes rose there."
    names = mentions_in(text, ("Kara Vellin", "Person"), ("Rose Marr", "Person"))
    starts = [0, text.index("Vellin said"), text.index("Rose Marr"), text.index("Rose bushes")]
    entities = by_name(resolve_document("d1", text, names, sentence_starts=starts))
    assert [m.text for m in entities["Kara Vellin"].mentions] == ["Kara Vellin", "Vellin"]
    assert [m.text for m in entities["Rose Marr"].mentions] == ["Rose Marr"]  # "rose" is a word here


def test_a_surname_the_tagger_once_typed_otherwise_still_propagates_as_the_person():
    text = "Ivo Dragan scored twice. Later Dragan (the forward) was booked, and fans cheered Dragan again."
    later = text.index("Dragan (")
    names = [*mentions_in(text, ("Ivo Dragan", "Person")), Mention(later, later + 6, "Dragan", "Location")]
    entities = by_name(resolve_document("d1", text, names, sentence_starts=[0, text.index("Later")]))
    assert [m.text for m in entities["Ivo Dragan"].mentions] == ["Ivo Dragan", "Dragan", "Dragan"]
    assert entities["Ivo Dragan"].type == "Person"


def test_a_noun_predicated_of_a_pronoun_goes_where_the_pronoun_went():
    text = "Mara Olsen spoke. She is a lawyer."
    she, lawyer = text.index("She"), text.index("a lawyer")
    refs = [
        Reference(she, she + 3, "She", "pronoun", ("Person",), "female", 18),
        Reference(lawyer, lawyer + 8, "a lawyer", "nominal", ("Person",), "lawyer", 18, bound=(she, she + 3)),
    ]
    entities = by_name(resolve_document("d1", text, mentions_in(text, ("Mara Olsen", "Person")), refs,
                                        sentence_starts=[0, 18]))
    assert [m.text for m in entities["Mara Olsen"].mentions] == ["Mara Olsen", "She", "a lawyer"]


def test_a_noun_predicated_of_an_unresolved_pronoun_stays_unresolved():
    text = "Calder Foods spoke. She is a lawyer."
    she, lawyer = text.index("She"), text.index("a lawyer")
    refs = [
        Reference(she, she + 3, "She", "pronoun", ("Person",), "female", 20),
        Reference(lawyer, lawyer + 8, "a lawyer", "nominal", ("Person", "Organization"), "lawyer", 20, bound=(she, she + 3)),
    ]
    entities = by_name(resolve_document("d1", text, mentions_in(text, ("Calder Foods", "Organization")), refs,
                                        sentence_starts=[0, 20]))
    assert [m.text for m in entities["Calder Foods"].mentions] == ["Calder Foods"]


def test_they_after_a_plural_noun_of_people_is_not_the_earlier_organisation():
    def attached(text):
        they = text.index("They")
        refs = [Reference(they, they + 4, "They", "pronoun", ("Organization", "Group", "Person"), "plural", they)]
        if "parents" in text:
            parents = text.index("parents")
            refs.append(Reference(parents, parents + 7, "parents", "people", ("Person",), "parent", 0))
        entities = by_name(resolve_document("d1", text, mentions_in(text, ("Calder Foods", "Organization")), refs,
                                            sentence_starts=[0, they]))
        return [m.text for m in entities["Calder Foods"].mentions]

    assert attached("Calder Foods sued the parents. They appealed.") == ["Calder Foods"]
    assert attached("Calder Foods sued the town. They appealed.") == ["Calder Foods", "They"]


def test_a_surname_opening_a_longer_name_is_the_person_not_inside_another_persons_name():
    text = "Ada Rusk painted. The Rusk Foundation sold prints. Tom Rusk bought one."
    names = mentions_in(text, ("Ada Rusk", "Person"), ("Rusk Foundation", "Organization"), ("Tom Rusk", "Person"))
    entities = by_name(resolve_document("d1", text, names, sentence_starts=[0, 18, 51]))
    assert [(m.start, m.text) for m in entities["Ada Rusk"].mentions] == [(0, "Ada Rusk"), (22, "Rusk")]
    assert [m.text for m in entities["Rusk Foundation"].mentions] == ["Rusk Foundation"]


def test_a_surname_in_the_possessive_is_a_mention_of_the_person():
    text = "Lena Okafor spoke. Okafor's office declined."
    entities = by_name(resolve_document("d1", text, mentions_in(text, ("Lena Okafor", "Person")), sentence_starts=[0, 19]))
    assert [m.text for m in entities["Lena Okafor"].mentions] == ["Lena Okafor", "Okafor"]


def test_a_countrys_people_are_its_team_where_the_country_is_a_team():
    text = "Norway beat Chile 2-0. The Norwegians scored early."
    names = [Mention(0, 6, "Norway", "Organization", "name"), Mention(12, 17, "Chile", "Organization", "name"),
             Mention(27, 37, "Norwegians", "Group", "name")]
    entities = by_name(resolve_document("d1", text, names, known=default_known(), sentence_starts=[0, 23]))
    assert set(entities) == {"Norway", "Chile"}
    assert entities["Norway"].type == "Organization"
    assert [m.text for m in entities["Norway"].mentions] == ["Norway", "Norwegians"]


def test_a_countrys_people_in_the_plural_are_a_group_beside_the_country_as_a_place():
    text = "Floods hit Norway. The Norwegians rebuilt."
    names = [Mention(11, 17, "Norway", "Location", "name"), Mention(23, 33, "Norwegians", "Group", "name")]
    entities = by_name(resolve_document("d1", text, names, known=default_known(), sentence_starts=[0, 19]))
    assert sorted((e.name, e.type) for e in entities.values()) == [("Norway", "Location"), ("Norwegians", "Group")]


def test_a_countrys_people_alone_are_not_made_the_country_in_one_document_or_across_documents():
    first, second = "Many Norwegians fled.", "Norwegians voted."
    docs = [resolve_document(doc_id, text, mentions_in(text, ("Norwegians", "Group")), [], known=default_known())
            for doc_id, text in (("d1", first), ("d2", second))]
    assert [[(e.name, e.type) for e in entities] for entities in docs] == [[("Norwegians", "Group")]] * 2
    merged = resolve_across(list(zip(("d1", "d2"), docs)), known=default_known())
    assert [(e.name, e.type) for e in merged.entities] == [("Norwegians", "Group")]
    assert {merged.local_to_global[d, entities[0].id] for d, entities in zip(("d1", "d2"), docs)} == {merged.entities[0].id}


def test_a_known_place_claims_its_adjective_but_not_its_people():
    from kg.extract.resolve import KnownEntity

    entry = KnownEntity("Norway", "Location", ("Norwegian", "Norwegians"), applies_to=("Location", "Group"))
    assert entry.claims("Group", "Norwegian") and entry.claims("Location", "Norway")
    assert not entry.claims("Group", "Norwegians") and not entry.claims("Person", "Norwegian")


def test_a_crafts_own_name_is_a_short_form_of_its_full_name():
    text = "Space Shuttle Halden flew in May. Halden landed safely."
    names = [Mention(0, 19, "Space Shuttle Halden", "Product", "name"), Mention(34, 40, "Halden", "Location", "name")]
    entities = resolve_document("d1", text, names, sentence_starts=[0, 34])
    assert [(e.name, e.type, len(e.mentions)) for e in entities] == [("Space Shuttle Halden", "Product", 2)]


def test_a_surname_that_also_opens_a_company_name_is_not_made_the_persons():
    text = "Ada Rusk founded Rusk Motors. Rusk sells cars. Rusk hired staff."
    names = mentions_in(text, ("Ada Rusk", "Person"), ("Rusk Motors", "Organization")) + [
        Mention(30, 34, "Rusk", "Organization", "name")]
    entities = by_name(resolve_document("d1", text, names, sentence_starts=[0, 30, 47]))
    assert [m.text for m in entities["Ada Rusk"].mentions] == ["Ada Rusk"]


def test_a_one_word_fragment_of_a_full_name_given_elsewhere_is_that_name():
    text = "Ivo Marr scored early. Later, Lena Holt and Ivo Marr both missed."
    second = text.rindex("Ivo")
    names = [Mention(0, 8, "Ivo Marr", "Person", "name"), Mention(30, 39, "Lena Holt", "Person", "name"),
             Mention(second, second + 3, "Ivo", "Organization", "name")]
    entities = resolve_document("d", text, names)
    marr = [e for e in entities if e.name == "Ivo Marr"]
    assert len(marr) == 1 and len(marr[0].mentions) == 2
    assert not [e for e in entities if e.name == "Ivo"]
