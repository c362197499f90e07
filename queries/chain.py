"""Chain gaps (补链 / 延链): which segments of a field's industry chain have no provider in a district.

``chain_gaps(store, district, field, as_of=today)``:

- the *chain* is every segment of the field's domain (drug or device), in chain order;
- a segment's *providers* are the organisations that provide it (a PROVIDES edge, or by type as in
  ``queries.matching``) with a field fit other than ``other`` (they state the field, a field related
  to it, or no field), never one rated D; *local* ones have an IN_DISTRICT edge to the district;
- ``top``: up to three local providers, by field fit, then capacity (as ``queries.matching``), then id;
- a *gap* is a segment with no local provider; for each gap, ``nearest``: up to three other districts
  with providers, nearest first.  A district's place is the mean of the coordinates of its parks
  and institutions that have them; the distance is great-circle between those means.  Districts
  without a place come after those with one, by providers (most first), then id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph.interface import Store
from graph.view import CypherRun, GraphView
from ontology import FIELD_BY_ID, SEGMENTS
from queries.coverage import resolve_district
from queries.coverage_facts import Named
from queries.geo import great_circle_km
from queries.matching import providers_by_segment, provides_by
from queries.org_facts import DistrictFact, Profile, ProfilesQuery, Region, RegionQuery, StrengthQuery
from queries.scoring import capacity, family, field_fit
from queries.terms import day_of, field_id

TOP = 3
NEAREST = 3


@dataclass(frozen=True)
class Nearby:
    district: Named
    providers: int
    km: float | None  # None where either district has no place


@dataclass(frozen=True)
class ChainSegment:
    segment: str
    name: str
    position: str  # upstream | midstream | downstream
    providers: int  # local
    top: tuple[Named, ...]
    nearest: tuple[Nearby, ...]  # gaps only


@dataclass(frozen=True)
class ChainReport:
    district: Named
    field: str
    chain: str  # drug | device
    segments: tuple[ChainSegment, ...]
    gaps: tuple[str, ...]


def chain_gaps(store: Store, district: str, field: str, as_of: date | None = None) -> ChainReport:
    """Each segment of the field's chain: local providers, and for the gaps the nearest districts that have some."""
    d = resolve_district(store, district)
    f = field_id(field)
    day = day_of(as_of)
    chain = FIELD_BY_ID[f].domain
    segments = [s for s in SEGMENTS if s.chain == chain]
    found, strength, region = store.evaluate(ChainFactsQuery(d, f, tuple(s.id for s in segments), day))
    places = {x.id: x for x in region.districts}
    here = places.get(d) or DistrictFact(d, d, None, None)
    by_segment = providers_by_segment(found.values(), {s.id for s in segments})
    out, gaps = [], []
    for s in segments:
        able = [p for p in by_segment.get(s.id, ()) if _able(p, s.id, f)]
        local = sorted((p for p in able if d in p.districts), key=lambda p: _rank(p, s.id, f, strength))
        nearest: tuple[Nearby, ...] = ()
        if not local:
            gaps.append(s.id)
            nearest = _nearest(here, able, places)
        out.append(ChainSegment(s.id, s.zh, s.position, len(local), tuple(Named(p.id, p.name) for p in local[:TOP]),
                                nearest))
    return ChainReport(Named(d, here.name), f, chain, tuple(out), tuple(gaps))


@dataclass(frozen=True)
class ChainFactsQuery:
    """The providers of the chain's segments (without patent counts), the patents in the field's
    family of those in the district (only they are ranked), and the districts' places; one read."""

    district: str
    field: str
    segments: tuple[str, ...]
    as_of: date

    def _read(self, read) -> tuple[dict[str, Profile], dict, Region]:
        found = read(ProfilesQuery(self.as_of, segments=self.segments, patents=False))
        local = tuple(sorted(i for i, p in found.items() if self.district in p.districts))
        strength = read(StrengthQuery(((self.field, family(self.field)),), self.as_of, ids=local)) if local else {}
        return found, strength, read(RegionQuery())

    def on_graph(self, view: GraphView):
        return self._read(lambda q: q.on_graph(view))

    def on_cypher(self, run: CypherRun):
        return self._read(lambda q: q.on_cypher(run))


def _able(p: Profile, segment: str, field: str) -> bool:
    """Provides the segment with a field fit other than ``other``, and is not rated D."""
    if p.credit == "D":
        return False
    edge_fields, rule = provides_by(p, segment)
    if not edge_fields and rule is None:
        return False
    return field_fit(field, [x for x in edge_fields if x] or list(p.fields))[0] != "other"


def _rank(p: Profile, segment: str, field: str, strength: dict) -> tuple:
    edge_fields, _ = provides_by(p, segment)
    fit = field_fit(field, [x for x in edge_fields if x] or list(p.fields))[1]
    return (-fit, -capacity(p, strength.get((field, p.id), (0, 0))[0]), p.id)


def _nearest(here: DistrictFact, providers: list[Profile], places: dict[str, DistrictFact]) -> tuple[Nearby, ...]:
    counts: dict[str, int] = {}
    for p in providers:
        for x in p.districts:
            if x != here.id:
                counts[x] = counts.get(x, 0) + 1

    def km(x: str) -> float | None:
        there = places.get(x)
        if there is None or None in (here.lat, here.lon, there.lat, there.lon):
            return None
        return round(great_circle_km(here.lat, here.lon, there.lat, there.lon), 1)  # type: ignore[arg-type]

    rows = [(km(x), -n, x) for x, n in counts.items()]
    rows.sort(key=lambda r: (r[0] is None, r[0] or 0.0, r[1], r[2]))
    return tuple(Nearby(Named(x, places[x].name if x in places else x), -n, k) for k, n, x in rows[:NEAREST])
