"""The embedded store's file format and its in-memory mirror: tables, packing, and the graph build.

Rows are addressed by rowid; the networkx graph in memory is the index.  In memory a node is
``G.nodes[id] = {"kind", "name", "_p", **props}`` and an edge is keyed by its kind (or
``(kind, key)`` for keyed kinds) with ``{"kind", "_p", **props}``; ``_p`` packs the rowid and the
provenance (load, source file, row) into one int to keep memory per edge small.
"""

from __future__ import annotations

import json
import sqlite3
import sys
from collections import Counter
from dataclasses import dataclass
from typing import Any

import networkx as nx

from graph.memory import no_cyclic_gc
from graph.model import KEY_OF, Provenance, Xref, edge_key, now_iso  # noqa: F401  (KEY_OF, now_iso re-exported)
from graph.validate import RESERVED
from ontology import EDGE_KINDS, NODE_KINDS

FORMAT = "biokg-embedded-5"
NAMES_PER_NODE = 1024  # the name and up to 1023 aliases are searchable

# The change journal: what each committed write changed, so that another process's store brings
# its mirror up to date by re-reading only those rows (graph/embedded_journal.py).  One row per
# changed record: ``tab`` is 'n' (a node), 'e' (an edge), 'l' (a load), 's' (a source file) and
# ``rid`` its rowid in that table; ``ident`` is NULL when the row was written (its current content
# is read back from its table), and names what was deleted (a node's id, an edge's
# ``[src, dst, kind, key]``, a load's id).  A single row with ``tab`` '*' stands for a change
# too big to journal (a bulk batch, or more than JOURNAL_LIMIT rows): readers behind it rebuild.
# AUTOINCREMENT: a seq is never used twice, even when pruning has emptied the table.
JOURNAL_DDL = """CREATE TABLE IF NOT EXISTS journal (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, tab TEXT NOT NULL, rid INTEGER NOT NULL, ident TEXT
)"""
# A file's identity: a reader whose file has another one (restored over it) rebuilds.
INSTANCE_SQL = "INSERT OR IGNORE INTO meta VALUES ('instance', lower(hex(randomblob(16))))"
REBUILD = "*"
# A transaction that changes more rows than this journals one REBUILD row instead; the journal
# keeps this many rows (older ones are pruned by the writes), and a reader further behind rebuilds.
JOURNAL_LIMIT = 50_000
# A reader also rebuilds when it is more rows behind than half of what its graph holds (and at
# least CATCH_UP_MIN): catching up a row costs about twice what a rebuild spends per row of the
# store (bench.catchup: 8-14 µs against 6-8 µs), so a change that big is taken in faster so.
CATCH_UP_MIN = 1_000

# Older formats this one reads after an in-place upgrade: format -> statements.
UPGRADES = {
    "biokg-embedded-3": ("ALTER TABLE loads ADD COLUMN meta TEXT", JOURNAL_DDL, INSTANCE_SQL),
    "biokg-embedded-4": (JOURNAL_DDL, INSTANCE_SQL),
}

