"""``biokg calendar``: the official working-day calendar (China) that deadlines are counted in.

Years come from the ``chinesecalendar`` package, or from files loaded with ``biokg calendar load``
(kept in ``BIOKG_CALENDAR_FILE``, default ``<data_dir>/calendar.csv``), which override it; a year
with neither is counted by weekends only, and every answer that used it says so.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from api.cli_common import JSON, audit_local, emit, err, errors_reported, out, settings_of
from api.output_workflow import due_json
from api.settings import Settings
from ontology import InvalidInput
from ontology.dates import SPELLINGS, parse_day

if TYPE_CHECKING:  # the calendar and its package are imported when a command needs them, not at start-up
    from loaders.calendar_file import KeptCalendar, LoadedYears
    from ontology.workdays import WorkCalendar

calendar_app = typer.Typer(no_args_is_help=True, help="Official working days (China): deadlines, loaded years.")

_KEPT: dict[Path, KeptCalendar] = {}


def calendar_of(settings: Settings) -> WorkCalendar:
    """The working-day calendar with the kept years loaded (re-read only when the kept file changes)."""
    from loaders.calendar_file import KeptCalendar

    path = settings.calendar_path
    if path not in _KEPT:
        _KEPT[path] = KeptCalendar(path)
    return _KEPT[path].current()


def provisional_warning(calendar: WorkCalendar, start: date, end: date) -> list[str]:
    """One line per year counted by weekends only between ``start`` (excluded) and ``end``."""
    return [f"warning: {year} has no official working-day data; weekends only "
            "(load it with biokg calendar load FILE)" for year in calendar.unknown_years(start, end)]


def loaded_json(loaded: LoadedYears) -> dict[str, object]:
    return {"file": loaded.file, "kept": loaded.kept, "changed": loaded.changed,
            "years": [{"year": y.year, "holidays": y.holidays, "workdays": y.workdays, "status": y.status}
                      for y in loaded.years]}


def _ranges(years: list[tuple[int, str]]) -> list[tuple[int, int, str]]:
    """Runs of consecutive years from one source: (first, last, source)."""
    runs: list[tuple[int, int, str]] = []
    for year, source in years:
        if runs and runs[-1][1] == year - 1 and runs[-1][2] == source:
            runs[-1] = (runs[-1][0], year, source)
        else:
            runs.append((year, year, source))
    return runs


@calendar_app.command("add-workdays")
def add_workdays(
    ctx: typer.Context,
    start: str = typer.Argument(..., metavar="DATE", help=f"The day counting starts after ({SPELLINGS})."),
    days: str = typer.Argument(..., metavar="N", help="How many working days (0 to 3650)."),
    as_json: bool = JSON,
) -> None:
    """The N-th working day after DATE (DATE itself never counts)."""
    with errors_reported(as_json):
        day = parse_day("DATE", start)
        try:
            n = int(days.strip())
        except ValueError:
            raise InvalidInput(f"days: {days!r} is not a whole number of working days") from None
        calendar = calendar_of(settings_of(ctx))
        due = calendar.add_workdays(day, n)  # type: ignore[arg-type]
        for line in provisional_warning(calendar, due.start, due.due):
            err.print(line, markup=False)
        if as_json:
            emit(due_json(due))
        else:
            note = " (provisional)" if due.provisional else ""
            out.print(f"{due.due.isoformat()} ({due.due:%a}): {due.days} working day(s) after "
                      f"{due.start.isoformat()}{note}", markup=False)


@calendar_app.command("load")
def load(
    ctx: typer.Context,
    file: Path = typer.Argument(..., metavar="FILE", help="CSV date,kind[,name] (kind holiday/休 or workday/班) "
                                                         "or a holiday-cn JSON year file."),
    as_json: bool = JSON,
) -> None:
    """Load a year's holidays and make-up working days (it replaces what was kept for that year)."""
    from loaders.calendar_file import load_calendar_file

    with errors_reported(as_json):
        loaded = load_calendar_file(file, settings_of(ctx).calendar_path)
        # it moves due days and service levels of the years it covers: a write like any other
        audit_local(settings_of(ctx), "calendar.load", str(file), 201 if loaded.changed else 200, None,
                    loaded_json(loaded), None if loaded.changed else {"unchanged": True})
        if as_json:
            emit(loaded_json(loaded))
            return
        for y in loaded.years:
            out.print(f"{y.year}: {y.holidays} day(s) off, {y.workdays} make-up working day(s) ({y.status})",
                      markup=False)
        out.print(f"kept in {loaded.kept}" if loaded.changed else f"unchanged: {loaded.kept} already held this",
                  markup=False)


@calendar_app.command("years")
def years(ctx: typer.Context, as_json: bool = JSON) -> None:
    """The years with official working-day data and where each comes from (loaded or chinesecalendar)."""
    with errors_reported(as_json):
        known = calendar_of(settings_of(ctx)).years()
        if as_json:
            emit([{"year": y, "source": source} for y, source in known])
            return
        for first, last, source in _ranges(known):
            out.print(f"{first if first == last else f'{first}-{last}'}  {source}", markup=False)
        out.print("other years: weekends only (provisional)", markup=False)
