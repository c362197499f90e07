"""The embedded store: one SQLite file (WAL, synchronous=FULL) and a networkx graph in memory.

SQLite is the durable truth: a write returns only after its transaction is committed and synced,
so an acknowledged write survives ``kill -9``.  The networkx ``MultiDiGraph`` (``store.nx``)
mirrors it for queries and algorithms.  The mirror is built from the file on open, and rebuilt
after a rolled-back batch and — lazily, on the next read — after a bulk batch, which writes only
the file so that a big load never holds its parsed rows and the grown graph at the same time.

Other connections' commits to the same file are caught up from the file's change journal
(graph/embedded_journal.py): the store re-reads only the rows they changed and applies them to its
mirror (``_catch_up``), and rebuilds it only when the journal cannot bring it up to date.
"""

from __future__ import annotations

import sqlite3
import threading
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import networkx as nx

from graph import sqlite_format as fmt
from graph.embedded_journal import ChangeJournal, Changes, SyncStats
from graph.interface import DIRECTIONS
from graph.memory import long_lived
from graph.model import (
    Counts,
    Edge,
    LoadMeta,
    LoadRecord,
    Neighbour,
    Node,
    Provenance,
    Replace,
    SearchHit,
    Subgraph,
    WriteResult,
    Xref,
    last_wins,
)
from graph.names_index import drop_names, index_names, search_names
from graph.taxonomy import ONTOLOGY_LOAD, taxonomy_records
from graph.text import normalise
from graph.validate import check_edge, check_node, check_xref, clean_props
from graph.view import GraphView, PushedDown
from ontology import ONTOLOGY_KINDS, InvalidInput, NotFound, SchemaError, StoreUnavailable
from ontology.model import a

KINDS = fmt.KINDS
T = TypeVar("T")


