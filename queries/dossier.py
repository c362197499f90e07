"""The service file of an enterprise (重点企业服务档案): what a station needs on one page before it
visits, calls or answers an enterprise.

``dossier(store, enterprise, as_of, questions=(), calendar=None, records_visible=…, question_texts=False,
window_days=180, top=5)``, the file as it stood at the end of ``as_of``:

- *enterprise*: an id or an exact name or alias (``queries.terms.node_id``); its districts, parks,
  fields, scale, credit rating, listing;
- *products* it owns (OWNS), by id: type, device class, stage, innovation channel, registration
  number, fields; *innovative* as in ``queries.coverage`` (a device or IVD of class II/III in an
  innovation channel, ``queries.coverage_facts``); ``tracked`` for an innovative product counted in
  a district (else None);
- *key projects* it undertakes (UNDERTAKEN_BY), by id: level, product; ``counted`` when municipal or
  higher; ``tracked`` for a counted one (else None);
- *records*: the service records (TRACKS) to the enterprise, its products and its key projects,
  dated up to ``as_of`` (newest first, then by id); those of a station ``records_visible`` refuses
  are left out and counted in ``records_withheld``;
- *questions*: those about the enterprise asked up to ``as_of``, counted by state and overdue
  (``queries.questions.state_of`` on ``calendar``, default the official one); with
  ``question_texts`` also each one (by day asked, then id) with its text.  The caller passes only
  the questions it may count;
- *coverage*: judged by ``queries.coverage.coverage`` for the enterprise's first district (by id;
  an enterprise's coverage is the same in each of its districts), radius 0: ``covered`` when it is
  not among the district's uncovered enterprises (None without a district: coverage does not count
  it); ``why``: ``park`` when a station or service point is sited at a park it is in (those
  ``parks``), ``record`` when a station serving one of its districts has a record for it, a product
  or a key project of it dated in the window (``records``: the ids of those the caller may see);
  products and projects are tracked when not among the untracked ones;
- *matches* (``queries.matching.match``, ``top`` per need) and *brokers* (``queries.brokering.broker``,
  ``top``): each candidate's id, name, score, the need's segment (matches) and its reasons' text; when
  the query refuses because the enterprise states no need (no field), none, and ``empty_reason`` says why.

Only the store's interface is read (``get``, ``neighbours``, ``evaluate`` through the queries), so both
backends give the same file.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from graph.interface import Store
from graph.model import Node
from ontology import InvalidInput
from ontology.questions import STATES, Question
from ontology.workdays import WorkCalendar
from queries.brokering import broker
from queries.coverage import DistrictCoverage, coverage
from queries.coverage_facts import COUNTED_LEVELS, Named, innovative
from queries.matching import match
from queries.questions import Calendar, state_of
from queries.terms import node_id


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    uscc: str | None
    scale: str | None
    credit: str | None
    listed: bool | None
    districts: tuple[Named, ...]  # by id
    parks: tuple[Named, ...]  # by id
    fields: tuple[str, ...]  # field ids, sorted


@dataclass(frozen=True)
class Product:
    id: str
    name: str
    type: str | None  # drug | device | ivd
    device_class: str | None  # I | II | III
    stage: str | None
    innovation_channel: str | None  # none | national | shanghai
    registration_no: str | None
    fields: tuple[str, ...]
    innovative: bool
    tracked: bool | None  # innovative and counted in a district: tracked in the window; else None


@dataclass(frozen=True)
class Project:
    id: str
    name: str
    level: str | None  # national | municipal | district
    product: Named | None
    counted: bool  # municipal or higher
    tracked: bool | None  # counted and in a district: tracked in the window; else None


@dataclass(frozen=True)
class Record:
    id: str
    station: str
    target: str  # the enterprise, one of its products or key projects
    date: date
    type: str
    note: str | None


@dataclass(frozen=True)
class QuestionCounts:
    total: int
    by_state: tuple[tuple[str, int], ...]  # every state, in the order of ``ontology.questions.STATES``
    overdue: int


@dataclass(frozen=True)
class QuestionItem:
    id: str
    station: str
    category: str
    state: str
    asked: date
    due: date | None
    overdue: bool
    text: str


@dataclass(frozen=True)
class CoverageStatus:
    district: Named | None  # the district it was judged in; None: it has none
    covered: bool | None  # None: without a district, coverage does not count it
    why: tuple[str, ...]  # park | record
    parks: tuple[Named, ...]  # its parks with a station or service point sited at them
    records: tuple[str, ...]  # the visible records that cover it (ids, by id)


@dataclass(frozen=True)
class Lead:
    """A candidate of matching or brokering, in essentials."""

    id: str
    name: str
    score: float
    segment: str | None  # matches: the need's segment; brokers: None
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Leads:
    results: tuple[Lead, ...]
    empty_reason: str | None  # why there are none, when the query refused (no need, no field)


@dataclass(frozen=True)
class Dossier:
    enterprise: Profile
    as_of: date
    window_days: int
    products: tuple[Product, ...]
    projects: tuple[Project, ...]
    records: tuple[Record, ...]
    records_withheld: int
    questions: QuestionCounts
    question_items: tuple[QuestionItem, ...] | None  # None unless asked for with texts
    coverage: CoverageStatus
    matches: Leads
    brokers: Leads


def dossier(store: Store, enterprise: str, as_of: date, questions: Sequence[Question] = (),
            calendar: Calendar | None = None, records_visible: Callable[[str], bool] = lambda station: True,
            question_texts: bool = False, window_days: int = 180, top: int = 5) -> Dossier:
    """The service file of ``enterprise`` at the end of ``as_of`` (see the module's docstring)."""
    if not isinstance(as_of, date):
        raise InvalidInput(f"as_of must be a date, got {as_of!r}")
    if isinstance(top, bool) or not isinstance(top, int) or top < 1:
        raise InvalidInput(f"top must be a whole number >= 1, got {top!r}")
    if isinstance(window_days, bool) or not isinstance(window_days, int) or window_days < 0:
        raise InvalidInput(f"window_days must be a whole number >= 0, got {window_days!r}")
    ent = node_id(store, enterprise, ("Enterprise",), "enterprise")
    node = store.get(ent)
    assert node is not None  # node_id found it
    profile = _profile(store, node)
    owned = sorted({n.node.id: n.node for n in store.neighbours(ent, ["OWNS"], ["Product"], "out")}.values(),
                   key=lambda n: n.id)
    undertaken = sorted({n.node.id: n.node for n in store.neighbours(ent, ["UNDERTAKEN_BY"], ["KeyProject"],
                                                                      "in")}.values(), key=lambda n: n.id)
    targets = [ent, *(p.id for p in owned), *(k.id for k in undertaken)]
    end = as_of.isoformat()
    every = sorted({r.id: r for t in targets for r in _records(store, t) if r.date.isoformat() <= end}.values(),
                   key=lambda r: (-r.date.toordinal(), r.id))
    shown = tuple(r for r in every if records_visible(r.station))
    report = _coverage(store, profile, as_of, window_days)
    untracked_products = {n.id for n in report.untracked_products} if report else set()
    untracked_projects = {n.id for n in report.untracked_projects} if report else set()
    products = tuple(_product(store, p, report is not None, untracked_products) for p in owned)
    projects = tuple(_project(store, k, report is not None, untracked_projects) for k in undertaken)
    status = _status(store, profile, report, every, records_visible, as_of, window_days)
    counts, items = _questions(ent, questions, calendar, as_of, question_texts)
    return Dossier(profile, as_of, window_days, products, projects, shown, len(every) - len(shown), counts, items,
                   status, _matches(store, ent, as_of, top), _brokers(store, ent, as_of, top))


def _props(n: Node) -> dict:
    return dict(n.props or {})


def _named(nodes) -> tuple[Named, ...]:
    return tuple(sorted({Named(n.id, n.name) for n in nodes}, key=lambda x: x.id))


def _profile(store: Store, node: Node) -> Profile:
    p = _props(node)
    districts = _named(n.node for n in store.neighbours(node.id, ["IN_DISTRICT"], ["District"], "out"))
    parks = _named(n.node for n in store.neighbours(node.id, ["LOCATED_IN"], ["Park"], "out"))
    fields = tuple(sorted({n.node.id for n in store.neighbours(node.id, ["IN_FIELD"], ["Field"], "out")}))
    listed = p.get("listed")
    return Profile(node.id, node.name, p.get("uscc"), p.get("scale"), p.get("credit"),
                   listed if isinstance(listed, bool) else None, districts, parks, fields)


def _records(store: Store, target: str) -> list[Record]:
    found = []
    for n in store.neighbours(target, ["TRACKS"], ["Station"], "in"):
        p = n.edge.props
        found.append(Record(str(p["id"]), n.edge.src, target, date.fromisoformat(str(p["date"])[:10]),
                            str(p.get("type") or ""), p.get("note") or None))
    return found



def _product(store: Store, node: Node, counted: bool, untracked: set[str]) -> Product:
    p = _props(node)
    fields = tuple(sorted({n.node.id for n in store.neighbours(node.id, ["IN_FIELD"], ["Field"], "out")}))
    new = innovative(p)
    return Product(node.id, node.name, p.get("type"), p.get("device_class"), p.get("stage"),
                   p.get("innovation_channel"), p.get("registration_no"), fields, new,
                   (node.id not in untracked) if new and counted else None)


def _project(store: Store, node: Node, counted: bool, untracked: set[str]) -> Project:
    level = _props(node).get("level")
    products = _named(n.node for n in store.neighbours(node.id, ["FOR_PRODUCT"], ["Product"], "out"))
    counts = level in COUNTED_LEVELS
    return Project(node.id, node.name, level, products[0] if products else None, counts,
                   (node.id not in untracked) if counts and counted else None)


def _coverage(store: Store, profile: Profile, as_of: date, window_days: int) -> DistrictCoverage | None:
    """The coverage of the enterprise's first district, or None when it has none."""
    if not profile.districts:
        return None
    found = coverage(store, district=profile.districts[0].id, as_of=as_of, window_days=window_days)
    return found.districts[0] if found.districts else None


def _status(store: Store, profile: Profile, report: DistrictCoverage | None, records: Sequence[Record],
            visible: Callable[[str], bool], as_of: date, window_days: int) -> CoverageStatus:
    if report is None:
        return CoverageStatus(None, None, (), (), ())
    covered = all(n.id != profile.id for n in report.uncovered_enterprises)
    parks = tuple(p for p in profile.parks
                  if store.neighbours(p.id, ["SITED_AT"], ["Station", "ServicePoint"], "in"))
    mine = {d.id for d in profile.districts}
    serving = {n.node.id for d in mine for n in store.neighbours(d, ["SERVES"], ["Station"], "in")}
    start = as_of - timedelta(days=window_days)
    counting = [r for r in records if r.station in serving and start <= r.date <= as_of]
    why = (("park",) if parks else ()) + (("record",) if counting else ())
    return CoverageStatus(Named(report.id, report.name), covered, why, parks,
                          tuple(sorted(r.id for r in counting if visible(r.station))))


def _questions(ent: str, questions: Sequence[Question], calendar: Calendar | None, as_of: date,
               texts: bool) -> tuple[QuestionCounts, tuple[QuestionItem, ...] | None]:
    if calendar is None:
        calendar = WorkCalendar()
    mine = sorted((q for q in questions if q.enterprise == ent and q.asked <= as_of), key=lambda q: (q.asked, q.id))
    states = [(q, state_of(q, calendar, as_of)) for q in mine]
    by_state = tuple((s, sum(1 for _, x in states if x.state == s)) for s in STATES)
    counts = QuestionCounts(len(states), by_state, sum(1 for _, x in states if x.overdue))
    if not texts:
        return counts, None
    return counts, tuple(QuestionItem(q.id, q.station, q.category, s.state, q.asked, s.due, s.overdue, q.text)
                         for q, s in states)


def _matches(store: Store, ent: str, as_of: date, top: int) -> Leads:
    try:
        found = match(store, ent, top=top, as_of=as_of)
    except InvalidInput as exc:
        return Leads((), str(exc))
    return Leads(tuple(Lead(m.id, m.name, m.score, m.segment, tuple(r.text for r in m.reasons))
                       for m in found.results), None)


def _brokers(store: Store, ent: str, as_of: date, top: int) -> Leads:
    try:
        found = broker(store, org=ent, top=top, as_of=as_of)
    except InvalidInput as exc:
        return Leads((), str(exc))
    return Leads(tuple(Lead(b.id, b.name, b.score, None, tuple(r.text for r in b.reasons))
                       for b in found.results), None)
