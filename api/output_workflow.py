"""The JSON of the station's work — questions, their steps, service levels, due days — the same from
``biokg … --json`` and the API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import TYPE_CHECKING, Any

from api.output_coverage import RATE_DIGITS
from ontology.questions import Question, Step
from queries.questions import QuestionState, ServiceLevel

if TYPE_CHECKING:
    from ontology.workdays import Due
    from queries.alerts import Alerts
    from queries.assessment import Assessment


def iso(d: date | None) -> str | None:
    """A day as ISO text, or None."""
    return d.isoformat() if d else None


def question_json(s: QuestionState, q: Question | None = None) -> dict:
    """A question's row (``q`` given: with its text and its steps, for those who may read them)."""
    row = {"id": s.id, "station": s.station, "enterprise": s.enterprise, "category": s.category,
           "state": s.state, "asked": iso(s.asked), "escalated_at": iso(s.escalated_at),
           "escalated_to": s.escalated_to, "path": list(s.path), "due": iso(s.due),
           "due_provisional": s.due_provisional, "answered_at": iso(s.answered_at), "closed_at": iso(s.closed_at),
           "overdue": s.overdue, "working_days": s.working_days, "within": s.within}
    if q is not None:
        row["text"] = q.text
        row["steps"] = [step_json(t) for t in q.steps]
    return row


def step_json(t: Step) -> dict:
    return {"seq": t.seq, "action": t.action, "date": t.day.isoformat(), "note": t.note, "to": t.to,
            "path": list(t.path), "at": t.at, "key_id": t.key_id, "role": t.role}


def service_level_json(level: ServiceLevel) -> dict:
    return _plain(asdict(level))


def due_json(due: Due) -> dict:
    return {"start": due.start.isoformat(), "days": due.days, "due": due.due.isoformat(),
            "provisional": due.provisional}


def _plain(value: Any) -> Any:
    """JSON-ready: dates as ISO text, tuples as lists, rates and scores rounded (as in coverage)."""
    if isinstance(value, dict):
        return {k: (round(v, RATE_DIGITS) if isinstance(v, float) and (k.endswith("_rate") or k == "score")
                    else _plain(v)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def assessment_json(a: Assessment) -> dict[str, Any]:
    """``{"years", "figures": [...], "histories": [...], "flagged"}`` (the dataclasses' fields as keys)."""
    return _plain(asdict(a))


def alerts_json(a: Alerts) -> dict[str, Any]:
    """``{"as_of", "station", "stations", "districts", "window_days", "horizon_days", "due_within",
    "lapsed", "lapsing", "questions", "quiet_parks"}``."""
    return _plain(asdict(a))
