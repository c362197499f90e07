"""Memory helpers for bulk work (loads, rebuilding the in-memory graph)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector while millions of acyclic objects are made.

    Its passes over them find nothing to free and cost a large share of a bulk load's time;
    reference counting still frees everything as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def long_lived() -> Iterator[None]:
    """Make objects that live as long as the store (the embedded store's graph) and then hide them
    from the cyclic collector (``gc.freeze``).

    Otherwise the first full collection after a big build walks every one of them (about a second
    for a city-scale region, paid by whatever query runs first), and so does each later one.
    Objects frozen earlier are handed back first, so a rebuilt graph's predecessor is collected.
    """
    gc.unfreeze()
    with no_cyclic_gc():
        yield
    gc.freeze()
