"""The official working-day calendar of China, for deadlines counted in working days (an escalated
enterprise question is answered within 5 working days).

A day is a working day when it is Monday to Friday and not a public holiday, or when it is a Saturday
or Sunday made a working day (调休上班).  Where that arrangement comes from, per year:

1. years **loaded** by a user (``loaders.calendar_file``; each year's arrangement is published by
   the State Council late in the year before), a whole year at a time;
2. else the ``chinesecalendar`` package, for the years it knows (read from the package itself);
3. else weekends only, and the answer says it is *provisional*.

Pure: no I/O.  Each year is computed once into a prefix count of its working days, so a deadline is
a few bisections, not a walk over the days.

>>> cal = WorkCalendar()
>>> cal.add_workdays(date(2025, 1, 24), 5)  # Fri; Sun 1/26 is a make-up day; 1/28-2/4 Spring Festival
Due(start=datetime.date(2025, 1, 24), days=5, due=datetime.date(2025, 2, 7), provisional=False)
>>> cal.workdays_between(date(2025, 1, 24), date(2025, 2, 7))
(5, False)
>>> cal.is_workday(date(2025, 1, 26)), cal.is_workday(date(2025, 1, 29))
((True, False), (False, False))
>>> cal.add_workdays(date(2026, 12, 28), 5).provisional  # 2027's arrangement is not in the package
True
>>> WorkCalendar({date(2027, 1, 1): False}, [2027]).add_workdays(date(2026, 12, 28), 5)
Due(start=datetime.date(2026, 12, 28), days=5, due=datetime.date(2027, 1, 5), provisional=False)
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, lru_cache

from ontology.errors import InvalidInput

MAX_DAYS = 3650  # working days a deadline may count (about 14 years): more is a mistake

try:
    import chinese_calendar as _cc

    _PACKAGE_HOLIDAYS: frozenset[date] = frozenset(_cc.holidays)
    _PACKAGE_WORKDAYS: frozenset[date] = frozenset(_cc.workdays)
except ImportError:  # pragma: no cover - a declared dependency; without it, loaded years and weekends
    _PACKAGE_HOLIDAYS = _PACKAGE_WORKDAYS = frozenset()

# the years the package has an arrangement for, as it states them (every such year has holidays)
PACKAGE_YEARS: frozenset[int] = frozenset(d.year for d in _PACKAGE_HOLIDAYS)


@dataclass(frozen=True)
class Due:
    """The ``days``-th working day after ``start``."""

    start: date
    days: int
    due: date
    provisional: bool  # some day counted lies in a year with no official data (weekends-only rule used)


@dataclass(frozen=True)
class _Year:
    """One year's working days: ``prefix[i]`` is how many of its first ``i`` days are working days."""

    first: int  # ordinal of 1 January
    prefix: tuple[int, ...]  # len = days in the year + 1

    def workday(self, day: date) -> bool:
        i = day.toordinal() - self.first
        return self.prefix[i + 1] > self.prefix[i]


def _build(year: int, exceptions: Mapping[date, bool]) -> _Year:
    first = date(year, 1, 1).toordinal()
    last = date(year, 12, 31).toordinal()
    weekday = date(year, 1, 1).weekday()
    prefix = [0]
    for offset in range(last - first + 1):
        day_off = exceptions.get(date.fromordinal(first + offset)) if exceptions else None
        works = (weekday + offset) % 7 < 5 if day_off is None else day_off
        prefix.append(prefix[-1] + works)
    return _Year(first, tuple(prefix))


@lru_cache(maxsize=256)
def _weekends_only(year: int) -> _Year:
    return _build(year, {})


@cache  # package years only: a bounded set
def _package_exceptions_cached(year: int) -> tuple[tuple[date, bool], ...]:
    pairs = [(d, False) for d in _PACKAGE_HOLIDAYS if d.year == year]
    pairs += [(d, True) for d in _PACKAGE_WORKDAYS if d.year == year]  # a listed workday wins, as in the package
    return tuple(pairs)


def _package_exceptions(year: int) -> dict[date, bool]:
    return dict(_package_exceptions_cached(year))


@cache  # package years only: a bounded set
def _package_year(year: int) -> _Year:
    """The package's year, by its own rule (listed workday, or Mon-Fri and not a listed holiday)."""
    return _build(year, _package_exceptions(year))


def _check_days(n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int):
        raise InvalidInput(f"days: {n!r} is not a whole number of working days")
    if n < 0:
        raise InvalidInput(f"days: {n} is negative; count working days from 0 on")
    if n > MAX_DAYS:
        raise InvalidInput(f"days: {n} working days is more than the {MAX_DAYS} a deadline may count")
    return n


