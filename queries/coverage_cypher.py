"""The coverage aggregates computed inside Neo4j: small pure query builders and one read transaction.

The server does the walking and the counting; what comes back is one row per district and measure
(totals, covered counts, the ids that miss out) and one row per station; for a placement, one row
per uncovered park (its uncovered enterprises and their weights) and one per candidate site (the
parks a point there would reach).  The covered sites, found first, travel into the later
statements as ``$covered``.  ``facts`` and ``candidates`` take the ``run`` of ``Store.evaluate``.
"""

from __future__ import annotations

from typing import Any

from graph.cypher import Query
from graph.view import CypherRun
from queries.coverage_facts import (
    COUNTED_LEVELS,
    INNOVATION_CHANNELS,
    INNOVATIVE_CLASSES,
    INNOVATIVE_TYPES,
    TRACKING,
    Candidate,
    DistrictFacts,
    Facts,
    Named,
    StationFacts,
    Tally,
    Window,
)
from queries.geo import EARTH_RADIUS_KM, cypher_km

_IN_WINDOW = "r.date >= $start AND r.date <= $end"
_TRACKED = f"r.type = $tracking AND {_IN_WINDOW}"
_INNOVATIVE = "p.type IN $types AND p.device_class IN $classes AND p.innovation_channel IN $channels"
_HAS_COORDS = "{0}.lat IS NOT NULL AND {0}.lon IS NOT NULL"
# an enterprise is covered by its park, or by a recent record of a station of its district for it,
# a product it owns or a key project it undertakes: the nodes zero or one OWNS|UNDERTAKEN_BY hop
# away in either direction, since OWNS only leaves organisations and UNDERTAKEN_BY only enters them
_ENTERPRISE_COVERED = (
    "(EXISTS { MATCH (e)-[:LOCATED_IN]->(q:Park) WHERE q.id IN $covered } OR "
    f"EXISTS {{ MATCH (e)-[:OWNS|UNDERTAKEN_BY*0..1]-(t)<-[r:TRACKS]-(s:Station) WHERE {_IN_WINDOW} "
    "AND EXISTS { MATCH (s)-[:SERVES]->(:District)<-[:IN_DISTRICT]-(e) } })")
_TALLY = ("RETURN d.id AS district, count(x) AS total, sum(CASE WHEN ok THEN 1 ELSE 0 END) AS done, "
          "collect(CASE WHEN ok THEN null ELSE [x.id, x.name] END) AS missing")


def _tracked_now(var: str) -> str:
    """A tracking record in the window targets the node bound to ``var``."""
    return f"EXISTS {{ MATCH ({var})<-[r:TRACKS]-(:Station) WHERE {_TRACKED} }}"


def params(w: Window, covered: list[str] | None = None) -> dict[str, Any]:
    return {"start": w.start, "end": w.end, "radius_km": float(w.radius_km), "earth_km": EARTH_RADIUS_KM,
            "district": w.district, "tracking": TRACKING, "types": list(INNOVATIVE_TYPES),
            "classes": list(INNOVATIVE_CLASSES), "channels": list(INNOVATION_CHANNELS),
            "levels": list(COUNTED_LEVELS), "covered": covered or []}


def covered_sites(w: Window) -> Query:
    """The parks and institutions a station or service point is sited at, or within the radius of one."""
    near = (f"any(c IN centres WHERE {_HAS_COORDS.format('c')} AND {cypher_km('c', 'x')} <= $radius_km)")
    return (
        "MATCH (:Station|ServicePoint)-[:SITED_AT]->(c:Park|Institution) "
        "WITH collect(DISTINCT c) AS centres "
        "MATCH (x:Park|Institution) "
        f"WHERE x IN centres OR ($radius_km > 0 AND {_HAS_COORDS.format('x')} AND {near}) "
        "RETURN x.id AS id", params(w))


def districts(w: Window) -> Query:
    return "MATCH (d:District) RETURN d.id AS id, d.name AS name ORDER BY id", params(w)


def park_tallies(w: Window, covered: list[str]) -> Query:
    return ("MATCH (x:Park)-[:IN_DISTRICT]->(d:District) WITH DISTINCT d, x "
            f"WITH d, x, x.id IN $covered AS ok {_TALLY}", params(w, covered))


def enterprise_tallies(w: Window, covered: list[str]) -> Query:
    return ("MATCH (e:Enterprise)-[:IN_DISTRICT]->(d:District) WITH DISTINCT d, e "
            f"WITH d, e, {_ENTERPRISE_COVERED} AS ok WITH d, e AS x, ok {_TALLY}", params(w, covered))


def product_tallies(w: Window) -> Query:
    return ("MATCH (o:Enterprise|Institution)-[:OWNS]->(p:Product) "
            f"WHERE {_INNOVATIVE} "
            "MATCH (o)-[:IN_DISTRICT]->(d:District) WITH DISTINCT d, p "
            f"WITH d, p AS x, ({_tracked_now('p')} OR "
            f"EXISTS {{ MATCH (p)<-[:FOR_PRODUCT]-(k:KeyProject) WHERE {_tracked_now('k')} }}) AS ok "
            f"{_TALLY}", params(w))


def project_tallies(w: Window) -> Query:
    return ("MATCH (k:KeyProject)-[:UNDERTAKEN_BY]->(:Enterprise|Institution)-[:IN_DISTRICT]->(d:District) "
            "WHERE k.level IN $levels WITH DISTINCT d, k "
            f"WITH d, k AS x, ({_tracked_now('k')} OR "
            f"EXISTS {{ MATCH (k)-[:FOR_PRODUCT]->(p:Product) WHERE {_tracked_now('p')} }}) AS ok "
            f"{_TALLY}", params(w))


