"""产学研用 brokering: which universities, research institutes and hospitals fit an organisation or
a field, and which station should make the introduction.

``broker(store, org=None, field=None, top=10, as_of=today)``: the *fields* are the given one, else
the org's own (IN_FIELD), its products' and its needs' fields; each counts with its subfields.
Candidates are every university, research institute and hospital (never an enterprise, never the
org).  ``score = Σ weight × part`` over ``BROKER_WEIGHTS``, each part in [0, 1]:

- ``patents``: its patents in the fields, ``n / (n + 10)``;
- ``transferable``: of them, those on offer (transferable, granted or pending), ``n / (n + 3)``;
- ``fields``: the best field fit of its declared research fields (``queries.scoring``);
- ``specialty``: hospitals' ranking strength in a specialty serving the fields (the Fudan
  ranking's RANKED edges, where loaded; a year's list counts from the next year on): per year,
  rank r earns ``(11 - r) / 10`` (at least 0.05, and 0.05 for a nomination), each year weighing
  ``0.8 ** (as_of.year - year)``, divided by the weight of every year the loaded rankings cover (a
  hospital absent from recent lists fades); the best specialty counts;
- ``gcp``: 1 for a hospital with the GCP filing of the fields' domain (drug or device);
- ``network``: Adamic–Adar between it and the org on the collaboration graph (COLLABORATES and
  co-applied patents, dated up to ``as_of``), ``aa / (aa + 1)``; 0 without an org.

Ties in score are broken by id.  ``station``: the station that should broker it, the station
serving the org's district (a member station before its core), else the core (the first by id).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TypeVar

from graph.interface import Store
from graph.view import CypherRun, GraphView
from ontology import FIELD_BY_ID, SPECIALTY_BY_ID, InvalidInput
from queries.coverage_facts import Named
from queries.evidence import LINK, Plan, evidence_query, filled
from queries.org_facts import (
    Ego,
    EgoQuery,
    PatentsOfQuery,
    Profile,
    ProfilesQuery,
    Region,
    RegionQuery,
    StrengthQuery,
)
from queries.scoring import Evidence, Reason, adamic_adar, check_weights, family, field_fit, saturation, score
from queries.terms import by_org, day_of, field_id

BROKER_WEIGHTS: Mapping[str, float] = {"patents": 0.25, "transferable": 0.15, "fields": 0.15, "specialty": 0.15,
                                       "gcp": 0.10, "network": 0.20}
BROKER_TYPES = ("university", "research_institute", "hospital")
YEAR_DECAY = 0.8
T = TypeVar("T")


@dataclass(frozen=True)
class Broker:
    id: str
    name: str
    type: str
    score: float
    parts: Mapping[str, float]
    reasons: tuple[Reason, ...]
    evidence: tuple[Evidence, ...]
    station: Named | None


@dataclass(frozen=True)
class BrokerReport:
    org: Named | None
    fields: tuple[str, ...]
    as_of: date
    results: tuple[Broker, ...]


def fields_of(ego: Ego) -> tuple[str, ...]:
    """An org's fields: its own, its products' and its needs'."""
    found = set(ego.profile.fields) | {f for p in ego.products for f in p.fields} | {f for _, f in ego.needs if f}
    return tuple(sorted(f for f in found if f in FIELD_BY_ID))


def asked(store: Store, org: str | None, field: str | None, ask: Callable[[str | None, str | None], T]) -> T:
    """``ask(org id, field id)`` for the org and field as given (one of them at least)."""
    if org is None and field is None:
        raise InvalidInput("give an org, a field, or both")
    fld = field_id(field) if field is not None else None
    return ask(None, fld) if org is None else by_org(store, org, lambda o: ask(o, fld))


def no_field(ego: Ego) -> InvalidInput:
    return InvalidInput(f"org: {ego.profile.name} states no field (of its own, its products or needs); give a field")


@dataclass(frozen=True)
class BrokerFacts:
    ego: Ego | None
    fields: tuple[str, ...]  # () when the org states none
    profiles: Mapping[str, Profile]  # the candidates, without patent counts
    strength: Mapping[tuple[str, str], tuple[int, int]]  # ("", id) -> patents in the fields' family, on offer
    region: Region  # its stations (no districts)


