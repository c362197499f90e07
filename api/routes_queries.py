"""The queries over HTTP: coverage, match, chain gaps, brokering, patents, partners — the same JSON as
the CLI's ``--json``.

Coverage is scoped: a city-wide report needs the ``citywide`` right (analysts, admins); a district's
report is open to every reader, but its scorecard (the stations' ranks) only to those who may read
scorecards and to a station key for the districts its station serves (its own and, for a core, its
member stations'); for other callers ``stations`` is empty and ``scorecard_withheld`` is true.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Path, Query

from api import output_matching as show
from api.auth import Principal
from api.deps import Context, allowed, context, needs, refuse
from api.models import CoverageOut
from api.models_matching import BrokerOut, ChainOut, MatchOut, PartnersOut, PatentsOut
from api.output_coverage import coverage_json
from ontology.dates import SPELLINGS, parse_day
from queries.network import served_districts
from queries.questions import scorecard_levels

router = APIRouter(prefix="/api/v1", tags=["queries"])
reads = allowed("read")
AS_OF = Query(None, max_length=40, description=f"facts dated up to this day count ({SPELLINGS}); default today")
FIELD = Query(None, max_length=100, description="a field: id, key or label (抗体药物, antibody)")
WEIGHT = Query(None, max_length=20, description="change one weight of the score: NAME=VALUE (repeatable)")
TOP = Query(10, ge=1, le=100)


def _weights(pairs: list[str] | None) -> dict[str, float]:
    from queries.terms import weights_of

    return weights_of(pairs, "weight")


@router.get("/coverage", response_model=CoverageOut, response_model_exclude_unset=True, openapi_extra=needs("read"))
def coverage(district: str | None = Query(None, max_length=100, description="id, code or name; "
                                                                             "without: the whole region"),
             as_of: str | None = Query(None, max_length=40,
                                       description=f"the window's last day ({SPELLINGS}); default today"),
             window_days: int = Query(180, ge=0, le=36_500), radius_km: float = Query(0.0, ge=0, le=1_000),
             suggest: int | None = Query(None, ge=0, le=1_000, description="propose up to K new sites"),
             who: Principal = Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Station-network coverage per district, the station scorecard and, with ``suggest``, new sites."""
    from queries.coverage import coverage as coverage_of
    from queries.coverage import suggest_sites

    if district is None:
        refuse(who, "citywide", "read city-wide coverage (or name a district)")
    day = parse_day("as_of", as_of)
    report = coverage_of(ctx.store, district, day, window_days, radius_km)
    picks = None if suggest is None else suggest_sites(ctx.store, suggest, district, report.as_of, window_days,
                                                       radius_km)
    own = who.station is not None and report.district in served_districts(ctx.store, who.station)
    if not (who.may("scorecards") or own):
        return {**coverage_json(report, picks), "stations": [], "scorecard_withheld": True}
    stations = [s.id for s in report.stations]  # only their questions: coverage is read often
    levels = scorecard_levels(ctx.questions.questions(stations), ctx.calendars.current(), report.as_of,
                              report.window_days, stations)
    return coverage_json(report, picks, levels)


@router.get("/match/{org}", response_model=MatchOut, openapi_extra=needs("read"))
def match(org: str = Path(..., min_length=1, max_length=200, description="an enterprise or institution: id or name"),
          segment: str | None = Query(None, max_length=100, description="a chain segment (id, key or label)"),
          field: str | None = FIELD, top: int = TOP, as_of: str | None = AS_OF, weight: list[str] | None = WEIGHT,
          _=Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Industry-chain matching: the best providers for each need of ``org``, with reasons and evidence."""
    from queries.matching import match as match_of

    day = parse_day("as_of", as_of)
    return show.match_json(match_of(ctx.store, org, segment, field, top, day, _weights(weight)))


@router.get("/chain-gaps", response_model=ChainOut, openapi_extra=needs("read"))
def chain_gaps(district: str = Query(..., min_length=1, max_length=100, description="id, code or name"),
               field: str = Query(..., min_length=1, max_length=100, description="a field: id, key or label"),
               as_of: str | None = AS_OF, _=Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Chain gaps (补链/延链): the segments of a field's chain with no provider in the district."""
    from queries.chain import chain_gaps as gaps_of

    return show.chain_json(gaps_of(ctx.store, district, field, parse_day("as_of", as_of)))


@router.get("/broker", response_model=BrokerOut, openapi_extra=needs("read"))
def broker(org: str | None = Query(None, max_length=200, description="an enterprise or institution: id or name"),
           field: str | None = FIELD, top: int = TOP, as_of: str | None = AS_OF, weight: list[str] | None = WEIGHT,
           _=Depends(reads), ctx: Context = Depends(context)) -> dict:
    """产学研用 brokering: universities, institutes and hospitals for ``org`` or a field, and who brokers."""
    from queries.brokering import broker as broker_of

    day = parse_day("as_of", as_of)
    return show.broker_json(broker_of(ctx.store, org, field, top, day, _weights(weight)))


@router.get("/patents", response_model=PatentsOut, openapi_extra=needs("read"))
def patents(org: str | None = Query(None, max_length=200, description="an enterprise or institution: id or name"),
            field: str | None = FIELD, top: int = Query(20, ge=1, le=100), as_of: str | None = AS_OF,
            weight: list[str] | None = WEIGHT, _=Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Patent supply and demand (闵知惠): transferable patents for ``org`` or a field, never its own."""
    from queries.patents import patent_matches

    day = parse_day("as_of", as_of)
    return show.patents_json(patent_matches(ctx.store, org, field, top, day, _weights(weight)))


@router.get("/partners/{station}", response_model=PartnersOut, openapi_extra=needs("read"))
def partners(station: str = Path(..., min_length=1, max_length=200, description="a station: id or name"),
             top: int = TOP, as_of: str | None = AS_OF, weight: list[str] | None = WEIGHT,
             _=Depends(reads), ctx: Context = Depends(context)) -> dict:
    """Partners for a station: institutions it has no tie to, and stations strong where it is weak."""
    from queries.partners import partners_for_station

    day = parse_day("as_of", as_of)
    return show.partners_json(partners_for_station(ctx.store, station, top, day, _weights(weight)))
