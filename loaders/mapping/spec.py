"""Mapping files: how one foreign dataset becomes nodes and edges, declared in TOML.

``parse_mapping`` reads the text, checks it against the ontology and returns a ``MappingSpec``,
or raises ``LoadError`` with every problem at its ``file:line:column``.  The format is described in
the README ("Load your own data"); in short::

    [mapping]              name, version, dataset, description
    [params]               defaults of the parameters ({$name} in templates; --set name=value)
    [tables.NAME]          lookup tables for ``map``
    [sources.NAME]         a file: file/files, format, encoding, header, columns, sheet, records,
                           delimiter, join.ALIAS = {source, on, key}, derive.COLUMN = expression, where
    [[nodes]]              source, kind, id, name, props.*, where, explode, let.COLUMN, when, resolve,
                           majority, distinct
    [[nodes.edges]]        kind, to (or from), props.*, where, match
    [[edges]]              source, kind, from, to, props.*, where, explode, let.COLUMN, when, match

``explode`` names a column whose list value makes one record per item; ``let`` computes columns
for each such record (after ``explode``, in the order written), for the expressions of the rule.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from loaders.mapping.expr import (
    Condition,
    Expr,
    SpecError,
    Tables,
    check_table,
    parse_conditions,
    parse_expr,
)
from loaders.mapping.locate import locate, nearest
from ontology import EDGE_KINDS, NODE_KINDS, ONTOLOGY_KINDS, SHENWAN_SEGMENTS, LoadError, Location, Problem
from ontology.model import EdgeKind, Prop, a

FORMATS = ("csv", "tsv", "xlsx", "json", "jsonl")
SUFFIX_FORMATS = {".csv": "csv", ".tsv": "tsv", ".txt": "csv", ".xlsx": "xlsx", ".json": "json", ".jsonl": "jsonl",
                  ".ndjson": "jsonl"}
BUILTIN_TABLES: dict[str, dict[str, Any]] = {
    "ontology.shenwan_segments": {k: list(v) for k, v in SHENWAN_SEGMENTS.items()},
}
RESOLVED_KINDS = ("Enterprise", "Institution")  # kinds entity resolution works on
MATCHES = ("id", "name", "address")
TRUE = frozenset({"yes", "true", "1", "是", "on"})
_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


@dataclass(frozen=True)
class JoinSpec:
    alias: str
    source: str
    on: Expr  # this row's value
    key: str  # the column of the joined source it must equal


@dataclass(frozen=True)
class SourceSpec:
    name: str
    files: tuple[str, ...]
    format: str | None = None  # None: from each file's suffix
    encoding: str = "auto"
    header: bool = True
    columns: tuple[str, ...] = ()
    sheet: str | None = None
    records: str = ""
    delimiter: str | None = None
    joins: tuple[JoinSpec, ...] = ()
    derive: tuple[tuple[str, Expr], ...] = ()
    where: Condition | None = None
    path: tuple = ()


@dataclass(frozen=True)
class PropSpec:
    name: str
    expr: Expr
    decl: Prop
    path: tuple


@dataclass(frozen=True)
class EdgeRule:
    """An edge: nested in a node rule (``this`` end is the node) or a rule of its own."""

    kind: str
    src: Expr | None  # None: the node of the enclosing rule
    dst: Expr | None
    props: tuple[PropSpec, ...]
    where: Condition | None
    match: str
    path: tuple
    source: str | None = None
    explode: str | None = None
    when: str | None = None
    let: tuple[tuple[str, Expr], ...] = ()


@dataclass(frozen=True)
class NodeRule:
    source: str
    kind: str
    id: Expr
    name: Expr
    props: tuple[PropSpec, ...]
    edges: tuple[EdgeRule, ...]
    where: Condition | None
    explode: str | None
    when: str | None
    resolve: bool
    path: tuple
    let: tuple[tuple[str, Expr], ...] = ()
    majority: tuple[str, ...] = ()  # properties several rows of one node vote on (else the first row wins)
    distinct: bool = False  # its records are distinct organisations (a register): never merged with one another


@dataclass(frozen=True)
class MappingSpec:
    name: str
    version: str
    dataset: str
    description: str
    params: dict[str, str]
    tables: Tables
    sources: dict[str, SourceSpec]
    nodes: tuple[NodeRule, ...]
    edges: tuple[EdgeRule, ...]
    file: str
    spots: dict = field(repr=False, compare=False, default_factory=dict)

    def location(self, path: tuple) -> Location:
        line, column = nearest(self.spots, path)
        return Location(self.file, line, column)


class _Broken(Exception):
    """A rule reads a source that has mistakes of its own: those are reported, not this."""


class _Collector:
    """Gathers SpecErrors as located problems, so one check reports every mistake."""

    def __init__(self, file: str, spots: dict):
        self.file, self.spots, self.problems = file, spots, []

    def add(self, exc: SpecError) -> None:
        line, column = nearest(self.spots, exc.path)
        where = ".".join(str(p) if isinstance(p, str) else f"[{p}]" for p in exc.path).replace(".[", "[")
        self.problems.append(Problem(Location(self.file, line, column), f"{where}: {exc.message}" if where
                                     else exc.message))


def parse_mapping(text: str, file: str, params: Mapping[str, str] | None = None) -> MappingSpec:
    """Parse and check a mapping; ``params`` override the file's defaults (unknown names are errors)."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"at line (\d+), column (\d+)", str(exc))
        loc = Location(file, int(m.group(1)), int(m.group(2))) if m else Location(file)
        raise LoadError([Problem(loc, f"not valid TOML: {exc}")]) from None
    spots = locate(text)
    errors = _Collector(file, spots)
    spec = None
    try:
        spec = _build(doc, file, dict(params or {}), errors, spots)
    except SpecError as exc:
        errors.add(exc)
    if errors.problems or spec is None:
        raise LoadError(errors.problems, f"{len(errors.problems)} error(s) in mapping {file}")
    return spec


