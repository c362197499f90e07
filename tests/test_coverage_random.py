"""Coverage of random small regions against a second, deliberately plain implementation of the
semantics (written from the issue's text over the lists of nodes and edges), on both backends."""

from __future__ import annotations

import random
from datetime import date, timedelta
from math import acos, cos, radians, sin

import pytest

from queries.coverage import coverage, suggest_sites
from tests.helpers import edge, node

AS_OF = date(2026, 6, 30)


def random_region(seed: int):
    rng = random.Random(seed)
    nodes, edges = [], []
    districts = [f"district:31011{i}" for i in range(4)]
    for i, d in enumerate(districts):
        nodes.append(node(d, "District", f"区{i}", code=d[9:], type="district"))

    def coords() -> dict:
        return {} if rng.random() < 0.2 else {"lat": 31 + rng.random() * 0.1, "lon": 121.4 + rng.random() * 0.1}

    parks = [f"park:{i}" for i in range(7)]
    insts = [f"inst:{i}" for i in range(3)]
    for p in parks:
        nodes.append(node(p, "Park", p, **coords()))
    for i in insts:
        nodes.append(node(i, "Institution", i, type=rng.choice(["hospital", "university"]), **coords()))
    for x in parks + insts:
        if rng.random() < 0.9:
            edges.append(edge("IN_DISTRICT", x, rng.choice(districts)))
    stations = [f"station:{i}" for i in range(3)]
    for s in stations:
        nodes.append(node(s, "Station", s, type=rng.choice(["core", "station"]),
                          scope=rng.choice(["drug", "device", "both"])))
        for d in rng.sample(districts[:3], rng.choice([1, 1, 2])):  # districts[3] never has one
            edges.append(edge("SERVES", s, d))
        if rng.random() < 0.5:
            edges.append(edge("SITED_AT", s, rng.choice(parks + insts)))
    edges.append(edge("PART_OF", stations[1], stations[0]))
    for i in range(3):
        nodes.append(node(f"sp:{i}", "ServicePoint", f"点{i}"))
        edges += [edge("PART_OF", f"sp:{i}", rng.choice(stations)), edge("SITED_AT", f"sp:{i}", rng.choice(parks))]
    ents = [f"ent:{i:02d}" for i in range(24)]
    for e in ents:
        nodes.append(node(e, "Enterprise", e))
        if rng.random() < 0.9:
            edges.append(edge("IN_DISTRICT", e, rng.choice(districts)))
        for p in rng.sample(parks, rng.choice([0, 1, 1, 1, 2])):
            edges.append(edge("LOCATED_IN", e, p))
    products = [f"prod:{i:02d}" for i in range(30)]
    for p in products:
        kind = rng.choice(["drug", "device", "ivd"])
        extra = {} if kind == "drug" else {"device_class": rng.choice(["I", "II", "III"]),
                                           "innovation_channel": rng.choice(["none", "national", "shanghai"])}
        nodes.append(node(p, "Product", p, type=kind, **extra))
        for owner in rng.sample(ents + insts, rng.choice([0, 1, 1, 1, 2])):
            edges.append(edge("OWNS", owner, p))
    projects = [f"kp:{i}" for i in range(8)]
    for k in projects:
        nodes.append(node(k, "KeyProject", k, level=rng.choice(["national", "municipal", "district"])))
        if rng.random() < 0.8:
            edges.append(edge("FOR_PRODUCT", k, rng.choice(products)))
        if rng.random() < 0.9:
            edges.append(edge("UNDERTAKEN_BY", k, rng.choice(ents + insts)))
    targets = ents + products + projects + parks
    for i in range(60):
        day = (AS_OF - timedelta(days=rng.randint(-10, 200))).isoformat()
        edges.append(edge("TRACKS", rng.choice(stations), rng.choice(targets), id=f"r{i}", date=day,
                          type=rng.choice(["tracking", "visit", "consultation", "training"])))
    return nodes, edges


