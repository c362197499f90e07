"""Value expressions and conditions of mapping files: parsed once from TOML, evaluated per row.

A value is ``None`` (empty), text, a list of texts, or a TOML literal (number, boolean).  An
expression is a template (``"hospital:{hospital_name}"``, ``{$param}`` for a parameter), a literal,
a list of expressions, or a table with a base (``column``, ``template``, ``value``, ``first``)
followed by steps applied in the order they are written::

    { column = "sponsor", split = "/", strip_suffix = ["有限公司"], prefix = "org:" }

Steps work item by item on lists.  Conditions (``where`` of a rule, ``when`` of a value) test a
column or template: ``equals``, ``not_equals``, ``matches``, ``contains``, ``empty``; ``any``,
``all`` and ``not`` combine them.  Every parse error is a ``SpecError`` with the path of the key
that caused it, so ``mapping check`` can point at the line.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from loaders.values import parse_date

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


@dataclass(frozen=True)
class Context:
    """What expressions see besides the row: parameters and lookup tables."""

    params: Mapping[str, str]
    tables: Tables


# --------------------------------------------------------------------------- templates

_PLACEHOLDER = re.compile(r"\{\{|\}\}|\{([^{}]*)\}")


@dataclass(frozen=True)
class Template:
    """Text with ``{column}`` and ``{$param}`` placeholders (``{{`` and ``}}`` for braces)."""

    parts: tuple[tuple[str, str], ...]  # ("text", s) | ("column", name) | ("param", name)

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(v for k, v in self.parts if k == "column")

    @property
    def params(self) -> tuple[str, ...]:
        return tuple(v for k, v in self.parts if k == "param")

    def render(self, row: Mapping[str, Value], ctx: Context) -> Value:
        if len(self.parts) == 1 and self.parts[0][0] == "column":  # "{col}": the value itself, lists kept
            return _clean(row.get(self.parts[0][1]))
        out = []
        for kind, v in self.parts:
            if kind == "text":
                out.append(v)
                continue
            value = row.get(v) if kind == "column" else ctx.params.get(v)
            if isinstance(value, list):
                value = "、".join(map(str, value))
            out.append("" if value is None else _text(value).strip())  # cells often carry stray spaces
        return _clean("".join(out))


def parse_template(text: str, path: Path) -> Template:
    """``"org:{sponsor}"`` -> Template.

    >>> parse_template("a{b}{{c}}{$d}", ()).parts
    (('text', 'a'), ('column', 'b'), ('text', '{c}'), ('param', 'd'))
    """
    parts: list[tuple[str, str]] = []
    pos = 0
    for m in _PLACEHOLDER.finditer(text):
        if m.start() > pos:
            parts.append(("text", text[pos:m.start()]))
        if m.group() in ("{{", "}}"):
            parts.append(("text", m.group()[0]))
        else:
            name = m.group(1).strip()
            if not name:
                raise SpecError(path, f"empty placeholder {{}} in template {text!r}")
            parts.append(("param", name[1:]) if name.startswith("$") else ("column", name))
        pos = m.end()
    rest = text[pos:]
    if "{" in rest or "}" in rest:
        raise SpecError(path, f"unbalanced brace in template {text!r} (write {{{{ or }}}} for a brace)")
    if rest:
        parts.append(("text", rest))
    merged: list[tuple[str, str]] = []
    for kind, v in parts:  # "{{" splits text in two: join it back
        if merged and kind == "text" and merged[-1][0] == "text":
            merged[-1] = ("text", merged[-1][1] + v)
        else:
            merged.append((kind, v))
    return Template(tuple(merged))


def _text(value: Value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _clean(value: Value) -> Value:
    """Strip text, drop empties; a list keeps its non-empty items (None when none is left)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, list):
        items = [c for v in value if (c := _clean(v)) is not None]
        flat = [x for item in items for x in (item if isinstance(item, list) else [item])]
        return flat or None
    return value


# --------------------------------------------------------------------------- steps


def _each(fn: Callable[[str], Value]) -> Callable[[Value], Value]:
    """Lift a function of one text to values: item by item on lists, literals made text."""

    def run(value: Value) -> Value:
        if value is None:
            return None
        if isinstance(value, list):
            return _clean([fn(_text(v)) for v in value])
        return _clean(fn(_text(value)))

    return run


def _strings(arg: Any, path: Path, what: str) -> tuple[str, ...]:
    items = [arg] if isinstance(arg, str) else arg
    if not isinstance(items, list) or not items or not all(isinstance(x, str) for x in items):
        raise SpecError(path, f"{what} takes text or a list of texts, got {arg!r}")
    return tuple(items)


def _regex(arg: Any, path: Path) -> re.Pattern:
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
    pattern = _regex(arg, path)
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
    pairs = [(_regex(p, (*path, i)), r) for i, (p, r) in enumerate(arg)]

    def run(s: str) -> str:
        for pattern, repl in pairs:
            s = pattern.sub(repl, s)
        return s

    return _each(run)


