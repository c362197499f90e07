"""Enterprise questions over HTTP (the same as ``biokg question …``): take one, move it on tier by tier
to a closed loop, list what is open or overdue; the service-level figures; the working-day calendar.

Questions are private: a station key reads those of the stations serving one of its districts (a
question out of scope is a 404, as if it did not exist); analysts read only the figures.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import JSONResponse

from api import workflow
from api.auth import Principal
from api.deps import MAX_LIMIT, Context, allowed, caller, context, decode_cursor, needs, page, refuse
from api.models import ErrorOut
from api.models_workflow import QuestionIn, QuestionOut, QuestionPage, ServiceLevelsOut, StepIn, WorkdaysOut
from api.output_workflow import due_json, question_json, service_level_json
from api.routes_writes import audited
from ontology.dates import day_or_today, parse_day
from ontology.questions import STATES
from queries.questions import service_levels, state_of

router = APIRouter(prefix="/api/v1", tags=["questions"])
_QUESTION_ID = Path(..., min_length=1, max_length=100, description="the question's id (`question:…`)")
_AS_OF = Query(None, max_length=40, description="the state at the end of this day (default today)")


def _as_of(text: str | None) -> date:
    return day_or_today("as_of", text)


@router.post("/questions", status_code=201, response_model=QuestionOut,
             responses={200: {"model": QuestionOut, "description": "the same question was already there"},
                        422: {"model": ErrorOut, "description": "a field does not validate (details name each)"}},
             openapi_extra=needs("questions"))
def create_question(body: QuestionIn, who: Principal = Depends(caller), ctx: Context = Depends(context)):
    """Take an enterprise question at a station (its id is in the answer). A station key takes
    questions for its own station only."""
    with audited(ctx, who, "questions.create", body.station, {"enterprise": body.enterprise}):
        q, created = workflow.ask(ctx.store, ctx.questions, who, body.station, body.enterprise, body.category,
                                  body.text, body.date)
    row = {**question_json(state_of(q, ctx.calendars.current(), q.asked), q), "created": created}
    return JSONResponse(QuestionOut(**row).model_dump(), status_code=201 if created else 200)


def _stepped(action: str, summary: str):
    def take(body: StepIn, question: str = _QUESTION_ID, who: Principal = Depends(caller),
             ctx: Context = Depends(context)) -> dict:
        with audited(ctx, who, f"questions.{action}", question, {"to": body.to} if body.to else None):
            done = workflow.step(ctx.store, ctx.questions, who, question, action, body.date, body.note, body.to)
        return {**question_json(workflow.at_hand(done.after, ctx.calendars.current()), done.after),
                "changed": done.changed}

    take.__doc__ = summary
    take.__name__ = f"{action}_question"
    return take


for _action, _summary in (
        ("answer", "Answer a question: at once by the station (basic tier), or the department's answer to an "
                   "escalated one."),
        ("escalate", "Escalate an open question to a department (`to`), through the station's core where it has "
                     "one; it is due five working days after the step's date."),
        ("close", "Close an answered question (the loop is closed)."),
        ("reopen", "Reopen an answered or closed question: back to open.")):
    router.post(f"/questions/{{question}}/{_action}", response_model=QuestionOut,
                responses={409: {"model": ErrorOut, "description": "the question's state does not allow this step"},
                           422: {"model": ErrorOut, "description": "a field does not validate"}},
                openapi_extra=needs("questions"))(_stepped(_action, _summary))


@router.get("/questions", response_model=QuestionPage, openapi_extra=needs("questions"))
def list_questions(station: str | None = Query(None, max_length=200, description="a station (id or name); a core: "
                                                                                  "with its members' questions"),
                   state: str | None = Query(None, description=" | ".join(STATES)),
                   overdue: bool = Query(False, description="only the overdue ones"),
                   as_of: str | None = _AS_OF,
                   limit: int = Query(50, ge=1, le=MAX_LIMIT), cursor: str | None = Query(None, max_length=200),
                   who: Principal = Depends(allowed("questions")), ctx: Context = Depends(context)) -> dict:
    """The questions the key may read, as they stood at the end of `as_of`, by day asked then id."""
    day = _as_of(as_of)
    query = ["questions", station, state, overdue, day.isoformat()]
    offset = decode_cursor(cursor, query)
    rows = workflow.listed(ctx.store, ctx.questions, who, ctx.calendars.current(), station, state, overdue, day)
    return page(rows, offset, limit, query, lambda r: {**question_json(r[0]), "text": r[1].text})


@router.get("/questions/{question}", response_model=QuestionOut, openapi_extra=needs("questions"))
def get_question(question: str = _QUESTION_ID, as_of: str | None = _AS_OF,
                 who: Principal = Depends(allowed("questions")), ctx: Context = Depends(context)) -> dict:
    """One question with its text and every step (who took it, when, with what note)."""
    day = _as_of(as_of)
    q = workflow.visible_question(ctx.store, ctx.questions, who, question).as_of(day)
    return question_json(state_of(q, ctx.calendars.current(), day), q)


@router.get("/service-levels", response_model=ServiceLevelsOut, openapi_extra=needs("scorecards"))
def get_service_levels(as_of: str | None = _AS_OF,
                       since: str | None = Query(None, max_length=40, description="questions asked from this day on"),
                       who: Principal = Depends(caller), ctx: Context = Depends(context)) -> dict:
    """Each station's question figures (no text): open, overdue, the share answered within five working
    days, the median working days to an answer. Analysts and admins see every station; a station key
    the stations of its districts."""
    if not who.may("scorecards"):
        refuse(who, "questions", "read service levels")
    day = _as_of(as_of)
    start = parse_day("since", since) if since else None
    scope = workflow.figures_scope(ctx.store, who)
    levels = service_levels([q for q in ctx.questions.questions() if scope(q.station)], ctx.calendars.current(),
                            day, start)
    data = [service_level_json(v) for v in levels.values()]
    return {"as_of": day.isoformat(), "data": data, "count": len(data)}


@router.get("/calendar/add-workdays", response_model=WorkdaysOut)
def add_workdays(start: str = Query(..., max_length=40, description="the day to count from (it does not count)"),
                 days: int = Query(..., ge=0, le=3650, description="how many working days"),
                 _=Depends(allowed("read")), ctx: Context = Depends(context)) -> dict:
    """The `days`-th official working day after `start` (public holidays off, adjusted working days on);
    `provisional` when a year without official data was counted by weekends only."""
    return due_json(ctx.calendars.current().add_workdays(parse_day("start", start), days))
