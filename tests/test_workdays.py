"""The official working-day calendar: deadlines in working days across real holiday arrangements,
loaded years, the kept file and ``biokg calendar``.

The expected answers are derived by hand from the State Council's notices (国务院办公厅关于…部分节假日
安排的通知), quoted in the comments; never computed from chinesecalendar or the holiday-cn files,
except in the one test that cross-checks those two independent sources against each other.
"""

from __future__ import annotations

import doctest
import json
import os
from datetime import date, timedelta
from pathlib import Path

import chinese_calendar
import pytest
from conftest import DATA
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import loaders.calendar_file
import ontology.workdays
from api.cli_calendar import calendar_app
from loaders.calendar_file import (
    CalendarDay,
    KeptCalendar,
    calendar_csv,
    load_calendar_file,
    parse_calendar,
    read_kept,
)
from ontology import InvalidInput, LoadError
from ontology.workdays import Due, WorkCalendar

HOLIDAY_CN = DATA / "holiday-cn"
CAL = WorkCalendar()
D = date


def due(start: date, n: int, calendar: WorkCalendar = CAL) -> date:
    return calendar.add_workdays(start, n).due


def test_doctests():
    for module in (ontology.workdays, loaders.calendar_file):
        assert doctest.testmod(module).failed == 0


# --- 2025, 国办发明电〔2024〕12号 (gov.cn 202411/content_6986383) -------------------------------------------
# 春节：1月28日（农历除夕、周二）至2月4日（农历正月初七、周二）放假调休，共8天。1月26日（周日）、2月8日（周六）上班。
# 国庆节、中秋节：10月1日（周三）至8日（周三）放假调休，共8天。9月28日（周日）、10月11日（周六）上班。

def test_2025_spring_festival():
    for day in (D(2025, 1, 28), D(2025, 1, 31), D(2025, 2, 3), D(2025, 2, 4)):  # Tue .. Tue, off
        assert CAL.is_workday(day) == (False, False)
    assert CAL.is_workday(D(2025, 1, 26)) == (True, False)  # Sunday, worked
    assert CAL.is_workday(D(2025, 2, 8)) == (True, False)  # Saturday, worked
    assert CAL.is_workday(D(2025, 2, 9)) == (False, False)  # an ordinary Sunday
    # escalated Friday 1/24: Sat 1/25 off, Sun 1/26 (1), Mon 1/27 (2), 1/28-2/4 off, Wed 2/5 (3), Thu 2/6 (4), Fri 2/7 (5)
    assert CAL.add_workdays(D(2025, 1, 24), 5) == Due(D(2025, 1, 24), 5, D(2025, 2, 7), False)
    assert due(D(2025, 1, 24), 1) == D(2025, 1, 26)  # the make-up Sunday is the first working day
    assert due(D(2025, 1, 27), 1) == D(2025, 2, 5)  # over the whole holiday
    assert due(D(2025, 2, 5), 3) == D(2025, 2, 8)  # Thu 2/6, Fri 2/7, Sat 2/8
    assert due(D(2025, 2, 5), 4) == D(2025, 2, 10)  # Sun 2/9 is off again: Mon 2/10
    assert CAL.workdays_between(D(2025, 1, 24), D(2025, 2, 9)) == (6, False)  # 1/26 1/27 2/5 2/6 2/7 2/8; 2/9 off


def test_2025_national_day_and_mid_autumn():
    for day in (D(2025, 10, 1), D(2025, 10, 4), D(2025, 10, 6), D(2025, 10, 8)):  # Wed .. Wed, off
        assert CAL.is_workday(day) == (False, False)
    assert CAL.is_workday(D(2025, 9, 28)) == (True, False)  # Sunday, worked
    assert CAL.is_workday(D(2025, 10, 11)) == (True, False)  # Saturday, worked
    # Fri 9/26: Sun 9/28 (1), Mon 9/29 (2), Tue 9/30 (3), 10/1-10/8 off, Thu 10/9 (4), Fri 10/10 (5)
    assert due(D(2025, 9, 26), 5) == D(2025, 10, 10)
    # Tue 9/30: Thu 10/9 (1), Fri 10/10 (2), Sat 10/11 (3), Sun 10/12 off, Mon 10/13 (4), Tue 10/14 (5)
    assert due(D(2025, 9, 30), 5) == D(2025, 10, 14)
    assert CAL.workdays_between(D(2025, 9, 30), D(2025, 10, 8)) == (0, False)