def _step_extract(arg: Any, path: Path) -> Callable[[Value], Value]:
    pattern = _regex(arg, path)

    def run(s: str) -> Value:
        m = pattern.search(s)
        return None if m is None else (m.group(1) if pattern.groups else m.group())

    return _each(run)


def _step_keep(arg: Any, path: Path) -> Callable[[Value], Value]:
    pattern = _regex(arg, path)
    return _each(lambda s: s if pattern.fullmatch(s) else None)


def _step_drop(arg: Any, path: Path) -> Callable[[Value], Value]:
    dropped = frozenset(_strings(arg, path, "drop"))
    return _each(lambda s: None if s in dropped else s)


def _step_drop_regex(arg: Any, path: Path) -> Callable[[Value], Value]:
    pattern = _regex(arg, path)
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
    return lambda value: _clean(arg.join(map(_text, value))) if isinstance(value, list) else value


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
                return parse_date(s[:10] if re.match(r"\d{4}-\d{2}-\d{2}[T ]", s) else s)
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
BASES = ("column", "template", "value", "first")


# --------------------------------------------------------------------------- expressions


@dataclass(frozen=True)
class Expr:
    """A parsed value expression."""

    base: Callable[[Mapping[str, Value], Context], Value]
    steps: tuple[Callable[..., Value], ...] = ()
    columns: tuple[str, ...] = ()  # the columns it reads (first = the cell a problem points at)
    params: tuple[str, ...] = ()
    tables: tuple[str, ...] = ()
    default: Expr | None = None
    when: Condition | None = None
    literal: bool = False

    def __call__(self, row: Mapping[str, Value], ctx: Context) -> Value:
        if self.when is not None and not self.when(row, ctx):
            return None
        value = self.base(row, ctx)
        for step in self.steps:
            value = step(value)
            if value is None:
                break
        if value is None and self.default is not None:
            return self.default(row, ctx)
        return value


def parse_expr(raw: Any, path: Path, tables: Tables) -> Expr:
    """Parse one value expression from its TOML form (see the module doc)."""
    if isinstance(raw, str):
        t = parse_template(raw, path)
        return Expr(t.render, columns=t.columns, params=t.params)
    if isinstance(raw, (bool, int, float)):
        return Expr(lambda row, ctx, v=raw: v, literal=True)
    if isinstance(raw, list):
        items = [parse_expr(x, (*path, i), tables) for i, x in enumerate(raw)]

        def concat(row: Mapping[str, Value], ctx: Context) -> Value:
            return _clean([item(row, ctx) for item in items])

        return Expr(concat, columns=_union(i.columns for i in items), params=_union(i.params for i in items),
                    tables=_union(i.tables for i in items), literal=all(i.literal for i in items))
    if not isinstance(raw, dict):
        raise SpecError(path, f"expected text, a number, a list or a table, got {raw!r}")
    return _parse_table(raw, path, tables)


def _union(groups) -> tuple[str, ...]:
    return tuple(dict.fromkeys(x for g in groups for x in g))


def _parse_table(raw: dict, path: Path, tables: Tables) -> Expr:
    bases = [k for k in raw if k in BASES]
    if len(bases) != 1:
        raise SpecError(path, f"an expression table needs exactly one of {', '.join(BASES)} "
                              f"(got {', '.join(bases) or 'none'})")
    kind = bases[0]
    arg = raw[kind]
    columns: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    used_tables: list[str] = []
    literal = False
    if kind == "column":
        if not isinstance(arg, str) or not arg:
            raise SpecError((*path, kind), f"column takes a column name, got {arg!r}")
        columns = (arg,)
        base = lambda row, ctx, c=arg: _clean(row.get(c))  # noqa: E731
    elif kind == "template":
        if isinstance(arg, list):  # several templates: a list of their values
            inner = parse_expr(arg, (*path, kind), tables)
            base, columns, params = inner.base, inner.columns, inner.params
        elif isinstance(arg, str):
            t = parse_template(arg, (*path, kind))
            base, columns, params = t.render, t.columns, t.params
        else:
            raise SpecError((*path, kind), f"template takes text or a list of texts, got {arg!r}")
    elif kind == "value":
        literal = True
        base = lambda row, ctx, v=arg: v  # noqa: E731
    else:  # first: the first non-empty of several expressions
        if not isinstance(arg, list) or not arg:
            raise SpecError((*path, kind), "first takes a list of expressions")
        options = [parse_expr(x, (*path, kind, i), tables) for i, x in enumerate(arg)]
        columns = _union(o.columns for o in options)
        params = _union(o.params for o in options)
        used_tables += [t for o in options for t in o.tables]

        def base(row: Mapping[str, Value], ctx: Context, options=options) -> Value:
            return next((v for o in options if (v := o(row, ctx)) is not None), None)

    steps: list[Callable[..., Value]] = []
    default = when = None
    for key, value in raw.items():
        here = (*path, key)
        if key in BASES or key == "missing":
            continue
        if key == "default":
            default = parse_expr(value, here, tables)
        elif key == "when":
            when = parse_condition(value, here, tables)
        elif key == "map":
            step, name = _map_step(value, raw.get("missing", "error"), here, (*path, "missing"), tables)
            steps.append(step)
            if name:
                used_tables.append(name)
        elif key in STEPS:
            steps.append(STEPS[key](value, here))
        else:
            known = ", ".join([*BASES, "default", "when", "map", "missing", *STEPS])
            raise SpecError(here, f"unknown step {key!r} (known: {known})")
    if "missing" in raw and "map" not in raw:
        raise SpecError((*path, "missing"), "missing belongs with map")
    extra_columns = _union([default.columns if default else (), when.columns if when else ()])
    extra_params = _union([default.params if default else (), when.params if when else ()])
    return Expr(base, tuple(steps), _union([columns, extra_columns]), _union([params, extra_params]),
                tuple(dict.fromkeys(used_tables)), default, when, literal and not steps)