def _km(a: dict, b: dict) -> float:
    """The spherical law of cosines (the code under test uses the haversine)."""
    p1, p2 = radians(a["lat"]), radians(b["lat"])
    c = sin(p1) * sin(p2) + cos(p1) * cos(p2) * cos(radians(b["lon"] - a["lon"]))
    return 6371.0088 * acos(max(-1.0, min(1.0, c)))


def reference(nodes, edges, window: int, radius: float):
    """The issue's semantics, written out plainly over the records."""
    props = {n.id: n.props for n in nodes}
    kind = {n.id: n.kind for n in nodes}

    def targets(src, k):
        return {e.dst for e in edges if e.src == src and e.kind == k}

    def sources(dst, k):
        return {e.src for e in edges if e.dst == dst and e.kind == k}

    start, end = (AS_OF - timedelta(days=window)).isoformat(), AS_OF.isoformat()
    records = [e for e in edges if e.kind == "TRACKS" and start <= e.props["date"] <= end]
    centres = {e.dst for e in edges if e.kind == "SITED_AT"}

    def has_xy(x):
        return props[x].get("lat") is not None

    def site_covered(x):
        return x in centres or (radius > 0 and has_xy(x) and any(
            has_xy(c) and _km(props[c], props[x]) <= radius for c in centres))

    def ent_covered(e):
        # service to the enterprise, to a product it owns or to a key project it undertakes
        served = {e} | targets(e, "OWNS") | sources(e, "UNDERTAKEN_BY")
        return any(site_covered(p) for p in targets(e, "LOCATED_IN")) or any(
            r.dst in served and targets(r.src, "SERVES") & targets(e, "IN_DISTRICT") for r in records)

    def tracked(x):
        return any(r.dst == x and r.props["type"] == "tracking" for r in records)

    def innovative(p):
        q = props[p]
        return q["type"] in ("device", "ivd") and q.get("device_class") in ("II", "III") and q.get(
            "innovation_channel") in ("national", "shanghai")

    out = {}
    for d in sorted(i for i in kind if kind[i] == "District"):
        def in_d(x, d=d):
            return d in targets(x, "IN_DISTRICT")

        parks = [p for p in kind if kind[p] == "Park" and in_d(p)]
        ents = [e for e in kind if kind[e] == "Enterprise" and in_d(e)]
        prods = [p for p in kind if kind[p] == "Product" and innovative(p) and any(in_d(o) for o in sources(p, "OWNS"))]
        projs = [k for k in kind if kind[k] == "KeyProject" and props[k]["level"] in ("national", "municipal")
                 and any(in_d(o) for o in targets(k, "UNDERTAKEN_BY"))]
        stations = sorted(sources(d, "SERVES"))
        types = {t for p in kind if kind[p] == "Product" and any(in_d(o) for o in sources(p, "OWNS"))
                 for t in [props[p]["type"]]}
        gaps = [("no_station", None, None)] if not stations and (parks or ents) else []
        for s in stations:
            scope = props[s]["scope"]
            if scope == "device" and "drug" in types:
                gaps.append(("scope", s, "drug"))
            if scope == "drug" and types & {"device", "ivd"}:
                gaps.append(("scope", s, "device"))
        out[d] = {
            "stations": tuple(stations),
            "uncovered_parks": tuple(sorted(p for p in parks if not site_covered(p))),
            "uncovered_enterprises": tuple(sorted(e for e in ents if not ent_covered(e))),
            "untracked_products": tuple(sorted(p for p in prods if not (tracked(p) or any(
                tracked(k) for k in sources(p, "FOR_PRODUCT"))))),
            "untracked_projects": tuple(sorted(k for k in projs if not (tracked(k) or any(
                tracked(p) for p in targets(k, "FOR_PRODUCT"))))),
            "totals": (len(parks), len(ents), len(prods), len(projs)),
            "gaps": sorted(gaps, key=str),
        }
    weights = {e: 1 + sum(innovative(p) for p in targets(e, "OWNS")) + sum(
        props[k]["level"] in ("national", "municipal") for k in sources(e, "UNDERTAKEN_BY"))
        for e in kind if kind[e] == "Enterprise"}
    stations = {}
    for s in (i for i in kind if kind[i] == "Station"):
        mine = [r for r in records if r.src == s]
        points = {p for p in sources(s, "PART_OF") if kind[p] == "ServicePoint"}
        sites = targets(s, "SITED_AT") | {x for p in points for x in targets(p, "SITED_AT")}
        stations[s] = (len(mine), len({r.dst for r in mine}), len(points), len(sites))
    return out, stations, weights, ranks(out, stations, window, sources, targets)


