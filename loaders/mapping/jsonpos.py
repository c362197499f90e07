"""JSON with positions: every value comes back as ``Located(value, line, column)`` (1-based).

The standard ``json`` module forgets where values were; a mapping that reads JSON must still
report ``file:line:column``.  Objects become dicts and arrays lists of ``Located`` values; strings,
numbers, booleans and null are decoded exactly as ``json.loads`` decodes them (a property test
holds the two together).
"""

from __future__ import annotations

import bisect
import json
import re
from dataclasses import dataclass
from typing import Any

_WS = re.compile(r"[ \t\n\r]*")
_STRING = re.compile(r'"(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"')
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_LITERALS = {"true": True, "false": False, "null": None}


@dataclass(frozen=True, slots=True)
class Located:
    value: Any  # dict[str, Located] | list[Located] | str | int | float | bool | None
    line: int
    column: int

    def plain(self) -> Any:
        """The value without positions (what ``json.loads`` gives)."""
        v = self.value
        if isinstance(v, dict):
            return {k: x.plain() for k, x in v.items()}
        if isinstance(v, list):
            return [x.plain() for x in v]
        return v


class JSONPositionError(ValueError):
    def __init__(self, message: str, line: int, column: int):
        super().__init__(f"{message} at line {line} column {column}")
        self.message, self.line, self.column = message, line, column


class _Parser:
    def __init__(self, text: str, first_line: int):
        self.text, self.offset = text, first_line - 1
        self.starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def where(self, pos: int) -> tuple[int, int]:
        line = bisect.bisect_right(self.starts, pos)
        return line + self.offset, pos - self.starts[line - 1] + 1

    def fail(self, message: str, pos: int) -> JSONPositionError:
        return JSONPositionError(message, *self.where(pos))

    def skip(self, pos: int) -> int:
        return _WS.match(self.text, pos).end()  # type: ignore[union-attr]

    def value(self, pos: int) -> tuple[Located, int]:
        pos = self.skip(pos)
        line, col = self.where(pos)
        c = self.text[pos:pos + 1]
        if c == "{":
            return self.obj(pos, line, col)
        if c == "[":
            return self.arr(pos, line, col)
        if c == '"':
            m = _STRING.match(self.text, pos)
            if not m:
                raise self.fail("bad string", pos)
            return Located(json.loads(m.group()), line, col), m.end()
        m = _NUMBER.match(self.text, pos)
        if m and m.end() > pos:
            return Located(json.loads(m.group()), line, col), m.end()
        for word, v in _LITERALS.items():
            if self.text.startswith(word, pos):
                return Located(v, line, col), pos + len(word)
        raise self.fail("expected a JSON value", pos)

    def obj(self, pos: int, line: int, col: int) -> tuple[Located, int]:
        out: dict[str, Located] = {}
        pos = self.skip(pos + 1)
        if self.text.startswith("}", pos):
            return Located(out, line, col), pos + 1
        while True:
            pos = self.skip(pos)
            m = _STRING.match(self.text, pos)
            if not m:
                raise self.fail("expected a key", pos)
            key = json.loads(m.group())
            pos = self.skip(m.end())
            if not self.text.startswith(":", pos):
                raise self.fail("expected ':'", pos)
            out[key], pos = self.value(pos + 1)
            pos = self.skip(pos)
            if self.text.startswith(",", pos):
                pos += 1
            elif self.text.startswith("}", pos):
                return Located(out, line, col), pos + 1
            else:
                raise self.fail("expected ',' or '}'", pos)

    def arr(self, pos: int, line: int, col: int) -> tuple[Located, int]:
        out: list[Located] = []
        pos = self.skip(pos + 1)
        if self.text.startswith("]", pos):
            return Located(out, line, col), pos + 1
        while True:
            item, pos = self.value(pos)
            out.append(item)
            pos = self.skip(pos)
            if self.text.startswith(",", pos):
                pos += 1
            elif self.text.startswith("]", pos):
                return Located(out, line, col), pos + 1
            else:
                raise self.fail("expected ',' or ']'", pos)


def loads(text: str, first_line: int = 1) -> Located:
    """Parse one JSON document; positions count from ``first_line`` (for JSON Lines).

    >>> doc = loads('{"a": [1, {"b": "x"}]}')
    >>> doc.value["a"].value[1].value["b"]
    Located(value='x', line=1, column=17)
    """
    parser = _Parser(text, first_line)
    try:
        found, end = parser.value(0)
    except RecursionError:
        raise JSONPositionError("nested too deeply", first_line, 1) from None
    end = parser.skip(end)
    if end != len(text):
        raise parser.fail("extra data after the JSON value", end)
    return found
