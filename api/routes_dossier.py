"""The enterprise's service file (重点企业服务档案) over HTTP: the same JSON as ``biokg dossier --json``.

What a caller sees follows the rules of the data it draws on: service records only of the stations
it may see (``api.deps.records_visible``; the others are counted in ``records_withheld``); question
counts only with the right to read scorecards (every question) or questions (a station key: those of
the stations in its scope, as ``/service-levels``), else ``questions`` is null and
``questions_withheld`` true; question texts only where the caller may read the questions
(``api.workflow.question_scope``).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from api.auth import Principal
from api.deps import Context, caller, context, needs, records_visible, refuse
from api.models_dossier import DossierOut
from api.output_dossier import dossier_json
from api.workflow import figures_scope, question_scope
from ontology.dates import SPELLINGS, day_or_today
from queries.dossier import dossier
from queries.terms import node_id

router = APIRouter(prefix="/api/v1", tags=["dossier"])


@router.get("/dossier/{enterprise}", response_model=DossierOut, openapi_extra=needs("read"))
def get_dossier(enterprise: str = Path(..., min_length=1, max_length=200, description="the enterprise: id or name"),
                as_of: str | None = Query(None, max_length=40, description=f"the file at the end of this day "
                                                                          f"({SPELLINGS}); default today"),
                who: Principal = Depends(caller), ctx: Context = Depends(context)) -> dict:
    """An enterprise's service file: products with stages and channels, key projects, service records,
    question counts, coverage and why, the top matches for its needs and 产学研用 brokers."""
    refuse(who, "read")
    day = day_or_today("as_of", as_of)
    counts = who.may("scorecards") or who.may("questions")
    eid = node_id(ctx.store, enterprise, ("Enterprise",), "enterprise")
    counted = figures_scope(ctx.store, who)
    asked = [q for q in ctx.questions.questions(enterprise=eid) if counted(q.station)] if counts else []
    scope = question_scope(ctx.store, who)
    texts = who.may("questions") and all(scope(q.station) for q in asked)
    found = dossier(ctx.store, eid, day, asked, ctx.calendars.current(), records_visible(ctx.store, who),
                    question_texts=texts)
    body = dossier_json(found)
    if not counts:
        body["questions"], body["questions_withheld"] = None, True
    return body
