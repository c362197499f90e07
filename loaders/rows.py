"""Rows of one interchange table -> drafts: typed values and unresolved references, with problems.

A draft is what one row will write once its references are resolved: a node (node files) or an
edge (edge files), plus the edges its reference columns make.  Every problem carries the file,
line and column of the cell that caused it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from loaders.interchange import Column, FileSpec, header_index, prop_decl
from loaders.tables import RawTable
from loaders.values import cell_parser, enum_parser, split_list
from ontology import ENUMS, NODE_KINDS, SCHEMA, Location, Problem, check_node_rules


@dataclass(slots=True)
class Ref:
    """A reference cell (or one item of a list cell) still to be resolved to a node id."""

    raw: str
    column: Column
    pos: int  # 1-based position of the cell in its row (0: the column is absent)
    resolved: str | None = None


@dataclass(slots=True)
class Draft:
    """One row.  Kept compact: a million of them are held while a load is validated."""

    spec: FileSpec
    source: str  # the file (shared by the rows of a table)
    line: int
    node_id: str | None = None  # node files
    name: str = ""
    props: dict[str, Any] = field(default_factory=dict)  # node props, or edge props in edge files
    refs: list[Ref] = field(default_factory=list)
    edge_kind: str | None = None  # edge files
    errors: int = 0
    id_pos: int = 0  # position of the id cell, for problems about the id
    address_pos: int = 0  # the district is empty and the address (in this cell) is to place it

    @property
    def loc(self) -> Location:
        return Location(self.source, self.line)

    @property
    def id_loc(self) -> Location:
        return Location(self.source, self.line, self.id_pos)

    def at(self, ref: Ref) -> Location:
        """Where a reference of this row is."""
        return Location(self.source, self.line, ref.pos)


@dataclass
class Plan:
    """How to read one table: each known column's position and parser."""

    spec: FileSpec
    columns: list[tuple[int, Column, Callable[[str], Any] | None]]
    width: int


def plan_table(table: RawTable, spec: FileSpec, problems: list[Problem]) -> Plan | None:
    """Match the header to the spec; report unknown, duplicated and missing columns."""
    positions, unknown, duplicated = header_index(spec, table.header)
    for raw in unknown:
        col = table.header.index(raw) + 1
        problems.append(Problem(Location(table.source, 1, col),
                                f"column {raw!r} is not part of {spec.name}; ignored", "warning"))
    for raw in duplicated:
        col = table.header.index(raw) + 1
        problems.append(Problem(Location(table.source, 1, col), f"column {raw!r} appears twice"))
    missing = [c.name for c in spec.columns if c.required and c.name not in positions and c.default is None
               and not (c.name == "district" and "address" in positions)]  # an address can place a row
    if missing:
        problems.append(Problem(Location(table.source, 1),
                                f"required column(s) missing: {', '.join(missing)} "
                                f"(columns of {spec.name}: {', '.join(c.name for c in spec.columns)})"))
    if missing or duplicated:
        return None
    columns = []
    excel = table.encoding == "xlsx"  # a spreadsheet's dates may be serial numbers
    for col in spec.columns:
        if col.name not in positions and col.default is None:
            continue
        parser = None
        if col.role == "prop" and not col.refs:
            parser = cell_parser(prop_decl(spec, col), col.multi, excel)
        elif col.role == "direction":
            parser = enum_parser(ENUMS["capability_direction"])
        columns.append((positions.get(col.name, -1), col, parser))
    return Plan(spec, columns, len(table.header))


def read_rows(table: RawTable, plan: Plan, problems: list[Problem]) -> list[Draft]:
    """Drafts for every row of ``table``; problems are appended to ``problems``."""
    spec, source = plan.spec, table.source
    directions = dict(spec.directions)
    id_fmt = NODE_KINDS[spec.kind].id_fmt if spec.kind else None
    id_check = SCHEMA.formats[id_fmt] if id_fmt else None
    drafts = []
    prop_columns = {c.prop: pos + 1 for pos, c, _ in plan.columns if c.role == "prop" and pos >= 0}
    address_pos = prop_columns.get("address", 0) if any(c.name == "district" for c in spec.columns) else 0
    district_pos = next((pos + 1 for pos, c, _ in plan.columns if c.name == "district" and pos >= 0), 0)

    def fail(draft: Draft, column: int, message: str) -> None:
        problems.append(Problem(Location(source, draft.line, column), message))
        draft.errors += 1

    for line, cells in table.rows:
        draft = Draft(spec, source, line, edge_kind=spec.edge)
        if len(cells) > plan.width and any(c.strip() for c in cells[plan.width:]):
            fail(draft, plan.width + 1, f"row has {len(cells)} cells but the header has {plan.width}")
        for pos, col, parser in plan.columns:
            raw = cells[pos].strip() if 0 <= pos < len(cells) else ""
            if not raw and col.default is not None:
                raw = col.default
            if not raw:
                if col.required and not (col.name == "district" and address_pos):  # the address may place it
                    fail(draft, pos + 1, f"{col.name} is required")
                continue
            role = col.role
            if role == "id":
                draft.node_id, draft.id_pos = raw, pos + 1
                problem = id_check(raw) if id_check else None
                if problem:
                    fail(draft, pos + 1, f"id: {problem}")
            elif role == "name":
                draft.name = raw
            elif role == "direction":
                try:
                    draft.edge_kind = directions[parser(raw)]  # type: ignore[misc]
                except ValueError as exc:
                    fail(draft, pos + 1, str(exc))
            elif parser is not None:
                try:
                    draft.props[col.prop] = parser(raw)  # type: ignore[index]
                except ValueError as exc:
                    fail(draft, pos + 1, f"{col.name}: {exc}")
            else:  # references: edge columns, edge ends, field-valued props
                for item in split_list(raw) if col.multi else [raw]:
                    draft.refs.append(Ref(item, col, pos + 1 if pos >= 0 else 0))
        if address_pos and not any(r.column.name == "district" for r in draft.refs):
            if "address" in draft.props:
                draft.address_pos = address_pos
            elif spec.column("district").required:
                fail(draft, district_pos or address_pos, "district is required (or an address that names one)")
        if spec.kind and not draft.errors:
            for prop, message in check_node_rules(spec.kind, draft.props):
                fail(draft, prop_columns.get(prop, 0), f"{prop}: {message}")
        drafts.append(draft)
    return drafts