def _map_step(arg: Any, missing: Any, path: Path, missing_path: Path, tables: Tables):
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


# --------------------------------------------------------------------------- conditions

_TESTS = ("equals", "not_equals", "matches", "contains", "empty")


@dataclass(frozen=True)
class Condition:
    test: Callable[[Mapping[str, Value], Context], bool]
    columns: tuple[str, ...] = ()
    params: tuple[str, ...] = ()
    tables: tuple[str, ...] = field(default=())

    def __call__(self, row: Mapping[str, Value], ctx: Context) -> bool:
        return self.test(row, ctx)


def parse_conditions(raw: Any, path: Path, tables: Tables) -> Condition | None:
    """A rule's ``where``: one condition or a list of them (all must hold)."""
    if raw is None:
        return None
    if not isinstance(raw, list):
        return parse_condition(raw, path, tables)
    return _combine(all, [parse_condition(x, (*path, i), tables) for i, x in enumerate(raw)])


def _combine(pick: Callable, parts: list[Condition]) -> Condition:
    return Condition(lambda row, ctx: pick(p(row, ctx) for p in parts),
                     _union(p.columns for p in parts), _union(p.params for p in parts))


def parse_condition(raw: Any, path: Path, tables: Tables) -> Condition:
    if not isinstance(raw, dict):
        raise SpecError(path, f"a condition is a table such as {{ column = \"x\", equals = \"y\" }}, got {raw!r}")
    for combinator in ("any", "all"):
        if combinator in raw:
            items = raw[combinator]
            here = (*path, combinator)
            if not isinstance(items, list) or not items:
                raise SpecError(here, f"{combinator} takes a list of conditions")
            parts = [parse_condition(x, (*here, i), tables) for i, x in enumerate(items)]
            return _combine(any if combinator == "any" else all, parts)
    if "not" in raw:
        inner = parse_condition(raw["not"], (*path, "not"), tables)
        return Condition(lambda row, ctx: not inner(row, ctx), inner.columns, inner.params)
    subject_keys = [k for k in ("column", "value", "template") if k in raw]
    tests = [k for k in raw if k in _TESTS]
    unknown = [k for k in raw if k not in (*_TESTS, "column", "value", "template", "optional")]
    if unknown:
        raise SpecError((*path, unknown[0]), f"unknown condition key {unknown[0]!r} "
                                             f"(use column/value with one of {', '.join(_TESTS)}; or any/all/not)")
    if len(subject_keys) != 1 or len(tests) != 1:
        raise SpecError(path, "a condition needs one subject (column or value) and one test "
                              f"({', '.join(_TESTS)})")
    key = subject_keys[0]
    subject = parse_expr({"column": raw[key]} if key == "column" else {"template": raw[key]}
                         if key == "template" else raw[key], (*path, key), tables)
    test, arg = tests[0], raw[tests[0]]
    optional = raw.get("optional", False) is True
    here = (*path, test)
    if test == "empty":
        if not isinstance(arg, bool):
            raise SpecError(here, f"empty takes true or false, got {arg!r}")
        return Condition(lambda row, ctx: (subject(row, ctx) is None) == arg, subject.columns, subject.params)
    if test == "matches":
        pattern = _regex(arg, here)
        return Condition(lambda row, ctx: any(pattern.fullmatch(v) for v in _items(subject(row, ctx))),
                         subject.columns, subject.params)
    wanted = parse_expr(arg, here, tables)

    def compare(row: Mapping[str, Value], ctx: Context) -> bool:
        target = _items(wanted(row, ctx))
        if not target and optional:
            return True
        have = _items(subject(row, ctx))
        if test == "contains":
            return any(t in v for v in have for t in target)
        hit = any(v in target for v in have)
        return hit if test == "equals" else not hit

    return Condition(compare, _union([subject.columns, wanted.columns]), _union([subject.params, wanted.params]))


def _items(value: Value) -> list[str]:
    if value is None:
        return []
    return [_text(v) for v in value] if isinstance(value, list) else [_text(value)]
