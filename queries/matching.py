"""Industry-chain matching (产业链匹配): who can supply what an organisation needs next.

``match(store, org, segment=None, field=None, top=10, as_of=today)``:

- *needs*: the given segment (in the given field); else the org's NEEDS edges plus the needs its
  products' stages imply (``ontology.segments.STAGE_NEEDS``), each in the product's field; with a
  field and no segment, those needs all in that field.  Each need says why it was inferred.
- *candidates* provide the need's segment: by a PROVIDES edge, or by type
  (``ontology.segments.TYPE_PROVIDES``: a GCP-filed hospital provides drug clinical research …).
  Never the org itself; never an organisation rated D.
- *score*: ``Σ weight × part`` over the parts of ``MATCH_WEIGHTS`` (each in [0, 1], see
  ``queries.scoring``): field fit of what it states for the segment (its PROVIDES fields, else its
  own fields); proximity to the org; capacity (approved products, trials hosted, patents in the
  need's field and its subfields: each ``n / (n + 3)``, their mean); credit rating; ties (1 for a
  past collaboration, 0.5 for a shared partner, on the collaboration graph).  Ties in score are
  broken by id.
- *results*: the top ``top`` per need, all sorted by score (descending), then id, then segment;
  each with its reasons (English key, Chinese sentence) and evidence paths with provenance.

The facts come from ``queries.org_facts`` (pushed down on each backend); scores are computed here,
once, so both backends give identical answers.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import partial

from graph.interface import Store
from graph.view import CypherRun, GraphView
from ontology import ENUMS, FIELD_BY_ID, SEGMENT_BY_ID, InvalidInput, inferred_needs
from ontology.segments import STAGE_NEEDS, TYPE_PROVIDES, TypeRule, type_rules
from queries import matching_cypher, org_facts_cypher, org_facts_embedded
from queries.evidence import LINK, Plan, evidence_query, filled
from queries.org_facts import Ego, Profile, ProfilesQuery, Region, RegionQuery, profile
from queries.scoring import (
    CREDIT,
    FIT,
    PROXIMITY,
    Evidence,
    Reason,
    capacity,
    check_weights,
    family,
    field_fit,
    networks,
    patents_in,
    proximity,
    score,
)
from queries.terms import by_org, day_of, field_id, segment_id

MATCH_WEIGHTS: Mapping[str, float] = {"field": 0.30, "proximity": 0.25, "capacity": 0.20, "credit": 0.10, "ties": 0.15}


@dataclass(frozen=True)
class Why:
    key: str  # asked | stated | stage_rule
    text: str
    product: str | None = None


@dataclass(frozen=True)
class Need:
    segment: str
    field: str | None
    why: tuple[Why, ...]


@dataclass(frozen=True)
class Match:
    id: str
    name: str
    segment: str
    field: str | None  # the need's field
    score: float
    parts: Mapping[str, float]
    reasons: tuple[Reason, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class MatchReport:
    org: str
    org_name: str
    as_of: date
    needs: tuple[Need, ...]
    results: tuple[Match, ...]


def needs_of(ego: Ego, segment: str | None, field: str | None) -> tuple[Need, ...]:
    """The needs to match, each with why (see the module's docstring), in chain order."""
    if segment is not None:
        return (Need(segment, field, (Why("asked", "查询指定的环节"),)),)
    found: dict[tuple[str, str | None], list[Why]] = {}
    for s, f in ego.needs:
        found.setdefault((s, f or None), []).append(Why("stated", "登记的需求"))
    for p in ego.products:
        for s in inferred_needs(p.type, p.stage):
            rule = next(r for r in STAGE_NEEDS if p.type in r.product_types and r.stage == p.stage)
            stage = ENUMS["product_stage"].label(p.stage) if p.stage else ""
            for f in p.fields or (None,):
                found.setdefault((s, f), []).append(
                    Why("stage_rule", f"产品「{p.name}」处于{stage}：{rule.zh}", p.id))
    if field is not None:
        merged: dict[tuple[str, str | None], list[Why]] = {}
        for (s, _), whys in found.items():
            merged.setdefault((s, field), []).extend(whys)
        found = merged
    def chain_order(item: tuple[tuple[str, str | None], list[Why]]) -> tuple:
        (s, f), _ = item
        return (SEGMENT_BY_ID[s].chain, SEGMENT_BY_ID[s].order, f or "")

    return tuple(Need(s, f, tuple(dict.fromkeys(w))) for (s, f), w in sorted(found.items(), key=chain_order))


def provides_by(p: Profile, segment: str) -> tuple[tuple[str, ...], TypeRule | None]:
    """(fields of its PROVIDES edges to ``segment`` ("" for none), the type rule it provides by)."""
    edges = tuple(f for s, f in p.provides if s == segment)
    rule = next((r for r in type_rules(segment) if r.applies(p.type, partial(getattr, p))), None) \
        if p.kind == "Institution" else None
    return edges, rule


def providers_by_segment(profiles, segments: set[str]) -> dict[str, list]:
    """Segment -> the profiles that provide it (by an edge or by type), among ``segments``."""
    out: dict[str, list] = {}
    for p in profiles:
        offered = {s for s, _ in p.provides if s in segments}
        if p.kind == "Institution":
            flag_of = partial(getattr, p)
            offered |= {r.segment for r in TYPE_PROVIDES if r.segment in segments and r.applies(p.type, flag_of)}
        for s in offered:
            out.setdefault(s, []).append(p)
    return out


def match(store: Store, org: str, segment: str | None = None, field: str | None = None, top: int | None = 10,
          as_of: date | None = None, weights: Mapping[str, float] | None = None) -> MatchReport:
    """The best providers for each of the org's needs (see the module's docstring); ``top=None``
    ranks every provider, without evidence (for evaluations)."""
    if top is not None and (isinstance(top, bool) or not isinstance(top, int) or top < 1):
        raise InvalidInput(f"top must be a whole number >= 1, got {top!r}")
    w = check_weights(weights or {}, MATCH_WEIGHTS)
    day = day_of(as_of)
    seg = segment_id(segment) if segment is not None else None
    fld = field_id(field) if field is not None else None
    return by_org(store, org, lambda o: store.evaluate(MatchQuery(o, seg, fld, day, top, tuple(sorted(w.items())))))


@dataclass(frozen=True)
class MatchQuery:
    """A whole match in one read: the facts, the scores (here, in Python, the same for both
    backends) and then the evidence of the results."""

    org: str
    segment: str | None
    field: str | None
    as_of: date
    top: int | None
    weights: tuple[tuple[str, float], ...]

    def on_graph(self, view: GraphView) -> MatchReport:
        facts = MatchFactsQuery(self.org, self.segment, self.field, self.as_of, self.top, self.weights)
        return self._answer(facts.on_graph(view), lambda q: q.on_graph(view))

    def on_cypher(self, run: CypherRun) -> MatchReport:
        facts = MatchFactsQuery(self.org, self.segment, self.field, self.as_of, self.top, self.weights)
        return self._answer(facts.on_cypher(run), lambda q: q.on_cypher(run))

    def _answer(self, facts: MatchFacts, read) -> MatchReport:
        ego, needs, region, top = facts.ego, facts.needs, facts.region, self.top
        if not needs:
            raise InvalidInput(f"org: {ego.profile.name} states no need and owns no product whose stage implies "
                               "one; give a segment")
        context = _Context(ego, networks(region), dict(self.weights))
        ranked = []
        by_segment = providers_by_segment(facts.profiles.values(), {n.segment for n in needs})
        for need in needs:
            scored = [c for p in by_segment.get(need.segment, ()) if (c := context.candidate(p, need)) is not None]
            ranked += [(need, *c) for c in heapq.nsmallest(top or len(scored), scored,
                                                           key=lambda c: (-c[0], c[1].id))]
        ranked.sort(key=lambda r: (-r[1], r[2].id, r[0].segment, r[0].field or ""))
        plans = [_plans(ego, p, need, region, f) for need, _, p, _, f in ranked] if top is not None else []
        query = evidence_query(plans, self.as_of)
        evidence = filled(plans, read(query) if query else ({}, ()), self.as_of) if top is not None \
            else [()] * len(ranked)
        results = tuple(
            Match(p.id, p.name, need.segment, need.field, s, parts, _reasons(need, p, f, dict(ego.district_names)), ev)
            for (need, s, p, parts, f), ev in zip(ranked, evidence, strict=True))
        return MatchReport(self.org, ego.profile.name, self.as_of, needs, results)


@dataclass(frozen=True)
class MatchFacts:
    ego: Ego
    needs: tuple[Need, ...]
    region: Region
    # every provider that can reach the top: on Neo4j only those, and with patents counted only in the
    # needs' fields (``org_facts.for_fields``), which is all the scores read
    profiles: Mapping[str, Profile]


@dataclass(frozen=True)
class MatchFactsQuery:
    """What a match reads, in one go: the org, its needs, the station network and the providers.
    The embedded store gives every provider (their profiles are memoised); Neo4j only those that
    can reach the top ``top`` of a need (``queries.matching_cypher``), so that thousands of
    profiles need not leave the server."""

    org: str
    segment: str | None
    field: str | None
    as_of: date
    top: int | None  # None: every provider
    weights: tuple[tuple[str, float], ...]

    def on_graph(self, view: GraphView) -> MatchFacts:
        ego = org_facts_embedded.ego(view, self.org, self.as_of)
        needs = needs_of(ego, self.segment, self.field)
        segments = tuple(sorted({n.segment for n in needs}))
        found = org_facts_embedded.profiles(view, ProfilesQuery(self.as_of, segments=segments)) if needs else {}
        return MatchFacts(ego, needs, RegionQuery(places=False).on_graph(view), found)

    def on_cypher(self, run: CypherRun) -> MatchFacts:
        ego = org_facts_cypher.ego(run, self.org, self.as_of)
        needs = needs_of(ego, self.segment, self.field)
        region = RegionQuery(places=False).on_cypher(run)
        if not needs:
            return MatchFacts(ego, needs, region, {})
        network = networks(region)
        near = {d for x in ego.profile.districts for d in network.get(x, ())}
        shared = {c for _, theirs in ego.second for c in theirs}
        rows = run(matching_cypher.candidates([(n.segment, n.field) for n in needs], ego.profile, near, ego.partners,
                                              shared, dict(self.weights), self.top or 10**9, self.as_of.isoformat()))
        return MatchFacts(ego, needs, region, {r["id"]: profile(r) for r in rows})


class _Context:
    """What every candidate of one match is compared with, computed once."""

    def __init__(self, ego: Ego, network: Mapping[str, frozenset[str]], weights: Mapping[str, float]) -> None:
        self.ego, self.me, self.network, self.weights = ego, ego.profile, network, weights
        self.direct = set(ego.partners)
        self.shared: dict[str, list[str]] = {}  # candidate -> the org's partners it shares
        for z, theirs in ego.second:
            for c in theirs:
                self.shared.setdefault(c, []).append(z)

    def candidate(self, p: Profile, need: Need):
        """(score, profile, parts, facts) of ``p`` for ``need``, or None where it cannot be one."""
        if p.id == self.me.id or p.credit == "D":
            return None
        edge_fields, rule = provides_by(p, need.segment)
        if not edge_fields and rule is None:
            return None
        stated = [f for f in edge_fields if f] or list(p.fields)
        fit, fit_value, fit_field = field_fit(need.field, stated)
        near, near_at = proximity(self.me, p, self.network)
        in_field = patents_in(p, family(need.field))[0] if need.field else p.patents
        direct = p.id in self.direct
        shared = tuple(self.shared.get(p.id, ()))
        ties = 1.0 if direct else 0.5 if shared else 0.0
        parts = {"field": fit_value, "proximity": PROXIMITY[near], "capacity": capacity(p, in_field),
                 "credit": CREDIT.get(p.credit, CREDIT[None]), "ties": ties}
        facts = {"edge_fields": edge_fields, "rule": rule, "fit": fit, "fit_field": fit_field, "near": near,
                 "near_at": near_at, "in_field": in_field, "direct": direct, "shared": shared}
        return score(parts, self.weights), p, parts, facts


def _reasons(need: Need, p: Profile, f: dict, names: Mapping[str, str]) -> tuple[Reason, ...]:
    seg = SEGMENT_BY_ID[need.segment].zh
    out = []
    if f["edge_fields"]:
        out.append(Reason("provides", f"登记提供「{seg}」"))
    if f["rule"] is not None:
        out.append(Reason("provides_by_type", f["rule"].zh))
    zh = FIELD_BY_ID[need.field].zh if need.field else ""
    out.append({
        "same": Reason("same_field", f"领域一致：{zh}"),
        "related": Reason("related_field",
                          f"领域相近：{FIELD_BY_ID[f['fit_field']].zh if f['fit_field'] else ''}与{zh}"),
        "none": Reason("no_field", "未限定领域" if not need.field else "未登记领域，按通用服务计"),
        "other": Reason("other_field", f"所登记领域与{zh}不同"),
    }[f["fit"]])
    out.append({
        "same_park": Reason("same_park", "同在一个园区"),
        "same_district": Reason("same_district", f"同在{names.get(f['near_at'], f['near_at'])}"),
        "same_network": Reason("same_network", "同属一个核心站的服务网络（一核多站）"),
        "shanghai": Reason("shanghai", "同在上海"),
        "elsewhere": Reason("elsewhere", "不在上海或地点不详"),
    }[f["near"]])
    capacity = (f"已获批产品{p.approved}个，承接临床试验{p.trials}项，"
                f"{'该领域' if need.field else ''}专利{f['in_field']}件")
    out.append(Reason("capacity", capacity))
    out.append(Reason("credit", f"信用等级{p.credit}" if p.credit else "信用等级未知"))
    if f["direct"]:
        out.append(Reason("past_collaboration", "曾有合作"))
    elif f["shared"]:
        out.append(Reason("shared_partner", f"有{len(f['shared'])}家共同合作伙伴"))
    return tuple(out)


def _plans(ego: Ego, p: Profile, need: Need, region: Region, f: dict) -> list[Plan]:
    me, plans = ego.profile, []
    if f["edge_fields"]:
        plans.append(Plan((p.id, need.segment), ("PROVIDES",)))
    if f["rule"] is not None:
        plans.append(Plan((p.id, need.segment), (), f["rule"].zh))
    if f["near"] == "same_park":
        plans.append(Plan((me.id, f["near_at"], p.id), ("LOCATED_IN", "LOCATED_IN")))
    elif f["near"] == "same_district":
        plans.append(Plan((me.id, f["near_at"], p.id), ("IN_DISTRICT", "IN_DISTRICT")))
    elif f["near"] == "same_network":
        plans.append(_network_plan(me, p, f["near_at"], region))
    if f["direct"]:
        plans.append(Plan((me.id, p.id), (LINK,)))
    for z in f["shared"][:3]:
        plans.append(Plan((me.id, z, p.id), (LINK, LINK)))
    return plans


def _network_plan(me: Profile, p: Profile, district: str, region: Region) -> Plan:
    """org -> its district <- a station -> the core <- a station -> the other's district <- the other."""
    serving = {d: [s for s in region.stations if d in s.districts] for d in (district, *p.districts)}
    for a in serving[district]:
        core_a = a.parents or (a.id,)
        for d in p.districts:
            for b in serving.get(d, ()):
                core = sorted(set(core_a) & set(b.parents or (b.id,)))
                if core:
                    path, kinds = [me.id, district, a.id], ["IN_DISTRICT", "SERVES"]
                    if a.id != core[0]:
                        path, kinds = [*path, core[0]], [*kinds, "PART_OF"]
                    if b.id != path[-1]:
                        path, kinds = [*path, b.id], [*kinds, "PART_OF"]
                    return Plan((*path, d, p.id), (*kinds, "SERVES", "IN_DISTRICT"))
    return Plan((me.id, p.id), (), "同属一个核心站的服务网络")


__all__ = ["MATCH_WEIGHTS", "FIT", "Match", "MatchReport", "Need", "Why", "match", "needs_of"]
