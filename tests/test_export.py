"""Exports: the CSV round trip is exact; GraphML reads back in networkx with the same graph."""

from __future__ import annotations

import io

import networkx as nx
import pytest
from test_load import REGION, tables

from graph import EmbeddedStore
from loaders.export import export_tables, write_graphml
from loaders.load import load_tables
from loaders.sheets import csv_bytes
from loaders.tables import read_csv


def _round_trip(source, tmp_path) -> tuple[dict, dict]:
    first = {name: csv_bytes(t) for name, t in export_tables(source).items()}
    fresh = EmbeddedStore(tmp_path / "fresh.sqlite")
    load_tables(fresh, [read_csv(data, f"{name}.csv", name) for name, data in first.items()])
    second = {name: csv_bytes(t) for name, t in export_tables(fresh).items()}
    fresh.close()
    return first, second


def test_csv_round_trip_is_identical(store, tmp_path):
    load_tables(store, tables(REGION))
    first, second = _round_trip(store, tmp_path)
    assert first == second
    assert first["enterprises"].decode().splitlines()[1].startswith("ent:a,澜启生物（演示）有限公司,")
    # every row of the input came back out (the ontology's own nodes are not exported)
    assert sum(len(read_csv(data, f"{name}.csv").rows) for name, data in first.items()) == 14


def test_demo_region_round_trips(demo_store, tmp_path):
    first, second = _round_trip(demo_store, tmp_path)
    assert first == second
    assert len(first["institutions"].decode().splitlines()) > 40


def test_graphml_reads_back(store):
    load_tables(store, tables(REGION))
    buf = io.BytesIO()
    write_graphml(store, buf)
    g = nx.read_graphml(io.BytesIO(buf.getvalue()), force_multigraph=True)
    counts = store.counts()
    assert g.number_of_nodes() == sum(counts.nodes.values())
    assert g.number_of_edges() == sum(counts.edges.values())
    assert g.nodes["inst:h"]["specialties"] == "心血管病;消化病" and g.nodes["inst:h"]["gcp_drug"] is True
    assert g.nodes["park:zizhu"]["lat"] == pytest.approx(31.02)
    kinds = sorted(d["kind"] for _, _, d in g.edges("station:mh", data=True))
    assert kinds == ["PART_OF", "SERVES", "SITED_AT", "TRACKS", "TRACKS"]
