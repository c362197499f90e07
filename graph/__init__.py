"""Stores: the interface, the embedded backend (default) and the Neo4j backend."""

from graph.embedded import EmbeddedStore
from graph.interface import Store
from graph.model import (
    Counts,
    Edge,
    LoadRecord,
    Neighbour,
    Node,
    Provenance,
    Replace,
    SearchHit,
    Subgraph,
    WriteResult,
)
from graph.open import open_store

__all__ = [
    "EmbeddedStore", "Store", "Counts", "Edge", "LoadRecord", "Neighbour", "Node", "Provenance", "Replace",
    "SearchHit", "Subgraph", "WriteResult", "open_store",
]
