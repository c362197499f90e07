"""Writing tables for people and for machines: CSV (UTF-8, with a byte-order mark by default so that
Excel on Chinese Windows shows Chinese) and XLSX books, one sheet per table.

A table is ``(header, rows)``; a cell is text, a number, a boolean, a list or None.  The cores
return bytes or write to a binary file object; ``write_file`` and ``write_csv_tables`` are the only
functions here that touch the file system, and they write a file whole or not at all.

Formula injection (OWASP "CSV injection"): a spreadsheet program runs a cell whose text starts with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula (``=cmd|' /C calc'!A0``).  Text
that would (``looks_like_formula``) is neutralised in everything written here:

* CSV: the cell text gets a leading single quote ``'`` (``neutralise``), the marker OWASP
  recommends; ``loaders.tables.read_csv`` removes exactly that quote again (``unneutralise``), so
  an interchange CSV loads back to the same values.  A ``+`` or ``-`` followed by a plain decimal
  number (``-1.5``, ``+3e2``) is a number, not a formula, and is left alone.  Text that already
  starts with quotes before a formula (``'=x``) gets one more, so that reading is exact.
* XLSX: such text is written as a text cell with the ``quotePrefix`` style, which is what Excel
  itself records when someone types ``'=...`` (ECMA-376 ``xf/@quotePrefix``): the cell value is
  the text unchanged (an XLSX book loads back without undoing anything) and Excel keeps it text,
  also when the cell is edited.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
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


_FORMULA_START = frozenset("=@\t\r")
_SIGNED_NUMBER = re.compile(r"[+-](?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def looks_like_formula(text: str) -> bool:
    """Whether a spreadsheet program would take ``text`` for a formula: it starts with ``=``, ``@``,
    a tab or a carriage return, or with ``+``/``-`` and is not just a signed decimal number.

    >>> [looks_like_formula(t) for t in ("=1+1", "@SUM(1)", "+1+1", "-1.5", "+86", "-", "a=b", "")]
    [True, True, True, False, False, True, False, False]
    """
    first = text[:1]
    return first in _FORMULA_START or (first in ("+", "-") and not _SIGNED_NUMBER.fullmatch(text))


def _needs_quote(text: str) -> bool:
    # quotes before a formula count too, so that unneutralise undoes neutralise exactly
    return looks_like_formula(text.lstrip("'"))


def neutralise(text: str) -> str:
    """CSV cell text that a spreadsheet program shows as text: a leading ``'`` where needed.

    >>> neutralise("=cmd|' /C calc'!A0"), neutralise("-1.5"), neutralise("'=x"), neutralise("it's")
    ("'=cmd|' /C calc'!A0", '-1.5', "''=x", "it's")
    """
    return "'" + text if _needs_quote(text) else text


def unneutralise(text: str) -> str:
    """The inverse of ``neutralise``: the one leading quote it adds is removed, nothing else.

    >>> unneutralise("'=1+1"), unneutralise("''=x"), unneutralise("'quoted'"), unneutralise("'-1")
    ('=1+1', "'=x", "'quoted'", "'-1")
    """
    return text[1:] if text[:1] == "'" and _needs_quote(text[1:]) else text


def csv_text(value: Any) -> str:
    """The CSV cell text of a value: ``format_value``, neutralised against formula injection."""
    return neutralise(format_value(value))


def _write_row_with_cr(buf: io.StringIO, cells: list[str]) -> None:
    """A row with a carriage return in a cell: csv quotes only the characters of its line
    terminator (here "\\n"), and a bare CR unquoted would end the row for every reader."""
    row = io.StringIO(newline="")
    csv.writer(row, lineterminator="\r\n").writerow(cells)
    buf.write(row.getvalue()[:-2] + "\n")


def csv_chunks(header: Sequence[str], rows: Iterable[Sequence[Any]], bom: bool = False,
               rows_per_chunk: int = 2_000) -> Iterator[bytes]:
    """The table as CSV, UTF-8, in pieces of ``rows_per_chunk`` rows (the first carries the header
    and, with ``bom``, the byte-order mark); ``rows`` is consumed lazily."""
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([neutralise(h) for h in header])
    prefix, pending = codecs.BOM_UTF8 if bom else b"", 0
    for row in rows:
        cells = [csv_text(v) for v in row]
        if any("\r" in c for c in cells):
            _write_row_with_cr(buf, cells)
        else:
            writer.writerow(cells)
        pending += 1
        if pending >= rows_per_chunk:
            yield prefix + buf.getvalue().encode("utf-8")
            prefix, pending = b"", 0
            buf.seek(0)
            buf.truncate()
    if prefix or buf.tell():
        yield prefix + buf.getvalue().encode("utf-8")


def csv_bytes(table: Table, bom: bool = False) -> bytes:
    """The table as CSV, UTF-8; ``bom``: starting with the byte-order mark Excel looks for.  Text
    that a spreadsheet would run as a formula is neutralised (see the module's docstring).

    >>> csv_bytes((["id", "name"], [["a", "甲"]]), bom=True)[:3] == codecs.BOM_UTF8
    True
    >>> csv_bytes((["id", "name"], [["a", "=1+1"], ["b", -1.5]]))
    b"id,name\\na,'=1+1\\nb,-1.5\\n"
    """
    return b"".join(csv_chunks(table[0], table[1], bom))


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


def write_xlsx(tables: Mapping[str, Table] | Iterable[tuple[str, Table]], out: BinaryIO,
               percent: Mapping[str, Sequence[str]] | None = None) -> None:
    """One sheet per table, named as the table, its header in bold and frozen; numbers stay numbers,
    lists are joined with ';'; text a spreadsheet would take for a formula is a text cell with
    Excel's ``quotePrefix``.  ``percent``: per table, the columns shown as percentages.

    ``tables`` may be a mapping or (name, table) pairs made one at a time (then only one table is
    held at once); each table is checked to fit a sheet before it is added, and nothing is
    written to ``out`` before all of them are (the book is saved at the end)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils.exceptions import IllegalCharacterError

    if isinstance(tables, Mapping):
        check_fits_xlsx(tables)
    book = Workbook(write_only=True)
    bold = Font(bold=True)

    def cell(sheet, value: Any, percent: bool = False) -> Any:
        c = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            c.data_type = "s"  # text that starts with "=" stays text, not a formula
            if looks_like_formula(value):
                c.quotePrefix = True  # and Excel keeps it text when the cell is edited
        if percent:
            c.number_format = "0.0%"
        return c

    for name, table in tables.items() if isinstance(tables, Mapping) else tables:
        if not isinstance(tables, Mapping):
            check_fits_xlsx({name: table})
        header, rows = table
        sheet = book.create_sheet(title=name[:31])
        sheet.freeze_panes = "A2"
        head = [cell(sheet, h) for h in header]
        for c in head:
            c.font = bold
        sheet.append(head)
        shown = {i for i, h in enumerate(header) if h in (percent or {}).get(name, ())}
        for i, row in enumerate(rows, 2):
            values = [v if isinstance(v, int | float) and not isinstance(v, bool) or v is None else format_value(v)
                      for v in row]
            # plain values are cheap to write; a cell object only where a value needs one
            cells = [cell(sheet, v, j in shown) if j in shown or (isinstance(v, str) and looks_like_formula(v))
                     else v for j, v in enumerate(values)]
            try:
                sheet.append(cells)
            except IllegalCharacterError:
                raise InvalidInput(f"{name}: row {i} holds a control character that XLSX cannot store "
                                   "(use --format csv)") from None
    book.save(out)


def write_file(path: Path, write: Callable[[BinaryIO], object]) -> None:
    """Write a file whole or not at all: into a temporary file beside it, then renamed over it, with
    the mode a new file gets (the umask's); a file-system error is InvalidInput naming the path."""
    if path.is_dir():
        raise InvalidInput(f"{path} is a folder; name the file to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    except OSError as exc:
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            write(fh)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise InvalidInput(f"cannot write {path}: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_csv_tables(tables: Mapping[str, Table], folder: Path, bom: bool, known: Sequence[str] = ()) -> list[Path]:
    """Each table as ``folder/NAME.csv``, each file whole; files of ``known`` tables that this call
    does not write are removed, so that the folder is this output and no earlier one."""
    if folder.exists() and not folder.is_dir():
        raise InvalidInput(f"{folder} is a file; csv output goes to a folder (one file per table)")
    if folder.suffix.lower() == ".csv":
        raise InvalidInput(f"{folder}: csv output is a folder of files (one per table); name a folder")
    written = []
    for name, table in tables.items():
        path = folder / f"{name}.csv"
        write_file(path, lambda fh, t=table: fh.write(csv_bytes(t, bom)))
        written.append(path)
    for name in known:
        if name not in tables:
            (folder / f"{name}.csv").unlink(missing_ok=True)
    return written
