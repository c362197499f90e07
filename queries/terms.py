"""What a person names in a query: an organisation or station (id, name or alias), a field or a
segment (id, key, Chinese or English label, alias).  One way for every matching query.

>>> field_id("抗体")
'field:antibody'
>>> segment_id("临床CRO")
'segment:drug.clinical'
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar

from graph.interface import Store
from graph.model import Node
from graph.references import References, Resolved
from ontology import InvalidInput, NotFound
from ontology.dates import parse_day
from ontology.schema import ORGS
from queries.org_records import NoSuchOrg

T = TypeVar("T")

_TAXONOMY = References(lambda node_id: None, lambda kind: ())
SUGGESTED = 3


def _term(text: str, kind: str, what: str) -> str:
    found = _TAXONOMY.resolve(text, (kind,))
    if isinstance(found, Resolved):
        return found.id
    raise InvalidInput(f"{what}: {found.message}")


def field_id(text: str) -> str:
    return _term(text, "Field", "field")


def segment_id(text: str) -> str:
    return _term(text, "Segment", "segment")


def day_of(as_of: date | str | None) -> date:
    """The day a query is as of: today by default; a date, or text in the one date language.

    >>> day_of("2024/3/5")
    datetime.date(2024, 3, 5)
    """
    if as_of is None:
        return date.today()
    if isinstance(as_of, str):
        return parse_day("as_of", as_of)  # type: ignore[return-value]
    if not isinstance(as_of, date):
        raise InvalidInput(f"as_of must be a date, got {as_of!r}")
    return as_of


def by_org(store: Store, text: str, ask: Callable[[str], T]) -> T:
    """``ask(org id)``, trying ``text`` as an id first inside the query's own read (one round trip
    less on Neo4j); when it is none (``NoSuchOrg``), ``text`` is resolved as every reference is."""
    if not text.strip():
        raise InvalidInput("org: empty")
    try:
        return ask(text.strip())
    except NoSuchOrg:
        return ask(node_id(store, text, ORGS, "org"))


def existing_node(store: Store, node_id: str) -> Node:
    """The node ``node_id`` names; NotFound suggesting near names when there is none."""
    found = store.get(node_id)
    if found is None:
        hint = store.search(node_id, limit=3)
        extra = f"; did you mean {', '.join(h.node.id for h in hint)}?" if hint else ""
        raise NotFound(f"no node {node_id!r}{extra}")
    return found


def node_id(store: Store, text: str, kinds: tuple[str, ...], what: str) -> str:
    """The node of ``kinds`` that ``text`` is the id, the name or an alias of (exactly)."""
    text = text.strip()
    if not text:
        raise InvalidInput(f"{what}: empty")
    kind = store.kinds([text]).get(text)
    if kind in kinds:
        return text
    if kind is not None:
        raise InvalidInput(f"{what}: {text!r} is a {kind}, expected {' or '.join(kinds)}")
    hits = store.search(text, kinds, limit=20)
    exact = sorted({h.node.id: h.node.name for h in hits if h.rank == 0}.items())
    if len(exact) == 1:
        return exact[0][0]
    if exact:
        listed = ", ".join(f"{i} ({n})" for i, n in exact)
        raise InvalidInput(f"{what}: {text!r} names several: {listed}; use an id")
    near = list(dict.fromkeys(h.node.name for h in hits))[:SUGGESTED]
    hint = f"; did you mean {' or '.join(near)}?" if near else ""
    raise NotFound(f"{what}: no {' or '.join(kinds)} named {text!r}{hint}")


def weights_of(pairs: list[str] | None, option: str = "--weight") -> dict[str, float]:
    """``["proximity=0.4"]`` -> ``{"proximity": 0.4}``; the names are checked by the query."""
    found = {}
    for pair in pairs or ():
        name, sep, value = pair.partition("=")
        try:
            if not sep:
                raise ValueError
            found[name.strip()] = float(value)
        except ValueError:
            raise InvalidInput(f"{option}: {pair!r} is not NAME=NUMBER") from None
    return found
