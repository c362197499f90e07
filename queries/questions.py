"""Enterprise questions over time: each one's state on a day, what is due, and each station's
service level (the steps themselves: ``ontology.questions``).

An escalated question is *due* the fifth working day after its escalation day (the official
calendar, ``queries.workdays``); it is *overdue* on any later day while unanswered.  The service
level of a station counts its escalated questions that are *decided* — answered, or overdue —
and the share of them answered by their due day; the median counts working days from the
escalation to the answer.  A reopened question starts its loop again: its earlier escalation no
longer counts.

>>> q = Question("q1", "station:a", "ent:x", "registration", "…", date(2026, 3, 2), ())
>>> q = q.then(Step(1, "escalate", date(2026, 3, 2), to="inst:smpa"))
>>> s = state_of(q, _weekdays(), as_of=date(2026, 3, 10))
>>> s.state, s.due, s.overdue
('escalated', datetime.date(2026, 3, 9), True)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median
from typing import Protocol

from ontology.questions import ACTIONS, SERVICE_DAYS, STATES, TRANSITIONS, Question, Step, allowed

__all__ = ["ACTIONS", "SERVICE_DAYS", "STATES", "TRANSITIONS", "Question", "Step", "allowed", "Calendar",
           "QuestionState", "state_of", "due_soon", "ServiceLevel", "service_levels", "level"]


class Calendar(Protocol):
    """What the service level needs of the working-day calendar (``queries.workdays.WorkCalendar``)."""

    def add_workdays(self, start: date, n: int): ...  # -> Due(start, days, due, provisional)

    def workdays_between(self, start: date, end: date) -> tuple[int, bool]: ...


@dataclass(frozen=True)
class QuestionState:
    """A question as it stood at the end of ``as_of``."""

    id: str
    station: str
    enterprise: str
    category: str
    asked: date
    state: str
    escalated_at: date | None  # the last escalation, if the question is or was escalated since it was last opened
    escalated_to: str | None
    path: tuple[str, ...]
    due: date | None  # the fifth working day after escalated_at
    due_provisional: bool  # the due day counts days of a year without official data
    answered_at: date | None  # the answer that followed the last opening
    closed_at: date | None
    overdue: bool  # escalated, unanswered, and as_of is after the due day
    working_days: int | None  # from escalation to answer, or to as_of while unanswered
    within: bool | None  # answered by the due day (None: escalated, not answered, not yet due)


def state_of(q: Question, calendar: Calendar, as_of: date) -> QuestionState:
    """The question at the end of ``as_of``: the steps dated after it are not yet taken."""
    state, escalated, to, path, answered, closed = "open", None, None, (), None, None
    for s in q.steps:
        if s.day > as_of:
            break
        state = TRANSITIONS[s.action][1]
        if s.action == "escalate":
            escalated, to, path, answered, closed = s.day, s.to, s.path, None, None
        elif s.action == "answer":
            answered = s.day
        elif s.action == "close":
            closed = s.day
        else:  # reopen: the loop starts again
            escalated, to, path, answered, closed = None, None, (), None, None
    due, provisional, days, within, overdue = None, False, None, None, False
    if escalated is not None:
        d = calendar.add_workdays(escalated, SERVICE_DAYS)
        due, provisional = d.due, d.provisional
        days, _ = calendar.workdays_between(escalated, answered or as_of)
        if answered is not None:
            within = answered <= due
        elif as_of > due:
            overdue, within = True, False
    return QuestionState(q.id, q.station, q.enterprise, q.category, q.asked, state, escalated, to, path, due,
                         provisional, answered, closed, overdue, days, within)


def due_soon(s: QuestionState, calendar: Calendar, as_of: date, working_days: int = 2) -> bool:
    """Escalated, unanswered and due within ``working_days`` working days of ``as_of`` (or overdue)."""
    if s.state != "escalated" or s.due is None:
        return False
    return s.overdue or calendar.workdays_between(as_of, s.due)[0] <= working_days


@dataclass(frozen=True)
class ServiceLevel:
    """A station's question figures at the end of ``as_of`` (questions asked in ``[start, as_of]``)."""

    station: str
    asked: int  # questions asked in the period
    open: int  # not yet answered (open or escalated)
    escalated: int  # escalated at some point of the period and not reopened since
    answered: int  # answered or closed
    overdue: int
    decided: int  # escalated questions answered, or overdue
    within: int  # of those, answered by their due day
    within_rate: float | None  # within / decided
    median_working_days: float | None  # escalation to answer, over the answered escalated questions


def service_levels(questions: Iterable[Question], calendar: Calendar, as_of: date,
                   start: date | None = None, stations: Sequence[str] = ()) -> dict[str, ServiceLevel]:
    """Each station's service level (every station of ``stations``, and each one with questions)."""
    by_station: dict[str, list[QuestionState]] = {s: [] for s in stations}
    for q in questions:
        if q.asked > as_of or (start is not None and q.asked < start):
            continue
        by_station.setdefault(q.station, []).append(state_of(q, calendar, as_of))
    return {station: level(station, states) for station, states in sorted(by_station.items())}


def level(station: str, states: Sequence[QuestionState]) -> ServiceLevel:
    escalated = [s for s in states if s.escalated_at is not None]
    decided = [s for s in escalated if s.within is not None]
    within = sum(1 for s in decided if s.within)
    days = [s.working_days for s in escalated if s.answered_at is not None and s.working_days is not None]
    return ServiceLevel(station, len(states), sum(1 for s in states if s.state in ("open", "escalated")),
                        len(escalated), sum(1 for s in states if s.state in ("answered", "closed")),
                        sum(1 for s in states if s.overdue), len(decided), within,
                        within / len(decided) if decided else None, float(median(days)) if days else None)


@dataclass(frozen=True)
class _WeekdayDue:
    start: date
    days: int
    due: date
    provisional: bool


class _weekdays:  # noqa: N801 - a doctest's calendar: Monday to Friday
    def add_workdays(self, start: date, n: int) -> _WeekdayDue:
        day, left = start, n
        while left:
            day += timedelta(days=1)
            left -= day.weekday() < 5
        return _WeekdayDue(start, n, day, False)

    def workdays_between(self, start: date, end: date) -> tuple[int, bool]:
        return sum(1 for i in range(1, (end - start).days + 1) if (start + timedelta(days=i)).weekday() < 5), False
