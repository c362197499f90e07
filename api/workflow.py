"""A station's daily work, the same from the command line and over HTTP: service records, and
enterprise questions taken, escalated, answered, closed and reopened — each write checked against
the caller's rights and scope, and audited.

Scope: a station key writes records and asks questions for its own station only; it reads, and
moves on, the questions of the stations that serve one of its districts (a core those of its
member stations: 一核多站).  Admins and the command line (``LOCAL``) do anything.  Analysts see no
question, only the figures (``queries.questions.service_levels``).  A question out of a caller's
scope is answered as if it did not exist (404): its existence is private too.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TypeVar

from api.auth import Principal
from api.deps import refuse
from graph import Store
from graph.ledger import Ledger
from graph.question_book import QuestionBook, Stepped
from graph.text import unsafe_character
from loaders.tables import RawTable
from loaders.values import enum_parser
from ontology import EDGE_KINDS, ENUMS, FieldErrors, Forbidden, InvalidInput, LoadError, NotFound
from ontology.dates import parse_day, today
from ontology.questions import STATES, Question
from queries.network import escalation_path, in_scope_of, members_of
from queries.questions import QuestionState, state_of
from queries.terms import node_id

T = TypeVar("T")
RECORDS_LOAD = "api-records"  # every record written by the API or `biokg record add` belongs to this load
RECORD_COLUMNS = ["id", "station", "target", "date", "type", "note"]
TEXT_LIMIT = 4000


def resolved(field: str, resolve: Callable[[], T]) -> T:
    """A field's value resolved (a reference, a date, a code); its problem named by the field."""
    try:
        return resolve()
    except (InvalidInput, NotFound) as exc:
        raise FieldErrors([{"field": f"body.{field}", "message": str(exc).removeprefix(f"{field}: ")}]) from None


def day_of(field: str, text: str | None) -> date:
    """The day a write is dated: ``text`` in the date language, else today (in China).  Back-filling is
    normal; a day after tomorrow is a mistake (it would also lock a question: no step may precede it)."""
    day = resolved(field, lambda: parse_day(field, text)) if text else today()
    if day > today() + timedelta(days=1):
        raise FieldErrors([{"field": f"body.{field}", "message": f"{day} has not come yet"}])
    return day


# ---------------------------------------------------------------------------------- records

@dataclass(frozen=True)
class RecordWritten:
    id: str
    station: str
    target: str
    date: str
    type: str
    note: str | None
    created: bool  # False: the same record was already in the store
    load_id: str = RECORDS_LOAD


def record_id(station: str, target: str, day: str, kind: str, note: str) -> str:
    """The same record (same station, target, day, type and note) always gets the same id."""
    text = "\x1f".join((station, target, day, kind.strip().lower(), note.strip()))
    return "record:api-" + hashlib.sha256(text.encode()).hexdigest()[:16]


def add_record(store: Store, ledger: Ledger, who: Principal, station: str, target: str, day: str | None, kind: str,
               note: str | None = None, given_id: str | None = None, source: str = "biokg record add") -> RecordWritten:
    """A service record (工作记录), validated as a row of ``service_records.csv`` is, written and audited."""
    refuse(who, "records")
    station_id = resolved("station", lambda: node_id(store, station, ("Station",), "station"))
    if who.station is not None and station_id != who.station:
        raise Forbidden(f"this key writes records for {who.station} only, not {station_id}")
    if who.station is not None and given_id is not None:
        # a station's record ids are derived from its own records: no id of another station's can be named
        raise Forbidden("a station key does not choose record ids; leave out id")
    target_id = resolved("target", lambda: node_id(store, target, EDGE_KINDS["TRACKS"].targets, "target"))
    when = day_of("date", day).isoformat()
    code = resolved("type", lambda: _code("record_type", "type", kind))
    rid = given_id or record_id(station_id, target_id, when, code, note or "")
    before = store.records_by_id([rid]).get(rid)
    report = _load_record(store, [rid, station_id, target_id, when, code, note or ""], source)
    created = report.result.edges_created + report.result.edges_updated > 0
    written = RecordWritten(rid, station_id, target_id, when, code, note, created)
    after = {"id": rid, "station": station_id, "target": target_id, "date": when, "type": code, "note": note}
    ledger.record(who.actor, "records.create", station_id, 201 if created else 200,
                  _edge_record(before) if before else None, after, None if created else {"unchanged": True})
    return written


def _edge_record(edge) -> dict:
    return {"id": edge.props.get("id"), "station": edge.src, "target": edge.dst,
            "date": str(edge.props.get("date")), "type": edge.props.get("type"), "note": edge.props.get("note")}


def _code(enum: str, field: str, text: str) -> str:
    """A code of ``enum`` from a code or a label, as a loaded cell is read (with its near-miss hint)."""
    try:
        return enum_parser(ENUMS[enum])(text)
    except ValueError as exc:
        raise InvalidInput(f"{field}: {exc}") from None


def _load_record(store: Store, cells: list[str], source: str):
    from loaders.load import load_tables

    try:
        return load_tables(store, [RawTable("service_records", source, RECORD_COLUMNS, [(1, cells)])],
                           load_id=RECORDS_LOAD)
    except LoadError as exc:
        raise _by_field(exc) from None


