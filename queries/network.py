"""The station network (一站多点, 一核多站) as the workflow reads it: a station's members and districts,
what is private to whom, and the path an escalated question takes.

- A station's *own* districts are those of its SERVES edges.  A core's *members* are the stations
  PART_OF it (transitively); the districts a station *serves* are its own and its members' own.
- What a station writes (service records, questions) belongs to its own districts.  A station key
  sees it when it serves one of them: a station sees what the stations of its districts wrote, and
  a core what its members wrote; a member station does not see what the core wrote for another
  member's district.
- A question escalated at a station goes through its core where it has one, then to the department.
"""

from __future__ import annotations

from collections.abc import Callable

from graph.interface import Store


def own_districts(store: Store, station: str) -> frozenset[str]:
    """The districts of the station's SERVES edges."""
    return frozenset(n.node.id for n in store.neighbours(station, ["SERVES"], ["District"], "out"))


def members_of(store: Store, station: str) -> tuple[str, ...]:
    """The stations PART_OF a core, transitively (none for a station that is no core), by id."""
    found, todo = {station}, [station]
    while todo:
        for n in store.neighbours(todo.pop(), ["PART_OF"], ["Station"], "in"):
            if n.node.id not in found:
                found.add(n.node.id)
                todo.append(n.node.id)
    return tuple(sorted(found - {station}))


def served_districts(store: Store, station: str) -> frozenset[str]:
    """The districts a station serves: its own and, for a core, its members'; none for a station no
    longer in the store."""
    if store.get(station) is None:
        return frozenset()
    districts = set(own_districts(store, station))
    for member in members_of(store, station):
        districts |= own_districts(store, member)
    return frozenset(districts)


def in_scope_of(store: Store, station: str) -> Callable[[str], bool]:
    """Whether what a station wrote (``writer``) is visible to the key of ``station``: it is the
    station itself or one of its members, or one of the writer's own districts is served by ``station``."""
    mine, members = served_districts(store, station), set(members_of(store, station))
    seen: dict[str, bool] = {}

    def visible(writer: str) -> bool:
        if writer not in seen:  # a station gone from the store (its load taken back) shows to no one else
            seen[writer] = writer == station or writer in members or (
                store.get(writer) is not None and bool(own_districts(store, writer) & mine))
        return seen[writer]

    return visible


def core_of(store: Store, station: str) -> str | None:
    """The core a station belongs to, if it has one."""
    cores = sorted(n.node.id for n in store.neighbours(station, ["PART_OF"], ["Station"], "out"))
    return cores[0] if cores else None


def escalation_path(store: Store, station: str, department: str) -> tuple[str, ...]:
    """station → its core (where it has one) → the department."""
    core = core_of(store, station)
    return (station, *((core,) if core and core != station else ()), department)
