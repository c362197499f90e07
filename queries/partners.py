"""Partners for a station: institutions to bring in, and stations to learn from (站间交流).

``partners_for_station(store, station, top=10, as_of=today)``:

- the station's *districts* are those it serves (a core: also those its member stations serve);
  its *enterprises* those in them, and its *demand* their fields (IN_FIELD), counted per enterprise;
- *institutions*: every institution (universities, institutes, hospitals, agencies, associations,
  testing labs …) and every enterprise providing a service segment (``SERVICE_SEGMENTS``: CROs,
  CDMOs, testing, registration) that the station has no tie to: no station or service point of it
  sited there, no service record of it for them (a core: nor of its member stations).  ``score = Σ weight × part`` over
  ``PARTNER_WEIGHTS``: ``relevance``, the share of its enterprises in a field the candidate states
  (IN_FIELD, or the fields of its PROVIDES edges) or a related one (0.25 when it states none);
  ``capacity`` as in ``queries.scoring`` (patents: all of them); ``proximity``: 1 in one of its districts, 0.5 in its
  network (一核多站), 0.25 elsewhere in Shanghai, else 0.  Ties by id.
- *stations*: every other station whose districts have providers of a segment the station's
  districts lack (segments of the chains of its demand) or suppliers in a field of its demand that
  its districts lack (organisations stating that field, or a related one, for a segment they
  provide); each with those segments and fields, ranked by how many, then by their providers, then id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from graph.interface import Store
from ontology import FIELD_BY_ID, SEGMENTS, InvalidInput
from ontology.segments import SERVICE_SEGMENTS
from queries.coverage_facts import Named
from queries.evidence import Plan, explain
from queries.matching import providers_by_segment
from queries.org_facts import Placed, PlacedQuery, Profile, ProfilesQuery, Region, RegionQuery, TracksQuery
from queries.scoring import Evidence, Reason, capacity, check_weights, in_shanghai, networks, related, score
from queries.terms import day_of, node_id

PARTNER_WEIGHTS: Mapping[str, float] = {"relevance": 0.50, "capacity": 0.25, "proximity": 0.25}
INSTITUTION_TYPES = ("university", "research_institute", "hospital", "agency", "association", "testing_lab", "other")
TYPE_ZH = {"university": "高校", "research_institute": "科研院所", "hospital": "医院", "agency": "政府机构",
           "association": "行业协会", "testing_lab": "检验检测机构", "other": "其他机构"}


@dataclass(frozen=True)
class Partner:
    id: str
    name: str
    kind: str
    type: str | None
    score: float
    parts: Mapping[str, float]
    reasons: tuple[Reason, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Peer:
    station: Named
    segments: tuple[str, ...]  # where this station's districts lack providers and the peer's have some
    fields: tuple[str, ...]
    providers: int  # the peer's providers in those segments and fields


@dataclass(frozen=True)
class PartnersReport:
    station: Named
    districts: tuple[str, ...]
    enterprises: int
    demand: tuple[tuple[str, int], ...]  # (field, enterprises), most first
    institutions: tuple[Partner, ...]
    stations: tuple[Peer, ...]


def partners_for_station(store: Store, station: str, top: int = 10, as_of: date | None = None,
                         weights: Mapping[str, float] | None = None) -> PartnersReport:
    """Institutions the station should bring in, and stations it should learn from."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidInput(f"top must be a whole number >= 1, got {top!r}")
    w = check_weights(weights or {}, PARTNER_WEIGHTS)
    day = day_of(as_of)
    sid = node_id(store, station, ("Station",), "station")
    region = store.evaluate(RegionQuery())
    me = next(s for s in region.stations if s.id == sid)
    mine = _districts(region, sid)
    placed = store.evaluate(PlacedQuery())
    ents = [p for p in placed if p.kind == "Enterprise" and set(p.districts) & mine]
    demand: dict[str, int] = {}
    for e in ents:
        for f in e.fields:
            demand[f] = demand.get(f, 0) + 1
    tied = set(store.evaluate(TracksQuery(sid, day))) | set(me.sites)
    for s in region.stations:
        if sid in s.parents:  # a core's member stations' points and records are the core's too
            tied |= set(s.sites) | set(store.evaluate(TracksQuery(s.id, day)))
    found = {**store.evaluate(ProfilesQuery(day, types=INSTITUTION_TYPES)),
             **{k: p for k, p in store.evaluate(ProfilesQuery(day, segments=SERVICE_SEGMENTS)).items()
                if p.kind == "Enterprise"}}
    network = networks(region)
    near = set().union(*(network.get(d, frozenset()) for d in mine)) if mine else set()
    share = _Share(ents)
    scored = []
    for p in found.values():
        if p.id in tied or p.credit == "D":
            continue
        parts, facts = _partner_parts(p, demand, share, mine, near)
        scored.append((score(parts, w), p, parts, facts))
    scored.sort(key=lambda r: (-r[0], r[1].id))
    chosen = scored[:top]
    plans = [[*(Plan((p.id, g), ("IN_FIELD",)) for g in f["fields"] if g in p.fields),
              *(Plan((p.id, s), ("PROVIDES",)) for s, g in p.provides if g in f["fields"] or s in SERVICE_SEGMENTS),
              *(Plan((p.id, d, sid), ("IN_DISTRICT", "SERVES")) for d in sorted(set(p.districts) & set(me.districts)))]
             for _, p, _, f in chosen]
    evidence = explain(store, plans, day)
    institutions = tuple(Partner(p.id, p.name, p.kind, p.type, s, parts, _reasons(p, f), ev)
                         for (s, p, parts, f), ev in zip(chosen, evidence, strict=True))
    ranked_demand = tuple(sorted(demand.items(), key=lambda x: (-x[1], x[0])))
    return PartnersReport(Named(sid, me.name), tuple(sorted(mine)), len(ents), ranked_demand, institutions,
                          _peers(region, sid, mine, placed, demand))


