"""Search semantics checked against a plain-Python reference on random names."""

from __future__ import annotations

from helpers import node
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph import EmbeddedStore
from graph.text import normalise

# Chinese, ASCII letters in both widths, both kinds of brackets, a space
ALPHABET = "生物医药科技上海张江抗体aAｂＢ（）() "
names = st.text(alphabet=ALPHABET, min_size=1, max_size=8).filter(lambda t: t.strip() == t and t)


def match_rank(query: str, candidate: str) -> int | None:
    """0 exact, 1 prefix, 2 substring, None no match (both already normalised)."""
    if query not in candidate:
        return None
    if candidate == query:
        return 0
    return 1 if candidate.startswith(query) else 2


def reference(entries: list[tuple[str, str, list[str]]], text: str, limit: int) -> list[tuple[str, int, str]]:
    """(id, rank, matched) the way the interface defines search, computed naively."""
    q = normalise(text)
    hits = []
    for nid, name, aliases in entries:
        ranks = [(match_rank(q, normalise(t)), i, t) for i, t in enumerate([name, *aliases])]
        ranks = [r for r in ranks if r[0] is not None]
        if ranks:
            rank, _, matched = min(ranks)
            hits.append(((rank, len(name), name, nid), matched))
    hits.sort()
    return [(key[3], key[0], matched) for key, matched in hits[:limit]]


entry_lists = st.lists(st.tuples(names, st.lists(names, max_size=2)), min_size=1, max_size=12)


def check_against_reference(store, entries, data) -> None:
    """Write parks named ``entries``, search a piece of one name, compare with the reference."""
    rows = [(f"park:{i}", name, aliases) for i, (name, aliases) in enumerate(entries)]
    store.write([node(nid, "Park", name, aliases=aliases) for nid, name, aliases in rows])
    pick = data.draw(st.sampled_from([n for _, n, _ in rows]))
    start = data.draw(st.integers(0, len(pick) - 1))
    query = pick[start:start + data.draw(st.integers(1, 4))]
    if not normalise(query):
        return
    limit = data.draw(st.integers(1, 15))
    got = [(h.node.id, h.rank, h.matched) for h in store.search(query, kinds=["Park"], limit=limit)]
    assert got == reference(rows, query, limit)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(entry_lists, st.data())
def test_search_matches_the_reference(entries, data):
    store = EmbeddedStore(":memory:")
    try:
        check_against_reference(store, entries, data)
    finally:
        store.close()


def test_updates_and_deletes_reach_the_index(tmp_path):
    from graph.model import Provenance

    store = EmbeddedStore(tmp_path / "s.sqlite")
    store.write([node("park:1", "Park", "张江科学城", aliases=["张江药谷"])])
    store.write([node("park:1", "Park", "张江科学城", aliases=["药谷新区"])])  # alias changed
    assert [h.node.id for h in store.search("药谷新")] == ["park:1"]
    assert store.search("张江药谷") == []
    later = Provenance("b.csv", 1, "L-b", "2026-02-01T00:00:00+00:00")
    store.write([node("park:2", "Park", "临港生命蓝湾", later)])
    store.delete_load("L-b")
    assert store.search("蓝湾") == []
    store.close()


def test_control_characters_are_no_part_of_a_search(store):
    """A NUL (a fuzzer sends one) neither fails the search (FTS5 reads its query as a C string) nor
    counts: control characters are dropped from names and queries alike, on both backends."""
    store.write([node("ent:nul", "Enterprise", "前段\x00后段\x07公司")])
    assert [h.node.id for h in store.search("段\x00后")] == ["ent:nul"] == [h.node.id for h in store.search("段后段公")]
    assert store.search("00\x00") == [] and normalise("a\x00b\x1bc\x7f") == "abc"
