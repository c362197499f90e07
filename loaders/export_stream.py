"""Exports of a whole store as a stream of byte chunks, for an HTTP response (or any file object).

``stream_export(store, fmt)`` yields the export in pieces while it reads ``store.nodes()`` and
``store.edges()``; the store must stay open until the iterator is exhausted or closed.  What goes
into each format is decided by the per-record rules the whole-file exports use as well
(``loaders.rdf_export.record_triples``, ``loaders.export.node_attrs``/``edge_attrs``/``table_rows``);
this module only writes them out.

What is held in memory while streaming:

* ``nt``, ``ttl``, ``jsonld``: one batch of ``BATCH`` records (nodes or edges) and their triples at
  a time, plus the (source, load) pairs whose provenance resources were already written.  The
  terms are written here, not by rdflib's serializers, which need a whole ``Graph`` (and a graph
  per batch would be a web of reference cycles, left for the cyclic garbage collector).  A subject
  may appear in more than one batch (a node's edges come after all nodes), which each format
  allows: the document parses to the same graph as ``serialize(to_rdf(...))``; literals keep
  their lexical form.
* ``graphml``: one batch of elements; the <key> declarations come from the ontology
  (``loaders.export.graphml_keys``), not from a pass over the data.
* ``csv``: a ZIP of the interchange CSV files (what ``write_csv_folder`` writes), written to an
  unseekable stream, file by file.  A node file's rows are streamed (the targets of its reference
  columns are read into a map first); an edge file is sorted, so it is built in memory, one table
  at a time.
* ``xlsx``: not streamed from the store.  An XLSX book is a ZIP that needs seeking, so the book is
  written whole into a temporary file (tables built one at a time, openpyxl's write-only mode)
  when ``stream_export`` is called, and the iterator then yields that file in chunks.

Spreadsheet cells that would start a formula are neutralised in ``csv`` and ``xlsx`` (see
``loaders.sheets``); the interchange files still load back to the same values.
"""

from __future__ import annotations

import io
import json
import re
import tempfile
import time
import zipfile
from collections.abc import Callable, Iterator
from itertools import chain
from typing import IO, Any, NamedTuple
from xml.sax.saxutils import escape

from rdflib import Literal, URIRef
from rdflib.namespace import RDF

from graph.interface import Store
from loaders.export import edge_attrs, edge_key, graphml_keys, node_attrs, table_rows, write_xlsx_book
from loaders.interchange import FILES
from loaders.rdf_export import Triple, record_triples
from loaders.sheets import csv_chunks
from ontology import InvalidInput, SchemaError
from ontology.rdf import PREFIXES

BATCH = 200  # records (nodes or edges) per RDF batch
CHUNK_BYTES = 64 * 1024  # GraphML, CSV and XLSX pieces are about this size


class ExportFormat(NamedTuple):
    media_type: str
    filename: str  # a suggested file name (Content-Disposition)