def _districts(region: Region, sid: str) -> set[str]:
    out = set()
    for s in region.stations:
        if s.id == sid or sid in s.parents:
            out |= set(s.districts)
    return out


class _Share:
    """The share of the station's enterprises with a field among a set (enterprises as bits, so that
    thousands of candidates cost a few OR of integers each)."""

    def __init__(self, ents: list[Placed]) -> None:
        self.n = len(ents)
        self.bits: dict[str, int] = {}
        for i, e in enumerate(ents):
            for f in e.fields:
                self.bits[f] = self.bits.get(f, 0) | (1 << i)
        self.known: dict[frozenset[str], float] = {}

    def __call__(self, fields: frozenset[str]) -> float:
        if fields not in self.known:
            union = 0
            for f in fields:
                union |= self.bits.get(f, 0)
            self.known[fields] = union.bit_count() / self.n if self.n else 0.0
        return self.known[fields]


def _partner_parts(p: Profile, demand: Mapping[str, int], share_of: _Share, mine: set[str], near: set[str]):
    stated = sorted(set(p.fields) | {g for _, g in p.provides if g})
    hit = {f for f in demand for g in stated if f == g or (f in FIELD_BY_ID and g in FIELD_BY_ID and related(f, g))}
    share = share_of(frozenset(hit))
    relevance = share if stated else 0.25
    where = set(p.districts)
    prox = 1.0 if where & mine else 0.5 if where & near else 0.25 if in_shanghai(p) else 0.0
    parts = {"relevance": round(relevance, 6), "capacity": capacity(p, p.patents), "proximity": prox}
    return parts, {"fields": sorted(hit, key=lambda f: (-demand[f], f)), "stated": stated, "share": share,
                   "proximity": prox}


