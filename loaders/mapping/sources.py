"""Reading the files of a mapping's sources into rows: CSV/TSV (with or without a header row, any
encoding), XLSX sheets, JSON documents (records found by a path) and JSON Lines.

Every row keeps its file, its line and the 1-based position of each column (the field number in
CSV and XLSX, the character column in JSON), so a problem found later points at its cell.  The
cores (``rows_of``) take bytes; ``find_files`` is the only function here that looks at the disk.
"""

from __future__ import annotations

import csv
import fnmatch
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loaders.mapping import jsonpos
from loaders.mapping.spec import SourceSpec, suffix_format
from loaders.tables import cell_text, decode
from ontology import LoadError, Location, Problem

csv.field_size_limit(64 * 1024 * 1024)


@dataclass(slots=True)
class Row:
    values: dict[str, Any]
    file: str
    line: int
    cols: dict[str, int]  # column -> 1-based position of its cell
    excel: bool = False  # from a spreadsheet: a date may be a serial number

    def at(self, column: str | None) -> Location:
        return Location(self.file, self.line, self.cols.get(column, 0) if column else 0)


def find_files(spec: SourceSpec, data: list[Path]) -> list[Path]:
    """The files of ``spec`` among ``data`` (files, or folders searched recursively), sorted."""
    found: dict[Path, None] = {}
    for pattern in spec.files:
        hits = []
        for root in data:
            if root.is_dir():
                hits += [p for p in sorted(root.rglob("*")) if p.is_file() and _matches(p, root, pattern)]
            elif root.is_file() and fnmatch.fnmatch(root.name, Path(pattern).name):
                hits.append(root)
        if not hits:
            where = ", ".join(map(str, data)) or "(no data given)"
            raise LoadError([Problem(Location(str(data[0]) if data else "."),
                                     f"source {spec.name!r}: no file matches {pattern!r} in {where}")])
        found.update(dict.fromkeys(hits))
    return list(found)


def _matches(path: Path, root: Path, pattern: str) -> bool:
    relative = path.relative_to(root).as_posix()
    return fnmatch.fnmatch(relative, pattern) or ("/" not in pattern and fnmatch.fnmatch(path.name, pattern))


def _text(data: bytes, file: str, encoding: str) -> str:
    if encoding == "auto":
        return decode(data, file)[0]
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - (data.rfind(b"\n", 0, exc.start) + 1) + 1
        raise LoadError([Problem(Location(file, line, column),
                                 f"cannot decode byte 0x{data[exc.start]:02x} as {encoding}")]) from None


def rows_of(spec: SourceSpec, data: bytes, file: str) -> tuple[list[Row], list[str]]:
    """The rows of one file of ``spec`` and the columns it has."""
    fmt = spec.format or suffix_format(file) or "csv"
    if fmt in ("csv", "tsv"):
        delimiter = spec.delimiter or ("\t" if fmt == "tsv" else ",")
        return _delimited(spec, _text(data, file, spec.encoding), file, delimiter)
    if fmt == "xlsx":
        return _sheet(spec, data, file)
    if fmt == "json":
        return _json(spec, _text(data, file, spec.encoding), file)
    return _json_lines(spec, _text(data, file, spec.encoding), file)


def _name_columns(spec: SourceSpec, header: list[str] | None, file: str) -> list[str]:
    if header is None:
        return list(spec.columns)
    names = [h.strip() for h in header]
    seen: dict[str, int] = {}
    for i, n in enumerate(names, 1):
        if n and n in seen:
            raise LoadError([Problem(Location(file, 1, i), f"column {n!r} appears twice (first at column {seen[n]})")])
        seen[n] = i
    return names


