"""Where each key and array item of a TOML document is: ``path -> (line, column)``, 1-based.

``tomllib`` parses but forgets positions; mapping errors must say where they are.  This scanner
reads the same text for its structure only (tables, arrays of tables, dotted keys, inline tables,
arrays, strings and comments) and records the position of every key and every array item.  A path
is a tuple of keys and array indexes: ``("nodes", 2, "props", "lat")``.  ``nearest`` finds the
position of the longest recorded prefix of a path, so a problem deep inside a value is placed at
the key that holds it.  It assumes a document ``tomllib`` accepts.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Path = tuple[str | int, ...]
_BARE = re.compile(r"[A-Za-z0-9_-]+")


class _Scanner:
    def __init__(self, text: str):
        self.text, self.i, self.line, self.line_start = text, 0, 1, 0
        self.found: dict[Path, tuple[int, int]] = {}
        self.array_tables: dict[Path, int] = {}  # next index of each array of tables

    # ------------------------------------------------------------------ characters

    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.text[j] if j < len(self.text) else ""

    def advance(self, n: int = 1) -> None:
        for _ in range(n):
            if self.peek() == "\n":
                self.line, self.line_start = self.line + 1, self.i + 1
            self.i += 1

    def here(self) -> tuple[int, int]:
        return self.line, self.i - self.line_start + 1

    def skip_blank(self, newlines: bool) -> None:
        while self.i < len(self.text):
            c = self.peek()
            if c in " \t\r" or (newlines and c == "\n"):
                self.advance()
            elif c == "#":
                while self.i < len(self.text) and self.peek() != "\n":
                    self.advance()
            else:
                return

    # ------------------------------------------------------------------ tokens

    def string(self) -> str:
        quote = self.peek()
        if self.text.startswith(quote * 3, self.i):
            self.advance(3)
            end = self.text.index(quote * 3, self.i)
            while self.text.startswith(quote, end + 3):  # up to two quotes may close the content
                end += 1
            value = self.text[self.i:end]
            self.advance(end + 3 - self.i)
            return value
        self.advance()
        out = []
        while self.peek() != quote:
            if quote == '"' and self.peek() == "\\":
                out.append(self.peek(1))
                self.advance(2)
            else:
                out.append(self.peek())
                self.advance()
        self.advance()
        return "".join(out)

    def key(self) -> list[tuple[str, tuple[int, int]]]:
        """A dotted key: its parts with their positions."""
        parts = []
        while True:
            self.skip_blank(False)
            at = self.here()
            if self.peek() in "\"'":
                parts.append((self.string(), at))
            else:
                m = _BARE.match(self.text, self.i)
                if not m:
                    raise ValueError(f"line {self.line}: expected a key")
                parts.append((m.group(), at))
                self.advance(m.end() - self.i)
            self.skip_blank(False)
            if self.peek() != ".":
                return parts
            self.advance()

    def value(self, path: Path) -> None:
        self.skip_blank(False)
        c = self.peek()
        if c in "\"'":
            self.string()
        elif c == "[":
            self.advance()
            index = 0
            while True:
                self.skip_blank(True)
                if self.peek() == "]":
                    self.advance()
                    return
                self.found.setdefault((*path, index), self.here())
                self.value((*path, index))
                index += 1
                self.skip_blank(True)
                if self.peek() == ",":
                    self.advance()
        elif c == "{":
            self.advance()
            while True:
                self.skip_blank(False)
                if self.peek() == "}":
                    self.advance()
                    return
                self.pair(path)
                self.skip_blank(False)
                if self.peek() == ",":
                    self.advance()
        else:  # numbers, booleans, dates: up to the next separator
            while self.i < len(self.text) and self.peek() not in ",]}\n#":
                self.advance()

    def pair(self, table: Path) -> None:
        parts = self.key()
        path = table
        for name, at in parts:
            path = (*path, name)
            self.found.setdefault(path, at)
        self.skip_blank(False)
        self.advance()  # '='
        self.value(path)

    def header(self) -> Path:
        double = self.peek(1) == "["
        self.advance(2 if double else 1)
        parts = self.key()
        self.advance(2 if double else 1)
        path: Path = ()
        for n, (name, at) in enumerate(parts):
            path = (*path, name)
            if n < len(parts) - 1 and path in self.array_tables:  # inside the latest item of an array
                path = (*path, self.array_tables[path] - 1)
            self.found.setdefault(path, at)
        if double:
            index = self.array_tables.get(path, 0)
            self.array_tables[path] = index + 1
            self.found[(*path, index)] = parts[-1][1]
            path = (*path, index)
        return path

    def document(self) -> dict[Path, tuple[int, int]]:
        table: Path = ()
        while True:
            self.skip_blank(True)
            if self.i >= len(self.text):
                return self.found
            if self.peek() == "[":
                table = self.header()
            else:
                self.pair(table)


def locate(text: str) -> dict[Path, tuple[int, int]]:
    """Positions of the keys and array items of a TOML document.

    >>> spots = locate('[mapping]\\nname = "x"\\n\\n[[nodes]]\\nkind = "Park"\\nprops = { lat = "{y}" }\\n')
    >>> spots[("mapping", "name")], spots[("nodes", 0, "kind")], spots[("nodes", 0, "props", "lat")]
    ((2, 1), (5, 1), (6, 11))
    """
    return _Scanner(text).document()


def nearest(spots: dict[Path, tuple[int, int]], path: Sequence[str | int]) -> tuple[int, int]:
    """The position of the longest prefix of ``path`` that has one; (0, 0) when none has."""
    path = tuple(path)
    while path:
        if path in spots:
            return spots[path]
        path = path[:-1]
    return 0, 0
