"""Copy one store into another (embedded -> Neo4j, or back), records and provenance as they are."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import TypeVar

from graph.interface import Store
from graph.model import WriteResult

T = TypeVar("T")
CHUNK = 10_000


def _batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def copy_store(source: Store, target: Store, chunk: int = CHUNK,
               progress: Callable[[int, int], None] | None = None) -> WriteResult:
    """Write every node, then every edge, then the crosswalk records of ``source`` into ``target``
    (one bulk batch: all or nothing).

    Records keep their provenance (and their loads' metadata); records already in ``target`` with
    the same content are left alone, so copying twice changes nothing.  Nothing in ``target`` is
    deleted.
    """
    counts = source.counts()
    total, done = sum(counts.nodes.values()) + sum(counts.edges.values()), 0
    result = WriteResult()
    with target.batch(bulk=True):
        for records, write in ((source.nodes(), lambda c: target.write(nodes=c)),
                               (source.edges(), lambda c: target.write(edges=c))):
            for part in _batched(records, chunk):
                result += write(part)
                done += len(part)
                if progress:
                    progress(done, total)
        target.write_xrefs(source.xrefs())
    return result
