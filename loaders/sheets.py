"""Writing tables for people and for machines: CSV (UTF-8, with a byte-order mark by default so that
Excel on Chinese Windows shows Chinese) and XLSX books, one sheet per table.

A table is ``(header, rows)``; a cell is text, a number, a boolean, a list or None.  The cores
return bytes or write to a binary file object; nothing here opens a path.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any, BinaryIO

from ontology import InvalidInput

Table = tuple[list[str], list[list[Any]]]  # header, rows
XLSX_ROWS = 1_048_576  # rows in a sheet, the header included
XLSX_CELL_CHARS = 32_767


def format_value(value: Any) -> str:
    """Cell text for a stored value (the inverse of the loader's parsers).

    >>> format_value(["抗体", "疫苗"]), format_value(True), format_value(31.2), format_value(None)
    ('抗体;疫苗', 'true', '31.2', '')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ";".join(format_value(v) for v in value)
    return str(value)


def csv_bytes(table: Table, bom: bool = False) -> bytes:
    """The table as CSV, UTF-8; ``bom``: starting with the byte-order mark Excel looks for.

    >>> csv_bytes((["id", "name"], [["a", "甲"]]), bom=True)[:3] == codecs.BOM_UTF8
    True
    """
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(table[0])
    writer.writerows([format_value(v) for v in row] for row in table[1])
    return (codecs.BOM_UTF8 if bom else b"") + buf.getvalue().encode("utf-8")


def check_fits_xlsx(tables: Mapping[str, Table]) -> None:
    """InvalidInput, before anything is written, when a table does not fit in a sheet."""
    for name, (_, rows) in tables.items():
        if len(rows) + 1 > XLSX_ROWS:
            raise InvalidInput(f"table {name} has {len(rows):,} rows; an XLSX sheet holds {XLSX_ROWS - 1:,} "
                               "(use --format csv)")
        for i, row in enumerate(rows, 2):
            for j, value in enumerate(row, 1):
                if isinstance(value, str | list | tuple) and len(text := format_value(value)) > XLSX_CELL_CHARS:
                    raise InvalidInput(f"{name}!{_column_letter(j)}{i}: a cell of {len(text):,} characters; an "
                                       f"XLSX cell holds {XLSX_CELL_CHARS:,} (use --format csv)")


def _column_letter(n: int) -> str:
    out = ""
    while n:
        n, r = divmod(n - 1, 26)
        out = chr(65 + r) + out
    return out


def write_xlsx(tables: Mapping[str, Table], out: BinaryIO, percent: Mapping[str, Sequence[str]] | None = None) -> None:
    """One sheet per table, named as the table, its header in bold and frozen; numbers stay numbers,
    lists are joined with ';'.  ``percent``: per table, the columns shown as percentages."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    check_fits_xlsx(tables)
    book = Workbook(write_only=True)
    bold = Font(bold=True)
    for name, (header, rows) in tables.items():
        sheet = book.create_sheet(title=name[:31])
        sheet.freeze_panes = "A2"
        head = []
        for h in header:
            cell = WriteOnlyCell(sheet, value=h)
            cell.font = bold
            head.append(cell)
        sheet.append(head)
        shown = {i for i, h in enumerate(header) if h in (percent or {}).get(name, ())}
        for i, row in enumerate(rows, 2):
            values = [v if isinstance(v, int | float) and not isinstance(v, bool) or v is None else format_value(v)
                      for v in row]
            try:
                if shown:
                    cells = []
                    for j, v in enumerate(values):
                        cell = WriteOnlyCell(sheet, value=v)
                        if j in shown:
                            cell.number_format = "0.0%"
                        cells.append(cell)
                    sheet.append(cells)
                else:
                    sheet.append(values)
            except IllegalCharacterError:
                raise InvalidInput(f"{name}: row {i} holds a control character that XLSX cannot store "
                                   "(use --format csv)") from None
    book.save(out)