def product_types(w: Window) -> Query:
    return ("MATCH (o:Enterprise|Institution)-[:OWNS]->(p:Product), (o)-[:IN_DISTRICT]->(d:District) "
            "WITH DISTINCT d, p RETURN d.id AS district, p.type AS type, count(p) AS n", params(w))


def stations(w: Window) -> Query:
    return (
        "MATCH (s:Station) RETURN s.id AS id, s.name AS name, s.type AS type, s.scope AS scope, "
        "COLLECT { MATCH (s)-[:PART_OF]->(c:Station) RETURN c.id } AS parents, "
        "COLLECT { MATCH (s)-[:SERVES]->(d:District) RETURN DISTINCT d.id } AS districts, "
        f"COUNT {{ MATCH (s)-[r:TRACKS]->() WHERE {_IN_WINDOW} }} AS records, "
        f"size(COLLECT {{ MATCH (s)-[r:TRACKS]->(t) WHERE {_IN_WINDOW} RETURN DISTINCT t.id }}) AS targets, "
        "COUNT { MATCH (p:ServicePoint)-[:PART_OF]->(s) RETURN DISTINCT p } AS points, "
        "COUNT { MATCH (m:Station)-[:PART_OF]->(s) RETURN DISTINCT m } AS member_stations, "
        "size(COLLECT { MATCH (s)-[:SITED_AT]->(x) RETURN x.id AS x "
        "UNION MATCH (sp:ServicePoint)-[:PART_OF]->(s), (sp)-[:SITED_AT]->(x) RETURN x.id AS x }) AS sites "
        "ORDER BY id", params(w))


_IN_DISTRICT = "($district IS NULL OR EXISTS {{ MATCH ({0})-[:IN_DISTRICT]->(:District {{id: $district}}) }})"


def coverable_parks(w: Window, covered: list[str]) -> Query:
    """Each uncovered park with the uncovered enterprises in it (of ``$district``, when given) and
    their weights: 1 + innovative products + key projects."""
    return (
        "MATCH (x:Park) WHERE NOT x.id IN $covered "
        "MATCH (e:Enterprise)-[:LOCATED_IN]->(x) "
        f"WHERE {_IN_DISTRICT.format('e')} AND NOT {_ENTERPRISE_COVERED} "
        "WITH DISTINCT x, e "
        f"WITH x, e, 1 + COUNT {{ MATCH (e)-[:OWNS]->(p:Product) WHERE {_INNOVATIVE} RETURN DISTINCT p }} "
        "+ COUNT { MATCH (k:KeyProject)-[:UNDERTAKEN_BY]->(e) WHERE k.level IN $levels RETURN DISTINCT k } AS weight "
        "RETURN x.id AS park, collect([e.id, e.name, weight]) AS enterprises", params(w, covered))


def candidate_reach(w: Window, parks: list[str]) -> Query:
    """Each park or institution without a station or point (in ``$district``, when given) and the
    parks of ``$parks`` a new point there would reach: itself, and those within the radius."""
    reach = f"(x = c OR ($radius_km > 0 AND {_HAS_COORDS.format('c')} AND {_HAS_COORDS.format('x')} " \
            f"AND {cypher_km('c', 'x')} <= $radius_km))"
    return (
        "MATCH (c:Park|Institution) "
        f"WHERE NOT EXISTS {{ MATCH (c)<-[:SITED_AT]-(:Station|ServicePoint) }} AND {_IN_DISTRICT.format('c')} "
        f"MATCH (x:Park) WHERE x.id IN $parks AND {reach} "
        "RETURN c.id AS site, c.name AS name, CASE WHEN c:Park THEN 'Park' ELSE 'Institution' END AS kind, "
        "COLLECT { MATCH (c)-[:IN_DISTRICT]->(d:District) RETURN d.id } AS districts, collect(x.id) AS parks",
        {**params(w), "parks": parks})


def facts(run: CypherRun, w: Window) -> Facts:
    covered = sorted(r["id"] for r in run(covered_sites(w)))
    names = {r["id"]: r["name"] for r in run(districts(w))}
    tallies = [_tallies(run(q)) for q in (park_tallies(w, covered), enterprise_tallies(w, covered),
                                            product_tallies(w), project_tallies(w))]
    types: dict[str, dict[str, int]] = {}
    for r in run(product_types(w)):
        types.setdefault(r["district"], {})[r["type"]] = r["n"]
    found = tuple(DistrictFacts(d, name, *(t.get(d, Tally()) for t in tallies),
                                tuple(sorted(types.get(d, {}).items()))) for d, name in sorted(names.items()))
    return Facts(found, tuple(_station(r) for r in run(stations(w))))


def candidates(run: CypherRun, w: Window) -> list[Candidate]:
    covered = sorted(r["id"] for r in run(covered_sites(w)))
    coverable = {r["park"]: [(Named(e, name), n) for e, name, n in r["enterprises"]]
                 for r in run(coverable_parks(w, covered))}
    out = []
    for r in sorted(run(candidate_reach(w, sorted(coverable))), key=lambda r: r["site"]):
        covers = dict(pair for park in r["parks"] for pair in coverable[park])
        out.append(Candidate(r["site"], r["name"], r["kind"], min(r["districts"], default=None),
                             tuple(sorted(covers.items(), key=lambda c: c[0].id))))
    return out


def _tallies(rows: list[dict]) -> dict[str, Tally]:
    return {r["district"]: Tally(r["total"], r["done"], tuple(Named(i, n) for i, n in sorted(r["missing"])))
            for r in rows}


def _station(r: dict) -> StationFacts:
    return StationFacts(r["id"], r["name"], r["type"] or "", r["scope"] or "", min(r["parents"], default=None),
                        tuple(sorted(r["districts"])), r["records"], r["targets"], r["points"], r["sites"],
                        r["member_stations"])