# --- 2026, 国办发明电〔2025〕7号 (gov.cn 202511/content_7047091); 1 January 2026 is a Thursday ---------------
# 元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
# 春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休，共9天。2月14日（周六）、2月28日（周六）上班。
# 劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班。
# 中秋节：9月25日（周五）至27日（周日）放假，共3天。
# 国庆节：10月1日（周四）至7日（周三）放假调休，共7天。9月20日（周日）、10月10日（周六）上班。

def test_2026_new_year_make_up_sunday():
    assert CAL.is_workday(D(2026, 1, 2)) == (False, False)  # Friday, off
    assert CAL.is_workday(D(2026, 1, 4)) == (True, False)  # Sunday, worked
    assert due(D(2025, 12, 31), 1) == D(2026, 1, 4)  # over the year boundary: Thu-Sat off, Sun worked


def test_2026_spring_festival():
    assert CAL.is_workday(D(2026, 2, 14)) == (True, False)  # Saturday, worked
    assert CAL.is_workday(D(2026, 2, 28)) == (True, False)  # Saturday, worked
    for day in (D(2026, 2, 15), D(2026, 2, 16), D(2026, 2, 20), D(2026, 2, 23)):  # Sun .. Mon, off
        assert CAL.is_workday(day) == (False, False)
    # Fri 2/13: Sat 2/14 (1), 2/15-2/23 off, Tue 2/24 (2), Wed 2/25 (3), Thu 2/26 (4), Fri 2/27 (5)
    assert due(D(2026, 2, 13), 5) == D(2026, 2, 27)
    # Thu 2/12: Fri 2/13 (1), Sat 2/14 (2), Tue 2/24 (3), Wed 2/25 (4), Thu 2/26 (5)
    assert due(D(2026, 2, 12), 5) == D(2026, 2, 26)
    assert due(D(2026, 2, 24), 4) == D(2026, 2, 28)  # Wed 2/25, Thu 2/26, Fri 2/27, Sat 2/28


def test_2026_may_day():
    for day in (D(2026, 5, 1), D(2026, 5, 4), D(2026, 5, 5)):  # Fri, Mon, Tue: off
        assert CAL.is_workday(day) == (False, False)
    assert CAL.is_workday(D(2026, 5, 9)) == (True, False)  # Saturday, worked
    # Thu 4/30: Wed 5/6 (1), Thu 5/7 (2), Fri 5/8 (3), Sat 5/9 (4), Sun 5/10 off, Mon 5/11 (5)
    assert due(D(2026, 4, 30), 5) == D(2026, 5, 11)


def test_2026_mid_autumn_and_national_day():
    assert CAL.is_workday(D(2026, 9, 20)) == (True, False)  # Sunday, worked (for National Day)
    assert CAL.is_workday(D(2026, 9, 25)) == (False, False)  # Friday, Mid-Autumn
    assert CAL.is_workday(D(2026, 10, 7)) == (False, False)  # Wednesday, National Day
    assert CAL.is_workday(D(2026, 10, 10)) == (True, False)  # Saturday, worked
    # Fri 9/18: Sun 9/20 (1), Mon 9/21 (2), Tue 9/22 (3), Wed 9/23 (4), Thu 9/24 (5)
    assert due(D(2026, 9, 18), 5) == D(2026, 9, 24)
    # Thu 9/24: 9/25-9/27 off, Mon 9/28 (1), Tue 9/29 (2), Wed 9/30 (3), 10/1-10/7 off, Thu 10/8 (4), Fri 10/9 (5)
    assert due(D(2026, 9, 24), 5) == D(2026, 10, 9)
    assert due(D(2026, 9, 30), 3) == D(2026, 10, 10)  # Thu 10/8, Fri 10/9, Sat 10/10
    # after Fri 9/18 up to Sat 10/10: Sun 9/20, Mon-Thu 9/21-9/24, Mon-Wed 9/28-9/30, Thu-Sat 10/8-10/10
    assert CAL.workdays_between(D(2026, 9, 18), D(2026, 10, 10)) == (11, False)


# --- beyond the data ---------------------------------------------------------------------------------------

# a hypothetical 2027 arrangement (the real one is not published yet): Fri 1/1 and Mon 1/4 off, Sat 1/9 worked
HYPOTHETICAL_2027 = "date,kind,name\n2027-01-01,休,元旦\n2027-01-04,休,元旦\n2027-01-09,班,元旦\n"