EXPORT_FORMATS: dict[str, ExportFormat] = {
    "ttl": ExportFormat("text/turtle", "biokg.ttl"),
    "nt": ExportFormat("application/n-triples", "biokg.nt"),
    "jsonld": ExportFormat("application/ld+json", "biokg.jsonld"),
    "graphml": ExportFormat("application/graphml+xml", "biokg.graphml"),
    "csv": ExportFormat("application/zip", "biokg-csv.zip"),
    "xlsx": ExportFormat("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "biokg.xlsx"),
}
STREAMED = frozenset({"ttl", "nt", "jsonld", "graphml", "csv"})  # xlsx is written whole to a temporary file


def stream_export(store: Store, fmt: str, *, bom: bool = True) -> Iterator[bytes]:
    """The whole of ``store`` in format ``fmt`` (a key of ``EXPORT_FORMATS``) as byte chunks.

    ``bom``: the CSV files in the ``csv`` ZIP start with the UTF-8 byte-order mark (for Excel).
    An unknown format is InvalidInput at the call.  ``xlsx`` is written when this is called, so a
    table too big for a sheet is an InvalidInput here, before a first chunk; the other formats are
    produced as they are iterated (an error there, such as a property the ontology does not
    declare, ends the stream)."""
    if fmt not in EXPORT_FORMATS:
        raise InvalidInput(f"unknown export format {fmt!r}; known: {', '.join(EXPORT_FORMATS)}")
    if fmt == "xlsx":
        return xlsx_chunks(store)
    if fmt == "csv":
        return csv_zip_chunks(store, bom=bom)
    return {"nt": nt_chunks, "ttl": ttl_chunks, "jsonld": jsonld_chunks, "graphml": graphml_chunks}[fmt](store)


# ----------------------------------------------------------------------------- RDF


def _batches(store: Store, size: int | None) -> Iterator[list[Triple]]:
    """The triples of ``to_rdf(store.nodes(), store.edges())``, ``size`` (default ``BATCH``)
    records at a time."""
    size = size or BATCH
    batch: list[Triple] = []
    records = 0
    for triples in record_triples(store.nodes(), store.edges()):
        batch += triples
        records += 1
        if records >= size:
            yield batch
            batch, records = [], 0
    if batch:
        yield batch


_NAMESPACES = sorted(((str(ns), prefix) for prefix, ns in PREFIXES.items()), key=lambda p: -len(p[0]))
_NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
# a Turtle PN_LOCAL, conservatively (ASCII name characters and %HH; not starting with - or ., not ending in .)
_HEX = "%[0-9A-Fa-f]{2}"
_LOCAL = re.compile(f"(?:[A-Za-z0-9_]|{_HEX})(?:(?:[A-Za-z0-9_.-]|{_HEX})*(?:[A-Za-z0-9_-]|{_HEX}))?")
# as canonical N-Triples escapes them (and Turtle reads them): ECHARs, other controls as UCHARs
_ECHAR = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}
_TO_ESCAPE = re.compile(r'[\\"\x00-\x1f\x7f]')
_XSD_INTEGER = URIRef("http://www.w3.org/2001/XMLSchema#integer")
_XSD_BOOLEAN = URIRef("http://www.w3.org/2001/XMLSchema#boolean")
_INTEGER = re.compile(r"[+-]?\d+")


def _split(iri: str) -> tuple[str, str] | None:
    """(prefix, local name) of an IRI under one of ``ontology.rdf.PREFIXES`` (the longest)."""
    for ns, prefix in _NAMESPACES:
        if iri.startswith(ns):
            return prefix, iri[len(ns):]
    return None


def _iri(iri: str) -> str:
    """An IRIREF of N-Triples and Turtle (characters it cannot hold as \\u escapes)."""
    return "<" + _NOT_IN_IRI.sub(lambda m: f"\\u{ord(m.group()):04X}", iri) + ">"


def _pname(iri: str) -> str:
    """``prefix:local`` where the local name is a valid Turtle one, else ``<iri>``."""
    split = _split(iri)
    return f"{split[0]}:{split[1]}" if split and _LOCAL.fullmatch(split[1]) else _iri(iri)


def _string(text: str) -> str:
    return '"' + _TO_ESCAPE.sub(lambda m: _ECHAR.get(m.group()) or f"\\u{ord(m.group()):04X}", text) + '"'


def _literal(lit: Literal, iri: Callable[[str], str]) -> str:
    """A literal as N-Triples (``iri=_iri``) or Turtle (``iri=_pname``) write it, lexical form kept."""
    if lit.language:
        return f"{_string(str(lit))}@{lit.language}"
    if lit.datatype is None:
        return _string(str(lit))
    return f"{_string(str(lit))}^^{iri(str(lit.datatype))}"


def _nt(term: URIRef | Literal) -> str:
    return _literal(term, _iri) if isinstance(term, Literal) else _iri(str(term))


def nt_chunks(store: Store, batch: int | None = None) -> Iterator[bytes]:
    """N-Triples, a batch of records at a time."""
    for triples in _batches(store, batch):
        yield "".join(f"{_nt(s)} {_nt(p)} {_nt(o)} .\n" for s, p, o in triples).encode("utf-8")


def _ttl_object(term: URIRef | Literal) -> str:
    if not isinstance(term, Literal):
        return _pname(str(term))
    text = str(term)
    if term.datatype == _XSD_INTEGER and _INTEGER.fullmatch(text):
        return text  # Turtle's shorthand reads back with the same lexical form
    if term.datatype == _XSD_BOOLEAN and text in ("true", "false"):
        return text
    return _literal(term, _pname)


