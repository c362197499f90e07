"""Building blocks of the ontology: enumerations, properties, node kinds, edge kinds.

The declarations themselves live in ``ontology.schema``; this module only says what a
declaration is and how a value is checked against it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ontology.errors import SchemaError

PROP_TYPES = ("str", "int", "float", "bool", "date", "enum", "str_list", "enum_list")

_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def a(noun: str) -> str:
    """The noun with its indefinite article, for messages: a("Park") -> 'a Park', a("Enterprise") -> 'an Enterprise'."""
    return f"{'an' if noun[:1] in 'AEIOU' else 'a'} {noun}"


def fold(text: str) -> str:
    """Case-, width- and space-insensitive form used to compare labels.

    >>> fold("（ 第三类 ）")
    '(第三类)'
    """
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


@dataclass(frozen=True)
class EnumValue:
    value: str
    zh: str
    en: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Enumeration:
    """A closed set of values; each accepts its code, its labels and its aliases as input."""

    name: str
    zh: str
    en: str
    values: tuple[EnumValue, ...]
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _exact: dict[str, str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for v in self.values:
            for spelling in (v.value, v.zh, v.en, *v.aliases):
                self._lookup.setdefault(fold(spelling), v.value)
                self._exact.setdefault(spelling, v.value)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.value for v in self.values)

    def parse(self, raw: str) -> str | None:
        """The code for ``raw`` (a code, label or alias), or None."""
        return self._exact.get(raw) or self._lookup.get(fold(raw))

    def nearest(self, raw: str) -> str | None:
        """The valid code closest to a wrong spelling, for error messages."""
        match = difflib.get_close_matches(fold(raw), list(self._lookup), n=1, cutoff=0.5)
        return self._lookup[match[0]] if match else None

    def label(self, code: str, lang: str = "zh") -> str:
        for v in self.values:
            if v.value == code:
                return v.zh if lang == "zh" else v.en
        raise KeyError(code)


@dataclass(frozen=True)
class Prop:
    """A property of a node or edge kind.

    ``fmt`` names a checker in ``ontology.identifiers.FORMATS`` (USCC checksum, division code …).
    ``required_when`` makes the property required when another property has a given value.
    """

    name: str
    type: str
    zh: str
    en: str
    required: bool = False
    enum: str | None = None
    fmt: str | None = None
    minimum: float | None = None
    maximum: float | None = None
    required_when: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        if self.type not in PROP_TYPES:
            raise ValueError(f"unknown property type {self.type!r}")
        if self.type in ("enum", "enum_list") and not self.enum:
            raise ValueError(f"property {self.name} needs an enumeration")


@dataclass(frozen=True)
class NodeKind:
    name: str
    zh: str
    en: str
    props: tuple[Prop, ...]
    doc: str = ""
    rdf_super: tuple[str, ...] = ()  # CURIEs of aligned classes (schema:, org:, skos:)
    id_fmt: str | None = None  # checker for the node id itself (patents: the patent number)
    index: dict[str, Prop] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {p.name: p for p in self.props})

    def prop(self, name: str) -> Prop | None:
        return self.index.get(name)


@dataclass(frozen=True)
class EdgeKind:
    """A relation kind with the node kinds allowed at each end.

    ``key`` names the properties that tell parallel edges between the same two nodes apart
    (two service records from one station to one product are two TRACKS edges).
    A ``symmetric`` edge is stored once, with its endpoints in sorted order.
    """

    name: str
    zh: str
    en: str
    sources: tuple[str, ...]
    targets: tuple[str, ...]
    props: tuple[Prop, ...] = ()
    key: tuple[str, ...] = ()
    symmetric: bool = False
    rdf_super: tuple[str, ...] = ()
    index: dict[str, Prop] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "index", {p.name: p for p in self.props})

    def prop(self, name: str) -> Prop | None:
        return self.index.get(name)

    @property
    def rdf_name(self) -> str:
        """camelCase name used for the OWL object property (IN_DISTRICT -> inDistrict)."""
        head, *rest = self.name.lower().split("_")
        return head + "".join(w.capitalize() for w in rest)


Checker = Callable[[Any], str | None]  # returns an error message, or None when the value is fine
Kind = NodeKind | EdgeKind


def _type_check(prop: Prop) -> Checker:
    """The check of a value's Python type (and range) for one property."""
    t = prop.type
    if t in ("str", "enum"):
        return lambda v: None if isinstance(v, str) else f"expected text, got {type(v).__name__}"
    if t == "int":
        return lambda v: None if isinstance(v, int) and not isinstance(v, bool) else f"expected an integer, got {v!r}"
    if t == "bool":
        return lambda v: None if isinstance(v, bool) else f"expected true or false, got {v!r}"
    if t == "date":
        return lambda v: None if isinstance(v, str) and _DATE.match(v) else f"expected a date YYYY-MM-DD, got {v!r}"
    if t == "float":
        lo, hi = prop.minimum, prop.maximum

        def number(v: Any) -> str | None:
            if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v:
                return f"expected a number, got {v!r}"
            if lo is not None and v < lo:
                return f"{v} is below the minimum {lo}"
            if hi is not None and v > hi:
                return f"{v} is above the maximum {hi}"
            return None

        return number
    return lambda v: (None if isinstance(v, (list, tuple)) and all(isinstance(x, str) for x in v)
                      else f"expected a list of text, got {v!r}")


@dataclass(frozen=True)
class Schema:
    """The whole data model: look-ups by name and the compiled value checks every store uses
    (``graph.validate`` applies them per kind)."""

    nodes: dict[str, NodeKind]
    edges: dict[str, EdgeKind]
    enums: dict[str, Enumeration]
    formats: dict[str, Checker]
    _checkers: dict[int, tuple[Prop, Checker]] = field(default_factory=dict, repr=False, compare=False)

    def node_kind(self, name: str) -> NodeKind:
        try:
            return self.nodes[name]
        except KeyError:
            raise SchemaError(f"unknown node kind {name!r}; known: {', '.join(self.nodes)}") from None

    def edge_kind(self, name: str) -> EdgeKind:
        try:
            return self.edges[name]
        except KeyError:
            raise SchemaError(f"unknown edge kind {name!r}; known: {', '.join(self.edges)}") from None

    def checker(self, prop: Prop) -> Checker:
        """The compiled check of ``prop``: type, range, enumeration and format (cached per property)."""
        cached = self._checkers.get(id(prop))
        if cached is not None and cached[0] is prop:
            return cached[1]
        type_ok = _type_check(prop)
        codes = frozenset(self.enums[prop.enum].codes) if prop.enum else None
        fmt = self.formats[prop.fmt] if prop.fmt else None
        many = prop.type in ("str_list", "enum_list")

        def check(value: Any) -> str | None:
            problem = type_ok(value)
            if problem:
                return problem
            items = value if many else (value,)
            if codes is not None:
                bad = [v for v in items if v not in codes]
                if bad:
                    return f"{', '.join(map(repr, bad))} is not one of {', '.join(self.enums[prop.enum].codes)}"
            if fmt is not None:
                for item in items:
                    problem = fmt(item)
                    if problem:
                        return problem
            return None

        self._checkers[id(prop)] = (prop, check)
        return check
