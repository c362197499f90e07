"""Great-circle distance, written the same way here and in the Cypher the Neo4j backend runs."""

from __future__ import annotations

from math import asin, cos, radians, sin, sqrt

EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius


def great_circle_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Haversine distance in kilometres.

    >>> round(great_circle_km(31.2, 121.6, 31.02, 121.45), 2)  # 张江 to 紫竹
    24.59
    """
    p1, p2 = radians(lat1), radians(lat2)
    h = sin((p2 - p1) / 2) ** 2 + cos(p1) * cos(p2) * sin(radians(lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * asin(sqrt(min(1.0, h)))


def cypher_km(a: str, b: str) -> str:
    """The same distance as a Cypher expression between nodes ``a`` and ``b`` (with ``lat``/``lon``);
    the radius travels as ``$earth_km``."""
    return (f"2 * $earth_km * asin(sqrt(haversin(radians({b}.lat - {a}.lat)) + cos(radians({a}.lat)) * "
            f"cos(radians({b}.lat)) * haversin(radians({b}.lon - {a}.lon))))")
