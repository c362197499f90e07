"""A mapping applied to its sources' rows: joined and derived columns, filters, then node and edge
drafts with typed values.  Nothing here looks at the store; every problem is located at the cell
(or, for a value made of several cells, the first cell) it comes from.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loaders.mapping.expr import Context, EvalError, Expr
from loaders.mapping.sources import Row, find_files, rows_of
from loaders.mapping.spec import EdgeRule, MappingSpec, NodeRule, PropSpec, SourceSpec, truthy
from loaders.values import item_parser
from ontology import EDGE_KINDS, LoadError, Location, Problem
from ontology.model import Prop

Reader = Callable[[Path], bytes]


@dataclass
class NodeDraft:
    """One node as the source gives it (possibly from several rows): ``key`` is its id in the mapping."""

    key: str
    kind: str
    name: str
    props: dict[str, Any]
    at: Location  # the first row that made it: its provenance
    rule: NodeRule
    names: list[str] = field(default_factory=list)  # other names later rows gave it


@dataclass
class Ref:
    """One end of an edge draft: an id, a mapping key, a taxonomy label, or (``match = "name"``) a name."""

    raw: str
    kinds: tuple[str, ...]
    at: Location
    match: str = "id"


@dataclass
class EdgeDraft:
    kind: str
    src: Ref
    dst: Ref
    props: dict[str, Any]
    at: Location


@dataclass
class Drafts:
    nodes: dict[str, NodeDraft] = field(default_factory=dict)
    edges: list[EdgeDraft] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    sources: dict[str, list[str]] = field(default_factory=dict)  # source -> files read
    rows: dict[str, int] = field(default_factory=dict)  # source -> rows kept
    votes: dict[str, list[tuple]] = field(default_factory=dict)  # key -> its rows' values of the majority props


def draft(spec: MappingSpec, data: list[Path], read: Reader = Path.read_bytes) -> Drafts:
    """Read every source of ``spec`` under ``data`` and apply its rules."""
    out = Drafts()
    ctx = Context(spec.params, spec.tables)
    node_rules = [r for r in spec.nodes if r.when is None or truthy(spec.params.get(r.when))]
    edge_rules = [r for r in spec.edges if r.when is None or truthy(spec.params.get(r.when))]
    prepared: dict[str, list[Row]] = {}
    for name in _order(spec, {r.source for r in (*node_rules, *edge_rules)}):
        prepared[name] = _prepare(spec.sources[name], spec, data, read, prepared, ctx, out)
    for rule in node_rules:
        _node_rule(rule, prepared[rule.source], ctx, out)
    for edge_rule in edge_rules:
        for row, values in _records(prepared[edge_rule.source or ""], edge_rule, ctx, out):
            _edge(edge_rule, None, row, values, ctx, out)
    return out


def _order(spec: MappingSpec, used: set) -> list[str]:
    """The sources the rules in use read, each after the sources it joins; a cycle is an error."""
    done: list[str] = []
    visiting: set[str] = set()

    def visit(name: str) -> None:
        if name in done:
            return
        if name in visiting:
            raise LoadError([Problem(spec.location(spec.sources[name].path), f"source {name!r} joins itself "
                                                                              "through a cycle of joins")])
        visiting.add(name)
        for join in spec.sources[name].joins:
            visit(join.source)
        visiting.discard(name)
        done.append(name)

    for name in spec.sources:
        if name in used:
            visit(name)
    return done


def _eval(expr: Expr, values: dict[str, Any], ctx: Context, row: Row, out: Drafts) -> Any:
    try:
        return expr(values, ctx)
    except EvalError as exc:
        out.problems.append(Problem(row.at(expr.columns[0] if expr.columns else None), str(exc)))
        return None


def _prepare(source: SourceSpec, spec: MappingSpec, data: list[Path], read: Reader,
             prepared: dict[str, list[Row]], ctx: Context, out: Drafts) -> list[Row]:
    rows: list[Row] = []
    columns: set[str] = set()
    files = find_files(source, data)
    for path in files:
        got, names = rows_of(source, read(path), str(path))
        rows += got
        columns |= set(names)
    out.sources[source.name] = [str(p) for p in files]
    indexes = {}
    for join in source.joins:
        index: dict[str, Row] = {}
        for r in prepared[join.source]:
            value = r.values.get(join.key)
            if value not in (None, ""):
                index.setdefault(str(value).strip(), r)
        indexes[join.alias] = index
    _check_columns(source, spec, columns, prepared)
    kept = []
    for row in rows:
        for join in source.joins:
            key = _eval(join.on, row.values, ctx, row, out)
            hit = indexes[join.alias].get(str(key).strip()) if key is not None else None
            if hit is not None:
                row.values.update({f"{join.alias}.{c}": v for c, v in hit.values.items()})
        for column, expr in source.derive:
            row.values[column] = _eval(expr, row.values, ctx, row, out)
            if expr.columns:
                row.cols[column] = row.cols.get(expr.columns[0], 0)
        if source.where is None or source.where(row.values, ctx):
            kept.append(row)
    out.rows[source.name] = len(kept)
    return kept


def _check_columns(source: SourceSpec, spec: MappingSpec, have: set[str], prepared: dict[str, list[Row]]) -> None:
    """Columns that rules read must exist in the files (or be joined or derived)."""
    known = set(have) | {c for c, _ in source.derive}
    for rule in (*spec.nodes, *spec.edges):
        if getattr(rule, "source", None) == source.name:
            known |= {c for c, _ in rule.let}
    for join in source.joins:
        known |= {f"{join.alias}.{c}" for c in _source_columns(prepared[join.source])}
    problems = []
    uses: list[tuple[tuple, Iterable[str]]] = [((*source.path, "derive", c), e.columns) for c, e in source.derive]
    uses += [((*source.path, "join", j.alias, "on"), j.on.columns) for j in source.joins]
    for rule in (*spec.nodes, *spec.edges):
        if getattr(rule, "source", None) != source.name:
            continue
        uses += _rule_columns(rule)
    for path, columns in uses:
        for column in columns:
            if column not in known and not _is_json(source):
                problems.append(Problem(spec.location(path), f"source {source.name!r} has no column {column!r} "
                                                             f"(columns: {', '.join(sorted(have))})"))
    if problems:
        raise LoadError(problems)


def _is_json(source: SourceSpec) -> bool:
    """JSON records may simply lack a key in some rows: their columns are not checked."""
    return (source.format or "").startswith("json") or any(f.endswith((".json", ".jsonl")) for f in source.files)


def _source_columns(rows: list[Row]) -> set[str]:
    return {c for r in rows for c in r.values}


def _rule_columns(rule: NodeRule | EdgeRule) -> list[tuple[tuple, Iterable[str]]]:
    out: list[tuple[tuple, Iterable[str]]] = []
    exprs: list[tuple[str, Any]] = [("props", p) for p in rule.props]
    if isinstance(rule, NodeRule):
        exprs += [("id", rule.id), ("name", rule.name)]
        for e in rule.edges:
            out += _rule_columns(e)
    else:
        exprs += [("from", rule.src), ("to", rule.dst)]
    for key, e in exprs:
        if isinstance(e, PropSpec):
            out.append((e.path, e.expr.columns))
        elif e is not None:
            out.append(((*rule.path, key), e.columns))
    out += [((*rule.path, "let", column), e.columns) for column, e in rule.let]
    if rule.where is not None:
        out.append(((*rule.path, "where"), rule.where.columns))
    if getattr(rule, "explode", None):
        out.append(((*rule.path, "explode"), (rule.explode,)))  # type: ignore[union-attr]
    return out


def _records(rows: list[Row], rule: NodeRule | EdgeRule, ctx: Context, out: Drafts):
    """(row, values) per row that passes the rule's ``where`` — one per item of its ``explode``
    column — with the rule's ``let`` columns computed."""
    explode = rule.explode
    for row in rows:
        if rule.where is not None and not rule.where(row.values, ctx):
            continue
        if explode is None:
            items: list = [None]
        else:
            value = row.values.get(explode)
            items = value if isinstance(value, list) else ([value] if value not in (None, "") else [])
        for item in items:
            values = row.values if explode is None and not rule.let else {**row.values}
            if explode is not None:
                values[explode] = item
            for column, expr in rule.let:
                values[column] = _eval(expr, values, ctx, row, out)
                if expr.columns:
                    row.cols.setdefault(column, row.cols.get(expr.columns[0], 0))
            yield row, values


