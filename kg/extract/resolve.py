"""Entity resolution: which mentions are one entity, inside a document and across documents.

Every merge is recorded with its reason (``Entity.merged_from``), so an analyst can audit it and
a wrong merge can be undone with an ``--aliases`` entry. The rules, in order:

1. same name (case, punctuation, a leading "the", a possessive and legal suffixes aside);
2. an acronym defined in the text ("Department of Commerce (DOC)") or spelling a name's initials;
3. a short form of a name already in the document ("Acme" after "Acme Corp", "Smith" after
   "Jane Smith"), never across a person/organisation divide;
4. known entities from an aliases file;
5. pronouns and definite descriptions ("it", "the company") to the salient compatible entity.

Across documents, entities merge on a shared full name or alias of compatible type, never on a
short form alone (a document that only says "Smith" or "Acme" keeps its own entity, so what kg
says about one article does not depend on the others in the run), and never when some other
name of the two would not fit (no chains through a shared acronym or alias).
"""
from __future__ import annotations

import bisect
import csv
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..errors import UsageError
from ..ids import entity_id, name_key
from ..types import ENTITY_TYPES, Entity, Merge, Mention, Reference
from .names import (
    BUILDING_HEADS, DESCRIPTION_CLASSES, EVENT_HEADS, HONORIFIC_GENDERS, LEGAL_SUFFIXES, NAMED_AFTER_HEADS,
    ORG_DESIGNATORS, PERSON_NOUNS, given_name_gender, is_place_word, is_region, vessel_prefix,
)
from .places import PlaceLink, bare_link, link_place, place_entity_id, place_kinds

__all__ = [
    "KnownEntity",
    "default_known",
    "known_entities",
    "load_aliases",
    "resolve_document",
    "GlobalResolution",
    "resolve_across",
    "match_key",
    "canonical_name",
]

_ACRONYM = re.compile(r"^[A-Z](?:[A-Z&]|\.(?=[A-Z]))+\.?$|^(?:[A-Z]\.){2,}$")
_MINOR_WORDS = frozenset({"of", "and", "the", "for", "&", "on", "in", "de", "du", "der", "la", "le", "y"})
_GOVERNMENT_WORDS = frozenset(
    "department ministry agency administration government court commission council committee "
    "bureau authority parliament congress senate office".split()
)
# Last words that make a multi-word name complete on its own: a longer name starting with it is
# another place or institution, named after it.
_PLACE_DESIGNATORS = frozenset(
    "center centre complex museum stadium arena airport station university college school "
    "hospital institute park hall library gallery".split()
)
_PRONOUN_WINDOW = 3  # sentences back a pronoun may reach
_NOMINAL_WINDOW = 6
_FARTHEST_DESCRIPTION = 40  # "the department" may name an entity met this many sentences before


@dataclass(frozen=True, slots=True)
class KnownEntity:
    """One line of an ``--aliases`` file, or of kg's own list of countries."""

    name: str
    type: str
    aliases: tuple[str, ...] = ()
    # Empty: the entry claims any mention with its names. Otherwise only mentions (and entities)
    # of these types: the country "Jordan" must not swallow the person "Jordan".
    applies_to: tuple[str, ...] = ()

    def claims(self, entity_type: str, name: str = "") -> bool:
        """Does the entry take a mention (or entity) of this type with this name? Not a place's
        people named in the plural ("Afghans fled", "many Americans"): they are a group of
        people, not the country; its adjective ("Afghan officials") still names the country."""
        if self.applies_to and entity_type not in self.applies_to:
            return False
        return not (entity_type == "Group" and self.type == "Location" and self._people(name))

    def _people(self, name: str) -> bool:
        key = match_key(name)
        return key.endswith("s") and key[:-1] in _alias_keys(self)


@lru_cache(maxsize=4096)
def _alias_keys(entry: KnownEntity) -> frozenset[str]:
    return frozenset(match_key(a) for a in entry.aliases)


_COUNTRY_TYPES = ("Location", "Group")


@lru_cache(maxsize=1)
def default_known() -> tuple[KnownEntity, ...]:
    """kg's own known entities: countries with their other names and demonyms
    (kg/data/countries.tsv), claiming only place and nationality mentions."""
    text = resources.files("kg").joinpath("data", "countries.tsv").read_text(encoding="utf-8")
    known = []
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, _, others = line.partition("\t")
        aliases = tuple(a.strip() for a in others.split("|") if a.strip())
        known.append(KnownEntity(name.strip(), "Location", aliases, applies_to=_COUNTRY_TYPES))
    return tuple(known)


def known_entities(aliases_path: str | Path | None = None) -> tuple[KnownEntity, ...]:
    """The entities resolution knows in advance: the user's ``--aliases`` file first, then kg's
    countries, less any country one of the user's names already claims."""
    user = load_aliases(aliases_path) if aliases_path else ()
    taken = {match_key(n) for entry in user for n in (entry.name, *entry.aliases)}
    countries = tuple(e for e in default_known()
                      if not {match_key(n) for n in (e.name, *e.aliases)} & taken)
    return (*user, *countries)


def load_aliases(path: str | Path) -> tuple[KnownEntity, ...]:
    """Read known entities from JSON (a list), JSON lines or CSV (``name,type,aliases`` with
    aliases separated by ``|``)."""
    file = Path(path)
    try:
        raw = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read aliases file {path}: {exc.strerror}") from exc
    except UnicodeDecodeError:
        raise UsageError(f"aliases file {path} is not UTF-8 text") from None
    rows: list[Mapping] = []
    try:
        if file.suffix == ".csv":
            rows = [
                {"name": r.get("name", ""), "type": r.get("type", ""),
                 "aliases": [a.strip() for a in (r.get("aliases") or "").split("|") if a.strip()]}
                for r in csv.DictReader(raw.splitlines())
            ]
        elif raw.lstrip().startswith("["):
            rows = json.loads(raw)
        else:
            rows = [json.loads(line) for line in raw.splitlines() if line.strip()]
    except (json.JSONDecodeError, csv.Error) as exc:
        raise UsageError(f"aliases file {path} is not valid JSON, JSON lines or CSV: {exc}") from exc
    except RecursionError:
        raise UsageError(f"aliases file {path} is not kg's aliases: JSON nested too deeply") from None
    if not isinstance(rows, list):
        raise UsageError(f"aliases file {path}: expected a list of entries")
    known = []
    for number, row in enumerate(rows, 1):
        if not isinstance(row, Mapping) or not row.get("name") or row.get("type") not in ENTITY_TYPES:
            raise UsageError(f"aliases file {path}, entry {number}: needs a name and a type from {', '.join(ENTITY_TYPES)}")
        aliases = row.get("aliases") or []
        # "aliases": "DHS" would otherwise be the aliases D, H and S.
        if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
            raise UsageError(f"aliases file {path}, entry {number}: aliases must be a list of strings, "
                             f"not {json.dumps(aliases, ensure_ascii=False)[:60]}")
        known.append(KnownEntity(str(row["name"]), str(row["type"]), tuple(aliases)))
    return tuple(known)


@lru_cache(maxsize=1 << 16)
def match_key(name: str) -> str:
    """The key two names must share to be the same name: ``name_key`` without legal suffixes.
    (Cached: the same names come back in every document.)"""
    words = name_key(name).split()
    while len(words) > 1 and (words[-1] in LEGAL_SUFFIXES or words[-1] + "." in LEGAL_SUFFIXES):
        words.pop()
    return " ".join(words)


def _is_acronym(text: str) -> bool:
    return bool(_ACRONYM.match(text.strip())) and 2 <= sum(ch.isalpha() for ch in text) <= 8


def _initials(name: str) -> str:
    words = [w for w in re.split(r"[\s\-]+", name) if w and w.lower() not in _MINOR_WORDS]
    return "".join(w[0].upper() for w in words if w[0].isalpha())


def _acronym_letters(text: str) -> str:
    return "".join(ch for ch in text if ch.isalpha()).upper()


