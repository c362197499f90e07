"""Streamed exports (loaders.export_stream): each format reads back to what the whole-file export
holds, memory stays bounded by a batch, and spreadsheet cells cannot start a formula."""

from __future__ import annotations

import codecs
import csv
import io
import tracemalloc
import zipfile

import networkx as nx
import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib import Graph
from rdflib.compare import isomorphic
from test_rdf_export import EDGES, NODES, PROV_ROW

from graph import EmbeddedStore
from graph.model import Edge, Node
from loaders import export_stream, sheets
from loaders.export import export_tables, graphml_keys, to_networkx, write_csv_folder, write_graphml
from loaders.export_stream import EXPORT_FORMATS, STREAMED, stream_export
from loaders.generate import generate_region, write_region
from loaders.interchange import FILE_BY_NAME
from loaders.load import load_paths, load_tables
from loaders.rdf_export import RDF_FORMATS, serialize, to_rdf
from loaders.rows import plan_table, read_rows
from loaders.sheets import csv_bytes, looks_like_formula, neutralise, unneutralise
from loaders.tables import read_csv, read_xlsx
from ontology import EDGE_KINDS, NODE_KINDS, InvalidInput
from ontology.rdf import node_iri

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated")  # rdflib's JSON-LD parser


class ListStore:
    """Just what the exports read of a store: nodes and edges, by kind, in the store's order."""

    def __init__(self, nodes, edges):
        self._nodes = sorted(nodes, key=lambda n: n.id)
        self._edges = sorted(edges, key=lambda e: (e.kind, e.src, e.dst, e.key))

    def nodes(self, kind=None):
        return iter([n for n in self._nodes if kind is None or n.kind == kind])

    def edges(self, kind=None):
        return iter([e for e in self._edges if kind is None or e.kind == kind])


def streamed(store, fmt: str, **kw) -> bytes:
    return b"".join(stream_export(store, fmt, **kw))


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    """The hand-built region of test_rdf_export, in an embedded store."""
    with EmbeddedStore(tmp_path_factory.mktemp("hand") / "kg.db") as s:
        s.write(NODES, EDGES)
        yield s


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    """A small generated region (loaders.generate), loaded as `biokg load` would."""
    folder = tmp_path_factory.mktemp("generated")
    write_region(generate_region(25, seed=5, as_of="2026-06-30"), folder)
    with EmbeddedStore(folder / "kg.sqlite") as s:
        load_paths(s, [folder])
        yield s


# ----------------------------------------------------------------------------- formats


def test_every_format_names_a_media_type_and_a_file():
    assert set(EXPORT_FORMATS) == {"ttl", "nt", "jsonld", "graphml", "csv", "xlsx"}
    media, filename = EXPORT_FORMATS["csv"]  # what the HTTP endpoint unpacks
    assert (media, filename) == ("application/zip", "biokg-csv.zip")
    assert EXPORT_FORMATS["ttl"].media_type == "text/turtle" and EXPORT_FORMATS["xlsx"].filename == "biokg.xlsx"
    assert STREAMED == set(EXPORT_FORMATS) - {"xlsx"}


def test_an_unknown_format_is_refused_at_the_call(hand):
    with pytest.raises(InvalidInput, match="unknown export format 'rdfxml'; known: ttl, nt, jsonld"):
        stream_export(hand, "rdfxml")


# ----------------------------------------------------------------------------- RDF


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
@pytest.mark.parametrize("which", ["hand", "region"])
def test_rdf_streams_parse_to_the_whole_export(request, which, fmt, monkeypatch):
    store = request.getfixturevalue(which)
    monkeypatch.setattr(export_stream, "BATCH", 7)  # many batches, subjects split across them
    chunks = list(stream_export(store, fmt))
    assert len(chunks) > 3
    back = Graph().parse(data=b"".join(chunks), format=RDF_FORMATS[fmt])
    whole = to_rdf(store.nodes(), store.edges())
    assert set(back) == set(whole)
    if which == "hand":
        assert isomorphic(back, whole)  # (no blank nodes: the same triples are the same graph)
    # and the same as what the whole-file export reads back to
    assert set(back) == set(Graph().parse(data=serialize(whole, fmt), format=RDF_FORMATS[fmt]))


