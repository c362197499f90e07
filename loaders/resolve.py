"""Resolving reference cells to node ids: against the rows being loaded, the store, and labels.

A reference is an id of a row in this load or of a node already in the store.  Fields and
segments may also be named by their key, Chinese or English label or an alias (``antibody``,
``抗体药物``); districts by name or division code (``闵行区``, ``310112``); patent applicants by an
organisation's name or alias.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from graph.interface import Store
from loaders.rows import Draft, Ref
from ontology import FIELDS, SEGMENTS, SPECIALTIES, Problem, fold
from ontology.model import a

AMBIGUOUS = "\0ambiguous"


def label_index(entries: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    index: dict[str, str] = {}
    for node_id, labels in entries:
        for label in labels:
            key = fold(label)
            if key in index and index[key] != node_id:
                index[key] = AMBIGUOUS
            else:
                index[key] = node_id
    return index


TAXONOMY_LABELS: dict[str, dict[str, str]] = {
    "Field": label_index((f.id, (f.id, f.id.removeprefix("field:"), f.zh, f.en, *f.aliases)) for f in FIELDS),
    "Segment": label_index(
        (s.id, (s.id, s.id.removeprefix("segment:"), s.zh, s.en, *s.aliases)) for s in SEGMENTS
    ),
    "Specialty": label_index(
        (s.id, (s.id, s.id.removeprefix("specialty:"), s.zh, s.en, *s.aliases)) for s in SPECIALTIES
    ),
}


class Resolver:
    """Resolves the references of a set of drafts; problems go to ``problems``."""

    def __init__(self, store: Store, drafts: list[Draft], problems: list[Problem]):
        self.store = store
        self.problems = problems
        self.rows: dict[str, Draft] = {}  # node id -> the row defining it
        self._name_indexes: dict[tuple[str, ...], dict[str, str]] = {}
        for d in drafts:
            if d.node_id is None:
                continue
            first = self.rows.get(d.node_id)
            if first is not None:
                problems.append(Problem(d.id_loc, f"duplicate id {d.node_id!r} (first defined at {first.loc})"))
                d.errors += 1
            else:
                self.rows[d.node_id] = d
        self.drafts = drafts
        raw = {r.raw for d in drafts for r in d.refs if r.raw not in self.rows}
        self.stored = store.kinds(raw | set(self.rows))
        for node_id, d in self.rows.items():
            existing = self.stored.get(node_id)
            if existing is not None and existing != d.spec.kind:
                problems.append(Problem(d.id_loc, f"id {node_id!r} already exists in the store as {a(existing)}"))
                d.errors += 1

    def kind_of(self, node_id: str) -> str | None:
        row = self.rows.get(node_id)
        return row.spec.kind if row is not None else self.stored.get(node_id)

    def resolve_all(self) -> None:
        for d in self.drafts:
            for ref in d.refs:
                self._resolve(d, ref)

    def _resolve(self, draft: Draft, ref: Ref) -> None:
        col = ref.column
        allowed = col.refs
        if len(allowed) == 1 and allowed[0] in TAXONOMY_LABELS:
            found = TAXONOMY_LABELS[allowed[0]].get(ref.raw) or TAXONOMY_LABELS[allowed[0]].get(fold(ref.raw))
            if found and found != AMBIGUOUS:
                ref.resolved = found
                return
            what = allowed[0].lower()
            plural = "specialties" if what == "specialty" else f"{what}s"
            hint = "ambiguous; use the id" if found == AMBIGUOUS else f"see `biokg ontology` for the {plural}"
            self._fail(draft, ref, f"{col.name}: unknown {what} {ref.raw!r} ({hint})")
            return
        kind = self.kind_of(ref.raw)
        node_id = ref.raw
        if kind is None and col.by_name:
            node_id = self._by_name(allowed, ref.raw)
            if node_id == AMBIGUOUS:
                self._fail(draft, ref, f"{col.name}: {ref.raw!r} names several {'/'.join(allowed)} nodes; use an id")
                return
            kind = self.kind_of(node_id) if node_id else None
        if kind is None:
            if col.unresolved_prop:
                names = draft.props.setdefault(col.unresolved_prop, [])
                names.append(ref.raw)
                self.problems.append(Problem(draft.at(ref), f"{col.name}: {ref.raw!r} matches no organisation; "
                                                            f"kept as {col.unresolved_prop}", "warning"))
                return
            self._fail(draft, ref, f"{col.name}: no {' or '.join(allowed)} with id {ref.raw!r}")
            return
        if kind not in allowed:
            self._fail(draft, ref, f"{col.name}: {ref.raw!r} is {a(kind)}, expected {' or '.join(allowed)}")
            return
        target = self.rows.get(node_id)  # reuse the row's own id string: the cell's copy can go
        ref.resolved = ref.raw = target.node_id if target is not None else node_id  # type: ignore[assignment]

    def _fail(self, draft: Draft, ref: Ref, message: str) -> None:
        self.problems.append(Problem(draft.at(ref), message))
        draft.errors += 1

    def _by_name(self, kinds: tuple[str, ...], raw: str) -> str | None:
        index = self._name_indexes.get(kinds)
        if index is None:
            index = self._name_indexes[kinds] = self._build_name_index(kinds)
        return index.get(fold(raw))

    def _build_name_index(self, kinds: tuple[str, ...]) -> dict[str, str]:
        """Names, aliases (and division codes) of nodes of ``kinds`` in this load and in the store."""
        entries: dict[str, list[str]] = defaultdict(list)
        for kind in kinds:
            for node in self.store.nodes(kind):
                if node.id not in self.rows:
                    entries[node.id] += [node.name, *node.props.get("aliases", ()), node.props.get("code") or ""]
        for node_id, d in self.rows.items():
            if d.spec.kind in kinds:
                entries[node_id] += [d.name, *d.props.get("aliases", ()), d.props.get("code") or ""]
        return label_index((k, [v for v in vs if v]) for k, vs in sorted(entries.items()))

    def cascade(self, skipped: set[str]) -> list[Draft]:
        """Rows whose references point at rows in ``skipped``; they must be skipped too."""
        hit = []
        for d in self.drafts:
            if d.errors:
                continue
            for ref in d.refs:
                if ref.resolved in skipped and self.rows.get(ref.resolved) is not None:
                    target = self.rows[ref.resolved]
                    self.problems.append(Problem(d.at(ref), f"{ref.column.name}: {ref.raw!r} refers to a skipped "
                                                            f"row ({target.loc})", "skipped"))
                    d.errors += 1
                    hit.append(d)
                    break
        return hit
