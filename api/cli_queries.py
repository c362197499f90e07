"""The query commands of ``biokg``: coverage (and, as they land, matching and brokering)."""

from __future__ import annotations

from datetime import date

import typer

from api.cli_common import JSON, STORE, emit, errors_reported, open_configured, out, settings_of
from api.output_coverage import coverage_json, print_coverage
from ontology import InvalidInput


def parse_day(option: str, text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` option value, or an error that names the option and the value."""
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(f"{option}: expected a date YYYY-MM-DD, got {text!r}") from None


def coverage(
    ctx: typer.Context,
    district: str | None = typer.Option(None, "--district", help="One district: id, code or name (闵行区, 310112)."),
    as_of: str | None = typer.Option(None, "--as-of", help="The day the window ends (YYYY-MM-DD). Default: today."),
    window_days: int = typer.Option(180, "--window-days", min=0, help="Service records this many days back count."),
    radius_km: float = typer.Option(0.0, "--radius-km", min=0.0,
                                    help="A site within this distance of a station or point is covered too."),
    suggest: int | None = typer.Option(None, "--suggest", min=0, metavar="K",
                                       help="Also propose up to K new service-point sites (greedy)."),
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Station-network coverage per district, the station scorecard, and where to add service points."""
    from queries.coverage import coverage as coverage_of
    from queries.coverage import suggest_sites

    with errors_reported(as_json):
        day = parse_day("--as-of", as_of)
        db = open_configured(settings_of(ctx), store, ctx)
        report = coverage_of(db, district, day, window_days, radius_km)
        picks = None if suggest is None else suggest_sites(db, suggest, district, report.as_of, window_days, radius_km)
        if as_json:
            emit(coverage_json(report, picks))
        else:
            print_coverage(out, report, picks)