def _get(doc: dict, key: str, kind: type | tuple, path: tuple, required: bool = False, default: Any = None) -> Any:
    if key not in doc:
        if required:
            raise SpecError(path, f"{key} is required")
        return default
    value = doc[key]
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):  # True is an int too
        raise SpecError((*path, key), f"{key} must be {' or '.join(k.__name__ for k in kinds)}, got {value!r}")
    return value


def _check_keys(doc: dict, allowed: tuple[str, ...], path: tuple) -> None:
    for key in doc:
        if key not in allowed:
            raise SpecError((*path, key), f"unknown key {key!r} (allowed: {', '.join(allowed)})")


def _build(doc: dict, file: str, overrides: dict[str, str], errors: _Collector, spots: dict) -> MappingSpec:
    _check_keys(doc, ("mapping", "params", "tables", "sources", "nodes", "edges"), ())
    head = _get(doc, "mapping", dict, (), required=True)
    _check_keys(head, ("name", "version", "dataset", "description"), ("mapping",))
    name = _get(head, "name", str, ("mapping",), required=True)
    if not _NAME.match(name):
        raise SpecError(("mapping", "name"), f"name {name!r} must be lower-case letters, digits, '.', '_' or '-'")
    version = str(_get(head, "version", (str, int, float), ("mapping",), required=True))
    params = {k: _param_text(v, ("params", k)) for k, v in _get(doc, "params", dict, (), default={}).items()}
    for key, value in overrides.items():
        if key not in params:
            known = ", ".join(params) or "none"
            raise SpecError(("params",), f"no parameter {key!r} in this mapping (parameters: {known})")
        params[key] = value
    tables: dict[str, Any] = dict(BUILTIN_TABLES)
    for tname, table in _get(doc, "tables", dict, (), default={}).items():
        check_table(table, ("tables", tname))
        tables[tname] = table
    sources: dict[str, SourceSpec | None] = {}
    for sname, raw in _get(doc, "sources", dict, (), required=True).items():
        try:
            sources[sname] = _source(sname, raw, ("sources", sname), tables)
        except SpecError as exc:
            errors.add(exc)
            sources[sname] = None
    nodes = []
    for i, raw in enumerate(_get(doc, "nodes", list, (), default=[])):
        try:
            nodes.append(_node_rule(raw, ("nodes", i), tables, sources, params))
        except SpecError as exc:
            errors.add(exc)
        except _Broken:
            pass
    edges = []
    for i, raw in enumerate(_get(doc, "edges", list, (), default=[])):
        try:
            edges.append(_edge_rule(raw, ("edges", i), tables, sources, params, nested=None))
        except SpecError as exc:
            errors.add(exc)
        except _Broken:
            pass
    if not nodes and not edges and not errors.problems:
        raise SpecError((), "a mapping needs at least one [[nodes]] or [[edges]] rule")
    good = {name: s for name, s in sources.items() if s is not None}
    for source in good.values():
        for join in source.joins:
            if join.source not in sources:
                errors.add(SpecError((*source.path, "join", join.alias, "source"), f"no source {join.source!r}"))
    return MappingSpec(name, version, _get(head, "dataset", str, ("mapping",), default=name),
                       _get(head, "description", str, ("mapping",), default=""), params, tables, good,
                       tuple(nodes), tuple(edges), file, spots)


