"""The GeoJSON export (RFC 7946): a FeatureCollection of incidents, one Point each.

Coordinates are ``[longitude, latitude]`` in WGS 84. An incident without its own point
is placed by the gazetteer (locality, commune, cercle, then region) and its
``geo_precision`` (ACLED's 1/2/3) and ``location_basis`` say how. Incidents that nothing
places are left out and counted. Properties never include identity sections, testimony
texts or the monitor's pseudonym.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from .acled_csv import EVENT_MAP, event_date, fatalities
from .locate import locate

PROPERTY_FIELDS = ("title", "occurred_on", "date_precision", "region", "cercle", "commune",
                   "locality", "event_type", "sub_event_type", "perpetrators",
                   "perpetrators_detail", "killed_min", "killed_max", "injured_min",
                   "injured_max", "abducted_min", "abducted_max", "detained_min",
                   "detained_max", "displaced_min", "displaced_max", "victims_breakdown",
                   "description", "language", "tags", "source")


def feature(record_id: str, body: Mapping[str, Any], status: str = "",
            typed: Mapping[str, tuple[float, float]] | None = None) -> dict[str, Any] | None:
    """A GeoJSON Feature for an incident, or None when it cannot be placed."""
    place = locate(body, typed)
    if place is None:
        return None
    props: dict[str, Any] = {"id": record_id, "status": status}
    props.update({k: body[k] for k in PROPERTY_FIELDS if k in body})
    acled_type, acled_sub = EVENT_MAP.get(str(body.get("event_type")), EVENT_MAP["other"])
    props.update({
        "record_geo_precision": body.get("geo_precision"),
        "geo_precision": place.precision,
        "location_basis": place.basis,
        "acled_event_type": acled_type,
        "acled_sub_event_type": acled_sub,
        "event_date": event_date(str(body.get("occurred_on") or ""),
                                 str(body.get("date_precision") or "day")),
        "fatalities": fatalities(body)[0],
    })
    if not props.get("region") and place.region:
        props["region"] = place.region
    if not props.get("cercle") and place.cercle:
        props["cercle"] = place.cercle
    return {
        "type": "Feature",
        "id": record_id,
        "geometry": {"type": "Point",
                     "coordinates": [round(place.longitude, 6), round(place.latitude, 6)]},
        "properties": props,
    }


def build(incidents: Iterable[tuple[str, Mapping[str, Any], str]],
          typed: Mapping[str, tuple[float, float]] | None = None) -> tuple[dict[str, Any], int]:
    """(FeatureCollection, number of incidents left out for want of a place)."""
    features, unplaced = [], 0
    for record_id, body, status in incidents:
        item = feature(record_id, body, status, typed)
        if item is None:
            unplaced += 1
        else:
            features.append(item)
    return {"type": "FeatureCollection", "features": features}, unplaced


def render(incidents: Iterable[tuple[str, Mapping[str, Any], str]],
           typed: Mapping[str, tuple[float, float]] | None = None) -> tuple[bytes, int, int]:
    """(GeoJSON bytes, features written, incidents left out)."""
    collection, unplaced = build(incidents, typed)
    data = json.dumps(collection, ensure_ascii=False, separators=(",", ":"))
    return (data + "\n").encode("utf-8"), len(collection["features"]), unplaced
