"""The facts of ``queries.org_facts`` over the embedded store's graph (a ``graph.view.GraphView``).

A profile looks only at the edges of its own node (and of its patents); profiles and collaboration
neighbourhoods are kept in the view's memo once computed (per ``as_of``), so repeated queries on an
unchanged store read each organisation once.  Organisations by kind and institutions by type are
indexed once per state of the graph.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import TYPE_CHECKING, Any

from graph.view import GraphView
from ontology import EDGE_KINDS
from ontology.schema import ORGS
from ontology.segments import type_rules
from queries import org_records as rec
from queries.org_records import EdgeFact, Ego, PatentFact, Profile, Region

if TYPE_CHECKING:
    from queries.org_facts import PatentsOfQuery, ProfilesQuery



def _index(view: GraphView) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        by_kind: dict[str, list[str]] = defaultdict(list)
        by_type: dict[str, list[str]] = defaultdict(list)
        for n, attrs in view.nodes():
            by_kind[attrs["kind"]].append(n)
            if attrs["kind"] == "Institution":
                by_type[attrs.get("type")].append(n)
        return {"kind": {k: sorted(v) for k, v in by_kind.items()},
                "type": {k: sorted(v) for k, v in by_type.items()}}

    return view.memo(("org-index",), build)


def _dated(value: Any, as_of: str) -> bool:
    return value is None or str(value) <= as_of


def profiles(view: GraphView, q: ProfilesQuery) -> dict[str, Profile]:
    nodes = view.attributes
    if q.ids is not None:
        ids = {i for i in q.ids if i in nodes and nodes[i]["kind"] in ORGS}
    elif q.segments is not None:
        ids = set()
        for s in q.segments:
            ids.update(_providers(view, s))
    else:
        by_type = _index(view)["type"]
        ids = {i for t in q.types or () for i in by_type.get(t, ())}
    if not q.patents:
        light = view.memo(("light profiles", q.as_of), dict)
        for i in ids - light.keys():
            light[i] = rec.without_patents(profile_of(view, i, q.as_of))
        return {i: light[i] for i in sorted(ids)}
    return {i: profile_of(view, i, q.as_of) for i in sorted(ids)}


def strength(view: GraphView, q) -> dict[tuple[str, str], tuple[int, int]]:
    from queries.scoring import patents_in

    nodes = view.attributes
    if q.ids is not None:
        ids = [i for i in q.ids if i in nodes and nodes[i]["kind"] in ORGS]
    else:
        by_type = _index(view)["type"]
        ids = sorted({i for t in q.types or () for i in by_type.get(t, ())})
    out = {}
    for i in ids:
        p = profile_of(view, i, q.as_of)
        for key, fam in q.families:
            n, t = patents_in(p, fam)
            if n:
                out[(key, i)] = (n, t)
    return out


def _providers(view: GraphView, segment: str) -> tuple[str, ...]:
    """Who provides ``segment``: by a PROVIDES edge or by type (once per state of the graph)."""
    def build() -> tuple[str, ...]:
        nodes = view.attributes
        found = {u for u, _ in view.into(segment, "PROVIDES")} if segment in nodes else set()
        by_type = _index(view)["type"]
        for rule in type_rules(segment):
            found.update(i for i in by_type.get(rule.institution_type, ())
                         if rule.applies(nodes[i].get("type"), nodes[i].get))
        return tuple(sorted(found))

    return view.memo(("providers", segment), build)


def profile_of(view: GraphView, org: str, as_of: date) -> Profile:
    cache = view.memo(("profiles", as_of), dict)
    if org not in cache:
        cache[org] = _profile(view, org, as_of.isoformat(), as_of.year)
    return cache[org]


def _own(view: GraphView, org: str, year: int) -> dict[str, Any]:
    """What an organisation's own edges say: its districts, parks, fields, PROVIDES edges, approved
    products and rankings (up to ``year``)."""
    nodes = view.attributes
    districts, parks, fields, provides, rankings = [], [], [], [], []
    approved = 0
    for other, e in view.out_edges(org):
        k = e["kind"]
        if k == "IN_DISTRICT":
            districts.append(other)
        elif k == "LOCATED_IN":
            parks.append(other)
        elif k == "IN_FIELD":
            fields.append(other)
        elif k == "PROVIDES":
            provides.append((other, e.get("field") or ""))
        elif k == "OWNS":
            approved += nodes[other].get("stage") == "approved"
        elif k == "RANKED" and e.get("year") is not None and e["year"] < year:
            rankings.append((other, e.get("list"), e["year"], e.get("rank"), bool(e.get("nominated"))))
    a = nodes[org]
    return {"id": org, "kind": a["kind"], "name": a["name"], "type": a.get("type"), "credit": a.get("credit"),
            "province": a.get("province"), "city": a.get("city"), "districts": districts, "parks": parks,
            "fields": fields, "provides": provides, "gcp_drug": a.get("gcp_drug") is True,
            "gcp_device": a.get("gcp_device") is True, "approved": approved, "rankings": rankings}


def _profile(view: GraphView, org: str, day: str, year: int) -> Profile:
    nodes = view.attributes
    trials: set[str] = set()
    patents = 0
    per_field: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for other, e in view.in_edges(org):
        k = e["kind"]
        if k == "TRIAL_SITE" and _dated(e.get("date"), day):
            trials.add(other)
        elif k == "APPLIED_BY":
            p = nodes[other]
            if not _dated(p.get("application_date"), day):
                continue
            patents += 1
            offered = p.get("transferable") is True and p.get("status") in rec.OFFERED_STATUSES
            for f in set(view.out(other, "CLASSIFIED_AS")):
                per_field[f][0] += 1
                per_field[f][1] += offered
    row = {**_own(view, org, year), "trials": len(trials), "patents": patents,
           "patent_fields": [(f, n, t) for f, (n, t) in per_field.items()]}
    return rec.profile(row)


def partners_of(view: GraphView, org: str, as_of: date) -> tuple[str, ...]:
    """Neighbours on the collaboration graph: COLLABORATES (either end) and co-applicants."""
    cache = view.memo(("partners", as_of), dict)
    if org in cache:
        return cache[org]
    day = as_of.isoformat()
    nodes = view.attributes
    found = set()
    for other, e in view.out_edges(org):
        if e["kind"] == "COLLABORATES" and _dated(e.get("date"), day):
            found.add(other)
    for other, e in view.in_edges(org):
        k = e["kind"]
        if k == "COLLABORATES" and _dated(e.get("date"), day):
            found.add(other)
        elif k == "APPLIED_BY" and _dated(nodes[other].get("application_date"), day):
            found.update(view.out(other, "APPLIED_BY"))
    found.discard(org)
    cache[org] = result = tuple(sorted(found))
    return result


def partners(view: GraphView, ids: tuple[str, ...], as_of: date) -> dict[str, tuple[str, ...]]:
    nodes = view.attributes
    return {i: partners_of(view, i, as_of) for i in ids if i in nodes}


def ego(view: GraphView, org: str, as_of: date) -> Ego:
    nodes = view.attributes
    if org not in nodes or nodes[org]["kind"] not in ORGS:
        raise rec.NoSuchOrg(org)
    needs, products = [], []
    for other, e in view.out_edges(org):
        if e["kind"] == "NEEDS":
            needs.append((other, e.get("field") or ""))
        elif e["kind"] == "OWNS":
            p = nodes[other]
            products.append(rec.ProductFact(other, p["name"], p.get("type"), p.get("stage"),
                                          tuple(sorted(set(view.out(other, "IN_FIELD"))))))
    mine = partners_of(view, org, as_of)
    second = tuple((z, partners_of(view, z, as_of)) for z in mine)
    me = profile_of(view, org, as_of)
    names = tuple((d, nodes[d]["name"]) for d in me.districts)
    return rec.Ego(me, tuple(sorted(set(needs))), tuple(sorted(products, key=lambda p: p.id)), mine, second, names)


def region(view: GraphView) -> Region:
    return view.memo(("region",), lambda: _region(view))


def _region(view: GraphView) -> Region:
    nodes = view.attributes
    index = _index(view)["kind"]
    districts = []
    for d in index.get("District", ()):
        points = [(nodes[u]["lat"], nodes[u]["lon"]) for u, _ in view.into(d, "IN_DISTRICT")
                  if nodes[u]["kind"] in ("Park", "Institution") and nodes[u].get("lat") is not None
                  and nodes[u].get("lon") is not None]
        districts.append(rec.district(d, nodes[d]["name"], points))
    stations = []
    for s in index.get("Station", ()):
        sites = set(view.out(s, "SITED_AT"))
        for p, _ in view.into(s, "PART_OF"):
            if nodes[p]["kind"] == "ServicePoint":
                sites.update(view.out(p, "SITED_AT"))
        stations.append(rec.StationFact(s, nodes[s]["name"], nodes[s].get("type"),
                                      tuple(sorted(set(view.out(s, "PART_OF")))),
                                      tuple(sorted(set(view.out(s, "SERVES")))), tuple(sorted(sites))))
    return rec.Region(tuple(districts), tuple(stations))


def tracked(view: GraphView, station: str, as_of: date) -> tuple[str, ...]:
    if station not in view.attributes:
        return ()
    day = as_of.isoformat()
    return tuple(sorted({t for t, e in view.out_edges(station)
                         if e["kind"] == "TRACKS" and _dated(e.get("date"), day)}))


def _patent(view: GraphView, p: str) -> PatentFact:
    a = view.attributes[p]
    return rec.PatentFact(p, a["name"], a.get("status"), _text(a.get("application_date")),
                               tuple(sorted(set(view.out(p, "CLASSIFIED_AS")))),
                               tuple(sorted(set(view.out(p, "APPLIED_BY")))), a.get("transferable") is True)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def offered_patents(view: GraphView, fields: tuple[str, ...], as_of: date) -> tuple[PatentFact, ...]:
    found: dict[str, PatentFact] = {}
    for f in fields:
        found.update((p.id, p) for p in view.memo(("offered", f, as_of), lambda f=f: _offered_in(view, f, as_of)))
    return tuple(found[p] for p in sorted(found))


def _offered_in(view: GraphView, field: str, as_of: date) -> tuple[PatentFact, ...]:
    nodes = view.attributes
    if field not in nodes:
        return ()
    day = as_of.isoformat()
    found = set()
    for p, _ in view.into(field, "CLASSIFIED_AS"):
        a = nodes[p]
        if (a.get("transferable") is True and a.get("status") in rec.OFFERED_STATUSES
                and _dated(a.get("application_date"), day)):
            found.add(p)
    return tuple(_patent(view, p) for p in sorted(found))


def patents_of(view: GraphView, q: PatentsOfQuery) -> dict[str, tuple[PatentFact, ...]]:
    nodes = view.attributes
    day = q.as_of.isoformat()
    wanted = set(q.fields)
    out = {}
    for org in q.orgs:
        found = []
        if org in nodes:
            for p, _ in view.into(org, "APPLIED_BY"):
                if not _dated(nodes[p].get("application_date"), day):
                    continue
                fact = _patent(view, p)
                if not wanted or wanted.intersection(fact.fields):
                    found.append(fact)
        out[org] = tuple(sorted(found, key=rec.patent_order)[: q.limit])
    return out


def edges(view: GraphView, wanted: tuple[tuple[str, str, str], ...]) -> list[EdgeFact]:
    nodes = view.attributes
    out = []
    for kind, src, dst in wanted:
        if src not in nodes or dst not in nodes:
            continue
        for a, b in ((src, dst), (dst, src)) if EDGE_KINDS[kind].symmetric else ((src, dst),):
            for other, e in view.out_edges(a):
                if other == b and e["kind"] == kind:
                    prov = view.provenance(e)
                    out.append(rec.EdgeFact(kind, a, b, prov.source if prov else None, prov.load_id if prov else None,
                                          _text(e.get("date"))))
    return out


def co_patents(view: GraphView, pairs: tuple[tuple[str, str], ...], as_of: date) -> dict[tuple[str, str], str]:
    nodes = view.attributes
    day = as_of.isoformat()
    out = {}
    for a, b in pairs:
        if a not in nodes or b not in nodes:
            continue
        mine = {p for p, _ in view.into(a, "APPLIED_BY") if _dated(nodes[p].get("application_date"), day)}
        shared = sorted(p for p, _ in view.into(b, "APPLIED_BY") if p in mine)
        if shared:
            out[(a, b)] = shared[0]
    return out


def placed_orgs(view: GraphView) -> tuple:
    def build() -> tuple:
        nodes = view.attributes
        kinds = _index(view)["kind"]
        out = []
        for org in [*kinds.get("Enterprise", ()), *kinds.get("Institution", ())]:
            if nodes[org].get("credit") == "D":
                continue
            row = _own(view, org, 0)
            if row["districts"]:
                out.append(rec.placed(row))
        return tuple(sorted(out, key=lambda p: p.id))

    return view.memo(("placed",), build)
