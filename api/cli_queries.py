"""The query commands of ``biokg``: coverage (and, as they land, matching and brokering)."""

from __future__ import annotations

from pathlib import Path

import typer

from api.cli_common import BOM, JSON, STORE, emit, errors_reported, open_configured, out, settings_of, write_tables
from api.output_coverage import PERCENT, coverage_json, coverage_tables, print_coverage
from ontology import InvalidInput
from ontology.dates import SPELLINGS, parse_day

FORMATS = ("table", "json", "csv", "xlsx")


def coverage(
    ctx: typer.Context,
    district: str | None = typer.Option(None, "--district", help="One district: id, code or name (闵行区, 310112)."),
    as_of: str | None = typer.Option(None, "--as-of", help=f"The day the window ends ({SPELLINGS}). Default: today."),
    window_days: int = typer.Option(180, "--window-days", min=0, help="Service records this many days back count."),
    radius_km: float = typer.Option(0.0, "--radius-km", min=0.0,
                                    help="A site within this distance of a station or point is covered too."),
    suggest: int | None = typer.Option(None, "--suggest", min=0, metavar="K",
                                       help="Also propose up to K new service-point sites (greedy)."),
    fmt: str = typer.Option("table", "--format", help="table (the terminal) | json | csv (a folder of files: "
                                                       "--out) | xlsx (a book: --out)"),
    out_path: Path | None = typer.Option(None, "--out", help="Where csv or xlsx output goes."),
    bom: bool = BOM,
    store: str | None = STORE,
    as_json: bool = JSON,
) -> None:
    """Station-network coverage per district, the station scorecard, and where to add service points."""
    from queries.coverage import coverage as coverage_of
    from queries.coverage import suggest_sites

    fmt = "json" if as_json else fmt
    with errors_reported(fmt == "json"):
        if fmt not in FORMATS:
            raise InvalidInput(f"--format: {fmt!r} is none of {', '.join(FORMATS)}")
        if (fmt in ("csv", "xlsx")) != (out_path is not None):
            raise InvalidInput("--out goes with --format csv or xlsx, and they need it")
        day = parse_day("--as-of", as_of)
        db = open_configured(settings_of(ctx), store, ctx)
        report = coverage_of(db, district, day, window_days, radius_km)
        picks = None if suggest is None else suggest_sites(db, suggest, district, report.as_of, window_days, radius_km)
        levels = _levels(settings_of(ctx), report)
        if fmt == "json":
            emit(coverage_json(report, picks, levels))
        elif fmt == "table":
            print_coverage(out, report, picks, levels)
        else:
            write_tables(coverage_tables(report, picks, levels), fmt, out_path, bom, PERCENT,  # type: ignore[arg-type]
                         known=("districts", "stations", "uncovered", "suggestions"))


def _levels(settings, report):
    """Each station's question service level over the report's window (from the ledger)."""
    from api.cli_calendar import calendar_of
    from api.cli_workflow import questions_of
    from queries.questions import scorecard_levels

    stations = [s.id for s in report.stations]
    return scorecard_levels(questions_of(settings, stations), calendar_of(settings), report.as_of,
                            report.window_days, stations)
