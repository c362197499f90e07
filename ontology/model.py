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

    def __post_init__(self) -> None:
        for v in self.values:
            for spelling in (v.value, v.zh, v.en, *v.aliases):
                self._lookup.setdefault(fold(spelling), v.value)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(v.value for v in self.values)

    def parse(self, raw: str) -> str | None:
        """The code for ``raw`` (a code, label or alias), or None."""
        return self._lookup.get(fold(raw))

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

    def prop(self, name: str) -> Prop | None:
        return _prop_index(self.props).get(name)


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

    def prop(self, name: str) -> Prop | None:
        return _prop_index(self.props).get(name)

    @property
    def rdf_name(self) -> str:
        """camelCase name used for the OWL object property (IN_DISTRICT -> inDistrict)."""
        head, *rest = self.name.lower().split("_")
        return head + "".join(w.capitalize() for w in rest)


_PROP_INDEX: dict[tuple[Prop, ...], dict[str, Prop]] = {}


def _prop_index(props: tuple[Prop, ...]) -> dict[str, Prop]:
    index = _PROP_INDEX.get(props)
    if index is None:
        index = _PROP_INDEX[props] = {p.name: p for p in props}
    return index


Checker = Callable[[Any], str | None]  # returns an error message, or None when the value is fine


@dataclass(frozen=True)
class Schema:
    """The whole data model: look-ups by name and value checks used by every store."""

    nodes: dict[str, NodeKind]
    edges: dict[str, EdgeKind]
    enums: dict[str, Enumeration]
    formats: dict[str, Checker]

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

    def check_value(self, prop: Prop, value: Any) -> str | None:
        """Why ``value`` is not valid for ``prop`` (None when it is). Values are already typed."""
        t = prop.type
        if t == "str":
            if not isinstance(value, str):
                return f"expected text, got {type(value).__name__}"
        elif t == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                return f"expected an integer, got {value!r}"
        elif t == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                return f"expected a number, got {value!r}"
            if value != value:
                return "expected a number, got NaN"
            if prop.minimum is not None and value < prop.minimum:
                return f"{value} is below the minimum {prop.minimum}"
            if prop.maximum is not None and value > prop.maximum:
                return f"{value} is above the maximum {prop.maximum}"
        elif t == "bool":
            if not isinstance(value, bool):
                return f"expected true or false, got {value!r}"
        elif t == "date":
            if not isinstance(value, str) or not _DATE.match(value):
                return f"expected a date YYYY-MM-DD, got {value!r}"
        elif t == "enum":
            codes = self.enums[prop.enum].codes  # type: ignore[index]
            if value not in codes:
                return f"{value!r} is not one of {', '.join(codes)}"
        elif t in ("str_list", "enum_list"):
            if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
                return f"expected a list of text, got {value!r}"
            if t == "enum_list":
                codes = self.enums[prop.enum].codes  # type: ignore[index]
                bad = [v for v in value if v not in codes]
                if bad:
                    return f"{', '.join(map(repr, bad))} not in {', '.join(codes)}"
        if prop.fmt:
            if t in ("str_list", "enum_list"):
                for item in value:
                    problem = self.formats[prop.fmt](item)
                    if problem:
                        return problem
                return None
            return self.formats[prop.fmt](value)
        return None

    def check_props(self, owner: str, props: tuple[Prop, ...], values: dict[str, Any], what: str) -> None:
        """Raise SchemaError naming ``what`` when ``values`` do not fit ``props``."""
        index = _prop_index(props)
        for name, value in values.items():
            prop = index.get(name)
            if prop is None:
                raise SchemaError(f"{what}: {owner} has no property {name!r}")
            if value is None:
                continue
            problem = self.check_value(prop, value)
            if problem:
                raise SchemaError(f"{what}: property {name!r}: {problem}")
        for prop in props:
            needed = prop.required or (
                prop.required_when is not None and values.get(prop.required_when[0]) == prop.required_when[1]
            )
            if needed and values.get(prop.name) in (None, "", [], ()):
                raise SchemaError(f"{what}: required property {prop.name!r} is missing")
