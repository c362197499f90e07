"""Choose a backend from a store spec: a file path (embedded) or a bolt/neo4j URI (Neo4j)."""

from __future__ import annotations

from pathlib import Path

from graph.embedded import EmbeddedStore
from graph.interface import Store
from ontology import InvalidInput

NEO4J_SCHEMES = ("bolt://", "bolt+s://", "bolt+ssc://", "neo4j://", "neo4j+s://", "neo4j+ssc://")


def is_neo4j(spec: str | Path) -> bool:
    return str(spec).startswith(NEO4J_SCHEMES)


def open_store(spec: str | Path, *, user: str = "neo4j", password: str | None = None,
               database: str = "neo4j") -> Store:
    """Open the store named by ``spec``: a file path, or a Neo4j URI (``user``, ``password`` and
    ``database`` apply to Neo4j only).

    >>> open_store("/tmp/biokg-doc.sqlite").close()  # doctest: +SKIP
    >>> open_store("neo4j+s://xxxx.databases.neo4j.io", password="…")  # doctest: +SKIP
    """
    text = str(spec)
    if is_neo4j(text):
        from graph.neo4j_store import Neo4jStore  # the driver loads only when asked for

        return Neo4jStore(text, user, password, database)
    if "://" in text:
        schemes = ", ".join(NEO4J_SCHEMES)
        raise InvalidInput(f"unknown store URI scheme in {text!r}; use a file path or one of {schemes}")
    return EmbeddedStore(Path(text).expanduser())
