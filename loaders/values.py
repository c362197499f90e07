"""Parsers for cell text: each returns a typed value or raises ValueError with a readable reason."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from ontology import SCHEMA, Enumeration, Prop
from ontology.dates import parse_date

LIST_SEPARATORS = re.compile(r"[;；、]")
_TRUE = frozenset({"true", "是", "1", "yes", "y", "t", "有"})
_FALSE = frozenset({"false", "否", "0", "no", "n", "f", "无"})


def split_list(raw: str) -> list[str]:
    """Split a list cell on ; ； or 、, dropping blanks and repeats.

    >>> split_list("抗体；细胞治疗; 抗体、 ")
    ['抗体', '细胞治疗']
    """
    out: list[str] = []
    for part in LIST_SEPARATORS.split(raw):
        part = part.strip()
        if part and part not in out:
            out.append(part)
    return out


def parse_bool(raw: str) -> bool:
    text = raw.strip().casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{raw!r} is not a boolean (use true/false, 是/否 or 1/0)")


def parse_int(raw: str) -> int:
    try:
        return int(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not an integer") from None


def parse_float(raw: str) -> float:
    try:
        value = float(raw.strip())
    except ValueError:
        raise ValueError(f"{raw!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{raw!r} is not a finite number")
    return value


def enum_parser(enum: Enumeration) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        code = enum.parse(raw)
        if code is None:
            hint = enum.nearest(raw)
            suggestion = f"; did you mean {hint!r}?" if hint else ""
            raise ValueError(f"{raw!r} is not a valid {enum.en} (one of {', '.join(enum.codes)}){suggestion}")
        return code

    return parse


_SHARED: dict[str, Any] = {}
_SHARED_EXCEL: dict[str, Any] = {}


def _excel_date(raw: str) -> str:
    return parse_date(raw, excel=True)


_SCALARS: dict[str, Callable[[str], Any]] = {
    "str": str.strip,
    "int": parse_int,
    "float": parse_float,
    "bool": parse_bool,
    "date": parse_date,
}


def cell_parser(prop: Prop, multi: bool, excel: bool = False) -> Callable[[str], Any]:
    """A parser for one column filling ``prop``: type, enumeration and format checks included;
    list properties (and ``multi`` columns) split the cell on ; ； and 、.  ``excel``: the cells come
    from a spreadsheet (dates may be serial numbers)."""
    one = item_parser(prop, excel)
    if multi or prop.type.endswith("_list"):
        return lambda raw: [one(part) for part in split_list(raw)]
    return one


def item_parser(prop: Prop, excel: bool = False) -> Callable[[str], Any]:
    """A parser for one value of ``prop`` (one item of a list property); ``excel`` as for cell_parser."""
    item = enum_parser(SCHEMA.enums[prop.enum]) if prop.enum else _SCALARS[prop.type.removesuffix("_list")]
    if excel and prop.type == "date":
        item = _excel_date
    check = SCHEMA.formats.get(prop.fmt) if prop.fmt else None
    if prop.type == "float" and (prop.minimum is not None or prop.maximum is not None):
        lo, hi = prop.minimum, prop.maximum

        def ranged(raw: str) -> float:
            value = parse_float(raw)
            if (lo is not None and value < lo) or (hi is not None and value > hi):
                raise ValueError(f"{value} is outside {lo}..{hi}")
            return value

        item = ranged

    def one(raw: str) -> Any:
        value = item(raw)
        if check is not None:
            problem = check(value)
            if problem:
                raise ValueError(problem)
        return value

    if check is None and item is str.strip:
        one = str.strip  # plain text: nothing to check
    if prop.type == "date" or prop.fmt == "ipc":
        # dates and IPC symbols repeat across rows: while a load holds its parsed rows for
        # validation, keep one string of each, not one per cell (the store shares its own copies)
        checked, memo = one, _SHARED_EXCEL if excel else _SHARED

        def one(raw: str) -> Any:
            value = memo.get(raw)
            if value is None:
                value = memo[raw] = checked(raw)
            return value

    return one
