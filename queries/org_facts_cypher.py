"""The facts of ``queries.org_facts`` computed inside Neo4j: pure builders of ``(text, params)``.

The server selects the organisations, walks their edges and counts; one row per organisation (or
patent, edge) comes back, and ``queries.org_facts`` turns the rows into the same records the
embedded store gives.  Labels and relationship types pass through ``label``/``rel_type``.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from graph.cypher import BASE, SEP, Query, label, rel_type
from graph.view import CypherRun
from ontology import EDGE_KINDS
from ontology.segments import TYPE_PROVIDES
from queries import org_records as rec
from queries.org_records import Ego, Region

if TYPE_CHECKING:
    from queries.org_facts import PatentsOfQuery, ProfilesQuery

_ORG = f"{label('Enterprise')}|{label('Institution')}"
_KIND = f"[l IN labels(c) WHERE l <> '{BASE}'][0]"
_DATED = "({0}.{1} IS NULL OR {0}.{1} <= $as_of)"
_OFFERED = f"(p.transferable = true AND p.status IN {list(rec.OFFERED_STATUSES)!r})"
_PLACE_COLUMNS = (
    f"c.id AS id, {_KIND} AS kind, c.name AS name, c.type AS type, c.credit AS credit, "
    "c.province AS province, c.city AS city, "
    "COLLECT { MATCH (c)-[:IN_DISTRICT]->(d:District) RETURN d.id } AS districts, "
    "COLLECT { MATCH (c)-[:LOCATED_IN]->(k:Park) RETURN k.id } AS parks, "
    "COLLECT { MATCH (c)-[:IN_FIELD]->(f:Field) RETURN f.id } AS fields, "
    "COLLECT { MATCH (c)-[r:PROVIDES]->(s:Segment) RETURN [s.id, coalesce(r.field, '')] } AS provides, "
    "c.gcp_drug = true AS gcp_drug, c.gcp_device = true AS gcp_device, "
    "COUNT { MATCH (c)-[:OWNS]->(x:Product) WHERE x.stage = 'approved' } AS approved, "
    f"COUNT {{ MATCH (x:Product)-[t:TRIAL_SITE]->(c) WHERE {_DATED.format('t', 'date')} "
    "RETURN DISTINCT x } AS trials, "
)
_PATENTS = f"COUNT {{ MATCH (p:Patent)-[:APPLIED_BY]->(c) WHERE {_DATED.format('p', 'application_date')} }}"


def _patent_fields(where: str) -> str:
    return (f"COLLECT {{ MATCH (p:Patent)-[:APPLIED_BY]->(c) WHERE {_DATED.format('p', 'application_date')} "
            f"MATCH (p)-[:CLASSIFIED_AS]->(f:Field) {where} "
            f"WITH f.id AS f, count(DISTINCT p) AS n, count(DISTINCT CASE WHEN {_OFFERED} THEN p END) AS t "
            "RETURN [f, n, t] } AS patent_fields")


_RANKINGS = ("COLLECT { MATCH (c)-[r:RANKED]->(s:Specialty) WHERE r.year < $year "
             "RETURN [s.id, r.list, r.year, r.rank, coalesce(r.nominated, false)] } AS rankings")
PROFILE_COLUMNS = f"{_PLACE_COLUMNS}{_PATENTS} AS patents, {_patent_fields('')}, {_RANKINGS}"
# a profile as a match needs it (``org_facts.for_fields``): patents only in $fams, counted in all
# only when $total, no rankings
FIELD_PROFILE_COLUMNS = (
    f"{_PLACE_COLUMNS}CASE WHEN $total THEN {_PATENTS} ELSE 0 END AS patents, "
    f"{_patent_fields('WHERE f.id IN $fams')}, [] AS rankings"
)
_PROFILE = f"RETURN {PROFILE_COLUMNS}"
_PARTNERS = (
    "COLLECT {{ MATCH ({0})-[r:COLLABORATES]-(z:{org}) WHERE {dated} AND z <> {0} RETURN z.id AS z "
    "UNION MATCH ({0})<-[:APPLIED_BY]-(p:Patent)-[:APPLIED_BY]->(z) "
    "WHERE z <> {0} AND {pdated} RETURN z.id AS z }}"
)


def _partners(var: str) -> str:
    return _PARTNERS.format(var, org=_ORG, dated=_DATED.format("r", "date"),
                            pdated=_DATED.format("p", "application_date"))


def _params(as_of: date, **more: Any) -> dict[str, Any]:
    return {"as_of": as_of.isoformat(), "year": as_of.year, **more}


def profiles(q: ProfilesQuery) -> Query:
    if q.ids is not None:
        select = f"MATCH (c:{_ORG}) WHERE c.id IN $ids"
        extra: dict[str, Any] = {"ids": list(q.ids)}
    elif q.segments is not None:
        rules = [[r.institution_type, r.flag] for r in TYPE_PROVIDES if r.segment in q.segments]
        select = ("CALL () { MATCH (c)-[:PROVIDES]->(s:Segment) WHERE s.id IN $segments RETURN c "
                  "UNION MATCH (c:Institution) WHERE any(r IN $rules WHERE c.type = r[0] "
                  "AND (r[1] IS NULL OR c[r[1]] = true)) RETURN c }")
        extra = {"segments": list(q.segments), "rules": rules}
    else:
        select = "MATCH (c:Institution) WHERE c.type IN $types"
        extra = {"types": list(q.types or ())}
    columns = PROFILE_COLUMNS if q.patents else f"{_PLACE_COLUMNS}0 AS patents, [] AS patent_fields, {_RANKINGS}"
    return f"{select} WITH DISTINCT c RETURN {columns}", _params(q.as_of, **extra)


def strength(q) -> Query:
    """Per family and organisation, the (patent, field) pairs in the family and those on offer:
    walked from the fields' side, which a family's few thousand patents keep short."""
    who = "c.id IN $ids" if q.ids is not None else "c.type IN $types"
    return ("UNWIND $families AS fam MATCH (f:Field)<-[:CLASSIFIED_AS]-(p:Patent) WHERE f.id IN fam[1] "
            f"AND {_DATED.format('p', 'application_date')} MATCH (p)-[:APPLIED_BY]->(c:{_ORG}) WHERE {who} "
            f"RETURN fam[0] AS key, c.id AS id, count(*) AS n, sum(CASE WHEN {_OFFERED} THEN 1 ELSE 0 END) AS t",
            _params(q.as_of, families=[[k, list(f)] for k, f in q.families], ids=list(q.ids or ()),
                    types=list(q.types or ())))


def ego(run: CypherRun, org: str, as_of: date) -> Ego:
    rows = run((f"MATCH (c:{_ORG} {{id: $org}}) "
                "WITH c, COLLECT { MATCH (c)-[r:NEEDS]->(s:Segment) RETURN [s.id, coalesce(r.field, '')] } AS needs, "
                "COLLECT { MATCH (c)-[:OWNS]->(x:Product) RETURN [x.id, x.name, x.type, x.stage, "
                "COLLECT { MATCH (x)-[:IN_FIELD]->(g:Field) RETURN g.id }] } AS products "
                f"{_PROFILE}, needs, products, {_partners('c')} AS partners, "
                "COLLECT { MATCH (c)-[:IN_DISTRICT]->(d:District) RETURN [d.id, d.name] } AS district_names",
                _params(as_of, org=org)))
    if not rows:
        raise rec.NoSuchOrg(org)
    row = rows[0]
    products = tuple(sorted((rec.ProductFact(i, n, t, s, tuple(sorted(set(fs)))) for i, n, t, s, fs in row["products"]),
                            key=lambda p: p.id))
    mine = tuple(sorted(set(row["partners"])))
    second = partners_rows(run, mine, as_of)
    me = rec.profile(row)
    names = dict(map(tuple, row["district_names"]))
    return rec.Ego(me, tuple(sorted({(s, fld or "") for s, fld in row["needs"]})), products, mine,
                   tuple((z, second.get(z, ())) for z in mine), tuple((d, names[d]) for d in me.districts))


def partners(ids: tuple[str, ...], as_of: date) -> Query:
    return (f"MATCH (c:{_ORG}) WHERE c.id IN $ids RETURN c.id AS id, {_partners('c')} AS partners",
            _params(as_of, ids=list(ids)))


def partners_rows(run: CypherRun, ids: tuple[str, ...], as_of: date) -> dict[str, tuple[str, ...]]:
    if not ids:
        return {}
    return {r["id"]: tuple(sorted(set(r["partners"]))) for r in run(partners(ids, as_of))}


def region(run: CypherRun, places: bool = True) -> Region:
    """The districts, placed, and the stations; without ``places`` the stations only."""
    names = {r["id"]: r["name"] for r in run(("MATCH (d:District) RETURN d.id AS id, d.name AS name", {}))} \
        if places else {}
    points: dict[str, list] = {d: [] for d in names}
    for r in () if not places else run(("MATCH (x:Park|Institution) WHERE x.lat IS NOT NULL AND x.lon IS NOT NULL "
                  "MATCH (x)-[:IN_DISTRICT]->(d:District) RETURN d.id AS d, x.lat AS lat, x.lon AS lon", {})):
        points[r["d"]].append((r["lat"], r["lon"]))
    districts = tuple(rec.district(d, names[d], points[d]) for d in sorted(names))
    stations = tuple(
        rec.StationFact(r["id"], r["name"], r["type"], tuple(sorted(set(r["parents"]))),
                      tuple(sorted(set(r["districts"]))), tuple(sorted(set(r["sites"]))))
        for r in run((
            "MATCH (s:Station) RETURN s.id AS id, s.name AS name, s.type AS type, "
            "COLLECT { MATCH (s)-[:PART_OF]->(c:Station) RETURN c.id } AS parents, "
            "COLLECT { MATCH (s)-[:SERVES]->(d:District) RETURN d.id } AS districts, "
            "COLLECT { MATCH (s)-[:SITED_AT]->(x) RETURN x.id AS x "
            "UNION MATCH (sp:ServicePoint)-[:PART_OF]->(s), (sp)-[:SITED_AT]->(x) RETURN x.id AS x } AS sites "
            "ORDER BY id", {})))
    return rec.Region(districts, stations)


def tracked(station: str, as_of: date) -> Query:
    return (f"MATCH (:Station {{id: $station}})-[r:TRACKS]->(t) WHERE {_DATED.format('r', 'date')} "
            "RETURN DISTINCT t.id AS id", _params(as_of, station=station))


_PATENT = ("RETURN p.id AS id, p.name AS name, p.status AS status, p.application_date AS application_date, "
           "p.transferable AS transferable, "
           "COLLECT { MATCH (p)-[:CLASSIFIED_AS]->(f:Field) RETURN f.id } AS fields, "
           "COLLECT { MATCH (p)-[:APPLIED_BY]->(o) RETURN o.id } AS applicants")


def offered_patents(fields: tuple[str, ...], as_of: date) -> Query:
    return ("MATCH (p:Patent)-[:CLASSIFIED_AS]->(f:Field) WHERE f.id IN $fields "
            f"AND {_OFFERED} AND {_DATED.format('p', 'application_date')} WITH DISTINCT p {_PATENT}",
            _params(as_of, fields=list(fields)))


def patents_of(q: PatentsOfQuery) -> Query:
    """Each org's first ``limit`` patents in the fields, in ``org_facts.patent_order``."""
    in_fields = "size($fields) = 0 OR EXISTS { MATCH (p)-[:CLASSIFIED_AS]->(f:Field) WHERE f.id IN $fields }"
    return (f"UNWIND $orgs AS oid MATCH (c:{_ORG} {{id: oid}}) CALL (c) {{ "
            f"MATCH (p:Patent)-[:APPLIED_BY]->(c) WHERE {_DATED.format('p', 'application_date')} AND ({in_fields}) "
            f"WITH p ORDER BY coalesce({_OFFERED}, false) DESC, p.application_date IS NULL, "
            "p.application_date DESC, p.id "
            f"LIMIT $limit RETURN p }} WITH c, p {_PATENT}, c.id AS org",
            _params(q.as_of, orgs=list(q.orgs), fields=list(q.fields), limit=q.limit))


