"""One resolver for every reference a person writes: an id, a name, an alias, a taxonomy label, or
(districts, subdistricts) a division code.  Interchange files, mappings and query parameters
(``--district``) all use it.

A reference resolves, in this order, as
1. an id of a record of this load or of a node in the store, of an allowed kind;
2. for fields, segments and specialties: a key, a Chinese or English label or an alias of the
   ontology's taxonomy (``抗体药物``, ``antibody``);
3. a name or alias of a node of an allowed kind — of this load or the store — compared in search
   form (width, case, brackets and spaces folded: ``张江药谷`` = ``张江药谷 ``), or a division code.

A name that two nodes share is ambiguous: an error naming both ids, never a guess.  A reference that
resolves to nothing gets the nearest known names (or ids) as a suggestion.

>>> minhang = NodeNames("district:310112", "District", "闵行区", ("闵行",), "310112")
>>> refs = References(lambda node_id: None, lambda kind: [minhang])
>>> refs.resolve("闵行", ("District",)).id
'district:310112'
>>> refs.resolve("闵兴区", ("District",)).message
"no District named '闵兴区'; did you mean 闵行区?"
"""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from graph.text import normalise
from ontology import FIELDS, SEGMENTS, SPECIALTIES
from ontology.model import a

SUGGESTIONS = 3
MAX_SUGGESTED = 200  # failures per resolver that get suggestions (each compares against every label)


def _taxonomy(entries: Iterable[tuple[str, str, Iterable[str]]]) -> tuple[dict[str, set[str]], dict[str, str]]:
    """Search form of each label -> the ids it labels; id -> its Chinese label."""
    index: dict[str, set[str]] = defaultdict(set)
    shown = {}
    for node_id, zh, labels in entries:
        shown[node_id] = zh
        for label in (node_id, node_id.split(":", 1)[-1], zh, *labels):
            index[normalise(label)].add(node_id)
    return dict(index), shown


TAXONOMY: dict[str, tuple[dict[str, set[str]], dict[str, str]]] = {
    "Field": _taxonomy((f.id, f.zh, (f.en, *f.aliases)) for f in FIELDS),
    "Segment": _taxonomy((s.id, s.zh, (s.en, *s.aliases)) for s in SEGMENTS),
    "Specialty": _taxonomy((s.id, s.zh, (s.en, *s.aliases)) for s in SPECIALTIES),
}
_PLURAL = {"Specialty": "specialties"}


@dataclass(frozen=True)
class NodeNames:
    """What names a node: its name, aliases and (divisions) code."""

    id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    code: str | None = None

    def labels(self) -> list[str]:
        return [x for x in (self.name, *self.aliases, self.code or "") if x]


def node_names(node_id: str, kind: str, name: str, props: dict, more_names: Iterable[str] = ()) -> NodeNames:
    return NodeNames(node_id, kind, name, tuple(dict.fromkeys([*more_names, *props.get("aliases", ())])),
                     props.get("code") or None)


@dataclass(frozen=True)
class Resolved:
    id: str
    kind: str
    by: str  # id | label | name


@dataclass(frozen=True)
class Unresolved:
    message: str
    reason: str  # unknown | ambiguous | kind


def _kinds(kinds: tuple[str, ...]) -> str:
    return " or ".join(kinds)


