"""What needs doing now: tracking about to lapse, questions about to be late, parks nobody visits.

``alerts(store, as_of, station=None, questions=(), calendar=None, window_days=180, horizon_days=14,
due_within=2)`` looks at the *scope*: the districts a station serves (its SERVES edges and those of
its member stations, the stations PART_OF it, transitively: a core covers its members' districts)
and the questions of that station and its members; with no station, every district and every
question.  Only what is dated on or before ``as_of`` is known; later records and steps are not.

- **Lapsed, lapsing** — the innovative products and key projects (municipal level or higher) that
  coverage counts in a district of the scope (``queries.coverage``, radius 0).  *Lapsed*: untracked
  at ``as_of`` (coverage's untracked lists).  *Lapsing*: tracked at ``as_of`` but no longer on
  ``as_of + horizon_days`` unless tracked again; that is, tracked in the window of ``window_days``
  but not in the window of ``window_days - horizon_days`` (both ending ``as_of``).  One coverage
  report, of the shorter window, finds both (no new backend code); the last tracking day tells them
  apart.  ``horizon_days`` is therefore at most ``window_days``.  Each
  carries its last tracking day on or before ``as_of``, counted as coverage counts it: a
  ``tracking`` record by any station on the item itself, or, for a product, on a key project for
  it, and, for a key project, on its product; ``tracked_until = last + window_days`` is the last day
  that record keeps it tracked (from the day after, it is untracked), and ``days_left`` the days
  from ``as_of`` to then (negative once lapsed; None when never tracked).
- **Questions** — the escalated, unanswered questions of the scope's stations that are due within
  ``due_within`` working days of ``as_of``, or overdue (``queries.questions.due_soon``);
  ``working_days_left`` is the working days from ``as_of`` to the due day, negative (the working
  days since it) when overdue.
- **Quiet parks** — the parks of the scope's districts without a service record (of any type, by
  any station) dated in ``[as_of - window_days, as_of]`` on the park itself, on an enterprise
  located in it (LOCATED_IN), on a product such an enterprise owns (OWNS) or on a key project it
  undertakes (UNDERTAKEN_BY).  Each says whether a station or point is sited at it (coverage's
  ``covered``), how many enterprises it has, and the last such record before the window, if any.

Lists are sorted by their day (lapsing: ``tracked_until``; lapsed: ``tracked_until``, never
tracked first; questions: due day; parks: last record, never served first), then by id.  The
``districts`` of an item or a park are those of the scope it belongs to.

>>> lapse_days(date(2026, 1, 1), 180, date(2026, 6, 25))
(datetime.date(2026, 6, 30), 5)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from graph.interface import Store
from graph.model import Subgraph
from ontology import InvalidInput
from ontology.questions import Question
from queries.coverage import CoverageReport, coverage
from queries.coverage_facts import TRACKING
from queries.network import members_of, served_districts
from queries.questions import Calendar, QuestionState, due_soon, state_of
from queries.terms import node_id


@dataclass(frozen=True)
class Lapse:
    """An innovative product or counted key project whose tracking has lapsed or is lapsing."""

    kind: str  # Product | KeyProject
    id: str
    name: str
    districts: tuple[str, ...]  # those of the scope
    last_tracked: date | None  # the last tracking record on or before as_of, directly or through its pair
    tracked_until: date | None  # last_tracked + window_days: the last day it counts as tracked
    days_left: int | None  # tracked_until - as_of: negative when lapsed


@dataclass(frozen=True)
class QuestionAlert:
    id: str
    station: str
    enterprise: str
    category: str
    escalated_at: date
    escalated_to: str | None
    due: date
    due_provisional: bool  # the due day counts days of a year without official calendar data
    overdue: bool
    working_days_left: int  # to the due day; negative: working days since it


@dataclass(frozen=True)
class QuietPark:
    id: str
    name: str
    districts: tuple[str, ...]  # those of the scope
    covered: bool  # a station or service point is sited at it
    enterprises: int  # enterprises located in it
    last_record: date | None  # the last record on it or its enterprises before the window (None: none)


@dataclass(frozen=True)
class Alerts:
    as_of: date
    station: str | None  # the station asked about (None: all)
    stations: tuple[str, ...]  # the stations of the scope: it and its members (all: every station)
    districts: tuple[str, ...]  # the districts of the scope
    window_days: int
    horizon_days: int
    due_within: int
    lapsed: tuple[Lapse, ...]
    lapsing: tuple[Lapse, ...]
    questions: tuple[QuestionAlert, ...]
    quiet_parks: tuple[QuietPark, ...]


def alerts(store: Store, as_of: date, station: str | None = None, questions: Iterable[Question] = (),
           calendar: Calendar | None = None, window_days: int = 180, horizon_days: int = 14,
           due_within: int = 2) -> Alerts:
    """What the scope of ``station`` (id or name; None: everything) needs doing as of ``as_of``."""
    if not isinstance(as_of, date):
        raise InvalidInput(f"as_of must be a date, got {as_of!r}")
    for name, value in (("window_days", window_days), ("horizon_days", horizon_days), ("due_within", due_within)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidInput(f"{name} must be a whole number >= 0, got {value!r}")
    if horizon_days > window_days:
        raise InvalidInput(f"horizon_days: {horizon_days} is longer than the window ({window_days} days): "
                           "everything tracked would be lapsing")
    qs = tuple(questions)
    if qs and calendar is None:
        raise InvalidInput("calendar: questions were given without the working-day calendar to judge them by")
    sid = None if station is None else node_id(store, station, ("Station",), "station")
    # untracked in the shorter window: lapsed (untracked in the whole window too) or lapsing; which one
    # is told by the last tracking day itself, so coverage runs once
    report = coverage(store, as_of=as_of, window_days=window_days - horizon_days)
    if sid is None:
        stations, districts = tuple(sorted(s.id for s in report.stations)), tuple(d.id for d in report.districts)
    else:
        stations = (sid, *members_of(store, sid))
        districts = tuple(sorted(served_districts(store, sid)))
    lapsed, lapsing, quiet = _Scope(store, report, window_days, districts, as_of).alerts()
    asked = [q for q in qs if sid is None or q.station in stations]
    return Alerts(as_of, sid, stations, districts, window_days, horizon_days, due_within, lapsed, lapsing,
                  question_alerts(asked, calendar, as_of, due_within) if calendar is not None else (), quiet)


def lapse_days(last: date | None, window_days: int, as_of: date) -> tuple[date | None, int | None]:
    """The last day a tracking record of ``last`` keeps its item tracked, and the days from ``as_of`` to it."""
    if last is None:
        return None, None
    until = last + timedelta(days=window_days)
    return until, (until - as_of).days


def _day(value: object) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _untracked(report: CoverageReport, scope: set[str]) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(kind, id) -> (name, its districts of the scope) of the report's untracked products and projects."""
    found: dict[tuple[str, str], tuple[str, list[str]]] = {}
    for d in report.districts:
        if d.id in scope:
            for kind, items in (("Product", d.untracked_products), ("KeyProject", d.untracked_projects)):
                for n in items:
                    found.setdefault((kind, n.id), (n.name, []))[1].append(d.id)
    return found


