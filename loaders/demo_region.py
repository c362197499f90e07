"""The bundled demo region: real Shanghai districts, parks, institutions and stations
(``demo/real``) and a synthetic population of enterprises, products, patents and records
(``demo/synthetic``, every name marked （演示）)."""

from __future__ import annotations

from importlib import resources

from graph.interface import Store
from loaders.load import LoadReport, load_tables
from loaders.tables import RawTable, read_csv
from ontology import ONTOLOGY_KINDS

PARTS = ("real", "synthetic")
SOURCE_PREFIX = "biokg-demo"


def demo_tables() -> list[RawTable]:
    """The demo region's tables, read from the installed package."""
    root = resources.files("loaders") / "demo"
    tables = []
    for part in PARTS:
        folder = root / part
        if not folder.is_dir():
            continue
        for entry in sorted(folder.iterdir(), key=lambda e: e.name):
            if entry.name.endswith(".csv"):
                tables.append(read_csv(entry.read_bytes(), f"{SOURCE_PREFIX}/{part}/{entry.name}"))
    return tables


def has_data(store: Store) -> bool:
    """Whether the store holds anything beyond the ontology's own nodes."""
    return any(kind not in ONTOLOGY_KINDS for kind in store.counts().nodes)


def ensure_demo(store: Store) -> LoadReport | None:
    """Load the demo region into an empty store; leave a store with data alone."""
    if has_data(store):
        return None
    return load_tables(store, demo_tables())
