"""Working-day years a user loads (``biokg calendar load FILE``), and the file that keeps them.

Each year's arrangement of public holidays and make-up working days (调休) is published by the State
Council late in the year before, often after the ``chinesecalendar`` package's last release; a user
loads it as a small file in one of two formats:

* CSV with a header ``date,kind`` and optionally ``name`` (and ``year``, the notice an entry belongs
  to when a notice lists a day of the year before; default the date's year).  ``kind`` is
  ``holiday`` (also 休, 假日) or ``workday`` (also 班, 工作日); dates in any spelling of
  ``ontology.dates``;
* the holiday-cn JSON (github.com/NateScarlet/holiday-cn): ``{"year", "papers", "days": [{"name",
  "date", "isOffDay"}]}``, ``isOffDay`` true for a holiday off, false for a make-up working day.

``parse_calendar`` is the pure core over bytes; every problem is located (``file:line:column``) and
nothing is written while any exists.  The kept file is a CSV ``date,kind,name,year,source`` that
``load_calendar_file`` rewrites whole (temporary file, fsync, rename); loading a year replaces what
was kept for it.

>>> parsed = parse_calendar("date,kind,name\\n2027-01-01,休,元旦\\n2027/2/20,班,春节\\n", "c.csv")
>>> parsed.years, [(d.day.isoformat(), d.workday, d.name) for d in parsed.days]
((2027,), [('2027-01-01', False, '元旦'), ('2027-02-20', True, '春节')])
"""

from __future__ import annotations

import csv
import io
import os
import threading
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from loaders.mapping import jsonpos
from loaders.sheets import neutralise, write_file
from loaders.tables import decode, read_csv
from ontology import InvalidInput, LoadError, Location, Problem
from ontology.dates import read_date
from ontology.workdays import WorkCalendar

KINDS = {"holiday": False, "休": False, "假日": False, "workday": True, "班": True, "工作日": True}
KIND_NAMES = {False: "holiday", True: "workday"}
KEPT_HEADER = ("date", "kind", "name", "year", "source")
_COLUMNS = {"date": "date", "日期": "date", "kind": "kind", "类型": "kind", "name": "name", "名称": "name",
            "year": "year", "年份": "year", "source": "source", "来源": "source"}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class CalendarDay:
    """One listed day of an arrangement: a holiday off (``workday`` False) or a make-up working day."""

    day: date
    workday: bool
    name: str = ""
    year: int = 0  # the arrangement (notice) it belongs to; 0: the date's year
    source: str = field(default="", compare=False)  # the file it was loaded from (kept file only)
    at: Location | None = field(default=None, compare=False, repr=False)

    @property
    def notice(self) -> int:
        return self.year or self.day.year


@dataclass(frozen=True)
class CalendarFile:
    """The days a calendar file lists, sorted by date."""

    source: str
    days: tuple[CalendarDay, ...]

    @property
    def years(self) -> tuple[int, ...]:
        return tuple(sorted({d.notice for d in self.days}))


@dataclass(frozen=True)
class YearLoaded:
    year: int
    holidays: int  # days off listed
    workdays: int  # make-up working days listed
    status: str  # "new", "replaced" (other days were kept for the year) or "unchanged"


@dataclass(frozen=True)
class LoadedYears:
    """What ``load_calendar_file`` did."""

    file: str
    kept: str
    years: tuple[YearLoaded, ...]
    changed: bool  # False: the kept file already held exactly these years; it was not rewritten


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).split())


def _name(text: str) -> str:
    return " ".join(text.split())


