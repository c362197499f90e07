"""The steps of mapping expressions: what each does to a value, item by item on lists.

Each step is built from its TOML argument once (``STEPS[name](arg, path)``, raising ``SpecError``
for a bad argument) and then applied to values; a value is ``None`` (empty), text, a list of texts,
or a TOML literal.  A step that meets a value it cannot handle raises ``EvalError``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from ontology.dates import parse_date

Value = Any  # None | str | list[str] | bool | int | float
Path = tuple[str | int, ...]
Tables = Mapping[str, Mapping[str, Any]]


class SpecError(Exception):
    """A mistake in a mapping file, at ``path`` (keys and indexes from the document root)."""

    def __init__(self, path: Sequence[str | int], message: str):
        super().__init__(message)
        self.path, self.message = tuple(path), message


class EvalError(Exception):
    """A value that a step cannot handle (an unmapped value, a date it cannot read)."""


def text_of(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def clean(value: Value) -> Value:
    """Strip text, drop empties; a list keeps its non-empty items (None when none is left)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, list):
        items = [c for v in value if (c := clean(v)) is not None]
        flat = [x for item in items for x in (item if isinstance(item, list) else [item])]
        return flat or None
    return value


def _each(fn: Callable[[str], Value]) -> Callable[[Value], Value]:
    """Lift a function of one text to values: item by item on lists, literals made text."""

    def run(value: Value) -> Value:
        if value is None:
            return None
        if isinstance(value, list):
            return clean([fn(text_of(v)) for v in value])
        return clean(fn(text_of(value)))

    return run


def _strings(arg: Any, path: Path, what: str) -> tuple[str, ...]:
    items = [arg] if isinstance(arg, str) else arg
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise SpecError(path, f"{what} takes text or a list of texts, got {arg!r}")
    return tuple(items)


def compile_regex(arg: Any, path: Path) -> re.Pattern:
    if not isinstance(arg, str):
        raise SpecError(path, f"expected a regular expression, got {arg!r}")
    try:
        return re.compile(arg)
    except re.error as exc:
        raise SpecError(path, f"bad regular expression {arg!r}: {exc}") from None


def _step_split(arg: Any, path: Path) -> Callable[[Value], Value]:
    pattern = re.compile("|".join(map(re.escape, _strings(arg, path, "split"))))
    return _each(lambda s: pattern.split(s))


def _step_split_regex(arg: Any, path: Path) -> Callable[[Value], Value]:
    pattern = compile_regex(arg, path)
    return _each(lambda s: pattern.split(s))


def _step_strip_prefix(arg: Any, path: Path) -> Callable[[Value], Value]:
    options = sorted(_strings(arg, path, "strip_prefix"), key=len, reverse=True)
    return _each(lambda s: next((s[len(p):] for p in options if s.startswith(p) and len(s) > len(p)), s))


def _step_strip_suffix(arg: Any, path: Path) -> Callable[[Value], Value]:
    options = sorted(_strings(arg, path, "strip_suffix"), key=len, reverse=True)
    return _each(lambda s: next((s[: -len(p)] for p in options if s.endswith(p) and len(s) > len(p)), s))


def _step_replace(arg: Any, path: Path) -> Callable[[Value], Value]:
    if not isinstance(arg, dict) or not all(isinstance(v, str) for v in arg.values()):
        raise SpecError(path, f"replace takes a table of text -> text, got {arg!r}")
    pairs = list(arg.items())

    def run(s: str) -> str:
        for old, new in pairs:
            s = s.replace(old, new)
        return s

    return _each(run)


def _step_replace_regex(arg: Any, path: Path) -> Callable[[Value], Value]:
    if not isinstance(arg, list) or not all(isinstance(p, list) and len(p) == 2 for p in arg):
        raise SpecError(path, f"replace_regex takes a list of [pattern, replacement] pairs, got {arg!r}")
    pairs = [(compile_regex(p, (*path, i)), r) for i, (p, r) in enumerate(arg)]

    def run(s: str) -> str:
        for pattern, repl in pairs:
            s = pattern.sub(repl, s)
        return s

    return _each(run)


def _step_extract(arg: Any, path: Path) -> Callable[[Value], Value]:
    pattern = compile_regex(arg, path)

    def run(s: str) -> Value:
        m = pattern.search(s)
        return None if m is None else (m.group(1) if pattern.groups else m.group())

    return _each(run)


def _step_keep(arg: Any, path: Path) -> Callable[[Value], Value]:
    pattern = compile_regex(arg, path)
    return _each(lambda s: s if pattern.fullmatch(s) else None)


