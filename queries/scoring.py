"""The parts every matching score is made of: field fit, proximity, capacity, credit, ties on the
collaboration graph; the reasons and evidence that explain them.  Pure functions over
``queries.org_facts`` records.

Field fit of a provider to a need in field F: ``same`` (it states F) 1.0 > ``related`` (it states
an ancestor or a descendant of F in the taxonomy) 0.5 > ``none`` (it states no field, or the need
has none) 0.25 > ``other`` (only unrelated fields) 0.

Proximity of two organisations: ``same_park`` 1.0 > ``same_district`` 0.75 > ``same_network`` (their
districts are served by stations of one core, 一核多站) 0.5 > ``shanghai`` 0.25 > ``elsewhere``
(outside Shanghai, or where unknown) 0.

>>> field_fit("field:antibody", ("field:biologic",))
('related', 0.5, 'field:biologic')
>>> saturation(3, 3)
0.5
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from math import log

from ontology import FIELD_BY_ID, ancestors
from queries.org_facts import EdgeFact, Profile, Region

FIT = {"same": 1.0, "related": 0.5, "none": 0.25, "other": 0.0}
PROXIMITY = {"same_park": 1.0, "same_district": 0.75, "same_network": 0.5, "shanghai": 0.25, "elsewhere": 0.0}
CREDIT = {"A": 1.0, "B": 0.6, "C": 0.3, None: 0.5}  # D never appears; unknown sits between B and C
SHANGHAI = ("上海", "上海市")


@dataclass(frozen=True)
class Reason:
    """Why a result earned (part of) its score: an English key and a short sentence in Chinese."""

    key: str
    text: str


@dataclass(frozen=True)
class Evidence:
    """A path of node ids and the stored edges along it (with provenance); ``note`` says in words
    what a path without edges rests on (a property of a node, a rule of the ontology)."""

    path: tuple[str, ...]
    edges: tuple[EdgeFact, ...]
    note: str | None = None


@cache
def family(field: str) -> tuple[str, ...]:
    """A field and its descendants."""
    out = [field]
    for f in FIELD_BY_ID.values():
        if field in ancestors(f.id):
            out.append(f.id)
    return tuple(out)


@cache
def related(a: str, b: str) -> bool:
    return a in ancestors(b) or b in ancestors(a)


def field_fit(need: str | None, stated: Iterable[str]) -> tuple[str, float, str | None]:
    """(level, value, the stated field that earned it) of a provider stating ``stated`` for a need in ``need``."""
    stated = sorted(set(stated))
    if not need or not stated:
        return "none", FIT["none"], None
    if need in stated:
        return "same", FIT["same"], need
    for f in stated:
        if f in FIELD_BY_ID and need in FIELD_BY_ID and related(need, f):
            return "related", FIT["related"], f
    return "other", FIT["other"], None


def saturation(n: float, half: float) -> float:
    """0 for nothing, 1/2 at ``half``, towards 1 for much more: counts on one scale."""
    return n / (n + half) if n > 0 else 0.0


def networks(region: Region) -> dict[str, frozenset[str]]:
    """District -> the districts served by the stations of its core (一核多站), itself included."""
    groups: dict[str, set[str]] = {}
    for s in region.stations:
        for core in (s.parents or ((s.id,) if s.type == "core" else ())):
            groups.setdefault(core, set()).update(s.districts)
    out: dict[str, set[str]] = {}
    for districts in groups.values():
        for d in districts:
            out.setdefault(d, set()).update(districts)
    return {d: frozenset(v) for d, v in out.items()}


def in_shanghai(p: Profile) -> bool:
    return bool(p.districts) or p.province in SHANGHAI or p.city in SHANGHAI


def proximity(a: Profile, b: Profile, network: Mapping[str, frozenset[str]]) -> tuple[str, str | None]:
    """(level, the park or district it rests on) between two organisations."""
    parks = sorted(set(a.parks) & set(b.parks))
    if parks:
        return "same_park", parks[0]
    districts = sorted(set(a.districts) & set(b.districts))
    if districts:
        return "same_district", districts[0]
    for d in a.districts:
        if network.get(d, frozenset()) & set(b.districts):
            return "same_network", d
    if in_shanghai(a) and in_shanghai(b):
        return "shanghai", None
    return "elsewhere", None


CAPACITY_HALF = 3  # approved products, trials or patents that earn half of a capacity third


def capacity(p: Profile, patents: int) -> float:
    """Evidence of capacity: the mean of ``n / (n + 3)`` over its approved products, the trials it
    hosts and ``patents`` (those that count for the question), rounded.

    >>> p = Profile("e", "Enterprise", "e", None, None, None, None, (), (), (), (), False, False, 3, 0, 0, (), ())
    >>> capacity(p, 0)  # three approved products: (3/6 + 0 + 0) / 3
    0.166667
    """
    return round((saturation(p.approved, CAPACITY_HALF) + saturation(p.trials, CAPACITY_HALF)
                  + saturation(patents, CAPACITY_HALF)) / 3, 6)


def patents_in(p: Profile, fields: Iterable[str]) -> tuple[int, int]:
    """(patents, of them on offer) of ``p`` classified in any of ``fields`` (a patent in two counts twice)."""
    wanted = set(fields)
    n = t = 0
    for f, count, offered in p.patent_fields:
        if f in wanted:
            n, t = n + count, t + offered
    return n, t


def adamic_adar(shared: Iterable[str], degree: Mapping[str, int]) -> float:
    """Σ 1/log(degree) over shared neighbours (a shared neighbour has degree ≥ 2)."""
    return sum(1 / log(degree[z]) for z in shared if degree.get(z, 0) > 1)


def score(parts: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """The weighted sum, rounded so that both backends and every platform agree on ties."""
    return round(sum(weights[k] * parts[k] for k in weights), 6)


def check_weights(weights: Mapping[str, float], defaults: Mapping[str, float]) -> dict[str, float]:
    """``weights`` over ``defaults``: known names, finite numbers >= 0."""
    from math import isfinite

    from ontology import InvalidInput

    out = dict(defaults)
    for k, v in weights.items():
        if k not in defaults:
            raise InvalidInput(f"weight {k!r}: unknown; the weights are {', '.join(defaults)}")
        if isinstance(v, bool) or not isinstance(v, int | float) or not isfinite(v) or v < 0:
            raise InvalidInput(f"weight {k!r}: must be a number >= 0, got {v!r}")
        out[k] = float(v)
    return out
