"""Which node each draft of a mapping load becomes, and which node each edge end names.

A draft keeps the node its source's crosswalk recorded for it; otherwise a key that is already a
node's id is that node; otherwise, for organisations, entity resolution decides (merge into a
clearly matching node, or keep a node of its own when several match or none does).  Edge ends are
resolved by ``graph.references`` as every reference is (keys of this load, ids in the store,
taxonomy labels, names, aliases, division codes), or — with ``match = "name"`` — through entity
resolution, or — with ``match = "address"`` — as the district an address names (``loaders.address``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from graph.interface import Store
from graph.model import Edge, Node, Xref
from graph.references import NodeNames, References, Unresolved, node_names
from loaders.address import Divisions, Placement, district_of, divisions_of, place
from loaders.entity.index import Decision, EntityIndex
from loaders.entity.match import Entity, Match
from loaders.mapping.records import Drafts, NodeDraft, Ref
from ontology import Location, Problem
from ontology.model import a

ORG_KINDS = ("Enterprise", "Institution")


def entity_of(node_id: str, kind: str, name: str, props: dict, more_names: Iterable[str] = ()) -> Entity:
    names = tuple(dict.fromkeys([name, *more_names, *props.get("aliases", ())]))
    return Entity(node_id, kind, names, props.get("type") if kind == "Institution" else None,
                  props.get("province"), props.get("uscc"))


@dataclass
class Identified:
    """The outcome for one draft."""

    node: str
    decision: Decision
    recorded: Xref | None = None  # the crosswalk record it reused


@dataclass
class Identities:
    by_key: dict[str, Identified] = field(default_factory=dict)
    existing: dict[str, str] = field(default_factory=dict)  # id -> kind, of the store's nodes this load names
    problems: list[Problem] = field(default_factory=list)
    _index: EntityIndex | None = None

    def node(self, key: str) -> str:
        return self.by_key[key].node


def _store_index(store: Store) -> EntityIndex:
    index = EntityIndex()
    for kind in ORG_KINDS:
        for n in store.nodes(kind):
            index.add(entity_of(n.id, n.kind, n.name, dict(n.props)))
    return index


def identify(store: Store, drafts: Drafts, previous: dict[str, Xref]) -> Identities:
    """Decide the node of every draft (in the order the drafts were made)."""
    out = Identities()
    keys = list(drafts.nodes)
    recorded_nodes = {x.node for x in previous.values()}
    raw_refs = {r.raw for e in drafts.edges for r in (e.src, e.dst)}
    out.existing = store.kinds(set(keys) | recorded_nodes | raw_refs)
    claimed: dict[int, tuple[set[str], set[str]]] = {}  # per distinct rule: the nodes its records made, merged into
    merging: dict[tuple[int, str], list[str]] = {}  # (distinct rule, node) -> the records of this load merging there
    for key in keys:  # what an earlier load of a register decided binds its new records too
        d, prev = drafts.nodes[key], previous.get(key)
        if d.rule.distinct and prev is not None:
            made, merged_into = claimed.setdefault(id(d.rule), (set(), set()))
            (merged_into if prev.status == "merged" else made).add(prev.node)
    for key in keys:
        d = drafts.nodes[key]
        prev = previous.get(key)
        if prev is not None and prev.status == "rejected":  # an undone merge: its own node, for good
            out.by_key[key] = Identified(key, Decision("new"), prev)
            _remember(out, store, d, key, False)
            continue
        if prev is not None and out.existing.get(prev.node) == d.kind:
            decision = Decision(prev.status, prev.node if prev.status == "merged" else None)
            out.by_key[key] = Identified(prev.node, decision, prev)
            _remember(out, store, d, prev.node, prev.status == "merged")
            continue
        kind = out.existing.get(key)
        if kind is not None:
            if kind != d.kind:
                out.problems.append(Problem(d.at, f"id {key!r} already exists in the store as {a(kind)}, "
                                                  f"not {a(d.kind)}"))
                continue
            out.by_key[key] = Identified(key, Decision("merged", key, Match(1.0, "id", (d.name, d.name))))
            _remember(out, store, d, key, True)
            continue
        decision = Decision("new")
        made, merged_into = claimed.setdefault(id(d.rule), (set(), set()))
        if d.rule.resolve:  # a register's record is none of the nodes its other records made
            decision = _index(out, store).resolve(entity_of(key, d.kind, d.name, d.props, d.names),
                                                  exclude=made if d.rule.distinct else ())
        if d.rule.distinct and decision.status == "merged" and decision.node in merged_into:
            # a node an earlier load of the register merged a record into: which record it is, no rule can say
            decision = Decision("ambiguous", None, decision.match, (decision.node,))
        node = decision.node if decision.status == "merged" else key
        if d.rule.distinct:
            if decision.status == "merged":
                merging.setdefault((id(d.rule), node), []).append(key)
            else:
                made.add(node)
        out.by_key[key] = Identified(node, decision)  # type: ignore[arg-type]
        _remember(out, store, d, node, decision.status == "merged")  # type: ignore[arg-type]
    for (_, node), records in merging.items():  # two records of a register, one node: none of them merges
        if len(records) > 1:
            for key in records:
                match = out.by_key[key].decision.match
                out.by_key[key] = Identified(key, Decision("ambiguous", None, match, (node,)))
                _remember(out, store, drafts.nodes[key], key, False)
    return out


def _index(out: Identities, store: Store) -> EntityIndex:
    if out._index is None:
        out._index = _store_index(store)
    return out._index


def _remember(out: Identities, store: Store, d: NodeDraft, node: str, merged: bool) -> None:
    """Later drafts resolve against this one too: as a new entity, or as more names of its node."""
    if not d.rule.resolve:
        return
    index = _index(out, store)
    if merged and node in index.entities:
        index.alias(node, [d.name, *d.names, *d.props.get("aliases", ())])
    elif not merged:
        index.add(entity_of(node, d.kind, d.name, d.props, d.names))


# --------------------------------------------------------------------------- edge ends


class EndResolver:
    """Turns edge-draft ends into node ids, reporting those it cannot."""

    def __init__(self, store: Store, drafts: Drafts, ids: Identities):
        self.store, self.drafts, self.ids = store, drafts, ids
        self.kinds = {**ids.existing, **{f.node: drafts.nodes[k].kind for k, f in ids.by_key.items()}}
        self.refs = References.of_store(store, self._kind_of, self._local)
        self._divisions: Divisions | None = None
        self.placements: list[tuple[Location, Placement]] = []  # match = "address": each address and its district

    def __call__(self, ref: Ref) -> str | None:
        if ref.match == "key":
            found = self.ids.by_key.get(ref.raw)
            return found.node if found else None
        if ref.match == "name":
            return self._by_name(ref)
        if ref.match == "address":
            return self._by_address(ref)
        resolved = self.refs.resolve(ref.raw, ref.kinds)
        if isinstance(resolved, Unresolved):
            return self._fail(ref, resolved.message)
        return self.ids.node(resolved.id) if resolved.by == "id" and resolved.id in self.ids.by_key else resolved.id

    def _kind_of(self, raw: str) -> str | None:
        """A key of this load (its draft's kind) or the id of a stored node."""
        if raw in self.ids.by_key:
            return self.drafts.nodes[raw].kind
        return self.ids.existing.get(raw)

    def _local(self, kind: str) -> list[NodeNames]:
        """The names this load gives its records of ``kind``, as names of the nodes they became."""
        return [node_names(self.ids.node(key), kind, d.name, d.props, d.names) for key, d in self.drafts.nodes.items()
                if d.kind == kind and key in self.ids.by_key]

    def _fail(self, ref: Ref, message: str) -> None:
        self.ids.problems.append(Problem(ref.at, message))
        return None

    def _by_address(self, ref: Ref) -> str | None:
        """The district an address names (``loaders.address``); none is no problem, several a warning."""
        if self._divisions is None:
            mine = [d for key, d in self.drafts.nodes.items() if d.kind == "District" and key in self.ids.by_key]
            self._divisions = divisions_of(self.store, [district_of(self.ids.node(d.key), d.name, d.props, d.names)
                                                        for d in mine])
        found = place(ref.raw, self._divisions)
        self.placements.append((ref.at, found))
        if found.how == "ambiguous":
            self.ids.problems.append(Problem(ref.at, f"the address {ref.raw!r} {found.note}: no district given",
                                             "warning"))
        elif found.how == "former":
            self.ids.problems.append(Problem(ref.at, f"placed in {found.name}: the address {ref.raw!r} {found.note}",
                                             "warning"))
        return found.district

    def _by_name(self, ref: Ref) -> str | None:
        kinds = [k for k in ref.kinds if k in ORG_KINDS]
        if not kinds:
            return self._fail(ref, f"match = \"name\" works for {' and '.join(ORG_KINDS)} ends only")
        index = _index(self.ids, self.store)
        found: set[str] = set()
        for kind in kinds:
            decision = index.resolve(Entity(f"\0ref:{ref.raw}", kind, (ref.raw,)))
            if decision.status == "ambiguous":
                return self._fail(ref, f"{ref.raw!r} names several organisations "
                                       f"({', '.join(decision.candidates)}); use an id")
            if decision.node:
                found.add(decision.node)
        if len(found) != 1:
            what = "no organisation" if not found else f"several organisations ({', '.join(sorted(found))})"
            return self._fail(ref, f"{ref.raw!r} matches {what}")
        return found.pop()


def out_edges(store: Store, ids: Iterable[str], kind: str, chunk: int = 5_000) -> dict[str, list[tuple[Edge, Node]]]:
    """The stored ``kind`` edges out of each of ``ids``, with the node at their end (one round trip per
    chunk, not one per node)."""
    wanted = sorted(set(ids))
    out: dict[str, list[tuple[Edge, Node]]] = {i: [] for i in wanted}
    for i in range(0, len(wanted), chunk):
        part, room = wanted[i:i + chunk], 2 * min(chunk, len(wanted) - i) + 100
        while (sub := store.subgraph(part, depth=1, edge_kinds=[kind], max_nodes=room)).truncated:
            room *= 2  # more ends than guessed: read the chunk again with room for them all
        ends = {n.id: n for n in sub.nodes}
        for e in sub.edges:
            if e.kind == kind and e.src in out:
                out[e.src].append((e, ends[e.dst]))
    return out


def current_nodes(store: Store, ids: Iterable[str], chunk: int = 5_000) -> dict[str, Node]:
    """The stored nodes among ``ids`` (one round trip per chunk)."""
    wanted = sorted(set(ids))
    out: dict[str, Node] = {}
    for i in range(0, len(wanted), chunk):
        part = wanted[i:i + chunk]
        out.update((n.id, n) for n in store.subgraph(part, depth=0, max_nodes=len(part)).nodes)
    return out
