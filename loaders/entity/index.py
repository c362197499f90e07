"""Entity resolution against a growing set of known organisations: candidates by blocking keys,
then ``match.compare`` on each, then a decision.

A record merges into a node only when one node is clearly best: every other candidate node scores
at least ``MARGIN`` less.  Two or more nodes at the top make the record *ambiguous*: it is reported
and keeps a node of its own.  A record whose USCC equals a node's merges whatever the names say.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from loaders.entity.match import Entity, Match, compare, profile
from loaders.entity.names import CompanyName, fold

MARGIN = 0.025
_COMMON_BIGRAM = 2_000  # bigrams shared by more names than this do not pick candidates


@dataclass(frozen=True)
class Decision:
    status: str  # new | merged | ambiguous
    node: str | None = None
    match: Match | None = None
    candidates: tuple[str, ...] = ()

    @property
    def rule(self) -> str:
        return self.match.rule if self.match else "new"

    @property
    def score(self) -> float:
        return self.match.score if self.match else 1.0


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


class EntityIndex:
    """Known organisations (nodes of the store and records accepted so far), searchable by name."""

    def __init__(self, entities: Iterable[Entity] = ()):
        self.entities: dict[str, Entity] = {}
        self._keys: dict[str, set[str]] = defaultdict(set)
        self._bigrams: dict[str, set[str]] = defaultdict(set)
        for e in entities:
            self.add(e)

    def _blocking_keys(self, e: Entity) -> set[str]:
        keys = {f"u:{e.uscc}"} if e.uscc else set()
        for parsed in profile(e).parsed:
            keys.add(f"f:{parsed.folded}")
            if isinstance(parsed, CompanyName):
                if parsed.core:
                    keys |= {f"c:{parsed.core}", f"p:{parsed.core[:2]}"}
            else:
                keys |= {f"f:{alt}" for alt in (parsed.main, *parsed.alternates)}
                if parsed.hospital and parsed.core:
                    keys.add(f"h:{parsed.core}")
                if len(parsed.folded) >= 5:
                    keys.add(f"s:{parsed.folded[-5:]}")
        return keys

    def add(self, e: Entity) -> None:
        """Add (or replace) an entity."""
        if e.id in self.entities:
            self.remove(e.id)
        self.entities[e.id] = e
        for key in self._blocking_keys(e):
            self._keys[key].add(e.id)
        for name in e.names:
            for g in _bigrams(fold(name)):
                self._bigrams[g].add(e.id)

    def remove(self, node_id: str) -> None:
        e = self.entities.pop(node_id)
        for key in self._blocking_keys(e):
            self._keys[key].discard(node_id)
        for name in e.names:
            for g in _bigrams(fold(name)):
                self._bigrams[g].discard(node_id)

    def alias(self, node_id: str, names: Iterable[str]) -> None:
        """Remember more names of a known entity (a record merged into it)."""
        e = self.entities[node_id]
        more = tuple(n for n in names if n not in e.names)
        if more:
            self.add(replace(e, names=(*e.names, *more)))

    def candidates(self, e: Entity) -> set[str]:
        found = set().union(*(self._keys.get(k, ()) for k in self._blocking_keys(e)))
        for name in e.names:
            grams = _bigrams(fold(name))
            if not grams:
                continue
            counts: Counter[str] = Counter()
            for g in grams:
                ids = self._bigrams.get(g, ())
                if len(ids) <= _COMMON_BIGRAM:
                    counts.update(ids)
            found |= {i for i, n in counts.items() if n >= 0.6 * len(grams)}
        found.discard(e.id)
        return found

    def resolve(self, e: Entity, exclude: Iterable[str] = ()) -> Decision:
        """Where ``e`` belongs: an existing entity (merged), several (ambiguous), or none (new)."""
        banned = set(exclude)
        scored: list[tuple[Match, str]] = []
        for node_id in sorted(self.candidates(e) - banned):
            other = self.entities[node_id]
            if other.kind != e.kind:
                continue
            found = compare(e, other)
            if found is not None:
                if found.rule == "uscc":
                    return Decision("merged", node_id, found)
                scored.append((found, node_id))
        if not scored:
            return Decision("new")
        scored.sort(key=lambda s: (-s[0].score, s[1]))
        best, node_id = scored[0]
        close = tuple(n for m, n in scored if m.score >= best.score - MARGIN)
        if len(close) > 1:
            return Decision("ambiguous", None, best, close)
        return Decision("merged", node_id, best)
