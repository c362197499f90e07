"""What matching, chain gaps and brokering read from a store: organisations' profiles, one
organisation's neighbourhood, the station network, patents on offer, and edges with provenance
(the records are in ``queries.org_records``).

Each is a ``PushedDown`` query (``Store.evaluate``) with one implementation per backend
(``org_facts_embedded`` over the embedded graph, ``org_facts_cypher`` in Neo4j) returning the same
frozen records, sorted the same way; the scoring in ``queries.matching`` and ``queries.brokering``
is computed once, in Python, for both.  Queries compose: a query's ``on_graph``/``on_cypher`` may
call another's in the same read.  Every dated fact counts only when dated on or before ``as_of``
(undated facts always count): collaborations, patents (application date), trials; a ranking's year
counts from the next year on (a list is published after its year).  So a query as of a past day sees
the graph as it stood then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from graph.view import CypherRun, GraphView
from queries import org_facts_cypher, org_facts_embedded
from queries.org_records import (  # noqa: F401 (the records, for the queries' users)
    OFFERED_STATUSES,
    DistrictFact,
    EdgeFact,
    Ego,
    PatentFact,
    Placed,
    ProductFact,
    Profile,
    Region,
    StationFact,
    district,
    edge_order,
    for_fields,
    patent,
    patent_order,
    placed,
    profile,
    without_patents,
)


@dataclass(frozen=True)
class ProfilesQuery:
    """Profiles of the organisations named by exactly one selector: ``ids``; the providers of any of
    ``segments`` (a PROVIDES edge, or by type: ``ontology.segments.TYPE_PROVIDES``); or the
    institutions of ``types``.  A mapping id -> Profile.  Without ``patents``, the profiles carry no
    patent counts (``patents`` 0, ``patent_fields`` empty): for queries that count patents in a few
    fields with ``StrengthQuery``, which is cheaper on Neo4j than reading every patent of every
    university."""

    as_of: date
    ids: tuple[str, ...] | None = None
    segments: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None
    patents: bool = True

    def on_graph(self, view: GraphView) -> dict[str, Profile]:
        return org_facts_embedded.profiles(view, self)

    def on_cypher(self, run: CypherRun) -> dict[str, Profile]:
        return {r["id"]: profile(r) for r in run(org_facts_cypher.profiles(self))}


@dataclass(frozen=True)
class StrengthQuery:
    """Patents in a field family per organisation, for each of ``families`` (a key and the fields):
    ``{(key, org): (patents, of them on offer)}``, over the orgs of ``ids`` or the institutions of
    ``types``; a patent classified in two of the fields counts twice, as ``scoring.patents_in``
    counts.  Orgs with none are left out."""

    families: tuple[tuple[str, tuple[str, ...]], ...]
    as_of: date
    ids: tuple[str, ...] | None = None
    types: tuple[str, ...] | None = None

    def on_graph(self, view: GraphView) -> dict[tuple[str, str], tuple[int, int]]:
        return org_facts_embedded.strength(view, self)

    def on_cypher(self, run: CypherRun) -> dict[tuple[str, str], tuple[int, int]]:
        rows = run(org_facts_cypher.strength(self))
        return {(r["key"], r["id"]): (int(r["n"]), int(r["t"])) for r in rows if r["n"]}


@dataclass(frozen=True)
class EgoQuery:
    org: str
    as_of: date

    def on_graph(self, view: GraphView) -> Ego:
        return org_facts_embedded.ego(view, self.org, self.as_of)

    def on_cypher(self, run: CypherRun) -> Ego:
        return org_facts_cypher.ego(run, self.org, self.as_of)


@dataclass(frozen=True)
class PartnersQuery:
    """Each of ``ids`` with its neighbours on the collaboration graph (COLLABORATES and co-applied
    patents, dated on or before ``as_of``)."""

    ids: tuple[str, ...]
    as_of: date

    def on_graph(self, view: GraphView) -> dict[str, tuple[str, ...]]:
        return org_facts_embedded.partners(view, self.ids, self.as_of)

    def on_cypher(self, run: CypherRun) -> dict[str, tuple[str, ...]]:
        rows = run(org_facts_cypher.partners(self.ids, self.as_of))
        return {r["id"]: tuple(sorted(set(r["partners"]))) for r in rows}


@dataclass(frozen=True)
class PlacedQuery:
    """Every organisation with an IN_DISTRICT edge and a credit other than D, by id."""

    def on_graph(self, view: GraphView) -> tuple[Placed, ...]:
        return org_facts_embedded.placed_orgs(view)

    def on_cypher(self, run: CypherRun) -> tuple[Placed, ...]:
        return tuple(sorted((placed(r) for r in run(org_facts_cypher.placed_orgs())), key=lambda p: p.id))


@dataclass(frozen=True)
class RegionQuery:
    """The districts, placed at their parks' and institutions' coordinates, and the stations; without
    ``places``, the stations only (what a query that needs no distance reads)."""

    places: bool = True

    def on_graph(self, view: GraphView) -> Region:
        found = org_facts_embedded.region(view)
        return found if self.places else Region((), found.stations)

    def on_cypher(self, run: CypherRun) -> Region:
        return org_facts_cypher.region(run, self.places)


@dataclass(frozen=True)
class TracksQuery:
    """The targets a station has service records for (any date up to ``as_of``)."""

    station: str
    as_of: date

    def on_graph(self, view: GraphView) -> tuple[str, ...]:
        return org_facts_embedded.tracked(view, self.station, self.as_of)

    def on_cypher(self, run: CypherRun) -> tuple[str, ...]:
        return tuple(sorted({r["id"] for r in run(org_facts_cypher.tracked(self.station, self.as_of))}))


@dataclass(frozen=True)
class OfferedPatentsQuery:
    """Transferable patents on offer (granted or pending, applied on or before ``as_of``) classified
    in any of ``fields``."""

    fields: tuple[str, ...]
    as_of: date

    def on_graph(self, view: GraphView) -> tuple[PatentFact, ...]:
        return org_facts_embedded.offered_patents(view, self.fields, self.as_of)

    def on_cypher(self, run: CypherRun) -> tuple[PatentFact, ...]:
        rows = run(org_facts_cypher.offered_patents(self.fields, self.as_of))
        return tuple(sorted((patent(r) for r in rows), key=lambda p: p.id))


@dataclass(frozen=True)
class PatentsOfQuery:
    """Up to ``limit`` patents of each of ``orgs`` in any of ``fields`` (all fields when empty):
    on offer first, then the newest, then by number."""

    orgs: tuple[str, ...]
    fields: tuple[str, ...]
    as_of: date
    limit: int = 3

    def on_graph(self, view: GraphView) -> dict[str, tuple[PatentFact, ...]]:
        return org_facts_embedded.patents_of(view, self)

    def on_cypher(self, run: CypherRun) -> dict[str, tuple[PatentFact, ...]]:
        found: dict[str, list[PatentFact]] = {o: [] for o in self.orgs}
        for r in run(org_facts_cypher.patents_of(self)):  # the server orders and cuts each org's list
            found[r["org"]].append(patent(r))
        return {o: tuple(sorted(ps, key=patent_order)[: self.limit]) for o, ps in found.items()}


@dataclass(frozen=True)
class EdgesQuery:
    """The edges of each (kind, src, dst) asked for (either direction for symmetric kinds), with
    provenance; an edge asked for but missing is left out."""

    wanted: tuple[tuple[str, str, str], ...]

    def on_graph(self, view: GraphView) -> tuple[EdgeFact, ...]:
        return tuple(sorted(set(org_facts_embedded.edges(view, self.wanted)), key=edge_order))

    def on_cypher(self, run: CypherRun) -> tuple[EdgeFact, ...]:
        rows = run(org_facts_cypher.edges(self.wanted))
        found = {EdgeFact(r["kind"], r["src"], r["dst"], r["source"], r["load_id"],
                          None if r["date"] is None else str(r["date"])) for r in rows}
        return tuple(sorted(found, key=edge_order))


@dataclass(frozen=True)
class CoPatentsQuery:
    """For each pair of organisations, the first (by number) patent both applied for, dated on or
    before ``as_of``; pairs with none are left out."""

    pairs: tuple[tuple[str, str], ...]
    as_of: date

    def on_graph(self, view: GraphView) -> dict[tuple[str, str], str]:
        return org_facts_embedded.co_patents(view, self.pairs, self.as_of)

    def on_cypher(self, run: CypherRun) -> dict[tuple[str, str], str]:
        rows = run(org_facts_cypher.co_patents(self.pairs, self.as_of))
        return {(r["a"], r["b"]): r["patent"] for r in rows}
