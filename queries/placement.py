"""Greedy weighted maximum coverage: which k sets to pick to cover the most weight.

The greedy choice (take the set with the largest marginal gain, k times) reaches at least
1 - 1/e of the optimum (Nemhauser, Wolsey and Fisher 1978) and is optimal when the sets are
disjoint.  It is computed lazily: a set's last gain is an upper bound on its gain now, so most
sets are never looked at again.
"""

from __future__ import annotations

import heapq
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Pick:
    key: str
    gain: int  # the weight it newly covers
    covered: tuple[str, ...]  # what it newly covers, sorted


def greedy_cover(sets: Mapping[str, frozenset[str] | set[str]], weights: Mapping[str, int], k: int) -> list[Pick]:
    """Up to ``k`` picks in greedy order; ties go to the smaller key; a pick gains more than 0.

    >>> [p.key for p in greedy_cover({"a": {"x"}, "b": {"x", "y"}, "c": {"z"}}, {"x": 1, "y": 1, "z": 3}, 2)]
    ['c', 'b']
    """
    done: set[str] = set()

    def gain(key: str) -> int:
        return sum(weights[e] for e in sets[key] if e not in done)

    heap = [(-gain(key), key) for key in sets]
    heapq.heapify(heap)
    picks: list[Pick] = []
    while heap and len(picks) < k:
        bound, key = heapq.heappop(heap)
        now = gain(key)
        if now <= 0:
            continue
        if now < -bound:  # stale: its gain fell since it was last counted
            heapq.heappush(heap, (-now, key))
            continue
        new = tuple(sorted(e for e in sets[key] if e not in done))
        done.update(new)
        picks.append(Pick(key, now, new))
    return picks