def parse_calendar(data: bytes | str, source: str) -> CalendarFile:
    """The days of a calendar file (CSV, or holiday-cn JSON: by the ``.json`` suffix or a leading
    ``{``); LoadError of located problems.  A file that lists no day is refused: it holds no year."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    text, _ = decode(raw, source)
    as_json = source.lower().endswith(".json") or text.lstrip("\ufeff \t\r\n").startswith(("{", "["))
    return _parse(raw, text, source, as_json, "nothing was loaded")


def _parse(raw: bytes, text: str, source: str, as_json: bool, outcome: str, empty_ok: bool = False) -> CalendarFile:
    entries, problems = _parse_json(text, source) if as_json else _parse_csv(raw, source)
    problems += _check(entries)
    if not entries and not problems and not empty_ok:
        problems.append(Problem(Location(source), "the file lists no days, so no year's working-day arrangement "
                                                  "is in it (has the State Council's notice been published?); a year "
                                                  "is loaded with its holidays and make-up working days"))
    if problems:
        raise LoadError(problems, f"{len(problems)} error(s) in {source}; {outcome}")
    first: dict[date, CalendarDay] = {}
    for entry in entries:
        first.setdefault(entry.day, entry)
    return CalendarFile(source, tuple(sorted(first.values(), key=lambda d: d.day)))


def _parse_csv(raw: bytes, source: str) -> tuple[list[CalendarDay], list[Problem]]:
    table = read_csv(raw, source)
    problems: list[Problem] = []
    columns: dict[str, int] = {}
    for i, cell in enumerate(table.header):
        name = _COLUMNS.get(_clean(cell).lower())
        if name is None:
            problems.append(Problem(Location(source, 1, i + 1), f"unknown column {cell!r} (the columns are date, "
                                                                 "kind and optionally name and year)"))
        elif name in columns:
            problems.append(Problem(Location(source, 1, i + 1), f"column {cell!r} appears twice"))
        else:
            columns[name] = i
    missing = [c for c in ("date", "kind") if c not in columns]
    if missing:
        problems.append(Problem(Location(source, 1), f"no {' or '.join(missing)} column: the header must be "
                                                     "date,kind (and optionally name)"))
    if problems:
        return [], problems
    entries = []
    for line, cells in table.rows:
        text, at = _cell(cells, columns, "date", source, line)
        kind_text, kind_at = _cell(cells, columns, "kind", source, line)
        year_text, year_at = _cell(cells, columns, "year", source, line)
        name, _ = _cell(cells, columns, "name", source, line)
        origin, _ = _cell(cells, columns, "source", source, line)
        if len(cells) > len(table.header) and any(c.strip() for c in cells[len(table.header):]):
            problems.append(Problem(Location(source, line, len(table.header) + 1),
                                    f"{len(cells)} cells but the header has {len(table.header)} columns"))
            continue
        day = _read_day(text, at, problems)
        works = _read_kind(kind_text, kind_at, problems)
        year = 0
        if year_text:
            if year_text.isdigit() and len(year_text) == 4:
                year = int(year_text)
            else:
                problems.append(Problem(year_at, f"year {year_text!r} is not a year (like 2027)"))
                continue
        if day is not None and works is not None:
            entries.append(CalendarDay(day, works, _name(name), year, origin, at))
    return entries, problems


def _cell(cells: list[str], columns: dict[str, int], name: str, source: str, line: int) -> tuple[str, Location]:
    i = columns.get(name)
    value = cells[i] if i is not None and i < len(cells) else ""
    return value.strip(), Location(source, line, (i or 0) + 1)


def _read_day(text: str, at: Location, problems: list[Problem]) -> date | None:
    if not text:
        problems.append(Problem(at, "the date is empty"))
        return None
    try:
        return read_date(text)
    except ValueError as exc:
        problems.append(Problem(at, str(exc)))
        return None


def _read_kind(text: str, at: Location, problems: list[Problem]) -> bool | None:
    works = KINDS.get(_clean(text).lower())
    if works is None and not text:
        problems.append(Problem(at, "the kind is empty (holiday/休: a day off, or workday/班: a make-up working day)"))
    elif works is None:
        problems.append(Problem(at, f"kind {text!r} is neither holiday (休, 假日: a day off) nor workday "
                                    "(班, 工作日: a make-up working day)"))
    return works


def _check(entries: Sequence[CalendarDay]) -> list[Problem]:
    """What the days say together: make-up days on weekends only, one kind per date, notices by year."""
    problems = []
    seen: dict[date, CalendarDay] = {}
    for entry in entries:
        at = entry.at or Location("")
        if entry.workday and entry.day.weekday() < 5:
            problems.append(Problem(at, f"{entry.day} is a {_WEEKDAYS[entry.day.weekday()]}, a working day anyway; "
                                        "a make-up working day (班) is a Saturday or Sunday (is the kind swapped?)"))
        if abs(entry.day.year - entry.notice) > 1:
            problems.append(Problem(at, f"{entry.day} is too far from the year {entry.notice} of its arrangement"))
        before = seen.setdefault(entry.day, entry)
        if before.workday != entry.workday:
            where = f"line {before.at.line}" if before.at and before.at.line else "before"
            problems.append(Problem(at, f"{entry.day} is listed twice with different kinds: "
                                        f"{KIND_NAMES[before.workday]} at {where}, {KIND_NAMES[entry.workday]} here"))
    return problems


def _parse_json(text: str, source: str) -> tuple[list[CalendarDay], list[Problem]]:
    try:  # with each value's line and column (loaders.mapping.jsonpos, as the mappings read JSON)
        doc = jsonpos.loads(text.lstrip("\ufeff"))
    except jsonpos.JSONPositionError as exc:
        return [], [Problem(Location(source, exc.line, exc.column), f"malformed JSON: {exc.message}")]
    if not isinstance(doc.value, dict):
        return [], [Problem(Location(source, 1, 1), "not a holiday-cn file: expected an object "
                                                    '{"year", "papers", "days": [...]}')]

    def at(key: str) -> Location:
        found = doc.value.get(key)
        return Location(source, found.line, found.column) if found else Location(source)

    problems: list[Problem] = []
    body = doc.plain()
    year, days = body.get("year"), body.get("days")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 9999:
        problems.append(Problem(at("year"), f'"year" must be the year of the arrangement, not {year!r}'))
        year = None
    if not isinstance(days, list):
        problems.append(Problem(at("days"), f'"days" must be a list of days, not {days!r}'))
        return [], problems
    if not days and year is not None:
        problems.append(Problem(at("days"), f"the file lists no days: the working-day arrangement of "
                                            f"{year} is not in it (the State Council's notice for {year} "
                                            "may not be published yet); nothing was loaded"))
    located = doc.value["days"].value
    entries = []
    for n, item in enumerate(days, 1):
        where = Location(source, located[n - 1].line, located[n - 1].column)
        if not isinstance(item, dict):
            problems.append(Problem(where, f"day {n} is not an object {{\"name\", \"date\", \"isOffDay\"}}"))
            continue
        raw, off, name = item.get("date"), item.get("isOffDay"), item.get("name", "")
        if not isinstance(raw, str) or not raw.strip():
            problems.append(Problem(where, f'day {n} has no "date"'))
            continue
        day = _read_day(raw.strip(), where, problems)
        if not isinstance(off, bool):
            problems.append(Problem(where, f'day {n} ({raw}): "isOffDay" must be true (a holiday off) or false '
                                           f"(a make-up working day), not {off!r}"))
            continue
        if day is not None and year is not None:
            entries.append(CalendarDay(day, not off, _name(name) if isinstance(name, str) else "", year, "", where))
    return entries, problems


# --- the kept file -------------------------------------------------------------------------------------------


def calendar_csv(days: Sequence[CalendarDay]) -> str:
    """The kept file's text: ``date,kind,name,year,source``, by year then date (a loadable CSV too)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(KEPT_HEADER)
    for d in sorted(days, key=lambda d: (d.notice, d.day)):
        writer.writerow([d.day.isoformat(), KIND_NAMES[d.workday], neutralise(d.name), d.notice, neutralise(d.source)])
    return buf.getvalue()


