"""The one date language of biokg: every date a person types — a table cell, a mapping's ``date``
step, a command-line option, an API query parameter — is read here.

Accepted, after folding full-width characters (``２０２４／３／５``) and dropping spaces around the
separators:
``2024-03-05``, ``2024-3-5``, ``2024/3/5``, ``2024.3.5``, ``2024年3月5日`` (or ``号``), each
optionally followed by a time of day (``2024-03-05T10:00``, ``2024/3/5 10:00:00``), which is
dropped.  Where the value is a spreadsheet cell (``excel=True``), an Excel serial number too
(``45356`` is 2024-03-05; the 1900 date system, as Excel on Windows writes it; days from 1910 on).

>>> read_date("2024年3月5日"), read_date(" ２０２４／３／５ "), read_date("45356", excel=True)
(datetime.date(2024, 3, 5), datetime.date(2024, 3, 5), datetime.date(2024, 3, 5))
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone

from ontology.errors import InvalidInput

SPELLINGS = "YYYY-MM-DD, YYYY/M/D, YYYY.M.D or YYYY年M月D日"
_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})-(\d{1,2})|/(\d{1,2})/(\d{1,2})|\.(\d{1,2})\.(\d{1,2})"
                   r"|年(\d{1,2})月(\d{1,2})[日号])")
_TIME = re.compile(r"(?:T|\s+|(?<=[日号]))(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
_LOOSE = re.compile(r"\s*([-/.:年月])\s*|\s+(?=[日号])")  # spaces around separators go; the one before a time stays
_SERIAL = re.compile(r"\d{1,7}(?:\.\d+)?")
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 61 is 1900-03-01: Excel counts a 1900-02-29 that never was
# serials before 1910 are refused: a cell of a date column holding 2024 (a year) or 3 (a count) is a
# mistake to report, not 1905-07-16 or 1900-01-03
_FIRST_SERIAL = (date(1910, 1, 1) - _EXCEL_EPOCH).days
_LAST_SERIAL = (date(9999, 12, 31) - _EXCEL_EPOCH).days


def read_date(raw: str, *, excel: bool = False) -> date:
    """The date ``raw`` spells, or ValueError saying why it is none."""
    if len(raw) == 10 and raw[4] == "-" and raw[7] == "-":
        try:
            return date.fromisoformat(raw)  # the common case, in C
        except ValueError:
            pass  # fall through for the full reading and its message
    text = _LOOSE.sub(r"\1", unicodedata.normalize("NFKC", raw).strip())
    m = _DATE.match(text)
    time = _TIME.fullmatch(text, m.end()) if m and m.end() < len(text) else None
    if m and (m.end() == len(text) or time):
        if time and (int(time.group(1)) > 23 or int(time.group(2)) > 59 or int(time.group(3) or 0) > 59):
            raise ValueError(f"{raw!r} is not a real time of day")
        y, mo, d = (int(g) for g in m.groups() if g is not None)
        try:
            return date(y, mo, d)
        except ValueError as exc:
            raise ValueError(f"{raw!r} is not a real date ({exc})") from None
    if excel and _SERIAL.fullmatch(text):
        serial = int(float(text))
        if _FIRST_SERIAL <= serial <= _LAST_SERIAL:
            return _EXCEL_EPOCH + timedelta(days=serial)
        raise ValueError(f"{raw!r} is no Excel date serial number of a day from 1910 on "
                         f"({_FIRST_SERIAL} to {_LAST_SERIAL}); a year or a count in a date column?")
    raise ValueError(f"{raw!r} is not a date (use {SPELLINGS})")


def parse_date(raw: str, *, excel: bool = False) -> str:
    """The ISO form of the date ``raw`` spells (what the store keeps).

    >>> parse_date("2024/3/5")
    '2024-03-05'
    """
    return read_date(raw, excel=excel).isoformat()


def parse_day(name: str, text: str | None) -> date | None:
    """A date given as an option or a query parameter called ``name``; InvalidInput naming it."""
    if text is None:
        return None
    try:
        return read_date(text)
    except ValueError as exc:
        raise InvalidInput(f"{name}: {exc}") from None


CHINA = timezone(timedelta(hours=8), "CST")  # China Standard Time: one zone, no summer time


def today() -> date:
    """The day it is in China (a station's day), whatever the server's own zone."""
    return datetime.now(CHINA).date()


def china_midnight_utc(day: date) -> str:
    """The UTC instant (ISO, seconds) at which ``day`` begins in China: where a day's audit entries start."""
    return datetime(day.year, day.month, day.day, tzinfo=CHINA).astimezone(UTC).isoformat()


def day_or_today(name: str, text: str | None) -> date:
    """An ``as_of`` option or parameter called ``name``: the day it spells, else today (in China)."""
    return parse_day(name, text) if text else today()  # type: ignore[return-value]
