"""Name search for the embedded store: an FTS5 trigram table of names and aliases in search form.

Persistent and outside Python's heap: a store opens without building an index, and a substring
query of three or more characters is answered from the trigram index.  Shorter queries scan the
table in C.  Ranking: exact > prefix > substring (best over name and aliases), then name length,
name, id — the order the store interface promises.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Any

from graph.sqlite_format import NAMES_PER_NODE
from graph.text import normalise


def index_names(conn: sqlite3.Connection, rows: Iterable[tuple[int, dict[str, Any]]]) -> None:
    """Index (rid, attrs) of new or changed nodes (their old entries must be dropped first)."""
    entries = []
    for rid, attrs in rows:
        base = rid * NAMES_PER_NODE
        texts = [attrs["name"], *attrs.get("aliases", ())][:NAMES_PER_NODE]
        entries += [(base + i, normalise(t), t) for i, t in enumerate(texts)]
    conn.executemany("INSERT INTO names (rowid, norm, text) VALUES (?, ?, ?)", entries)


def drop_names(conn: sqlite3.Connection, rids: Iterable[int]) -> None:
    conn.executemany(
        "DELETE FROM names WHERE rowid >= ? AND rowid < ?",
        [(r * NAMES_PER_NODE, (r + 1) * NAMES_PER_NODE) for r in rids],
    )


def search_names(conn: sqlite3.Connection, query: str, kinds: list[str] | None, limit: int) -> list[tuple]:
    """(node id, rank, matched text) for a normalised ``query``, best first."""
    if len(query) >= 3 and "\x00" not in query:  # FTS5 reads a query as a C string: a NUL would end it
        where, arg = "names MATCH ?", '"' + query.replace('"', '""') + '"'
    else:
        where, arg = "instr(norm, ?) > 0", query
    kind_filter = f"AND n.kind IN ({','.join('?' * len(kinds))})" if kinds else ""
    # SQLite returns the bare column ``text`` from the row that gives min(rank) (the name before
    # its aliases on a tie, since rows come in rowid order).
    sql = f"""
        WITH hits AS (
            SELECT rowid / {NAMES_PER_NODE} AS rid, text,
                   CASE WHEN norm = ? THEN 0 WHEN substr(norm, 1, ?) = ? THEN 1 ELSE 2 END AS rank
            FROM names WHERE {where}
        ), best AS (SELECT rid, min(rank) AS rank, text FROM hits GROUP BY rid)
        SELECT n.id, best.rank, best.text FROM best JOIN nodes n ON n.rid = best.rid
        WHERE 1 {kind_filter}
        ORDER BY best.rank, length(n.name), n.name, n.id LIMIT ?"""
    return conn.execute(sql, [query, len(query), query, arg, *(kinds or ()), limit]).fetchall()
