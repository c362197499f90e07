"""The station network (一站多点, 一核多站) as the workflow reads it: the districts a station serves,
its core, and the path an escalated question takes.

A station serves the districts of its SERVES edges; a core also those of its member stations
(Station -PART_OF-> core).  A question escalated at a station goes through its core where it has
one, then to the department: ``escalation_path`` lists them in that order.
"""

from __future__ import annotations

from graph.interface import Store


def served_districts(store: Store, station: str) -> frozenset[str]:
    """The districts a station serves, with its member stations' for a core; none for a station no
    longer in the store."""
    if store.get(station) is None:
        return frozenset()
    districts = {n.node.id for n in store.neighbours(station, ["SERVES"], ["District"], "out")}
    for member in members_of(store, station):
        districts |= {n.node.id for n in store.neighbours(member, ["SERVES"], ["District"], "out")}
    return frozenset(districts)


def members_of(store: Store, station: str) -> tuple[str, ...]:
    """The stations under a core (none for a station that is no core), by id."""
    return tuple(sorted(n.node.id for n in store.neighbours(station, ["PART_OF"], ["Station"], "in")))


def core_of(store: Store, station: str) -> str | None:
    """The core a station belongs to, if it has one."""
    cores = sorted(n.node.id for n in store.neighbours(station, ["PART_OF"], ["Station"], "out"))
    return cores[0] if cores else None


def escalation_path(store: Store, station: str, department: str) -> tuple[str, ...]:
    """station → its core (where it has one) → the department."""
    core = core_of(store, station)
    return (station, *((core,) if core and core != station else ()), department)
