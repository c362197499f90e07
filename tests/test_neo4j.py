"""The Neo4j backend's own concerns: Cypher building, schema, error mapping, bulk undo, search."""

from __future__ import annotations

import socket

import pytest
from helpers import edge, node, small_region
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_search import check_against_reference, entry_lists

from graph import cypher as q
from graph.model import Provenance, Replace
from graph.neo4j_store import Neo4jStore
from graph.open import open_store
from ontology import EDGE_KINDS, NODE_KINDS, InvalidInput, SchemaError, StoreUnavailable

# ----------------------------------------------------------------------------- Cypher text (pure)


@pytest.mark.parametrize("bad", ["Enterprise) DETACH DELETE (n", "enterprise", "Biokg`", ""])
def test_labels_and_types_come_only_from_the_ontology(bad):
    with pytest.raises(InvalidInput):
        q.label(bad)
    with pytest.raises(InvalidInput):
        q.rel_type(bad)
    with pytest.raises(InvalidInput):
        q.create_nodes(bad, [])


def test_values_travel_as_parameters():
    hostile = "x'}) DETACH DELETE n //"
    for text, params in (q.get_node(hostile), q.search(hostile, ["Park"], 5), q.delete_load_nodes(hostile, 10),
                         q.node_page("Park", hostile, 10), q.register_load(hostile, hostile)):
        assert hostile not in text
        assert hostile in params.values()


def test_unknown_edge_kinds_in_a_filter_match_nothing():
    text, _ = q.neighbours("a", ["NO_SUCH"], None, "out")
    assert "-[r:`biokg no kind`]->" in text
    text, _ = q.neighbours("a", ["OWNS", "NO_SUCH"], None, "out")
    assert "-[r:OWNS]->" in text


def test_schema_statements_cover_every_kind():
    names = [n for n, _ in q.schema_statements()]
    assert len(names) == len(set(names))
    for kind in NODE_KINDS:
        assert f"biokg_{kind.lower()}_id" in names
    for kind in EDGE_KINDS:
        assert f"biokg_{kind.lower()}_sk" in names
    assert {"biokg_id", "biokg_search", "biokg_load", "biokg_load_id"} <= set(names)


# ----------------------------------------------------------------------------- against the server


def test_init_creates_the_schema_once(neo4j_server):
    from neo4j import GraphDatabase
    from neo4j.exceptions import ConstraintError

    auth = (neo4j_server.user, neo4j_server.password)
    with GraphDatabase.driver(neo4j_server.uri, auth=auth) as driver:
        for name, _ in q.schema_statements():
            driver.execute_query(f"DROP CONSTRAINT {name} IF EXISTS", database_="neo4j")
            driver.execute_query(f"DROP INDEX {name} IF EXISTS", database_="neo4j")
        store = neo4j_server.fresh_store()  # opening creates what is missing
        try:
            assert store.init() == []  # and a second time there is nothing to do
        finally:
            store.close()
        rows, _, _ = driver.execute_query("SHOW INDEXES YIELD name, state, type RETURN name, state, type",
                                          database_="neo4j")
        found = {r["name"]: (r["state"], r["type"]) for r in rows}
        for name, _ in q.schema_statements():
            assert found[name][0] == "ONLINE", name
        assert found["biokg_search"][1] == "TEXT"
        with pytest.raises(ConstraintError):  # ids are unique across kinds
            driver.execute_query("CREATE (:Biokg:Park {id: 'field:antibody'})", database_="neo4j")


def test_unreachable_server_is_store_unavailable_with_uri_and_hint():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again when the block ends: nothing listens there
    uri = f"bolt://127.0.0.1:{port}"
    with pytest.raises(StoreUnavailable) as info:
        open_store(uri, password="x")
    message = str(info.value)
    assert uri in message and "scripts/neo4j start" in message and "BIOKG_NEO4J_URI" in message
    assert info.value.http_status == 503


