"""What a person names in a query: an organisation or station (id, name or alias), a field or a
segment (id, key, Chinese or English label, alias).  One way for every matching query.

>>> field_id("抗体")
'field:antibody'
>>> segment_id("临床CRO")
'segment:drug.clinical'
"""

from __future__ import annotations

from graph.interface import Store
from graph.references import References, Resolved
from ontology import InvalidInput, NotFound

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
