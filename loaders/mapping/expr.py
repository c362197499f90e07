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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from loaders.mapping.steps import (
    STEPS,
    EvalError,
    Path,
    SpecError,
    Tables,
    Value,
    check_table,
    clean,
    compile_regex,
    map_step,
    text_of,
)

__all__ = ["Condition", "Context", "EvalError", "Expr", "SpecError", "Template", "check_table", "parse_condition",
           "parse_conditions", "parse_expr", "parse_template"]
BASES = ("column", "template", "value", "first")


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
            return clean(row.get(self.parts[0][1]))
        out = []
        for kind, v in self.parts:
            if kind == "text":
                out.append(v)
                continue
            value = row.get(v) if kind == "column" else ctx.params.get(v)
            if isinstance(value, list):
                value = "、".join(map(str, value))
            out.append("" if value is None else text_of(value).strip())  # cells often carry stray spaces
        return clean("".join(out))


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
            return clean([item(row, ctx) for item in items])

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
        base = lambda row, ctx, c=arg: clean(row.get(c))  # noqa: E731
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
            step, name = map_step(value, raw.get("missing", "error"), here, (*path, "missing"), tables)
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
        pattern = compile_regex(arg, here)
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
    return [text_of(v) for v in value] if isinstance(value, list) else [text_of(value)]
