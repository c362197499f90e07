"""The coverage aggregates over the embedded store's graph (a ``graph.view.GraphView``).

One pass over the nodes sorts them by kind; the districts, parks and recent records of every node
are read from the few nodes at the small end of those edges (districts, parks, stations); the rest
looks only at the edges next to the nodes it judges.  The cost grows with parks, enterprises,
products and service records, not with patents or the rest of the graph.
"""

from __future__ import annotations

from collections import defaultdict

from graph.view import GraphView
from queries.coverage_facts import (
    COUNTED_LEVELS,
    TRACKING,
    Candidate,
    DistrictFacts,
    Facts,
    Named,
    StationFacts,
    Tally,
    Window,
    innovative,
    tally,
)
from queries.geo import great_circle_km

_NONE: set[str] = set()
KINDS = ("District", "Park", "Institution", "Enterprise", "Product", "KeyProject", "Station", "ServicePoint")


def facts(view: GraphView, w: Window) -> Facts:
    return _seen(view, w).facts()


def candidates(view: GraphView, w: Window) -> list[Candidate]:
    return _seen(view, w).candidates()


def _seen(view: GraphView, w: Window) -> _View:
    # the walk over the whole graph, once per state of the graph and window: a report and its
    # suggestions (a page asks for both) share it
    return view.memo(("coverage-view", w), lambda: _View(view, w))