def _reasons(p: Profile, f: dict) -> tuple[Reason, ...]:
    what = TYPE_ZH.get(p.type or "", "") if p.kind == "Institution" else "第三方服务机构"
    out = [Reason("type", what)] if what else []
    if f["fields"]:
        names = "、".join(FIELD_BY_ID[x].zh for x in f["fields"][:3])
        out.append(Reason("relevant_fields", f"与本站{f['share']:.0%}的企业领域相关（{names}）"))
    elif not f["stated"]:
        out.append(Reason("general", "未限定领域，面向各类企业"))
    services = sorted({s for s, _ in p.provides if s in SERVICE_SEGMENTS})
    if services:
        names = "、".join(next(x.zh for x in SEGMENTS if x.id == s) for s in services[:3])
        out.append(Reason("services", "提供" + names))
    if p.approved or p.trials or p.patents:
        out.append(Reason("capacity", f"已获批产品{p.approved}个，承接临床试验{p.trials}项，专利{p.patents}件"))
    out.append(Reason("proximity", {1.0: "位于本站服务区", 0.5: "位于同一核心站的服务网络", 0.25: "位于上海"}.get(
        f["proximity"], "不在上海或地点不详")))
    out.append(Reason("no_tie", "本站尚未驻点或服务过"))
    return tuple(out)


def _peers(region: Region, sid: str, mine: set[str], placed: tuple[Placed, ...],
           demand: Mapping[str, int]) -> tuple[Peer, ...]:
    chains = {FIELD_BY_ID[f].domain for f in demand if f in FIELD_BY_ID}
    wanted = [s.id for s in SEGMENTS if s.chain in chains]

    offers = []  # per organisation: where it is, the wanted segments it provides, the demanded fields it supplies
    by_segment = providers_by_segment(placed, set(wanted))
    offered_by: dict[str, list[str]] = {}
    for s in wanted:
        for p in by_segment.get(s, ()):
            offered_by.setdefault(p.id, []).append(s)
    kin = {g: {f for f in demand if f == g or (f in FIELD_BY_ID and g in FIELD_BY_ID and related(f, g))}
           for g in {*FIELD_BY_ID, *demand}}  # a stated field -> the demanded fields it supplies
    for p in placed:
        segs = tuple(offered_by.get(p.id, ()))
        fields: tuple[str, ...] = ()
        if p.provides or p.kind == "Institution":
            stated = {g for _, g in p.provides if g} or set(p.fields)
            fields = tuple(sorted(set().union(*(kin.get(g, ()) for g in stated))))
        if segs or fields:
            offers.append((frozenset(p.districts), segs, fields))

    def supply(districts: set[str]) -> tuple[dict[str, int], dict[str, int]]:
        segs: dict[str, int] = {}
        fields: dict[str, int] = {}
        for where, offered, supplied in offers:
            if where & districts:
                for x in offered:
                    segs[x] = segs.get(x, 0) + 1
                for x in supplied:
                    fields[x] = fields.get(x, 0) + 1
        return segs, fields

    own_segs, own_fields = supply(mine)
    weak_segs = [s for s in wanted if not own_segs.get(s)]
    weak_fields = sorted(f for f in demand if not own_fields.get(f))
    peers = []
    for s in region.stations:
        theirs = _districts(region, s.id) - mine
        if s.id == sid or sid in s.parents or s.id in region_parents(region, sid) or not theirs:
            continue
        segs, fields = supply(theirs)
        strong_s = tuple(x for x in weak_segs if segs.get(x))
        strong_f = tuple(x for x in weak_fields if fields.get(x))
        if strong_s or strong_f:
            count = sum(segs[x] for x in strong_s) + sum(fields[x] for x in strong_f)
            peers.append(Peer(Named(s.id, s.name), strong_s, strong_f, count))
    peers.sort(key=lambda p: (-(len(p.segments) + len(p.fields)), -p.providers, p.station.id))
    return tuple(peers)


def region_parents(region: Region, sid: str) -> tuple[str, ...]:
    return next((s.parents for s in region.stations if s.id == sid), ())
