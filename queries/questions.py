"""Enterprise questions over time: each one's state on a day, what is due, and each station's
service level (the steps themselves: ``ontology.questions``).

An escalated question is *due* the fifth working day after its escalation day (the official
calendar, ``ontology.workdays``); it is *overdue* on any later day while unanswered.  The service
level of a station counts its escalated questions that are *decided* — answered, or overdue —
and the share of them answered by their due day; the median counts working days from the
escalation to the answer.  A reopened question starts its loop again, but each escalation it had
counts: reopening cannot take a late answer back.

>>> q = Question("q1", "station:a", "ent:x", "registration", "…", date(2026, 3, 2), ())
>>> q = q.then(Step(1, "escalate", date(2026, 3, 2), to="inst:smpa"))
>>> from ontology.workdays import WorkCalendar
>>> s = state_of(q, WorkCalendar(), as_of=date(2026, 3, 10))
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
    """What the service level needs of the working-day calendar (``ontology.workdays.WorkCalendar``)."""

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
    rounds: tuple[Round, ...] = ()  # every escalation and its answer, the earlier loops' too


@dataclass(frozen=True)
class Round:
    """One escalation of a question and what came of it (a reopened question may have several)."""

    escalated: date
    due: date
    provisional: bool  # the due day counts days of a year without official data
    answered: date | None  # None: not (yet) answered
    working_days: int  # escalation to answer, or to as_of
    within: bool | None  # answered by the due day; False once overdue; None while neither


def state_of(q: Question, calendar: Calendar, as_of: date) -> QuestionState:
    """The question at the end of ``as_of``: the steps dated after it are not yet taken."""
    state, escalated, to, path, answered, closed = "open", None, None, (), None, None
    ended: list[tuple[date, date]] = []  # (escalated, answered) of the loops a reopening ended
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
        else:  # reopen: the loop starts again; the one it ends still counts for the service level
            if escalated is not None and answered is not None:
                ended.append((escalated, answered))
            escalated, to, path, answered, closed = None, None, (), None, None
    rounds = [_round(calendar, e, a, as_of) for e, a in ended]
    if escalated is not None:
        rounds.append(_round(calendar, escalated, answered, as_of))
    current = rounds[-1] if escalated is not None else None
    return QuestionState(q.id, q.station, q.enterprise, q.category, q.asked, state, escalated, to, path,
                         current.due if current else None, current is not None and current.provisional,
                         answered, closed,
                         current is not None and current.answered is None and current.within is False,
                         current.working_days if current else None, current.within if current else None,
                         tuple(rounds))


def _round(calendar: Calendar, escalated: date, answered: date | None, as_of: date) -> Round:
    due = calendar.add_workdays(escalated, SERVICE_DAYS)
    days, _ = calendar.workdays_between(escalated, answered or as_of)
    within = answered <= due.due if answered is not None else (False if as_of > due.due else None)
    return Round(escalated, due.due, due.provisional, answered, days, within)


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
    escalated: int  # questions escalated at least once
    answered: int  # answered or closed
    overdue: int
    decided: int  # escalations answered, or overdue (a reopened question's earlier ones too)
    within: int  # of those, answered by their due day
    within_rate: float | None  # within / decided
    median_working_days: float | None  # escalation to answer, over the answered escalations


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
    rounds = [r for s in states for r in s.rounds]
    decided = [r for r in rounds if r.within is not None]
    within = sum(1 for r in decided if r.within)
    days = [r.working_days for r in rounds if r.answered is not None]
    return ServiceLevel(station, len(states), sum(1 for s in states if s.state in ("open", "escalated")),
                        sum(1 for s in states if s.rounds), sum(1 for s in states if s.state in ("answered", "closed")),
                        sum(1 for s in states if s.overdue), len(decided), within,
                        within / len(decided) if decided else None, float(median(days)) if days else None)


def scorecard_levels(questions: Iterable[Question], calendar: Calendar, as_of: date, window_days: int,
                     stations: Sequence[str]) -> dict[str, ServiceLevel]:
    """The service level of each station of a coverage scorecard, over the report's window."""
    return service_levels(questions, calendar, as_of, as_of - timedelta(days=window_days), stations)