def _by_subject(triples: list[Triple]) -> dict[URIRef, dict[URIRef, list[URIRef | Literal]]]:
    subjects: dict[URIRef, dict[URIRef, list[URIRef | Literal]]] = {}
    for s, p, o in triples:
        subjects.setdefault(s, {}).setdefault(p, []).append(o)
    return subjects


def ttl_chunks(store: Store, batch: int | None = None) -> Iterator[bytes]:
    """Turtle: the prefixes of ``ontology.rdf.PREFIXES`` once, then a batch of records at a time,
    one statement per subject of the batch (``a`` first, objects of a predicate joined by commas)."""
    yield "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in sorted(PREFIXES.items())).encode("utf-8")
    for triples in _batches(store, batch):
        blocks = []
        for s, preds in _by_subject(triples).items():
            types = preds.pop(RDF.type, [])
            parts = [("a", types)] if types else []
            parts += [(_pname(str(p)), objects) for p, objects in preds.items()]
            body = " ;\n    ".join(f"{p} {', '.join(map(_ttl_object, objects))}" for p, objects in parts)
            blocks.append(f"\n{_pname(str(s))} {body} .\n")
        yield "".join(blocks).encode("utf-8")


_JSONLD_CONTEXT = {prefix: str(ns) for prefix, ns in sorted(PREFIXES.items())}


def _compact(iri: URIRef) -> str:
    """``biokg:name`` for an IRI under one of the context's prefixes, else the IRI."""
    split = _split(str(iri))
    return f"{split[0]}:{split[1]}" if split and split[1] and not split[1].startswith("//") else str(iri)


def _jsonld_value(term: URIRef | Literal) -> dict[str, str]:
    if not isinstance(term, Literal):
        return {"@id": _compact(term)}
    value = {"@value": str(term)}  # the lexical form, so the literal reads back as it was
    if term.language:
        value["@language"] = term.language
    elif term.datatype is not None:
        value["@type"] = _compact(term.datatype)
    return value


def jsonld_chunks(store: Store, batch: int | None = None) -> Iterator[bytes]:
    """A JSON-LD document ``{"@context": {prefixes}, "@graph": [node objects]}``, one object per
    subject of a batch (properties as arrays of ``@id``/``@value`` objects, rdf:type as ``@type``)."""
    yield ('{"@context": ' + json.dumps(_JSONLD_CONTEXT) + ',\n"@graph": [').encode("utf-8")
    sep = "\n"
    for triples in _batches(store, batch):
        subjects: dict[URIRef, dict[str, Any]] = {}
        for s, p, o in triples:
            obj = subjects.setdefault(s, {"@id": _compact(s)})
            if p == RDF.type and isinstance(o, URIRef):
                obj.setdefault("@type", []).append(_compact(o))
            else:
                obj.setdefault(_compact(p), []).append(_jsonld_value(o))
        text = ",\n".join(json.dumps(obj, ensure_ascii=False) for obj in subjects.values())
        yield (sep + text).encode("utf-8")
        sep = ",\n"
    yield b"\n]}\n"


# ----------------------------------------------------------------------------- GraphML

_GRAPHML_HEAD = (
    "<?xml version='1.0' encoding='utf-8'?>\n"
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
)
_XML_TYPES = {str: "string", int: "long", float: "double", bool: "boolean"}  # as networkx writes them
# characters XML 1.0 cannot hold at all, not even as character references
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml_checked(text: str, where: str) -> str:
    """``text`` with what XML cannot hold replaced by U+FFFD: a streamed export cannot stop half way
    (its status is sent), and the CSV export keeps such characters as they are."""
    return _NOT_XML.sub("\ufffd", text)


def _xml_text(text: str, where: str) -> str:
    return escape(_xml_checked(text, where), {"\r": "&#13;"})  # a raw CR would be read as a newline