DDL = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS loads (
    idx INTEGER PRIMARY KEY, load_id TEXT UNIQUE NOT NULL, loaded_at TEXT NOT NULL, meta TEXT
);
CREATE TABLE IF NOT EXISTS sources (idx INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    rid INTEGER PRIMARY KEY, id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, props TEXT NOT NULL,
    load INTEGER NOT NULL, source INTEGER NOT NULL, row INTEGER
);
CREATE TABLE IF NOT EXISTS edges (
    rid INTEGER PRIMARY KEY, src TEXT NOT NULL, kind TEXT NOT NULL, dst TEXT NOT NULL, key TEXT NOT NULL,
    props TEXT NOT NULL, load INTEGER NOT NULL, source INTEGER NOT NULL, row INTEGER
);
-- Entity resolution's crosswalk: a source record (source, key) and the node it became.
CREATE TABLE IF NOT EXISTS xrefs (
    source TEXT NOT NULL, key TEXT NOT NULL, node TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL,
    rule TEXT NOT NULL, score REAL NOT NULL, status TEXT NOT NULL, data TEXT NOT NULL,
    load INTEGER NOT NULL, file INTEGER NOT NULL, row INTEGER, PRIMARY KEY (source, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS xrefs_node ON xrefs (node);
-- a service record is looked up by its id alone (one id, one record in the store)
CREATE INDEX IF NOT EXISTS edges_record ON edges (key) WHERE kind = 'TRACKS';
-- Names and aliases in search form; rowid = node rid * {NAMES_PER_NODE} + position (0 = the name).
CREATE VIRTUAL TABLE IF NOT EXISTS names USING fts5(norm, text UNINDEXED, tokenize='trigram');
{JOURNAL_DDL};
"""

KINDS = {k: sys.intern(k) for k in (*NODE_KINDS, *EDGE_KINDS)}
_ROW_BITS, _SOURCE_BITS, _LOAD_BITS = 40, 20, 20
_RID_SHIFT = _ROW_BITS + _SOURCE_BITS + _LOAD_BITS
_MASK = (1 << _RID_SHIFT) - 1
_ENCODE = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode
_DECODE = json.JSONDecoder().decode


def pack(rid: int, load: int, source: int, row: int | None) -> int:
    return ((rid << _RID_SHIFT) | (load << (_ROW_BITS + _SOURCE_BITS)) | (source << _ROW_BITS)
            | (0 if row is None else row + 1))


def unpack(p: int) -> tuple[int, int, int, int | None]:
    """(rowid, load, source, row)"""
    row = p & ((1 << _ROW_BITS) - 1)
    return (p >> _RID_SHIFT, (p & _MASK) >> (_ROW_BITS + _SOURCE_BITS), (p >> _ROW_BITS) & ((1 << _SOURCE_BITS) - 1),
            row - 1 if row else None)


def rid_of(p: int) -> int:
    return p >> _RID_SHIFT


def load_of(p: int) -> int:
    return (p & _MASK) >> (_ROW_BITS + _SOURCE_BITS)


def dumps(props: dict[str, Any]) -> str:
    return _ENCODE(props) if props else "{}"


def loads(text: str) -> dict[str, Any]:
    return _DECODE(text) if text != "{}" else {}


def edge_ident(src: str, dst: str, kind: str, key: str) -> str:
    """A deleted edge's identity in the journal."""
    return _ENCODE([src, dst, kind, key])


def parse_ident(text: str) -> tuple[str, str, str, str]:
    src, dst, kind, key = _DECODE(text)
    return src, dst, kind, key


def props_of(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if k not in RESERVED}


def same(attrs: dict[str, Any], props: dict[str, Any], reserved: int) -> bool:
    """Whether stored ``attrs`` (with ``reserved`` store keys) hold exactly ``props``."""
    return len(attrs) == len(props) + reserved and all(attrs.get(k, same) == v for k, v in props.items())


# ----------------------------------------------------------------------------- edge keys

# Edge kinds keyed by a single property: their key is that property's value (one string, not two).
EDGE_KEY_PROP = {k: kind.key[0] for k, kind in EDGE_KINDS.items() if len(kind.key) == 1}




def nx_key(kind: str, key: str) -> Any:
    return KINDS[kind] if not key else (KINDS[kind], key)


def split_key(key: Any) -> tuple[str, str]:
    return (key, "") if isinstance(key, str) else key


def memory_key(kind: str, key: str, attrs: dict[str, Any]) -> Any:
    """The networkx key of an edge, reusing the key property's own (shared) string."""
    prop = EDGE_KEY_PROP.get(kind)
    if prop is not None and attrs.get(prop) == key:
        key = attrs[prop]
    return nx_key(kind, key)


# ----------------------------------------------------------------------------- shared strings


def _shareable() -> frozenset[str]:
    """Property names whose values repeat across records (codes, dates, IPC symbols, field ids)."""
    shared, private = set(), set()
    for kind in (*NODE_KINDS.values(), *EDGE_KINDS.values()):
        for p in kind.props:
            many = p.type in ("enum", "enum_list", "date") or p.fmt in ("ipc", "field_id")
            (shared if many else private).add(p.name)
    return frozenset(shared - private)


_SHAREABLE = _shareable()


class Strings:
    """Keeps one copy of each property name and of each shareable value in memory.

    JSON decoding makes fresh strings for every key and value of every record; on a region of a
    million rows the copies of "application_date", "granted" and "2024-05-01" cost hundreds of MB.
    """

    def __init__(self) -> None:
        self.table: dict[str, str] = {}

    def attrs(self, props: dict[str, Any]) -> dict[str, Any]:
        table = self.table
        out = {}
        for k, v in props.items():
            k = table.setdefault(k, k)
            if k in _SHAREABLE:
                if isinstance(v, str):
                    v = table.setdefault(v, v)
                elif isinstance(v, list):
                    v = [table.setdefault(x, x) for x in v]
            out[k] = v
        return out


# ----------------------------------------------------------------------------- the mirror


@dataclass
class Mirror:
    """The in-memory side of an embedded store, built from its file."""

    graph: nx.MultiDiGraph
    canon: dict[str, str]  # id -> the node's own id string, shared by every edge at it
    strings: Strings  # shares names and repeated values; writes that extend the mirror use it too
    node_counts: Counter[str]
    edge_counts: Counter[str]
    next_node: int
    next_edge: int


NODE_COLUMNS = "rid, id, kind, name, props, load, source, row"
EDGE_COLUMNS = "rid, src, kind, dst, key, props, load, source, row"


def node_attrs(strings: Strings, rid: int, kind: str, name: str, props: str, load: int, source: int,
               row: int | None) -> dict[str, Any]:
    """A ``nodes`` row's attributes in memory, as the mirror holds them (shared strings, interned kind)."""
    attrs = strings.attrs(loads(props))
    attrs["kind"], attrs["name"], attrs["_p"] = KINDS[kind], name, pack(rid, load, source, row)
    return attrs


def edge_attrs(strings: Strings, rid: int, kind: str, props: str, load: int, source: int,
               row: int | None) -> dict[str, Any]:
    """An ``edges`` row's attributes in memory."""
    attrs = strings.attrs(loads(props)) if props != "{}" else {}
    attrs["kind"], attrs["_p"] = KINDS[kind], pack(rid, load, source, row)
    return attrs


def next_rids(conn: sqlite3.Connection) -> tuple[int, int]:
    """The rowids the next new node and edge get."""
    return ((conn.execute("SELECT max(rid) FROM nodes").fetchone()[0] or 0) + 1,
            (conn.execute("SELECT max(rid) FROM edges").fetchone()[0] or 0) + 1)


def read_mirror(conn: sqlite3.Connection) -> Mirror:
    """Build the graph from the ``nodes`` and ``edges`` tables (networkx's adjacency dicts directly:
    its public methods cost more than the reading itself)."""
    g = nx.MultiDiGraph()
    node_dict, succ, pred = g._node, g._succ, g._pred
    node_counts: Counter[str] = Counter()
    edge_counts: Counter[str] = Counter()
    strings = Strings()
    canon: dict[str, str] = {}
    with no_cyclic_gc():
        for rid, nid, kind, name, props, load, source, row in conn.execute(f"SELECT {NODE_COLUMNS} FROM nodes"):
            attrs = node_attrs(strings, rid, kind, name, props, load, source, row)
            node_dict[nid] = attrs
            succ[nid], pred[nid] = {}, {}
            canon[nid] = nid
            node_counts[attrs["kind"]] += 1
        for rid, src, kind, dst, key, props, load, source, row in conn.execute(f"SELECT {EDGE_COLUMNS} FROM edges"):
            attrs = edge_attrs(strings, rid, kind, props, load, source, row)
            src, dst = canon[src], canon[dst]
            keydict = succ[src].get(dst)
            if keydict is None:
                keydict = succ[src][dst] = pred[dst][src] = {}
            keydict[memory_key(attrs["kind"], key, attrs)] = attrs
            edge_counts[attrs["kind"]] += 1
    next_node, next_edge = next_rids(conn)
    return Mirror(g, canon, strings, node_counts, edge_counts, next_node, next_edge)


# ----------------------------------------------------------------------------- the crosswalk


def xref_row(x: Xref, load: int, source: int, row: int | None) -> tuple:
    data = {k: list(v) for k, v in (("candidates", x.candidates), ("filled", x.filled), ("aliases", x.aliases),
                                    ("matched", x.matched)) if v}
    return (x.source, x.key, x.node, x.kind, x.name, x.rule, x.score, x.status, _ENCODE(data), load, source, row)


def xref_of(row: tuple, provenance: Any) -> Xref:
    """An ``xrefs`` row back as a record; ``provenance(load, source, row)`` builds its provenance."""
    src, key, node, kind, name, rule, score, status, data, load, file, line = row
    extra = _DECODE(data)
    return Xref(src, key, node, kind, name, rule, score, status, tuple(extra.get("candidates", ())),
                tuple(extra.get("filled", ())), tuple(extra.get("aliases", ())), provenance(load, file, line),
                tuple(extra.get("matched", ())))