def _kept_days(kept: Path) -> list[CalendarDay]:
    try:
        data = kept.read_bytes()
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise InvalidInput(f"cannot read the working-day calendar {kept}: {exc.strerror or exc}") from None
    text, _ = decode(data, str(kept))
    return list(_parse(data, text, str(kept), False, "fix or remove the file", empty_ok=True).days)


def calendar_from(days: Sequence[CalendarDay]) -> WorkCalendar:
    return WorkCalendar({d.day: d.workday for d in days}, {d.notice for d in days})


def read_kept(kept: Path) -> WorkCalendar:
    """The working-day calendar with the kept years loaded (a missing file: none loaded)."""
    return calendar_from(_kept_days(Path(kept)))


class KeptCalendar:
    """The kept file's calendar, read again only when the file changed (its mtime, size or inode:
    every write replaces the file, so a new inode)."""

    def __init__(self, kept: Path):
        self.kept = Path(kept)
        self._key: tuple[int, int, int] | None | bool = False  # False: never read
        self._calendar = WorkCalendar()
        self._lock = threading.Lock()

    def _stat(self) -> tuple[int, int, int] | None:
        try:
            st = os.stat(self.kept)
        except FileNotFoundError:
            return None
        return st.st_mtime_ns, st.st_size, st.st_ino

    def current(self) -> WorkCalendar:
        key = self._stat()  # before reading: a write in between is seen on the next call
        with self._lock:
            if key != self._key:
                self._calendar = read_kept(self.kept) if key is not None else WorkCalendar()
                self._key = key
            return self._calendar