@dataclass(frozen=True)
class BrokerFactsQuery:
    """What brokering reads, in one go (``StrengthQuery`` counts the patents from the fields' side)."""

    org: str | None
    field: str | None
    as_of: date

    def _read(self, ego: Ego | None, read) -> BrokerFacts:
        fields = (self.field,) if self.field else fields_of(ego) if ego else ()
        fam = tuple(sorted({x for f in fields for x in family(f)}))
        profiles = read(ProfilesQuery(self.as_of, types=BROKER_TYPES, patents=False))
        strength = read(StrengthQuery((("", fam),), self.as_of, types=BROKER_TYPES)) if fam else {}
        return BrokerFacts(ego, fields, profiles, strength, read(RegionQuery(places=False)))

    def on_graph(self, view: GraphView) -> BrokerFacts:
        ego = EgoQuery(self.org, self.as_of).on_graph(view) if self.org else None
        return self._read(ego, lambda q: q.on_graph(view))

    def on_cypher(self, run: CypherRun) -> BrokerFacts:
        ego = EgoQuery(self.org, self.as_of).on_cypher(run) if self.org else None
        return self._read(ego, lambda q: q.on_cypher(run))


def broker(store: Store, org: str | None = None, field: str | None = None, top: int | None = 10,
           as_of: date | None = None, weights: Mapping[str, float] | None = None) -> BrokerReport:
    """Universities, institutes and hospitals ranked for the org or field (see the module's docstring);
    ``top=None`` ranks them all."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InvalidInput(f"top must be a whole number >= 1, got {top!r}")
    w = check_weights(weights or {}, BROKER_WEIGHTS)
    day = day_of(as_of)
    return asked(store, org, field, lambda o, f: store.evaluate(BrokerQuery(o, f, day, top, tuple(sorted(w.items())))))


@dataclass(frozen=True)
class BrokerQuery:
    """A whole brokering answer in one read: the facts, the scores, then the evidence."""

    org: str | None
    field: str | None
    as_of: date
    top: int | None
    weights: tuple[tuple[str, float], ...]

    def on_graph(self, view: GraphView) -> BrokerReport:
        return self._answer(BrokerFactsQuery(self.org, self.field, self.as_of).on_graph(view),
                            lambda q: q.on_graph(view))

    def on_cypher(self, run: CypherRun) -> BrokerReport:
        return self._answer(BrokerFactsQuery(self.org, self.field, self.as_of).on_cypher(run),
                            lambda q: q.on_cypher(run))

    def _answer(self, facts: BrokerFacts, read) -> BrokerReport:
        ego, fields, found, region = facts.ego, facts.fields, facts.profiles, facts.region
        day, top = self.as_of, self.top
        if not fields:
            raise no_field(ego)  # type: ignore[arg-type]
        fam = tuple(sorted({x for f in fields for x in family(f)}))
        years = sorted({r[2] for p in found.values() for r in p.rankings})
        me = ego.profile.id if ego else None
        partners = dict(ego.second) if ego else {}
        degree = {z: len(n) for z, n in partners.items()}
        shared_of: dict[str, list[str]] = {}
        for z in ego.partners if ego else ():
            for c in partners.get(z, ()):
                shared_of.setdefault(c, []).append(z)
        scored = []
        for p in found.values():
            if p.id == me:
                continue
            n, t = facts.strength.get(("", p.id), (0, 0))
            fit = max((field_fit(f, p.fields) for f in fields), key=lambda x: x[1])
            best = _specialty(p, fam, years, day.year)
            gcp = _gcp(p, fields)
            shared = tuple(shared_of.get(p.id, ()))
            aa = adamic_adar(shared, degree)
            parts = {"patents": round(saturation(n, 10), 6), "transferable": round(saturation(t, 3), 6),
                     "fields": fit[1], "specialty": round(best[0], 6), "gcp": 1.0 if gcp else 0.0,
                     "network": round(aa / (aa + 1), 6)}
            why = {"n": n, "t": t, "fit": fit, "best": best, "gcp": gcp, "shared": shared, "aa": aa}
            scored.append((score(parts, dict(self.weights)), p, parts, why))
        scored.sort(key=lambda r: (-r[0], r[1].id))
        chosen = scored if top is None else scored[:top]
        station = _station(ego, region)
        evidence = _evidence(read, chosen, ego, fam, day) if top is not None else [()] * len(chosen)
        results = tuple(Broker(p.id, p.name, p.type or "", s, parts, _reasons(p, f), ev, station)
                        for (s, p, parts, f), ev in zip(chosen, evidence, strict=True))
        return BrokerReport(Named(ego.profile.id, ego.profile.name) if ego else None, fields, day, results)


def _specialty(p: Profile, fam: tuple[str, ...], years: list[int], year: int) -> tuple[float, str | None, int | None]:
    """(strength, the specialty, its best recent rank) in a specialty serving the fields."""
    if not p.rankings or not years:
        return 0.0, None, None
    total = sum(YEAR_DECAY ** (year - y) for y in years)
    best: tuple[float, str | None, int | None] = (0.0, None, None)
    for s in sorted({r[0] for r in p.rankings}):
        serves = SPECIALTY_BY_ID[s].fields if s in SPECIALTY_BY_ID else ()
        if not any(f in fam or any(x in family(f) for x in fam) for f in serves):
            continue
        points: dict[int, float] = {}
        for _, _, y, rank, nominated in (r for r in p.rankings if r[0] == s):
            got = max(0.05, (11 - rank) / 10) if rank is not None else 0.05 if nominated else 0.0
            points[y] = max(points.get(y, 0.0), got)
        strength = sum(YEAR_DECAY ** (year - y) * v for y, v in points.items()) / total
        ranks = [r[3] for r in p.rankings if r[0] == s and r[3] is not None]
        if strength > best[0]:
            best = (strength, s, min(ranks) if ranks else None)
    return best


def _gcp(p: Profile, fields: tuple[str, ...]) -> str | None:
    domains = {FIELD_BY_ID[f].domain for f in fields}
    if "drug" in domains and p.gcp_drug:
        return "gcp_drug"
    if "device" in domains and p.gcp_device:
        return "gcp_device"
    return None


def _station(ego: Ego | None, region: Region) -> Named | None:
    if ego is not None:
        for d in ego.profile.districts:
            serving = sorted((s.type == "core", s.id, s.name) for s in region.stations if d in s.districts)
            if serving:
                return Named(serving[0][1], serving[0][2])
    cores = sorted((s.id, s.name) for s in region.stations if s.type == "core")
    return Named(*cores[0]) if cores else None


def _reasons(p: Profile, f: dict) -> tuple[Reason, ...]:
    out = [Reason("patents", f"相关领域专利{f['n']}件"), Reason("transferable", f"其中可转让{f['t']}件")]
    level, _, at = f["fit"]
    if level in ("same", "related") and at:
        out.append(Reason("research_field", f"研究领域：{FIELD_BY_ID[at].zh}"))
    strength, specialty, rank = f["best"]
    if specialty:
        ranked = f"，最好名次第{rank}" if rank else ""
        out.append(Reason("specialty", f"{SPECIALTY_BY_ID[specialty].zh}专科排名靠前{ranked}（强度{strength:.2f}）"))
    if f["gcp"]:
        out.append(Reason("gcp", "已备案药物临床试验机构" if f["gcp"] == "gcp_drug" else "已备案医疗器械临床试验机构"))
    if f["shared"]:
        out.append(Reason("network", f"合作网络相近：共同合作伙伴{len(f['shared'])}家（Adamic–Adar {f['aa']:.2f}）"))
    return tuple(out)


def _evidence(read, chosen: list, ego: Ego | None, fam: tuple[str, ...], day: date) -> list:
    patents = read(PatentsOfQuery(tuple(p.id for _, p, _, _ in chosen), fam, day)) if chosen else {}
    plans = []
    for _, p, _, f in chosen:
        mine = [Plan((p.id, x.id, next(g for g in x.fields if g in fam)), ("APPLIED_BY", "CLASSIFIED_AS"))
                for x in patents.get(p.id, ())]
        if f["best"][1]:
            mine.append(Plan((p.id, f["best"][1]), ("RANKED",)))
        if f["fit"][2] and f["fit"][0] in ("same", "related"):
            mine.append(Plan((p.id, f["fit"][2]), ("IN_FIELD",)))
        if f["gcp"]:
            mine.append(Plan((p.id,), (), f"{f['gcp']} = true"))
        if ego is not None:
            mine += [Plan((ego.profile.id, z, p.id), (LINK, LINK)) for z in f["shared"][:3]]
        plans.append(mine)
    query = evidence_query(plans, day)
    return filled(plans, read(query) if query else ({}, ()), day)