def test_turtle_declares_its_prefixes_once_and_uses_them(hand, monkeypatch):
    monkeypatch.setattr(export_stream, "BATCH", 3)
    text = streamed(hand, "ttl").decode("utf-8")
    assert text.count("@prefix biokg: <https://w3id.org/biokg/ont#> .") == 1
    assert "\ndata:district%3A310112 a biokg:District ;" in text
    assert "一种抗CD20抗体" in text  # UTF-8, not escapes


def test_shared_provenance_is_written_once(hand, monkeypatch):
    monkeypatch.setattr(export_stream, "BATCH", 2)
    lines = streamed(hand, "nt").decode("utf-8").splitlines()
    load = f"<{node_iri('x')[:-1]}load/load-1>"
    assert sum(line.startswith(f"{load} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>") for line in lines) == 1


def _tricky(name: str, address: str, lat: float) -> ListStore:
    nodes = [Node("district:310112", "District", "闵行区", {"code": "310112", "type": "district"}, PROV_ROW),
             Node("park:p", "Park", name, {"address": address, "lat": lat, "aliases": [name, "x"]}, PROV_ROW)]
    edges = [Edge("IN_DISTRICT", "park:p", "district:310112", {}, PROV_ROW)]
    return ListStore(nodes, edges)


TRICKY = ['say "hi"\\n', "line\nbreak\r\nand\ttab", '"""triple"""', "@prefix biokg: <https://x/> .\n",
          "\x00\x01\x7f\u2028", "'single' and \\", "=1+1", "end."]


@pytest.mark.parametrize("fmt", sorted(RDF_FORMATS))
@pytest.mark.parametrize("text", TRICKY)
def test_tricky_text_survives_each_rdf_stream(fmt, text):
    store = _tricky(text, text, 121.93563)
    back = Graph().parse(data=streamed(store, fmt), format=RDF_FORMATS[fmt])
    assert set(back) == set(to_rdf(store.nodes(), store.edges()))


@settings(max_examples=40, deadline=None)
@given(name=st.text(min_size=1), address=st.text(), lat=st.floats(-90, 90))
def test_any_text_and_number_survive_the_rdf_streams(name, address, lat):
    store = _tricky(name, address, lat)
    whole = set(to_rdf(store.nodes(), store.edges()))
    for fmt in RDF_FORMATS:
        assert set(Graph().parse(data=streamed(store, fmt), format=RDF_FORMATS[fmt])) == whole, fmt


def test_ids_that_are_no_turtle_names_are_written_as_iris():
    odd = ["a.", "-x", "x~y", "中文", "a b", "50%"]
    store = ListStore([Node(i, "Field", i, {}, None) for i in odd], [])
    text = streamed(store, "ttl").decode("utf-8")
    assert "<https://w3id.org/biokg/id/a.>" in text and "data:-x" not in text
    for fmt in RDF_FORMATS:
        back = Graph().parse(data=streamed(store, fmt), format=RDF_FORMATS[fmt])
        assert set(back) == set(to_rdf(store.nodes(), store.edges())), fmt


# ----------------------------------------------------------------------------- GraphML


def _read_graphml(data: bytes) -> nx.MultiDiGraph:
    return nx.read_graphml(io.BytesIO(data), force_multigraph=True)


def _same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> None:
    assert dict(a.nodes(data=True)) == dict(b.nodes(data=True))
    assert sorted(a.edges(keys=True, data=True), key=repr) == sorted(b.edges(keys=True, data=True), key=repr)


