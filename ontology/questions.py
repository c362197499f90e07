"""Enterprise questions (分级分类服务, 闭环管理): what a question is and the steps it may take.

A question is asked at a station and handled tier by tier to a closed loop::

    open ──answer──▶ answered ──close──▶ closed        (basic tier: the station answers at once)
      │                ▲  │                  │
      └──escalate──▶ escalated                │        (to a department, through the core where there is one)
                       reopen ◀──────────────┘        (from answered or closed, back to open)

Any other step is a Conflict (HTTP 409).  Every step has a day (back-filling is normal: a step may
be dated in the past, never before the step before it), a note, and the key that made it.
Questions may hold trade secrets: they are kept in the ledger (``graph.question_book``), never as
graph nodes.  Their state over time and the service levels are ``queries.questions``.

>>> q = Question("q1", "station:a", "ent:x", "registration", "…", date(2026, 3, 2), ())
>>> q.then(Step(1, "answer", date(2026, 3, 3))).state_before()
'answered'
>>> allowed("answered")
('close', 'reopen')
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from ontology.errors import Conflict, InvalidInput

STATES = ("open", "escalated", "answered", "closed")
# action -> (the states it starts from, the state it leads to)
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "answer": (("open", "escalated"), "answered"),
    "escalate": (("open",), "escalated"),
    "close": (("answered",), "closed"),
    "reopen": (("answered", "closed"), "open"),
}
ACTIONS = ("ask", *TRANSITIONS)
SERVICE_DAYS = 5  # an authoritative answer within five working days of the escalation (闵行 action plan)


@dataclass(frozen=True)
class Step:
    """One step of a question's life, in the order it was recorded."""

    seq: int
    action: str  # ask | answer | escalate | close | reopen
    day: date
    note: str = ""
    to: str | None = None  # escalate: the department (an Institution of type agency)
    path: tuple[str, ...] = ()  # escalate: station, its core where it has one, the department
    at: str = ""  # when it was recorded (UTC, ISO)
    key_id: str | None = None  # the key that made it (None: the command line, or a test)
    role: str = ""


@dataclass(frozen=True)
class Question:
    id: str
    station: str
    enterprise: str
    category: str
    text: str
    asked: date
    steps: tuple[Step, ...]  # after the ask, by seq

    @property
    def last_day(self) -> date:
        return self.steps[-1].day if self.steps else self.asked

    def state_before(self, as_of: date | None = None) -> str:
        state = "open"
        for s in self.steps:
            if as_of is not None and s.day > as_of:
                break
            state = TRANSITIONS[s.action][1]
        return state

    def as_of(self, day: date) -> Question:
        """The question as it stood at the end of ``day``: its later steps not yet taken."""
        return replace(self, steps=tuple(s for s in self.steps if s.day <= day))

    def then(self, step: Step) -> Question:
        """The question after ``step``; Conflict when its state does not allow it, InvalidInput when
        it is dated before the step before it."""
        if step.action not in TRANSITIONS:
            raise InvalidInput(f"action: {step.action!r} is none of {', '.join(TRANSITIONS)}")
        state = self.state_before()
        starts, _ = TRANSITIONS[step.action]
        if state not in starts:
            raise Conflict(f"question {self.id} is {state}: it cannot be {_past(step.action)} "
                           f"(from {state}: {', '.join(allowed(state)) or 'nothing'})")
        if step.day < self.last_day:
            raise InvalidInput(f"date: {step.day} is before the question's last step ({self.last_day})")
        if step.action == "escalate" and not step.to:
            raise InvalidInput("to: an escalation names the department it goes to")
        return replace(self, steps=(*self.steps, step))


def allowed(state: str) -> tuple[str, ...]:
    """The actions a question in ``state`` allows."""
    return tuple(a for a, (starts, _) in TRANSITIONS.items() if state in starts)


def _past(action: str) -> str:
    return {"answer": "answered", "escalate": "escalated", "close": "closed", "reopen": "reopened"}[action]


