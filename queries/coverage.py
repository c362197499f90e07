"""Station-network coverage (一站多点, 一核多站): who is reached, who is not, and where to go next.

``coverage(store, district=None, as_of=today, window_days=180, radius_km=0)``:

- a *site* (park or institution) is covered when a station or service point is sited at it, or,
  with ``radius_km > 0``, when it lies within that great-circle distance of such a site (both with
  coordinates);
- a park belongs to its district, an enterprise to its district, a product to its owner's
  district, a key project to its undertaker's district (IN_DISTRICT edges; one with several counts
  in each);
- an enterprise is covered when its park is covered, or a station serving the enterprise's
  district has a service record (any type) dated in ``[as_of - window_days, as_of]`` for it, for a
  product it owns or for a key project it undertakes (service to a product is service to its owner);
- an *innovative product* is a device or IVD of class II or III in an innovation channel (national
  or shanghai); it is tracked when a ``tracking`` record in the window targets it or a key project
  for it;
- a key project counts when its level is national or municipal; it is tracked when a ``tracking``
  record in the window targets it or its product;
- gaps: ``no_station`` for a district with a park or an enterprise and no station; ``scope`` for a
  station whose scope lacks drugs (devices) while drugs (devices or IVDs) belong to its district.

The station scorecard gives each station the rates of the districts it serves, its records per
month and distinct targets in the window, its points and sites, and a rank: by the mean of those
rates (the policy's "突出实绩"), then records per month, then distinct targets.  Stations equal on
all three share a rank (1, 2, 2, 4: a core and its member station serving one district on the same
figures rank alike) and are listed by id.  The rank is city-wide, also when the report is limited
to one district.  Lists of parks, enterprises, products and projects give each one's id and name.

Each backend computes the aggregates where the data is (``coverage_embedded`` over the embedded
store's graph, ``coverage_cypher`` in Neo4j), through ``Store.evaluate``; this module turns them
into the report.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from math import isfinite

from graph.interface import Store
from graph.references import References, Resolved
from graph.view import CypherRun, GraphView
from ontology import InvalidInput, NotFound
from queries import coverage_cypher, coverage_embedded
from queries.coverage_facts import (
    SCOPE_SERVES,
    Candidate,
    DistrictFacts,
    Facts,
    Named,
    StationFacts,
    Tally,
    Window,
)
from queries.placement import greedy_cover

DAYS_PER_MONTH = 365.25 / 12


@dataclass(frozen=True)
class FactsQuery:
    """The per-district and per-station aggregates, on either backend (``Store.evaluate``)."""

    window: Window

    def on_graph(self, view: GraphView) -> Facts:
        return coverage_embedded.facts(view, self.window)

    def on_cypher(self, run: CypherRun) -> Facts:
        return coverage_cypher.facts(run, self.window)


@dataclass(frozen=True)
class CandidatesQuery:
    """The candidate sites of a placement, on either backend (``Store.evaluate``)."""

    window: Window

    def on_graph(self, view: GraphView) -> list[Candidate]:
        return coverage_embedded.candidates(view, self.window)

    def on_cypher(self, run: CypherRun) -> list[Candidate]:
        return coverage_cypher.candidates(run, self.window)


@dataclass(frozen=True)
class Gap:
    kind: str  # no_station | scope
    station: str | None = None  # scope gaps: the station
    lacks: str | None = None  # scope gaps: drug | device
    products: int = 0  # scope gaps: the district's products of the type it lacks


@dataclass(frozen=True)
class DistrictCoverage:
    id: str
    name: str
    stations: tuple[str, ...]
    parks_total: int
    parks_covered: int
    parks_rate: float | None  # None where there is nothing to cover
    enterprises_total: int
    enterprises_covered: int
    enterprises_rate: float | None
    innovative_products_total: int
    innovative_products_tracked: int
    innovative_products_rate: float | None
    key_projects_total: int
    key_projects_tracked: int
    key_projects_rate: float | None
    uncovered_parks: tuple[Named, ...]  # by id
    uncovered_enterprises: tuple[Named, ...]
    untracked_products: tuple[Named, ...]
    untracked_projects: tuple[Named, ...]
    gaps: tuple[Gap, ...]


@dataclass(frozen=True)
class StationScore:
    id: str
    name: str
    type: str  # core | station
    scope: str
    parent: str | None
    districts: tuple[str, ...]
    parks_rate: float | None  # over the districts it serves
    enterprises_rate: float | None
    innovative_products_rate: float | None
    key_projects_rate: float | None
    score: float | None  # the mean of the rates there are
    records: int
    records_per_month: float
    targets: int
    points: int
    sites: int
    member_stations: int
    rank: int  # 1 is best; equal figures share a rank; the last is 末位


@dataclass(frozen=True)
class CoverageReport:
    as_of: date
    window_days: int
    radius_km: float
    district: str | None
    districts: tuple[DistrictCoverage, ...]
    stations: tuple[StationScore, ...]


@dataclass(frozen=True)
class Suggestion:
    site: str
    name: str
    kind: str  # Park | Institution
    district: str | None
    gain: int  # newly covered weight: each enterprise 1 + its innovative products + its key projects
    enterprises: tuple[Named, ...]  # the enterprises it newly covers, by id


def coverage(store: Store, district: str | None = None, as_of: date | None = None, window_days: int = 180,
             radius_km: float = 0.0) -> CoverageReport:
    """The coverage report of the whole region, or of one district (id, code or name)."""
    w = window(store, district, as_of, window_days, radius_km)
    found = store.evaluate(FactsQuery(Window(w.as_of, w.window_days, w.radius_km)))
    return report(found, w)


def suggest_sites(store: Store, k: int, district: str | None = None, as_of: date | None = None,
                  window_days: int = 180, radius_km: float = 0.0) -> tuple[Suggestion, ...]:
    """Up to ``k`` parks or institutions without a point where a new service point newly covers the
    most weighted enterprises (greedy maximum coverage), each with its marginal gain."""
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise InvalidInput(f"k (suggestions) must be a whole number >= 0, got {k!r}")
    w = window(store, district, as_of, window_days, radius_km)
    sites = {c.site: c for c in store.evaluate(CandidatesQuery(w))}
    weights = {e.id: weight for c in sites.values() for e, weight in c.covers}
    names = {e.id: e for c in sites.values() for e, _ in c.covers}
    picks = greedy_cover({s: {e.id for e, _ in c.covers} for s, c in sites.items()}, weights, k)
    return tuple(Suggestion(p.key, sites[p.key].name, sites[p.key].kind, sites[p.key].district, p.gain,
                            tuple(names[e] for e in p.covered)) for p in picks)


def window(store: Store, district: str | None, as_of: date | None, window_days: int, radius_km: float) -> Window:
    """Checked parameters; ``district`` resolved to a District id."""
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 0:
        raise InvalidInput(f"window_days must be a whole number >= 0, got {window_days!r}")
    if isinstance(radius_km, bool) or not isinstance(radius_km, int | float) or not isfinite(radius_km) \
            or radius_km < 0:
        raise InvalidInput(f"radius_km must be a number >= 0, got {radius_km!r}")
    if as_of is not None and not isinstance(as_of, date):
        raise InvalidInput(f"as_of must be a date, got {as_of!r}")
    day = as_of or date.today()
    if (day - date.min).days < window_days:
        raise InvalidInput(f"window_days: {window_days} days before {day} is before the calendar starts")
    resolved = resolve_district(store, district) if district is not None else None
    return Window(day, window_days, float(radius_km), resolved)


def resolve_district(store: Store, text: str) -> str:
    """A District id from an id (``district:310112``), a code (``310112``) or a name or alias (闵行区,
    闵行), as every reference is resolved (``graph.references``)."""
    text = text.strip()
    refs = References.of_store(store, lambda i: store.kinds([i]).get(i), lambda kind: ())
    found = refs.resolve(text, ("District",))
    if isinstance(found, Resolved):
        return found.id
    if found.reason == "ambiguous":
        raise InvalidInput(f"district: {found.message}")
    raise NotFound(f"district: {found.message}")


def report(found: Facts, w: Window) -> CoverageReport:
    """The report from a backend's aggregates (all districts), limited to ``w.district``."""
    serving: dict[str, list[StationFacts]] = {}
    for s in found.stations:
        for d in s.districts:
            serving.setdefault(d, []).append(s)
    districts = [_district(d, serving.get(d.id, [])) for d in found.districts]
    tallies = {d.id: d for d in found.districts}
    scores = sorted((_score(s, [tallies[d] for d in s.districts if d in tallies], w) for s in found.stations),
                    key=lambda s: (_rank_key(s), s.id))
    stations = []
    for i, s in enumerate(scores, 1):
        tied = stations and _rank_key(stations[-1]) == _rank_key(s)
        stations.append(StationScore(**{**vars(s), "rank": stations[-1].rank if tied else i}))
    if w.district is not None:
        districts = [d for d in districts if d.id == w.district]
        stations = [s for s in stations if w.district in s.districts]
    return CoverageReport(w.as_of, w.window_days, w.radius_km, w.district, tuple(districts), tuple(stations))


