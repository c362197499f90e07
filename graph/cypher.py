"""Cypher for the Neo4j store, built by small pure functions that return ``(text, params)``.

Values always travel as ``$parameters``.  Labels and relationship types are spliced into the text
(Cypher cannot parameterise them in a way the planner can use), so they pass through ``label`` /
``rel_type``, which accept only the ontology's kinds and the store's two internal labels.

In the database a node is ``(:Biokg:<Kind> {id, name, <props>, _load, _source, _row, _h, _search,
_nlen})`` and an edge ``-[:<KIND> {<props>, _sk, _h, _load, _source, _row}]->``; ``_sk`` is the edge's
identity (``src NUL dst NUL key``), which also sorts like ``(src, dst, key)``.  Loads are
``(:BiokgLoad {id, loaded_at, seq, meta})``, entity resolution's crosswalk records
``(:BiokgXref {sk, source, key, node, kind, name, rule, score, status, candidates, filled, aliases,
matched, _load, _source, _row})`` with ``sk`` = ``source NUL key``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, TypeVar

from ontology import EDGE_KINDS, NODE_KINDS, InvalidInput

BASE = "Biokg"  # every biokg node carries it: one id constraint and one search index for all kinds
LOAD = "BiokgLoad"
XREF = "BiokgXref"
SEP = "\x00"

Query = tuple[str, dict[str, Any]]
CHUNK = 10_000  # rows per UNWIND statement
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in slices of ``size``: one UNWIND statement each."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def run(tx: Any, query: Query) -> list:
    """Run one built query in a transaction; its records."""
    return list(tx.run(*query))


def label(kind: str) -> str:
    """A node label: an ontology node kind (or the base label), never caller text.

    >>> label("Enterprise")
    'Enterprise'
    """
    if kind in NODE_KINDS or kind == BASE:
        return kind
    raise InvalidInput(f"unknown node kind {kind!r}")


def rel_type(kind: str) -> str:
    if kind in EDGE_KINDS:
        return kind
    raise InvalidInput(f"unknown edge kind {kind!r}")


def _types(kinds: Iterable[str] | None) -> str:
    """``:A|B`` for a relationship pattern, '' for any kind, and an impossible type for none.
    Names that are no edge kind match nothing (as in the embedded store) and never reach the text."""
    if kinds is None:
        return ""
    names = sorted({k for k in kinds if k in EDGE_KINDS})
    return ":" + "|".join(names) if names else ":`biokg no kind`"


# ----------------------------------------------------------------------------- schema


def schema_statements() -> list[tuple[str, str]]:
    """(name, statement) of every constraint and index the store needs, from the ontology."""
    out = [
        ("biokg_id", f"CREATE CONSTRAINT biokg_id IF NOT EXISTS FOR (n:{BASE}) REQUIRE n.id IS UNIQUE"),
        ("biokg_load_id", f"CREATE CONSTRAINT biokg_load_id IF NOT EXISTS FOR (n:{LOAD}) REQUIRE n.id IS UNIQUE"),
        ("biokg_search", f"CREATE TEXT INDEX biokg_search IF NOT EXISTS FOR (n:{BASE}) ON (n._search)"),
        ("biokg_load", f"CREATE INDEX biokg_load IF NOT EXISTS FOR (n:{BASE}) ON (n._load)"),
        ("biokg_xref_sk", f"CREATE CONSTRAINT biokg_xref_sk IF NOT EXISTS FOR (x:{XREF}) REQUIRE x.sk IS UNIQUE"),
        ("biokg_xref_node", f"CREATE INDEX biokg_xref_node IF NOT EXISTS FOR (x:{XREF}) ON (x.node)"),
        ("biokg_xref_load", f"CREATE INDEX biokg_xref_load IF NOT EXISTS FOR (x:{XREF}) ON (x._load)"),
    ]
    for kind in sorted(NODE_KINDS):
        name = f"biokg_{kind.lower()}_id"
        out.append((name, f"CREATE CONSTRAINT {name} IF NOT EXISTS FOR (n:{label(kind)}) REQUIRE n.id IS UNIQUE"))
    for kind in sorted(EDGE_KINDS):
        name = f"biokg_{kind.lower()}_sk"
        out.append((name, f"CREATE INDEX {name} IF NOT EXISTS FOR ()-[r:{rel_type(kind)}]-() ON (r._sk)"))
    # a service record is looked up by its id alone (an id names one record in the whole store)
    out.append(("biokg_tracks_id", f"CREATE INDEX biokg_tracks_id IF NOT EXISTS FOR ()-[r:{rel_type('TRACKS')}]-() "
                                   "ON (r.id)"))
    return out


def show_schema() -> Query:
    return "SHOW INDEXES YIELD name, state RETURN name, state", {}


# ----------------------------------------------------------------------------- writes


def lookup_nodes(ids: Sequence[str]) -> Query:
    """Kind and content hash of those of ``ids`` that exist."""
    return (f"UNWIND $ids AS id MATCH (n:{BASE} {{id: id}}) "
            f"RETURN n.id AS id, [l IN labels(n) WHERE l <> '{BASE}'][0] AS kind, n._h AS h"), {"ids": list(ids)}


def lookup_edges(kind: str, sks: Sequence[str]) -> Query:
    return (f"UNWIND $sks AS sk MATCH ()-[r:{rel_type(kind)} {{_sk: sk}}]->() RETURN r._sk AS sk, r._h AS h",
            {"sks": list(sks)})


def edges_at(kind: str, direction: str, ids: Sequence[str]) -> Query:
    """Identities of the ``kind`` edges leaving (out) or entering (in) each of ``ids``."""
    arrow = f"-[r:{rel_type(kind)}]->()" if direction == "out" else f"<-[r:{rel_type(kind)}]-()"
    return f"UNWIND $ids AS id MATCH (n:{BASE} {{id: id}}){arrow} RETURN r._sk AS sk", {"ids": list(ids)}


def create_nodes(kind: str, rows: list[dict[str, Any]]) -> Query:
    return f"UNWIND $rows AS row CREATE (n:{BASE}:{label(kind)}) SET n = row", {"rows": rows}


def update_nodes(rows: list[dict[str, Any]]) -> Query:
    return f"UNWIND $rows AS row MATCH (n:{BASE} {{id: row.id}}) SET n = row", {"rows": rows}


def create_edges(kind: str, rows: list[dict[str, Any]]) -> Query:
    """``rows``: ``{s, d, p}`` with the endpoints' ids and the edge's properties.  Returns how many
    were created (a row whose endpoint is missing creates nothing: the caller checks)."""
    return (f"UNWIND $rows AS row MATCH (a:{BASE} {{id: row.s}}) MATCH (b:{BASE} {{id: row.d}}) "
            f"CREATE (a)-[r:{rel_type(kind)}]->(b) SET r = row.p RETURN count(r) AS created"), {"rows": rows}


def update_edges(kind: str, rows: list[dict[str, Any]]) -> Query:
    return (f"UNWIND $rows AS row MATCH ()-[r:{rel_type(kind)} {{_sk: row._sk}}]->() SET r = row",
            {"rows": rows})


def delete_edges(kind: str, sks: Sequence[str]) -> Query:
    return f"UNWIND $sks AS sk MATCH ()-[r:{rel_type(kind)} {{_sk: sk}}]->() DELETE r", {"sks": list(sks)}


def delete_nodes(ids: Sequence[str]) -> Query:
    return f"UNWIND $ids AS id MATCH (n:{BASE} {{id: id}}) DETACH DELETE n", {"ids": list(ids)}


def edges_of(kind: str, sks: Sequence[str]) -> Query:
    """Whole edges by identity (to remember them before a bulk batch changes them)."""
    return (f"UNWIND $sks AS sk MATCH (a)-[r:{rel_type(kind)} {{_sk: sk}}]->(b) "
            "RETURN a.id AS s, b.id AS d, properties(r) AS p"), {"sks": list(sks)}


def nodes_of(ids: Sequence[str]) -> Query:
    return f"UNWIND $ids AS id MATCH (n:{BASE} {{id: id}}) RETURN properties(n) AS p", {"ids": list(ids)}


def register_load(load_id: str, loaded_at: str, meta: str | None = None) -> Query:
    """The load's record, numbered in order of first appearance (kept when it exists)."""
    return (f"OPTIONAL MATCH (x:{LOAD}) WITH coalesce(max(x.seq), 0) + 1 AS next "
            f"MERGE (l:{LOAD} {{id: $id}}) ON CREATE SET l.loaded_at = $at, l.seq = next, l.meta = $meta "
            "RETURN l.loaded_at AS at"), {"id": load_id, "at": loaded_at, "meta": meta}