def ranks(out, stations, window, sources, targets):
    """Each station's rank: by the mean of its districts' pooled rates, then records per month, then
    targets; equal on all three, equal rank (1, 2, 2, 4)."""
    keys = {}
    for s, (records, n_targets, _, _) in stations.items():
        served = [out[d] for d in sorted(targets(s, "SERVES"))]
        pooled = []
        for i, missing in enumerate(("uncovered_parks", "uncovered_enterprises", "untracked_products",
                                     "untracked_projects")):
            total = sum(d["totals"][i] for d in served)
            if total:
                pooled.append((total - sum(len(d[missing]) for d in served)) / total)
        score = sum(pooled) / len(pooled) if pooled else None
        keys[s] = (score is None, -round(score or 0, 9), -round(records / (max(window, 1) / (365.25 / 12)), 2),
                   -n_targets)
    return {s: 1 + sum(other < key for other in keys.values()) for s, key in keys.items()}


@pytest.mark.parametrize("seed", range(5))
def test_random_regions_match_the_plain_reading(store, seed):
    nodes, edges = random_region(seed)
    store.write(nodes, edges)
    rng = random.Random(seed)
    for window, radius in ((180, 0.0), (rng.choice([0, 30, 90]), rng.choice([2.0, 5.0, 9.0]))):
        want, want_stations, weights, want_ranks = reference(nodes, edges, window, radius)
        got = coverage(store, as_of=AS_OF, window_days=window, radius_km=radius)
        names = {n.id: n.name for n in nodes}
        for d in got.districts:
            w = want[d.id]
            lists = (d.uncovered_parks, d.uncovered_enterprises, d.untracked_products, d.untracked_projects)
            assert all(n.name == names[n.id] for items in lists for n in items)
            assert (d.stations, *(tuple(n.id for n in items) for items in lists)) == (
                w["stations"], w["uncovered_parks"], w["uncovered_enterprises"], w["untracked_products"],
                w["untracked_projects"]), (d.id, window, radius)
            assert (d.parks_total, d.enterprises_total, d.innovative_products_total, d.key_projects_total) == w["totals"]
            assert sorted(((g.kind, g.station, g.lacks) for g in d.gaps), key=str) == w["gaps"]
        assert {s.id: (s.records, s.targets, s.points, s.sites) for s in got.stations} == want_stations
        assert {s.id: s.rank for s in got.stations} == want_ranks
        # a suggestion newly covers uncovered enterprises (or ones in no district, which no tally
        # counts), and its gain is their weight: 1 + innovative products + counted key projects
        no_district = {n.id for n in nodes if n.kind == "Enterprise"} - {e.src for e in edges if e.kind == "IN_DISTRICT"}
        uncovered = {e for w in want.values() for e in w["uncovered_enterprises"]} | no_district
        seen: set[str] = set()
        for pick in suggest_sites(store, 3, as_of=AS_OF, window_days=window, radius_km=radius):
            picked = {e.id for e in pick.enterprises}
            assert picked <= uncovered and seen.isdisjoint(picked)
            seen |= picked
            assert pick.gain == sum(weights[e] for e in picked)
