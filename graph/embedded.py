"""The embedded store: one SQLite file (WAL, synchronous=FULL) and a networkx graph in memory.

SQLite is the durable truth: a write returns only after its transaction is committed and synced,
so an acknowledged write survives ``kill -9``.  The networkx ``MultiDiGraph`` mirrors it for
queries and algorithms; it is rebuilt from the file on open, after a rolled-back batch, and when
another process (``biokg load`` beside ``biokg serve``) has committed to the same file.

In memory a node is ``G.nodes[id] = {"kind", "name", "_p", **props}`` and an edge is keyed by its
kind (or ``(kind, key)`` for keyed kinds) with ``{"kind", "_p", **props}``; ``_p`` packs the
provenance (load, source file, row) into one int to keep memory per edge small.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import threading
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx

from graph.interface import DIRECTIONS
from graph.model import (
    Counts,
    Edge,
    LoadRecord,
    Neighbour,
    Node,
    Provenance,
    Replace,
    SearchHit,
    Subgraph,
    WriteResult,
    canonical,
)
from graph.taxonomy import ONTOLOGY_LOAD, taxonomy_records
from graph.text import match_rank, normalise
from graph.validate import RESERVED, check_edge, check_node, clean_props
from ontology import EDGE_KINDS, NODE_KINDS, InvalidInput, NotFound, SchemaError, StoreUnavailable

FORMAT = "biokg-embedded-1"

_DDL = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS loads (idx INTEGER PRIMARY KEY, load_id TEXT UNIQUE NOT NULL, loaded_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (idx INTEGER PRIMARY KEY, path TEXT UNIQUE NOT NULL);
CREATE TABLE IF NOT EXISTS nodes (
    id TEXT PRIMARY KEY, kind TEXT NOT NULL, name TEXT NOT NULL, props TEXT NOT NULL,
    load INTEGER NOT NULL, source INTEGER NOT NULL, row INTEGER
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS edges (
    src TEXT NOT NULL, kind TEXT NOT NULL, dst TEXT NOT NULL, key TEXT NOT NULL, props TEXT NOT NULL,
    load INTEGER NOT NULL, source INTEGER NOT NULL, row INTEGER,
    PRIMARY KEY (src, kind, dst, key)
) WITHOUT ROWID;
"""

_KINDS = {k: sys.intern(k) for k in (*NODE_KINDS, *EDGE_KINDS)}
_ROW_BITS = 40
_SOURCE_BITS = 20


def _pack(load: int, source: int, row: int | None) -> int:
    return (load << (_ROW_BITS + _SOURCE_BITS)) | (source << _ROW_BITS) | (0 if row is None else row + 1)


def _unpack(p: int) -> tuple[int, int, int | None]:
    row = p & ((1 << _ROW_BITS) - 1)
    return p >> (_ROW_BITS + _SOURCE_BITS), (p >> _ROW_BITS) & ((1 << _SOURCE_BITS) - 1), (row - 1 if row else None)


def _nx_key(kind: str, key: str) -> Any:
    return _KINDS[kind] if not key else (_KINDS[kind], key)


def _split_key(nx_key: Any) -> tuple[str, str]:
    return (nx_key, "") if isinstance(nx_key, str) else nx_key


def _props(attrs: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in attrs.items() if k not in RESERVED}