def load_exists(load_id: str) -> Query:
    return f"MATCH (l:{LOAD} {{id: $id}}) RETURN l.id AS id", {"id": load_id}


def delete_load_nodes(load_id: str, limit: int) -> Query:
    """Up to ``limit`` of the load's nodes with every edge at them; returns both counts."""
    return (f"MATCH (n:{BASE} {{_load: $id}}) WITH n LIMIT $limit OPTIONAL MATCH (n)-[r]-() "
            "WITH collect(DISTINCT n) AS ns, count(DISTINCT r) AS edges "
            "FOREACH (n IN ns | DETACH DELETE n) RETURN size(ns) AS nodes, edges"), {"id": load_id, "limit": limit}


def delete_load_edges(load_id: str) -> Query:
    """The load's edges between nodes of other loads (few: a scan over all edges)."""
    return "MATCH ()-[r]->() WHERE r._load = $id DELETE r RETURN count(r) AS edges", {"id": load_id}


def delete_load_xrefs(load_id: str) -> Query:
    return f"MATCH (x:{XREF} {{_load: $id}}) DELETE x RETURN count(x) AS xrefs", {"id": load_id}


def delete_load_record(load_id: str) -> Query:
    return f"MATCH (l:{LOAD} {{id: $id}}) DELETE l RETURN count(l) AS loads", {"id": load_id}