def rate(done: int, total: int) -> float | None:
    return done / total if total else None


def _district(d: DistrictFacts, stations: list[StationFacts]) -> DistrictCoverage:
    gaps = []
    if not stations and (d.parks.total or d.enterprises.total):
        gaps.append(Gap("no_station"))
    types = dict(d.product_types)
    for s in stations:
        serves = SCOPE_SERVES.get(s.scope, ())
        for lacks, kinds in (("drug", ("drug",)), ("device", ("device", "ivd"))):
            outside = sum(types.get(t, 0) for t in kinds if t not in serves)
            if outside:
                gaps.append(Gap("scope", s.id, lacks, outside))
    counts = {}
    for name, t, verb in (("parks", d.parks, "covered"), ("enterprises", d.enterprises, "covered"),
                          ("innovative_products", d.products, "tracked"), ("key_projects", d.projects, "tracked")):
        counts |= {f"{name}_total": t.total, f"{name}_{verb}": t.done, f"{name}_rate": rate(t.done, t.total)}
    return DistrictCoverage(d.id, d.name, tuple(s.id for s in stations), **counts,
                            uncovered_parks=d.parks.missing, uncovered_enterprises=d.enterprises.missing,
                            untracked_products=d.products.missing, untracked_projects=d.projects.missing,
                            gaps=tuple(gaps))


def _score(s: StationFacts, served: list[DistrictFacts], w: Window) -> StationScore:
    def combined(measure: str) -> Tally:
        parts = [getattr(d, measure) for d in served]
        return Tally(sum(t.total for t in parts), sum(t.done for t in parts))

    rates = [rate(t.done, t.total) for t in map(combined, ("parks", "enterprises", "products", "projects"))]
    present = [r for r in rates if r is not None]
    months = max(w.window_days, 1) / DAYS_PER_MONTH
    return StationScore(s.id, s.name, s.type, s.scope, s.parent, s.districts, *rates,
                        sum(present) / len(present) if present else None, s.records,
                        round(s.records / months, 2), s.targets, s.points, s.sites, s.member_stations, 0)


def _rank_key(s: StationScore) -> tuple:
    """What a rank compares (standard competition ranking: equal keys, equal rank).  Scores are
    compared to 9 digits, so that means of equal rates summed in another order still tie."""
    return (s.score is None, -round(s.score or 0.0, 9), -s.records_per_month, -s.targets)