class References:
    """Resolves references against this load and the store.

    ``kind_of(id)`` is the kind of a record of this load or of a stored node (None when there is
    none); ``local(kind)`` gives the names of this load's records of a kind, ``stored(kind)`` those
    of the store's nodes.  With ``replaces``, a record of this load stands for its node alone (a
    reloaded row that renames a node: the old name is gone); otherwise the names add up (a mapping
    record merged into a node gives it more names).  Names of a kind are read once, when a
    reference of that kind is first not an id.
    """

    def __init__(self, kind_of: Callable[[str], str | None], local: Callable[[str], Iterable[NodeNames]],
                 stored: Callable[[str], Iterable[NodeNames]] | None = None, replaces: bool = False) -> None:
        self.kind_of, self.local, self.stored = kind_of, local, stored or (lambda kind: ())
        self.replaces = replaces
        self._names: dict[str, dict[str, set[str]]] = {}  # kind -> search form -> ids
        self._shown: dict[str, dict[str, str]] = {}  # kind -> id -> name, for messages
        self._labels: dict[tuple[str, ...], dict[str, set[tuple[str, str]]]] = {}  # for suggestions
        self._ids: dict[tuple[str, ...], dict[str, str]] = {}  # id without its prefix -> id, for suggestions
        self._suggested = 0

    @classmethod
    def of_store(cls, store, kind_of: Callable[[str], str | None], local: Callable[[str], Iterable[NodeNames]],
                 replaces: bool = False) -> References:
        """Stored names come from ``store.nodes(kind)``."""
        def stored(kind: str) -> Iterable[NodeNames]:
            return (node_names(n.id, n.kind, n.name, n.props) for n in store.nodes(kind))

        return cls(kind_of, local, stored, replaces)

    def resolve(self, raw: str, kinds: tuple[str, ...], suggest: bool = True) -> Resolved | Unresolved:
        """The node ``raw`` names among ``kinds``; ``suggest``: name the nearest in the message."""
        text = raw.strip()
        kind = self.kind_of(text)
        if kind is not None and kind in kinds:
            return Resolved(text, kind, "id")
        if len(kinds) == 1 and kinds[0] in TAXONOMY:
            return self._taxonomy(text, kinds[0], suggest)
        found: set[tuple[str, str]] = set()
        key = normalise(text)
        for k in kinds:
            found |= {(i, k) for i in self._index(k).get(key, ())}
        if len(found) == 1:
            (node_id, k), = found
            return Resolved(node_id, k, "name")
        if found:
            listed = ", ".join(f"{i} ({self._shown[k][i]})" for i, k in sorted(found))
            return Unresolved(f"{text!r} names several {_kinds(kinds)} nodes: {listed}; use an id", "ambiguous")
        if kind is not None:  # an id, of another kind, and no name of an allowed one
            return Unresolved(f"{text!r} is {a(kind)}, expected {_kinds(kinds)}", "kind")
        what = "with id" if ":" in text else "named"
        near = self._did_you_mean(text, kinds) if suggest else ""
        return Unresolved(f"no {_kinds(kinds)} {what} {text!r}{near}", "unknown")

    def _taxonomy(self, text: str, kind: str, suggest: bool) -> Resolved | Unresolved:
        index, shown = TAXONOMY[kind]
        found = index.get(normalise(text), set())
        if len(found) == 1:
            return Resolved(next(iter(found)), kind, "label")
        if found:
            return Unresolved(f"{kind.lower()} {text!r} is ambiguous ({', '.join(sorted(found))}); use the id",
                              "ambiguous")
        near = difflib.get_close_matches(normalise(text), list(index), n=8, cutoff=0.5) if suggest else []
        names = list(dict.fromkeys(shown[i] for label in near for i in sorted(index[label])))[:SUGGESTIONS]
        plural = _PLURAL.get(kind, f"{kind.lower()}s")
        hint = (f"did you mean {' or '.join(names)}?" if names
                else f"see `biokg ontology --format json` for the {plural}")
        return Unresolved(f"unknown {kind.lower()} {text!r}; {hint}", "unknown")

    def _index(self, kind: str) -> dict[str, set[str]]:
        index = self._names.get(kind)
        if index is None:
            local = list(self.local(kind))
            mine = {n.id for n in local} if self.replaces else set()
            index = defaultdict(set)
            shown = self._shown[kind] = {}
            for n in [*(n for n in self.stored(kind) if n.id not in mine), *local]:  # this load's name wins
                shown[n.id] = n.name
                for label in n.labels():
                    index[normalise(label)].add(n.id)
            self._names[kind] = index
        return index

    def _did_you_mean(self, text: str, kinds: tuple[str, ...]) -> str:
        key = normalise(text)
        if self._suggested >= MAX_SUGGESTED or not key:
            return ""
        self._suggested += 1
        if ":" in text:  # a mistyped id: compared without the prefix every id of a kind shares
            ids = self._ids.get(kinds)
            if ids is None:
                ids = self._ids[kinds] = {i.split(":", 1)[-1]: i for k in kinds for i in self._index_shown(k)}
            near = difflib.get_close_matches(text.split(":", 1)[-1], list(ids), n=SUGGESTIONS, cutoff=0.6)
            return f"; did you mean {' or '.join(ids[n] for n in near)}?" if near else ""
        labels = self._labels.get(kinds)
        if labels is None:
            labels = self._labels[kinds] = defaultdict(set)
            for k in kinds:
                for label, node_ids in self._index(k).items():
                    labels[label] |= {(i, k) for i in node_ids}
        near = difflib.get_close_matches(key, list(labels), n=8, cutoff=0.5)
        picks = list(dict.fromkeys(p for label in near for p in sorted(labels[label])))[:SUGGESTIONS]
        if not picks:
            return ""
        names = [self._shown[k][i] for i, k in picks]
        shown = [f"{n} ({i})" if names.count(n) > 1 else n for n, (i, _) in zip(names, picks, strict=True)]
        return f"; did you mean {' or '.join(dict.fromkeys(shown))}?"

    def _index_shown(self, kind: str) -> dict[str, str]:
        self._index(kind)
        return self._shown[kind]