def _delimited(spec: SourceSpec, text: str, file: str, delimiter: str) -> tuple[list[Row], list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    names: list[str] | None = None if spec.header else list(spec.columns)
    rows: list[Row] = []
    start = 1
    try:
        for cells in reader:
            if names is None:
                names = _name_columns(spec, cells, file)
            elif any(c.strip() for c in cells):
                rows.append(_row(names, cells, file, start))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise LoadError([Problem(Location(file, reader.line_num), f"malformed CSV: {exc}")]) from None
    if names is None:
        raise LoadError([Problem(Location(file, 1), "the file is empty; a header row is expected")])
    return rows, names


def _row(names: list[str], cells: list[Any], file: str, line: int, excel: bool = False) -> Row:
    if len(cells) > len(names) and any(str(c).strip() for c in cells[len(names):]):
        raise LoadError([Problem(Location(file, line, len(names) + 1),
                                 f"row has {len(cells)} cells but {len(names)} columns are named")])
    values = {n: c for n, c in zip(names, cells, strict=False) if n}
    cols = {n: i for i, n in enumerate(names, 1) if n}
    return Row(values, file, line, cols, excel)


def _sheet(spec: SourceSpec, data: bytes, file: str) -> tuple[list[Row], list[str]]:
    import openpyxl  # only XLSX sources pay for it

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a broken book
        raise LoadError([Problem(Location(file), f"not a readable XLSX file ({exc})")]) from None
    try:
        if spec.sheet is not None and spec.sheet not in book.sheetnames:
            sheets = ", ".join(book.sheetnames)
            raise LoadError([Problem(Location(file), f"no sheet {spec.sheet!r} (sheets: {sheets})")])
        sheet = book[spec.sheet] if spec.sheet else book.worksheets[0]
        where = f"{file}[{sheet.title}]"
        names: list[str] | None = None if spec.header else list(spec.columns)
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [cell_text(v) for v in values]
            if not any(c.strip() for c in cells):
                continue
            if names is None:
                names = _name_columns(spec, cells, where)
            else:
                rows.append(_row(names, cells, where, number, excel=True))
    finally:
        book.close()
    return rows, names or []


# --------------------------------------------------------------------------- JSON

_STEP = re.compile(r"\{([^{}]+)\}|\*|\[\*\]|[^.\[\]{}*]+")


def _record_path(records: str) -> list[str]:
    """``"{province}.all[*]"`` -> ["{province}", "all", "*"]."""
    steps = []
    for m in _STEP.finditer(records):
        token = m.group()
        steps.append("*" if token in ("*", "[*]") else token)
    return steps


def _walk(doc: jsonpos.Located, steps: list[str], captured: dict[str, Any]) -> Iterator[tuple[jsonpos.Located, dict]]:
    if not steps:
        yield doc, captured
        return
    step, rest = steps[0], steps[1:]
    value = doc.value
    if step == "*":
        children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else []
        for child in children:
            yield from _walk(child, rest, captured)
    elif step.startswith("{"):
        if isinstance(value, dict):
            for key, child in value.items():
                yield from _walk(child, rest, {**captured, step[1:-1]: key})
    elif isinstance(value, dict) and step in value:
        yield from _walk(value[step], rest, captured)


def _flatten(item: jsonpos.Located, prefix: str, values: dict, cols: dict) -> None:
    v = item.value
    if isinstance(v, dict):
        for key, child in v.items():
            _flatten(child, f"{prefix}{key}" if not prefix else f"{prefix}.{key}", values, cols)
        return
    name = prefix or "value"
    if isinstance(v, list):
        values[name] = [x.plain() if isinstance(x.value, (dict, list)) else x.value for x in v]
        cols[name] = item.column
        for i, child in enumerate(v):
            if not isinstance(child.value, (dict, list)):
                values[f"{prefix}.{i}" if prefix else str(i)] = child.value
                cols[f"{prefix}.{i}" if prefix else str(i)] = child.column
        return
    values[name] = v
    cols[name] = item.column


def _records(spec: SourceSpec, doc: jsonpos.Located, file: str, rows: list[Row]) -> None:
    steps = _record_path(spec.records)
    for item, captured in _walk(doc, steps, {}):
        if not steps and isinstance(item.value, list):  # no path: a top-level array holds the records
            for child in item.value:
                rows.append(_json_row(child, captured, file))
        else:
            rows.append(_json_row(item, captured, file))


def _json_row(item: jsonpos.Located, captured: dict, file: str) -> Row:
    values: dict[str, Any] = {}
    cols: dict[str, int] = {}
    _flatten(item, "", values, cols)
    for key, value in captured.items():
        values[key], cols[key] = value, 0
    return Row(values, file, item.line, cols)


def _parse(text: str, file: str, first_line: int = 1) -> jsonpos.Located:
    try:
        return jsonpos.loads(text, first_line)
    except jsonpos.JSONPositionError as exc:
        raise LoadError([Problem(Location(file, exc.line, exc.column), f"not valid JSON: {exc.message}")]) from None


def _json(spec: SourceSpec, text: str, file: str) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    _records(spec, _parse(text, file), file, rows)
    return rows, _columns(rows)


def _json_lines(spec: SourceSpec, text: str, file: str) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip():
            _records(spec, _parse(line, file, number), file, rows)
    return rows, _columns(rows)


def _columns(rows: list[Row]) -> list[str]:
    return list(dict.fromkeys(c for r in rows for c in r.values))