def test_a_deadline_into_a_year_without_data_is_provisional_then_official_once_loaded(tmp_path):
    assert not CAL.known(2027) and CAL.known(2026) and CAL.known(2004) and not CAL.known(2003)
    # Mon 2026-12-28 (1 Jan 2026 is a Thursday, so is 31 Dec): Tue 12/29 (1), Wed 12/30 (2), Thu 12/31 (3),
    # then 2027 by weekends only: Fri 1/1 (4), Mon 1/4 (5)
    assert CAL.add_workdays(D(2026, 12, 28), 5) == Due(D(2026, 12, 28), 5, D(2027, 1, 4), True)
    assert CAL.add_workdays(D(2026, 12, 28), 3) == Due(D(2026, 12, 28), 3, D(2026, 12, 31), False)
    assert CAL.is_workday(D(2027, 1, 1)) == (True, True)
    assert CAL.workdays_between(D(2026, 12, 28), D(2027, 1, 4)) == (5, True)
    assert CAL.unknown_years(D(2026, 12, 28), D(2027, 1, 4)) == [2027]
    assert CAL.unknown_years(D(2026, 12, 31), D(2026, 12, 31)) == []

    source, kept = tmp_path / "2027.csv", tmp_path / "kept.csv"
    source.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    report = load_calendar_file(source, kept)
    assert [(y.year, y.holidays, y.workdays, y.status) for y in report.years] == [(2027, 2, 1, "new")] and report.changed
    loaded = read_kept(kept)
    assert loaded.known(2027) and (2027, "loaded") in loaded.years() and (2026, "chinesecalendar") in loaded.years()
    # Tue 12/29 (1), Wed 12/30 (2), Thu 12/31 (3), Fri 1/1 off, Mon 1/4 off, Tue 1/5 (4), Wed 1/6 (5)
    assert loaded.add_workdays(D(2026, 12, 28), 5) == Due(D(2026, 12, 28), 5, D(2027, 1, 6), False)
    assert due(D(2027, 1, 7), 2, loaded) == D(2027, 1, 9)  # Fri 1/8, the make-up Sat 1/9
    assert loaded.is_workday(D(2027, 3, 1)) == (True, False)  # a day not listed in a loaded year: known, Monday
    assert loaded.is_workday(D(2027, 3, 6)) == (False, False)  # Saturday
    assert loaded.add_workdays(D(2027, 12, 30), 2) == Due(D(2027, 12, 30), 2, D(2028, 1, 3), True)  # Fri, Mon 2028


def test_loaded_years_override_the_package():
    # a loaded 2025 with nothing listed is "no holidays at all", not chinesecalendar's 2025
    bare = WorkCalendar({}, [2025])
    assert bare.is_workday(D(2025, 1, 28)) == (True, False) and (2025, "loaded") in bare.years()
    # a single day listed for an unloaded year (a notice listing a day of the year before) overrides that day only
    edge = WorkCalendar({D(2026, 12, 31): False}, [2027])
    assert edge.is_workday(D(2026, 12, 31)) == (False, False)
    assert edge.is_workday(D(2026, 2, 14)) == (True, False)  # the rest of 2026 is still the package's
    assert (2026, "chinesecalendar") in edge.years()


def test_days_must_be_sane():
    for bad in (-1, 3651, 10**9):
        with pytest.raises(InvalidInput, match="^days: "):
            CAL.add_workdays(D(2025, 1, 1), bad)
    with pytest.raises(InvalidInput, match="^days: "):
        CAL.add_workdays(D(2025, 1, 1), 2.5)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="^days: .*beyond"):
        CAL.add_workdays(D(9999, 12, 20), 30)
    assert CAL.add_workdays(D(2025, 1, 28), 0) == Due(D(2025, 1, 28), 0, D(2025, 1, 28), False)
    assert CAL.add_workdays(D(2025, 1, 1), 3650).due.year == 2039  # the longest allowed
    assert CAL.workdays_between(D(2025, 2, 7), D(2025, 1, 24)) == (0, False)
    assert CAL.workdays_between(D(2030, 2, 7), D(2030, 2, 7)) == (0, False)


def test_package_years_are_read_from_the_package():
    years = [y for y, source in CAL.years() if source == "chinesecalendar"]
    assert years == sorted({d.year for d in chinese_calendar.holidays}) and years[0] == 2004 and 2026 in years


