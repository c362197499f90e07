"""The yearly assessment of the stations (考核评估): figures, ranks over the years, and de-listing.

The municipal drug administration assesses each district's station once a year on its results
("突出实绩"); a station ranked last three years running is de-listed.
``scorecard_years(store, years, questions=(), calendar=None)``:

- the figures of year Y are the coverage report (``queries.coverage``) as of Y-12-31 with the
  window the whole year: ``window_days = (Y-12-31 - Y-01-01).days``, so the service records dated
  1 January to 31 December count.  Each station's rates, score, records, records per month (over
  that window) and distinct targets are its ``StationScore``'s, and its rank is the coverage rank
  (city-wide; equal figures share a rank);
- only service records are dated: the stations, their sites, points and districts, the parks,
  enterprises, products and key projects are the store's as they are now, for every year;
- the last rank (末位) of a year is the worst rank given that year, and every station holding it is
  last; a year in which every station shares one rank (a single station, or all equal) has no last
  station, since nobody ranks below anybody;
- a station is *flagged* (to be de-listed) when it is last in three consecutive calendar years
  (Y, Y+1, Y+2), all among the years asked; a year not asked, or a year the station is not ranked,
  breaks the run.  The years may be given in any order;
- with a calendar, each year's figures carry the station's question service level
  (``queries.questions.service_levels`` over the questions asked in that year, as they stood at
  the end of 31 December); without one (then no questions may be given) they carry None.  The
  service level is reported beside the rank; it does not move it.

>>> year_window(2024)
(datetime.date(2024, 12, 31), 365)
>>> longest_run((2020, 2022, 2023, 2024, 2026))
3
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from graph.interface import Store
from ontology import InvalidInput
from ontology.questions import Question
from queries.coverage import StationScore, coverage
from queries.questions import Calendar, ServiceLevel, scorecard_levels

FIRST_YEAR, LAST_YEAR = 2000, 2100
RUN = 3  # last this many years running: de-listed


@dataclass(frozen=True)
class YearFigures:
    """One station in one year's assessment."""

    year: int
    station: str
    name: str
    rank: int  # the coverage rank, 1 is best
    ranked: int  # how many stations were ranked that year
    last: bool  # holds the year's last rank (末位)
    parks_rate: float | None
    enterprises_rate: float | None
    innovative_products_rate: float | None
    key_projects_rate: float | None
    score: float | None
    records: int
    records_per_month: float
    targets: int
    questions: ServiceLevel | None  # None: no calendar was given


@dataclass(frozen=True)
class YearRank:
    year: int
    rank: int
    ranked: int
    last: bool


@dataclass(frozen=True)
class StationHistory:
    station: str
    name: str
    ranks: tuple[YearRank, ...]  # by year: the years asked in which it was ranked
    flagged: bool  # last in RUN consecutive years
    last_years: tuple[int, ...]  # the years it was last, ascending
    run: int  # the longest run of consecutive years it was last


@dataclass(frozen=True)
class Assessment:
    years: tuple[int, ...]  # ascending
    figures: tuple[YearFigures, ...]  # by year, then rank, then station id
    histories: tuple[StationHistory, ...]  # by station id
    flagged: tuple[str, ...]  # the flagged stations' ids, sorted


def scorecard_years(store: Store, years: Sequence[int], questions: Iterable[Question] = (),
                    calendar: Calendar | None = None) -> Assessment:
    """The assessment of ``years``: each year's figures and ranks, each station's history, the flagged."""
    asked = checked_years(years)
    qs = tuple(questions)
    if qs and calendar is None:
        raise InvalidInput("calendar: questions were given without the working-day calendar to judge them by")
    figures: list[YearFigures] = []
    for year in asked:
        as_of, days = year_window(year)
        scores = coverage(store, as_of=as_of, window_days=days).stations
        levels = scorecard_levels(qs, calendar, as_of, days, [s.id for s in scores]) if calendar is not None else {}
        figures += year_figures(year, scores, levels)
    histories = histories_of(figures)
    return Assessment(asked, tuple(figures), histories, tuple(h.station for h in histories if h.flagged))


def checked_years(years: Sequence[int]) -> tuple[int, ...]:
    """The years, ascending; InvalidInput unless at least one, none twice, each in 2000..2100.

    >>> checked_years([2026, 2024])
    (2024, 2026)
    """
    if isinstance(years, str | bytes) or not isinstance(years, Sequence | set | frozenset):
        raise InvalidInput(f"years: expected a list of years, got {years!r}")
    if not years:
        raise InvalidInput("years: at least one year")
    for y in years:
        if isinstance(y, bool) or not isinstance(y, int) or not FIRST_YEAR <= y <= LAST_YEAR:
            raise InvalidInput(f"years: {y!r} is not a year from {FIRST_YEAR} to {LAST_YEAR}")
    twice = sorted({y for y in years if list(years).count(y) > 1})
    if twice:
        raise InvalidInput(f"years: {', '.join(map(str, twice))} given more than once")
    return tuple(sorted(years))


def year_window(year: int) -> tuple[date, int]:
    """The coverage parameters of a year: as of 31 December, the window back to 1 January."""
    end = date(year, 12, 31)
    return end, (end - date(year, 1, 1)).days


def last_rank(ranks: Iterable[int]) -> int | None:
    """The year's last rank: the worst one, unless every station shares one rank.

    >>> last_rank([1, 2, 2]), last_rank([1, 1]), last_rank([])
    (2, None, None)
    """
    given = set(ranks)
    return max(given) if len(given) > 1 else None


def year_figures(year: int, scores: Sequence[StationScore], levels: dict[str, ServiceLevel]) -> list[YearFigures]:
    """One year's figures, in the report's order (rank, then id)."""
    worst = last_rank(s.rank for s in scores)
    return [YearFigures(year, s.id, s.name, s.rank, len(scores), s.rank == worst, s.parks_rate, s.enterprises_rate,
                        s.innovative_products_rate, s.key_projects_rate, s.score, s.records, s.records_per_month,
                        s.targets, levels.get(s.id)) for s in scores]


def longest_run(years: Iterable[int]) -> int:
    """The longest run of consecutive calendar years."""
    best, run, previous = 0, 0, None
    for y in sorted(set(years)):
        run = run + 1 if previous is not None and y == previous + 1 else 1
        best, previous = max(best, run), y
    return best


def histories_of(figures: Sequence[YearFigures]) -> tuple[StationHistory, ...]:
    """Each station's ranks over the years, by station id; its name is that of its latest year."""
    by_station: dict[str, list[YearFigures]] = {}
    for f in figures:
        by_station.setdefault(f.station, []).append(f)
    out = []
    for station, mine in sorted(by_station.items()):
        mine.sort(key=lambda f: f.year)
        last = tuple(f.year for f in mine if f.last)
        run = longest_run(last)
        out.append(StationHistory(station, mine[-1].name, tuple(YearRank(f.year, f.rank, f.ranked, f.last)
                                                                for f in mine), run >= RUN, last, run))
    return tuple(out)