def _one(value: Any, what: str, row: Row, expr: Expr, out: Drafts) -> str | None:
    if isinstance(value, list):
        if len(value) == 1:
            value = value[0]
        else:
            out.problems.append(Problem(row.at(expr.columns[0] if expr.columns else None),
                                        f"{what} gives {len(value)} values ({', '.join(map(str, value[:3]))}…); "
                                        "it must give one (use pick, join or explode)"))
            return None
    if value is None:
        out.problems.append(Problem(row.at(expr.columns[0] if expr.columns else None), f"{what} is empty"))
        return None
    return str(value) if not isinstance(value, str) else value


_PARSERS: dict[tuple[int, bool], Callable[[str], Any]] = {}


def typed(decl: Prop, value: Any, excel: bool = False) -> Any:
    """A value of a property as the ontology types it (lists for list properties); ValueError if it
    does not fit.  ``excel``: the value comes from a spreadsheet (a date may be a serial number)."""
    parse = _PARSERS.get((id(decl), excel))
    if parse is None:
        parse = _PARSERS[(id(decl), excel)] = item_parser(decl, excel)
    items = value if isinstance(value, list) else [value]
    texts = ["true" if v is True else "false" if v is False else str(v) for v in items]
    if decl.type.endswith("_list"):
        return list(dict.fromkeys(parse(t) for t in texts))
    if len(texts) != 1:
        raise ValueError(f"gives {len(texts)} values ({', '.join(texts[:3])}…) for a single-valued property")
    return parse(texts[0])