@contextmanager
def _locked(kept: Path) -> Iterator[None]:
    """One loader at a time per kept file (two at once would each drop the other's years)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows: no advisory lock
        yield
        return
    kept.parent.mkdir(parents=True, exist_ok=True)
    with open(kept.parent / f".{kept.name}.lock", "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _write_kept(kept: Path, text: str) -> None:
    def write(fh) -> None:
        fh.write(text.encode("utf-8"))
        fh.flush()
        os.fsync(fh.fileno())

    write_file(kept, write)
    try:  # the rename itself durable
        fd = os.open(kept.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - a platform without directory descriptors
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def load_calendar_file(path_in: Path, kept: Path) -> LoadedYears:
    """Merge the years of the file ``path_in`` into the kept file, replacing what was kept for them."""
    path_in, kept = Path(path_in), Path(kept)
    try:
        data = path_in.read_bytes()
    except FileNotFoundError:
        raise LoadError([Problem(Location(str(path_in)), "no such file")]) from None
    except OSError as exc:
        raise LoadError([Problem(Location(str(path_in)), f"cannot read: {exc.strerror or exc}")]) from None
    parsed = parse_calendar(data, str(path_in))
    new = [CalendarDay(d.day, d.workday, d.name, d.notice, path_in.name, d.at) for d in parsed.days]
    with _locked(kept):
        old = _kept_days(kept)
        loading = set(parsed.years)
        others = [d for d in old if d.notice not in loading]
        clash = {d.day: d for d in others}
        problems = [Problem(d.at or Location(str(path_in)),
                            f"{d.day} is a {KIND_NAMES[clash[d.day].workday]} in the kept arrangement of "
                            f"{clash[d.day].notice} (from {clash[d.day].source or kept}); this file makes it a "
                            f"{KIND_NAMES[d.workday]}")
                    for d in new if d.day in clash and clash[d.day].workday != d.workday]
        if problems:
            raise LoadError(problems, f"{len(problems)} error(s) in {path_in}; nothing was loaded")
        years = []
        for year in parsed.years:
            mine = [d for d in new if d.notice == year]
            before = [d for d in old if d.notice == year]
            status = "new" if not before else "unchanged" if sorted(before, key=lambda d: d.day) == mine else "replaced"
            years.append(YearLoaded(year, sum(not d.workday for d in mine), sum(d.workday for d in mine), status))
        changed = any(y.status != "unchanged" for y in years)
        if changed:
            unchanged = {y.year for y in years if y.status == "unchanged"}
            _write_kept(kept, calendar_csv([*others, *(d for d in old if d.notice in unchanged),
                                            *(d for d in new if d.notice not in unchanged)]))
    return LoadedYears(str(path_in), str(kept), tuple(years), changed)