def _param_text(value: Any, path: tuple) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise SpecError(path, f"a parameter is text, a number or a boolean, got {value!r}")


_SOURCE_KEYS = ("file", "files", "format", "encoding", "header", "columns", "sheet", "records", "delimiter", "join",
                "derive", "where")


def _source(name: str, raw: Any, path: tuple, tables: Tables) -> SourceSpec:
    if not isinstance(raw, dict):
        raise SpecError(path, "a source is a table")
    _check_keys(raw, _SOURCE_KEYS, path)
    if ("file" in raw) == ("files" in raw):
        raise SpecError(path, "give file (one name or pattern) or files (a list), not both or neither")
    files = (_get(raw, "file", str, path),) if "file" in raw else tuple(_get(raw, "files", list, path))
    if not files or not all(isinstance(f, str) and f for f in files):
        raise SpecError((*path, "files"), "files must be a list of file names or patterns")
    fmt = _get(raw, "format", str, path)
    if fmt is not None and fmt not in FORMATS:
        raise SpecError((*path, "format"), f"format must be one of {', '.join(FORMATS)}, got {fmt!r}")
    if fmt is None and any(suffix_format(f) is None for f in files):
        raise SpecError((*path, "format"), "format is required when a file name does not end in "
                                           f"{', '.join(SUFFIX_FORMATS)}")
    encoding = _get(raw, "encoding", str, path, default="auto")
    if encoding != "auto":
        try:
            "".encode(encoding)
        except LookupError:
            raise SpecError((*path, "encoding"), f"unknown encoding {encoding!r}") from None
    header = _get(raw, "header", bool, path, default=True)
    columns = tuple(_get(raw, "columns", list, path, default=[]))
    if not all(isinstance(c, str) and c for c in columns) or len(set(columns)) != len(columns):
        raise SpecError((*path, "columns"), "columns must be distinct, non-empty names")
    if not header and not columns and (fmt or suffix_format(files[0])) in ("csv", "tsv", "xlsx"):
        raise SpecError((*path, "header"), "a file without a header row needs columns = [names, …]")
    delimiter = _get(raw, "delimiter", str, path)
    if delimiter is not None and len(delimiter) != 1:
        raise SpecError((*path, "delimiter"), "delimiter must be one character")
    joins = []
    for alias, j in _get(raw, "join", dict, path, default={}).items():
        here = (*path, "join", alias)
        if not isinstance(j, dict):
            raise SpecError(here, "a join is a table {source, on, key}")
        _check_keys(j, ("source", "on", "key"), here)
        joins.append(JoinSpec(alias, _get(j, "source", str, here, required=True),
                              parse_expr(_get(j, "on", (str, dict), here, required=True), (*here, "on"), tables),
                              _get(j, "key", str, here, required=True)))
    derive = tuple((col, parse_expr(e, (*path, "derive", col), tables))
                   for col, e in _get(raw, "derive", dict, path, default={}).items())
    return SourceSpec(name, files, fmt, encoding, header, columns, _get(raw, "sheet", str, path),
                      _get(raw, "records", str, path, default=""), delimiter, tuple(joins), derive,
                      parse_conditions(raw.get("where"), (*path, "where"), tables), path)