def _props(specs: tuple[PropSpec, ...], values: dict, ctx: Context, row: Row, out: Drafts) -> dict[str, Any] | None:
    props: dict[str, Any] = {}
    ok = True
    for p in specs:
        value = _eval(p.expr, values, ctx, row, out)
        if value is None:
            continue
        try:
            props[p.name] = typed(p.decl, value, row.excel)
        except ValueError as exc:
            out.problems.append(Problem(row.at(p.expr.columns[0] if p.expr.columns else None), f"{p.name}: {exc}"))
            ok = False
    return props if ok else None


def _node_rule(rule: NodeRule, rows: list[Row], ctx: Context, out: Drafts) -> None:
    for row, values in _records(rows, rule, ctx, out):
        key = _one(_eval(rule.id, values, ctx, row, out), "id", row, rule.id, out)
        name = _one(_eval(rule.name, values, ctx, row, out), "name", row, rule.name, out)
        props = _props(rule.props, values, ctx, row, out)
        if key is None or name is None or props is None:
            continue
        _add_node(NodeDraft(key, rule.kind, name, props, row.at(rule.id.columns[0] if rule.id.columns else None),
                            rule), row, out)
        for edge in rule.edges:
            if edge.where is None or edge.where(values, ctx):
                _edge(edge, (key, rule.kind), row, values, ctx, out)


def _add_node(new: NodeDraft, row: Row, out: Drafts) -> None:
    """A key met again adds what the new row says: list values join, names become aliases; a
    different single value is reported and the first one kept — except for the rule's ``majority``
    props, which take what most rows give (see ``majority``)."""
    voting = new.rule.majority
    if voting:
        out.votes.setdefault(new.key, []).append(tuple(new.props.get(p) for p in voting))
    old = out.nodes.get(new.key)
    if old is None:
        out.nodes[new.key] = new
        return
    if old.kind != new.kind:
        out.problems.append(Problem(new.at, f"id {new.key!r} is made as {new.kind} here and as {old.kind} at {old.at}"))
        return
    if new.name != old.name and new.name not in old.names:
        old.names.append(new.name)
    for prop in voting:
        new.props.pop(prop, None)
    combine(old.props, new.props, new.at, old.at, repr(new.key), out.problems)
    if voting:
        for prop, value in zip(voting, majority(out.votes[new.key]), strict=True):
            if value is not None:
                old.props[prop] = value


def majority(rows: list[tuple]) -> tuple:
    """The values most rows give, prop by prop in order, each among the rows that agree with the
    ones chosen before it (a city among the rows of the province chosen); a tie goes to the value
    given first.

    >>> majority([("天津", "天津"), ("江苏", "南京"), ("江苏", "无锡")])
    ('江苏', '南京')
    """
    chosen: list = []
    for i in range(len(rows[0]) if rows else 0):
        pool = [r for r in rows if all(c is None or r[j] == c for j, c in enumerate(chosen))]
        counts = Counter(r[i] for r in pool if r[i] is not None)
        chosen.append(counts.most_common(1)[0][0] if counts else None)  # a stable sort: ties keep the first
    return tuple(chosen)


def combine(into: dict[str, Any], props: dict[str, Any], at: Location, first: Location, what: str,
            warnings: list[Problem]) -> None:
    """What a record given again says, added to ``into``: list values join; a different single value
    is reported (at ``at``) and the first one kept."""
    for prop, value in props.items():
        have = into.get(prop)
        if have is None:
            into[prop] = value
        elif isinstance(have, list):
            into[prop] = list(dict.fromkeys([*have, *value]))
        elif have != value:
            warnings.append(Problem(at, f"{prop}: {value!r} differs from {have!r} given for {what} at {first}; "
                                        "the first is kept", "warning"))


def _edge(rule: EdgeRule, this: tuple[str, str] | None, row: Row, values: dict, ctx: Context, out: Drafts) -> None:
    decl = EDGE_KINDS[rule.kind]
    props = _props(rule.props, values, ctx, row, out)
    if props is None:
        return
    ends = []
    for expr, kinds in ((rule.src, decl.sources), (rule.dst, decl.targets)):
        if expr is None:
            ends.append([Ref(this[0], (this[1],), row.at(None), "key")])  # type: ignore[index]
            continue
        value = _eval(expr, values, ctx, row, out)
        items = value if isinstance(value, list) else [] if value is None else [value]
        at = row.at(expr.columns[0] if expr.columns else None)
        ends.append([Ref(str(v), tuple(kinds), at, rule.match) for v in items])
    for src in ends[0]:
        for dst in ends[1]:
            out.edges.append(EdgeDraft(rule.kind, src, dst, props, dst.at if rule.dst is not None else src.at))