class EmbeddedStore:
    """A store in one local file; ``EmbeddedStore(path)`` creates it when missing."""

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        # what queries derived from the graph (GraphView.memo): forgotten on every write, and
        # when the graph is rebuilt (a memo belongs to the graph object it was built from)
        self._memo: dict = {}
        self._memo_of: object = None
        self._in_batch = False
        self._bulk = False
        self._journal = ChangeJournal()  # this transaction's changes, and the mirror's journal position
        try:
            self._conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=30)
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA cache_size=-16384")  # 16 MiB: appends need little cache
            self._conn.executescript(fmt.DDL)
            self._check_format()
        except sqlite3.DatabaseError as exc:
            raise StoreUnavailable(f"{self.path} is not a biokg store ({exc})") from exc
        self._reload(count=False)
        self._sync_taxonomy()

    # ----------------------------------------------------------------- lifecycle and state

    def _check_format(self) -> None:
        row = self._conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()
        if row is None:
            self._conn.execute("INSERT OR IGNORE INTO meta VALUES ('format', ?)", (fmt.FORMAT,))
            self._conn.execute(fmt.INSTANCE_SQL)
        elif row[0] in fmt.UPGRADES:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                if self._conn.execute("SELECT value FROM meta WHERE key='format'").fetchone()[0] == row[0]:
                    for statement in fmt.UPGRADES[row[0]]:
                        self._conn.execute(statement)
                    self._conn.execute("UPDATE meta SET value=? WHERE key='format'", (fmt.FORMAT,))
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")
        elif row[0] != fmt.FORMAT:
            raise StoreUnavailable(f"{self.path} has store format {row[0]!r}; this biokg reads {fmt.FORMAT!r} "
                                   "(export it with the biokg that wrote it and load the CSV files here, "
                                   "or move the file aside to start afresh)")

    def _data_version(self) -> int:
        return self._conn.execute("PRAGMA data_version").fetchone()[0]

    @property
    def sync_stats(self) -> SyncStats:
        """Rebuilds and journal catch-ups since open (for tests and benchmarks)."""
        return self._journal.stats

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction around what follows (unless a transaction is open): its reads, and
        ``PRAGMA data_version``, see one state of the file."""
        if self._conn.in_transaction:
            yield
            return
        self._conn.execute("BEGIN")
        try:
            yield
        finally:
            self._conn.execute("COMMIT")

    def _reload(self, count: bool = True) -> None:
        """(Re)build the mirror and the look-up tables from the file (and this connection's own
        uncommitted writes)."""
        with self._snapshot():
            version = self._data_version()  # the state the build reads
            self._build()
        self._seen_version = version
        if count:
            self._journal.count_rebuild()

    def _build(self) -> None:
        conn = self._conn
        self._journal.read_position(conn)
        self._loads = {idx: (lid, at, LoadMeta.from_json(meta))
                       for idx, lid, at, meta in conn.execute("SELECT idx, load_id, loaded_at, meta FROM loads")}
        self._load_idx = {lid: idx for idx, (lid, _, _) in self._loads.items()}
        self._sources = dict(conn.execute("SELECT idx, path FROM sources"))
        self._source_idx = {p: idx for idx, p in self._sources.items()}
        self._memo = {}
        with long_lived():
            mirror = fmt.read_mirror(conn)
        self.nx, self._canon, self._strings = mirror.graph, mirror.canon, mirror.strings
        self._node_counts, self._edge_counts = mirror.node_counts, mirror.edge_counts
        self._next_node, self._next_edge = mirror.next_node, mirror.next_edge
        # records written in a bulk batch that the mirror lacks: id -> kind, and edge identity hashes
        self._pending_nodes: dict[str, str] = {}
        self._pending_edges: set[int] = set()
        self._stale = False

    def _refresh(self) -> None:
        """Before a read: catch up with other processes' commits, or with a bulk batch."""
        with self._lock:
            if self._stale or (not self._in_batch and self._data_version() != self._seen_version):
                self._sync()

    def _sync(self) -> None:
        """Bring the mirror up to the file: from the journal when it can, else by a rebuild."""
        if self._stale:  # after this store's own bulk batch
            self._reload()
            return
        with self._snapshot():
            version = self._data_version()
            caught_up = self._catch_up()
            if not caught_up:
                self._build()
        self._seen_version = version
        if not caught_up:
            self._journal.count_rebuild()

    def _catch_up(self) -> bool:
        """Apply what the journal says changed since the mirror's position (inside one read of the
        file); False when the journal cannot bring the mirror up to date and it must be rebuilt."""
        behind = self._journal.behind(self._conn, sum(self._node_counts.values()) + sum(self._edge_counts.values()))
        if behind is None:
            return False
        since, end = behind
        try:
            if end > since:
                self._apply(self._journal.changes(self._conn, since))
        except (KeyError, ValueError, TypeError):  # the mirror and the file disagree: rebuild
            return False
        except BaseException:  # the file could not be read: the next read rebuilds the part-changed graph
            self._stale = True
            raise
        self._journal.caught_up(since, end)
        return True

    def _apply(self, changes: Changes) -> None:
        """Bring the mirror to the file's state for what the journal names: a row read back is put
        in memory as a fresh build would, a deleted record is dropped if memory holds it at its rowid."""
        for idx in changes.loads_named:
            old = self._loads.pop(idx, None)
            if old is not None and self._load_idx.get(old[0]) == idx:
                del self._load_idx[old[0]]
        for idx, lid, at, meta in changes.loads:
            self._loads[idx] = (lid, at, LoadMeta.from_json(meta))
            self._load_idx[lid] = idx
        for idx, path in changes.sources:
            old = self._sources.get(idx)
            if old is not None and self._source_idx.get(old) == idx:
                del self._source_idx[old]
            self._sources[idx] = path
            self._source_idx[path] = idx

        strings, node_dict, succ = self._strings, self.nx._node, self.nx._succ
        for rid, nid, kind, name, props, load, source, row in changes.nodes:
            self._put_node(nid, fmt.node_attrs(strings, rid, kind, name, props, load, source, row))
        doomed = set()
        for rid, src, dst, kind, key in changes.deleted_edges:
            key = fmt.nx_key(kind, key)
            attrs = succ.get(src, {}).get(dst, {}).get(key)
            if attrs is not None and fmt.rid_of(attrs["_p"]) == rid:
                doomed.add((src, dst, key))
        self._drop_edges(sorted(doomed, key=str))
        for rid, src, kind, dst, key, props, load, source, row in changes.edges:
            self._put_edge(src, dst, fmt.nx_key(kind, key), fmt.edge_attrs(strings, rid, kind, props, load, source,
                                                                            row))
        gone = sorted({nid for rid, nid in changes.deleted_nodes
                       if nid in node_dict and fmt.rid_of(node_dict[nid]["_p"]) == rid})
        self._forget_nodes(gone, self._edges_at(gone))
        self._next_node, self._next_edge = fmt.next_rids(self._conn)
        self._memo = {}
        nx._clear_cache(self.nx)

    def _sync_taxonomy(self) -> None:
        """Make the store's Field and Segment nodes those the ontology declares.  Opening a store
        takes no write lock unless they differ (a reader must not wait for a running load)."""
        nodes, edges = taxonomy_records(fmt.now_iso())
        declared = {n.id for n in nodes}
        g = self.nx
        current = {n for n, k in g.nodes(data="kind") if k in ONTOLOGY_KINDS}
        same = current == declared and all(
            g._node[n.id]["name"] == n.name and fmt.same(g._node[n.id], clean_props(n.props), 3) for n in nodes
        ) and all(g.has_edge(e.src, e.dst, e.kind) for e in edges)
        if same:
            return
        with self.batch():
            if stale := sorted(current - declared):
                self._delete_nodes(stale)
            self.write(nodes, edges)

    def ping(self) -> None:
        try:
            with self._lock:
                self._conn.execute("SELECT 1 FROM meta LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            raise StoreUnavailable(f"{self.path} cannot be read ({exc})") from exc

    def init(self) -> list[str]:
        """Nothing to do: opening the file creates its tables."""
        return []

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def __enter__(self) -> EmbeddedStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- provenance

    def _provenance(self, p: int) -> Provenance:
        _, load, source, row = fmt.unpack(p)
        return self._provenance_of(load, source, row)

    def _provenance_of(self, load: int, source: int, row: int | None) -> Provenance:
        load_id, loaded_at, meta = self._loads[load]
        return Provenance(self._sources[source], row, load_id, loaded_at, meta)

    def _register(self, prov: Provenance | None) -> tuple[int, int, int | None]:
        prov = prov or Provenance("api", None, "api", fmt.now_iso())
        load = self._load_idx.get(prov.load_id)
        if load is None:
            meta = prov.meta.to_json() if prov.meta else None
            load = self._conn.execute(
                "INSERT INTO loads (load_id, loaded_at, meta) VALUES (?, ?, ?)", (prov.load_id, prov.loaded_at, meta)
            ).lastrowid
            self._load_idx[prov.load_id] = load
            self._loads[load] = (prov.load_id, prov.loaded_at, prov.meta)
            self._journal.log([("l", load, None)])
        source = self._source_idx.get(prov.source)
        if source is None:
            source = self._conn.execute("INSERT INTO sources (path) VALUES (?)", (prov.source,)).lastrowid
            self._source_idx[prov.source] = source
            self._sources[source] = prov.source
            self._journal.log([("s", source, None)])
        return load, source, prov.row

    def _registrar(self) -> Callable[[Provenance | None], tuple[int, int, int | None]]:
        """``_register`` with a fast path: consecutive records mostly share their load and file."""
        last: list[Any] = [None, None, 0, 0]

        def register(prov: Provenance | None) -> tuple[int, int, int | None]:
            if prov is not None and prov.load_id is last[0] and prov.source is last[1]:
                return last[2], last[3], prov.row
            load, source, row = self._register(prov)
            if prov is not None:
                last[:] = [prov.load_id, prov.source, load, source]
            return load, source, row

        return register

    # ----------------------------------------------------------------- records from memory

    def _node(self, nid: str) -> Node:
        attrs = self.nx._node[nid]
        return Node(nid, attrs["kind"], attrs["name"], fmt.props_of(attrs), self._provenance(attrs["_p"]))

    def _edge(self, src: str, dst: str, attrs: dict[str, Any]) -> Edge:
        return Edge(attrs["kind"], src, dst, fmt.props_of(attrs), self._provenance(attrs["_p"]))

    # ----------------------------------------------------------------- writes

    @contextmanager
    def batch(self, bulk: bool = False) -> Iterator[None]:
        with self._lock:
            if self._in_batch:
                yield
                return
            try:
                self._conn.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as exc:
                raise StoreUnavailable(f"{self.path}: cannot start a write ({exc})") from exc
            # Only now, holding the write lock, is the file's state final: catch up with it.
            try:
                if self._stale or self._data_version() != self._seen_version:
                    self._sync()
                node_next, edge_next = fmt.next_rids(self._conn)
                if node_next > self._next_node or edge_next > self._next_edge:
                    # rows the mirror does not know of: never give their rowids to new records
                    self._reload()
            except BaseException:
                self._rollback_quietly()
                raise
            self._in_batch, self._bulk = True, bulk
            self._journal.begin(bulk)
            try:
                yield
            except BaseException:
                self._in_batch = self._bulk = False
                self._journal.end()
                self._conn.execute("ROLLBACK")
                self._reload()
                raise
            self._in_batch = self._bulk = False
            try:
                journalled = self._journal.flush(self._conn)
                # read before COMMIT, while this connection holds the write lock: once it lets go,
                # another process may commit at once, and a version read after that would count
                # its commit as seen (the mirror would miss it, and reuse its rowids)
                version = self._data_version()
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._rollback_quietly()
                self._reload()
                raise StoreUnavailable(f"{self.path}: commit failed ({exc})") from exc
            finally:
                self._journal.end()
            self._seen_version = version
            if journalled is not None and not self._stale:  # the mirror holds this commit's changes too
                self._journal.seq = journalled

    def _rollback_quietly(self) -> None:
        try:
            self._conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def write(
        self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (), replace: Iterable[Replace] = ()
    ) -> WriteResult:
        with self._lock, self.batch():
            self._memo = {}
            self._conn.execute("SAVEPOINT write")
            try:
                result = self._write(*last_wins(nodes, edges), list(replace))
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

    def _write(self, nodes: list[Node], keyed_edges: list[tuple[Edge, str]], replace: list[Replace]) -> WriteResult:
        g = self.nx
        node_get, succ = g._node.get, g._succ
        pending = self._pending_nodes
        batch_kinds: dict[str, str] = {}
        for node in nodes:
            check_node(node)
            old = node_get(node.id)
            existing = old["kind"] if old is not None else batch_kinds.get(node.id) or pending.get(node.id)
            if existing is not None and existing != node.kind:
                raise SchemaError(f"node {node.id!r} exists as {a(existing)}; it cannot also be {a(node.kind)}")
            batch_kinds[node.id] = node.kind

        def kind_of(nid: str) -> str | None:
            kind = batch_kinds.get(nid)
            if kind is None:
                attrs = node_get(nid)
                return attrs["kind"] if attrs is not None else pending.get(nid)
            return kind

        for edge, _ in keyed_edges:
            check_edge(edge, kind_of)

        register = self._registrar()
        node_rows, node_changes, renamed, created_n, unchanged_n = [], [], [], 0, 0
        for node in nodes:
            props = clean_props(node.props)
            old = node_get(node.id)
            written = node.id in pending  # earlier in this bulk batch: the mirror's copy is out of date
            if old is not None and not written and old["name"] == node.name and fmt.same(old, props, 3):
                unchanged_n += 1
                continue
            if old is not None:
                rid = fmt.rid_of(old["_p"])
                renamed.append(rid)
            elif written:
                rid = self._conn.execute("SELECT rid FROM nodes WHERE id=?", (node.id,)).fetchone()[0]
                renamed.append(rid)
            else:
                created_n += 1
                rid, self._next_node = self._next_node, self._next_node + 1
            load, source, row = register(node.provenance)
            node_rows.append((rid, node.id, node.kind, node.name, fmt.dumps(props), load, source, row))
            props["kind"], props["name"], props["_p"] = KINDS[node.kind], node.name, fmt.pack(rid, load, source, row)
            node_changes.append((node.id, props))

        edge_rows, edge_changes, created_e, unchanged_e = [], [], 0, 0
        keep = set() if replace else None
        for edge, key in keyed_edges:
            kind, src, dst = edge.kind, edge.src, edge.dst
            props = clean_props(edge.props) if edge.props else {}
            nx_key = fmt.nx_key(kind, key)
            if keep is not None:
                keep.add((src, dst, nx_key))
            adjacent = succ.get(src)
            keydict = adjacent.get(dst) if adjacent is not None else None
            old = keydict.get(nx_key) if keydict is not None else None
            # a hash hit may be a collision; the file says whether the edge was written in this batch
            written = bool(self._pending_edges) and hash((src, dst, nx_key)) in self._pending_edges and (
                self._stored_edge_rid(src, kind, dst, key))
            if old is not None and not written and fmt.same(old, props, 2):
                unchanged_e += 1
                continue
            if old is not None:
                rid = fmt.rid_of(old["_p"])
            elif written:
                rid = written
            else:
                created_e += 1
                rid, self._next_edge = self._next_edge, self._next_edge + 1
            load, source, row = register(edge.provenance)
            edge_rows.append((rid, src, kind, dst, key, fmt.dumps(props), load, source, row))
            props["kind"], props["_p"] = KINDS[kind], fmt.pack(rid, load, source, row)
            edge_changes.append((src, dst, nx_key, props))
        doomed = self._replaced_edges(replace, keep or set())

        # --- the file first (it may fail), then memory
        if node_rows:
            self._conn.executemany("INSERT OR REPLACE INTO nodes VALUES (?, ?, ?, ?, ?, ?, ?, ?)", node_rows)
            drop_names(self._conn, renamed)
            index_names(self._conn, ((fmt.rid_of(a["_p"]), a) for _, a in node_changes))
            self._journal.log([("n", r[0], None) for r in node_rows])
        if edge_rows:
            self._conn.executemany("INSERT OR REPLACE INTO edges VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", edge_rows)
            self._journal.log([("e", r[0], None) for r in edge_rows])
        self._delete_edge_rows(doomed)
        if self._bulk:
            self._defer(node_changes, edge_changes, doomed)
        else:
            self._mirror(node_changes, edge_changes, doomed)
        return WriteResult(
            nodes_created=created_n, nodes_updated=len(node_changes) - created_n, nodes_unchanged=unchanged_n,
            edges_created=created_e, edges_updated=len(edge_changes) - created_e, edges_unchanged=unchanged_e,
            edges_deleted=len(doomed),
        )

    def _stored_edge_rid(self, src: str, kind: str, dst: str, key: str) -> int | None:
        """The rowid of an edge written earlier in this bulk batch (rare: a record written twice)."""
        row = self._conn.execute("SELECT rid FROM edges WHERE src=? AND kind=? AND dst=? AND key=?",
                                 (src, kind, dst, key)).fetchone()
        return row[0] if row else None

    def _mirror(self, node_changes: list, edge_changes: list, doomed: list) -> None:
        """Apply a write to the in-memory graph (networkx's adjacency dicts directly)."""
        share = self._strings.attrs
        for nid, attrs in node_changes:
            self._put_node(nid, share(attrs))  # as when the mirror is built from the file
        for src, dst, key, attrs in edge_changes:
            self._put_edge(src, dst, key, share(attrs) if len(attrs) > 2 else attrs)  # 2: only "kind" and "_p"
        self._drop_edges(doomed)
        nx._clear_cache(self.nx)

    def _put_node(self, nid: str, attrs: dict[str, Any]) -> None:
        """Make ``attrs`` (its strings shared) the node's attributes in memory, adding it if new."""
        g = self.nx
        old = g._node.get(nid)
        if old is None:
            g._node[nid] = attrs
            g._succ[nid], g._pred[nid] = {}, {}
            self._canon[nid] = nid
            self._node_counts[attrs["kind"]] += 1
        else:
            if old["kind"] != attrs["kind"]:  # from the journal: deleted, then written again as another kind
                self._node_counts[old["kind"]] -= 1
                self._node_counts[attrs["kind"]] += 1
            old.clear()
            old.update(attrs)

    def _put_edge(self, src: str, dst: str, key: Any, attrs: dict[str, Any]) -> None:
        """Make ``attrs`` the attributes of the edge (src, dst, networkx key) in memory, adding it if new."""
        g, canon = self.nx, self._canon
        src, dst = canon[src], canon[dst]  # the nodes' own id strings, not the caller's copies
        keydict = g._succ[src].get(dst)
        if keydict is None:
            keydict = g._succ[src][dst] = g._pred[dst][src] = {}
        old = keydict.get(key)
        if old is None:
            keydict[fmt.memory_key(attrs["kind"], fmt.split_key(key)[1], attrs)] = attrs
            self._edge_counts[attrs["kind"]] += 1
        else:
            prop = fmt.EDGE_KEY_PROP.get(attrs["kind"])
            if prop is not None and prop in old and old[prop] == attrs.get(prop):
                attrs[prop] = old[prop]  # the key's own string, shared as in a fresh build
            old.clear()
            old.update(attrs)

    def _defer(self, node_changes: list, edge_changes: list, doomed: list) -> None:
        """In a bulk batch: remember only what validation needs; the mirror is rebuilt on the next read."""
        for nid, attrs in node_changes:
            self._pending_nodes[nid] = attrs["kind"]
        self._pending_edges.update(hash((src, dst, key)) for src, dst, key, _ in edge_changes)
        if node_changes or edge_changes or doomed:
            self._stale = True

    def _replaced_edges(self, replace: list[Replace], keep: set) -> list[tuple[str, str, Any]]:
        g = self.nx
        doomed = []
        for r in replace:
            if r.direction not in ("out", "in"):
                raise InvalidInput(f"replace direction must be 'out' or 'in', got {r.direction!r}")
            if r.node not in g._node:
                continue
            adjacent = g._succ[r.node] if r.direction == "out" else g._pred[r.node]
            for other, keydict in adjacent.items():
                for key, attrs in keydict.items():
                    ident = (r.node, other, key) if r.direction == "out" else (other, r.node, key)
                    if attrs["kind"] == r.edge_kind and ident not in keep:
                        doomed.append(ident)
        return sorted(set(doomed), key=str)

    def _delete_edge_rows(self, idents: list[tuple[str, str, Any]]) -> None:
        if idents:
            succ = self.nx._succ
            rids = [fmt.rid_of(succ[s][d][k]["_p"]) for s, d, k in idents]
            self._conn.executemany("DELETE FROM edges WHERE rid=?", [(r,) for r in rids])
            self._journal.log([("e", r, fmt.edge_ident(s, d, *fmt.split_key(k))) for r, (s, d, k) in zip(rids, idents,
                                                                                                 strict=True)])

    def _drop_edges(self, idents: list[tuple[str, str, Any]]) -> None:
        succ, pred = self.nx._succ, self.nx._pred
        for s, d, k in idents:
            keydict = succ[s][d]
            self._edge_counts[keydict.pop(k)["kind"]] -= 1
            if not keydict:
                del succ[s][d], pred[d][s]

    def _edges_at(self, ids: list[str]) -> list[tuple[str, str, Any]]:
        g = self.nx
        return sorted({(s, d, k) for n in ids for s, d, k in (*g.out_edges(n, keys=True), *g.in_edges(n, keys=True))},
                      key=str)

    def _delete_nodes(self, ids: list[str]) -> tuple[int, int]:
        """Delete nodes and every edge at them, in SQL and in memory (inside a batch)."""
        edges = self._edges_at(ids)
        self._delete_edge_rows(edges)
        rids = [fmt.rid_of(self.nx._node[n]["_p"]) for n in ids]
        self._conn.executemany("DELETE FROM nodes WHERE rid=?", [(r,) for r in rids])
        drop_names(self._conn, rids)
        self._journal.log([("n", r, n) for r, n in zip(rids, ids, strict=True)])
        self._forget_nodes(ids, edges)
        return len(ids), len(edges)

    def _forget_nodes(self, ids: list[str], edges: list[tuple[str, str, Any]]) -> None:
        """Drop nodes and ``edges`` (every edge at them) from memory."""
        g = self.nx
        self._drop_edges(edges)
        for n in ids:
            self._node_counts[g._node[n]["kind"]] -= 1
            self._canon.pop(n, None)
        g.remove_nodes_from(ids)

    def delete_load(self, load_id: str) -> WriteResult:
        with self._lock, self.batch():
            self._memo = {}
            self._refresh()
            idx = self._load_idx.get(load_id)
            if idx is None:
                raise NotFound(f"no load {load_id!r} in {self.path}")
            if load_id == ONTOLOGY_LOAD:
                raise InvalidInput("the ontology's own nodes cannot be deleted")
            g = self.nx
            nodes = [n for n, p in g.nodes(data="_p") if fmt.load_of(p) == idx]
            node_set = set(nodes)
            own_edges = [
                (s, d, k) for s, d, k, p in g.edges(keys=True, data="_p")
                if fmt.load_of(p) == idx and s not in node_set and d not in node_set
            ]
            self._delete_edge_rows(own_edges)
            self._drop_edges(own_edges)
            n_nodes, n_edges = self._delete_nodes(nodes)
            self._conn.execute("DELETE FROM xrefs WHERE load=?", (idx,))
            self._conn.execute("DELETE FROM loads WHERE idx=?", (idx,))
            self._journal.log([("l", idx, load_id)])
            del self._loads[idx], self._load_idx[load_id]
            nx._clear_cache(g)
            return WriteResult(nodes_deleted=n_nodes, edges_deleted=n_edges + len(own_edges))

    # ----------------------------------------------------------------- reads

    def get(self, node_id: str) -> Node | None:
        with self._lock:
            self._refresh()
            return self._node(node_id) if node_id in self.nx._node else None

    def evaluate(self, query: PushedDown[T]) -> T:
        """``query.on_graph`` over the in-memory graph, caught up with the file, under the store's lock."""
        with self._lock:
            self._refresh()
            if self._memo_of is not self.nx:  # a memo belongs to one state of the graph
                self._memo, self._memo_of = {}, self.nx
            return query.on_graph(GraphView(self.nx, lambda attrs: self._provenance(attrs["_p"]), self._memo))

    def kinds(self, ids: Iterable[str]) -> dict[str, str]:
        with self._lock:
            self._refresh()
            nodes = self.nx._node
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
            if node_id not in g._node:
                raise NotFound(f"no node {node_id!r}")
            nodes, out = g._node, []
            ways = [(g._succ, "out")] * (direction != "in") + [(g._pred, "in")] * (direction != "out")
            for adjacency, way in ways:
                # by the node at the other end first: a station with many records (TRACKS) and one core
                # (PART_OF) is asked for its core without a look at each record
                for other, keyed in adjacency[node_id].items():
                    if nk is not None and nodes[other]["kind"] not in nk:
                        continue
                    if other == node_id and way == "in":  # a self-loop is reported once
                        continue
                    s, d = (node_id, other) if way == "out" else (other, node_id)
                    for attrs in keyed.values():
                        if ek is None or attrs["kind"] in ek:
                            out.append(Neighbour(self._edge(s, d, attrs), self._node(other), way))
        out.sort(key=lambda n: (n.edge.kind, n.node.id, n.edge.key, n.direction))
        return out

    def search(self, text: str, kinds: Iterable[str] | None = None, limit: int = 20) -> list[SearchHit]:
        query = normalise(text)
        if not query:
            raise InvalidInput("search text is empty")
        wanted = sorted(set(kinds)) if kinds is not None else None
        with self._lock, self._snapshot():  # the hits from the state the graph was brought to
            self._refresh()
            found = search_names(self._conn, query, wanted, limit)
            return [SearchHit(self._node(nid), rank, matched) for nid, rank, matched in found]

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
                if s not in g._node:
                    raise NotFound(f"no node {s!r}")
            chosen = dict.fromkeys(seeds[:max_nodes])
            truncated = len(seeds) > max_nodes
            frontier = deque(chosen)
            for _ in range(depth):
                nxt = []
                for n in sorted(frontier):
                    nbrs = {d for _, d, kind in g.out_edges(n, data="kind") if ek is None or kind in ek}
                    nbrs |= {s for s, _, kind in g.in_edges(n, data="kind") if ek is None or kind in ek}
                    for m in sorted(nbrs):
                        if m in chosen or (nk is not None and g._node[m]["kind"] not in nk):
                            continue
                        if len(chosen) >= max_nodes:
                            truncated = True
                            break
                        chosen[m] = None
                        nxt.append(m)
                frontier = deque(nxt)
            # the edges among the chosen: each one's successors looked up in `chosen` before any edge's
            # data is read (networkx's subgraph view filters every edge of every chosen node)
            edges = [
                self._edge(s, d, a)
                for s in chosen
                for d, keyed in g._succ[s].items() if d in chosen
                for a in keyed.values() if ek is None or a["kind"] in ek
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
            with self._lock:  # released before the yield: a slow reader must not hold up the others
                found = self._node(nid) if nid in self.nx._node else None
            if found is not None:
                yield found

    def edges(self, kind: str | None = None) -> Iterator[Edge]:
        with self._lock:
            self._refresh()
            found = sorted(
                ((a["kind"], s, d, fmt.split_key(k)[1]), s, d, k)
                for s, d, k, a in self.nx.edges(keys=True, data=True)
                if kind is None or a["kind"] == kind
            )
        for _, s, d, k in found:
            with self._lock:
                data = self.nx.get_edge_data(s, d, k)
                edge = self._edge(s, d, data) if data is not None else None
            if edge is not None:
                yield edge

    def records_by_id(self, ids: Iterable[str]) -> dict[str, Edge]:
        wanted = sorted(set(ids))
        found: dict[str, Edge] = {}
        with self._lock, self._snapshot():  # the rows from the state the graph was brought to
            self._refresh()
            for i in range(0, len(wanted), 500):  # SQLite's limit on bound parameters
                chunk = wanted[i:i + 500]
                rows = self._conn.execute("SELECT src, dst, key FROM edges WHERE kind = 'TRACKS' AND key IN "
                                          f"({','.join('?' * len(chunk))})", chunk).fetchall()
                for src, dst, key in rows:
                    found[key] = self._edge(src, dst, self.nx._succ[src][dst][fmt.nx_key("TRACKS", key)])
        return found

    def loads(self) -> list[LoadRecord]:
        with self._lock:
            self._refresh()
            nodes = Counter(fmt.load_of(p) for _, p in self.nx.nodes(data="_p"))
            edges = Counter(fmt.load_of(p) for _, _, p in self.nx.edges(data="_p"))
            return [
                LoadRecord(lid, at, nodes[idx], edges[idx], meta)
                for idx, (lid, at, meta) in sorted(self._loads.items())
            ]

    # ----------------------------------------------------------------- the crosswalk

    def xrefs(self, source: str | None = None, node: str | None = None) -> list[Xref]:
        where, args = [], []
        for column, value in (("source", source), ("node", node)):
            if value is not None:
                where.append(f"{column}=?")
                args.append(value)
        sql = "SELECT * FROM xrefs" + (" WHERE " + " AND ".join(where) if where else "") + " ORDER BY source, key"
        with self._lock, self._snapshot():  # the records from the state the graph was brought to
            self._refresh()
            return [fmt.xref_of(row, self._provenance_of) for row in self._conn.execute(sql, args)]

    def write_xrefs(self, xrefs: Iterable[Xref] = (), delete: Iterable[tuple[str, str]] = ()) -> None:
        with self._lock, self.batch():
            register = self._registrar()
            rows = []
            for x in xrefs:
                check_xref(x)
                load, source, row = register(x.provenance)
                rows.append(fmt.xref_row(x, load, source, row))
            self._conn.executemany("DELETE FROM xrefs WHERE source=? AND key=?", list(delete))
            self._conn.executemany(f"INSERT OR REPLACE INTO xrefs VALUES ({', '.join('?' * 12)})", rows)
