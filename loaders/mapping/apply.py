"""Loading through a mapping: drafts -> identities -> merged records -> checks -> one write.

Sources share nodes, so a record never overwrites what another source said.  Each source *owns*
the properties of the nodes it created and those it filled in on nodes of others (the crosswalk
records which): a reload updates what the source owns, fills what is missing, keeps other
sources' values (a differing value is reported), and adds names as aliases.  Nothing is deleted:
records of an earlier load that the source no longer gives are reported as having disappeared.
All problems are found before anything is written; any error and nothing is written.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from graph.interface import Store
from graph.model import Edge, LoadMeta, Node, Provenance, Replace, WriteResult, Xref, canonical, edge_key
from graph.validate import check_edge, check_node
from loaders.address import HOW, Placement
from loaders.load import CHUNK, new_load_id
from loaders.mapping.identify import EndResolver, Identities, current_nodes, identify, out_edges
from loaders.mapping.records import Drafts, NodeDraft, Reader, combine, draft
from loaders.mapping.spec import MappingSpec
from ontology import FIELD_BY_ID, SEGMENT_BY_ID, SPECIALTY_BY_ID, LoadError, Location, Problem, SchemaError

BULK_RECORDS = 10_000
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class MappingReport:
    load_id: str
    mapping: str
    version: str
    dataset: str
    files: dict[str, tuple[str, ...]]  # source -> files read
    rows: dict[str, int]  # source -> rows kept by its filter
    result: WriteResult
    xrefs: tuple[Xref, ...]  # every record of this load and the node it became
    disappeared: tuple[Xref, ...]  # records of an earlier load of this mapping that are gone
    warnings: tuple[Problem, ...]
    skipped: tuple[Problem, ...]
    records: tuple[int, int] = (0, 0)  # the nodes and edges validated (and, unless a check, written)
    addresses: tuple[tuple[str, int], ...] = ()  # match = "address": addresses placed, per rule (and none, ambiguous)

    @property
    def merged(self) -> tuple[Xref, ...]:
        return tuple(x for x in self.xrefs if x.status == "merged")

    @property
    def ambiguous(self) -> tuple[Xref, ...]:
        return tuple(x for x in self.xrefs if x.status == "ambiguous")


@dataclass
class MappingPlan:
    """What a load through a mapping would write, and every problem found on the way: the whole
    validation of a load, without the write (``biokg mapping check`` stops here)."""

    spec: MappingSpec
    drafts: Drafts
    previous: dict[str, Xref]
    meta: LoadMeta
    nodes: list[Node]
    edges: list[Edge]
    xrefs: list[Xref]
    problems: list[Problem]  # errors and warnings, of reading, identifying and checking
    placements: list[tuple[Location, Placement]] = field(default_factory=list)  # addresses and their districts
    replaces: list[Replace] = field(default_factory=list)  # nodes whose district moved with their address

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def plan_mapping(store: Store, spec: MappingSpec, data: list[Path], *, load_id: str = "check",
                 now: datetime | None = None, read: Reader = Path.read_bytes,
                 mapping_file: str | None = None) -> MappingPlan:
    """Read ``data`` through ``spec`` against what ``store`` holds and check every record; nothing
    is written."""
    now = now or datetime.now(UTC)
    drafts = draft(spec, data, read)
    previous = {x.key: x for x in store.xrefs(source=spec.name)}
    ids = identify(store, drafts, previous)
    ends = EndResolver(store, drafts, ids)
    inputs = tuple(dict.fromkeys(f for files in drafts.sources.values() for f in files))
    meta = LoadMeta(spec.dataset, spec.name, spec.version, mapping_file, inputs, tuple(sorted(spec.params.items())))
    loaded_at = now.isoformat(timespec="seconds")

    def prov(at: Location) -> Provenance:
        return Provenance(at.file, at.line or None, load_id, loaded_at, meta)

    warnings: list[Problem] = []
    merge = _Merger(store, spec.name, drafts, ids, previous, prov, warnings)
    edges = _edges(drafts, ends, prov, warnings)
    edges, replaces = _address_districts(store, spec.name, edges, drafts, ends, warnings)
    problems = [*drafts.problems, *ids.problems]
    bad_nodes, bad_edges = _check(merge.nodes, edges, ends, store, merge.where, problems)
    nodes = [n for n in merge.nodes.values() if n.id not in bad_nodes]
    kept_edges = [e for i, (e, _) in enumerate(edges)
                  if i not in bad_edges and e.src not in bad_nodes and e.dst not in bad_nodes]
    xrefs = [x for x in merge.xrefs if x.node not in bad_nodes]
    return MappingPlan(spec, drafts, previous, meta, nodes, kept_edges, xrefs, sorted([*warnings, *problems]),
                       ends.placements, [r for r in replaces if r.node not in bad_nodes])


def load_mapping(store: Store, spec: MappingSpec, data: list[Path], *, skip_invalid: bool = False,
                 load_id: str | None = None, now: datetime | None = None, read: Reader = Path.read_bytes,
                 mapping_file: str | None = None, progress: Progress | None = None,
                 check: bool = False) -> MappingReport:
    """Read ``data`` through ``spec`` and write the result to ``store``; LoadError (nothing written)
    on any error unless ``skip_invalid``.  ``check``: validate exactly as a load does, write nothing."""
    now = now or datetime.now(UTC)
    load_id = load_id or new_load_id(now)
    plan = plan_mapping(store, spec, data, load_id=load_id, now=now, read=read, mapping_file=mapping_file)
    if plan.errors and not skip_invalid:
        raise LoadError(plan.problems)
    previous, drafts = plan.previous, plan.drafts
    changed = [x for x in plan.xrefs if _differs(x, previous.get(x.key))]
    result = WriteResult() if check else _write(store, plan.nodes, plan.edges, changed, progress, plan.replaces)
    # gone: records of an earlier load with the same parameters (another province is not "gone")
    gone = tuple(x for k, x in sorted(previous.items())
                 if k not in drafts.nodes and (x.provenance is None or x.provenance.meta is None
                                               or x.provenance.meta.params == plan.meta.params))
    return MappingReport(load_id, spec.name, spec.version, spec.dataset,
                         {k: tuple(v) for k, v in drafts.sources.items()}, dict(drafts.rows), result,
                         tuple(sorted(plan.xrefs, key=lambda x: x.key)), gone,
                         tuple(p for p in plan.problems if p.severity == "warning"),
                         tuple(plan.errors) if skip_invalid else (), (len(plan.nodes), len(plan.edges)),
                         address_counts(p for _, p in plan.placements))


def address_counts(placements) -> tuple[tuple[str, int], ...]:
    """How many addresses each rule placed, then how many none or several districts: in that order."""
    counts = Counter(p.how for p in placements)
    return tuple((how, counts[how]) for how in (*HOW, "none", "ambiguous") if counts[how])


def _differs(x: Xref, before: Xref | None) -> bool:
    return before is None or replace(x, provenance=None) != replace(before, provenance=None)


# --------------------------------------------------------------------------- nodes


class _Merger:
    """Final node records and crosswalk records from the drafts and what the store holds."""

    def __init__(self, store: Store, source: str, drafts: Drafts, ids: Identities, previous: dict[str, Xref],
                 prov: Callable[[Location], Provenance], warnings: list[Problem]):
        self.source, self.warnings, self.prov = source, warnings, prov
        groups: dict[str, list[NodeDraft]] = defaultdict(list)
        for key, found in ids.by_key.items():
            groups[found.node].append(drafts.nodes[key])
        present = store.kinds(groups)  # merged into a node the store holds, or made here
        ids.existing.update(present)
        current = current_nodes(store, present)
        others: dict[str, set[str]] = defaultdict(set)
        for x in store.xrefs() if current else ():
            if x.source != source:
                others[x.node] |= set(x.filled)
        mine: dict[str, list[Xref]] = defaultdict(list)
        for x in previous.values():
            mine[x.node].append(x)
        self.nodes: dict[str, Node] = {}
        self.where: dict[str, Location] = {}
        contributed: dict[str, tuple[set[str], set[str]]] = {}
        for node_id, group in groups.items():
            created = node_id not in current or any(
                x.status != "merged" and x.node == node_id for x in mine.get(node_id, ()))
            node, filled, aliases = self._node(node_id, group, current.get(node_id), created, others[node_id],
                                               mine.get(node_id, []))
            self.nodes[node_id] = node
            self.where[node_id] = group[0].at
            if not created:
                contributed[node_id] = (filled, aliases)
        self.xrefs = self._xrefs(drafts, ids, previous, contributed)

    def _node(self, node_id: str, group: list[NodeDraft], current: Node | None, created: bool,
              others_filled: set[str], mine: list[Xref]) -> tuple[Node, set[str], set[str]]:
        said: dict = {}
        names: list[str] = []
        for d in group:
            names += [d.name, *d.names]
            combine(said, d.props, d.at, group[0].at, "the same node", self.warnings)
        names += said.pop("aliases", [])
        first = group[0]
        if current is None:
            aliases = [n for n in dict.fromkeys(names) if n != first.name]
            props = {**said, **({"aliases": aliases} if aliases else {})}
            return Node(node_id, first.kind, first.name, props, self.prov(first.at)), set(), set(aliases)
        props = dict(current.props)
        owned = (set(props) - others_filled - {"aliases"}) if created else set().union(*(x.filled for x in mine))
        filled = set()
        for prop, value in said.items():
            have = props.get(prop)
            if have is None or prop in owned:
                props[prop] = value
                filled.add(prop)  # the source's own value now (a value equal to another's stays theirs)
            elif have == value:
                pass
            elif isinstance(have, list):
                props[prop] = list(dict.fromkeys([*have, *value]))
            else:
                self.warnings.append(Problem(first.at, f"{prop}: {value!r} given here differs from {have!r} that "
                                                       f"{node_id!r} already has; that value is kept", "warning"))
        for prop in owned - set(said) - {"aliases"}:
            props.pop(prop, None)  # the source no longer says it
        name = current.name
        if created and first.name != name:
            names.append(name)  # renamed: the old name stays findable as an alias
            name = first.name
        before = list(props.get("aliases", ()))
        aliases = [n for n in dict.fromkeys([*before, *names]) if n != name]
        if aliases:
            props["aliases"] = aliases
        else:
            props.pop("aliases", None)
        same = name == current.name and props == dict(current.props)
        prov = self.prov(first.at) if created and not same else current.provenance
        return Node(node_id, current.kind, name, props, prov), filled, set(aliases) - set(before)

    def _xrefs(self, drafts: Drafts, ids: Identities, previous: dict[str, Xref],
               contributed: dict[str, tuple[set[str], set[str]]]) -> list[Xref]:
        out = []
        credited: set[str] = set()
        for key, found in ids.by_key.items():
            d = drafts.nodes[key]
            before = previous.get(key)
            decision = found.decision
            if found.recorded is not None:
                x = replace(found.recorded, name=d.name, provenance=self.prov(d.at))
            elif decision.status == "ambiguous":
                x = Xref(self.source, key, key, d.kind, d.name, decision.rule, decision.score, "ambiguous",
                         decision.candidates, provenance=self.prov(d.at))
            else:
                x = Xref(self.source, key, found.node, d.kind, d.name, decision.rule, decision.score,
                         decision.status, provenance=self.prov(d.at),
                         matched=decision.match.names if decision.match else ())
            if x.status == "merged":
                filled, aliases = contributed.get(found.node, (set(), set()))
                if found.node not in credited:  # a node's contribution is credited to its first record
                    credited.add(found.node)
                    x = replace(x, filled=tuple(sorted(set(filled))),
                                aliases=tuple(sorted(set(aliases) | set(before.aliases if before else ()))))
                else:
                    x = replace(x, filled=(), aliases=())
            if before is not None and not _differs(x, before):
                x = before  # unchanged: keeps its provenance
            out.append(x)
        return out


# --------------------------------------------------------------------------- edges


def _edges(drafts: Drafts, ends: EndResolver, prov: Callable[[Location], Provenance],
           warnings: list[Problem]) -> list[tuple[Edge, Location]]:
    found: dict[tuple, tuple[Edge, Location]] = {}
    for e in drafts.edges:
        src, dst = ends(e.src), ends(e.dst)
        if src is None or dst is None:
            continue
        edge = canonical(Edge(e.kind, src, dst, e.props, prov(e.at)))
        ident = (edge.kind, edge.src, edge.dst, edge_key(edge.kind, edge.props))
        if ident not in found:
            found[ident] = (edge, e.at)
            continue
        old, at = found[ident]
        props = dict(old.props)
        combine(props, e.props, e.at, at, f"the same {e.kind} edge", warnings)
        found[ident] = (replace(old, props=props), at)
    return list(found.values())


def _address_districts(store: Store, source: str, edges: list[tuple[Edge, Location]], drafts: Drafts,
                       ends: EndResolver, warnings: list[Problem]) -> tuple[list[tuple[Edge, Location]], list[Replace]]:
    """Districts read from addresses.  A node another source placed keeps that district (a different
    one is reported, not added); a node only this mapping placed moves with its address (its earlier
    district is replaced, or dropped when the address names none now)."""
    drafted = [e for e in drafts.edges if e.dst.match == "address" and e.kind == "IN_DISTRICT"]
    if not drafted:
        return edges, []
    at_address = {e.at for e in drafted}
    placed: dict[str, dict[str, Location]] = defaultdict(dict)  # node -> district -> where its address is
    for edge, at in edges:
        if edge.kind == "IN_DISTRICT" and at in at_address:
            placed[edge.src][edge.dst] = at
    nodes = {ends.ids.node(e.src.raw) for e in drafted if e.src.match == "key" and e.src.raw in ends.ids.by_key}
    dropped: set[tuple[str, str]] = set()
    replaces = []
    stored = out_edges(store, (n for n in nodes if ends.ids.existing.get(n)), "IN_DISTRICT")
    for node, have in stored.items():
        mine = {d.id for e, d in have if _made_by(e, source)}
        theirs = [d for e, d in have if not _made_by(e, source)]
        if theirs:
            for district, at in placed[node].items():
                if district not in {d.id for d in theirs}:
                    dropped.add((node, district))
                    warnings.append(Problem(at, f"the address places {node!r} in {district}, but it is in "
                                                f"{', '.join(d.name for d in theirs)}; that district is kept",
                                            "warning"))
        elif mine and mine != set(placed[node]):
            replaces.append(Replace(node, "IN_DISTRICT", "out"))
    kept = [(e, at) for e, at in edges if not (e.kind == "IN_DISTRICT" and (e.src, e.dst) in dropped)]
    return kept, replaces


def _made_by(edge: Edge, source: str) -> bool:
    meta = edge.provenance.meta if edge.provenance else None
    return meta is not None and meta.mapping == source


# --------------------------------------------------------------------------- checks and the write

_TAXONOMY = {**{i: "Field" for i in FIELD_BY_ID}, **{i: "Segment" for i in SEGMENT_BY_ID},
             **{i: "Specialty" for i in SPECIALTY_BY_ID}}


def _check(nodes: dict[str, Node], edges: list[tuple[Edge, Location]], ends: EndResolver, store: Store,
           where: dict[str, Location], problems: list[Problem]) -> tuple[set[str], set[int]]:
    """Schema checks of the final records: the ids of the nodes and the positions of the edges that fail."""
    bad: set[str] = set()
    for node in nodes.values():
        try:
            check_node(node)
        except SchemaError as exc:
            problems.append(Problem(where[node.id], str(exc)))
            bad.add(node.id)
    kinds = {**_TAXONOMY, **ends.kinds, **{n.id: n.kind for n in nodes.values()}}
    unknown = {x for e, _ in edges for x in (e.src, e.dst) if x not in kinds}
    kinds.update(store.kinds(unknown))
    bad_edges = set()
    for i, (edge, at) in enumerate(edges):
        try:
            check_edge(edge, kinds.get)
        except SchemaError as exc:
            problems.append(Problem(at, str(exc)))
            bad_edges.add(i)
    return bad, bad_edges


def _write(store: Store, nodes: list[Node], edges: list[Edge], xrefs: list[Xref],
           progress: Progress | None, replaces: list[Replace] = ()) -> WriteResult:
    total, done = len(nodes) + len(edges), 0
    result = WriteResult()
    moved = {r.node for r in replaces}
    with store.batch(bulk=total >= BULK_RECORDS):
        if replaces:  # a node's districts are exactly the ones in the write that replaces them
            batch = [e for e in edges if e.kind == "IN_DISTRICT" and e.src in moved]
            result += store.write(edges=batch, replace=replaces)
            edges, done = [e for e in edges if not (e.kind == "IN_DISTRICT" and e.src in moved)], len(batch)
        for records, write in ((nodes, lambda c: store.write(nodes=c)), (edges, lambda c: store.write(edges=c))):
            for i in range(0, len(records), CHUNK):
                part = records[i:i + CHUNK]
                result += write(part)
                done += len(part)
                if progress:
                    progress(done, total)
        if xrefs:
            store.write_xrefs(xrefs)
    return result