def _dumps(props: dict[str, Any]) -> str:
    return json.dumps(props, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class EmbeddedStore:
    """A store in one local file.

    >>> store = EmbeddedStore(":memory:")  # doctest: +SKIP
    """

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._in_batch = False
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.executescript(_DDL)
            self._check_format()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"{self.path} is not a biokg store ({exc})") from exc
        self._reload()
        self._sync_taxonomy()

    # ----------------------------------------------------------------- lifecycle and state

    def _check_format(self) -> None:
        row = self._conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        if row is None:
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (FORMAT,))
        elif row[0] != FORMAT:
            raise StoreUnavailable(f"{self.path} has store format {row[0]!r}; this biokg reads {FORMAT!r}")

    def _reload(self) -> None:
        """(Re)build the in-memory graph and look-up tables from the file."""
        conn = self._conn
        self._loads = {idx: (lid, at) for idx, lid, at in conn.execute("SELECT idx, load_id, loaded_at FROM loads")}
        self._load_idx = {lid: idx for idx, (lid, _) in self._loads.items()}
        self._sources = dict(conn.execute("SELECT idx, path FROM sources"))
        self._source_idx = {p: idx for idx, p in self._sources.items()}
        g = nx.MultiDiGraph()
        canon: dict[str, str] = {}
        node_counts: Counter[str] = Counter()

        def node_rows():
            for nid, kind, name, props, load, source, row in conn.execute(
                "SELECT id, kind, name, props, load, source, row FROM nodes"
            ):
                attrs = json.loads(props)
                kind = _KINDS[kind]
                attrs["kind"], attrs["name"], attrs["_p"] = kind, name, _pack(load, source, row)
                canon[nid] = nid
                node_counts[kind] += 1
                yield nid, attrs

        g.add_nodes_from(node_rows())
        edge_counts: Counter[str] = Counter()

        def edge_rows():
            for src, kind, dst, key, props, load, source, row in conn.execute(
                "SELECT src, kind, dst, key, props, load, source, row FROM edges"
            ):
                attrs = json.loads(props)
                kind = _KINDS[kind]
                attrs["kind"], attrs["_p"] = kind, _pack(load, source, row)
                edge_counts[kind] += 1
                yield canon[src], canon[dst], _nx_key(kind, key), attrs

        g.add_edges_from(edge_rows())
        self.nx = g
        self._node_counts, self._edge_counts = node_counts, edge_counts
        self._search_index: dict[str, tuple[tuple[str, str], ...]] | None = None
        self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]

    def _refresh(self) -> None:
        """Pick up commits made to the file by other connections (another process)."""
        if self._in_batch:
            return
        version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        if version != self._data_version:
            self._reload()

    def _sync_taxonomy(self) -> None:
        nodes, edges = taxonomy_records(now_iso())
        declared = {n.id for n in nodes}
        stale = [n for n, a in self.nx.nodes(data=True) if a["kind"] in ("Field", "Segment") and n not in declared]
        with self.batch():
            if stale:
                self._delete_nodes(stale)
            self.write(nodes, edges)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- provenance

    def _provenance(self, p: int) -> Provenance:
        load, source, row = _unpack(p)
        load_id, loaded_at = self._loads[load]
        return Provenance(self._sources[source], row, load_id, loaded_at)

    def _register(self, prov: Provenance | None) -> tuple[int, int, int | None]:
        prov = prov or Provenance("api", None, "api", now_iso())
        load = self._load_idx.get(prov.load_id)
        if load is None:
            load = self._conn.execute(
                "INSERT INTO loads (load_id, loaded_at) VALUES (?, ?)", (prov.load_id, prov.loaded_at)
            ).lastrowid
            self._load_idx[prov.load_id] = load
            self._loads[load] = (prov.load_id, prov.loaded_at)
        source = self._source_idx.get(prov.source)
        if source is None:
            source = self._conn.execute("INSERT INTO sources (path) VALUES (?)", (prov.source,)).lastrowid
            self._source_idx[prov.source] = source
            self._sources[source] = prov.source
        return load, source, prov.row

    # ----------------------------------------------------------------- records from memory

    def _node(self, nid: str) -> Node:
        attrs = self.nx.nodes[nid]
        return Node(nid, attrs["kind"], attrs["name"], _props(attrs), self._provenance(attrs["_p"]))

    def _edge(self, src: str, dst: str, attrs: dict[str, Any]) -> Edge:
        return Edge(attrs["kind"], src, dst, _props(attrs), self._provenance(attrs["_p"]))

    # ----------------------------------------------------------------- writes

    @contextmanager
    def batch(self) -> Iterator[None]:
        with self._lock:
            if self._in_batch:
                yield
                return
            self._refresh()
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"{self.path}: cannot start a write ({exc})") from exc
            self._in_batch = True
            try:
                yield
            except BaseException:
                self._in_batch = False
                self._conn.execute("ROLLBACK")
                self._reload()
                raise
            self._in_batch = False
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback_quietly()
                self._reload()
                raise StoreUnavailable(f"{self.path}: commit failed ({exc})") from exc
            self._data_version = self._conn.execute("PRAGMA data_version").fetchone()[0]

    def _rollback_quietly(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def write(
        self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (), replace: Iterable[Replace] = ()
    ) -> WriteResult:
        with self._lock, self.batch():
            self._conn.execute("SAVEPOINT write")
            try:
                result = self._write(list(nodes), [canonical(e) for e in edges], list(replace))
            except (SchemaError, InvalidInput):
                self._conn.execute("ROLLBACK TO write")  # raised before any change: nothing to undo
                self._conn.execute("RELEASE write")
                raise
            except BaseException:
                self._conn.execute("ROLLBACK TO write")
                self._conn.execute("RELEASE write")
                self._reload()  # caches and memory may hold part of this write
                raise
            self._conn.execute("RELEASE write")
            return result

    def _write(self, nodes: list[Node], edges: list[Edge], replace: list[Replace]) -> WriteResult:
        g = self.nx
        batch_kinds: dict[str, str] = {}
        for node in nodes:
            check_node(node)
            existing = g.nodes[node.id]["kind"] if node.id in g else batch_kinds.get(node.id)
            if existing is not None and existing != node.kind:
                raise SchemaError(f"node {node.id!r} exists as a {existing}; it cannot also be a {node.kind}")
            batch_kinds[node.id] = node.kind

        def kind_of(nid: str) -> str | None:
            kind = batch_kinds.get(nid)
            if kind is None and nid in g:
                kind = g.nodes[nid]["kind"]
            return kind

        for edge in edges:
            check_edge(edge, kind_of)

        node_rows, node_changes, created_n, updated_n, unchanged_n = [], [], 0, 0, 0
        for node in nodes:
            props = clean_props(node.props)
            old = g.nodes[node.id] if node.id in g else None
            if old is not None and old["name"] == node.name and _props(old) == props:
                unchanged_n += 1
                continue
            if old is None:
                created_n += 1
            else:
                updated_n += 1
            load, source, row = self._register(node.provenance)
            node_rows.append((node.id, node.kind, node.name, _dumps(props), load, source, row))
            node_changes.append((node.id, node.kind, node.name, props, _pack(load, source, row)))

        edge_rows, edge_changes, created_e, updated_e, unchanged_e = [], [], 0, 0, 0
        batch_idents = set()
        for edge in edges:
            props = clean_props(edge.props)
            key = edge.key
            nx_key = _nx_key(edge.kind, key)
            batch_idents.add((edge.src, edge.dst, nx_key))
            old = g.get_edge_data(edge.src, edge.dst, nx_key)
            if old is not None and _props(old) == props:
                unchanged_e += 1
                continue
            if old is None:
                created_e += 1
            else:
                updated_e += 1
            load, source, row = self._register(edge.provenance)
            edge_rows.append((edge.src, edge.kind, edge.dst, key, _dumps(props), load, source, row))
            edge_changes.append((edge.src, edge.dst, nx_key, edge.kind, props, _pack(load, source, row)))

        doomed = self._replaced_edges(replace, batch_idents)
        if node_rows:
            self._conn.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, ?, ?, ?)", node_rows)
        if edge_rows:
            self._conn.executemany("INSERT OR REPLACE INTO edges VALUES (?, ?, ?, ?, ?, ?, ?, ?)", edge_rows)
        self._delete_edge_rows(doomed)

        for nid, kind, name, props, packed in node_changes:
            if nid in g:
                attrs = g.nodes[nid]
                attrs.clear()
            else:
                g.add_node(nid)
                attrs = g.nodes[nid]
                self._node_counts[_KINDS[kind]] += 1
            attrs.update(props)
            attrs["kind"], attrs["name"], attrs["_p"] = _KINDS[kind], name, packed
            self._index_node(nid)
        succ = g._succ  # the live attribute dicts; networkx's views are read-only
        for src, dst, nx_key, kind, props, packed in edge_changes:
            attrs = {**props, "kind": _KINDS[kind], "_p": packed}
            data = succ[src].get(dst, {}).get(nx_key)
            if data is None:
                g.add_edge(src, dst, key=nx_key, **attrs)
                self._edge_counts[_KINDS[kind]] += 1
            else:
                data.clear()
                data.update(attrs)
        for src, dst, nx_key in doomed:
            self._edge_counts[_split_key(nx_key)[0]] -= 1
            g.remove_edge(src, dst, key=nx_key)
        return WriteResult(
            nodes_created=created_n, nodes_updated=updated_n, nodes_unchanged=unchanged_n,
            edges_created=created_e, edges_updated=updated_e, edges_unchanged=unchanged_e,
            edges_deleted=len(doomed),
        )

    def _replaced_edges(self, replace: list[Replace], keep: set) -> list[tuple[str, str, Any]]:
        g = self.nx
        doomed = []
        for r in replace:
            if r.direction not in ("out", "in"):
                raise InvalidInput(f"replace direction must be 'out' or 'in', got {r.direction!r}")
            if r.node not in g:
                continue
            found = (
                g.out_edges(r.node, keys=True, data="kind") if r.direction == "out"
                else g.in_edges(r.node, keys=True, data="kind")
            )
            for src, dst, nx_key, kind in found:
                if kind == r.edge_kind and (src, dst, nx_key) not in keep:
                    doomed.append((src, dst, nx_key))
        return sorted(set(doomed), key=str)

    def _delete_edge_rows(self, idents: list[tuple[str, str, Any]]) -> None:
        if idents:
            rows = [(s, *_split_key(k), d) for s, d, k in idents]
            self._conn.executemany("DELETE FROM edges WHERE src=? AND kind=? AND key=? AND dst=?", rows)

    def _delete_nodes(self, ids: list[str]) -> tuple[int, int]:
        """Delete nodes and every edge at them, in SQL and in memory (inside a batch)."""
        g = self.nx
        edges = {(s, d, k) for n in ids for s, d, k in (*g.out_edges(n, keys=True), *g.in_edges(n, keys=True))}
        self._delete_edge_rows(sorted(edges, key=str))
        self._conn.executemany("DELETE FROM nodes WHERE id=?", [(n,) for n in ids])
        for _, _, k in edges:
            self._edge_counts[_split_key(k)[0]] -= 1
        for n in ids:
            self._node_counts[g.nodes[n]["kind"]] -= 1
            self._unindex_node(n)
        g.remove_nodes_from(ids)
        return len(ids), len(edges)

    def delete_load(self, load_id: str) -> WriteResult:
        with self._lock, self.batch():
            idx = self._load_idx.get(load_id)
            if idx is None:
                raise NotFound(f"no load {load_id!r} in {self.path}")
            if load_id == ONTOLOGY_LOAD:
                raise InvalidInput("the ontology's own nodes cannot be deleted")
            g = self.nx
            nodes = [n for n, p in g.nodes(data="_p") if _unpack(p)[0] == idx]
            node_set = set(nodes)
            own_edges = [
                (s, d, k) for s, d, k, p in g.edges(keys=True, data="_p")
                if _unpack(p)[0] == idx and s not in node_set and d not in node_set
            ]
            self._delete_edge_rows(own_edges)
            for s, d, k in own_edges:
                self._edge_counts[_split_key(k)[0]] -= 1
                g.remove_edge(s, d, key=k)
            n_nodes, n_edges = self._delete_nodes(nodes)
            self._conn.execute("DELETE FROM loads WHERE idx=?", (idx,))
            del self._loads[idx], self._load_idx[load_id]
            return WriteResult(nodes_deleted=n_nodes, edges_deleted=n_edges + len(own_edges))

    # ----------------------------------------------------------------- reads

    def get(self, node_id: str) -> Node | None:
        with self._lock:
            self._refresh()
            return self._node(node_id) if node_id in self.nx else None

    def kinds(self, ids: Iterable[str]) -> dict[str, str]:
        with self._lock:
            self._refresh()
            nodes = self.nx.nodes
            return {i: nodes[i]["kind"] for i in ids if i in nodes}

    def neighbours(
        self,
        node_id: str,
        edge_kinds: Iterable[str] | None = None,
        node_kinds: Iterable[str] | None = None,
        direction: str = "both",
    ) -> list[Neighbour]:
        if direction not in DIRECTIONS:
            raise InvalidInput(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
        ek = set(edge_kinds) if edge_kinds is not None else None
        nk = set(node_kinds) if node_kinds is not None else None
        with self._lock:
            self._refresh()
            g = self.nx
            if node_id not in g:
                raise NotFound(f"no node {node_id!r}")
            found = []
            if direction in ("out", "both"):
                found += [(d, s, d, a, "out") for s, d, a in g.out_edges(node_id, data=True)]
            if direction in ("in", "both"):
                found += [(s, s, d, a, "in") for s, d, a in g.in_edges(node_id, data=True)]
            out = []
            for other, s, d, attrs, way in found:
                if ek is not None and attrs["kind"] not in ek:
                    continue
                if nk is not None and g.nodes[other]["kind"] not in nk:
                    continue
                if s == d and way == "in":  # a self-loop is reported once
                    continue
                out.append(Neighbour(self._edge(s, d, attrs), self._node(other), way))
        out.sort(key=lambda n: (n.edge.kind, n.node.id, n.edge.key, n.direction))
        return out

    def _index_node(self, nid: str) -> None:
        if self._search_index is not None:
            attrs = self.nx.nodes[nid]
            texts = [attrs["name"], *attrs.get("aliases", ())]
            self._search_index[nid] = tuple((normalise(t), t) for t in texts)

    def _unindex_node(self, nid: str) -> None:
        if self._search_index is not None:
            self._search_index.pop(nid, None)

    def search(self, text: str, kinds: Iterable[str] | None = None, limit: int = 20) -> list[SearchHit]:
        query = normalise(text)
        if not query:
            raise InvalidInput("search text is empty")
        wanted = set(kinds) if kinds is not None else None
        with self._lock:
            self._refresh()
            g = self.nx
            if self._search_index is None:
                self._search_index = {}
                for nid in g.nodes:
                    self._index_node(nid)
            hits = []
            for nid, texts in self._search_index.items():
                best = None
                for norm, original in texts:
                    if query in norm:
                        rank = match_rank(query, norm)
                        if best is None or rank < best[0]:
                            best = (rank, original)
                if best is None:
                    continue
                attrs = g.nodes[nid]
                if wanted is not None and attrs["kind"] not in wanted:
                    continue
                hits.append((best[0], len(attrs["name"]), attrs["name"], nid, best[1]))
            hits.sort()
            return [SearchHit(self._node(nid), rank, matched) for rank, _, _, nid, matched in hits[:limit]]

    def subgraph(
        self,
        ids: Iterable[str],
        depth: int = 1,
        edge_kinds: Iterable[str] | None = None,
        node_kinds: Iterable[str] | None = None,
        max_nodes: int = 500,
    ) -> Subgraph:
        ek = set(edge_kinds) if edge_kinds is not None else None
        nk = set(node_kinds) if node_kinds is not None else None
        with self._lock:
            self._refresh()
            g = self.nx
            seeds = sorted(set(ids))
            for s in seeds:
                if s not in g:
                    raise NotFound(f"no node {s!r}")
            chosen = dict.fromkeys(seeds[:max_nodes])
            truncated = len(seeds) > max_nodes
            frontier = deque(chosen)
            for _ in range(depth):
                nxt = []
                for n in sorted(frontier):
                    nbrs = set()
                    for _, d, kind in g.out_edges(n, data="kind"):
                        if ek is None or kind in ek:
                            nbrs.add(d)
                    for s, _, kind in g.in_edges(n, data="kind"):
                        if ek is None or kind in ek:
                            nbrs.add(s)
                    for m in sorted(nbrs):
                        if m in chosen or (nk is not None and g.nodes[m]["kind"] not in nk):
                            continue
                        if len(chosen) >= max_nodes:
                            truncated = True
                            break
                        chosen[m] = None
                        nxt.append(m)
                frontier = deque(nxt)
            edges = [
                self._edge(s, d, a)
                for s, d, a in g.subgraph(chosen).edges(data=True)
                if ek is None or a["kind"] in ek
            ]
            nodes = [self._node(n) for n in sorted(chosen)]
        edges.sort(key=lambda e: e.ident)
        return Subgraph(tuple(nodes), tuple(edges), truncated)

    def counts(self) -> Counts:
        with self._lock:
            self._refresh()
            return Counts(
                {k: v for k, v in sorted(self._node_counts.items()) if v},
                {k: v for k, v in sorted(self._edge_counts.items()) if v},
            )

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        with self._lock:
            self._refresh()
            ids = sorted(n for n, k in self.nx.nodes(data="kind") if kind is None or k == kind)
        for nid in ids:
            with self._lock:
                if nid in self.nx:
                    yield self._node(nid)

    def edges(self, kind: str | None = None) -> Iterator[Edge]:
        with self._lock:
            self._refresh()
            found = sorted(
                ((a["kind"], s, d, _split_key(k)[1]), s, d, k)
                for s, d, k, a in self.nx.edges(keys=True, data=True)
                if kind is None or a["kind"] == kind
            )
        for _, s, d, k in found:
            with self._lock:
                data = self.nx.get_edge_data(s, d, k)
                if data is not None:
                    yield self._edge(s, d, data)

    def loads(self) -> list[LoadRecord]:
        with self._lock:
            self._refresh()
            nodes = Counter(_unpack(p)[0] for _, p in self.nx.nodes(data="_p"))
            edges = Counter(_unpack(p)[0] for _, _, p in self.nx.edges(data="_p"))
            return [
                LoadRecord(lid, at, nodes[idx], edges[idx])
                for idx, (lid, at) in sorted(self._loads.items())
            ]
