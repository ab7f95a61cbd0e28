"""Where an incident goes on a map: its own coordinates, else the gazetteer's.

ACLED's spatial precision codes are used for the result, because every export that
places an incident (CSV, GeoJSON) speaks ACLED:

- 1: the exact place is known (the record's own point marked "exact", or the town or
  village named as the locality, placed at the town's coordinates);
- 2: near a place, or only a small area is known (a point marked "near", the commune's
  or the cercle's seat);
- 3: only the region is known (a point marked "region", or the region's capital).
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


def _gazetteer_point(name: Any, kind: str | None,
                     region: str | None) -> dict[str, Any] | None:
    if not isinstance(name, str) or not name.strip():
        return None
    place = gazetteer.lookup(name, kind=kind, region=region)
    if place is None and region:
        # The region may be spelt as a 2023 region while the gazetteer files the place
        # under its ISO region: a unique match by name is still the same place.
        place = gazetteer.lookup(name, kind=kind)
    if place is None or place["latitude"] is None:
        return None
    return place


def locate(body: Mapping[str, Any],
           typed: Mapping[str, tuple[float, float]] | None = None) -> Location | None:
    """The best point for an incident body, or None when nothing places it."""
    region = body.get("region") if isinstance(body.get("region"), str) else None
    if body.get("latitude") is not None and body.get("longitude") is not None:
        return Location(float(body["latitude"]), float(body["longitude"]),
                        RECORD_PRECISION.get(str(body.get("geo_precision")), 1), "record")
    near = body.get("geo_precision") == "near"
    locality = body.get("locality")
    place = _gazetteer_point(locality, "town", region)
    if place is not None:
        return Location(place["latitude"], place["longitude"], 2 if near else 1,
                        "locality", place["region"], place["cercle"])
    if isinstance(locality, str) and typed and fold(locality) in typed:
        lat, lon = typed[fold(locality)]
        return Location(lat, lon, 2 if near else 1, "locality")
    for field, kind, precision in (("commune", "town", 2), ("cercle", "cercle", 2),
                                   ("region", "region", 3)):
        place = _gazetteer_point(body.get(field), kind, region if field != "region" else None)
        if place is not None:
            return Location(place["latitude"], place["longitude"], precision, field,
                            place["region"], place["cercle"])
    return None
