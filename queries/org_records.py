"""The records matching, chain gaps and brokering read from a store (``queries.org_facts`` reads
them on each backend): an organisation's profile, one organisation's neighbourhood, the station
network, patents and edges with provenance; and the constructors that make both backends' rows
into the same records, their lists sorted.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace


class NoSuchOrg(Exception):
    """Raised inside a read when the id a query was given is no organisation's (the caller then
    resolves it as a name, with the messages of ``queries.terms``)."""


OFFERED_STATUSES = ("granted", "pending")  # a transferable patent is on offer in these states


@dataclass(frozen=True)
class Profile:
    """An organisation (enterprise or institution) as the scores see it."""

    id: str
    kind: str  # Enterprise | Institution
    name: str
    type: str | None  # institutions: university, hospital …
    credit: str | None  # enterprises: A-D
    province: str | None
    city: str | None
    districts: tuple[str, ...]
    parks: tuple[str, ...]
    fields: tuple[str, ...]  # IN_FIELD
    provides: tuple[tuple[str, str], ...]  # PROVIDES edges: (segment, field or "")
    gcp_drug: bool
    gcp_device: bool
    approved: int  # products it owns at stage approved
    trials: int  # products with a trial site here
    patents: int  # patents it applied for
    patent_fields: tuple[tuple[str, int, int], ...]  # (field, patents, of them on offer)
    rankings: tuple[tuple[str, str, int, int | None, bool], ...]  # (specialty, list, year, rank, nominated)


@dataclass(frozen=True)
class Placed:
    """An organisation with a district, as district tallies need it (never one rated D)."""

    id: str
    kind: str
    type: str | None
    gcp_drug: bool
    gcp_device: bool
    districts: tuple[str, ...]
    fields: tuple[str, ...]
    provides: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class ProductFact:
    id: str
    name: str
    type: str
    stage: str | None
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Ego:
    """One organisation, what it needs and owns, and its collaboration graph two steps out."""

    profile: Profile
    needs: tuple[tuple[str, str], ...]  # NEEDS edges: (segment, field or "")
    products: tuple[ProductFact, ...]
    partners: tuple[str, ...]  # its neighbours on the collaboration graph
    second: tuple[tuple[str, tuple[str, ...]], ...]  # each partner and that partner's neighbours
    district_names: tuple[tuple[str, str], ...] = ()  # (id, name) of its districts


@dataclass(frozen=True)
class StationFact:
    id: str
    name: str
    type: str  # core | station
    parents: tuple[str, ...]  # the core(s) it is PART_OF
    districts: tuple[str, ...]  # SERVES
    sites: tuple[str, ...]  # where it and its service points are sited


@dataclass(frozen=True)
class DistrictFact:
    id: str
    name: str
    lat: float | None  # the mean of its parks' and institutions' coordinates
    lon: float | None


def district(node_id: str, name: str, points: list) -> DistrictFact:
    """A district placed at the mean of its sites' coordinates (summed in sorted order, so that both
    backends get the same bits)."""
    pts = sorted((float(a), float(b)) for a, b in points)
    if not pts:
        return DistrictFact(node_id, name, None, None)
    return DistrictFact(node_id, name, sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts))


@dataclass(frozen=True)
class Region:
    districts: tuple[DistrictFact, ...]
    stations: tuple[StationFact, ...]


@dataclass(frozen=True)
class PatentFact:
    id: str
    name: str  # the title
    status: str | None
    application_date: str | None
    fields: tuple[str, ...]
    applicants: tuple[str, ...]
    transferable: bool = False

    @property
    def offered(self) -> bool:
        """On offer: transferable, and granted or pending."""
        return self.transferable and self.status in OFFERED_STATUSES


@dataclass(frozen=True)
class EdgeFact:
    """An edge with its provenance (the evidence of an answer)."""

    kind: str
    src: str
    dst: str
    source: str | None
    load_id: str | None
    date: str | None = None  # dated kinds (COLLABORATES, TRIAL_SITE …)


def profile(row: dict) -> Profile:
    """A profile from a backend's row, its lists sorted (both backends give the same record)."""
    return Profile(
        row["id"], row["kind"], row["name"], row.get("type"), row.get("credit"), row.get("province"),
        row.get("city"), tuple(sorted(set(row["districts"]))), tuple(sorted(set(row["parks"]))),
        tuple(sorted(set(row["fields"]))), tuple(sorted({(s, f or "") for s, f in row["provides"]})),
        bool(row.get("gcp_drug")), bool(row.get("gcp_device")), int(row["approved"]), int(row["trials"]),
        int(row["patents"]), tuple(sorted((f, int(n), int(t)) for f, n, t in row["patent_fields"])),
        tuple(sorted((s, lst, int(y), None if r is None else int(r), bool(nom))
                     for s, lst, y, r, nom in row["rankings"])),
    )


def for_fields(p: Profile, fields: Iterable[str], total: bool) -> Profile:
    """``p`` as a match reads it: patent counts only in ``fields``, the count of all its patents
    only when ``total`` (else 0), no rankings."""
    wanted = set(fields)
    return replace(p, patents=p.patents if total else 0,
                   patent_fields=tuple(x for x in p.patent_fields if x[0] in wanted), rankings=())


def without_patents(p: Profile) -> Profile:
    return replace(p, patents=0, patent_fields=())


def placed(row: dict) -> Placed:
    return Placed(row["id"], row["kind"], row.get("type"), bool(row.get("gcp_drug")), bool(row.get("gcp_device")),
                  tuple(sorted(set(row["districts"]))), tuple(sorted(set(row["fields"]))),
                  tuple(sorted({(s, f or "") for s, f in row["provides"]})))


def patent(row: dict) -> PatentFact:
    day = row.get("application_date")
    return PatentFact(row["id"], row["name"], row.get("status"), None if day is None else str(day),
                      tuple(sorted(set(row["fields"]))), tuple(sorted(set(row["applicants"]))),
                      row.get("transferable") is True)


def patent_order(p: PatentFact) -> tuple:
    """On offer first, then the newest (undated last), then by number."""
    return (not p.offered, "~" if p.application_date is None else _negated(p.application_date), p.id)


def _negated(day: str) -> str:
    # newest first within an ascending sort: map each digit d to 9 - d
    return day.translate(str.maketrans("0123456789", "9876543210"))


def edge_order(e: EdgeFact) -> tuple:
    return (e.kind, e.src, e.dst, e.date or "", e.source or "", e.load_id or "")
