"""One resolver for every reference a person writes in a file: an id, a name, an alias, a taxonomy
label, or (districts, subdistricts) a division code.  Interchange files and mappings both use it.

A reference resolves, in this order, as
1. an id of a record of this load or of a node in the store;
2. for fields, segments and specialties: a key, a Chinese or English label or an alias of the
   ontology's taxonomy (``抗体药物``, ``antibody``);
3. a name or alias of a node of an allowed kind — of this load or the store — compared in search
   form (width, case, brackets and spaces folded: ``张江药谷`` = ``张江药谷 ``), or a division code.

A name that two nodes share is ambiguous: an error naming both ids, never a guess.  A reference that
resolves to nothing gets the nearest known names as a suggestion.

>>> minhang = Named("district:310112", "District", "闵行区", ("闵行",), "310112")
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
from ontology import FIELDS, SEGMENTS, SPECIALTIES, fold
from ontology.model import a

AMBIGUOUS = "\0ambiguous"
SUGGESTIONS = 3
MAX_SUGGESTED = 200  # failures per resolver that get suggestions (each compares against every label)


def label_index(entries: Iterable[tuple[str, Iterable[str]]]) -> dict[str, str]:
    """Folded label -> id, or AMBIGUOUS for a label of several ids."""
    index: dict[str, str] = {}
    for node_id, labels in entries:
        for label in labels:
            key = fold(label)
            if key in index and index[key] != node_id:
                index[key] = AMBIGUOUS
            else:
                index[key] = node_id
    return index


TAXONOMY_LABELS: dict[str, dict[str, str]] = {
    "Field": label_index((f.id, (f.id, f.id.removeprefix("field:"), f.zh, f.en, *f.aliases)) for f in FIELDS),
    "Segment": label_index(
        (s.id, (s.id, s.id.removeprefix("segment:"), s.zh, s.en, *s.aliases)) for s in SEGMENTS
    ),
    "Specialty": label_index(
        (s.id, (s.id, s.id.removeprefix("specialty:"), s.zh, s.en, *s.aliases)) for s in SPECIALTIES
    ),
}
_TAXONOMY_NAMES = {"Field": {f.id: f.zh for f in FIELDS}, "Segment": {s.id: s.zh for s in SEGMENTS},
                   "Specialty": {s.id: s.zh for s in SPECIALTIES}}
_PLURAL = {"Specialty": "specialties"}


@dataclass(frozen=True)
class Named:
    """What names a node: its name, aliases and (divisions) code."""

    id: str
    kind: str
    name: str
    aliases: tuple[str, ...] = ()
    code: str | None = None

    def labels(self) -> list[str]:
        return [x for x in (self.name, *self.aliases, self.code or "") if x]


def named(node_id: str, kind: str, name: str, props: dict, more_names: Iterable[str] = ()) -> Named:
    return Named(node_id, kind, name, tuple(dict.fromkeys([*more_names, *props.get("aliases", ())])),
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
    of the store's nodes (a node named both ways answers to every name).  Names of a kind are read
    once, when a reference of that kind is first not an id.
    """

    def __init__(self, kind_of: Callable[[str], str | None], local: Callable[[str], Iterable[Named]],
                 stored: Callable[[str], Iterable[Named]] | None = None) -> None:
        self.kind_of, self.local, self.stored = kind_of, local, stored or (lambda kind: ())
        self._names: dict[str, dict[str, set[str]]] = {}  # kind -> search form -> ids
        self._shown: dict[str, dict[str, str]] = {}  # kind -> id -> name, for messages
        self._suggested = 0

    @classmethod
    def of_store(cls, store, kind_of: Callable[[str], str | None], local: Callable[[str], Iterable[Named]]):
        """Stored names come from ``store.nodes(kind)``."""
        def stored(kind: str) -> Iterable[Named]:
            return (named(n.id, n.kind, n.name, n.props) for n in store.nodes(kind))

        return cls(kind_of, local, stored)

    def resolve(self, raw: str, kinds: tuple[str, ...]) -> Resolved | Unresolved:
        text = raw.strip()
        kind = self.kind_of(text)
        if kind is not None:
            if kind in kinds:
                return Resolved(text, kind, "id")
            if not (len(kinds) == 1 and kinds[0] in TAXONOMY_LABELS):
                return Unresolved(f"{text!r} is {a(kind)}, expected {_kinds(kinds)}", "kind")
        if len(kinds) == 1 and kinds[0] in TAXONOMY_LABELS:
            return self._taxonomy(text, kinds[0])
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
        what = "with id" if ":" in text else "named"
        return Unresolved(f"no {_kinds(kinds)} {what} {text!r}{self._did_you_mean(key, kinds)}", "unknown")

    def _taxonomy(self, text: str, kind: str) -> Resolved | Unresolved:
        labels = TAXONOMY_LABELS[kind]
        found = labels.get(text) or labels.get(fold(text))
        if found == AMBIGUOUS:
            return Unresolved(f"{kind.lower()} {text!r} is ambiguous; use the id", "ambiguous")
        if found:
            return Resolved(found, kind, "label")
        near = difflib.get_close_matches(fold(text), [k for k, v in labels.items() if v != AMBIGUOUS], n=8,
                                         cutoff=0.5)
        names = list(dict.fromkeys(_TAXONOMY_NAMES[kind][labels[n]] for n in near))[:SUGGESTIONS]
        plural = _PLURAL.get(kind, f"{kind.lower()}s")
        hint = (f"did you mean {' or '.join(names)}?" if names
                else f"see `biokg ontology --format json` for the {plural}")
        return Unresolved(f"unknown {kind.lower()} {text!r}; {hint}", "unknown")

    def _index(self, kind: str) -> dict[str, set[str]]:
        index = self._names.get(kind)
        if index is None:
            index = defaultdict(set)
            shown = self._shown[kind] = {}
            for n in [*self.stored(kind), *self.local(kind)]:  # this load's name of a node wins
                shown[n.id] = n.name
                for label in n.labels():
                    index[normalise(label)].add(n.id)
            self._names[kind] = index
        return index

    def _did_you_mean(self, key: str, kinds: tuple[str, ...]) -> str:
        if self._suggested >= MAX_SUGGESTED or not key:
            return ""
        self._suggested += 1
        labels: dict[str, set[tuple[str, str]]] = defaultdict(set)
        for k in kinds:
            for label, ids in self._index(k).items():
                labels[label] |= {(i, k) for i in ids}
        near = difflib.get_close_matches(key, list(labels), n=8, cutoff=0.5)
        picks = list(dict.fromkeys(p for label in near for p in sorted(labels[label])))[:SUGGESTIONS]
        if not picks:
            return ""
        names = [self._shown[k][i] for i, k in picks]
        shown = [f"{n} ({i})" if names.count(n) > 1 else n for n, (i, _) in zip(names, picks, strict=True)]
        return f"; did you mean {' or '.join(shown)}?"
