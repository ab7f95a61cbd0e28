"""What the offline map draws: Mali's outline and regions (shipped in
``data/mali_map.json``, built by `fieldapp.tools.build_map` from Natural Earth), and the
incidents of a selection as points.

An incident is placed the way the GeoJSON export places it (`fieldapp.export.locate`):
its own coordinates, else its locality, commune, cercle or region from the gazetteer.
Incidents nothing places are counted, not drawn. Nothing here touches a network: the map
has no tiles, only this file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from .export.locate import locate, user_points
from .records import RecordStore
from .report import selection

MAP_FILE = Path(__file__).resolve().parent / "data" / "mali_map.json"


@cache
def outline() -> dict[str, Any]:
    """The shipped map data: ``regions`` (name, iso, rings, label), ``outline`` and
    ``boundaries`` (lines), ``source`` and ``notes`` (loaded once)."""
    return json.loads(MAP_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Point:
    id: str
    longitude: float
    latitude: float
    event_type: str
    title: str
    precision: int  # ACLED geo_precision: 1 exact, 2 near, 3 region


def incident_points(conn: Any, pseudonym: str, filters: Mapping[str, Any]
                    ) -> tuple[list[Point], int]:
    """(points of the incidents the filters let through, how many could not be placed)."""
    store = RecordStore(conn, pseudonym)
    typed = user_points(conn)
    placed: dict[tuple[Any, ...], Any] = {}
    points, unplaced = [], 0
    for summary, body in selection.incidents(store, filters):
        if body.get("latitude") is not None and body.get("longitude") is not None:
            spot = locate(body, typed)
        else:  # many incidents share a place: look each place up once
            key = tuple(body.get(k) for k in ("locality", "commune", "cercle", "region",
                                              "geo_precision"))
            if key not in placed:
                placed[key] = locate(body, typed)
            spot = placed[key]
        if spot is None:
            unplaced += 1
            continue
        points.append(Point(summary.id, spot.longitude, spot.latitude,
                            str(body.get("event_type") or "other"), summary.title,
                            spot.precision))
    return points, unplaced