def edges(wanted: tuple[tuple[str, str, str], ...]) -> Query:
    """Each wanted edge by its identity's prefix (``src NUL dst NUL``) in the kind's ``_sk`` index; a
    symmetric kind is stored once, from the smaller id."""
    by_kind: dict[str, list[str]] = {}
    for kind, src, dst in wanted:
        if EDGE_KINDS[kind].symmetric and src > dst:
            src, dst = dst, src
        by_kind.setdefault(kind, []).append(f"{src}{SEP}{dst}{SEP}")
    parts = []
    params: dict[str, Any] = {}
    for i, (kind, prefixes) in enumerate(sorted(by_kind.items())):
        params[f"prefixes{i}"] = sorted(set(prefixes))
        parts.append(f"UNWIND $prefixes{i} AS prefix MATCH (a)-[r:{rel_type(kind)}]->(b) "
                     "WHERE r._sk STARTS WITH prefix "
                     f"RETURN '{rel_type(kind)}' AS kind, a.id AS src, b.id AS dst, r._source AS source, "
                     "r._load AS load_id, r.date AS date")
    if not parts:
        return "RETURN 1 AS kind LIMIT 0", {}
    return " UNION ALL ".join(parts), params


def co_patents(pairs: tuple[tuple[str, str], ...], as_of: date) -> Query:
    return (f"UNWIND $pairs AS pair MATCH (a:{BASE} {{id: pair[0]}})<-[:APPLIED_BY]-(p:Patent)-[:APPLIED_BY]->"
            f"(b:{BASE} {{id: pair[1]}}) WHERE {_DATED.format('p', 'application_date')} "
            "RETURN pair[0] AS a, pair[1] AS b, min(p.id) AS patent", _params(as_of, pairs=[list(p) for p in pairs]))


def placed_orgs() -> Query:
    return (f"MATCH (c:{_ORG}) WHERE c.credit IS NULL OR c.credit <> 'D' "
            "WITH c, COLLECT { MATCH (c)-[:IN_DISTRICT]->(d:District) RETURN d.id } AS districts "
            f"WHERE size(districts) > 0 RETURN c.id AS id, {_KIND} AS kind, c.type AS type, "
            "c.gcp_drug = true AS gcp_drug, c.gcp_device = true AS gcp_device, districts, "
            "COLLECT { MATCH (c)-[:IN_FIELD]->(f:Field) RETURN f.id } AS fields, "
            "COLLECT { MATCH (c)-[r:PROVIDES]->(s:Segment) RETURN [s.id, coalesce(r.field, '')] } AS provides", {})