class _Scope:
    """The few reads behind the lapses and the quiet parks: the neighbourhoods of the items and the
    parks, each in one ``subgraph`` (never truncated: its cap is the store's node count)."""

    def __init__(self, store: Store, shorter: CoverageReport, window_days: int, districts: tuple[str, ...],
                 as_of: date) -> None:
        self.store, self.report, self.window_days, self.as_of = store, shorter, window_days, as_of
        self.scope = set(districts)
        self.cap = max(1, sum(store.counts().nodes.values()))
        self.untracked = _untracked(shorter, self.scope)

    def around(self, ids: set[str], edge_kinds: tuple[str, ...], node_kinds: tuple[str, ...]) -> Subgraph:
        """``ids`` and their neighbours of ``node_kinds`` over ``edge_kinds``, with the edges of those
        kinds among them."""
        return self.store.subgraph(sorted(ids), 1, edge_kinds, node_kinds, self.cap) if ids else Subgraph((), ())

    def alerts(self) -> tuple[tuple[Lapse, ...], tuple[Lapse, ...], tuple[QuietPark, ...]]:
        items = {i for _, i in self.untracked}
        pairs: dict[str, set[str]] = {}  # a product's key projects, a key project's products
        for e in self.around(items, ("FOR_PRODUCT",), ("Product", "KeyProject")).edges:
            pairs.setdefault(e.src, set()).add(e.dst)
            pairs.setdefault(e.dst, set()).add(e.src)
        parks: dict[str, tuple[str, list[str]]] = {}  # park -> (name, its districts of the scope)
        found = self.around(self.scope, ("IN_DISTRICT",), ("Park",))
        names = {n.id: n.name for n in found.nodes if n.kind == "Park"}
        for e in found.edges:
            if e.src in names:
                parks.setdefault(e.src, (names[e.src], []))[1].append(e.dst)
        ents: dict[str, set[str]] = {p: set() for p in parks}  # park -> the enterprises located in it
        for e in self.around(set(parks), ("LOCATED_IN",), ("Enterprise",)).edges:
            ents[e.dst].add(e.src)
        located = {x for es in ents.values() for x in es}
        held: dict[str, set[str]] = {}  # enterprise -> the products it owns and the key projects it undertakes
        for e in self.around(located, ("OWNS", "UNDERTAKEN_BY"), ("Product", "KeyProject")).edges:
            owner, thing = (e.src, e.dst) if e.kind == "OWNS" else (e.dst, e.src)
            held.setdefault(owner, set()).add(thing)
        targets = items | {x for ps in pairs.values() for x in ps} | set(parks) | located | {
            x for hs in held.values() for x in hs}
        self.records: dict[str, list[tuple[date, str]]] = {}  # target -> (day, type) on or before as_of
        for e in self.around(targets, ("TRACKS",), ("Station",)).edges:
            if (day := _day(e.props["date"])) <= self.as_of:
                self.records.setdefault(e.dst, []).append((day, e.props.get("type", "")))
        both = self.lapses(self.untracked, pairs)
        gone = [x.days_left is None or x.days_left < 0 for x in both]
        return (tuple(x for x, g in zip(both, gone, strict=True) if g),
                tuple(x for x, g in zip(both, gone, strict=True) if not g), self.quiet(parks, ents, held))

    def last(self, targets: Iterable[str], tracking: bool) -> date | None:
        return max((day for t in targets for day, kind in self.records.get(t, ()) if not tracking or kind == TRACKING),
                   default=None)

    def lapses(self, found: dict[tuple[str, str], tuple[str, list[str]]],
               pairs: dict[str, set[str]]) -> tuple[Lapse, ...]:
        """Each item with its last tracking day as coverage counts it: on the item or on its pair."""
        out = []
        for (kind, i), (name, where) in found.items():
            last = self.last({i} | pairs.get(i, set()), tracking=True)
            until = lapse_days(last, self.window_days, self.as_of)
            out.append(Lapse(kind, i, name, tuple(sorted(where)), last, *until))
        return tuple(sorted(out, key=lambda x: (x.tracked_until or date.min, x.id)))

    def quiet(self, parks: dict[str, tuple[str, list[str]]], ents: dict[str, set[str]],
              held: dict[str, set[str]]) -> tuple[QuietPark, ...]:
        start = self.as_of - timedelta(days=self.window_days)
        uncovered = {p.id for d in self.report.districts for p in d.uncovered_parks}  # not sited at: any window
        out = []
        for park, (name, where) in parks.items():
            mine = ents[park]
            last = self.last({park} | mine | {x for e in mine for x in held.get(e, ())}, tracking=False)
            if last is None or last < start:
                out.append(QuietPark(park, name, tuple(sorted(where)), park not in uncovered, len(mine), last))
        return tuple(sorted(out, key=lambda p: (p.last_record or date.min, p.id)))


def working_days_left(calendar: Calendar, as_of: date, due: date) -> int:
    if due >= as_of:
        return calendar.workdays_between(as_of, due)[0]
    return -calendar.workdays_between(due, as_of)[0]


def question_alerts(questions: Iterable[Question], calendar: Calendar, as_of: date,
                    due_within: int) -> tuple[QuestionAlert, ...]:
    """The escalated questions due within ``due_within`` working days, or overdue, by due day then id."""
    states: list[QuestionState] = [s for s in (state_of(q, calendar, as_of) for q in questions if q.asked <= as_of)
                                   if due_soon(s, calendar, as_of, due_within)]
    out = [QuestionAlert(s.id, s.station, s.enterprise, s.category, s.escalated_at, s.escalated_to, s.due,
                         s.due_provisional, s.overdue, working_days_left(calendar, as_of, s.due))
           for s in states]  # due_soon: escalated, so with a due day
    return tuple(sorted(out, key=lambda a: (a.due, a.id)))
