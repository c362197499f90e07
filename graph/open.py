"""Choose a backend from a store spec: a file path (embedded) or a bolt/neo4j URI."""

from __future__ import annotations

from pathlib import Path

from graph.embedded import EmbeddedStore
from graph.interface import Store
from ontology import InvalidInput

NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def open_store(spec: str | Path) -> Store:
    """Open the store named by ``spec``.

    >>> open_store("/tmp/biokg-doc.sqlite").close()  # doctest: +SKIP
    """
    text = str(spec)
    if text.startswith(NEO4J_SCHEMES):
        raise InvalidInput(f"the Neo4j backend is not available yet (store {text!r})")
    if "://" in text:
        schemes = ", ".join(NEO4J_SCHEMES)
        raise InvalidInput(f"unknown store URI scheme in {text!r}; use a file path or one of {schemes}")
    return EmbeddedStore(Path(text).expanduser())
