"""Straightforward versions of the matchmaking facts, for ``bench.matching`` to compare with.

``PlainWalk(store)`` answers the queries of ``queries.org_facts`` by walking the store interface
(``get``, ``neighbours``, ``nodes``) as a first implementation would, one node at a time, with no
memo; ``PlainCypher(neo4j_store)`` answers the profiles, the heavy part, with one plain Cypher
statement (a chain of OPTIONAL MATCHes and ``collect``), and the rest as the store does.  Both are
handed to the same ``match``/``broker``/``patent_matches`` code, so the scores are the same and only
the way the facts are read differs.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from ontology import EDGE_KINDS
from ontology.segments import TYPE_PROVIDES
from queries import org_facts as F


def compose(read, q):
    """The composite queries of ``queries`` (what one match, broker or patents call reads in one go)
    answered from the simple ones through ``read``, as a first implementation would; simple
    queries go to ``read`` as they are."""
    from queries.brokering import BrokerFacts, BrokerFactsQuery, BrokerQuery, fields_of
    from queries.chain import ChainFactsQuery
    from queries.evidence import EvidenceQuery
    from queries.matching import MatchFacts, MatchFactsQuery, MatchQuery, needs_of
    from queries.patents import PatentFacts, PatentFactsQuery, PatentQuery
    from queries.scoring import family, patents_in

    def again(x):
        return compose(read, x)

    if isinstance(q, MatchQuery):
        return q._answer(again(MatchFactsQuery(q.org, q.segment, q.field, q.as_of, q.top, q.weights)), again)
    if isinstance(q, BrokerQuery):
        return q._answer(again(BrokerFactsQuery(q.org, q.field, q.as_of)), again)
    if isinstance(q, PatentQuery):
        return q._answer(again(PatentFactsQuery(q.org, q.field, q.as_of)), again)
    if isinstance(q, ChainFactsQuery):
        return q._read(again)
    if isinstance(q, F.StrengthQuery):  # every profile read whole, its patents counted in Python
        found = read(F.ProfilesQuery(q.as_of, ids=q.ids, types=q.types))
        return {(key, i): patents_in(p, fam) for key, fam in q.families for i, p in found.items()
                if patents_in(p, fam)[0]}
    if isinstance(q, MatchFactsQuery):
        ego = read(F.EgoQuery(q.org, q.as_of))
        needs = needs_of(ego, q.segment, q.field)
        found = read(F.ProfilesQuery(q.as_of, segments=tuple(sorted({n.segment for n in needs})))) if needs else {}
        fams = {f for n in needs if n.field for f in family(n.field)}
        total = any(n.field is None for n in needs)
        return MatchFacts(ego, needs, read(F.RegionQuery(places=False)),
                          {k: F.for_fields(p, fams, total) for k, p in found.items()})
    if isinstance(q, BrokerFactsQuery | PatentFactsQuery):
        ego = read(F.EgoQuery(q.org, q.as_of)) if q.org else None
        fields = (q.field,) if q.field else fields_of(ego) if ego else ()
        region = read(F.RegionQuery(places=False))
        if isinstance(q, BrokerFactsQuery):
            fam = tuple(sorted({x for f in fields for x in family(f)}))
            found = read(F.ProfilesQuery(q.as_of, types=("university", "research_institute", "hospital")))
            strength = {("", i): patents_in(p, fam) for i, p in found.items() if fam and patents_in(p, fam)[0]}
            return BrokerFacts(ego, fields, {i: F.without_patents(p) for i, p in found.items()}, strength, region)
        every = tuple(sorted({x for f in fields for x in family(f)}))
        me = ego.profile.id if ego else None
        offered = tuple(p for p in read(F.OfferedPatentsQuery(every, q.as_of)) if me not in p.applicants) \
            if every else ()
        ids = tuple(sorted({a for p in offered for a in p.applicants}))
        found = read(F.ProfilesQuery(q.as_of, ids=ids)) if ids else {}
        strength = {(f, i): patents_in(p, family(f)) for f in fields for i, p in found.items()
                    if patents_in(p, family(f))[0]}
        return PatentFacts(ego, fields, offered, {i: F.without_patents(p) for i, p in found.items()}, strength,
                           region)
    if isinstance(q, EvidenceQuery):
        via = read(F.CoPatentsQuery(q.links, q.as_of)) if q.links else {}
        return via, read(F.EdgesQuery(q.wanted(via)))
    return read(q)


class _Delegate:
    def __init__(self, store: Any) -> None:
        self.store = store

    def kinds(self, ids):
        return self.store.kinds(ids)

    def search(self, *args, **kw):
        return self.store.search(*args, **kw)


def _dated(value: Any, day: str) -> bool:
    return value is None or str(value) <= day


class PlainWalk(_Delegate):
    """The facts, walked through the store interface."""

    def evaluate(self, q):
        return compose(lambda x: getattr(self, "_" + type(x).__name__)(x), q)

    def _profile(self, org: str, as_of: date) -> F.Profile:
        s, day = self.store, as_of.isoformat()
        node = s.get(org)
        row: dict[str, Any] = {"id": org, "kind": node.kind, "name": node.name, **node.props, "districts": [],
                               "parks": [], "fields": [], "provides": [], "approved": 0, "trials": 0, "patents": 0,
                               "patent_fields": [], "rankings": []}
        trials, per_field = set(), defaultdict(lambda: [0, 0])
        for n in s.neighbours(org):
            k, e = n.edge.kind, n.edge
            if n.direction == "out":
                if k == "IN_DISTRICT":
                    row["districts"].append(n.node.id)
                elif k == "LOCATED_IN":
                    row["parks"].append(n.node.id)
                elif k == "IN_FIELD":
                    row["fields"].append(n.node.id)
                elif k == "PROVIDES":
                    row["provides"].append((n.node.id, e.props.get("field") or ""))
                elif k == "OWNS":
                    row["approved"] += n.node.props.get("stage") == "approved"
                elif k == "RANKED" and e.props.get("year") is not None and e.props["year"] < as_of.year:
                    row["rankings"].append((n.node.id, e.props.get("list"), e.props["year"], e.props.get("rank"),
                                            bool(e.props.get("nominated"))))
            elif k == "TRIAL_SITE" and _dated(e.props.get("date"), day):
                trials.add(n.node.id)
            elif k == "APPLIED_BY" and _dated(n.node.props.get("application_date"), day):
                row["patents"] += 1
                p = n.node.props
                offered = p.get("transferable") is True and p.get("status") in F.OFFERED_STATUSES
                for f in {x.node.id for x in s.neighbours(n.node.id, ["CLASSIFIED_AS"], direction="out")}:
                    per_field[f][0] += 1
                    per_field[f][1] += offered
        row["trials"] = len(trials)
        row["patent_fields"] = [(f, a, b) for f, (a, b) in per_field.items()]
        return F.profile(row)

    def _partners(self, org: str, as_of: date) -> tuple[str, ...]:
        s, day, found = self.store, as_of.isoformat(), set()
        for n in s.neighbours(org, ["COLLABORATES", "APPLIED_BY"]):
            if n.edge.kind == "COLLABORATES" and _dated(n.edge.props.get("date"), day):
                found.add(n.node.id)
            elif n.edge.kind == "APPLIED_BY" and _dated(n.node.props.get("application_date"), day):
                found |= {x.node.id for x in s.neighbours(n.node.id, ["APPLIED_BY"], direction="out")}
        found.discard(org)
        return tuple(sorted(found))

    def _EgoQuery(self, q: F.EgoQuery) -> F.Ego:
        needs, products = [], []
        for n in self.store.neighbours(q.org, ["NEEDS", "OWNS"], direction="out"):
            if n.edge.kind == "NEEDS":
                needs.append((n.node.id, n.edge.props.get("field") or ""))
            else:
                fields = tuple(sorted({x.node.id for x in
                                       self.store.neighbours(n.node.id, ["IN_FIELD"], direction="out")}))
                products.append(F.ProductFact(n.node.id, n.node.name, n.node.props.get("type"),
                                              n.node.props.get("stage"), fields))
        mine = self._partners(q.org, q.as_of)
        me = self._profile(q.org, q.as_of)
        return F.Ego(me, tuple(sorted(set(needs))), tuple(sorted(products, key=lambda p: p.id)), mine,
                     tuple((z, self._partners(z, q.as_of)) for z in mine),
                     tuple((d, self.store.get(d).name) for d in me.districts))

    def _ProfilesQuery(self, q: F.ProfilesQuery) -> dict[str, F.Profile]:
        s = self.store
        if q.ids is not None:
            ids = set(q.ids)
        elif q.segments is not None:
            ids = {n.node.id for seg in q.segments for n in s.neighbours(seg, ["PROVIDES"], direction="in")}
            rules = [r for r in TYPE_PROVIDES if r.segment in q.segments]
            ids |= {n.id for n in s.nodes("Institution") for r in rules if n.props.get("type") == r.institution_type
                    and (r.flag is None or n.props.get(r.flag) is True)}
        else:
            ids = {n.id for n in s.nodes("Institution") if n.props.get("type") in (q.types or ())}
        return {i: self._profile(i, q.as_of) for i in sorted(ids)}

    def _TracksQuery(self, q: F.TracksQuery) -> tuple[str, ...]:
        day = q.as_of.isoformat()
        return tuple(sorted({n.node.id for n in self.store.neighbours(q.station, ["TRACKS"], direction="out")
                             if _dated(n.edge.props.get("date"), day)}))

    def _RegionQuery(self, q: F.RegionQuery) -> F.Region:
        s = self.store
        districts = []
        for d in s.nodes("District") if q.places else ():
            pts = [(n.node.props["lat"], n.node.props["lon"])
                   for n in s.neighbours(d.id, ["IN_DISTRICT"], direction="in")
                   if n.node.kind in ("Park", "Institution") and n.node.props.get("lat") is not None
                   and n.node.props.get("lon") is not None]
            districts.append(F.district(d.id, d.name, pts))
        stations = []
        for st in s.nodes("Station"):
            out = s.neighbours(st.id, ["PART_OF", "SERVES", "SITED_AT"], direction="out")
            sites = {n.node.id for n in out if n.edge.kind == "SITED_AT"}
            for p in s.neighbours(st.id, ["PART_OF"], node_kinds=["ServicePoint"], direction="in"):
                sites |= {n.node.id for n in s.neighbours(p.node.id, ["SITED_AT"], direction="out")}
            stations.append(F.StationFact(st.id, st.name, st.props.get("type"),
                                          tuple(sorted({n.node.id for n in out if n.edge.kind == "PART_OF"})),
                                          tuple(sorted({n.node.id for n in out if n.edge.kind == "SERVES"})),
                                          tuple(sorted(sites))))
        return F.Region(tuple(districts), tuple(stations))

    def _patent(self, pid: str) -> F.PatentFact:
        node = self.store.get(pid)
        out = self.store.neighbours(pid, ["CLASSIFIED_AS", "APPLIED_BY"], direction="out")
        return F.PatentFact(pid, node.name, node.props.get("status"), node.props.get("application_date"),
                            tuple(sorted({n.node.id for n in out if n.edge.kind == "CLASSIFIED_AS"})),
                            tuple(sorted({n.node.id for n in out if n.edge.kind == "APPLIED_BY"})),
                            node.props.get("transferable") is True)

    def _PatentsOfQuery(self, q: F.PatentsOfQuery) -> dict[str, tuple[F.PatentFact, ...]]:
        day, out = q.as_of.isoformat(), {}
        for org in q.orgs:
            found = [self._patent(n.node.id) for n in self.store.neighbours(org, ["APPLIED_BY"], direction="in")
                     if _dated(n.node.props.get("application_date"), day)]
            found = [p for p in found if not q.fields or set(q.fields) & set(p.fields)]
            out[org] = tuple(sorted(found, key=F.patent_order)[: q.limit])
        return out

    def _OfferedPatentsQuery(self, q: F.OfferedPatentsQuery) -> tuple[F.PatentFact, ...]:
        day, ids = q.as_of.isoformat(), set()
        for f in q.fields:
            for n in self.store.neighbours(f, ["CLASSIFIED_AS"], direction="in"):
                p = n.node.props
                if p.get("transferable") is True and p.get("status") in F.OFFERED_STATUSES \
                        and _dated(p.get("application_date"), day):
                    ids.add(n.node.id)
        return tuple(self._patent(i) for i in sorted(ids))

    def _EdgesQuery(self, q: F.EdgesQuery) -> tuple[F.EdgeFact, ...]:
        found = set()
        for kind, src, dst in q.wanted:
            for n in self.store.neighbours(src, [kind]):
                e = n.edge
                if {e.src, e.dst} == {src, dst} and (EDGE_KINDS[kind].symmetric or (e.src, e.dst) == (src, dst)):
                    date_ = e.props.get("date")
                    found.add(F.EdgeFact(kind, e.src, e.dst, e.provenance.source, e.provenance.load_id,
                                         None if date_ is None else str(date_)))
        return tuple(sorted(found, key=lambda e: (e.kind, e.src, e.dst, e.date or "", e.source or "", e.load_id or "")))

    def _CoPatentsQuery(self, q: F.CoPatentsQuery) -> dict[tuple[str, str], str]:
        day, out = q.as_of.isoformat(), {}
        for a, b in q.pairs:
            mine = {n.node.id for n in self.store.neighbours(a, ["APPLIED_BY"], direction="in")
                    if _dated(n.node.props.get("application_date"), day)}
            theirs = sorted(n.node.id for n in self.store.neighbours(b, ["APPLIED_BY"], direction="in")
                            if n.node.id in mine)
            if theirs:
                out[(a, b)] = theirs[0]
        return out


_SELECT = {
    "segments": "MATCH (c:Enterprise|Institution) WHERE "
                "any(x IN [(c)-[:PROVIDES]->(s:Segment) | s.id] WHERE x IN $segments)"
                " OR (c:Institution AND any(r IN $rules WHERE c.type = r[0] AND (r[1] IS NULL OR c[r[1]] = true)))",
    "types": "MATCH (c:Institution) WHERE c.type IN $types",
    "ids": "MATCH (c:Enterprise|Institution) WHERE c.id IN $ids",
}
_PLAIN_PROFILES = """
OPTIONAL MATCH (c)-[:IN_DISTRICT]->(d:District)
OPTIONAL MATCH (c)-[:LOCATED_IN]->(k:Park)
OPTIONAL MATCH (c)-[:IN_FIELD]->(f:Field)
OPTIONAL MATCH (c)-[r:PROVIDES]->(s:Segment)
OPTIONAL MATCH (c)-[:OWNS]->(x:Product)
OPTIONAL MATCH (y:Product)-[t:TRIAL_SITE]->(c)
OPTIONAL MATCH (p:Patent)-[:APPLIED_BY]->(c)
OPTIONAL MATCH (p)-[:CLASSIFIED_AS]->(pf:Field)
OPTIONAL MATCH (c)-[rk:RANKED]->(sp:Specialty)
RETURN c.id AS id, [l IN labels(c) WHERE l <> 'Biokg'][0] AS kind, c.name AS name, c.type AS type,
  c.credit AS credit, c.province AS province, c.city AS city, c.gcp_drug AS gcp_drug, c.gcp_device AS gcp_device,
  collect(DISTINCT d.id) AS districts, collect(DISTINCT k.id) AS parks, collect(DISTINCT f.id) AS fields,
  collect(DISTINCT [s.id, coalesce(r.field, '')]) AS provides,
  collect(DISTINCT [x.id, x.stage]) AS owned, collect(DISTINCT [y.id, t.date]) AS trials,
  collect(DISTINCT [p.id, p.application_date, p.transferable, p.status, pf.id]) AS patents,
  collect(DISTINCT [sp.id, rk.list, rk.year, rk.rank, coalesce(rk.nominated, false)]) AS rankings
