"""``biokg scorecard`` (the yearly assessment, 考核评估) and ``biokg alerts`` (what needs doing now).

Both read the questions of the ledger and the working-day calendar beside the store.

``--years`` takes several years after it (``--years 2024 2025 2026``): click options take one value
each, so the first is the option's and the others are the command's YEAR arguments; ``--years`` may
also be repeated (``--years 2024 --years 2025``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.text import Text

from api.cli_common import JSON, STORE, emit, err, errors_reported, open_configured, out, settings_of
from api.output import text_table
from api.output_coverage import pct
from api.output_workflow import alerts_json, assessment_json
from ontology.dates import SPELLINGS, day_or_today

if TYPE_CHECKING:
    from queries.alerts import Alerts, Lapse
    from queries.assessment import Assessment, YearFigures


def scorecard(
    ctx: typer.Context,
    years: list[int] = typer.Option(..., "--years", help="The years to assess: --years 2024 2025 2026 (or repeat "
                                                        "--years)."),
    more_years: list[int] | None = typer.Argument(None, metavar="YEAR", show_default=False,
                                                  help="More years (those written after --years' first)."),
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """The yearly assessment: each station's figures and rank per year, its rank history, and the
    stations last three years running (to be de-listed)."""
    from api.cli_calendar import calendar_of
    from api.cli_workflow import questions_of
    from queries.assessment import scorecard_years

    with errors_reported(as_json):
        settings = settings_of(ctx)
        db = open_configured(settings, store, ctx)
        a = scorecard_years(db, [*years, *(more_years or ())], questions_of(settings), calendar_of(settings))
        if as_json:
            emit(assessment_json(a))
        else:
            print_assessment(out, a)


def alerts(
    ctx: typer.Context,
    as_of: str | None = typer.Option(None, "--as-of", help=f"The day ({SPELLINGS}). Default: today."),
    station: str | None = typer.Option(None, "--station", help="One station (id or name); a core: with its member "
                                                               "stations' districts and questions. Default: all."),
    window_days: int = typer.Option(180, "--window-days", min=0, help="Service records this many days back count."),
    horizon_days: int = typer.Option(14, "--horizon-days", min=0,
                                     help="Tracking that lapses within this many days is lapsing."),
    due_within: int = typer.Option(2, "--due-within", min=0,
                                   help="Escalated questions due within this many working days (or overdue)."),
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """What needs doing now: tracking lapsed or about to lapse, questions due or overdue, parks without service."""
    from api.cli_calendar import calendar_of
    from api.cli_workflow import questions_of
    from queries.alerts import alerts as alerts_of
    from queries.network import members_of
    from queries.terms import node_id

    with errors_reported(as_json):
        day = day_or_today("--as-of", as_of)
        settings = settings_of(ctx)
        db = open_configured(settings, store, ctx)
        sid = node_id(db, station, ("Station",), "station") if station else None
        asked = questions_of(settings, [sid, *members_of(db, sid)] if sid else None)  # the scope's only
        a = alerts_of(db, day, sid, asked, calendar_of(settings), window_days, horizon_days, due_within)
        if any(q.due_provisional for q in a.questions):
            err.print("warning: some due days count days of a year without official calendar data (weekends only; "
                      "load it with biokg calendar load FILE)")
        if as_json:
            emit(alerts_json(a))
        else:
            print_alerts(out, a)


# ---------------------------------------------------------------------------------- text

def _questions(f: YearFigures) -> tuple[str, str, str]:
    q = f.questions
    if q is None:
        return "—", "—", "—"
    within = f"{q.within}/{q.decided}\n{pct(q.within_rate)}" if q.decided else "—"
    days = "—" if q.median_working_days is None else f"{q.median_working_days:g}"
    return within, days, f"{q.open}/{q.overdue}"


YEAR_COLUMNS = ["#", "station\n工作站", "parks", "ent.", "prod.", "proj.", "score", "rec/mo", "tgts",
                "within\n按时", "med.\ndays", "open/\nlate"]


def print_assessment(console: Console, a: Assessment) -> None:
    for year in a.years:
        rows = [f for f in a.figures if f.year == year]
        table = text_table(f"{year} 年度考核 (service records {year}-01-01 … {year}-12-31)", YEAR_COLUMNS,
                           right=tuple(YEAR_COLUMNS[2:]), lines=True, min_widths={YEAR_COLUMNS[1]: 14})
        for f in rows:
            within, days, late = _questions(f)
            rank = Text(f"{f.rank}/{f.ranked}").append("\n末位" if f.last else "", style="red")
            table.add_row(rank, Text(f.name).append(f"\n({f.station})", style="dim"),
                          pct(f.parks_rate), pct(f.enterprises_rate), pct(f.innovative_products_rate),
                          pct(f.key_projects_rate), "—" if f.score is None else f"{f.score:.2f}",
                          f"{f.records_per_month:g}", str(f.targets), within, days, late)
        console.print(table)
    console.print("# rank/ranked: the coverage rank (score = the mean of the rates, then records per month, then "
                  "targets; 末位 last) · within: escalated questions answered by their due day (5 working days) / "
                  "decided · med. days: "
                  "escalation to answer, in working days · open/late: unanswered / overdue at the year's end",
                  style="dim", soft_wrap=False)
    history = text_table("rank history 历年排名 (* last 末位)", ["station\n工作站", *map(str, a.years), "flagged"],
                         right=tuple(map(str, a.years)), min_widths={"station\n工作站": 20})
    for h in a.histories:
        by_year = {r.year: f"{r.rank}/{r.ranked}{'*' if r.last else ''}" for r in h.ranks}
        history.add_row(Text(f"{h.name} ({h.station})"), *(by_year.get(y, "—") for y in a.years),
                        Text("yes 连续三年末位", style="red") if h.flagged else "")
    console.print(history)
    names = {h.station: h.name for h in a.histories}
    listed = "; ".join(f"{names[s]} ({s})" for s in a.flagged)
    console.print(Text(f"flagged (last three years running, to be de-listed 连续三年末位): {listed or 'none'}"),
                  soft_wrap=False)


def _lapse_table(title: str, items: tuple[Lapse, ...]) -> Any:
    table = text_table(title, ["item", "kind", "last tracked", "tracked until", "days"], right=("days",),
                       min_widths={"item": 20})
    for x in items:
        table.add_row(Text(f"{x.name} ({x.id})"), "product" if x.kind == "Product" else "key project",
                      str(x.last_tracked or "never"), str(x.tracked_until or "—"),
                      "—" if x.days_left is None else str(x.days_left))
    return table


def print_alerts(console: Console, a: Alerts) -> None:
    scope = f"station {a.station} ({', '.join(a.stations)})" if a.station else "all stations"
    console.print(Text(f"alerts as of {a.as_of} for {scope}: {len(a.districts)} district(s); tracking window "
                       f"{a.window_days} days, horizon {a.horizon_days} days"), soft_wrap=False)
    for title, items in ((f"lapsing within {a.horizon_days} days 即将脱离跟踪 ({len(a.lapsing)})", a.lapsing),
                         (f"untracked 未跟踪 ({len(a.lapsed)})", a.lapsed)):
        console.print(_lapse_table(title, items) if items else Text(f"{title}: none"))
    title = f"questions due within {a.due_within} working days or overdue 即将到期或超期 ({len(a.questions)})"
    if a.questions:
        table = text_table(title, ["question", "station", "enterprise", "escalated", "due", "workdays\nleft"],
                           right=("workdays\nleft",))
        for q in a.questions:
            table.add_row(q.id, q.station, q.enterprise, str(q.escalated_at),
                          Text(f"{q.due}{' overdue 超期' if q.overdue else ''}", style="red" if q.overdue else ""),
                          str(q.working_days_left))
        console.print(table)
    else:
        console.print(Text(f"{title}: none"))
    title = f"parks without a service record in {a.window_days} days 无服务记录园区 ({len(a.quiet_parks)})"
    if a.quiet_parks:
        table = text_table(title, ["park", "district", "enterprises", "station or point", "last record"],
                           right=("enterprises",), min_widths={"park": 20})
        for p in a.quiet_parks:
            table.add_row(Text(f"{p.name} ({p.id})"), ", ".join(p.districts), str(p.enterprises),
                          "yes" if p.covered else "no", str(p.last_record or "never"))
        console.print(table)
    else:
        console.print(Text(f"{title}: none"))
