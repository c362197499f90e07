"""What a backend computes for the coverage queries, and the constants of their semantics.

Each backend (``coverage_embedded`` over networkx, ``coverage_cypher`` in Neo4j) turns the graph
into these few aggregates — per-district tallies with the ids that miss out, per-station counts and
the candidate sites of a placement — so the rest (rates, gaps, ranks, the greedy choice) is
computed once, in ``queries.coverage``, the same way for both.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

# An innovative product: a device or IVD of class II or III in an innovation channel.
INNOVATIVE_TYPES = ("device", "ivd")
INNOVATIVE_CLASSES = ("II", "III")
INNOVATION_CHANNELS = ("national", "shanghai")
# Key projects that must be tracked: municipal level or higher.
COUNTED_LEVELS = ("national", "municipal")
TRACKING = "tracking"
# A station's scope and the product types it serves (a ``scope`` gap is a type outside it).
SCOPE_SERVES = {"drug": ("drug",), "device": ("device", "ivd"), "both": ("drug", "device", "ivd")}


def innovative(props) -> bool:
    """A device or IVD of class II or III in an innovation channel (its properties ``props``).

    >>> innovative({"type": "ivd", "device_class": "III", "innovation_channel": "shanghai"})
    True
    >>> innovative({"type": "device", "device_class": "III", "innovation_channel": "none"})
    False
    """
    return (props.get("type") in INNOVATIVE_TYPES and props.get("device_class") in INNOVATIVE_CLASSES
            and props.get("innovation_channel") in INNOVATION_CHANNELS)


@dataclass(frozen=True)
class Window:
    """The parameters every backend query takes: the service-record window, the radius, a district."""

    as_of: date
    window_days: int = 180
    radius_km: float = 0.0
    district: str | None = None  # only the placement query is limited to it

    @property
    def start(self) -> str:
        """The window's first day (ISO); records dated ``start <= date <= end`` count."""
        return (self.as_of - timedelta(days=self.window_days)).isoformat()

    @property
    def end(self) -> str:
        return self.as_of.isoformat()


@dataclass(frozen=True)
class Named:
    """A node in a report: its id and its name."""

    id: str
    name: str


@dataclass(frozen=True)
class Tally:
    """One measure in one district: how many there are, how many are covered or tracked, and the
    others (by id)."""

    total: int = 0
    done: int = 0
    missing: tuple[Named, ...] = ()


@dataclass(frozen=True)
class DistrictFacts:
    id: str
    name: str
    parks: Tally
    enterprises: Tally
    products: Tally  # innovative products
    projects: Tally  # key projects of municipal level or higher
    product_types: tuple[tuple[str, int], ...]  # every product of the district, counted by type


@dataclass(frozen=True)
class StationFacts:
    id: str
    name: str
    type: str
    scope: str
    parent: str | None  # the core it belongs to (一核多站)
    districts: tuple[str, ...]  # the districts it serves
    records: int  # service records dated in the window
    targets: int  # distinct targets of those records
    points: int  # service points (一站多点)
    sites: int  # distinct parks and institutions it or its points are sited at
    member_stations: int  # stations under it, when it is a core


@dataclass(frozen=True)
class Facts:
    districts: tuple[DistrictFacts, ...]  # by id
    stations: tuple[StationFacts, ...]  # by id


@dataclass(frozen=True)
class Candidate:
    """A park or institution without a station or service point, and the enterprises a new point
    there would newly cover, with their weights (1 + innovative products + key projects)."""

    site: str
    name: str
    kind: str
    district: str | None
    covers: tuple[tuple[Named, int], ...]  # (enterprise, weight), by id


def tally(ids_done: dict[str, bool], name_of: Callable[[str], str]) -> Tally:
    """A tally from each id's covered flag."""
    missing = tuple(Named(i, name_of(i)) for i in sorted(i for i, ok in ids_done.items() if not ok))
    return Tally(len(ids_done), len(ids_done) - len(missing), missing)
