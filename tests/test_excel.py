"""Excel, the analysts' tool: CSV for people carries a UTF-8 byte-order mark (``--no-bom`` for
machines), the store exports to one XLSX book that loads again, and the coverage report goes to
CSV files or an XLSX book."""

from __future__ import annotations

import codecs
import io

import openpyxl
import pytest
from test_coverage import AS_OF, D1
from test_load import REGION, tables
from typer.testing import CliRunner

from api.cli import app
from graph import EmbeddedStore
from loaders import sheets
from loaders.export import export_tables, write_xlsx_book
from loaders.load import load_paths, load_tables
from loaders.sheets import csv_bytes
from loaders.tables import read_xlsx
from ontology import InvalidInput
from queries.coverage import coverage


def run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def region_file(tmp_path):
    path = tmp_path / "region.sqlite"
    with EmbeddedStore(path) as s:
        load_tables(s, tables(REGION))
    return str(path)


def test_csv_for_people_starts_with_a_bom_and_machines_can_say_no(region_file, tmp_path):
    assert run("export", "--format", "csv", str(tmp_path / "people"), "--store", region_file).exit_code == 0
    assert run("export", "--format", "csv", "--no-bom", str(tmp_path / "machines"), "--store", region_file).exit_code == 0
    people = sorted((tmp_path / "people").iterdir())
    assert people and all(p.read_bytes().startswith(codecs.BOM_UTF8) for p in people)
    machines = sorted((tmp_path / "machines").iterdir())
    assert [p.name for p in machines] == [p.name for p in people]
    for a, b in zip(people, machines, strict=True):
        assert a.read_bytes() == codecs.BOM_UTF8 + b.read_bytes()
    # reading is unaffected: both folders load to the same graph
    with EmbeddedStore(tmp_path / "a.sqlite") as a, EmbeddedStore(tmp_path / "b.sqlite") as b:
        load_paths(a, [tmp_path / "people"])
        load_paths(b, [tmp_path / "machines"])
        assert export_tables(a) == export_tables(b)


def test_an_xlsx_export_loads_again_to_the_same_graph(store, tmp_path):
    load_tables(store, tables(REGION))
    buf = io.BytesIO()
    sheets_written = write_xlsx_book(store, buf)
    assert "enterprises" in sheets_written and "service_records" in sheets_written
    book = openpyxl.load_workbook(io.BytesIO(buf.getvalue()), read_only=True)
    assert book.sheetnames == sheets_written
    parks = [row for row in book["parks"].iter_rows(values_only=True)]
    assert parks[0][:2] == ("id", "name") and isinstance(parks[1][parks[0].index("lat")], float)  # numbers stay numbers
    with EmbeddedStore(tmp_path / "again.sqlite") as again:
        load_tables(again, read_xlsx(buf.getvalue(), "export.xlsx"))
        first = {name: csv_bytes(t) for name, t in export_tables(store).items()}
        assert {name: csv_bytes(t) for name, t in export_tables(again).items()} == first


def test_the_cli_writes_the_xlsx_export_and_loads_it(region_file, tmp_path):
    book = tmp_path / "out" / "region.xlsx"
    assert run("export", "--format", "xlsx", str(book), "--store", region_file).exit_code == 0
    fresh = str(tmp_path / "fresh.sqlite")
    assert run("load", str(book), "--store", fresh).exit_code == 0
    a = run("export", "--format", "csv", "--no-bom", str(tmp_path / "a"), "--store", region_file)
    b = run("export", "--format", "csv", "--no-bom", str(tmp_path / "b"), "--store", fresh)
    assert a.exit_code == b.exit_code == 0
    assert {p.name: p.read_bytes() for p in (tmp_path / "a").iterdir()} == {
        p.name: p.read_bytes() for p in (tmp_path / "b").iterdir()}
    assert [p.name for p in book.parent.iterdir()] == ["region.xlsx"]  # no temporary file left behind


def test_a_table_too_big_for_a_sheet_is_refused_before_anything_is_written(monkeypatch, tmp_path):
    monkeypatch.setattr(sheets, "XLSX_ROWS", 3)
    with pytest.raises(InvalidInput, match="table parks has 3 rows; an XLSX sheet holds 2"):
        sheets.check_fits_xlsx({"parks": (["id"], [["a"], ["b"], ["c"]])})