def _day(value: object, name: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if not isinstance(value, date):
        raise InvalidInput(f"{name}: {value!r} is not a date")
    return value


class WorkCalendar:
    """Official working days: loaded years (date -> True workday / False day off, a whole year at a time)
    override chinesecalendar; other years chinesecalendar where it knows them; else weekends only (provisional).

    ``loaded``: the exceptions of the loaded arrangements (holidays off, make-up workdays on); each
    overrides any other source for its date.  ``loaded_years``: the years whose whole arrangement is
    loaded: such a year is known even on days not listed, which follow the weekend rule.  (A notice
    may list a day of the year before, as the one for 2012 did for Sat 2011-12-31: that day is
    overridden, its year stays as it was.)
    """

    def __init__(self, loaded: Mapping[date, bool] | None = None, loaded_years: Iterable[int] = ()):
        self._loaded = {_day(d, "loaded"): bool(works) for d, works in (loaded or {}).items()}
        self._loaded_years = frozenset(int(y) for y in loaded_years)
        self._by_year: dict[int, dict[date, bool]] = {}
        for d, works in self._loaded.items():
            self._by_year.setdefault(d.year, {})[d] = works
        self._cache: dict[int, _Year] = {}

    def __repr__(self) -> str:
        return f"WorkCalendar(loaded_years={sorted(self._loaded_years)})"

    def _year(self, year: int) -> _Year:
        found = self._cache.get(year)
        if found is None:
            extra = self._by_year.get(year)
            if year in self._loaded_years:
                found = _build(year, extra or {})
            elif extra:  # single days listed by a neighbouring year's notice, over the usual source
                base = _package_exceptions(year) if year in PACKAGE_YEARS else {}
                found = _build(year, {**base, **extra})
            elif year in PACKAGE_YEARS:
                found = _package_year(year)
            else:
                found = _weekends_only(year)
            self._cache[year] = found
        return found

    def known(self, year: int) -> bool:
        """Whether there is official data for ``year`` (loaded, or in chinesecalendar)."""
        return year in self._loaded_years or year in PACKAGE_YEARS

    def years(self) -> list[tuple[int, str]]:
        """(year, source) for the known years: source "loaded" or "chinesecalendar"."""
        return sorted([(y, "loaded") for y in self._loaded_years]
                      + [(y, "chinesecalendar") for y in PACKAGE_YEARS - self._loaded_years])

    def unknown_years(self, start: date, end: date) -> list[int]:
        """The years without official data among those of the days after ``start`` up to ``end``."""
        if end <= start:
            return []
        return [y for y in range((start + timedelta(days=1)).year, end.year + 1) if not self.known(y)]

    def is_workday(self, day: date) -> tuple[bool, bool]:
        """(workday, provisional): provisional when ``day``'s year has no official data."""
        day = _day(day, "date")
        return self._year(day.year).workday(day), not self.known(day.year)

    def add_workdays(self, start: date, n: int) -> Due:
        """The ``n``-th working day after ``start`` (``start`` itself never counts; ``n == 0`` is ``start``).

        >>> WorkCalendar().add_workdays(date(2025, 9, 30), 3).due  # 10/1-10/8 off, Sat 10/11 worked
        datetime.date(2025, 10, 11)
        """
        start = _day(start, "start")
        n = _check_days(n)
        if n == 0:
            return Due(start, 0, start, False)
        year = start.year
        index = start.toordinal() - date(year, 1, 1).toordinal() + 1  # days of the year up to start
        remaining = n
        while True:
            current = self._year(year)
            available = current.prefix[-1] - current.prefix[index]
            if remaining <= available:
                i = bisect_left(current.prefix, current.prefix[index] + remaining)
                due = date.fromordinal(current.first + i - 1)
                break
            remaining -= available
            year, index = year + 1, 0
            if year > date.max.year:
                raise InvalidInput(f"days: {n} working days after {start} fall beyond the year {date.max.year}")
        return Due(start, n, due, bool(self.unknown_years(start, due)))

    def workdays_between(self, start: date, end: date) -> tuple[int, bool]:
        """The working days after ``start`` up to and including ``end`` (0 when ``end <= start``), and
        whether any day counted lies in a year without official data.

        >>> WorkCalendar().workdays_between(date(2026, 9, 30), date(2026, 10, 10))  # 10/1-10/7 off
        (3, False)
        """
        start, end = _day(start, "start"), _day(end, "end")
        if end <= start:
            return 0, False
        count = 0
        for year in range(start.year, end.year + 1):
            current = self._year(year)
            lo = start.toordinal() - current.first + 1 if year == start.year else 0
            hi = end.toordinal() - current.first + 1 if year == end.year else len(current.prefix) - 1
            count += current.prefix[hi] - current.prefix[lo]
        return count, bool(self.unknown_years(start, end))