# --- the holiday-cn files and the kept file ----------------------------------------------------------------

def test_holiday_cn_2025_reproduces_chinesecalendar_for_every_day(tmp_path):
    kept = tmp_path / "calendar.csv"
    report = load_calendar_file(HOLIDAY_CN / "2025.json", kept)
    # the notice: 元旦 1, 春节 8 (+2 make-up), 清明 3, 劳动节 5 (+1), 端午 3, 国庆中秋 8 (+2) = 28 off, 5 worked
    assert [(y.year, y.holidays, y.workdays, y.status) for y in report.years] == [(2025, 28, 5, "new")]
    calendar = read_kept(kept)
    assert calendar.years()[-2:] == [(2025, "loaded"), (2026, "chinesecalendar")]
    day = D(2025, 1, 1)
    while day.year == 2025:  # two independent sources: the holiday-cn scrape and the chinesecalendar package
        assert calendar.is_workday(day) == (chinese_calendar.is_workday(day), False), day
        day += timedelta(days=1)


def test_the_empty_2027_placeholder_is_refused(tmp_path):
    kept = tmp_path / "calendar.csv"
    with pytest.raises(LoadError) as caught:
        load_calendar_file(HOLIDAY_CN / "2027.json", kept)
    text = str(caught.value)
    assert "2027.json:6:13: the file lists no days: the working-day arrangement of 2027 is not in it" in text
    assert "nothing was loaded" in text and not kept.exists()
    with pytest.raises(LoadError, match="lists no days"):
        parse_calendar("date,kind\n", "empty.csv")


def test_csv_problems_are_located():
    bad = ("date,kind,name\n"
           "2027-01-01,休,元旦\n"
           "2027-02-30,holiday,x\n"  # line 3: no such day
           "2027-01-04,maybe,\n"  # line 4: kind in column 2
           "2027-01-01,班,\n"  # line 5: a Friday made a workday, and listed before as a holiday
           "2027年2月6日,假日,春节\n")  # fine
    with pytest.raises(LoadError) as caught:
        parse_calendar(bad, "calendar.csv")
    lines = str(caught.value).splitlines()
    assert lines[0] == "calendar.csv:3:1: '2027-02-30' is not a real date (day is out of range for month)"
    assert lines[1].startswith("calendar.csv:4:2: kind 'maybe' is neither holiday")
    assert any(line.startswith("calendar.csv:5:1: 2027-01-01 is listed twice with different kinds: holiday at "
                               "line 2, workday here") for line in lines)
    assert any(line.startswith("calendar.csv:5:1: 2027-01-01 is a Friday, a working day anyway") for line in lines)
    assert lines[-1] == "4 error(s) in calendar.csv; nothing was loaded"
    with pytest.raises(LoadError) as header:
        parse_calendar("date,knd\n2027-01-01,休\n", "calendar.csv")
    assert str(header.value).splitlines()[:2] == [
        "calendar.csv:1: no kind column: the header must be date,kind (and optionally name)",
        "calendar.csv:1:2: unknown column 'knd' (the columns are date, kind and optionally name and year)"]
    # the same day twice with the same kind is harmless; 工作日 and 班 are workdays, on weekends
    same = parse_calendar("date,kind\n2027-01-01,休\n2027-01-01,holiday\n2027-01-09,工作日\n", "ok.csv")
    assert [(d.day, d.workday) for d in same.days] == [(D(2027, 1, 1), False), (D(2027, 1, 9), True)]


def test_json_problems_are_located():
    text = ('{"year": 2027,\n "days": [\n  {"date": "2027-01-01", "isOffDay": true},\n'
            '  {"name": "x", "isOffDay": true},\n  {"date": "2027-01-02", "isOffDay": "yes"}\n ]\n}')
    with pytest.raises(LoadError) as caught:
        parse_calendar(text, "bad.json")
    assert str(caught.value).splitlines()[:2] == [
        'bad.json:4:3: day 2 has no "date"',
        'bad.json:5:3: day 3 (2027-01-02): "isOffDay" must be true (a holiday off) or false (a make-up working day), '
        "not 'yes'"]
    with pytest.raises(LoadError, match=r"^broken.json:2:11: malformed JSON"):
        parse_calendar('{"year": 2027,\n "days": [,]}', "broken.json")


