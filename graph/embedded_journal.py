"""The embedded store's change journal: how an open store keeps up with other connections' commits.

Other connections' commits to the same file (another ``biokg serve`` worker, ``biokg load`` beside
it) are seen by ``PRAGMA data_version`` before every read and when a write takes the lock.  Every
transaction appends to the file's change journal (the ``journal`` table, see graph/sqlite_format.py)
what it changed, so the store then re-reads only those rows and applies them to its mirror, in
time proportional to the change; it rebuilds the mirror only when the journal cannot bring it up
to date (a change too big to journal: a bulk batch, more than ``JOURNAL_LIMIT`` rows; a reader
further behind than the journal keeps; another file) or when a rebuild is faster (a change of more
than half the store's rows).

A ``ChangeJournal`` is one store's side of that journal.  While a transaction is open it collects
the rows the transaction changed (``log``) and writes them before the commit, pruning the oldest
(``flush``).  It holds the journal position the store's mirror reflects, decides whether the
journal can bring the mirror up to date (``behind``), reads back what changed since (``changes``)
and counts how the store kept up (``stats``).  It speaks only of the file: ``Changes`` are rows of
its tables, and the store puts them into its in-memory graph (``EmbeddedStore._apply``).
"""

from __future__ import annotations

import dataclasses
import sqlite3
from dataclasses import dataclass

from graph import sqlite_format as fmt

Entry = tuple[str, int, str | None]  # one journal row: (table, rowid, what was deleted or None)


@dataclass(frozen=True)
class SyncStats:
    """How an open store kept up with what other connections committed to its file."""

    rebuilds: int = 0  # full rebuilds of the mirror since open (the build on open not counted)
    catch_ups: int = 0  # times the journal brought the mirror up to date
    journal_entries_applied: int = 0  # journal rows those catch-ups applied


@dataclass(frozen=True)
class Changes:
    """What the journal rows after a position changed, as the file holds it now (read in the same
    read as the rest of the catch-up): the rows still in their tables, and the records deleted that
    are not back under the same rowid."""

    loads_named: list[int]  # every load the journal names: forgotten, then put back from ``loads``
    loads: list[tuple[int, str, str, str | None]]  # (idx, load_id, loaded_at, meta) of those still stored
    sources: list[tuple[int, str]]  # (idx, path)
    nodes: list[tuple]  # ``nodes`` rows (fmt.NODE_COLUMNS)
    edges: list[tuple]  # ``edges`` rows (fmt.EDGE_COLUMNS)
    deleted_nodes: list[tuple[int, str]]  # (rowid, id)
    deleted_edges: list[tuple[int, str, str, str, str]]  # (rowid, src, dst, kind, key)


