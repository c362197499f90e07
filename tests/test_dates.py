"""One date language: every spelling a person may type reads as the same date in a table cell, a
mapping's value, a command-line option and an API query parameter; Excel date cells and serial
numbers in .xlsx books too."""

from __future__ import annotations

import io
import json
import unicodedata
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from helpers import api_client, node
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from api.cli import app
from graph import EmbeddedStore
from loaders.load import load_tables
from loaders.mapping.records import typed
from loaders.tables import read_xlsx
from loaders.values import cell_parser
from ontology import EDGE_KINDS, InvalidInput
from ontology.dates import parse_day, read_date

DATE_PROP = EDGE_KINDS["TRACKS"].prop("date")
FULL_WIDTH = {c: chr(ord(c) + 0xFEE0) for c in "0123456789-/."}


def spellings(day: date) -> list[str]:
    """Every spelling the date language promises, written independently of the parser."""
    y, m, d = day.year, day.month, day.day
    return [day.isoformat(), f"{y}-{m}-{d}", f"{y}/{m}/{d}", f"{y}/{m:02d}/{d:02d}", f"{y}.{m}.{d}",
            f"{y}年{m}月{d}日", f"{y}年{m:02d}月{d:02d}号", f"{y}-{m:02d}-{d:02d}T09:30:00", f"{y}/{m}/{d} 23:59",
            f"{y}年{m}月{d}日 10:00"]


def dressed(text: str, full_width: bool, spaces: bool) -> str:
    if full_width:
        text = "".join(FULL_WIDTH.get(c, c) for c in text)
    return f"  {text.replace('年', ' 年 ')}\t" if spaces else text


days = st.dates(min_value=date(1900, 3, 1), max_value=date(2099, 12, 31))


@given(days, st.integers(0, 9), st.booleans(), st.booleans())
def test_every_spelling_is_the_same_date_in_cells_mappings_and_options(day, which, full_width, spaces):
    text = dressed(spellings(day)[which], full_width, spaces)
    assert unicodedata.normalize("NFKC", text) != text or not full_width
    assert cell_parser(DATE_PROP, False)(text) == day.isoformat()  # an interchange cell
    assert typed(DATE_PROP, text) == day.isoformat()  # a value through a mapping
    assert parse_day("--as-of", text) == day  # an option or a query parameter


@pytest.fixture(scope="module")
def empty_store(tmp_path_factory):
    path = tmp_path_factory.mktemp("dates") / "empty.sqlite"
    EmbeddedStore(path).close()
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(days, st.integers(0, 9), st.booleans())
def test_the_cli_and_the_api_read_as_of_the_same_way(empty_store, day, which, full_width):
    text = dressed(spellings(day)[which], full_width, False)
    got = CliRunner().invoke(app, ["coverage", "--store", str(empty_store), "--as-of", text, "--json"])
    assert got.exit_code == 0, got.output
    assert json.loads(got.stdout)["as_of"] == day.isoformat()
    with EmbeddedStore(empty_store) as store:
        answer = api_client(store).get("/api/v1/coverage", params={"as_of": text})
    assert answer.status_code == 200 and answer.json()["as_of"] == day.isoformat()


@pytest.mark.parametrize("bad", ["2024-02-30", "2024/13/1", "24-3-5", "2024年3月", "昨天", "45356", "2024-03-05x",
                                 "2024-3-5 24:99", "2024-03-0510:00"])
def test_what_is_not_a_date_is_refused_everywhere_with_the_value_named(bad, empty_store):
    with pytest.raises(ValueError):
        cell_parser(DATE_PROP, False)(bad)
    with pytest.raises(InvalidInput, match="--as-of: "):
        parse_day("--as-of", bad)
    got = CliRunner().invoke(app, ["coverage", "--store", str(empty_store), "--as-of", bad])
    assert got.exit_code == 2 and bad in got.output
    with EmbeddedStore(empty_store) as store:
        answer = api_client(store).get("/api/v1/coverage", params={"as_of": bad})
    assert answer.status_code == 400 and answer.json()["error"]["message"].startswith("as_of: ")


def _excel_serial(day: date) -> int:
    """Excel's 1900 system, from its definition: day 1 is 1900-01-01 and it counts a 1900-02-29."""
    serial = (day - date(1900, 1, 1)).days + 1
    return serial + 1 if day >= date(1900, 3, 1) else serial


@given(st.dates(min_value=date(1910, 1, 1), max_value=date(2099, 12, 31)))
def test_excel_serial_numbers_read_as_their_dates_in_spreadsheets_only(day):
    serial = _excel_serial(day)
    assert read_date(str(serial), excel=True) == day
    assert read_date(f"{serial}.75", excel=True) == day  # a time of day in the fraction
    assert cell_parser(DATE_PROP, False, excel=True)(str(serial)) == day.isoformat()
    with pytest.raises(ValueError):
        read_date(str(serial))  # typed into a CSV cell or an option, a number is no date


@pytest.mark.parametrize("number", ["2024", "3", "0", "1909"])
def test_a_year_or_a_count_in_a_spreadsheet_date_column_is_refused(number):
    with pytest.raises(ValueError, match="a year or a count"):
        read_date(number, excel=True)


def test_xlsx_date_cells_serials_and_text_load_as_the_same_date(tmp_path):
    """A service-record sheet whose dates are a real date cell, a date-time cell, a bare serial
    number (a cell formatted as a number) and text in each spelling."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "service_records"
    sheet.append(["id", "station", "target", "date", "type"])
    day = date(2024, 3, 5)
    values = [day, datetime(2024, 3, 5, 14, 30), 45356, 45356.6, *spellings(day)]
    for i, value in enumerate(values):
        sheet.append([f"sr:{i}", "station:s", "ent:e", value, "visit"])
    buf = io.BytesIO()
    book.save(buf)
    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.write([node("station:s", "Station", "站", type="station", scope="both"), node("ent:e", "Enterprise", "企业")])
    load_tables(store, read_xlsx(buf.getvalue(), "records.xlsx"))
    dates = {e.props["id"]: e.props["date"] for e in store.edges("TRACKS")}
    assert dates == {f"sr:{i}": "2024-03-05" for i in range(len(values))}
    store.close()


def test_the_window_is_counted_from_the_parsed_day():
    assert parse_day("as_of", "2024/3/5") - timedelta(days=180) == date(2023, 9, 7)
