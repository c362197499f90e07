"""Reading CSV (encodings, quoted newlines, line numbers) and XLSX, from BytesIO."""

from __future__ import annotations

import codecs
import csv
import io

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from loaders.tables import decode, read_csv, read_xlsx
from ontology import LoadError

TEXT = "id,name\npark:1,张江科学城（药谷）\n"


@pytest.mark.parametrize(("data", "encoding"), [
    (TEXT.encode("utf-8"), "utf-8"),
    (codecs.BOM_UTF8 + TEXT.encode("utf-8"), "utf-8-sig"),
    (TEXT.encode("gb18030"), "gb18030"),
    (codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), "utf-16"),
])
def test_encodings_are_detected(data, encoding):
    table = read_csv(io.BytesIO(data), "parks.csv")
    assert table.encoding == encoding
    assert table.header == ["id", "name"] and table.rows == [(2, ["park:1", "张江科学城（药谷）"])]


def test_undecodable_bytes_are_located():
    data = "id,name\npark:1,张江\n".encode() + b"park:2,\x81\xff\n"
    with pytest.raises(LoadError) as info:
        decode(data, "parks.csv")
    assert str(info.value.problems[0]).startswith("parks.csv:3:8: cannot decode byte 0x81")


def test_quoted_newlines_keep_line_numbers():
    data = 'id,station,target,date,type,note\nsr:1,s,t,2024-01-01,visit,"第一行\n第二行\n第三行"\nsr:2,s,t,2024-01-02,visit,ok\n'
    table = read_csv(data.encode(), "service_records.csv")
    assert [line for line, _ in table.rows] == [2, 5]
    assert table.rows[0][1][5] == "第一行\n第二行\n第三行"


def test_blank_rows_are_skipped_and_empty_files_refused():
    table = read_csv(b"id,name\n\n,\npark:1,A\n", "parks.csv")
    assert table.rows == [(4, ["park:1", "A"])]
    with pytest.raises(LoadError, match="header row is required"):
        read_csv(b"", "parks.csv")


def test_malformed_csv_is_located():
    with pytest.raises(LoadError) as info:
        read_csv(b'id,name\npark:1,"unterminated\n', "parks.csv")
    assert str(info.value.problems[0]).startswith("parks.csv:")


cell = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\x00"), max_size=12)


@given(st.lists(st.lists(cell, min_size=3, max_size=3), min_size=1, max_size=8))
def test_csv_round_trip_with_any_text(rows):
    rows = [r for r in rows if any(c.strip() for c in r)]
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\n").writerows([["a", "b", "c"], *rows])
    table = read_csv(buf.getvalue().encode("utf-8"), "t.csv")
    assert [cells for _, cells in table.rows] == rows


def test_xlsx_sheets_are_tables():
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "parks"
    sheet.append(["id", "name", "lat"])
    sheet.append(["park:1", "张江", 31.2])
    sheet.append([None, None, None])
    sheet.append(["park:2", "临港", 30])
    other = book.create_sheet("园区说明")
    other.append(["说明"])
    buf = io.BytesIO()
    book.save(buf)
    tables = read_xlsx(buf.getvalue(), "region.xlsx")
    assert [(t.name, t.source) for t in tables] == [("parks", "region.xlsx[parks]"), ("园区说明", "region.xlsx[园区说明]")]
    assert tables[0].rows == [(2, ["park:1", "张江", "31.2"]), (4, ["park:2", "临港", "30"])]