def _xml_attr(text: str, where: str) -> str:
    return '"' + escape(_xml_checked(text, where), {'"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}) + '"'


def _graphml_text(value: Any, declared: type, where: str) -> str:
    """The <data> text of a value, refused unless ``networkx.read_graphml`` reads it back equal."""
    if declared is bool and isinstance(value, bool):
        return "true" if value else "false"
    if declared in (int, float) and isinstance(value, int | float) and not isinstance(value, bool) \
            and (declared is float or isinstance(value, int)):
        return repr(value)
    if declared is str and isinstance(value, str):
        return _xml_text(value, where)
    raise SchemaError(f"{where} is {type(value).__name__}; the ontology declares {declared.__name__}")


def graphml_chunks(store: Store) -> Iterator[bytes]:
    """GraphML of what ``loaders.export.to_networkx`` holds (``networkx.read_graphml`` reads it back
    to the same graph), written as the store is read: the <key>s, then nodes, then edges."""
    keys = graphml_keys()
    ids = {key: f"d{i}" for i, key in enumerate(keys)}
    parts = [_GRAPHML_HEAD]
    parts += [f'  <key id="{ids[scope, name]}" for="{scope}" attr.name="{name}" attr.type="{_XML_TYPES[t]}" />\n'
              for (scope, name), t in keys.items()]
    parts.append('  <graph edgedefault="directed">\n')
    size = 0

    def data(scope: str, attrs: dict[str, Any], what: str) -> None:
        nonlocal size
        for name, value in attrs.items():
            where = f"{what}: {name}"
            if (scope, name) not in keys:
                raise SchemaError(f"{where} is no attribute the ontology declares")
            text = _graphml_text(value, keys[scope, name], where)
            parts.append(f'      <data key="{ids[scope, name]}">{text}</data>\n')
            size += len(text) + 30

    for node in store.nodes():
        what = f"node {node.id}"
        parts.append(f"    <node id={_xml_attr(node.id, what)}>\n")
        data("node", node_attrs(node), what)
        parts.append("    </node>\n")
        size += 30
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    for edge in store.edges():
        what = f"edge {edge.kind} {edge.src} -> {edge.dst}"
        parts.append(f"    <edge source={_xml_attr(edge.src, what)} target={_xml_attr(edge.dst, what)} "
                     f"id={_xml_attr(edge_key(edge), what)}>\n")
        data("edge", edge_attrs(edge), what)
        parts.append("    </edge>\n")
        size += 60
        if size >= CHUNK_BYTES:
            yield "".join(parts).encode("utf-8")
            parts, size = [], 0
    parts.append("  </graph>\n</graphml>\n")
    yield "".join(parts).encode("utf-8")


# ----------------------------------------------------------------------------- CSV (a ZIP) and XLSX


class _Pipe(io.RawIOBase):
    """A write-only, unseekable file that keeps what was written until it is taken."""

    def __init__(self) -> None:
        super().__init__()
        self._parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        out = b"".join(self._parts)
        self._parts.clear()
        return out


def csv_zip_chunks(store: Store, bom: bool = True) -> Iterator[bytes]:
    """A ZIP of the non-empty interchange tables as ``NAME.csv`` (the files ``write_csv_folder``
    writes; ``biokg load`` loads the unzipped folder), produced as the tables are read: Python's
    zipfile writes to an unseekable stream with data descriptors.  ``bom`` as for the folder."""
    pipe = _Pipe()
    stamp = time.localtime()[:6]
    with zipfile.ZipFile(pipe, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for spec in FILES:
            rows = table_rows(store, spec)
            first = next(rows, None)
            if first is None:
                continue  # as in the folder: no file for an empty table
            info = zipfile.ZipInfo(f"{spec.name}.csv", date_time=stamp)  # type: ignore[arg-type]
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            with zf.open(info, "w") as entry:
                for chunk in csv_chunks([c.name for c in spec.columns], chain([first], rows), bom):
                    entry.write(chunk)
                    if pipe_data := pipe.take():
                        yield pipe_data
            if pipe_data := pipe.take():
                yield pipe_data
    if rest := pipe.take():
        yield rest


def _file_chunks(fh: IO[bytes]) -> Iterator[bytes]:
    with fh:
        while chunk := fh.read(CHUNK_BYTES):
            yield chunk


def xlsx_chunks(store: Store) -> Iterator[bytes]:
    """The XLSX book of ``write_xlsx_book``.  Not streamed from the store: an XLSX file is a ZIP
    that must be seekable while it is written, so the book is written whole into a temporary file
    now (this call), and the returned iterator yields that file in chunks (and then removes it)."""
    fh = tempfile.TemporaryFile()
    try:
        write_xlsx_book(store, fh)
        fh.seek(0)
    except BaseException:
        fh.close()
        raise
    return _file_chunks(fh)