def _person_side(entity_type: str) -> bool:
    return entity_type == "Person"


class _UnionFind:
    """Union-find whose unions can be vetoed: ``labels`` gives each item the names it stands for,
    and two groups join only when every name of one fits every name of the other (``fits``).
    So a merge never chains through a third name: "AP" joined to one city cannot bring in
    another city, nor "Smith" a second Smith of another given name."""

    def __init__(self, size: int, labels: Sequence[frozenset] | None = None, fits=None,
                 owners: Sequence[frozenset] | None = None, places: Sequence[frozenset] | None = None) -> None:
        self.parent = list(range(size))
        self.labels: list[frozenset] | None = list(labels) if labels is not None else None
        self.fits = fits
        # Optional: what each item belongs to (its document); two groups of one owner never join.
        self.owners: list[frozenset] | None = list(owners) if owners is not None else None
        # Optional: the place each item is (its GeoNames id, or nothing); two places never join.
        self.places: list[frozenset] | None = list(places) if places is not None else None

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def can_join(self, a: int, b: int, *, names: bool = True) -> bool:
        """``names=False``: the owners and places vetoes only (one GeoNames place under two names)."""
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b:
            return True
        if self.owners is not None and self.owners[root_a] & self.owners[root_b]:
            return False
        if self.places is not None and self.places[root_a] and self.places[root_b] and self.places[root_a] != self.places[root_b]:
            return False
        if self.labels is None or self.fits is None or not names:
            return True
        return self.fits(self.labels[root_a], self.labels[root_b])

    def union(self, a: int, b: int, *, names: bool = True) -> bool:
        root_a, root_b = self.find(a), self.find(b)
        if root_a == root_b or not self.can_join(root_a, root_b, names=names):
            return False
        # The earlier mention stays the root, so results do not depend on the order of unions.
        low, high = sorted((root_a, root_b))
        self.parent[high] = low
        if self.labels is not None:
            self.labels[low] = self.labels[low] | self.labels[high]
        if self.owners is not None:
            self.owners[low] = self.owners[low] | self.owners[high]
        if self.places is not None:
            self.places[low] = self.places[low] | self.places[high]
        return True

    def groups(self) -> dict[int, list[int]]:
        found: dict[int, list[int]] = defaultdict(list)
        for item in range(len(self.parent)):
            found[self.find(item)].append(item)
        return found


# Words after a surname that are not part of a given name or surname ("John Smith Jr.").
_NAME_SUFFIXES = frozenset("jr sr ii iii iv".split())
# "University of X", "Bank of X", "Gulf of X": X is a place or person the name is about, not a
# short form. Government bodies are the exception: "Coastal Affairs" for its department.
_OF_HEADS_KEEPING_SHORT_FORMS = frozenset(
    "department ministry office bureau agency directorate secretariat commission "
    # "the State of X", "the Republic of X": the place itself
    "state republic kingdom commonwealth principality emirate sultanate duchy".split()
)


def _person_words(words: Sequence[str]) -> list[str]:
    words = list(words)
    while len(words) > 1 and words[-1] in _NAME_SUFFIXES:
        words.pop()
    return words