def test_wrong_password_names_the_settings(neo4j_server):
    with pytest.raises(StoreUnavailable) as info:
        Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password + "-wrong")
    assert "BIOKG_NEO4J_PASSWORD" in str(info.value) and neo4j_server.uri in str(info.value)


def test_missing_database_is_named(neo4j_server):
    with pytest.raises(StoreUnavailable, match="no database 'nosuchdb'"):
        Neo4jStore(neo4j_server.uri, neo4j_server.user, neo4j_server.password, database="nosuchdb")


def test_bad_uri_is_invalid_input():
    with pytest.raises(InvalidInput):
        open_store("bolt://127.0.0.1:7687?policy=x")
    with pytest.raises(InvalidInput):
        open_store("bolt://[::1")


def _dump(store):
    return list(store.nodes()), list(store.edges()), [(r.load_id, r.nodes, r.edges) for r in store.loads()]


def test_a_failed_bulk_batch_is_taken_back(neo4j_server):
    store = neo4j_server.fresh_store()
    try:
        nodes, edges = small_region()
        store.write(nodes, edges)
        before = _dump(store)
        later = Provenance("later.csv", 9, "L-later", "2026-02-01T00:00:00+00:00")
        with pytest.raises(RuntimeError, match="disk on fire"), store.batch(bulk=True):
            # created nodes and edges, an updated node, an updated edge, and an edge replaced away
            store.write([node("park:new", "Park", "新园区", later), node("ent:b", "Enterprise", "改名", later)])
            store.write(edges=[edge("LOCATED_IN", "ent:c", "park:new", later),
                               edge("LOCATED_IN", "ent:b", "park:zizhu", later),
                               edge("TRACKS", "station:mh", "prod:2", later, id="SR1", date="2024-06-02", type="visit")],
                        replace=[Replace("ent:b", "LOCATED_IN")])
            store.write([node("ent:b", "Enterprise", "再改名", later)])  # changed twice: undo restores the first
            assert store.get("ent:b").name == "再改名"  # committed write by write
            raise RuntimeError("disk on fire")
        assert _dump(store) == before
    finally:
        store.close()


def test_a_batch_is_one_transaction(neo4j_server):
    store = neo4j_server.fresh_store()
    try:
        with pytest.raises(SchemaError), store.batch():
            store.write([node("park:a", "Park", "甲")])
            assert store.get("park:a") is not None  # the batch reads its own writes
            store.write([node("park:a", "Enterprise", "甲")])
        assert store.get("park:a") is None
    finally:
        store.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                  HealthCheck.function_scoped_fixture])
@given(entry_lists, st.data())
def test_search_matches_the_reference(neo4j_server, entries, data):
    store = neo4j_server.fresh_store()
    try:
        check_against_reference(store, entries, data)
    finally:
        store.close()


def test_unload_in_chunks_counts_like_the_embedded_store(neo4j_server, tmp_path, monkeypatch):
    """An unload taken 2 nodes per transaction deletes and counts what one transaction would."""
    import graph.neo4j_store as neo4j_store
    from graph import EmbeddedStore

    monkeypatch.setattr(neo4j_store, "DELETE_CHUNK", 2)
    other = Provenance("other.csv", 1, "L-other", "2026-03-01T00:00:00+00:00")
    results = []
    for store in (EmbeddedStore(tmp_path / "e.sqlite"), neo4j_server.fresh_store()):
        try:
            nodes, edges = small_region()
            store.write(nodes, edges)
            store.write([node("park:x", "Park", "别的园区", other)], [edge("LOCATED_IN", "ent:c", "park:x", other)])
            results.append((store.delete_load("L-test"), [n.id for n in store.nodes()],
                            [e for e in store.edges() if e.provenance.load_id != "ontology"],
                            [r.load_id for r in store.loads()]))
        finally:
            store.close()
    embedded, neo = results
    assert neo == embedded
    # the region's 12 nodes and 16 edges, and the other load's edge at ent:c (left dangling)
    assert embedded[0].nodes_deleted == 12 and embedded[0].edges_deleted == 17
    assert "park:x" in embedded[1] and "L-test" not in embedded[3]
