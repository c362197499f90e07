"""Reading the files of a mapping's sources: positions in JSON, CSV with and without header rows,
encodings, XLSX sheets, JSON records found by a path, JSON Lines."""

from __future__ import annotations

import io
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from loaders.mapping import jsonpos
from loaders.mapping.sources import rows_of
from loaders.mapping.spec import SourceSpec
from ontology import LoadError

# --- JSON with positions ------------------------------------------------------------------------------

_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-10**12, 10**12),
                     st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8))
_JSON = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=5), inner, max_size=4), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(_JSON, st.sampled_from([None, 0, 1, 2]), st.booleans())
def test_positional_json_decodes_like_the_json_module(value, indent, ascii_only):
    text = json.dumps(value, indent=indent, ensure_ascii=ascii_only)
    assert jsonpos.loads(text).plain() == json.loads(text)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.text(alphabet="abc中", min_size=1, max_size=4), _SCALARS, min_size=1, max_size=5),
       st.sampled_from([None, 2]))
def test_each_value_is_where_the_text_has_it(obj, indent):
    text = json.dumps({"records": [obj]}, indent=indent, ensure_ascii=False)
    lines = text.split("\n")
    for key, located in jsonpos.loads(text).value["records"].value[0].value.items():
        piece = json.dumps(obj[key], ensure_ascii=False)
        assert lines[located.line - 1][located.column - 1:].startswith(piece), (key, located)


@pytest.mark.parametrize(("text", "line", "column"), [
    ('{"a": [1, 2,]}', 1, 13), ('{\n  "a": tru\n}', 2, 8), ('[1]\n[2]', 2, 1), ('{"a" 1}', 1, 6),
])
def test_bad_json_is_located(text, line, column):
    with pytest.raises(jsonpos.JSONPositionError) as info:
        jsonpos.loads(text)
    assert (info.value.line, info.value.column) == (line, column)


# --- delimited text -------------------------------------------------------------------------------------

HEADERLESS = SourceSpec("trials", ("t.csv",), header=False, columns=("id", "text", "date"))


def test_headerless_csv_with_quoted_newlines_keeps_line_numbers():
    data = 'CTR1,"line one\nline two",2023-02-16\nCTR2,plain,2023-02-17\n\nCTR3,"a ""quoted"" word",\n'
    rows, columns = rows_of(HEADERLESS, data.encode(), "t.csv")
    assert columns == ["id", "text", "date"]
    assert [(r.line, r.values["id"]) for r in rows] == [(1, "CTR1"), (3, "CTR2"), (5, "CTR3")]
    assert rows[0].values["text"] == "line one\nline two" and rows[2].values["text"] == 'a "quoted" word'
    assert rows[1].at("date").__str__() == "t.csv:3:3"


def test_a_row_longer_than_its_columns_is_located():
    with pytest.raises(LoadError) as info:
        rows_of(HEADERLESS, b"a,b,c\nd,e,f,g\n", "t.csv")
    assert str(info.value.problems[0]) == "t.csv:2:4: row has 4 cells but 3 columns are named"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030", "utf-16"])
def test_encodings_are_detected(encoding):
    spec = SourceSpec("s", ("s.csv",))
    rows, columns = rows_of(spec, "名称,省份\n复旦大学,上海\n".encode(encoding), "s.csv")
    assert columns == ["名称", "省份"] and rows[0].values == {"名称": "复旦大学", "省份": "上海"}


def test_a_declared_encoding_that_does_not_fit_is_located():
    spec = SourceSpec("s", ("s.csv",), encoding="utf-8")
    with pytest.raises(LoadError) as info:
        rows_of(spec, b"a\n" + "复旦".encode("gb18030"), "s.csv")
    assert str(info.value.problems[0]).startswith("s.csv:2:1: cannot decode byte 0x")


def test_tsv_and_duplicate_headers():
    rows, _ = rows_of(SourceSpec("s", ("s.tsv",)), b"a\tb\n1\t2\n", "s.tsv")
    assert rows[0].values == {"a": "1", "b": "2"}
    with pytest.raises(LoadError, match="s.csv:1:3: column 'a' appears twice"):
        rows_of(SourceSpec("s", ("s.csv",)), b"a,b,a\n1,2,3\n", "s.csv")


def test_xlsx_sheets_by_name_or_first():
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    first.title = "股票"
    first.append(["股票代码", "公司简称"])
    first.append(["688180.SH", "君实生物-U"])
    other = book.create_sheet("other")
    other.append(["x"])
    other.append([1.0])
    buf = io.BytesIO()
    book.save(buf)
    rows, columns = rows_of(SourceSpec("sw", ("b.xlsx",)), buf.getvalue(), "b.xlsx")
    assert columns == ["股票代码", "公司简称"] and rows[0].values["公司简称"] == "君实生物-U"
    assert str(rows[0].at("公司简称")) == "b.xlsx[股票]:2:2"
    rows, _ = rows_of(SourceSpec("sw", ("b.xlsx",), sheet="other"), buf.getvalue(), "b.xlsx")
    assert rows[0].values == {"x": "1"}
    with pytest.raises(LoadError, match="no sheet 'nope'"):
        rows_of(SourceSpec("sw", ("b.xlsx",), sheet="nope"), buf.getvalue(), "b.xlsx")


# --- JSON records -----------------------------------------------------------------------------------------

UNIVERSITIES = '{\n  "上海": {"all": ["复旦大学", "同济大学"]},\n  "北京": {"all": ["北京大学"]}\n}'
LOCATIONS = '{"复旦大学": [31.301868, 121.510766], "北京大学": [39.998877, 116.316833]}'


def test_records_by_path_capture_keys_and_items():
    spec = SourceSpec("u", ("u.json",), records="{province}.all[*]")
    rows, _ = rows_of(spec, UNIVERSITIES.encode(), "u.json")
    assert [(r.values["province"], r.values["value"], r.line) for r in rows] == [
        ("上海", "复旦大学", 2), ("上海", "同济大学", 2), ("北京", "北京大学", 3)]
    assert str(rows[1].at("value")) == "u.json:2:26"  # the quote that opens "同济大学"


def test_a_list_leaf_gives_numbered_columns():
    rows, _ = rows_of(SourceSpec("l", ("l.json",), records="{name}"), LOCATIONS.encode(), "l.json")
    assert rows[0].values == {"value": [31.301868, 121.510766], "0": 31.301868, "1": 121.510766, "name": "复旦大学"}


def test_json_lines_and_a_top_level_array():
    text = '{"code": "S1", "zh": "甲"}\n\n{"code": "S2", "zh": "乙", "x": {"y": 1}}\n'
    rows, columns = rows_of(SourceSpec("n", ("n.jsonl",)), text.encode(), "n.jsonl")
    assert [(r.line, r.values["code"]) for r in rows] == [(1, "S1"), (3, "S2")]
    assert rows[1].values["x.y"] == 1 and columns == ["code", "zh", "x.y"]
    rows, _ = rows_of(SourceSpec("a", ("a.json",)), b'[{"a": 1}, {"a": 2}]', "a.json")
    assert [r.values["a"] for r in rows] == [1, 2]
    with pytest.raises(LoadError, match="n.jsonl:2:9: not valid JSON"):
        rows_of(SourceSpec("n", ("n.jsonl",)), b'{"a": 1}\n{"a": 1,}\n', "n.jsonl")