def kind_hashes(kind: str) -> Query:
    return f"MATCH (n:{label(kind)}) RETURN n.id AS id, n._h AS h", {}


# ----------------------------------------------------------------------------- reads

def _node_cols(var: str) -> str:
    """A node's properties (``<var>p``) and kind (``<var>k``)."""
    return f"properties({var}) AS {var}p, [l IN labels({var}) WHERE l <> '{BASE}'][0] AS {var}k"


def get_node(node_id: str) -> Query:
    return f"MATCH (n:{BASE} {{id: $id}}) RETURN {_node_cols('n')}", {"id": node_id}


def loads() -> Query:
    return f"MATCH (l:{LOAD}) RETURN l.id AS id, l.loaded_at AS at, l.meta AS meta ORDER BY l.seq", {}


def write_xrefs(rows: list[dict[str, Any]]) -> Query:
    """Upsert crosswalk records (``rows`` are their whole property maps, ``sk`` included)."""
    return f"UNWIND $rows AS row MERGE (x:{XREF} {{sk: row.sk}}) SET x = row", {"rows": rows}


def delete_xrefs(sks: Sequence[str]) -> Query:
    return f"UNWIND $sks AS sk MATCH (x:{XREF} {{sk: sk}}) DELETE x", {"sks": list(sks)}


def xrefs(source: str | None, node: str | None) -> Query:
    """Crosswalk records of a source and/or at a node, in (source, key) order."""
    where = " AND ".join(c for c, v in (("x.source = $source", source), ("x.node = $node", node)) if v is not None)
    return (f"MATCH (x:{XREF}) {'WHERE ' + where if where else ''} RETURN properties(x) AS p "
            "ORDER BY x.source, x.key"), {"source": source, "node": node}


def load_sizes() -> list[Query]:
    return [
        (f"MATCH (n:{BASE}) RETURN n._load AS load, count(*) AS c", {}),
        ("MATCH ()-[r]->() RETURN r._load AS load, count(*) AS c", {}),
    ]


def counts() -> Query:
    """Per-kind counts, answered from Neo4j's count store (no scan)."""
    parts = [f"MATCH (n:{label(k)}) RETURN 'node' AS what, '{k}' AS kind, count(n) AS c" for k in sorted(NODE_KINDS)]
    parts += [f"MATCH ()-[r:{rel_type(k)}]->() RETURN 'edge' AS what, '{k}' AS kind, count(r) AS c"
              for k in sorted(EDGE_KINDS)]
    return "CALL () { " + " UNION ALL ".join(parts) + " } RETURN what, kind, c", {}


def kinds_of(ids: Sequence[str]) -> Query:
    return (f"UNWIND $ids AS id MATCH (n:{BASE} {{id: id}}) "
            f"RETURN n.id AS id, [l IN labels(n) WHERE l <> '{BASE}'][0] AS kind"), {"ids": list(ids)}


def neighbours(node_id: str, edge_kinds: Iterable[str] | None, node_kinds: list[str] | None,
               direction: str) -> Query:
    """Edges at a node with the node at the other end; ``way`` is 'out' or 'in'."""
    types = _types(edge_kinds)
    where = "WHERE any(l IN labels(m) WHERE l IN $nk)" if node_kinds is not None else ""
    parts = []
    for way, pattern in (("out", f"-[r{types}]->"), ("in", f"<-[r{types}]-")):
        if direction in (way, "both"):
            parts.append(f"MATCH (n:{BASE} {{id: $id}}){pattern}(m:{BASE}) {where} "
                         f"RETURN '{way}' AS way, type(r) AS rk, properties(r) AS rp, {_node_cols('m')}")
    return " UNION ALL ".join(parts), {"id": node_id, "nk": node_kinds}