def _step_drop(arg: Any, path: Path) -> Callable[[Value], Value]:
    dropped = frozenset(_strings(arg, path, "drop"))
    return _each(lambda s: None if s in dropped else s)


def _step_drop_regex(arg: Any, path: Path) -> Callable[[Value], Value]:
    pattern = compile_regex(arg, path)
    return _each(lambda s: None if pattern.fullmatch(s) else s)


def _step_affix(where: str) -> Callable[[Any, Path], Callable[[Value], Value]]:
    def make(arg: Any, path: Path) -> Callable[[Value], Value]:
        if not isinstance(arg, str):
            raise SpecError(path, f"{where} takes text, got {arg!r}")
        return _each((lambda s: arg + s) if where == "prefix" else (lambda s: s + arg))

    return make


def _step_pick(arg: Any, path: Path) -> Callable[[Value], Value]:
    if isinstance(arg, bool) or not isinstance(arg, int) or arg == 0:
        raise SpecError(path, f"pick takes a position (1 = first, -1 = last), got {arg!r}")
    index = arg - 1 if arg > 0 else arg

    def run(value: Value) -> Value:
        items = value if isinstance(value, list) else ([] if value is None else [value])
        return items[index] if -len(items) <= index < len(items) else None

    return run


def _step_join(arg: Any, path: Path) -> Callable[[Value], Value]:
    if not isinstance(arg, str):
        raise SpecError(path, f"join takes a separator, got {arg!r}")
    return lambda value: clean(arg.join(map(text_of, value))) if isinstance(value, list) else value


def _step_flag(fn: Callable[[str], str], name: str) -> Callable[[Any, Path], Callable[[Value], Value]]:
    def make(arg: Any, path: Path) -> Callable[[Value], Value]:
        if arg is not True:
            raise SpecError(path, f"{name} takes true, got {arg!r}")
        return _each(fn)

    return make


def _step_date(arg: Any, path: Path) -> Callable[[Value], Value]:
    if arg is True:
        def auto(s: str) -> str:
            try:
                return parse_date(s)  # a time of day after the date is dropped
            except ValueError as exc:
                raise EvalError(str(exc)) from None

        return _each(auto)
    if not isinstance(arg, str):
        raise SpecError(path, f"date takes true or a strptime format such as '%Y%m%d', got {arg!r}")

    def formatted(s: str) -> str:
        try:
            return datetime.strptime(s, arg).date().isoformat()
        except ValueError:
            raise EvalError(f"{s!r} does not match the date format {arg!r}") from None

    return _each(formatted)


STEPS: dict[str, Callable[[Any, Path], Callable[[Value], Value]]] = {
    "split": _step_split,
    "split_regex": _step_split_regex,
    "strip_prefix": _step_strip_prefix,
    "strip_suffix": _step_strip_suffix,
    "replace": _step_replace,
    "replace_regex": _step_replace_regex,
    "extract": _step_extract,
    "keep": _step_keep,
    "drop": _step_drop,
    "drop_regex": _step_drop_regex,
    "prefix": _step_affix("prefix"),
    "suffix": _step_affix("suffix"),
    "pick": _step_pick,
    "join": _step_join,
    "nfkc": _step_flag(lambda s: unicodedata.normalize("NFKC", s), "nfkc"),
    "lower": _step_flag(str.lower, "lower"),
    "upper": _step_flag(str.upper, "upper"),
    "date": _step_date,
}
MAP_MISSING = ("error", "keep", "drop")


def map_step(arg: Any, missing: Any, path: Path, missing_path: Path, tables: Tables):
    if missing not in MAP_MISSING:
        raise SpecError(missing_path, f"missing must be one of {', '.join(MAP_MISSING)}, got {missing!r}")
    name = None
    if isinstance(arg, str):
        name = arg
        if arg not in tables:
            raise SpecError(path, f"no table {arg!r} (tables: {', '.join(sorted(tables)) or 'none'})")
    elif not isinstance(arg, dict):
        raise SpecError(path, f"map takes a table of values or the name of one, got {arg!r}")
    else:
        check_table(arg, path)
    table: Mapping[str, Any] = tables[arg] if name else arg

    def run(value: Value) -> Value:
        def one(s: str) -> Value:
            if s in table:
                return table[s]
            if missing == "keep":
                return s
            if missing == "drop":
                return None
            raise EvalError(f"{s!r} is not in the map{f' {name!r}' if name else ''}")

        return _each(one)(value)

    return run, name


def check_table(table: Any, path: Path) -> None:
    if not isinstance(table, dict) or not all(
            isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v))
            for v in table.values()):
        raise SpecError(path, "a table maps text to text or to a list of texts")