"""


class PlainCypher(_Delegate):
    """The profiles from one plain Cypher statement; everything else as the Neo4j store does it."""

    def evaluate(self, q):
        def read(x):
            if isinstance(x, F.ProfilesQuery):
                found = self.store.read_cypher(lambda run: self._profiles(run, x))
                return found if x.patents else {i: F.without_patents(p) for i, p in found.items()}
            return self.store.evaluate(x)

        return compose(read, q)

    def _profiles(self, run, q: F.ProfilesQuery) -> dict[str, F.Profile]:
        segments = list(q.segments or ())
        rules = [[r.institution_type, r.flag] for r in TYPE_PROVIDES if r.segment in segments]
        select = "segments" if q.segments is not None else "ids" if q.ids is not None else "types"
        params = {"segments": segments, "rules": rules, "types": list(q.types or ()), "ids": list(q.ids or ())}
        day = q.as_of.isoformat()
        out = {}
        for row in run((_SELECT[select] + _PLAIN_PROFILES, params)):
            per_field, patents = defaultdict(lambda: [0, 0]), set()
            for pid, applied, transferable, status, field in row["patents"]:
                if pid is None or not _dated(applied, day):
                    continue
                patents.add(pid)
                if field is not None:
                    per_field[field][0] += 1
                    per_field[field][1] += transferable is True and status in F.OFFERED_STATUSES
            out[row["id"]] = F.profile({
                **row, "provides": [p for p in row["provides"] if p[0] is not None],
                "approved": sum(1 for x, stage in row["owned"] if x is not None and stage == "approved"),
                "trials": len({y for y, t in row["trials"] if y is not None and _dated(t, day)}),
                "patents": len(patents), "patent_fields": [(f, a, b) for f, (a, b) in per_field.items()],
                "rankings": [r for r in row["rankings"] if r[0] is not None and r[2] < q.as_of.year]})
        return dict(sorted(out.items()))
