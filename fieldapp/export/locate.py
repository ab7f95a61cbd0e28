"""Where an incident goes on a map, and in which region and cercle it lies.

ACLED's spatial precision codes (codebook, "Geo-precision") are used, because every
export that places an incident speaks ACLED:

- 1: the exact place is known (the record's own point marked "exact", or the town or
  village named as the locality, at the town's coordinates);
- 2: near a place or only a small area is known (a point marked "near"; a named village
  whose coordinates nobody published, placed at its cercle's seat; the commune's town;
  the cercle's seat);
- 3: only the region is known (a point marked "region", or the region's capital).

A named place without coordinates is never placed at another town: it falls back to its
own cercle (2) or region (3). Region and cercle always come from the gazetteer's current
(2023) hierarchy when the place is known there, whatever region the monitor typed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .. import gazetteer
from ..text import fold

RECORD_PRECISION = {"exact": 1, "near": 2, "region": 3}


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    precision: int  # ACLED geo_precision 1, 2 or 3
    basis: str  # record | locality | commune | cercle | region
    region: str | None = None
    cercle: str | None = None


def user_points(conn: Any) -> dict[str, tuple[float, float]]:
    """Coordinates users gave for localities they typed (folded name → point)."""
    rows = conn.execute("SELECT folded, latitude, longitude FROM place "
                        "WHERE latitude IS NOT NULL AND longitude IS NOT NULL")
    return {row[0]: (float(row[1]), float(row[2])) for row in rows}


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def admin_areas(body: Mapping[str, Any]) -> gazetteer.Resolved:
    """The current region (admin1) and cercle (admin2) of an incident body."""
    return gazetteer.resolve(_text(body.get("region")), _text(body.get("cercle")),
                             _text(body.get("commune")), _text(body.get("locality")))


def _has_point(place: Mapping[str, Any] | None) -> bool:
    return bool(place) and place.get("latitude") is not None \
        and place.get("longitude") is not None


def locate(body: Mapping[str, Any],
           typed: Mapping[str, tuple[float, float]] | None = None) -> Location | None:
    """The best point for an incident body, or None when nothing places it."""
    areas = admin_areas(body)
    region, cercle = areas.region, areas.cercle
    if body.get("latitude") is not None and body.get("longitude") is not None:
        return Location(float(body["latitude"]), float(body["longitude"]),
                        RECORD_PRECISION.get(str(body.get("geo_precision")), 1), "record",
                        region, cercle)
    near = body.get("geo_precision") == "near"
    locality = _text(body.get("locality"))
    town = areas.town
    if town is not None and _has_point(town):
        basis = areas.town_from or "locality"
        precision = 2 if near or basis == "commune" else 1
        return Location(town["latitude"], town["longitude"], precision, basis,
                        region, cercle)
    if town is None and locality and typed and fold(locality) in typed:
        lat, lon = typed[fold(locality)]
        return Location(lat, lon, 2 if near else 1, "locality", region, cercle)
    if _has_point(areas.cercle_place):
        place = areas.cercle_place
        return Location(place["latitude"], place["longitude"], 2, "cercle", region, cercle)
    if _has_point(areas.region_place):
        place = areas.region_place
        return Location(place["latitude"], place["longitude"], 3, "region", region, cercle)
    return None
