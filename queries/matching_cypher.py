"""The candidates of a match, chosen inside Neo4j: a pure builder of ``(text, params)``.

At city scale a segment has thousands of providers, and reading every one's profile out of the
server costs more than the whole match may.  So the server scores the providers on every part but the
one that walks their patents (field fit, proximity, credit, ties, and the approved-products and
trials thirds of capacity: exactly as ``queries.matching`` does, from the same tables, sent as
parameters) and keeps, per need, those that can still reach the top K once the patents third (at
most ``weights["capacity"] / 3``) is added: every provider whose partial score plus that reaches
the K-th best partial score (less ``EPS``, against rounding).  No provider left out can be in the
top K: K providers already score at least the K-th best partial score.  Only the kept providers'
profiles come back; ``queries.matching`` then scores them exactly.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from graph.cypher import Query
from ontology import FIELD_BY_ID
from ontology.segments import TYPE_PROVIDES
from queries.org_facts import Profile
from queries.org_facts_cypher import FIELD_PROFILE_COLUMNS
from queries.scoring import CAPACITY_HALF, CREDIT, FIT, PROXIMITY, SHANGHAI, family, in_shanghai

EPS = 1e-5
_CREDIT = "CASE WHEN c.credit IS NULL THEN $credit_none ELSE coalesce($credit[c.credit], $credit_none) END"
_TIES = "coalesce($ties[c.id], 0.0)"  # a map: a list would be searched once per provider
_FIXED = f"$w.credit * {_CREDIT} + $w.ties * {_TIES}"  # the parts read from the node alone


def _fit(stated: str) -> str:
    return (f"CASE WHEN need.field IS NULL OR size({stated}) = 0 THEN $fit.none WHEN need.field IN {stated} "
            f"THEN $fit.same WHEN any(x IN {stated} WHERE x IN need.related) THEN $fit.related ELSE $fit.other END")


# what a provider's edges say: its districts, parks, fields (when its PROVIDES edges state none),
# approved products and hosted trials
_EXPAND = (
    ", [(c)-[r:IN_DISTRICT|LOCATED_IN|IN_FIELD|OWNS]->(x) | [type(r), x.id, x.stage]] AS out "
    "WITH *, [x IN out WHERE x[0] = 'IN_DISTRICT' | x[1]] AS ds, [x IN out WHERE x[0] = 'LOCATED_IN' | x[1]] AS ks, "
    "CASE WHEN size(ef) > 0 THEN ef ELSE [x IN out WHERE x[0] = 'IN_FIELD' | x[1]] END AS stated, "
    "toFloat(size([x IN out WHERE x[0] = 'OWNS' AND x[2] = 'approved'])) AS approved, "
    "CASE WHEN c:Institution THEN toFloat(COUNT { MATCH (x:Product)-[t:TRIAL_SITE]->(c) "
    "WHERE t.date IS NULL OR t.date <= $as_of RETURN DISTINCT x }) ELSE 0.0 END AS trials"
)
# the score without the patents third of capacity
_LOW = (
    "fixed + $w.capacity * (approved / (approved + $half) + trials / (trials + $half)) / 3 + "
    f"$w.field * {_fit('stated')} + "
    "$w.proximity * CASE WHEN any(k IN ks WHERE k IN $parks) THEN $prox.same_park "
    "WHEN any(d IN ds WHERE d IN $districts) THEN $prox.same_district "
    "WHEN any(d IN ds WHERE d IN $network) THEN $prox.same_network "
    "WHEN $in_shanghai AND (size(ds) > 0 OR c.province IN $sh OR c.city IN $sh) THEN $prox.shanghai "
    "ELSE $prox.elsewhere END"
)


def candidates(needs: Iterable[tuple[str, str | None]], me: Profile, network: Iterable[str], direct: Iterable[str],
               shared: Iterable[str], weights: Mapping[str, float], top: int, as_of: str) -> Query:
    """The profiles (``org_facts.for_fields`` of the needs' fields) of the providers that can reach the
    top ``top`` of any of ``needs`` for ``me``."""
    rows, fams, total = [], set(), False
    for segment, field in needs:
        fams |= set(family(field)) if field else set()
        total = total or field is None
        kin = [f for f in FIELD_BY_ID if field and f != field and (f in family(field) or field in family(f))]
        rows.append({"segment": segment, "field": field, "related": kin,
                     "rules": [[r.institution_type, r.flag] for r in TYPE_PROVIDES if r.segment == segment]})
    params: dict[str, Any] = {
        "needs": rows, "org": me.id, "parks": list(me.parks), "districts": list(me.districts),
        "network": sorted(set(network)), "in_shanghai": in_shanghai(me), "sh": list(SHANGHAI),
        "ties": {**dict.fromkeys(sorted(set(shared)), 0.5), **dict.fromkeys(sorted(set(direct)), 1.0)},
        "w": dict(weights), "fit": FIT,
        "prox": PROXIMITY, "credit": {k: v for k, v in CREDIT.items() if k is not None}, "credit_none": CREDIT[None],
        "fams": sorted(fams), "total": total, "top": top, "eps": EPS, "half": float(CAPACITY_HALF), "as_of": as_of,
        "year": int(as_of[:4])}
    text = (
        "UNWIND range(0, size($needs) - 1) AS i WITH i, $needs[i] AS need "
        "CALL (need) { "
        "MATCH (:Segment {id: need.segment})<-[r:PROVIDES]-(c:Enterprise|Institution) "
        "RETURN c, coalesce(r.field, '') AS ef "
        "UNION ALL MATCH (c:Institution) WHERE any(x IN need.rules WHERE c.type = x[0] "
        "AND (x[1] IS NULL OR c[x[1]] = true)) RETURN c, null AS ef } "
        "WITH i, need, c, collect(ef) AS efs WHERE c.id <> $org AND (c.credit IS NULL OR c.credit <> 'D') "
        f"WITH i, need, c, [x IN efs WHERE x IS NOT NULL AND x <> ''] AS ef, {_FIXED} AS fixed {_EXPAND} "
        f"WITH i, c, {_LOW} AS low "
        "WITH i, collect({c: c, low: low}) AS cands "
        "CALL (cands) { UNWIND cands AS y WITH y.low AS l ORDER BY l DESC LIMIT $top "
        "RETURN CASE WHEN count(l) < $top THEN -1.0 ELSE min(l) END AS bar } "
        "UNWIND [y IN cands WHERE y.low + $w.capacity / 3 >= bar - $eps | y.c] AS c "
        f"WITH DISTINCT c RETURN {FIELD_PROFILE_COLUMNS}")
    return text, params
