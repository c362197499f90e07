"""Reading tables: CSV/TSV bytes (UTF-8, UTF-8 with BOM, UTF-16, GB18030 — detected) and XLSX books.

The cores take bytes or binary file objects, so tests feed them ``BytesIO``; ``discover`` is the
only function here that touches the file system.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import BinaryIO

from loaders.sheets import unneutralise
from ontology import LoadError, Location, Problem

csv.field_size_limit(16 * 1024 * 1024)


@dataclass(frozen=True)
class RawTable:
    """Rows of one CSV file or XLSX sheet: ``rows`` are (line number, cells)."""

    name: str  # logical table name: file stem or sheet name
    source: str  # how locations name it: "data/parks.csv", "region.xlsx[parks]"
    header: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str = "utf-8"


def decode(data: bytes, source: str) -> tuple[str, str]:
    """Text and encoding name of a CSV file's bytes.

    UTF-8 is tried first (GB18030 would also "decode" most UTF-8 as mojibake), then GB18030.
    """
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise _decode_error(data, source, exc, name) from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise _decode_error(data, source, exc, "UTF-8 or GB18030") from None


def _decode_error(data: bytes, source: str, exc: UnicodeDecodeError, tried: str) -> LoadError:
    line = data.count(b"\n", 0, exc.start) + 1
    column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
    msg = f"cannot decode byte 0x{data[exc.start]:02x} as {tried}; save the file as UTF-8"
    return LoadError([Problem(Location(source, line, column), msg)])


def read_csv(data: bytes | BinaryIO, source: str, name: str | None = None, delimiter: str = ",") -> RawTable:
    """Parse CSV bytes into a RawTable; quoted newlines are kept and line numbers stay right.

    A cell that starts with the single quote our CSV writers put before text a spreadsheet would
    run as a formula (``'=1+1``, see ``loaders.sheets``) is read without that quote.
    """
    raw = data if isinstance(data, bytes) else data.read()
    text, encoding = decode(raw, source)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    header: list[str] | None = None
    rows: list[tuple[int, list[str]]] = []
    start = 1
    try:
        for cells in reader:
            if header is None:
                header = [unneutralise(c).strip() for c in cells]
            else:
                if any(c[:1] == "'" for c in cells):  # first undo the export's quote, then judge the row
                    cells = [unneutralise(c) for c in cells]
                if any(c.strip() for c in cells):
                    rows.append((start, cells))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LoadError([Problem(Location(source, reader.line_num), f"malformed CSV: {exc}")]) from None
    if header is None:
        raise LoadError([Problem(Location(source, 1), "the file is empty; a header row is required")])
    return RawTable(name or Path(source).stem, source, header, rows, encoding)


def cell_text(value: object) -> str:
    """The text of a spreadsheet cell (dates as ISO dates, whole floats without .0)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def read_xlsx(data: bytes | BinaryIO, source: str) -> list[RawTable]:
    """One RawTable per sheet of an XLSX book; line numbers are the sheet's row numbers."""
    import openpyxl  # imported here: only XLSX loads pay for it

    stream = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        book = openpyxl.load_workbook(stream, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken book
        raise LoadError([Problem(Location(source), f"not a readable XLSX file ({exc})")]) from None
    tables = []
    try:
        for sheet in book.worksheets:
            header: list[str] | None = None
            rows: list[tuple[int, list[str]]] = []
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
                cells = [cell_text(v) for v in values]
                if header is None:
                    if any(c.strip() for c in cells):
                        header = [c.strip() for c in cells]
                elif any(c.strip() for c in cells):
                    rows.append((number, cells))
            if header is not None:
                tables.append(RawTable(sheet.title, f"{source}[{sheet.title}]", header, rows, "xlsx"))
    finally:
        book.close()
    return tables


READERS = {".csv": ",", ".tsv": "\t"}  # suffix -> delimiter; .xlsx handled apart


def read_path(path: Path) -> list[RawTable]:
    """Tables in one file, chosen by suffix."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        with path.open("rb") as fh:
            return read_xlsx(fh, str(path))
    if suffix in READERS:
        return [read_csv(path.read_bytes(), str(path), path.stem, READERS[suffix])]
    raise LoadError([Problem(Location(str(path)), f"unsupported file type {suffix!r}; use .csv, .tsv or .xlsx")])


def discover(paths: list[Path]) -> Iterator[Path]:
    """Files to read: each file as given, and the tables inside each folder (sorted)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.iterdir()):
                if child.is_file() and (child.suffix.lower() in READERS or child.suffix.lower() == ".xlsx"):
                    yield child
        elif path.exists():
            yield path
        else:
            raise LoadError([Problem(Location(str(path)), "no such file or folder")])