def test_reloading_is_idempotent_and_replaces_a_year(tmp_path):
    kept = tmp_path / "calendar.csv"
    load_calendar_file(HOLIDAY_CN / "2025.json", kept)
    load_calendar_file(HOLIDAY_CN / "2026.json", kept)
    before, stat = kept.read_bytes(), kept.stat()
    again = load_calendar_file(HOLIDAY_CN / "2025.json", kept)
    assert not again.changed and [y.status for y in again.years] == ["unchanged"]
    assert kept.read_bytes() == before and kept.stat().st_ino == stat.st_ino  # not even rewritten
    # a corrected 2026 replaces the kept 2026 whole and leaves 2025 as it was
    fixed = tmp_path / "2026.csv"
    fixed.write_text("date,kind\n2026-10-01,休\n", encoding="utf-8")
    report = load_calendar_file(fixed, kept)
    assert report.changed and [(y.year, y.holidays, y.workdays, y.status) for y in report.years] == [(2026, 1, 0,
                                                                                                      "replaced")]
    calendar = read_kept(kept)
    assert calendar.is_workday(D(2026, 10, 2)) == (True, False)  # no longer off: the kept 2026 is the new one
    assert calendar.is_workday(D(2025, 10, 2)) == (False, False)
    assert kept.read_text(encoding="utf-8").count(",2025,2025.json\n") == 33


def test_a_failed_load_leaves_the_kept_file_byte_identical(tmp_path, monkeypatch):
    kept = tmp_path / "calendar.csv"
    load_calendar_file(HOLIDAY_CN / "2025.json", kept)
    before = kept.read_bytes()
    bad = tmp_path / "bad.csv"
    bad.write_text("date,kind\n2026-01-01,休\n2026-13-01,班\n", encoding="utf-8")
    with pytest.raises(LoadError, match="bad.csv:3:1"):
        load_calendar_file(bad, kept)
    assert kept.read_bytes() == before
    # a crash at the rename: the old file stays whole, no temporary file is left behind
    good = tmp_path / "2026.json"
    good.write_bytes((HOLIDAY_CN / "2026.json").read_bytes())

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(InvalidInput, match="No space left"):
        load_calendar_file(good, kept)
    monkeypatch.undo()
    assert kept.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == [".calendar.csv.lock", "2026.json", "bad.csv",
                                                          "calendar.csv"]
    # a clash with another kept year's day is refused too
    clash = tmp_path / "2026x.csv"
    clash.write_text("date,kind,year\n2025-10-11,休,2026\n", encoding="utf-8")
    with pytest.raises(LoadError, match="2025-10-11 is a workday in the kept arrangement of 2025"):
        load_calendar_file(clash, kept)
    assert kept.read_bytes() == before


def test_kept_calendar_rereads_only_on_change(tmp_path):
    kept = tmp_path / "calendar.csv"
    cached = KeptCalendar(kept)
    first = cached.current()
    assert not first.known(2027) and cached.current() is first  # missing file: nothing loaded, read once
    source = tmp_path / "2027.csv"
    source.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    load_calendar_file(source, kept)
    second = cached.current()
    assert second.known(2027) and second is not first and cached.current() is second
    kept.unlink()
    assert not cached.current().known(2027)


# --- properties --------------------------------------------------------------------------------------------

DAYS = st.dates(D(2003, 6, 1), D(2030, 12, 31))
OFFICIAL = st.dates(D(2004, 1, 1), D(2026, 6, 30))


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(1, 400))
def test_due_is_a_working_day_and_between_inverts_it(start, n):
    result = CAL.add_workdays(start, n)
    assert result.due > start and CAL.is_workday(result.due)[0]
    assert CAL.workdays_between(start, result.due) == (n, result.provisional)
    assert CAL.workdays_between(start, result.due - timedelta(days=1))[0] == n - 1


@settings(max_examples=300, deadline=None)
@given(DAYS, st.integers(0, 200), st.integers(0, 200))
def test_adding_is_additive(start, a, b):
    assert due(start, a + b) == due(due(start, a), b)


@settings(max_examples=200, deadline=None)
@given(OFFICIAL, st.integers(0, 60))
def test_no_provisional_answer_within_the_official_years(start, n):
    result = CAL.add_workdays(start, n)
    assert result.due.year <= 2026 and not result.provisional
    assert CAL.workdays_between(start, result.due)[1] is False


NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Zl", "Zp", "Zs")), max_size=8)