class ChangeJournal:
    """One store's side of its file's change journal: what its open transaction changed, the
    journal position its mirror reflects, and how it kept up (``stats``)."""

    def __init__(self) -> None:
        self.instance: str | None = None  # the file's identity (meta 'instance') the mirror was built from
        self.seq = 0  # the last journal row the mirror reflects
        self.stats = SyncStats()
        # the open transaction's rows (None: too many, or a bulk batch: one REBUILD row), and
        # whether it changed anything
        self._entries: list[Entry] | None = []
        self._changed = False

    # ----------------------------------------------------------------- the open transaction

    def begin(self, bulk: bool) -> None:
        """A transaction starts; a bulk batch journals one REBUILD row, whatever it changes."""
        self._entries, self._changed = (None if bulk else []), False

    def log(self, entries: list[Entry]) -> None:
        """Note changed rows for this transaction's journal: (table, rowid, what was deleted or None)."""
        if not entries:
            return
        self._changed = True
        if self._entries is not None:
            self._entries += entries
            if len(self._entries) > fmt.JOURNAL_LIMIT:  # readers rebuild instead
                self._entries = None

    def flush(self, conn: sqlite3.Connection) -> int | None:
        """Inside the transaction, before its commit: write its journal rows (or one REBUILD row) and
        prune the oldest beyond JOURNAL_LIMIT; the last seq written (None: nothing changed)."""
        if not self._changed:
            return None
        rows = self._entries if self._entries is not None else [(fmt.REBUILD, 0, None)]
        conn.executemany("INSERT INTO journal (tab, rid, ident) VALUES (?, ?, ?)", rows)
        last = conn.execute("SELECT max(seq) FROM journal").fetchone()[0]
        conn.execute("DELETE FROM journal WHERE seq <= ?", (last - fmt.JOURNAL_LIMIT,))
        return last

    def end(self) -> None:
        """The transaction is over (committed or rolled back): nothing is pending."""
        self._entries, self._changed = [], False

    # ----------------------------------------------------------------- keeping up

    def read_position(self, conn: sqlite3.Connection) -> None:
        """The mirror is being built from the file (inside the build's read): it reflects the file's
        identity and the whole journal."""
        self.instance, self.seq = conn.execute(
            "SELECT (SELECT value FROM meta WHERE key='instance'), (SELECT coalesce(max(seq), 0) FROM journal)"
        ).fetchone()

    def behind(self, conn: sqlite3.Connection, mirror_rows: int) -> tuple[int, int] | None:
        """(the mirror's position, the journal's end) when the journal can bring a mirror of
        ``mirror_rows`` nodes and edges up to date (the two are equal when there is nothing to
        apply); None when the mirror must be rebuilt, or a rebuild is faster."""
        last = self.seq
        instance, form, low, high = conn.execute(
            "SELECT (SELECT value FROM meta WHERE key='instance'), (SELECT value FROM meta WHERE key='format'), "
            "(SELECT min(seq) FROM journal), (SELECT max(seq) FROM journal)"  # apart: each is one b-tree seek
        ).fetchone()
        if instance != self.instance or form != fmt.FORMAT:  # another file, or another format
            return None
        if high is None or high == last:
            if last and high is None:  # the journal was emptied
                return None
            return last, last  # a commit that changed nothing the mirror holds (the crosswalk)
        if high < last or low > last + 1:  # the journal was reset, or pruned past our position
            return None
        if high - last > min(fmt.JOURNAL_LIMIT, max(fmt.CATCH_UP_MIN, mirror_rows // 2)):  # a rebuild is faster
            return None
        if conn.execute("SELECT 1 FROM journal WHERE seq > ? AND tab = ? LIMIT 1", (last, fmt.REBUILD)).fetchone():
            return None
        return last, high

    def changes(self, conn: sqlite3.Connection, since: int) -> Changes:
        """What the journal rows after ``since`` changed: a row still in its table is read back, a
        deleted one is named unless its rowid now holds it again."""
        after = (since,)

        def changed(tab: str) -> str:
            return f"IN (SELECT rid FROM journal WHERE seq > ? AND tab = '{tab}')"

        loads_named = [idx for (idx,) in conn.execute("SELECT DISTINCT rid FROM journal WHERE seq > ? AND tab = 'l'",
                                                      after)]
        loads = conn.execute(f"SELECT idx, load_id, loaded_at, meta FROM loads WHERE idx {changed('l')}",
                             after).fetchall()
        sources = conn.execute(f"SELECT idx, path FROM sources WHERE idx {changed('s')}", after).fetchall()
        nodes = conn.execute(f"SELECT {fmt.NODE_COLUMNS} FROM nodes WHERE rid {changed('n')}", after).fetchall()
        edges = conn.execute(f"SELECT {fmt.EDGE_COLUMNS} FROM edges WHERE rid {changed('e')}", after).fetchall()
        live_nodes = {rid: nid for rid, nid, *_ in nodes}
        live_edges = {rid: (src, dst, kind, key) for rid, src, kind, dst, key, *_ in edges}
        deleted_nodes, deleted_edges = [], []
        for tab, rid, ident in conn.execute("SELECT tab, rid, ident FROM journal WHERE seq > ? AND ident IS NOT NULL "
                                            "AND tab IN ('n', 'e')", after):
            if tab == "n":
                if live_nodes.get(rid) != ident:
                    deleted_nodes.append((rid, ident))
            elif live_edges.get(rid) != (edge := fmt.parse_ident(ident)):
                deleted_edges.append((rid, *edge))
        return Changes(loads_named, loads, sources, nodes, edges, deleted_nodes, deleted_edges)

    def caught_up(self, since: int, end: int) -> None:
        """The mirror was brought from ``since`` to the journal's ``end``."""
        self.seq = end
        self.stats = dataclasses.replace(self.stats, catch_ups=self.stats.catch_ups + 1,
                                         journal_entries_applied=self.stats.journal_entries_applied + end - since)

    def count_rebuild(self) -> None:
        self.stats = dataclasses.replace(self.stats, rebuilds=self.stats.rebuilds + 1)