def suffix_format(pattern: str) -> str | None:
    for suffix, fmt in SUFFIX_FORMATS.items():
        if pattern.lower().endswith(suffix):
            return fmt
    return None


def _gate(raw: dict, path: tuple, params: dict[str, str]) -> str | None:
    when = _get(raw, "when", str, path)
    if when is None:
        return None
    if not when.startswith("$") or when[1:] not in params:
        raise SpecError((*path, "when"), f"when names a parameter as $name (parameters: {', '.join(params) or 'none'})")
    return when[1:]


def _check_params(expr: Expr | Condition | None, path: tuple, params: dict[str, str]) -> None:
    for p in expr.params if expr is not None else ():
        if p not in params:
            raise SpecError(path, f"no parameter {p!r} (parameters: {', '.join(params) or 'none'})")


def _props(raw: Any, path: tuple, decls: Mapping[str, Prop], owner: str, tables: Tables,
           params: dict[str, str]) -> tuple[PropSpec, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        raise SpecError(path, "props is a table of property = expression")
    out = []
    for name, value in raw.items():
        here = (*path, name)
        decl = decls.get(name)
        if decl is None:
            raise SpecError(here, f"{owner} has no property {name!r} (properties: {', '.join(decls) or 'none'})")
        expr = parse_expr(value, here, tables)
        _check_params(expr, here, params)
        out.append(PropSpec(name, expr, decl, here))
    return tuple(out)


_NODE_KEYS = ("source", "kind", "id", "name", "props", "edges", "where", "explode", "let", "when", "resolve",
              "majority", "distinct")


def _lets(raw: dict, path: tuple, tables: Tables, params: dict[str, str]) -> tuple[tuple[str, Expr], ...]:
    out = []
    for column, value in _get(raw, "let", dict, path, default={}).items():
        expr = parse_expr(value, (*path, "let", column), tables)
        _check_params(expr, (*path, "let", column), params)
        out.append((column, expr))
    return tuple(out)


def _node_rule(raw: Any, path: tuple, tables: Tables, sources: dict[str, SourceSpec],
               params: dict[str, str]) -> NodeRule:
    if not isinstance(raw, dict):
        raise SpecError(path, "a node rule is a table")
    _check_keys(raw, _NODE_KEYS, path)
    source = _source_ref(raw, path, sources)
    kind = _get(raw, "kind", str, path, required=True)
    if kind not in NODE_KINDS or kind in ONTOLOGY_KINDS:
        loadable = ", ".join(k for k in NODE_KINDS if k not in ONTOLOGY_KINDS)
        raise SpecError((*path, "kind"), f"kind must be a node kind a mapping can make ({loadable}), got {kind!r}")
    ident = parse_expr(_get(raw, "id", (str, dict), path, required=True), (*path, "id"), tables)
    name = parse_expr(_get(raw, "name", (str, dict), path, required=True), (*path, "name"), tables)
    for e, key in ((ident, "id"), (name, "name")):
        _check_params(e, (*path, key), params)
    props = _props(raw.get("props"), (*path, "props"), NODE_KINDS[kind].index, kind, tables, params)
    where = parse_conditions(raw.get("where"), (*path, "where"), tables)
    _check_params(where, (*path, "where"), params)
    edges = tuple(_edge_rule(e, (*path, "edges", i), tables, sources, params, nested=kind)
                  for i, e in enumerate(_get(raw, "edges", list, path, default=[])))
    resolve = _get(raw, "resolve", bool, path, default=kind in RESOLVED_KINDS)
    if resolve and kind not in RESOLVED_KINDS:
        raise SpecError((*path, "resolve"), f"entity resolution works on {', '.join(RESOLVED_KINDS)} only")
    majority = _get(raw, "majority", list, path, default=[])
    for i, prop in enumerate(majority):
        single = {p.name for p in props if not p.decl.type.endswith("_list")}
        if prop not in single:
            raise SpecError((*path, "majority", i), f"majority names single-valued props of this rule "
                                                    f"({', '.join(sorted(single)) or 'none'}), got {prop!r}")
    distinct = _get(raw, "distinct", bool, path, default=False)
    if distinct and not resolve:
        raise SpecError((*path, "distinct"), "distinct is about entity resolution: the rule must resolve")
    return NodeRule(source, kind, ident, name, props, edges, where, _get(raw, "explode", str, path),
                    _gate(raw, path, params), resolve, path, _lets(raw, path, tables, params), tuple(majority),
                    distinct)


def _source_ref(raw: dict, path: tuple, sources: dict[str, SourceSpec | None]) -> str:
    source = _get(raw, "source", str, path, required=True)
    if source not in sources:
        raise SpecError((*path, "source"), f"no source {source!r} (sources: {', '.join(sources) or 'none'})")
    if sources[source] is None:
        raise _Broken(source)
    return source


def _edge_rule(raw: Any, path: tuple, tables: Tables, sources: dict[str, SourceSpec | None], params: dict[str, str],
               nested: str | None) -> EdgeRule:
    if not isinstance(raw, dict):
        raise SpecError(path, "an edge rule is a table")
    allowed = ("kind", "to", "from", "props", "where", "match") + (
        () if nested else ("source", "explode", "let", "when"))
    _check_keys(raw, allowed, path)
    source = None if nested else _source_ref(raw, path, sources)
    kind = _get(raw, "kind", str, path, required=True)
    decl: EdgeKind | None = EDGE_KINDS.get(kind)
    if decl is None:
        raise SpecError((*path, "kind"), f"unknown edge kind {kind!r} (edge kinds: {', '.join(EDGE_KINDS)})")
    ends = {}
    for end in ("from", "to"):
        if end in raw:
            ends[end] = parse_expr(_get(raw, end, (str, dict, list), path), (*path, end), tables)
            _check_params(ends[end], (*path, end), params)
    if nested:
        if len(ends) != 1:
            raise SpecError(path, "an edge of a node rule has either to (from the node) or from (into the node)")
        allowed_here = decl.sources if "to" in ends else decl.targets
        if nested not in allowed_here:
            side = "start" if "to" in ends else "end"
            raise SpecError((*path, "kind"), f"{a(kind)} edge cannot {side} at {a(nested)} "
                                             f"(it goes {'/'.join(decl.sources)} -> {'/'.join(decl.targets)})")
    elif len(ends) != 2:
        raise SpecError(path, "an edge rule needs both from and to")
    match = _get(raw, "match", str, path, default="id")
    if match not in MATCHES:
        raise SpecError((*path, "match"), f"match must be one of {', '.join(MATCHES)}, got {match!r}")
    if match == "address" and "District" not in (decl.targets if "to" in ends else decl.sources):
        raise SpecError((*path, "match"), f"match = \"address\" places an address in a District; "
                                          f"{a(kind)} edge does not end at one")
    props = _props(raw.get("props"), (*path, "props"), decl.index, kind, tables, params)
    where = parse_conditions(raw.get("where"), (*path, "where"), tables)
    _check_params(where, (*path, "where"), params)
    return EdgeRule(kind, ends.get("from"), ends.get("to"), props, where, match, path, source,
                    _get(raw, "explode", str, path), _gate(raw, path, params) if not nested else None,
                    _lets(raw, path, tables, params) if not nested else ())


def truthy(value: str | None) -> bool:
    return (value or "").strip().casefold() in TRUE
