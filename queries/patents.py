"""Patent supply and demand (专利超市, the Minhang plan's 闵知惠): patents on offer that fit an
organisation or a field.

``patent_matches(store, org=None, field=None, top=20, as_of=today)``: the fields are found as for
``queries.brokering.broker``.  Candidates are the transferable patents, granted or pending, applied
for on or before ``as_of``, classified in the fields or their subfields; never one of the org's
own.  ``score = Σ weight × part`` over ``PATENT_WEIGHTS``:

- ``field``: the best field fit of the patent's fields to an asked field (same 1, related 0.5);
- ``strength``: its strongest applicant's patents in that field family, ``n / (n + 10)``;
- ``proximity``: its nearest applicant's proximity to the org (``queries.scoring``); 0 without an org.

Ties in score are broken by patent number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from graph.interface import Store
from graph.view import CypherRun, GraphView
from ontology import InvalidInput
from queries.brokering import asked, fields_of, no_field
from queries.coverage_facts import Named
from queries.evidence import Plan, evidence_query, filled
from queries.org_facts import (
    Ego,
    EgoQuery,
    OfferedPatentsQuery,
    PatentFact,
    Profile,
    ProfilesQuery,
    Region,
    RegionQuery,
    StrengthQuery,
)
from queries.scoring import (
    PROXIMITY,
    Evidence,
    Reason,
    check_weights,
    family,
    field_fit,
    networks,
    proximity,
    saturation,
    score,
)
from queries.terms import day_of

PATENT_WEIGHTS: Mapping[str, float] = {"field": 0.40, "strength": 0.35, "proximity": 0.25}
STATUS_ZH = {"granted": "已授权", "pending": "审查中"}


@dataclass(frozen=True)
class PatentMatch:
    id: str
    title: str
    status: str | None
    application_date: str | None
    applicants: tuple[Named, ...]
    score: float
    parts: Mapping[str, float]
    reasons: tuple[Reason, ...]
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class PatentReport:
    org: Named | None
    fields: tuple[str, ...]
    as_of: date
    results: tuple[PatentMatch, ...]


@dataclass(frozen=True)
class PatentFacts:
    ego: Ego | None
    fields: tuple[str, ...]  # () when the org states none
    offered: tuple[PatentFact, ...]  # in the fields' families, the org's own left out
    applicants: Mapping[str, Profile]  # their applicants, without patent counts
    strength: Mapping[tuple[str, str], tuple[int, int]]  # (asked field, applicant) -> patents in its family
    region: Region  # its stations (no districts)


@dataclass(frozen=True)
class PatentFactsQuery:
    """What patent matching reads, in one go."""

    org: str | None
    field: str | None
    as_of: date

    def _read(self, ego: Ego | None, read) -> PatentFacts:
        fields = (self.field,) if self.field else fields_of(ego) if ego else ()
        families = tuple((f, family(f)) for f in fields)
        every = tuple(sorted({x for _, fam in families for x in fam}))
        me = ego.profile.id if ego else None
        found = read(OfferedPatentsQuery(every, self.as_of)) if every else ()
        offered = tuple(p for p in found if me not in p.applicants)
        ids = tuple(sorted({a for p in offered for a in p.applicants}))
        applicants = read(ProfilesQuery(self.as_of, ids=ids, patents=False)) if ids else {}
        strength = read(StrengthQuery(families, self.as_of, ids=ids)) if ids else {}
        return PatentFacts(ego, fields, offered, applicants, strength, read(RegionQuery(places=False)))

    def on_graph(self, view: GraphView) -> PatentFacts:
        ego = EgoQuery(self.org, self.as_of).on_graph(view) if self.org else None
        return self._read(ego, lambda q: q.on_graph(view))

    def on_cypher(self, run: CypherRun) -> PatentFacts:
        ego = EgoQuery(self.org, self.as_of).on_cypher(run) if self.org else None
        return self._read(ego, lambda q: q.on_cypher(run))


def patent_matches(store: Store, org: str | None = None, field: str | None = None, top: int = 20,
                   as_of: date | None = None, weights: Mapping[str, float] | None = None) -> PatentReport:
    """Patents on offer for the org or field, best first (see the module's docstring)."""
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidInput(f"top must be a whole number >= 1, got {top!r}")
    w = check_weights(weights or {}, PATENT_WEIGHTS)
    day = day_of(as_of)
    return asked(store, org, field, lambda o, f: store.evaluate(PatentQuery(o, f, day, top, tuple(sorted(w.items())))))


@dataclass(frozen=True)
class PatentQuery:
    """A whole patent-matching answer in one read: the facts, the scores, then the evidence."""

    org: str | None
    field: str | None
    as_of: date
    top: int
    weights: tuple[tuple[str, float], ...]

    def on_graph(self, view: GraphView) -> PatentReport:
        return self._answer(PatentFactsQuery(self.org, self.field, self.as_of).on_graph(view),
                            lambda q: q.on_graph(view))

    def on_cypher(self, run: CypherRun) -> PatentReport:
        return self._answer(PatentFactsQuery(self.org, self.field, self.as_of).on_cypher(run),
                            lambda q: q.on_cypher(run))

    def _answer(self, facts: PatentFacts, read) -> PatentReport:
        ego, fields, found = facts.ego, facts.fields, facts.applicants
        if not fields:
            raise no_field(ego)  # type: ignore[arg-type]
        me = ego.profile if ego else None
        network = networks(facts.region) if me else {}
        scored = []
        for p in facts.offered:
            fit = max(((f, *field_fit(f, p.fields)) for f in fields), key=lambda x: (x[2], x[0]))
            asked_field, level, fit_value, at = fit
            holders = [found[a] for a in p.applicants if a in found]
            strength = max((saturation(facts.strength.get((asked_field, h.id), (0, 0))[0], 10) for h in holders),
                           default=0.0)
            nearest = max((PROXIMITY[proximity(me, h, network)[0]] for h in holders), default=0.0) if me else 0.0
            parts = {"field": fit_value, "strength": round(strength, 6), "proximity": nearest}
            scored.append((score(parts, dict(self.weights)), p, parts, (asked_field, level, at, holders)))
        scored.sort(key=lambda r: (-r[0], r[1].id))
        chosen = scored[: self.top]
        plans = [[Plan((h.id, p.id, at), ("APPLIED_BY", "CLASSIFIED_AS")) for h in holders] if at else []
                 for _, p, _, (_, _, at, holders) in chosen]
        query = evidence_query(plans, self.as_of)
        evidence = filled(plans, read(query) if query else ({}, ()), self.as_of)
        results = tuple(
            PatentMatch(p.id, p.name, p.status, p.application_date,
                        tuple(Named(h.id, h.name) for h in f[3]), s, parts, _reasons(p, parts, f), ev)
            for (s, p, parts, f), ev in zip(chosen, evidence, strict=True))
        return PatentReport(Named(me.id, me.name) if me else None, fields, self.as_of, results)


def _reasons(p: PatentFact, parts: Mapping[str, float], f: tuple) -> tuple[Reason, ...]:
    from ontology import FIELD_BY_ID

    asked, level, at, holders = f
    out = [Reason("on_offer", f"可转让（{STATUS_ZH.get(p.status or '', p.status or '')}）")]
    if level == "same":
        out.append(Reason("same_field", f"领域一致：{FIELD_BY_ID[asked].zh}"))
    elif level == "related" and at:
        out.append(Reason("related_field", f"领域相近：{FIELD_BY_ID[at].zh}与{FIELD_BY_ID[asked].zh}"))
    if holders:
        out.append(Reason("applicant_strength", f"申请人在该领域实力（{parts['strength']:.2f}）"))
    if parts["proximity"] > 0:
        out.append(Reason("proximity", f"申请人距离相近（{parts['proximity']:.2f}）"))
    return tuple(out)