@st.composite
def listed_days(draw):
    days = draw(st.sets(st.dates(D(2020, 1, 1), D(2030, 12, 31)), min_size=1, max_size=30))
    return [CalendarDay(d, d.weekday() >= 5 and draw(st.booleans()), draw(NAMES), d.year) for d in sorted(days)]


@settings(max_examples=200, deadline=None)
@given(listed_days())
def test_the_csv_round_trips(days):
    text = calendar_csv(days)
    assert list(parse_calendar(text, "round.csv").days) == days
    assert list(parse_calendar(text.encode("utf-8-sig"), "round.csv").days) == days  # as Excel saves it
    calendar = WorkCalendar({d.day: d.workday for d in days}, {d.year for d in days})
    for d in days:
        assert calendar.is_workday(d.day) == (d.workday, False)


# --- biokg calendar ----------------------------------------------------------------------------------------

def cli(tmp_path: Path, *args: str):
    env = {"BIOKG_CALENDAR_FILE": str(tmp_path / "kept.csv")}
    return CliRunner().invoke(calendar_app, list(args), env=env, catch_exceptions=False)


def test_cli_add_workdays(tmp_path):
    done = cli(tmp_path, "add-workdays", "2025/1/24", "5", "--json")
    assert done.exit_code == 0 and done.stderr == ""
    assert json.loads(done.stdout) == {"start": "2025-01-24", "days": 5, "due": "2025-02-07", "provisional": False}
    text = cli(tmp_path, "add-workdays", "2025-01-24", "5")
    assert text.stdout.strip().splitlines() == ["2025-02-07 (Fri): 5 working day(s) after 2025-01-24"]

    ahead = cli(tmp_path, "add-workdays", "2026-12-28", "5", "--json")
    assert ahead.exit_code == 0
    assert json.loads(ahead.stdout) == {"start": "2026-12-28", "days": 5, "due": "2027-01-04", "provisional": True}
    assert ahead.stderr.strip() == ("warning: 2027 has no official working-day data; weekends only "
                                    "(load it with biokg calendar load FILE)")
    assert "(provisional)" in cli(tmp_path, "add-workdays", "2026-12-28", "5").stdout

    bad = cli(tmp_path, "add-workdays", "2025-02-30", "5")
    assert bad.exit_code == 2 and bad.stderr.strip().startswith("DATE: '2025-02-30' is not a real date")
    many = cli(tmp_path, "add-workdays", "2025-01-24", "4000", "--json")
    assert many.exit_code == 2 and json.loads(many.stdout)["error"]["code"] == "invalid_input"
    assert json.loads(many.stdout)["error"]["message"].startswith("days: 4000")
    assert cli(tmp_path, "add-workdays", "2025-01-24", "five").stderr.startswith("days: 'five'")


def test_cli_load_and_years(tmp_path):
    source = tmp_path / "2027.csv"
    source.write_text(HYPOTHETICAL_2027, encoding="utf-8")
    loaded = cli(tmp_path, "load", str(source), "--json")
    assert loaded.exit_code == 0, loaded.output
    assert json.loads(loaded.stdout) == {"file": str(source), "kept": str(tmp_path / "kept.csv"), "changed": True,
                                         "years": [{"year": 2027, "holidays": 2, "workdays": 1, "status": "new"}]}
    again = cli(tmp_path, "load", str(source))
    assert again.stdout.splitlines() == ["2027: 2 day(s) off, 1 make-up working day(s) (unchanged)",
                                         f"unchanged: {tmp_path / 'kept.csv'} already held this"]

    now = cli(tmp_path, "add-workdays", "2026-12-28", "5", "--json")
    assert json.loads(now.stdout)["due"] == "2027-01-06" and now.stderr == ""

    years = json.loads(cli(tmp_path, "years", "--json").stdout)
    assert years[0] == {"year": 2004, "source": "chinesecalendar"} and years[-1] == {"year": 2027, "source": "loaded"}
    assert cli(tmp_path, "years").stdout.splitlines() == ["2004-2026  chinesecalendar", "2027  loaded",
                                                           "other years: weekends only (provisional)"]

    refused = cli(tmp_path, "load", str(HOLIDAY_CN / "2027.json"))
    assert refused.exit_code == 2 and "2027.json:6:13: the file lists no days" in refused.stderr
    missing = cli(tmp_path, "load", str(tmp_path / "nope.csv"), "--json")
    assert missing.exit_code == 2 and json.loads(missing.stdout)["error"]["details"][0]["message"] == "no such file"