def test_coverage_as_an_xlsx_book(hand_file, tmp_path):
    """The hand region of test_coverage (expected figures derived there): one row per district, one
    per station, one per uncovered or untracked item, and the suggestions."""
    out = tmp_path / "coverage.xlsx"
    got = run("coverage", "--store", hand_file, "--as-of", AS_OF.isoformat(), "--suggest", "2", "--format", "xlsx",
              "--out", str(out))
    assert got.exit_code == 0, got.output
    book = openpyxl.load_workbook(out, read_only=True)
    assert book.sheetnames == ["districts", "stations", "uncovered", "suggestions"]
    rows = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    districts = {r[0]: dict(zip(rows["districts"][0], r, strict=True)) for r in rows["districts"][1:]}
    mh = districts[D1]
    assert (mh["name"], mh["enterprises_total"], mh["enterprises_covered"]) == ("闵行区", 6, 4)
    assert mh["enterprises_rate"] == pytest.approx(4 / 6) and mh["stations"] == "station:c;station:s1"
    uncovered = {(r[0], r[2], r[3], r[4]) for r in rows["uncovered"][1:]}
    assert {(d, i, n) for d, what, i, n in uncovered if what == "uncovered_enterprises" and d == D1} == {
        (D1, "ent:e10", "企业10"), (D1, "ent:e4", "企业4")}
    with EmbeddedStore(hand_file) as s:
        report = coverage(s, as_of=AS_OF)
    items = sum(len(getattr(d, k)) for d in report.districts
                for k in ("uncovered_parks", "uncovered_enterprises", "untracked_products", "untracked_projects"))
    assert len(rows["uncovered"]) - 1 == items
    assert [(r[0], r[1]) for r in rows["stations"][1:]] == [(1, "station:c"), (2, "station:s1"), (3, "station:s2")]
    assert [r[1] for r in rows["suggestions"][1:]] == ["park:p2", "park:p4"]


def test_coverage_as_csv_files_for_excel(hand_file, tmp_path):
    out = tmp_path / "coverage"
    got = run("coverage", "--store", hand_file, "--as-of", AS_OF.isoformat(), "--format", "csv", "--out", str(out))
    assert got.exit_code == 0, got.output
    assert sorted(p.name for p in out.iterdir()) == ["districts.csv", "stations.csv", "uncovered.csv"]
    text = (out / "districts.csv").read_bytes()
    assert text.startswith(codecs.BOM_UTF8) and "闵行区" in text.decode("utf-8-sig")
    bad = CliRunner().invoke(app, ["coverage", "--store", hand_file, "--format", "xlsx"])
    assert bad.exit_code == 2 and "--out" in bad.output


def test_an_output_of_the_wrong_sort_is_named(region_file, hand_file, tmp_path):
    folder = tmp_path / "a-folder"
    folder.mkdir()
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    runner = CliRunner()
    got = runner.invoke(app, ["export", "--format", "xlsx", str(folder), "--store", region_file])
    assert got.exit_code == 2 and "is a folder; name the file to write" in got.output
    got = runner.invoke(app, ["export", "--format", "csv", str(a_file), "--store", region_file])
    assert got.exit_code == 2 and "is a file" in got.output and a_file.read_text() == "x"
    got = runner.invoke(app, ["coverage", "--store", hand_file, "--format", "csv", "--out", str(a_file)])
    assert got.exit_code == 2 and "is a file" in got.output


def test_text_that_looks_like_a_formula_stays_text(tmp_path):
    """A name starting with "=" is written to the sheet as text, not as a formula (which Excel would
    run, and which would read back empty)."""
    store = EmbeddedStore(tmp_path / "s.sqlite")
    load_tables(store, tables({"parks": "id,name,district\npark:x,\"=HYPERLINK(\"\"http://x\"\",\"\"点我\"\")\",310112\n",
                               "districts": "id,name,code,type\ndistrict:310112,闵行区,310112,district\n"}))
    buf = io.BytesIO()
    write_xlsx_book(store, buf)
    sheet = openpyxl.load_workbook(io.BytesIO(buf.getvalue()))["parks"]
    assert sheet["B2"].value == '=HYPERLINK("http://x","点我")' and sheet["B2"].data_type == "s"
    again = EmbeddedStore(tmp_path / "again.sqlite")
    load_tables(again, read_xlsx(buf.getvalue(), "x.xlsx"))
    assert again.get("park:x").name == '=HYPERLINK("http://x","点我")'
    store.close()
    again.close()


def test_csv_output_is_the_folder_of_this_run_and_files_get_the_usual_mode(hand_file, tmp_path):
    import os
    import stat

    out = tmp_path / "coverage"
    assert run("coverage", "--store", hand_file, "--suggest", "2", "--format", "csv", "--out", str(out)).exit_code == 0
    assert (out / "suggestions.csv").exists()
    assert run("coverage", "--store", hand_file, "--format", "csv", "--out", str(out)).exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == ["districts.csv", "stations.csv", "uncovered.csv"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE((out / "districts.csv").stat().st_mode) == 0o666 & ~umask
    bad = CliRunner().invoke(app, ["coverage", "--store", hand_file, "--format", "csv", "--out",
                                   str(tmp_path / "coverage.csv")])
    assert bad.exit_code == 2 and "name a folder" in bad.output
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    blocked = CliRunner().invoke(app, ["coverage", "--store", hand_file, "--format", "xlsx", "--out",
                                       str(a_file / "c.xlsx")])  # its folder would be a file
    assert blocked.exit_code == 2 and blocked.output.startswith("cannot write") and "Traceback" not in blocked.output
