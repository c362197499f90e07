"""Resolving the reference cells of interchange files to node ids (``graph.references`` does the
resolving: ids, names, aliases, taxonomy labels, division codes), with located problems; and placing
rows with an address but no district (``loaders.address``).
"""

from __future__ import annotations

from graph.interface import Store
from graph.references import NodeNames, References, Unresolved
from loaders.address import District, Town, district_of, divisions_of, place
from loaders.rows import Draft, Ref
from ontology import Location, Problem
from ontology.model import a


class Resolver:
    """Resolves the references of a set of drafts; problems go to ``problems``."""

    def __init__(self, store: Store, drafts: list[Draft], problems: list[Problem]):
        self.problems, self.store = problems, store
        self.rows: dict[str, Draft] = {}  # node id -> the row defining it
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
        # a row of this load stands for its node alone: a renamed node no longer answers to its old name
        self.refs = References.of_store(store, self.kind_of, self._local, replaces=True)

    def kind_of(self, node_id: str) -> str | None:
        row = self.rows.get(node_id)
        return row.spec.kind if row is not None else self.stored.get(node_id)

    def _local(self, kind: str) -> list[NodeNames]:
        return [NodeNames(i, kind, d.name, tuple(d.props.get("aliases", ())), d.props.get("code"))
                for i, d in self.rows.items() if d.spec.kind == kind]

    def resolve_all(self) -> None:
        for d in self.drafts:
            for ref in d.refs:
                self._resolve(d, ref)
        self._place_addresses()

    def _place_addresses(self) -> None:
        """Rows with an empty district and an address: the district the address names (``loaders.address``),
        with a warning that says how it was found; none found is an error where a district is required."""
        rows = [d for d in self.drafts if d.address_pos and not d.errors]
        if not rows:
            return
        divisions = divisions_of(self.store, self._districts(), self._towns())
        for d in rows:
            column = d.spec.column("district")
            at = Location(d.source, d.line, d.address_pos)
            found = place(d.props["address"], divisions, d.props.get("province"))
            if found.district is not None:
                d.refs.append(Ref(found.district, column, d.address_pos, found.district))
                self.problems.append(Problem(at, f"district: {found.name}, placed by the address, which "
                                                 f"{found.note}", "warning"))
            elif column.required:
                self.problems.append(Problem(at, f"district is required, and the address {found.note}"))
                d.errors += 1
            else:
                self.problems.append(Problem(at, f"district: none; the address {found.note}", "warning"))

    def _districts(self) -> list[District]:
        return [district_of(i, d.name, d.props) for i, d in self.rows.items() if d.spec.kind == "District"]

    def _towns(self) -> list[Town]:
        return [Town(i, d.name, r.resolved, tuple(d.props.get("aliases", ()))) for i, d in self.rows.items()
                if d.spec.kind == "Subdistrict" and not d.errors
                for r in d.refs if r.column.name == "district" and r.resolved]

    def _resolve(self, draft: Draft, ref: Ref) -> None:
        col = ref.column
        # names that may match nothing (patent applicants) are kept, not corrected: no suggestion
        found = self.refs.resolve(ref.raw, col.refs, suggest=col.unresolved_prop is None)
        if isinstance(found, Unresolved):
            if found.reason == "unknown" and col.unresolved_prop:
                draft.props.setdefault(col.unresolved_prop, []).append(ref.raw)
                self.problems.append(Problem(draft.at(ref), f"{col.name}: {ref.raw!r} matches no organisation; "
                                                            f"kept as {col.unresolved_prop}", "warning"))
                return
            self.problems.append(Problem(draft.at(ref), f"{col.name}: {found.message}"))
            draft.errors += 1
            return
        target = self.rows.get(found.id)  # reuse the row's own id string: the cell's copy can go
        ref.resolved = ref.raw = target.node_id if target is not None else found.id  # type: ignore[assignment]

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
