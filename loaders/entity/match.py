"""Whether two organisation records name the same organisation: a rule and a score, or None.

Precision comes first (a wrong merge corrupts the graph), so every rule needs positive evidence and
any conflict — two different USCCs, different provinces, an enterprise and an institution, a
hospital and a university, two different universities a hospital belongs to — vetoes a match.

| rule | score | when |
|---|---|---|
| ``uscc`` | 1.00 | the same unified social credit code |
| ``name`` | 1.00 | a name or alias of one is, folded, a name or alias of the other |
| ``normalised`` | 0.98 | the same company once place, legal form and stock marks are set aside |
| ``short_name`` | 0.95 | a stock short name that opens the other's name, the rest being industry words |
| ``hospital_core`` | 0.95 | hospitals with the same distinctive core (中山) and no conflicting university or place |
| ``hospital_qualified`` | 0.93 | hospitals with the same generic core (第一人民) and the same university or place |
| ``parent`` | 0.93 | an institute with and without its academy (中国科学院上海药物研究所 / 上海药物研究所) |
| ``renamed`` | 0.97 | a former name of the other, from the curated table ``renames.csv`` (each row with its source) |
| ``affiliated`` | 0.9 | a city's numbered 人民医院 and its university-affiliated name (上海市第六人民医院 / |
|  |  | 上海交通大学医学院附属第六人民医院): the university is named after the city, or in the municipality |
| ``fuzzy`` | < 0.92 | a typo: Latin names, or the university of hospitals with the same core, that differ by one |
|  |  | or two characters after their opening (similarity >= ``FUZZY_THRESHOLD``, same numbers) |

Chinese names get no fuzzy rule of their own: one character tells 浙江工业大学 from 浙江工商大学.
A name is read together with the other names it carries (bracketed, after 暨, side by side with
· or /) and the names the curated table gives it; a match through the table is ``renamed``.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache

from loaders.entity.names import (
    CompanyName,
    InstitutionName,
    company_name,
    fold,
    generic,
    industry_only,
    institution_name,
    place_of_parent,
)
from loaders.entity.places import ACADEMIES, CITIES, MUNICIPALITIES, province_of
from loaders.entity.renames import RENAMES

FUZZY_THRESHOLD = 0.8  # similarity (difflib ratio) a typo must keep; the edit budget below bounds it too
SCORES = {"uscc": 1.0, "name": 1.0, "normalised": 0.98, "renamed": 0.97, "short_name": 0.95, "hospital_core": 0.95,
          "hospital_qualified": 0.93, "parent": 0.93, "affiliated": 0.9}
_NUMBERED_PEOPLES = re.compile(r"第[一二三四五六七八九十\d]+人民")
_NUMBERS = re.compile(r"\d+|第[一二三四五六七八九十百零〇]+|[一二三四五六七八九十]院")
_ACADEMY = re.compile(r".{2,}(?:大学|科学院|医学院|研究院)$")


@dataclass(frozen=True)
class Entity:
    """What resolution knows of a record or a node: its names (name first), and what can veto a match."""

    id: str
    kind: str  # Enterprise | Institution
    names: tuple[str, ...]
    type: str | None = None  # institution type
    province: str | None = None
    uscc: str | None = None


@dataclass(frozen=True, order=True)
class Match:
    score: float
    rule: str
    names: tuple[str, str]  # the two names that matched


@dataclass(frozen=True)
class Reading:
    """One way to read one of an entity's names: the name itself, another name it carries, or a
    name the curated table gives it (``renamed``)."""

    name: str  # the name as given, for the match's record
    parsed: CompanyName | InstitutionName
    renamed: bool = False
    carried: bool = False  # another name the name carries (in brackets, after 暨, side by side)

    @property
    def whole(self) -> bool:
        """The name itself, as given."""
        return not (self.renamed or self.carried)


@dataclass(frozen=True)
class Profile:
    """An entity's names taken apart once, and what they say together: every place and every
    university its names name."""

    entity: Entity
    readings: tuple[Reading, ...]
    places: frozenset[str]  # provinces: the record's own, else those its names give
    cities: frozenset[str]
    parents: frozenset[str]
    seats: frozenset[str] = frozenset()  # provinces of the national academies it belongs to
    named: frozenset[str] = frozenset()  # provinces its names give (whatever the record states)

    @property
    def parsed(self) -> tuple[CompanyName | InstitutionName, ...]:
        return tuple(r.parsed for r in self.readings)


@lru_cache(maxsize=1)
def _curated() -> tuple[dict[str, set[str]], dict[tuple[str, str], set[str]]]:
    """The curated renames as (folded name -> the names it also goes by) and, for hospitals of one
    university renamed from a name to a number (长海医院 -> 第一附属医院), (university, core) -> cores."""
    names: dict[str, set[str]] = defaultdict(set)
    cores: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in RENAMES:
        if r.type == "university":
            continue  # the parsers already read universities by their names now
        if r.kind == "Institution":
            old, new = institution_name(r.old), institution_name(r.new)
            if old.hospital and new.hospital and old.parent and old.parent == new.parent and old.core != new.core:
                cores[(old.parent, old.core)].add(new.core)
                cores[(new.parent, new.core)].add(old.core)
            # a name's main part stands for it, unless a unit number was set apart from it
            pairs = [(a, b) for a in _keys(old) for b in _keys(new)]
        else:
            pairs = [(fold(r.old), fold(r.new))]
        for a, b in pairs:
            names[a].add(b)
            names[b].add(a)
    return names, cores


def _keys(x: CompanyName | InstitutionName) -> tuple[str, ...]:
    """What a name is looked up by in the table: the whole name, and its main part unless a unit
    number was set apart from it."""
    if isinstance(x, CompanyName):
        return (x.folded,)
    return (x.folded,) if x.number else (x.folded, x.main)


def _curated_pair(a: Profile, b: Profile) -> Match | None:
    """Two entities the curated table names as one, by their whole names: the table outranks the
    places and universities names suggest, not what the records state (a type, a province) nor two
    unit numbers."""
    ea, eb = a.entity, b.entity
    if ea.kind != eb.kind or (ea.type and eb.type and ea.type != eb.type):
        return None
    pa, pb = province_of(ea.province), province_of(eb.province)
    if pa and pb and pa != pb:
        return None
    names, _ = _curated()
    theirs = {k: (r.name, r.parsed) for r in b.readings if r.whole for k in _keys(r.parsed)}
    for name, x in ((r.name, r.parsed) for r in a.readings if r.whole):
        for key in _keys(x):
            for other in sorted(names.get(key, ())):
                if other in theirs:
                    y = theirs[other][1]
                    if getattr(x, "number", None) and getattr(y, "number", None) and x.number != y.number:
                        continue
                    return Match(SCORES["renamed"], "renamed", (name, theirs[other][0]))
    return None


def _institution_readings(name: str) -> list[Reading]:
    x = institution_name(name)
    out = [Reading(name, x)]
    for alt in x.alternates:
        y = institution_name(alt)
        if y.hospital and not y.parent and not y.place and (x.parent or x.place):
            y = institution_name((x.parent or x.place or "") + alt)  # 朱宪彝纪念医院(代谢病医院): the university's
        elif len(y.folded) < 4:
            continue  # 皮肤病医院（研究所）: a word, not a name
        out.append(Reading(name, y, carried=True))
    names, cores = _curated()
    for r in list(out):
        p = r.parsed
        for other in set().union(*(names.get(k, set()) for k in _keys(p))):
            out.append(Reading(name, institution_name(other), True))
        for core in cores.get((p.parent, p.core), ()) if p.hospital and p.parent else ():
            out.append(Reading(name, replace(p, core=core), True))
    return out


def _company_readings(name: str) -> list[Reading]:
    out = [Reading(name, company_name(name))]
    names, _ = _curated()
    out += [Reading(name, company_name(other), True) for other in names.get(fold(name), ())]
    return out


@lru_cache(maxsize=1 << 15)
def profile(e: Entity) -> Profile:
    """The province a record states outranks the places its names suggest."""
    stated = province_of(e.province)
    places: set[str] = set()
    if e.kind == "Enterprise":
        readings = tuple(r for n in e.names for r in _company_readings(n))
        companies = [r.parsed for r in readings if not r.renamed]
        places |= {province_of(p) or p for c in companies for p in c.places}
        cities = {p for c in companies for p in c.places if p in CITIES}
        return Profile(e, readings, frozenset({stated} if stated else places), frozenset(cities), frozenset())
    readings = tuple(r for n in e.names for r in _institution_readings(n))
    institutions = [r.parsed for r in readings if not r.renamed]
    parents = {i.parent for i in institutions if i.parent}
    places |= {p for i in institutions if (p := province_of(i.place) or place_of_parent(i.parent))}
    cities = {i.place for i in institutions if i.place in CITIES}
    seats = frozenset(ACADEMIES[p] for p in parents if p in ACADEMIES)
    return Profile(e, readings, frozenset({stated} if stated else places), frozenset(cities), frozenset(parents),
                   seats, frozenset(places))


def _vetoed(a: Profile, b: Profile) -> bool:
    ea, eb = a.entity, b.entity
    if ea.kind != eb.kind or (ea.type and eb.type and ea.type != eb.type):
        return True
    # a national academy's hospital and a namesake its name places elsewhere (中国医学科学院阜外医院 /
    # 云南省阜外心血管病医院); a province the record states does not count here: the academy's
    # 皮肤病医院 is filed in 江苏
    pairs = [(a.places, b.places), (a.cities, b.cities), (a.seats, b.named - b.seats if not b.parents else set()),
             (a.named - a.seats if not a.parents else set(), b.seats)]
    for mine, theirs in pairs:
        if mine and theirs and not mine & theirs:
            return True
    return bool(a.parents and b.parents and not any(_same_parent(p, q) for p in a.parents for q in b.parents))


def _same_parent(p: str, q: str) -> bool:
    """The same university, allowing a typo (中国医学大学 for 中国医科大学)."""
    return p == q or _fuzzy(p, q) is not None


def compare(a: Entity, b: Entity) -> Match | None:
    """The best rule by which ``a`` and ``b`` are one organisation, or None.

    >>> compare(Entity("x", "Enterprise", ("君实生物-U",), province="上海"),
    ...         Entity("y", "Enterprise", ("上海君实生物医药科技股份有限公司",))).rule
    'short_name'
    >>> compare(Entity("x", "Enterprise", ("恒瑞医药",), province="江苏"),
    ...         Entity("y", "Enterprise", ("上海恒瑞医药有限公司",))) is None
    True
    """
    if a.uscc and b.uscc:
        return Match(1.0, "uscc", (a.names[0], b.names[0])) if a.uscc == b.uscc else None
    pa, pb = profile(a), profile(b)
    curated = _curated_pair(pa, pb)
    if _vetoed(pa, pb):
        return curated  # the table's knowledge outranks what the places suggest
    best = _best(pa, pb)
    return curated if curated is not None and (best is None or curated.score > best.score) else best


def _best(pa: Profile, pb: Profile) -> Match | None:
    """The best rule any reading of one entity's names and any of the other's meet."""
    best: Match | None = None
    for ra in pa.readings:
        for rb in pb.readings:
            found = _pair(ra.parsed, rb.parsed, pa, pb)
            if found is None:
                continue
            if ra.renamed or rb.renamed:
                found = ("renamed", min(found[1], SCORES["renamed"]))
            if best is None or found[1] > best.score:
                best = Match(found[1], found[0], (ra.name, rb.name))
                if best.score >= 1.0:
                    return best
    return best


def _pair(a: CompanyName | InstitutionName, b: CompanyName | InstitutionName, pa: Profile,
          pb: Profile) -> tuple[str, float] | None:
    if isinstance(a, InstitutionName) and a.number and b.number and a.number != b.number:
        return None  # （304）and （305）: two units
    if a.folded == b.folded:
        return "name", 1.0
    if isinstance(a, CompanyName):
        return _companies(a, b, pa, pb)  # type: ignore[arg-type]
    return _institutions(a, b)  # type: ignore[arg-type]


def _companies(a: CompanyName, b: CompanyName, pa: Profile, pb: Profile) -> tuple[str, float] | None:
    if a.branch or b.branch or not a.core or not b.core:
        return None
    if a.short != b.short:
        short, full, short_places = (a, b, pa.places) if a.short else (b, a, pb.places)
        if full.places and not short_places:
            # 上海恒瑞医药有限公司 may be a regional subsidiary of 恒瑞医药: only a short name whose
            # place is known (a listing's province) can be the company a place-named one is
            return None
    if a.core == b.core:
        return "normalised", SCORES["normalised"]
    if a.latin and b.latin:
        return _fuzzy(a.core, b.core)
    if a.short == b.short:
        return None
    short, full = (a, b) if a.short else (b, a)
    if (len(short.core) >= 2 and full.core.startswith(short.core) and not industry_only(short.core)
            and industry_only(full.core[len(short.core):])):
        return "short_name", SCORES["short_name"]
    return None


def _institutions(a: InstitutionName, b: InstitutionName) -> tuple[str, float] | None:
    if {a.folded, a.main} & {b.folded, b.main}:
        return "name", 1.0
    if a.hospital and b.hospital:
        return _hospitals(a, b)
    if a.hospital != b.hospital:
        return None
    short, long = sorted((a.folded, b.folded), key=len)
    if (len(short) >= 5 and long.endswith(short) and _ACADEMY.fullmatch(long[: -len(short)])
            and not generic(short)):
        return "parent", SCORES["parent"]
    return None


def _hospitals(a: InstitutionName, b: InstitutionName) -> tuple[str, float] | None:
    if a.suffix != b.suffix:
        return None
    if not a.core and not b.core and a.parent and a.parent == b.parent and a.suffix == "医院":
        return "hospital_qualified", SCORES["hospital_qualified"]  # 青岛大学医学院附属医院 / 青岛大学附属医院
    if not a.core or a.core != b.core:
        return None
    if affiliated(a, b) or affiliated(b, a):
        return "affiliated", SCORES["affiliated"]
    if a.parent and b.parent and a.parent != b.parent:
        if not _same_parent(a.parent, b.parent):
            return None
        found = _fuzzy(a.folded, b.folded)  # a typo in the university's name
        return found if found is not None else ("fuzzy", SCORES["hospital_qualified"] - 0.03)
    if a.place and b.place and a.place != b.place:
        return None  # 山东省立医院 / 威海市立医院, 广东省中医院 / 佛山市中医院: a province's and a city's
    if not generic(a.core):
        return "hospital_core", SCORES["hospital_core"]
    # a generic core (第一人民, 口腔) needs the same university, or the very same place, on both sides
    if (a.parent and a.parent == b.parent) or (a.place and a.place == b.place):
        return "hospital_qualified", SCORES["hospital_qualified"]
    return None


def affiliated(city: InstitutionName, university: InstitutionName) -> bool:
    """Whether ``city`` (a numbered 人民医院 named by its city) is ``university`` (the same numbered
    人民医院, named by the university it is affiliated with): the university is named after the city
    or, in a municipality, lies in it (上海市第六人民医院 / 上海交通大学医学院附属第六人民医院).  Only
    numbered 人民医院, whose numbers a city gives once: 天津市口腔医院 is not 天津医科大学口腔医院, and
    南京市第一医院 is not 南京医科大学第一附属医院."""
    if not city.place or city.parent or not university.parent or university.place:
        return False
    if not _NUMBERED_PEOPLES.fullmatch(city.core):
        return False
    return university.parent.startswith(city.place) or (
        city.place in MUNICIPALITIES and place_of_parent(university.parent) == city.place)


def _fuzzy(a: str, b: str) -> tuple[str, float] | None:
    """A typo: similar names whose few differing characters sit after the opening (where Chinese
    names put their place and brand: 黔南 / 黔东南 are two prefectures, not a typo)."""
    if min(len(a), len(b)) < 6 or _NUMBERS.findall(a) != _NUMBERS.findall(b):
        return None
    matcher = SequenceMatcher(None, a, b)
    ratio = matcher.ratio()
    if ratio < FUZZY_THRESHOLD:
        return None  # (difflib's ratio: 2 * matching characters / both lengths)
    longest = max(len(a), len(b))
    diffs = [op for op in matcher.get_opcodes() if op[0] != "equal"]
    changed = sum(max(i2 - i1, j2 - j1) for _, i1, i2, j1, j2 in diffs)
    if changed > (1 if longest < 12 else 2) or any(min(i1, j1) < 0.4 * longest for _, i1, _, j1, _ in diffs):
        return None
    return "fuzzy", round(0.92 * ratio, 3)