def adjacent(ids: Sequence[str], edge_kinds: Iterable[str] | None) -> Query:
    """Each node's neighbours (either direction) with their kinds, for breadth-first expansion."""
    return (f"UNWIND $ids AS id MATCH (n:{BASE} {{id: id}})-[r{_types(edge_kinds)}]-(m:{BASE}) "
            f"RETURN id, collect(DISTINCT [m.id, [l IN labels(m) WHERE l <> '{BASE}'][0]]) AS ms"), {"ids": list(ids)}


def nodes_by_id(ids: Sequence[str]) -> Query:
    return f"UNWIND $ids AS id MATCH (n:{BASE} {{id: id}}) RETURN {_node_cols('n')}", {"ids": list(ids)}


def edges_among(ids: Sequence[str], edge_kinds: Iterable[str] | None) -> Query:
    return (f"UNWIND $ids AS id MATCH (a:{BASE} {{id: id}})-[r{_types(edge_kinds)}]->(b:{BASE}) "
            "WHERE b.id IN $ids RETURN type(r) AS rk, a.id AS s, b.id AS d, properties(r) AS rp"), {"ids": list(ids)}


def node_page(kind: str | None, after: str | None, limit: int) -> Query:
    """One page of nodes in id order (keyset paging on the id index)."""
    lab = label(kind) if kind else BASE
    where = "WHERE n.id > $after" if after is not None else "WHERE n.id IS NOT NULL"
    return (f"MATCH (n:{lab}) {where} RETURN {_node_cols('n')} ORDER BY n.id LIMIT $limit",
            {"after": after, "limit": limit})


def records_by_id(ids: list[str]) -> Query:
    """Service records (TRACKS edges) whose record id is one of ``ids`` (on the ``biokg_tracks_id`` index)."""
    return (f"MATCH (a)-[r:{rel_type('TRACKS')}]->(b) WHERE r.id IN $ids "
            "RETURN a.id AS s, b.id AS d, properties(r) AS rp ORDER BY r._sk", {"ids": ids})


def edge_page(kind: str, after: str | None, limit: int) -> Query:
    """One page of a kind's edges in (src, dst, key) order (keyset paging on the ``_sk`` index)."""
    where = "WHERE r._sk > $after" if after is not None else "WHERE r._sk IS NOT NULL"
    return (f"MATCH (a)-[r:{rel_type(kind)}]->(b) {where} "
            "RETURN a.id AS s, b.id AS d, properties(r) AS rp ORDER BY r._sk LIMIT $limit",
            {"after": after, "limit": limit})


def search(query: str, kinds: list[str] | None, limit: int) -> Query:
    """Names and aliases containing ``query`` (both in search form), ranked exact > prefix > substring,
    then name length, name, id.  The text index finds candidates; ``_search`` holds the search forms
    joined by NUL, so a candidate whose match spans two names is dropped by the per-name test."""
    kind_filter = "AND any(l IN labels(n) WHERE l IN $kinds)" if kinds is not None else ""
    text = f"""
        MATCH (n:{BASE}) WHERE n._search CONTAINS $q {kind_filter}
        WITH n, split(n._search, $sep) AS forms
        WITH n, [i IN range(0, size(forms) - 1) WHERE forms[i] CONTAINS $q |
                 [CASE WHEN forms[i] = $q THEN 0 WHEN forms[i] STARTS WITH $q THEN 1 ELSE 2 END, i]] AS ms
        WHERE size(ms) > 0
        WITH n, reduce(best = ms[0], m IN ms | CASE WHEN m[0] < best[0] THEN m ELSE best END) AS best
        RETURN {_node_cols('n')}, best[0] AS rank,
               CASE best[1] WHEN 0 THEN n.name ELSE n.aliases[best[1] - 1] END AS matched
        ORDER BY rank, n._nlen, n.name, n.id LIMIT $limit"""
    return text, {"q": query, "sep": SEP, "kinds": kinds, "limit": limit}


# ----------------------------------------------------------------------------- undo of bulk batches


def restore_edge(kind: str, src: str, dst: str, props: dict[str, Any]) -> Query:
    """Put an edge back as it was (whether it was changed or deleted since)."""
    return (f"MATCH (a:{BASE} {{id: $s}}) MATCH (b:{BASE} {{id: $d}}) "
            f"MERGE (a)-[r:{rel_type(kind)} {{_sk: $p._sk}}]->(b) SET r = $p"), {"s": src, "d": dst, "p": props}


def delete_loads_except(keep: Sequence[str]) -> Query:
    return f"MATCH (l:{LOAD}) WHERE NOT l.id IN $keep DELETE l", {"keep": list(keep)}


def load_ids() -> Query:
    return f"MATCH (l:{LOAD}) RETURN l.id AS id", {}
