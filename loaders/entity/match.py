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
| ``fuzzy`` | < 0.92 | a typo: Latin names, or the university of hospitals with the same core, that differ by one |
|  |  | or two characters after their opening (similarity >= ``FUZZY_THRESHOLD``, same numbers) |

Chinese names get no fuzzy rule of their own: one character tells 浙江工业大学 from 浙江工商大学.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from loaders.entity.names import (
    CompanyName,
    InstitutionName,
    company_name,
    generic,
    industry_only,
    institution_name,
    place_of_parent,
)
from loaders.entity.places import CITIES, province_of

FUZZY_THRESHOLD = 0.8  # similarity (difflib ratio) a typo must keep; the edit budget below bounds it too
SCORES = {"uscc": 1.0, "name": 1.0, "normalised": 0.98, "short_name": 0.95, "hospital_core": 0.95,
          "hospital_qualified": 0.93, "parent": 0.93}
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
class Profile:
    """An entity's names taken apart once, and what they say together: every place and every
    university its names name."""

    entity: Entity
    parsed: tuple[CompanyName, ...] | tuple[InstitutionName, ...]
    places: frozenset[str]  # provinces: the record's own, else those its names give
    cities: frozenset[str]
    parents: frozenset[str]


@lru_cache(maxsize=1 << 15)
def profile(e: Entity) -> Profile:
    """The province a record states outranks the places its names suggest."""
    stated = province_of(e.province)
    places: set[str] = set()
    if e.kind == "Enterprise":
        companies = tuple(company_name(n) for n in e.names)
        places |= {province_of(p) or p for c in companies for p in c.places}
        cities = {p for c in companies for p in c.places if p in CITIES}
        return Profile(e, companies, frozenset({stated} if stated else places), frozenset(cities), frozenset())
    institutions = tuple(institution_name(n) for n in e.names)
    parents = {i.parent for i in institutions if i.parent}
    places |= {p for i in institutions if (p := province_of(i.place) or place_of_parent(i.parent))}
    cities = {i.place for i in institutions if i.place in CITIES}
    return Profile(e, institutions, frozenset({stated} if stated else places), frozenset(cities), frozenset(parents))


def _vetoed(a: Profile, b: Profile) -> bool:
    ea, eb = a.entity, b.entity
    if ea.kind != eb.kind or (ea.type and eb.type and ea.type != eb.type):
        return True
    for mine, theirs in ((a.places, b.places), (a.cities, b.cities)):
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
    if _vetoed(pa, pb):
        return None
    best: Match | None = None
    for na, xa in zip(a.names, pa.parsed, strict=True):
        for nb, xb in zip(b.names, pb.parsed, strict=True):
            found = _pair(xa, xb, pa, pb)
            if found is not None and (best is None or found[1] > best.score):
                best = Match(found[1], found[0], (na, nb))
                if best.score >= 1.0:
                    return best
    return best


def _pair(a: CompanyName | InstitutionName, b: CompanyName | InstitutionName, pa: Profile,
          pb: Profile) -> tuple[str, float] | None:
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
    if {a.folded, a.main, *a.alternates} & {b.folded, b.main, *b.alternates}:
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
    if a.suffix != b.suffix or not a.core or a.core != b.core:
        return None
    if a.parent and b.parent and a.parent != b.parent:
        if not _same_parent(a.parent, b.parent):
            return None
        found = _fuzzy(a.folded, b.folded)  # a typo in the university's name
        return found if found is not None else ("fuzzy", SCORES["hospital_qualified"] - 0.03)
    if a.place and b.place and province_of(a.place) != province_of(b.place):
        return None
    if not generic(a.core):
        return "hospital_core", SCORES["hospital_core"]
    # a generic core (第一人民, 口腔) needs the same university, or the very same place, on both sides
    if (a.parent and a.parent == b.parent) or (a.place and a.place == b.place):
        return "hospital_qualified", SCORES["hospital_qualified"]
    return None


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
