"""The Neo4j store: the store interface on a Neo4j 5 server (single server, cluster or Aura).

One driver per store, managed transactions (``execute_read``/``execute_write``; the work in them
is idempotent, so the driver may retry it), the database always named, values only as parameters.
Writes look up the existing records' content hashes first, then create, update and delete in
``UNWIND`` batches.  A batch is one explicit transaction; a *bulk* batch (a load) commits each
write on its own and keeps an undo journal, so a failed load is rolled back by compensation
without holding millions of records in one server transaction.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase
from neo4j import exceptions as nx_errors

from graph import cypher as q
from graph import neo4j_format as fmt
from graph.cypher import chunks, run
from graph.interface import DIRECTIONS
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
    now_iso,
)
from graph.neo4j_journal import Journal
from graph.neo4j_write import Plan, Write
from graph.taxonomy import ONTOLOGY_LOAD, taxonomy_records
from graph.text import normalise
from graph.validate import check_xref, clean_props
from graph.view import CypherRun, PushedDown
from ontology import EDGE_KINDS, ONTOLOGY_KINDS, BiokgError, InvalidInput, NotFound, SchemaError, StoreUnavailable

T = TypeVar("T")
PAGE = 5_000  # records per page when iterating
DELETE_CHUNK = 10_000  # nodes per transaction when a load is deleted
BULK_WRITERS = 2  # transactions in flight at once in a bulk batch (measured: 2 and 3 beat 1 on 2 cores)


RETRY_SECONDS = 3.0  # how long a transaction is retried on a transient error, and a connect may take

class Neo4jStore:
    """A store in a Neo4j database.

    >>> store = Neo4jStore("bolt://127.0.0.1:7687", "neo4j", "secret")  # doctest: +SKIP
    """

    def __init__(self, uri: str, user: str = "neo4j", password: str | None = None, database: str = "neo4j"):
        self.uri, self.user, self.database = uri, user, database
        self.path = uri  # what messages name, as the embedded store's file path
        self._lock = threading.RLock()
        self._tx: neo4j.Transaction | None = None
        self._tx_owner: int | None = None
        self._journal: Journal | None = None
        self._senders: ThreadPoolExecutor | None = None
        self._inflight: list[tuple[Future, Plan]] = []  # bulk writes being sent, oldest first
        self._load_info: dict[str, tuple[str, LoadMeta | None]] = {}  # load id -> (loaded_at, meta)
        try:
            # notifications off: the server warns about property keys not yet in a fresh database
            # retries and connects bounded: when the server is down a request learns it in seconds
            self._driver = GraphDatabase.driver(uri, auth=(user, password) if password is not None else None,
                                                notifications_min_severity="OFF",
                                                max_transaction_retry_time=RETRY_SECONDS,
                                                connection_timeout=RETRY_SECONDS,
                                                connection_acquisition_timeout=2 * RETRY_SECONDS)
        except (ValueError, nx_errors.ConfigurationError) as exc:
            raise InvalidInput(f"bad Neo4j URI {uri!r}: {exc}") from exc
        with self._mapped():
            try:
                self._driver.verify_connectivity()
            except ValueError as exc:  # the driver reports an unresolvable address so
                raise StoreUnavailable(f"Neo4j at {uri}: {exc}") from exc
        try:
            self.init()
            self._sync_taxonomy()
        except BaseException:
            self._driver.close()
            raise

    # ----------------------------------------------------------------- driver plumbing

    @contextmanager
    def _mapped(self) -> Iterator[None]:
        """Driver errors become biokg errors, with the URI and what to do."""
        try:
            yield
        except BiokgError:
            raise
        except nx_errors.AuthError as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri} refused user {self.user!r} ({exc.message}); "
                                   "set BIOKG_NEO4J_USER and BIOKG_NEO4J_PASSWORD") from exc
        except (nx_errors.ServiceUnavailable, nx_errors.SessionExpired, OSError) as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri} is unreachable ({exc}); is the server running? "
                                   "(a local test server: scripts/neo4j start; or set BIOKG_NEO4J_URI)") from exc
        except nx_errors.Neo4jError as exc:
            if exc.code == "Neo.ClientError.Database.DatabaseNotFound":
                raise StoreUnavailable(f"Neo4j at {self.uri} has no database {self.database!r} "
                                       "(set BIOKG_NEO4J_DATABASE)") from exc
            if isinstance(exc, nx_errors.ConstraintError):
                raise SchemaError(f"Neo4j at {self.uri} rejected a write: {exc.message}") from exc
            raise StoreUnavailable(f"Neo4j at {self.uri}: {exc.code}: {exc.message}") from exc
        except nx_errors.DriverError as exc:
            raise StoreUnavailable(f"Neo4j at {self.uri}: {exc}") from exc

    def _session(self) -> neo4j.Session:
        # the query bookmark manager gives read-your-writes across sessions on a cluster
        return self._driver.session(database=self.database,
                                    bookmark_manager=self._driver.execute_query_bookmark_manager)

    def _own_tx(self) -> neo4j.Transaction | None:
        """The open batch's transaction, when this thread opened it (other threads must not see it)."""
        return self._tx if self._tx_owner == threading.get_ident() else None

    def _read(self, work: Callable[[Any], T]) -> T:
        """Run ``work(tx)`` in a read transaction (or in the open batch, to see its writes)."""
        if (tx := self._own_tx()) is not None:
            with self._mapped():
                return work(tx)
        if self._inflight:
            self._drain()  # a read during a bulk batch sees what the batch wrote
        with self._mapped(), self._session() as session:
            return session.execute_read(work)

    def evaluate(self, query: PushedDown[T]) -> T:
        """``query.on_cypher`` in one read transaction (the server does the walking)."""
        return self.read_cypher(query.on_cypher)

    def read_cypher(self, work: Callable[[CypherRun], T]) -> T:
        """Run ``work(run)`` in one read transaction; ``run((text, params))`` returns the records as dicts.

        ``work`` may run more than once when the driver retries a transient failure, so it must not
        have side effects.
        """
        def tx_work(tx: Any) -> T:
            return work(lambda query: [record.data() for record in tx.run(*query)])

        return self._read(tx_work)

    def _write_tx(self, work: Callable[[Any], T]) -> T:
        if (tx := self._own_tx()) is not None:
            with self._mapped():
                return work(tx)
        with self._mapped(), self._session() as session:
            return session.execute_write(work)

    def ping(self) -> None:
        with self._mapped(), self._session() as session:
            session.run("RETURN 1").consume()

    def init(self) -> list[str]:
        """Create the constraints and indexes the ontology calls for (those missing); their names."""
        with self._mapped(), self._session() as session:
            have = {r["name"] for r in session.execute_read(lambda tx: run(tx, q.show_schema()))}
            made = []
            for name, statement in q.schema_statements():
                if name not in have:
                    session.execute_write(lambda tx, s=statement: tx.run(s).consume())
                    made.append(name)
            if made:
                session.run("CALL db.awaitIndexes(300)").consume()
        return made

    def _sync_taxonomy(self) -> None:
        """Make the database's Field and Segment nodes those the ontology declares."""
        nodes, edges = taxonomy_records(now_iso())
        declared = {n.id: fmt.content_hash(n.kind, n.name, clean_props(n.props)) for n in nodes}

        def current(tx: Any) -> tuple[dict[str, str], int]:
            stored = {r["id"]: r["h"] for kind in ONTOLOGY_KINDS for r in run(tx, q.kind_hashes(kind))}
            keys: dict[str, list[str]] = {}
            for e in edges:
                keys.setdefault(e.kind, []).append(fmt.edge_sk(e.src, e.dst, ""))
            return stored, sum(len(run(tx, q.lookup_edges(kind, sks))) for kind, sks in keys.items())

        stored, linked = self._read(current)
        if stored == declared and linked == len(edges):
            return
        with self.batch():
            if stale := sorted(set(stored) - set(declared)):
                self._write_tx(lambda tx: tx.run(*q.delete_nodes(stale)).consume())
            self.write(nodes, edges)

    def close(self) -> None:
        with self._lock:
            self._driver.close()

    def __enter__(self) -> Neo4jStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- provenance

    def _at(self, load_id: str) -> tuple[str, LoadMeta | None]:
        info = self._load_info.get(load_id)
        if info is None:
            self._load_info.update((r["id"], (r["at"], LoadMeta.from_json(r["meta"])))
                                   for r in self._read(lambda tx: run(tx, q.loads())))
            info = self._load_info.get(load_id, ("", None))
        return info

    def _node(self, p: dict[str, Any], kind: str) -> Node:
        return fmt.node_of(p, kind, self._at)

    # ----------------------------------------------------------------- writes

    @contextmanager
    def batch(self, bulk: bool = False) -> Iterator[None]:
        with self._lock:
            if self._tx is not None or self._journal is not None:
                yield
                return
            if bulk:
                yield from self._bulk_batch()
                return
            with self._mapped():
                session = self._session()
                tx = session.begin_transaction()
            self._tx, self._tx_owner = tx, threading.get_ident()
            try:
                try:
                    yield
                except BaseException:
                    self._tx = None
                    with suppress(nx_errors.Neo4jError, nx_errors.DriverError, OSError):
                        tx.rollback()  # a server that is gone has rolled back already
                    raise
                self._tx = None
                with self._mapped():
                    tx.commit()
            finally:
                self._tx = self._tx_owner = None
                tx.close()
                session.close()

    def _bulk_batch(self) -> Iterator[None]:
        before = frozenset(r["id"] for r in self._read(lambda tx: run(tx, q.load_ids())))
        counts = self.counts().nodes
        journal = self._journal = Journal(before, empty_at_start=set(counts) <= set(ONTOLOGY_KINDS))
        self._senders = ThreadPoolExecutor(BULK_WRITERS, thread_name_prefix="biokg-neo4j")
        try:
            yield
            self._drain()
        except BaseException as failure:
            self._drain(quietly=True)
            self._journal = None
            self._load_info.clear()
            try:
                journal.undo(lambda query: self._write_tx(lambda tx: tx.run(*query).consume()))
            except BiokgError as exc:
                raise StoreUnavailable(
                    f"a bulk write to {self.uri} failed ({failure}) and could not be taken back ({exc}); "
                    "what it wrote carries its load id: remove it with `biokg unload LOAD_ID`") from failure
            raise
        finally:
            self._journal = None
            self._senders.shutdown()
            self._senders = None

    def _drain(self, quietly: bool = False, only: Callable[[Plan], bool] | None = None,
               keep: int = 0) -> None:
        """Wait for bulk writes in flight: all of them, those ``only`` selects, or all but the
        newest ``keep``.  The first error is raised (unless ``quietly``) once all have ended."""
        with self._lock:
            if only is not None:
                waiting = [item for item in self._inflight if only(item[1])]
            else:
                waiting = self._inflight[:max(0, len(self._inflight) - keep)]
            error = None
            for future, plan in waiting:
                try:
                    future.result()
                except BaseException as exc:
                    error = error or exc
                self._inflight.remove((future, plan))
            if error is not None and not quietly:
                raise error

    def write(
        self, nodes: Iterable[Node] = (), edges: Iterable[Edge] = (), replace: Iterable[Replace] = ()
    ) -> WriteResult:
        unique_nodes, keyed_edges = last_wins(nodes, edges)
        replace = list(replace)
        for r in replace:
            if r.direction not in ("out", "in"):
                raise InvalidInput(f"replace direction must be 'out' or 'in', got {r.direction!r}")
        default = Provenance("api", None, "api", now_iso())
        with self._lock:
            journal = self._journal
            if journal is None:
                def work(tx: Any) -> WriteResult:
                    plan = Write(lambda query: run(tx, query), default, None).plan(unique_nodes, keyed_edges, replace)
                    plan.apply(tx)
                    return plan.result

                return self._write_tx(work)
            # In a bulk batch, writes go out on BULK_WRITERS connections at once (the server runs
            # each transaction on one thread) while the next one is planned here.  Look-ups wait
            # for everything in flight; edges wait for the nodes in flight, which they may join.
            plan = Write(self._bulk_read, default, journal).plan(unique_nodes, keyed_edges, replace)
            journal.add(plan.entries)  # safe before it lands: undo tolerates records that never came
            if plan.writes_edges:
                self._drain(only=lambda p: p.creates_nodes)
            self._drain(keep=BULK_WRITERS - 1)
            future = self._senders.submit(self._write_tx, plan.apply)  # type: ignore[union-attr]
            self._inflight.append((future, plan))
            return plan.result

    def _bulk_read(self, query: q.Query) -> list[neo4j.Record]:
        self._drain()
        return self._read(lambda tx: run(tx, query))

    def delete_load(self, load_id: str) -> WriteResult:
        """Delete a load's records, 10,000 nodes per transaction, the load's own record last: a
        delete that stops half-way (server gone) leaves the load listed, and running it again
        finishes it."""
        if load_id == ONTOLOGY_LOAD:
            raise InvalidInput("the ontology's own nodes cannot be deleted")
        with self._lock:
            if not self._read(lambda tx: run(tx, q.load_exists(load_id))):
                raise NotFound(f"no load {load_id!r} in {self.uri}")
            nodes = edges = 0
            while True:
                done = self._write_tx(lambda tx: run(tx, q.delete_load_nodes(load_id, DELETE_CHUNK))[0])
                nodes, edges = nodes + done["nodes"], edges + done["edges"]
                if done["nodes"] < DELETE_CHUNK:
                    break
            edges += self._write_tx(lambda tx: run(tx, q.delete_load_edges(load_id))[0])["edges"]
            self._write_tx(lambda tx: run(tx, q.delete_load_xrefs(load_id)))
            self._write_tx(lambda tx: run(tx, q.delete_load_record(load_id)))
            self._load_info.pop(load_id, None)
            return WriteResult(nodes_deleted=nodes, edges_deleted=edges)

    # ----------------------------------------------------------------- reads

    def get(self, node_id: str) -> Node | None:
        rows = self._read(lambda tx: run(tx, q.get_node(node_id)))
        return self._node(rows[0]["np"], rows[0]["nk"]) if rows else None

    def kinds(self, ids: Iterable[str]) -> dict[str, str]:
        wanted = list(dict.fromkeys(ids))

        def work(tx: Any) -> dict[str, str]:
            return {r["id"]: r["kind"] for chunk in chunks(wanted) for r in run(tx, q.kinds_of(chunk))}

        return self._read(work) if wanted else {}

    def neighbours(
        self,
        node_id: str,
        edge_kinds: Iterable[str] | None = None,
        node_kinds: Iterable[str] | None = None,
        direction: str = "both",
    ) -> list[Neighbour]:
        if direction not in DIRECTIONS:
            raise InvalidInput(f"direction must be one of {', '.join(DIRECTIONS)}, got {direction!r}")
        nk = sorted(set(node_kinds)) if node_kinds is not None else None
        query = q.neighbours(node_id, edge_kinds, nk, direction)

        def work(tx: Any) -> list[neo4j.Record] | None:
            if not run(tx, q.kinds_of([node_id])):
                return None
            return run(tx, query)

        rows = self._read(work)
        if rows is None:
            raise NotFound(f"no node {node_id!r}")
        out = []
        for r in rows:
            other = self._node(r["mp"], r["mk"])
            if r["way"] == "in" and other.id == node_id:  # a self-loop is reported once
                continue
            src, dst = (node_id, other.id) if r["way"] == "out" else (other.id, node_id)
            out.append(Neighbour(fmt.edge_of(r["rk"], src, dst, r["rp"], self._at), other, r["way"]))
        out.sort(key=lambda n: (n.edge.kind, n.node.id, n.edge.key, n.direction))
        return out

    def search(self, text: str, kinds: Iterable[str] | None = None, limit: int = 20) -> list[SearchHit]:
        query = normalise(text)
        if not query:
            raise InvalidInput("search text is empty")
        wanted = sorted(set(kinds)) if kinds is not None else None
        rows = self._read(lambda tx: run(tx, q.search(query, wanted, limit)))
        return [SearchHit(self._node(r["np"], r["nk"]), r["rank"], r["matched"]) for r in rows]

    def subgraph(
        self,
        ids: Iterable[str],
        depth: int = 1,
        edge_kinds: Iterable[str] | None = None,
        node_kinds: Iterable[str] | None = None,
        max_nodes: int = 500,
    ) -> Subgraph:
        ek = sorted(set(edge_kinds)) if edge_kinds is not None else None
        nk = set(node_kinds) if node_kinds is not None else None
        seeds = sorted(set(ids))

        def work(tx: Any) -> tuple[list[neo4j.Record], list[neo4j.Record], bool]:
            known = {r["id"] for chunk in chunks(seeds) for r in run(tx, q.kinds_of(chunk))}
            for s in seeds:
                if s not in known:
                    raise NotFound(f"no node {s!r}")
            chosen = dict.fromkeys(seeds[:max_nodes])
            truncated = len(seeds) > max_nodes
            frontier = list(chosen)
            for _ in range(depth):
                if not frontier:
                    break
                around = {r["id"]: r["ms"] for r in run(tx, q.adjacent(frontier, ek))}
                nxt = []
                for n in sorted(frontier):
                    for m, kind in sorted(map(tuple, around.get(n, ()))):
                        if m in chosen or (nk is not None and kind not in nk):
                            continue
                        if len(chosen) >= max_nodes:
                            truncated = True
                            break
                        chosen[m] = None
                        nxt.append(m)
                frontier = nxt
            members = sorted(chosen)
            return run(tx, q.nodes_by_id(members)), run(tx, q.edges_among(members, ek)), truncated

        node_rows, edge_rows, truncated = self._read(work)
        nodes = sorted((self._node(r["np"], r["nk"]) for r in node_rows), key=lambda n: n.id)
        edges = sorted((fmt.edge_of(r["rk"], r["s"], r["d"], r["rp"], self._at) for r in edge_rows),
                       key=lambda e: e.ident)
        return Subgraph(tuple(nodes), tuple(edges), truncated)

    def counts(self) -> Counts:
        rows = self._read(lambda tx: run(tx, q.counts()))
        found: dict[str, dict[str, int]] = {"node": {}, "edge": {}}
        for r in rows:
            if r["c"]:
                found[r["what"]][r["kind"]] = r["c"]
        return Counts(dict(sorted(found["node"].items())), dict(sorted(found["edge"].items())))

    def nodes(self, kind: str | None = None) -> Iterator[Node]:
        after = None
        while True:
            rows = self._read(lambda tx, after=after: run(tx, q.node_page(kind, after, PAGE)))
            for r in rows:
                yield self._node(r["np"], r["nk"])
            if len(rows) < PAGE:
                return
            after = rows[-1]["np"]["id"]

    def edges(self, kind: str | None = None) -> Iterator[Edge]:
        for k in sorted(EDGE_KINDS) if kind is None else [kind]:
            if k not in EDGE_KINDS:
                return
            after = None
            while True:
                rows = self._read(lambda tx, after=after, k=k: run(tx, q.edge_page(k, after, PAGE)))
                for r in rows:
                    yield fmt.edge_of(k, r["s"], r["d"], r["rp"], self._at)
                if len(rows) < PAGE:
                    break
                after = rows[-1]["rp"]["_sk"]

    def records_by_id(self, ids: Iterable[str]) -> dict[str, Edge]:
        wanted = sorted(set(ids))
        if not wanted:
            return {}
        rows = self._read(lambda tx: run(tx, q.records_by_id(wanted)))
        return {r["rp"]["id"]: fmt.edge_of("TRACKS", r["s"], r["d"], r["rp"], self._at) for r in rows}

    def loads(self) -> list[LoadRecord]:
        def work(tx: Any) -> tuple[list[neo4j.Record], list[list[neo4j.Record]]]:
            return run(tx, q.loads()), [run(tx, query) for query in q.load_sizes()]

        records, (node_sizes, edge_sizes) = self._read(work)
        nodes = {r["load"]: r["c"] for r in node_sizes}
        edges = {r["load"]: r["c"] for r in edge_sizes}
        return [LoadRecord(r["id"], r["at"], nodes.get(r["id"], 0), edges.get(r["id"], 0),
                           LoadMeta.from_json(r["meta"])) for r in records]

    # ----------------------------------------------------------------- the crosswalk

    def xrefs(self, source: str | None = None, node: str | None = None) -> list[Xref]:
        rows = self._read(lambda tx: run(tx, q.xrefs(source, node)))
        return [fmt.xref_of(r["p"], self._at) for r in rows]

    def write_xrefs(self, xrefs: Iterable[Xref] = (), delete: Iterable[tuple[str, str]] = ()) -> None:
        """Crosswalk records go in one transaction of their own (in a bulk batch, after the writes in
        flight: a load writes them last, so a failure before them is undone by the journal)."""
        default = Provenance("api", None, "api", now_iso())
        rows, loads = [], {}
        for x in xrefs:
            check_xref(x)
            prov = x.provenance or default
            loads.setdefault(prov.load_id, (prov.loaded_at, prov.meta.to_json() if prov.meta else None))
            rows.append(fmt.xref_props(x, prov))
        gone = [f"{source}{q.SEP}{key}" for source, key in delete]

        def work(tx: Any) -> None:
            for load_id, (at, meta) in loads.items():
                run(tx, q.register_load(load_id, at, meta))
            for chunk in chunks(gone):
                tx.run(*q.delete_xrefs(chunk)).consume()
            for chunk in chunks(rows):
                tx.run(*q.write_xrefs(list(chunk))).consume()

        with self._lock:
            if self._inflight:
                self._drain()
            self._write_tx(work)