class _View:
    """The graph seen by one coverage query."""

    def __init__(self, view: GraphView, w: Window) -> None:
        self.view, self.w, self.nodes = view, w, view.attributes
        self.start, self.end = w.start, w.end
        self.by_kind: dict[str, list[str]] = defaultdict(list)
        for n, attrs in view.nodes():
            if attrs["kind"] in KINDS:
                self.by_kind[attrs["kind"]].append(n)
        # look-ups built from the few nodes at the small end of the many edges (districts, parks,
        # stations), instead of scanning the edges of every enterprise and product
        self.district_of: dict[str, set[str]] = defaultdict(set)
        for d in self.by_kind["District"]:
            for u, _ in self.view.into(d, "IN_DISTRICT"):
                self.district_of[u].add(d)
        self.parks_of: dict[str, list[str]] = defaultdict(list)
        for p in self.by_kind["Park"]:
            for u, _ in self.view.into(p, "LOCATED_IN"):
                self.parks_of[u].append(p)
        # one pass over each station's edges (mostly its records): target -> (station, type) in
        # the window, and the station's other edges by kind
        self.recent: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.station_out: dict[str, dict[str, list[str]]] = {}
        for s in self.by_kind["Station"]:
            other = self.station_out[s] = defaultdict(list)
            for t, a in view.out_edges(s):
                if a["kind"] != "TRACKS":
                    other[a["kind"]].append(t)
                elif self.start <= a["date"] <= self.end:
                    self.recent[t].append((s, a["type"]))
        self.serves = {s: set(self.station_out[s]["SERVES"]) for s in self.by_kind["Station"]}
        # a recent record for a product or a key project serves its owner or undertaker too: found
        # from the few recently served targets, not from every enterprise's edges
        self.served_through: dict[str, list[str]] = defaultdict(list)
        for t, served in self.recent.items():
            kind = self.nodes[t]["kind"]
            orgs = ([u for u, _ in self.view.into(t, "OWNS")] if kind == "Product"
                    else self.view.out(t, "UNDERTAKEN_BY") if kind == "KeyProject" else [])
            for o in orgs:
                self.served_through[o] += [station for station, _ in served]
        self.centres = {x for s in self.by_kind["Station"] for x in self.station_out[s]["SITED_AT"]} | {
            x for sp in self.by_kind["ServicePoint"] for x in self.view.out(sp, "SITED_AT")}
        self.covered_sites = self.centres | self._near(self.centres, self.by_kind["Park"] + self.by_kind["Institution"])

    # --- what the edges next to a node say
    def districts(self, n: str) -> set[str]:
        return self.district_of.get(n, _NONE)

    def _coords(self, n: str) -> tuple[float, float] | None:
        a = self.nodes[n]
        return (a["lat"], a["lon"]) if a.get("lat") is not None and a.get("lon") is not None else None

    def _near(self, centres: set[str], sites: list[str]) -> set[str]:
        """The sites within the radius of a centre (both with coordinates)."""
        if self.w.radius_km <= 0:
            return set()
        points = [c for c in map(self._coords, sorted(centres)) if c is not None]
        return {x for x in sites if (xy := self._coords(x)) is not None
                and any(great_circle_km(*c, *xy) <= self.w.radius_km for c in points)}

    # --- the semantics
    def enterprise_covered(self, e: str) -> bool:
        """Its park is covered, or a station of its district served it, one of its products or a key
        project it undertakes in the window."""
        if any(p in self.covered_sites for p in self.parks_of.get(e, ())):
            return True
        own = self.districts(e)
        return any(self.serves[s] & own for s, _ in self.recent.get(e, ())) or any(
            self.serves[s] & own for s in self.served_through.get(e, ()))

    def tracked_directly(self, n: str) -> bool:
        return any(kind == TRACKING for _, kind in self.recent.get(n, ()))

    def innovative(self, p: str) -> bool:
        return innovative(self.nodes[p])

    def product_tracked(self, p: str) -> bool:
        return self.tracked_directly(p) or any(self.nodes[k]["kind"] == "KeyProject" and self.tracked_directly(k)
                                               for k, _ in self.view.into(p, "FOR_PRODUCT"))

    def project_tracked(self, k: str) -> bool:
        return self.tracked_directly(k) or any(self.tracked_directly(p) for p in self.view.out(k, "FOR_PRODUCT"))

    def owners_districts(self, p: str) -> set[str]:
        return {d for o, _ in self.view.into(p, "OWNS") for d in self.districts(o)}

    def counted_project(self, k: str) -> bool:
        return self.nodes[k].get("level") in COUNTED_LEVELS

    # --- the aggregates
    def facts(self) -> Facts:
        per: dict[str, dict[str, dict[str, bool]]] = defaultdict(lambda: defaultdict(dict))
        types: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        for p in self.by_kind["Park"]:
            for d in self.districts(p):
                per[d]["parks"][p] = p in self.covered_sites
        for e in self.by_kind["Enterprise"]:
            if own := self.districts(e):
                ok = self.enterprise_covered(e)
                for d in own:
                    per[d]["enterprises"][e] = ok
        for p in self.by_kind["Product"]:
            own = self.owners_districts(p)
            for d in own:
                types[d][self.nodes[p]["type"]] += 1
            if own and self.innovative(p):
                ok = self.product_tracked(p)
                for d in own:
                    per[d]["products"][p] = ok
        for k in self.by_kind["KeyProject"]:
            own = {d for o in self.view.out(k, "UNDERTAKEN_BY") for d in self.districts(o)}
            if own and self.counted_project(k):
                ok = self.project_tracked(k)
                for d in own:
                    per[d]["projects"][k] = ok
        districts = tuple(
            DistrictFacts(d, self.nodes[d]["name"], *(tally(per[d][m], self.name) if d in per else Tally()
                                                      for m in ("parks", "enterprises", "products", "projects")),
                          tuple(sorted(types[d].items())))
            for d in sorted(self.by_kind["District"]))
        return Facts(districts, self.facts_of_stations())

    def facts_of_stations(self) -> tuple[StationFacts, ...]:
        records: dict[str, list[str]] = defaultdict(list)
        for t, served in self.recent.items():
            for by, _ in served:
                records[by].append(t)
        out = []
        for s in sorted(self.by_kind["Station"]):
            a, mine = self.nodes[s], self.station_out[s]
            points = {u for u, _ in self.view.into(s, "PART_OF") if self.nodes[u]["kind"] == "ServicePoint"}
            members = {u for u, _ in self.view.into(s, "PART_OF") if self.nodes[u]["kind"] == "Station"}
            sites = set(mine["SITED_AT"]) | {x for sp in points for x in self.view.out(sp, "SITED_AT")}
            out.append(StationFacts(s, a["name"], a.get("type", ""), a.get("scope", ""),
                                    min(mine["PART_OF"], default=None), tuple(sorted(self.serves[s])),
                                    len(records[s]), len(set(records[s])), len(points), len(sites), len(members)))
        return tuple(out)

    def name(self, n: str) -> str:
        return self.nodes[n]["name"]

    def weight(self, e: str) -> int:
        products = sum(1 for p in set(self.view.out(e, "OWNS")) if self.innovative(p))
        projects = sum(1 for k, _ in self.view.into(e, "UNDERTAKEN_BY") if self.counted_project(k))
        return 1 + products + projects

    def candidates(self) -> list[Candidate]:
        d = self.w.district
        coverable: dict[str, list[str]] = {}  # uncovered park -> the uncovered enterprises in it
        for p in self.by_kind["Park"]:
            if p not in self.covered_sites and (ents := [
                    e for e, _ in self.view.into(p, "LOCATED_IN") if self.nodes[e]["kind"] == "Enterprise"
                    and (d is None or d in self.districts(e)) and not self.enterprise_covered(e)]):
                coverable[p] = ents
        weights: dict[str, int] = {}
        out = []
        for c in sorted(self.by_kind["Park"] + self.by_kind["Institution"]):
            if c in self.centres or (d is not None and d not in self.districts(c)):
                continue
            reach = ({c} & coverable.keys()) | self._near({c}, list(coverable))
            if not (ents := {e for p in reach for e in coverable[p]}):
                continue
            for e in ents - weights.keys():
                weights[e] = self.weight(e)
            own = sorted(self.districts(c))
            out.append(Candidate(c, self.nodes[c]["name"], self.nodes[c]["kind"], own[0] if own else None,
                                 tuple((Named(e, self.name(e)), weights[e]) for e in sorted(ents))))
        return out