def _without_empty_text(g: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """networkx.read_graphml drops empty <data>: the graph as it can read back at best."""
    out = nx.MultiDiGraph()
    out.add_nodes_from((n, {k: v for k, v in d.items() if v != ""}) for n, d in g.nodes(data=True))
    out.add_edges_from((u, v, k, {a: x for a, x in d.items() if x != ""}) for u, v, k, d in g.edges(keys=True, data=True))
    return out


@pytest.mark.parametrize("which", ["hand", "region"])
def test_graphml_stream_reads_back_as_the_networkx_export(request, which):
    store = request.getfixturevalue(which)
    chunks = list(stream_export(store, "graphml"))
    back = _read_graphml(b"".join(chunks))
    _same_graph(back, _without_empty_text(to_networkx(store)))
    whole = io.BytesIO()
    nx.write_graphml(to_networkx(store), whole, encoding="utf-8", prettyprint=True)  # the export before streaming
    _same_graph(back, _read_graphml(whole.getvalue()))
    # write_graphml is the stream, written to a file
    buf = io.BytesIO()
    write_graphml(store, buf)
    assert buf.getvalue() == b"".join(chunks)


def test_graphml_escapes_markup_and_keeps_line_ends():
    text = 'a <b> & "c" \'d\'\r\n\te'
    store = ListStore([Node('park:"&<x>', "Park", text, {"address": text, "lat": 31, "aliases": ["甲", "乙"]}, PROV_ROW),
                       Node("district:1", "District", "区", {"type": "special_area"}, None)],
                      [Edge("IN_DISTRICT", 'park:"&<x>', "district:1", {}, PROV_ROW)])
    back = _read_graphml(streamed(store, "graphml"))
    _same_graph(back, to_networkx(store))
    assert back.nodes['park:"&<x>']["name"] == text and back.nodes['park:"&<x>']["aliases"] == "甲;乙"


def test_graphml_replaces_what_xml_cannot_hold():
    store = ListStore([Node("park:x", "Park", "bell\x07", {}, None)], [])
    graph = nx.read_graphml(io.BytesIO(streamed(store, "graphml")))
    assert graph.nodes["park:x"]["name"] == "bell\ufffd"


def test_graphml_keys_come_from_the_ontology():
    keys = graphml_keys()
    for kind in NODE_KINDS.values():
        assert all(("node", p.name) in keys for p in kind.props)
    assert keys["node", "lat"] is float and keys["node", "listed"] is bool and keys["node", "order"] is int
    assert keys["node", "aliases"] is str and keys["node", "source_row"] is int
    assert all(("edge", "edge_id" if p.name == "id" else p.name) in keys for e in EDGE_KINDS.values() for p in e.props)
    assert keys["edge", "year"] is int and ("edge", "id") not in keys


# ----------------------------------------------------------------------------- CSV and XLSX


def test_the_csv_zip_is_the_folder_and_loads_back(region, tmp_path):
    chunks = list(stream_export(region, "csv"))
    assert len(chunks) > 1  # produced as it goes, not at the end
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(io.BytesIO(b"".join(chunks))) as zf:
        assert zf.testzip() is None
        zf.extractall(folder)
    written = write_csv_folder(region, tmp_path / "folder", bom=True)
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == {p.name: p.read_bytes() for p in written}
    with EmbeddedStore(tmp_path / "fresh.sqlite") as fresh:
        load_paths(fresh, [folder])
        assert export_tables(fresh) == export_tables(region)
        assert {n.id for n in fresh.nodes()} == {n.id for n in region.nodes()}
        assert sum(1 for _ in fresh.edges()) == sum(1 for _ in region.edges())
    plain = zipfile.ZipFile(io.BytesIO(streamed(region, "csv", bom=False)))
    assert not plain.read("enterprises.csv").startswith(codecs.BOM_UTF8)


def test_the_xlsx_stream_is_the_book(region, tmp_path):
    data = streamed(region, "xlsx")
    with EmbeddedStore(tmp_path / "again.sqlite") as again:
        load_tables(again, read_xlsx(data, "export.xlsx"))
        assert export_tables(again) == export_tables(region)


def test_an_xlsx_too_big_is_refused_at_the_call(region, monkeypatch):
    monkeypatch.setattr(sheets, "XLSX_ROWS", 3)
    with pytest.raises(InvalidInput, match="an XLSX sheet holds 2"):
        stream_export(region, "xlsx")


FORMULAS = ["=cmd|' /C calc'!A0", "@SUM(1)", "+1+1", "-2+3", "\tTAB", "\r=1", '=HYPERLINK("http://x","点我")']


def test_formula_rule():
    assert all(looks_like_formula(f) for f in FORMULAS)
    assert not any(looks_like_formula(t) for t in ("-1.5", "+86", "-3e-05", "1+1", "a=b", "", "'=x", " =1"))
    assert looks_like_formula("-") and looks_like_formula("--1") and looks_like_formula("+-1")
    assert [neutralise(t) for t in ("=x", "'=x", "-1.5", "-x", "it's")] == ["'=x", "''=x", "-1.5", "'-x", "it's"]


@given(st.text())
def test_unneutralise_undoes_neutralise(text):
    quoted = neutralise(text)
    assert unneutralise(quoted) == text
    assert not looks_like_formula(quoted)


@given(st.lists(st.lists(st.text(), min_size=2, max_size=2), max_size=3))
def test_any_cell_text_reads_back_from_csv(rows):
    header = ["a", "b"]
    table = read_csv(csv_bytes((header, rows)), "t.csv")
    # the reader drops rows with only blank cells; a formula-like cell never reaches a spreadsheet bare
    assert [cells for _, cells in table.rows] == [r for r in rows if any(c.strip() for c in r)]
    for line in csv.reader(io.StringIO(csv_bytes((header, rows)).decode("utf-8"), newline="")):
        assert not any(looks_like_formula(c) for c in line)


def _store_with_formulas(tmp_path) -> EmbeddedStore:
    store = EmbeddedStore(tmp_path / "formulas.sqlite")
    store.write([Node("district:310112", "District", "闵行区", {"code": "310112", "type": "district"}),
                 *(Node(f"park:{i}", "Park", f, {"address": f, "lat": -1.5, "aliases": [f, "x"]})
                   for i, f in enumerate(FORMULAS))],
                [Edge("IN_DISTRICT", f"park:{i}", "district:310112") for i in range(len(FORMULAS))])
    return store


def test_formulas_are_neutralised_in_csv_and_load_back(tmp_path):
    store = _store_with_formulas(tmp_path)
    with zipfile.ZipFile(io.BytesIO(streamed(store, "csv", bom=False))) as zf:
        zf.extractall(tmp_path / "csv")
        text = zf.read("parks.csv").decode("utf-8")
    rows = list(csv.DictReader(io.StringIO(text, newline="")))
    assert [r["name"] for r in rows] == ["'" + f for f in FORMULAS]
    assert [r["address"] for r in rows] == ["'" + f for f in FORMULAS]
    assert rows[0]["aliases"] == "'=cmd|' /C calc'!A0;x" and rows[0]["lat"] == "-1.5"  # a number stays a number
    with EmbeddedStore(tmp_path / "again.sqlite") as again:
        load_paths(again, [tmp_path / "csv"])
        assert [again.get(f"park:{i}").name for i in range(len(FORMULAS))] == [f.strip() for f in FORMULAS]
        assert again.get("park:0").props["lat"] == -1.5
    store.close()


def _xml_line_ends(text: str) -> str:
    """What a cell's text reads back as from XLSX: openpyxl writes a CR as it is, and XML reads
    line ends as LF (a limitation of XLSX through openpyxl, not of the formula rule)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def test_formulas_are_text_with_a_quote_prefix_in_xlsx(tmp_path):
    store = _store_with_formulas(tmp_path)
    data = streamed(store, "xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(data))["parks"]
    header = [c.value for c in sheet[1]]
    for row, formula in zip(sheet.iter_rows(min_row=2), FORMULAS, strict=True):
        name, lat = row[header.index("name")], row[header.index("lat")]
        assert name.value == _xml_line_ends(formula) and name.data_type == "s" and name.quotePrefix
        assert lat.value == -1.5 and lat.data_type == "n" and not lat.quotePrefix
    assert not sheet.cell(2, header.index("id") + 1).quotePrefix  # only where needed
    with EmbeddedStore(tmp_path / "again.sqlite") as again:
        load_tables(again, read_xlsx(data, "x.xlsx"))
        assert [again.get(f"park:{i}").name for i in range(len(FORMULAS))] == [f.strip() for f in FORMULAS]
    store.close()


_NAME = st.text(st.characters(blacklist_categories=("Cs", "Cc")) | st.sampled_from("=+-@'\t\r\n"), min_size=1).filter(
    lambda t: t.strip() == t)
_ITEM = _NAME.filter(lambda t: not any(c in t for c in ";；、"))


def _parsed_parks(tables) -> list:
    """The park rows as the loader reads them (cells parsed and checked, references not resolved)."""
    problems: list = []
    (table,) = [t for t in tables if t.name == "parks"]
    drafts = read_rows(table, plan_table(table, FILE_BY_NAME["parks"], problems), problems)
    assert not [p for p in problems if p.severity == "error"], problems
    return drafts


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(name=_NAME, address=_NAME, aliases=st.lists(_ITEM, max_size=3, unique=True), lat=st.floats(-90, 90))
def test_any_value_round_trips_through_the_csv_and_xlsx_exports(name, address, aliases, lat):
    """Any text a load can hold (no control characters but tab, CR and LF; no blanks at the ends,
    which the loader strips) and any latitude: exported, read by the loader, the same again."""
    store = ListStore([Node("district:310112", "District", "闵行区", {"code": "310112", "type": "district"}),
                       Node("park:p", "Park", name, {"address": address, "lat": lat, "aliases": aliases})],
                      [Edge("IN_DISTRICT", "park:p", "district:310112")])
    with zipfile.ZipFile(io.BytesIO(streamed(store, "csv"))) as zf:
        (csv_row,) = _parsed_parks([read_csv(zf.read("parks.csv"), "parks.csv")])
    assert (csv_row.name, csv_row.props) == (name, {"address": address, "lat": lat, "aliases": aliases}
                                             if aliases else {"address": address, "lat": lat})
    (xlsx_row,) = _parsed_parks(read_xlsx(streamed(store, "xlsx"), "x.xlsx"))
    text = _xml_line_ends
    assert (xlsx_row.name, xlsx_row.props.get("address"), xlsx_row.props.get("aliases", [])) == (
        text(name), text(address), [text(a) for a in aliases])
    assert xlsx_row.props["lat"] == pytest.approx(lat, rel=1e-14, abs=1e-300)  # a sheet keeps 15 digits


# ----------------------------------------------------------------------------- memory


def _peak(run) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _drain(store, fmt):
    return lambda: sum(len(chunk) for chunk in stream_export(store, fmt))


def test_streaming_needs_far_less_memory_than_the_whole_export(region, monkeypatch):
    """The region is some 1,100 records: with batches of 50 a stream holds a small part of it,
    while the whole exports build an rdflib graph (or networkx's XML tree) of all of it."""
    monkeypatch.setattr(export_stream, "BATCH", 50)
    streamed(region, "nt"), to_rdf([next(region.nodes())], [])  # imports and caches outside the measure
    rdf_graph = _peak(lambda: to_rdf(region.nodes(), region.edges()))  # less than any whole RDF export
    for fmt in RDF_FORMATS:
        assert _peak(_drain(region, fmt)) < rdf_graph / 3, fmt
    whole_graphml = _peak(lambda: nx.write_graphml(to_networkx(region), io.BytesIO(), encoding="utf-8"))
    assert _peak(_drain(region, "graphml")) < whole_graphml / 3