def _by_field(exc: LoadError) -> FieldErrors:
    """The loader's located problems, named by the body's fields instead of a file's columns."""
    named = []
    for p in exc.problems:
        if p.severity != "error":
            continue
        column = p.location.column
        field = RECORD_COLUMNS[column - 1] if 0 < column <= len(RECORD_COLUMNS) else \
            "id" if "record id" in p.message else "record"
        named.append({"field": f"body.{field}", "message": p.message})
    return FieldErrors(named, "the record does not validate; nothing was written")


# ---------------------------------------------------------------------------------- questions

def ask(store: Store, book: QuestionBook, who: Principal, station: str, enterprise: str, category: str,
        text: str, day: str | None) -> tuple[Question, bool]:
    """A new enterprise question at ``station`` (asking the same again gives the same one)."""
    refuse(who, "questions")
    station_id = resolved("station", lambda: node_id(store, station, ("Station",), "station"))
    if who.station is not None and station_id != who.station:
        raise Forbidden(f"this key takes questions for {who.station} only, not {station_id}")
    enterprise_id = resolved("enterprise", lambda: node_id(store, enterprise, ("Enterprise",), "enterprise"))
    code = resolved("category", lambda: _code("question_category", "category", category))
    body = checked_text("text", text)
    if not body:
        raise FieldErrors([{"field": "body.text", "message": "empty: say what the enterprise asks"}])
    return book.ask(station_id, enterprise_id, code, body, day_of("date", day), who.actor)


def checked_text(field: str, text: str | None) -> str:
    """Free text from a form or the command line, trimmed: tabs and line breaks are text, other control
    characters are not; at most TEXT_LIMIT characters."""
    body = (text or "").strip()
    if why := unsafe_character(body):
        raise FieldErrors([{"field": f"body.{field}", "message": why}])
    if len(body) > TEXT_LIMIT:
        raise FieldErrors([{"field": f"body.{field}", "message": f"longer than {TEXT_LIMIT} characters"}])
    return body


def step(store: Store, book: QuestionBook, who: Principal, question: str, action: str, day: str | None,
         note: str | None = None, to: str | None = None) -> Stepped:
    """One step of a question (answer, escalate --to DEPT, close, reopen); Conflict when its state
    does not allow it."""
    refuse(who, "questions")
    q = visible_question(store, book, who, question)
    path: tuple[str, ...] = ()
    dept = None
    if action == "escalate":
        if not to:
            raise FieldErrors([{"field": "body.to", "message": "an escalation names the department it goes to"}])
        dept = resolved("to", lambda: _department(store, to))
        path = escalation_path(store, q.station, dept)
    elif to:
        raise FieldErrors([{"field": "body.to", "message": f"only an escalation goes to a department, not {action}"}])
    return book.step(q.id, action, day_of("date", day), who.actor, checked_text("note", note), dept, path)


def _department(store: Store, text: str) -> str:
    dept = node_id(store, text, ("Institution",), "to")
    kind = (store.get(dept).props or {}).get("type")  # type: ignore[union-attr]
    if kind != "agency":
        raise InvalidInput(f"to: {dept} is a {kind or 'institution'}, not a department (an institution of type "
                           "agency)")
    return dept


def question_scope(store: Store, who: Principal) -> Callable[[str], bool]:
    """Whether the caller may read the questions of a station: admins and the command line all; a
    station key those of the stations whose districts it serves (``queries.network.in_scope_of``)."""
    if not who.may("questions"):
        return lambda station: False
    if who.station is None:
        return lambda station: True
    return in_scope_of(store, who.station)


def figures_scope(store: Store, who: Principal) -> Callable[[str], bool]:
    """Whether the caller may count the questions of a station (figures, no text): those who read
    scorecards every station's; a station key those it may read."""
    return (lambda station: True) if who.may("scorecards") else question_scope(store, who)


def at_hand(q: Question, calendar) -> QuestionState:
    """A question as it stands now, or after its last step if that is dated later."""
    return state_of(q, calendar, max(q.last_day, today()))


def visible_question(store: Store, book: QuestionBook, who: Principal, question: str) -> Question:
    q = book.get(question)
    if not question_scope(store, who)(q.station):
        raise NotFound(f"no question {question!r}")  # out of scope is as if it did not exist
    return q


def visible_questions(store: Store, book: QuestionBook, who: Principal, station: str | None = None) -> list[Question]:
    """The questions the caller may read (of ``station`` and, for a core, its members', when given)."""
    refuse(who, "questions")
    scope = question_scope(store, who)
    wanted = None
    if station is not None:
        sid = node_id(store, station, ("Station",), "station")  # a query parameter: 400 or 404, not a field
        wanted = (sid, *members_of(store, sid))
    return [q for q in book.questions(wanted) if scope(q.station)]


def listed(store: Store, book: QuestionBook, who: Principal, calendar, station: str | None, state: str | None,
           overdue: bool, as_of: date) -> list[tuple[QuestionState, Question]]:
    """The questions the caller may read as they stood at the end of ``as_of`` (asked by then), with
    the given state, or only the overdue ones; by day asked, then id."""
    if state is not None and state not in STATES:
        raise InvalidInput(f"state: {state!r} is none of {', '.join(STATES)}")
    rows = []
    for q in visible_questions(store, book, who, station):
        if q.asked > as_of:
            continue
        s = state_of(q, calendar, as_of)
        if (state is None or s.state == state) and (not overdue or s.overdue):
            rows.append((s, q))
    return rows