def _given_names_fit(a: str, b: str) -> bool:
    """"John" and "J" fit; "John" and "Mary" do not."""
    return a == b or (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def _near_spelling(a: str, b: str) -> bool:
    """Two spellings of one name word, one of them a slip ("Halvorsen" and "Halvorson",
    "Kellerman" and "Kellermann"): the same first letter, at least five letters, one edit apart (two in long words)."""
    from rapidfuzz.distance import Levenshtein

    if a == b or a[:1] != b[:1] or min(len(a), len(b)) < 5 or not (a.isalpha() and b.isalpha()):
        return False
    return Levenshtein.distance(a, b, score_cutoff=2) <= (2 if min(len(a), len(b)) >= 8 else 1)


def _person_names_fit(a: Sequence[str], b: Sequence[str]) -> bool:
    """Two person names can be one person: one is a part of the other ("Smith", "John Smith",
    "John F. Smith"), or they share the surname and fitting given names ("J. Smith"); a name
    word may be misspelt once (see :func:`_near_spelling`)."""
    a, b = _person_words(a), _person_words(b)
    if len(a) > len(b):
        a, b = b, a
    if len(a) == 1:
        return a[0] in b or _near_spelling(a[0], b[-1])
    if a[-1] != b[-1] and not (_near_spelling(a[-1], b[-1]) and a[0] == b[0]):
        return False
    if not _given_names_fit(a[0], b[0]) and not (_near_spelling(a[0], b[0]) and a[-1] == b[-1]):
        return False
    middle_a, middle_b = a[1:-1], b[1:-1]
    return not middle_a or not middle_b or all(
        any(_given_names_fit(x, y) for y in middle_b) for x in middle_a)


def _is_part(short: Sequence[str], long: Sequence[str]) -> bool:
    """Is ``short`` a run of consecutive words of ``long``?"""
    size = len(short)
    return 0 < size < len(long) and any(tuple(long[i:i + size]) == tuple(short) for i in range(len(long) - size + 1))


def _subsequence(needle: str, haystack: str) -> bool:
    rest = iter(haystack)
    return all(ch in rest for ch in needle)


def _acronym_fits(acronym: str, name: str) -> bool:
    """Can ``acronym`` stand for ``name``? Its letters hold the initials of the name's main
    words in order ("DCA" and "Coastal Affairs"), or the initials of all its words hold the
    acronym's letters ("DoD", "Department of Defense"); a one-word name is spelt by no acronym
    (but an acronym that is one of the name's words is part of it: "NRW" in "University of NRW")."""
    letters = _acronym_letters(acronym)
    words = [w for w in re.split(r"[\s\-/]+", name) if w and w[0].isalnum()]
    if match_key(acronym) in match_key(name).split():
        return True
    if len(words) < 2 or not letters:
        return False
    main = "".join(w[0].upper() for w in words if w.lower() not in _MINOR_WORDS and w[0].isalpha())
    every = "".join(w[0].upper() for w in words if w[0].isalpha())
    return (len(main) >= 2 and _subsequence(main, letters)) or _subsequence(letters, every)


def _acronym_defines(acronym: str, name: str) -> bool:
    """"World Trade Body (WTB)": an acronym in parentheses names what precedes it only when its
    letters fit that name and start where it starts. "SAN FRANCISCO (AP)", "Houston (AP)":
    a wire credit after a dateline defines nothing."""
    letters = _acronym_letters(acronym)
    words = [w for w in re.split(r"[\s\-/]+", name) if w and w[0].isalpha() and w.lower() != "the"]
    return bool(letters) and len(words) >= 2 and words[0][0].upper() == letters[0] and _acronym_fits(acronym, name)


@lru_cache(maxsize=1 << 16)
def _names_fit(a: str, a_type: str, b: str, b_type: str) -> bool:
    """Can two names (with their mentions' types) be one entity? Not whether they are: this
    only rules merges out. Same key fits; an acronym fits the names it can spell; a person fits
    a person whose name holds it or shares surname and given name, and a single word that is
    its surname (a surname the tagger mistyped); other names fit when one is part of the other."""
    key_a, key_b = match_key(a), match_key(b)
    if not key_a or not key_b or key_a == key_b:
        return True
    acronym_a, acronym_b = _is_acronym(a), _is_acronym(b)
    if acronym_a and acronym_b:
        return _acronym_letters(a) == _acronym_letters(b)
    if acronym_a or acronym_b:
        acronym, other, other_type = (a, b, b_type) if acronym_a else (b, a, a_type)
        return other_type != "Person" and _acronym_fits(acronym, other)
    words_a, words_b = key_a.split(), key_b.split()
    person_a, person_b = a_type == "Person", b_type == "Person"
    if person_a and person_b:
        return _person_names_fit(words_a, words_b)
    if person_a or person_b:
        person, other = (words_a, words_b) if person_a else (words_b, words_a)
        return len(other) == 1 and other[0] == _person_words(person)[-1] and len(person) > 1
    return _is_part(words_a, words_b) or _is_part(words_b, words_a)


def _covers(full: tuple[str, str], part: tuple[str, str]) -> bool:
    """Is ``part`` a short form or acronym of ``full``?"""
    if full == part:
        return True
    if _is_acronym(part[0]):
        return not _is_acronym(full[0]) and _names_fit(*full, *part)
    long, short = match_key(full[0]).split(), match_key(part[0]).split()
    return (long == short or _is_part(short, long)) and _names_fit(*full, *part)


def _labels_fit(first: frozenset, second: frozenset, known: Mapping[str, KnownEntity] | None = None) -> bool:
    """Can two groups of (name, type) labels be one entity? Each name of one must fit each name
    of the other, be names of one known entity ("Norway", "Norwegian"), or both be parts of one
    name of the two ("Gloria" and "Smith" of "Gloria Smith")."""
    every = first | second
    for x in first:
        for y in second:
            if x == y or _names_fit(*x, *y):
                continue
            if known:
                entry = known.get(match_key(x[0]))
                if entry is not None and entry is known.get(match_key(y[0])):
                    continue
            if not any(_covers(z, x) and _covers(z, y) for z in every):
                return False
    return True


def canonical_name(names: Iterable[str]) -> str:
    """The fullest common form: not an acronym, most words, most frequent, then alphabetical;
    a trailing legal suffix is dropped ("Acme Corp" -> "Acme")."""
    counts = Counter(names)
    best = max(counts, key=lambda n: (not _is_acronym(n), len(name_key(n).split()), counts[n], _neg(n)))
    words = best.split()
    while len(words) > 1 and words[-1].lower().rstrip(",") in LEGAL_SUFFIXES | {w.rstrip(".") for w in LEGAL_SUFFIXES}:
        words.pop()
        if words and words[-1].endswith(","):
            words[-1] = words[-1][:-1]
    return " ".join(words)


def _neg(text: str) -> tuple[int, ...]:
    # Reverse alphabetical order key, so max() picks the alphabetically first on ties.
    return tuple(-ord(ch) for ch in text)


def _extend_to_known_suffix(mentions: list[Mention], text: str) -> list[Mention]:
    """"Northwind traders" where NER tagged only "Northwind": extend a mention over the next words
    when together they spell the tail of a longer name in the same document."""
    tails = {
        " ".join(words[i:]): m.type
        for m in mentions
        for words in [match_key(m.text).split()]
        if len(words) >= 3
        for i in range(1, len(words) - 1)
    }
    extended = []
    for m in mentions:
        following = text[m.end:m.end + 60]
        pieces = re.findall(r"[ \t]+[\w&.'’-]+", re.match(r"(?:[ \t]+[\w&.'’-]+){0,2}", following).group(0))
        best = m
        for count in range(len(pieces), 0, -1):
            candidate = m.text + "".join(pieces[:count])
            key = match_key(candidate)
            if key in tails and tails[key] != "Person" and m.type != "Person":
                best = replace(m, end=m.end + len("".join(pieces[:count])), text=candidate, type=tails[key])
                break
        extended.append(best)
    return extended


_CALENDAR_WORDS = frozenset(
    "january february march april may june july august september october november december "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)


def _full_names_of_fragments(mentions: Sequence[Mention], text: str) -> list[Mention]:
    """A one-word name of another type the tagger cut off a person's full name that the text
    gives elsewhere ("Ivo" tagged an organisation in "... and Ivo Marr scored", "Ivo Marr" found
    before) is that name."""
    full = {m.text for m in mentions if m.type == "Person" and len(m.text.split()) == 2
            and not is_place_word(m.text.split()[1])}  # "Osaka Bay" mistagged a person is no one
    if not full:
        return list(mentions)
    taken = {(m.start, m.end) for m in mentions}
    out = []
    for m in mentions:
        if " " not in m.text and m.kind == "name" and m.type != "Person":
            following = re.match(r" (\w[\w'’-]*)", text[m.end:])
            name = f"{m.text} {following.group(1)}" if following else None
            end = m.end + len(following.group(0)) if following else m.end
            if name in full and (m.start, end) not in taken and not any(
                    o is not m and o.start < end and m.end < o.end for o in mentions):
                m = replace(m, end=end, text=name, type="Person")
        out.append(m)
    return out


def _propagated(mentions: Sequence[Mention], text: str, sentence_starts: Sequence[int]) -> list[Mention]:
    """Label consistency: the tagger often finds a name once and misses it later ("Varga" after
    "Ilona Varga"). Every other occurrence of a name already found, or of a person's surname,
    becomes a mention too, unless the form is ambiguous between entity types."""
    forms: dict[str, set[str]] = defaultdict(set)
    surnames: set[str] = set()
    for m in mentions:
        forms[m.text].add(m.type)
        words = m.text.split()
        if m.type == "Person" and len(words) > 1 and len(words[-1]) > 2 and words[-1][0].isupper():
            forms[words[-1]].add("Person")
            surnames.add(words[-1])
    # A full name's surname is the person's, whatever the tagger once made of the bare word
    # ("Wilkins" typed an organisation once after "Kristen Wilkins"): resolution joins it to her;
    # not where another kind of name also opens with it ("Ada Rusk" and "Rusk Motors").
    unambiguous = surnames - {m.text.split()[0] for m in mentions if m.type != "Person" and " " in m.text}
    eligible = {
        form: "Person" if form in unambiguous and len(types) > 1 else next(iter(types)) for form, types in forms.items()
        if (len(types) == 1 or form in unambiguous) and len(form) >= 2 and name_key(form) not in _CALENDAR_WORDS
        and any(c.isupper() for c in form)
    }
    covered = sorted((m.start, m.end) for m in mentions)
    covered_starts = [start for start, _ in covered]
    places = {(m.start, m.end) for m in mentions if m.type == "Location"}
    starts = set(sentence_starts)
    # Occurrences are found as word sequences: one pass over the text's words, whatever the
    # number of names (a regex alternation of thousands of names is slow on long texts).
    by_words = {tuple(_WORDS.findall(form)): form for form in eligible}
    by_words.pop((), None)
    first_words = {words[0] for words in by_words}
    longest = max((len(words) for words in by_words), default=0)
    words = [(m.group(0), m.start(), m.end()) for m in _WORDS.finditer(text)]
    # words the text also writes in lower case ("Rose" and "rose"): ordinary words when capitalised
    # at a sentence's start
    common = {word for word, _, _ in words if word.islower()}
    found: list[Mention] = []
    for position, (word, _, _) in enumerate(words):
        if word not in first_words:
            continue
        for size in range(min(longest, len(words) - position), 0, -1):
            form = by_words.get(tuple(w for w, _, _ in words[position:position + size]))
            if form is None:
                continue
            start, end = words[position][1], words[position + size - 1][2]
            if _propagation_allowed(start, end, form, eligible[form], text, covered, covered_starts, starts, places,
                                    common, surname=form in surnames):
                found.append(Mention(start, end, text[start:end], eligible[form], "name"))
                break
    return found


# a possessive's "'s" is no part of the word ("Voss's" is "Voss"); "O'Neill" is one word
_WORDS = re.compile(r"\w+(?:[.&-]\w+|['’](?!s\b)\w+)*\.?")


def _propagation_allowed(start, end, form, entity_type, text, covered, covered_starts, sentence_starts, places,
                         common, *, surname: bool = False) -> bool:
    last = bisect.bisect_left(covered_starts, end)
    overlapping = [covered[j] for j in range(max(0, last - 8), last) if covered[j][1] > start]
    # A place inside a longer name ("Museum of Flight of Ohio") is still a mention of the place,
    # and a person's full name inside one ("the Ada Rusk Foundation") a mention of the person,
    # nested in the other, as is the surname of a person the text names in full opening a longer
    # name ("the Rusk Foundation"; not the last word of another's name, "Tom Rusk"); anything
    # else overlapping a found name is left alone. A place's name inside another place's is
    # another place ("South Australia", "Mexico City").
    nestable = entity_type == "Location" or (entity_type == "Person" and (" " in form or (
        surname and all(s == start and e > end for s, e in overlapping))))
    nested = nestable and all(s <= start and end <= e and (s, e) != (start, end) for s, e in overlapping)
    if nested and entity_type == "Location" and any(span in places for span in overlapping):
        return False
    if overlapping and not nested:
        return False
    if " " not in form and not form.isupper() and form.lower() in common and (
        start in sentence_starts or (text[max(0, start - 2):start].strip() in {"", ".", '"'} and start - 2 in sentence_starts)
    ):
        return False  # a capitalised word opening a sentence may be an ordinary word ("Rose", "rose")
    return True


@dataclass(frozen=True, slots=True)
class _Cluster:
    members: tuple[int, ...]
    type: str
    name: str


def resolve_document(
    doc_id: str,
    text: str,
    names: Sequence[Mention],
    refs: Sequence[Reference] = (),
    *,
    known: Sequence[KnownEntity] = (),
    subjects: frozenset[int] = frozenset(),
    sentence_starts: Sequence[int] = (),
    examples: frozenset[int] = frozenset(),
) -> tuple[Entity, ...]:
    """Group one document's mentions into entities. ``subjects`` holds the start offsets of
    mentions that are grammatical subjects and ``examples`` of those given as examples ("such
    as X"): salience for pronouns; ``sentence_starts`` the sorted start offsets of the
    document's sentences."""
    mentions = _extend_to_known_suffix(sorted(names, key=lambda m: (m.start, m.end)), text)
    mentions = _full_names_of_fragments(mentions, text)
    mentions = sorted([*mentions, *_propagated(mentions, text, sentence_starts)], key=lambda m: (m.start, m.end))
    if not mentions:
        return ()
    known_table = _known_by_key(tuple(known)) if known else {}
    groups = _UnionFind(
        len(mentions), labels=[frozenset({(m.text, m.type)}) for m in mentions],
        fits=lambda a, b: _labels_fit(a, b, known_table),
    )
    reasons: dict[int, str] = {}
    _merge_same_names(mentions, groups, reasons)
    _merge_acronyms(mentions, text, groups, reasons)
    _merge_short_forms(mentions, groups, reasons)
    _merge_misspelt_names(mentions, groups, reasons)
    _merge_known(mentions, known, groups, reasons)
    clusters = _clusters(mentions, groups, known)
    cluster_of = {index: cid for cid, cluster in enumerate(clusters) for index in cluster.members}
    attached = _attach_references(mentions, clusters, cluster_of, refs, subjects, sentence_starts, examples, text=text)
    links = _place_links(mentions, clusters, text, sentence_starts)
    return _with_qualified_names(_entities(doc_id, mentions, clusters, reasons, attached, links), text)


def _with_qualified_names(entities: Sequence[Entity], text: str) -> tuple[Entity, ...]:
    """A town's name as the text qualifies it ("Millbrook, Conn.", "Paris, France") among its
    aliases: the name a reader would look it up by, and a full name of its own."""
    starts = {m.start: (e, m) for e in entities if e.type == "Location" for m in e.mentions if m.kind == "name"}
    found: dict[str, set[str]] = defaultdict(set)
    for entity in entities:
        if entity.type != "Location" or entity.iso_code is not None or "country" in place_kinds(entity.name):
            continue
        for m in entity.mentions:
            after = starts.get(m.end + 2) if m.kind == "name" and text[m.end:m.end + 2] == ", " else None
            if after is None or after[0].id == entity.id:
                continue
            if is_region(after[1].text):
                found[entity.id].add(text[m.start:after[1].end])
    return tuple(replace(e, aliases=tuple(sorted({*e.aliases, *found[e.id]} - {e.name}))) if e.id in found else e
                 for e in entities)


def _entities(doc_id, mentions, clusters, reasons, attached, links=None) -> tuple[Entity, ...]:
    links = links or {}
    entities = [
        _entity(doc_id, mentions, cluster, reasons, attached.get(cid, []), links.get(cid))
        for cid, cluster in enumerate(clusters)
    ]
    merged: dict[str, Entity] = {}
    for entity in entities:  # two clusters can land on one id (same canonical name, one type)
        if entity.id in merged:
            entity = _combine(merged[entity.id], entity, reason="same name")
        merged[entity.id] = entity
    # Two names of one GeoNames place ("Bombay", "Mumbai") are one place.
    by_place: dict[tuple[str, int], Entity] = {}
    for entity in sorted(merged.values(), key=lambda e: (len(e.mentions) == 0, e.id)):
        if entity.geonames_id is None:
            continue
        key = (entity.type, entity.geonames_id)
        if key in by_place:
            first = by_place[key]
            combined = _combine(first, replace(entity, mentions=tuple(replace(m, entity=first.id) for m in entity.mentions)),
                                reason="same GeoNames place")
            by_place[key] = combined = replace(combined, merged_from=tuple(dict.fromkeys(
                (*combined.merged_from, Merge(entity.name, "same GeoNames place", doc_id)))))
            del merged[entity.id]
            merged[first.id] = combined
        else:
            by_place[key] = entity
    return tuple(sorted(merged.values(), key=lambda e: e.id))


def _place_links(mentions: Sequence[Mention], clusters: Sequence[_Cluster], text: str,
                 sentence_starts: Sequence[int]) -> dict[int, PlaceLink]:
    """The GeoNames place of each place entity, when its name and the document pick one: the
    country or state right after a mention ("Paris, Texas"), then the places named in its
    sentences, then what the name alone stands for, then the countries and states of the
    whole document (kg.extract.places)."""
    located = [cid for cid, cluster in enumerate(clusters) if cluster.type == "Location"]
    if not located:
        return {}
    cluster_of = {i: cid for cid in located for i in clusters[cid].members}
    starting = {mentions[i].start: cid for i, cid in cluster_of.items()}
    by_sentence: dict[int, set[int]] = defaultdict(set)
    for i, cid in cluster_of.items():
        by_sentence[_sentence_index(sentence_starts, mentions[i].start)].add(cid)
    document = [clusters[cid].name for cid in located]
    links = {}
    for cid in located:
        after, near = set(), set()
        for i in clusters[cid].members:
            mention = mentions[i]
            comma = re.match(r",\s*", text[mention.end:mention.end + 4])
            if comma and mention.end + comma.end() in starting:
                after.add(starting[mention.end + comma.end()])
            near |= by_sentence[_sentence_index(sentence_starts, mention.start)]
        names = lambda ids: [clusters[c].name for c in sorted(ids - {cid})]  # noqa: E731
        link = link_place(clusters[cid].name, names(near), document, right_after=names(after))
        if link is not None:
            links[cid] = link
    return links


def _place_fields(link: PlaceLink | None) -> dict:
    if link is None:
        return {}
    fields = {"geonames_id": link.geonames_id, "country_code": link.country_code}
    if link.lat is not None:
        fields.update(lat=link.lat, lon=link.lon)
    if link.kind == "country":
        fields["iso_code"] = link.country_code
    return fields


def _merge_same_names(mentions: list[Mention], groups: _UnionFind, reasons: dict[int, str]) -> None:
    """Mentions with one name key are one entity, except a bare surname or given name shared by
    two people of the document ("Smith" after "John Smith" and "Mary Smith"): each of those is
    left to find its own person (the nearest before it)."""
    ambiguous = _ambiguous_person_words(mentions)
    first_by_key: dict[str, int] = {}
    for index, mention in enumerate(mentions):
        key = match_key(mention.text)
        if not key or key in ambiguous:
            continue
        if key in first_by_key:
            if groups.union(first_by_key[key], index):
                reasons.setdefault(index, "same name")
        else:
            first_by_key[key] = index


def _ambiguous_person_words(mentions: Sequence[Mention]) -> set[str]:
    """Single words that are the surname (or the given name) of two person names of the
    document that cannot be one person."""
    full: dict[tuple[str, int], set[str]] = defaultdict(set)  # (word, first or last) -> names
    for m in mentions:
        words = _person_words(match_key(m.text).split())
        if m.type == "Person" and len(words) > 1:
            full[(words[0], 0)].add(m.text)
            full[(words[-1], -1)].add(m.text)
    ambiguous = set()
    for (word, _), names in full.items():
        names = sorted(names)
        if any(not _names_fit(a, "Person", b, "Person") for i, a in enumerate(names) for b in names[i + 1:]):
            ambiguous.add(word)
    return ambiguous


def _merge_acronyms(mentions: list[Mention], text: str, groups: _UnionFind, reasons: dict[int, str]) -> None:
    ending_at = {m.end: i for i, m in enumerate(mentions) if not _is_acronym(m.text) and not _person_side(m.type)}
    by_initials: dict[str, list[int]] = defaultdict(list)
    for i, m in enumerate(mentions):
        if not _is_acronym(m.text) and not _person_side(m.type) and len(m.text.split()) > 1:
            by_initials[_initials(m.text)].append(i)
    for index, mention in enumerate(mentions):
        if not _is_acronym(mention.text):
            continue
        # "Long Name (LN)": the acronym defined in parentheses right after the name.
        opening = re.search(r"\(\s*$", text[max(0, mention.start - 8):mention.start])
        defined = None
        if opening and text[mention.end:mention.end + 3].lstrip().startswith(")"):
            before = text[:mention.start - (len(opening.group(0)))].rstrip()
            defined = ending_at.get(len(before))
            if defined is not None and not _acronym_defines(mention.text, mentions[defined].text):
                defined = None
        if defined is not None:
            if groups.union(defined, index):
                reasons[index] = f"acronym defined in text for {mentions[defined].text}"
            continue
        candidates = {groups.find(i) for i in by_initials.get(_acronym_letters(mention.text), ())}
        if len(candidates) == 1:
            root = candidates.pop()
            if groups.union(root, index):
                reasons[index] = f"acronym of {mentions[root].text}"


def _merge_short_forms(mentions: list[Mention], groups: _UnionFind, reasons: dict[int, str]) -> None:
    words_of = [tuple(match_key(m.text).split()) for m in mentions]
    # Every proper prefix and suffix of every name, to find the names a short form may shorten.
    by_edge: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for i, words in enumerate(words_of):
        for size in range(1, len(words)):
            by_edge[words[:size]].append(i)
            if words[-size:] != words[:size]:
                by_edge[words[-size:]].append(i)
    for index, mention in enumerate(mentions):
        short = words_of[index]
        if not short or _is_acronym(mention.text) or all(w in ORG_DESIGNATORS or w in _MINOR_WORDS for w in short):
            continue
        if len(short) > 1 and short[-1] in _PLACE_DESIGNATORS:
            continue  # "X Space Center" is not a short form of "X Space Center Visitor Complex"
        owners: dict[int, int] = {}
        for other_index in by_edge.get(short, ()):
            if not _short_form_fits(mention.type, mentions[other_index].type, list(short), list(words_of[other_index])):
                continue
            root = groups.find(other_index)
            # Remember the nearest full mention before this one (else the first after it).
            if root not in owners or (other_index < index and other_index > owners[root]) or owners[root] > index:
                owners[root] = other_index
        if not owners:
            continue
        same_side = {r: i for r, i in owners.items() if _person_side(mentions[i].type) == _person_side(mention.type)}
        owners = same_side or owners
        if len({groups.find(i) for i in owners.values()}) > 1:
            people = all(_person_side(mentions[i].type) for i in owners.values())
            if not _person_side(mention.type) and not people:
                continue  # "Korea" with both "North Korea" and "South Korea": leave it alone
            preceding = [i for i in owners.values() if i < index]
            if not preceding:
                continue
            owner = max(preceding)
        else:
            owner = next(iter(owners.values()))
        if groups.union(owner, index):
            reasons[index] = f"short form of {mentions[owner].text}"


def _merge_misspelt_names(mentions: list[Mention], groups: _UnionFind, reasons: dict[int, str]) -> None:
    """A person's name met once with a slip in it ("Halvorson" beside "Miriam Halvorsen", "Tobias
    Kellermann" beside "Tobias Kellerman") joins the one person it nearly spells; with two such
    people, or a name met more than once, it stays apart."""
    sizes = Counter(groups.find(i) for i in range(len(mentions)))
    people = [(i, _person_words(match_key(m.text).split())) for i, m in enumerate(mentions) if m.type == "Person"]
    for index, words in people:
        if not words or sizes[groups.find(index)] != 1:
            continue
        owners = {groups.find(j) for j, other in people if j != index and groups.find(j) != groups.find(index)
                  and len(other) > 1 and other != words and _nearly_spells(words, other)}
        if len(owners) == 1:
            owner = min(owners)
            if groups.union(owner, index):
                reasons[index] = f"near spelling of {mentions[owner].text}"


def _nearly_spells(words: list[str], full: list[str]) -> bool:
    if len(words) == 1:
        return _near_spelling(words[0], full[-1])
    if len(words) != len(full):
        return False
    slips = [(a, b) for a, b in zip(words, full) if a != b]
    return len(slips) == 1 and _near_spelling(*slips[0])


_ADMINISTRATIVE_WORDS = frozenset(
    "city county province state district region oblast prefecture municipality township borough "
    "parish department governorate canton island islands valley".split()
)


def _holds_another_place(short: list[str], long: list[str]) -> bool:
    """"Mexico City" is not "Mexico", nor "Albany County" "Albany", nor "New York" "York"."""
    if long[:len(short)] == short:
        return all(word in _ADMINISTRATIVE_WORDS for word in long[len(short):])
    return long[0] in _OTHER_PLACE_WORDS


# First words that make a place name another place than the rest of it names: "Western
# Australia", "Southern California", "Central Asia", "New Mexico", "Greater Manchester".
_OTHER_PLACE_WORDS = frozenset(
    "new north south east west northern southern eastern western central upper lower greater "
    "northeast northwest southeast southwest northeastern northwestern southeastern southwestern "
    "mid middle inner outer".split()
)


def _short_form_fits(short_type: str, long_type: str, short: list[str], long: list[str]) -> bool:
    """Can a name of ``short_type`` be a short form of one of ``long_type``? Persons stay apart
    from organisations; a surname the tagger mistook for a place, product or organisation still
    joins its person; a city does not join the arena named after it, nor a place the larger or
    smaller place whose name holds it ("Mexico" and "Mexico City", "York" and "New York"), nor
    a name the event, prize or body named after it ("Acme" and "Acme Science Fair"), nor what
    an "of" names ("Indiana" and "University of Indiana")."""
    if long_type == "Product" and short_type != "Person" and 0 < vessel_prefix(long, cased=False) == len(long) - len(short):
        return True  # "Atlas" of "Space Shuttle Atlas", whatever the tagger made of the bare name
    if long_type == "Person":
        if short_type == "Person":
            return True
        return len(short) == 1 and len(long) > 1 and _person_words(long)[-1] == short[0]
    if short_type == "Person":
        return False
    if short_type == long_type == "Location" and _holds_another_place(short, long):
        return False
    if not (short_type == long_type or {short_type, long_type} <= {"Organization", "Facility"}):
        return False
    if long[:len(short)] == short and long[-1] in NAMED_AFTER_HEADS:
        return False
    before = len(long) - len(short) - 1
    if long[len(long) - len(short):] == short and before >= 1 and long[before] == "of":
        return long[before - 1] in _OF_HEADS_KEEPING_SHORT_FORMS
    return True


@lru_cache(maxsize=8)
def _known_by_key(known: tuple[KnownEntity, ...]) -> dict[str, KnownEntity]:
    """Name key -> entry; the first entry with a key wins (a user's own entries come first)."""
    table: dict[str, KnownEntity] = {}
    for entry in known:
        for name in (entry.name, *entry.aliases):
            table.setdefault(match_key(name), entry)
    return table


def _merge_known(mentions: list[Mention], known: Sequence[KnownEntity], groups: _UnionFind, reasons: dict[int, str]) -> None:
    if not known:
        return
    table = _known_by_key(tuple(known))
    members: dict[str, list[int]] = defaultdict(list)  # entry name -> mention indexes, in order
    people: dict[str, list[int]] = defaultdict(list)  # entry name -> its people in the plural
    for index, mention in enumerate(mentions):
        key = match_key(mention.text)
        entry = table.get(key)
        if entry is None:
            continue
        if not entry.claims(mention.type, mention.text):
            if mention.type == "Group" and entry.claims("Group"):  # declined only for the plural
                people[entry.name].append(index)
            continue
        members[entry.name].append(index)
        if key != match_key(entry.name):  # also when the first member is the alias ("Norwegian ... Norway")
            reasons[index] = f"known alias of {entry.name}"
    for indexes in members.values():
        for index in indexes[1:]:
            groups.union(indexes[0], index)
    # A country the document names as a team (Organization, kg.extract.mentions.as_teams): its
    # people's name there is the team ("the Belgians" beat Panama).
    teams = {match_key(m.text): i for i, m in enumerate(mentions) if m.type == "Organization"}
    for name in sorted(members.keys() | people.keys()):
        team = teams.get(match_key(name))
        if team is not None:
            for index in (*members.get(name, ()), *people.get(name, ())):
                if mentions[index].type == "Group":
                    groups.union(team, index)
                    reasons.setdefault(index, f"known alias of {name}")


def _clusters(mentions: list[Mention], groups: _UnionFind, known: Sequence[KnownEntity]) -> list[_Cluster]:
    known_by_key = _known_by_key(tuple(known))
    clusters = []
    for members in sorted(groups.groups().values()):
        names = [mentions[i].text for i in members]
        voted = _voted_type(mentions, members)
        entry = next((known_by_key[match_key(n)] for n in names
                      if match_key(n) in known_by_key and known_by_key[match_key(n)].claims(voted, n)), None)
        if entry is not None:
            clusters.append(_Cluster(tuple(members), entry.type, entry.name))
            continue
        clusters.append(_Cluster(tuple(members), voted, canonical_name(names)))
    return clusters


def _voted_type(mentions: Sequence[Mention], members: Sequence[int]) -> str:
    """The type the mentions of the entity's fullest name vote for ("Kira Holm" is a person
    however often the tagger typed "Holm" an organisation); ties go to all mentions' votes,
    then to the longest mention."""
    full = match_key(canonical_name([mentions[i].text for i in members]))
    own = Counter(mentions[i].type for i in members if match_key(mentions[i].text) == full)
    votes = Counter(mentions[i].type for i in members)
    longest = max(members, key=lambda i: (len(mentions[i].text.split()), -i))
    ranked = sorted(votes, key=lambda t: (-own[t], -votes[t], t != mentions[longest].type, t))
    return ranked[0]


def _sentence_index(starts: Sequence[int], offset: int) -> int:
    low, high = 0, len(starts)
    while low < high:
        middle = (low + high) // 2
        if starts[middle] <= offset:
            low = middle + 1
        else:
            high = middle
    return low - 1


def _attach_references(
    mentions: list[Mention],
    clusters: list[_Cluster],
    cluster_of: dict[int, int],
    refs: Sequence[Reference],
    subjects: frozenset[int],
    sentence_starts: Sequence[int],
    examples: frozenset[int] = frozenset(),
    *,
    text: str = "",
) -> dict[int, list[Mention]]:
    """Attach each reference to the entity it refers to. A description the syntax binds to a
    name ("X, the director") goes to that name's entity when its class fits the entity's type.
    Other references go to the most salient compatible entity before them: a pronoun agrees in
    gender with a person whose gender is known (from an honorific, the first name, or a pronoun
    already attached: "she" is not "Thomas Vance"), and "they" refers to a person only when
    named as a family ("the Vances"); a description agrees with the class of its head noun
    ("the country" is a country, "the foundation" an entity named a foundation), and one of a
    person ("the coach") goes only to a person the text gave that role ("Team coach X")."""
    starts = list(sentence_starts) or sorted({r.sentence_start for r in refs})
    genders = _cluster_genders(mentions, clusters, text)
    plural_people = {
        cid for cid, cluster in enumerate(clusters) if cluster.type == "Person" and any(
            re.search(r"\bthe\s+$", text[max(0, mentions[i].start - 5):mentions[i].start], re.IGNORECASE)
            and match_key(mentions[i].text).endswith("s") for i in cluster.members)
    }
    # (offset, cluster id, weight) for everything that can be an antecedent, in text order.
    history: list[tuple[int, int, float]] = sorted(
        (m.start, cluster_of[i], _mention_weight(m.start, subjects, examples)) for i, m in enumerate(mentions)
    )
    frequency = Counter(cluster_of[i] for i in range(len(mentions)))
    name_words = [_name_words(mentions, cluster) for cluster in clusters]
    roles = _cluster_roles(mentions, clusters, text)
    spans = sorted((m.start, m.end) for m in mentions)
    span_starts = [start for start, _ in spans]
    attached: dict[int, list[Mention]] = defaultdict(list)
    taken: set[tuple[int, int]] = set()
    for ref in sorted((r for r in refs if r.bound is not None), key=lambda r: r.start):
        index = _mention_covering(mentions, ref.bound)
        if index is None or _inside_name(ref, spans, span_starts):
            continue
        cid = cluster_of[index]
        if clusters[cid].type not in ref.compatible:
            continue
        attached[cid].append(Mention(ref.start, ref.end, ref.text, clusters[cid].type, ref.kind))  # type: ignore[arg-type]
        taken.add((ref.start, ref.end))
        if ref.kind == "nominal":
            if clusters[cid].type == "Person":
                roles[cid].add(ref.feature)
            # a speaker's "I" is no antecedent for the third person pronouns that follow
            bisect.insort(history, (ref.start, cid, 1.0))
    pronoun_of: dict[tuple[int, int], int] = {}  # a resolved pronoun's span -> its cluster
    # "the parents ... they": a plural noun of people since an entity's last mention is the
    # likelier antecedent of "they" (left unresolved, as kg makes no entity of it)
    people = sorted(r.start for r in refs if r.kind == "people")
    for ref in sorted(refs, key=lambda r: r.start):
        if ref.kind == "people" or (ref.start, ref.end) in taken or _inside_name(ref, spans, span_starts):
            continue
        if ref.bound is not None:
            # "he is a legend": a noun predicated of a pronoun goes where the pronoun went
            cid = pronoun_of.get(ref.bound)
            if cid is not None and clusters[cid].type in ref.compatible:
                attached[cid].append(Mention(ref.start, ref.end, ref.text, clusters[cid].type, ref.kind))  # type: ignore[arg-type]
            continue
        here = _sentence_index(starts, ref.start)
        kind = DESCRIPTION_CLASSES.get(ref.feature) if ref.kind == "nominal" else None
        if kind == "person":
            cid = _role_holder(ref, history, roles, starts, here)
            if cid is not None:
                attached[cid].append(Mention(ref.start, ref.end, ref.text, "Person", ref.kind))  # type: ignore[arg-type]
                bisect.insort(history, (ref.start, cid, 1.0))
            continue
        window = _PRONOUN_WINDOW if ref.kind == "pronoun" else _NOMINAL_WINDOW
        salience: dict[int, float] = defaultdict(float)
        by_head: set[int] = set()
        latest: dict[int, int] = {}
        for position in range(bisect.bisect_left(history, (ref.start,)) - 1, -1, -1):
            offset, cid, weight = history[position]
            distance = here - _sentence_index(starts, offset)
            if distance > _FARTHEST_DESCRIPTION:
                break
            if clusters[cid].type not in ref.compatible:
                continue
            if ref.kind == "pronoun" and ref.feature == "plural" and _people_between(people, offset, ref.start):
                continue
            if ref.kind == "pronoun" and clusters[cid].type == "Person":
                if ref.feature in {"male", "female"} and genders.get(cid, ref.feature) != ref.feature:
                    continue
                if ref.feature == "plural" and cid not in plural_people:
                    continue
            named_by_head = ref.kind == "nominal" and ref.feature in name_words[cid]
            if distance > window and not named_by_head:
                continue
            if ref.kind == "nominal" and not named_by_head and not _description_fits(ref.feature, clusters[cid], name_words[cid]):
                continue
            # Salience: each earlier mention counts, halving with every sentence back; subjects
            # count double, examples ("retailers such as X") a quarter.
            salience[cid] += weight * 0.5 ** distance
            latest.setdefault(cid, offset)
            if named_by_head:
                by_head.add(cid)
        if not salience:
            continue
        cid = max(salience, key=lambda c: (c in by_head, round(salience[c], 6), frequency[c], latest[c]))
        mention = Mention(ref.start, ref.end, ref.text, clusters[cid].type, ref.kind)  # type: ignore[arg-type]
        attached[cid].append(mention)
        if ref.kind == "pronoun" and ref.feature in {"male", "female"} and clusters[cid].type == "Person":
            genders.setdefault(cid, ref.feature)
        if ref.kind == "pronoun":
            pronoun_of[(ref.start, ref.end)] = cid
        bisect.insort(history, (ref.start, cid, 1.0))
    return attached


def _people_between(people: Sequence[int], start: int, end: int) -> bool:
    """Does a plural noun of people start between offsets ``start`` and ``end``?"""
    return bisect.bisect_left(people, start) < bisect.bisect_left(people, end)


def _inside_name(ref: Reference, spans: Sequence[tuple[int, int]], span_starts: Sequence[int]) -> bool:
    inside = bisect.bisect_right(span_starts, ref.start)
    return any(spans[j][1] > ref.start for j in range(max(0, inside - 3), inside))


def _mention_covering(mentions: Sequence[Mention], span: tuple[int, int]) -> int | None:
    """The shortest name mention holding ``span`` (a word of the name)."""
    covering = [(m.end - m.start, i) for i, m in enumerate(mentions) if m.start <= span[0] and span[1] <= m.end]
    return min(covering)[1] if covering else None


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _name_words(mentions: Sequence[Mention], cluster: _Cluster) -> set[str]:
    """The words of an entity's names, and their singulars ("Galleries": "gallery")."""
    words = set(match_key(cluster.name).split())
    for i in cluster.members:
        words.update(match_key(mentions[i].text).split())
    return words | {_singular(w) for w in words}


_ROLE_BEFORE = re.compile(r"([A-Za-z][A-Za-z-]*)\.?\s+$")


def _cluster_roles(mentions: Sequence[Mention], clusters: Sequence[_Cluster], text: str) -> dict[int, set[str]]:
    """The roles the text gives each person by a noun right before a name ("Team coach X",
    "President X"); descriptions in apposition add theirs as they are attached."""
    roles: dict[int, set[str]] = defaultdict(set)
    for cid, cluster in enumerate(clusters):
        if cluster.type != "Person":
            continue
        for i in cluster.members:
            before = _ROLE_BEFORE.search(text[max(0, mentions[i].start - 30):mentions[i].start])
            if before and before.group(1).lower() in PERSON_NOUNS:
                roles[cid].add(before.group(1).lower())
    return roles


def _role_holder(ref: Reference, history, roles: Mapping[int, set[str]], starts: Sequence[int], here: int) -> int | None:
    """The person "the coach" refers to: the one with that role mentioned last before it."""
    for position in range(bisect.bisect_left(history, (ref.start,)) - 1, -1, -1):
        offset, cid, _ = history[position]
        if here - _sentence_index(starts, offset) > _FARTHEST_DESCRIPTION:
            return None
        if ref.feature in roles.get(cid, ()):
            return cid
    return None


def _cluster_genders(mentions: Sequence[Mention], clusters: Sequence[_Cluster], text: str) -> dict[int, str]:
    """The gender of each person entity that says it: an honorific before one of its names
    ("Ms Varga"), else the first name of its fullest name when that is mostly one gender."""
    genders: dict[int, str] = {}
    for cid, cluster in enumerate(clusters):
        if cluster.type != "Person":
            continue
        said = set()
        for i in cluster.members:
            mention = mentions[i]
            before = re.search(r"(\w+)\.?\s+$", text[max(0, mention.start - 12):mention.start])
            words = mention.text.split()
            for word in ([before.group(1)] if before else []) + words[:1]:
                gender = HONORIFIC_GENDERS.get(word.lower().rstrip("."))
                if gender:
                    said.add(gender)
        if not said:
            words = [w for w in cluster.name.split() if w.lower().rstrip(".") not in HONORIFIC_GENDERS]
            if len(words) > 1:
                gender = given_name_gender(words[0])
                if gender:
                    said.add(gender)
        if len(said) == 1:
            genders[cid] = said.pop()
    return genders


def _mention_weight(start: int, subjects: frozenset[int], examples: frozenset[int]) -> float:
    if start in examples:
        return 0.25
    return 2.0 if start in subjects else 1.0


def _description_fits(head: str, cluster: _Cluster, name_words: set[str]) -> bool:
    """Does the class of a description's head noun fit the entity? "the company" does not
    describe a government body, nor "the department" a company; "the country" is a country,
    "the city" a city, "the state" a state (kg.extract.places); "the facility" a facility or a
    body named after its building, "the event" an event; a head such as "foundation" or
    "university" only the entity it names (checked by the caller)."""
    kind = DESCRIPTION_CLASSES.get(head)
    government = bool(name_words & _GOVERNMENT_WORDS)
    last = _singular(match_key(cluster.name).split()[-1]) if match_key(cluster.name) else ""
    if kind in {"company", "government", "organization"} and (last in EVENT_HEADS or last in BUILDING_HEADS):
        return False  # an event or a building the tagger took for an organisation
    if kind == "company":
        return not government
    if kind == "government":
        return government or not name_words & ORG_DESIGNATORS
    if kind in {"country", "state", "city", "region"}:
        kinds = place_kinds(cluster.name)
        if kind == "country" or kind == "state":
            return kind in kinds
        if kind == "city":
            if "state" in kinds and (link := bare_link(cluster.name)) is not None and link.kind == "state":
                return False  # "Delaware": the state its name stands for, though a small city shares it
            return "country" not in kinds and ("city" in kinds or (not kinds and head in _SMALL_PLACE_NOUNS))
        return "country" not in kinds
    if kind == "facility":
        return cluster.type == "Facility" or last in BUILDING_HEADS
    if kind == "event":
        return cluster.type == "Event" or last in EVENT_HEADS
    if kind == "named":
        return False
    return kind is not None


_SMALL_PLACE_NOUNS = frozenset({"town", "village", "suburb", "municipality"})


def _entity(doc_id: str, mentions: list[Mention], cluster: _Cluster, reasons: dict[int, str], refs: list[Mention],
            link: PlaceLink | None = None) -> Entity:
    eid = place_entity_id(cluster.type, cluster.name, link.geonames_id if link else None)
    named = [replace(mentions[i], entity=eid, type=cluster.type) for i in cluster.members]
    aliases = sorted({m.text for m in named if m.text != cluster.name})
    merges = []
    seen: set[str] = set()
    for i in cluster.members:
        name = mentions[i].text
        if name == cluster.name or name in seen:
            continue
        seen.add(name)
        merges.append(Merge(name, reasons.get(i, "same name"), doc_id))
    every = sorted([*named, *(replace(r, entity=eid) for r in refs)], key=lambda m: (m.start, m.end))
    return Entity(eid, cluster.name, cluster.type, tuple(aliases), tuple(every), tuple(merges), **_place_fields(link))


def _combine(first: Entity, second: Entity, *, reason: str) -> Entity:
    names = {first.name, second.name, *first.aliases, *second.aliases}
    mentions = tuple(sorted({*first.mentions, *second.mentions}, key=lambda m: (m.start, m.end, m.kind)))
    merges = (*first.merged_from, *second.merged_from)
    extra = tuple(Merge(n, reason, m.doc) for n in [second.name] if n != first.name for m in merges[:1]) or ()
    return replace(
        first, aliases=tuple(sorted(names - {first.name})), mentions=mentions,
        merged_from=tuple(dict.fromkeys((*merges, *extra))), **{
            f: getattr(second, f) for f in _PLACE_FIELDS if getattr(first, f) is None and getattr(second, f) is not None},
    )


_PLACE_FIELDS = ("geonames_id", "country_code", "lat", "lon", "iso_code")


# ---------------------------------------------------------------------------------------------
# Across documents


@dataclass(frozen=True, slots=True)
class GlobalResolution:
    """Merged entities of a corpus and, per document, where each local entity id went."""

    entities: tuple[Entity, ...]
    local_to_global: Mapping[tuple[str, str], str]  # (doc id, local entity id) -> global id


def _full_names(entity: Entity) -> set[str]:
    """Names that identify the entity on their own: its name, acronyms and same-name variants,
    not short forms (a bare surname must not merge two people of two stories)."""
    short = {m.name for m in entity.merged_from if m.reason.startswith("short form")}
    return {match_key(n) for n in (entity.name, *entity.aliases) if n not in short and match_key(n)}


def _full_labels(entity: Entity) -> frozenset[tuple[str, str]]:
    """The (name, type) labels a corpus-wide merge must keep consistent: the full names."""
    short = {m.name for m in entity.merged_from if m.reason.startswith("short form")}
    return frozenset((n, entity.type) for n in (entity.name, *entity.aliases) if n not in short and match_key(n))


def resolve_across(per_document: Sequence[tuple[str, Sequence[Entity]]], *, known: Sequence[KnownEntity] = ()) -> GlobalResolution:
    """Merge the entities of several documents on shared full names. The result does not depend
    on document order, and what it says about a document does not depend on the others: only
    entities of one type merge (a document's entity keeps its type), and never two entities of
    one document (its grouping stays its own)."""
    items = sorted(
        ((doc_id, entity) for doc_id, entities in per_document for entity in entities),
        key=lambda pair: (pair[1].id, pair[0]),
    )
    known_by_key = _known_by_key(tuple(known))
    groups = _UnionFind(
        len(items), labels=[_full_labels(entity) for _, entity in items],
        fits=lambda a, b: _labels_fit(a, b, known_by_key),
        owners=[frozenset({doc_id}) for doc_id, _ in items],
        places=[frozenset({e.geonames_id} - {None}) for _, e in items],
    )
    reasons: dict[int, str] = {}
    owner_by_key: dict[tuple[bool, str], int] = {}
    full_names = [_full_names(entity) for _, entity in items]
    for index, (_, entity) in enumerate(items):
        for key in sorted(full_names[index]):
            slot = (entity.type, key)
            if slot in owner_by_key:
                if groups.union(owner_by_key[slot], index):
                    reasons.setdefault(index, "same name in another document")
            else:
                owner_by_key[slot] = index
    by_place: dict[tuple[str, int], list[int]] = defaultdict(list)
    for index, (_, entity) in enumerate(items):
        if entity.geonames_id is not None:
            by_place[entity.type, entity.geonames_id].append(index)
    for _, members in sorted(by_place.items()):  # two names of one GeoNames place ("Bombay", "Mumbai")
        for index in members[1:]:
            if groups.union(members[0], index, names=False):
                reasons.setdefault(index, "same GeoNames place")
    by_entry: dict[str, list[int]] = defaultdict(list)
    for index, (_, entity) in enumerate(items):
        claimed = {known_by_key[key].name for key in full_names[index]
                   if key in known_by_key and known_by_key[key].claims(entity.type, key)}
        for name in claimed:
            by_entry[name, entity.type].append(index)
    for (name, _), members in sorted(by_entry.items()):
        for index in members[1:]:
            if groups.union(members[0], index):
                reasons.setdefault(index, f"known alias of {name}")

    merged_groups = []
    for members in sorted(groups.groups().values(), key=lambda ms: items[ms[0]][1].id):
        merged = _merge_group([items[i] for i in members], [reasons.get(i) for i in members], known_by_key)
        merged_groups.append((merged, frozenset(items[i][0] for i in members), members))
    # Groups that land on one id (one name, one type) are one entity, unless they share a
    # document: then each keeps an id of its own (the one holding a document's entity of that
    # id keeps it), so that document's entities stay apart.
    by_id: dict[str, tuple[Entity, frozenset]] = {}
    local_to_global: dict[tuple[str, str], str] = {}
    for merged, documents, members in sorted(merged_groups, key=lambda g: (g[0].id, not _owns_id(g, items), sorted(g[1]))):
        if merged.id in by_id and (by_id[merged.id][1] & documents or None not in {
                by_id[merged.id][0].geonames_id, merged.geonames_id} and by_id[merged.id][0].geonames_id != merged.geonames_id):
            merged = replace(merged, id=_distinct_id(merged.id, [items[i] for i in members]))
        if merged.id in by_id:
            previous, seen = by_id[merged.id]
            by_id[merged.id] = (_combine(previous, merged, reason="same name"), seen | documents)
        else:
            by_id[merged.id] = (merged, documents)
        for i in members:
            doc_id, entity = items[i]
            local_to_global[(doc_id, entity.id)] = merged.id
    return GlobalResolution(tuple(sorted((e for e, _ in by_id.values()), key=lambda e: e.id)), local_to_global)


def _owns_id(group, items) -> bool:
    merged, _, members = group
    return any(items[i][1].id == merged.id for i in members)


def _distinct_id(base: str, members: Sequence[tuple[str, Entity]]) -> str:
    """An id for a group whose name another group of one of its documents has: the base id
    and a digest of its members (the same whatever the document order)."""
    import hashlib

    digest = hashlib.blake2b("\n".join(sorted(f"{d}\t{e.id}" for d, e in members)).encode("utf-8"), digest_size=4)
    return f"{base}~{digest.hexdigest()}"


def _merge_group(members: list[tuple[str, Entity]], reasons: list[str | None], known_by_key) -> Entity:
    entities = [e for _, e in members]
    names = [m.text for e in entities for m in e.mentions if m.kind == "name"] or [e.name for e in entities]
    types = {e.type for e in entities}
    entry = next((known_by_key[match_key(n)] for n in names if match_key(n) in known_by_key
                  and any(known_by_key[match_key(n)].claims(t, n) for t in types)), None)
    short = {m.name for e in entities for m in e.merged_from if m.reason.startswith("short form")}
    full = [n for n in names if n not in short] or names
    name = entry.name if entry else canonical_name(full)
    votes = Counter()
    for entity in entities:
        votes[entity.type] += sum(1 for m in entity.mentions if m.kind == "name") or 1
    entity_type = entry.type if entry else _type_for(name, votes, entities)
    linked = next((e for e in sorted(entities, key=lambda e: e.id) if e.geonames_id is not None), None)
    place = {f: getattr(linked, f) for f in _PLACE_FIELDS} if linked is not None else {}
    eid = place_entity_id(entity_type, name, linked.geonames_id if linked is not None else None)
    aliases = sorted({n for e in entities for n in (e.name, *e.aliases)} - {name})
    merges: list[Merge] = []
    for (doc_id, entity), reason in zip(members, reasons):
        merges.extend(entity.merged_from)
        if entity.name != name:
            merges.append(Merge(entity.name, reason or "same name in another document", doc_id))
    return Entity(eid, name, entity_type, tuple(aliases), (), tuple(dict.fromkeys(merges)), **place)


def _type_for(name: str, votes: Counter, entities: Sequence[Entity]) -> str:
    top = max(votes.values())
    tied = sorted(t for t, n in votes.items() if n == top)
    owner = [e.type for e in entities if e.name == name]
    return owner[0] if owner and owner[0] in tied else tied[0]
