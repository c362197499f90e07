"""Greedy maximum coverage against an exhaustive search on small random instances."""

from __future__ import annotations

from itertools import combinations
from math import e

from hypothesis import given, settings
from hypothesis import strategies as st

from queries.placement import greedy_cover

ELEMENTS = [f"e{i}" for i in range(12)]


def best(sets: dict[str, set[str]], weights: dict[str, int], k: int) -> int:
    """The optimum by trying every choice of at most k sets."""
    keys = sorted(sets)
    return max((sum(weights[x] for x in set().union(*(sets[s] for s in chosen)))
                for r in range(min(k, len(keys)) + 1) for chosen in combinations(keys, r)), default=0)


instances = st.tuples(
    st.dictionaries(st.sampled_from([f"s{i}" for i in range(9)]),
                    st.sets(st.sampled_from(ELEMENTS), max_size=6), min_size=1, max_size=8),
    st.lists(st.integers(1, 9), min_size=len(ELEMENTS), max_size=len(ELEMENTS)),
    st.integers(1, 5),
)


@given(instances)
@settings(max_examples=300, deadline=None)
def test_greedy_reaches_one_minus_one_over_e_of_the_optimum(instance):
    sets, ws, k = instance
    weights = dict(zip(ELEMENTS, ws, strict=True))
    picks = greedy_cover(sets, weights, k)
    total = sum(p.gain for p in picks)
    assert total >= (1 - 1 / e) * best(sets, weights, k) - 1e-9
    # each pick's gain is what it newly covers, nothing is covered twice, gains never grow
    seen: set[str] = set()
    for p in picks:
        assert p.gain == sum(weights[x] for x in p.covered) > 0
        assert seen.isdisjoint(p.covered) and set(p.covered) == sets[p.key] - seen
        seen |= set(p.covered)
    assert [p.gain for p in picks] == sorted((p.gain for p in picks), reverse=True)
    assert len(picks) <= k and len({p.key for p in picks}) == len(picks)


@given(st.lists(st.integers(1, 9), min_size=len(ELEMENTS), max_size=len(ELEMENTS)),
       st.lists(st.integers(0, 7), min_size=len(ELEMENTS), max_size=len(ELEMENTS)), st.integers(1, 6))
@settings(max_examples=300, deadline=None)
def test_greedy_is_optimal_on_disjoint_sites(ws, owner, k):
    """Each element belongs to one site (a park's enterprises, radius 0): greedy equals the optimum."""
    weights = dict(zip(ELEMENTS, ws, strict=True))
    sets: dict[str, set[str]] = {}
    for x, o in zip(ELEMENTS, owner, strict=True):
        sets.setdefault(f"s{o}", set()).add(x)
    picks = greedy_cover(sets, weights, k)
    assert sum(p.gain for p in picks) == best(sets, weights, k)


def test_greedy_by_hand():
    # a: {1,2,3} = 3, b: {3,4} = 2+5 = 7 … weights chosen so the first pick is b, then a gains 1+1
    sets = {"a": {"x1", "x2", "x3"}, "b": {"x3", "x4"}, "c": {"x4"}}
    weights = {"x1": 1, "x2": 1, "x3": 2, "x4": 5}
    picks = greedy_cover(sets, weights, 3)
    assert [(p.key, p.gain, p.covered) for p in picks] == [("b", 7, ("x3", "x4")), ("a", 2, ("x1", "x2"))]


def test_ties_go_to_the_smaller_key_and_k_zero_picks_nothing():
    sets = {"z": {"x"}, "a": {"y"}, "m": {"w"}}
    weights = {"x": 1, "y": 1, "w": 1}
    assert [p.key for p in greedy_cover(sets, weights, 2)] == ["a", "m"]
    assert greedy_cover(sets, weights, 0) == []
    assert greedy_cover({}, {}, 3) == []
