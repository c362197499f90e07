"""The yearly assessment and the alerts over HTTP (as ``biokg scorecard`` and ``biokg alerts``).

A station key sees the figures and alerts of the stations that share a district with its own (a
core: with its members); analysts and admins see every station.  Question alerts name enterprises:
they are shown to those who may read the questions, and counted for the others.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query

from api import workflow
from api.auth import Principal
from api.deps import Context, caller, context, needs, refuse
from api.models_workflow import AlertsOut, AssessmentOut
from api.output_workflow import alerts_json, assessment_json
from ontology.dates import day_or_today
from queries.alerts import alerts
from queries.assessment import scorecard_years
from queries.network import in_scope_of, members_of
from queries.terms import node_id

router = APIRouter(prefix="/api/v1", tags=["assessment"])


@router.get("/scorecard", response_model=AssessmentOut, openapi_extra=needs("scorecards"))
def get_scorecard(years: list[int] = Query(..., description="the years to assess (repeat: years=2024&years=2025)"),
                  who: Principal = Depends(caller), ctx: Context = Depends(context)) -> dict:
    """Each station's figures and city-wide rank at each year's end, the rank history, and the stations
    ranked last in three consecutive years (flagged)."""
    if not who.may("scorecards") and who.station is None:
        refuse(who, "scorecards")
    a = assessment_json(scorecard_years(ctx.store, years, ctx.questions.questions(), ctx.calendars.current()))
    if not who.may("scorecards"):  # a station key: the stations of its districts
        mine = in_scope_of(ctx.store, who.station)
        a["figures"] = [f for f in a["figures"] if mine(f["station"])]
        a["histories"] = [h for h in a["histories"] if mine(h["station"])]
        a["flagged"] = [s for s in a["flagged"] if mine(s)]
    return a


@router.get("/alerts", response_model=AlertsOut, openapi_extra=needs("read"))
def get_alerts(station: str | None = Query(None, max_length=200, description="a station (id or name); a station "
                                                                            "key: default its own"),
               as_of: str | None = Query(None, max_length=40, description="default today"),
               who: Principal = Depends(caller), ctx: Context = Depends(context)) -> dict:
    """What needs doing now: tracking lapsed or lapsing within 14 days, escalated questions due within
    2 working days or overdue, parks without a service record in the window."""
    if not (who.may("scorecards") or who.station is not None):
        refuse(who, "scorecards", "read alerts")
    sid = node_id(ctx.store, station, ("Station",), "station") if station else who.station
    if not who.may("scorecards") and (sid is None or not in_scope_of(ctx.store, who.station)(sid)):
        refuse(who, "scorecards", f"read the alerts of {sid or 'every station'}")
    if sid is None:
        refuse(who, "citywide", "read the alerts of every station")
    day = day_or_today("as_of", as_of)
    asked = ctx.questions.questions((sid, *members_of(ctx.store, sid)) if sid else None)  # the scope's only
    found = alerts_json(alerts(ctx.store, day, sid, asked, ctx.calendars.current()))
    readable, counted = workflow.question_scope(ctx.store, who), workflow.figures_scope(ctx.store, who)
    shown = [q for q in found["questions"] if readable(q["station"])]
    due = sum(1 for q in found["questions"] if counted(q["station"]))  # a figure: counted where figures may be read
    return {**found, "questions": shown, "questions_withheld": len(shown) < due, "questions_due": due}
