"""Candidate duplicates of a record, ranked: how close the dates are, how far apart the
places are (the record's coordinates, else the gazetteer's), whether the type of event is
the same, and how alike the texts are (rapidfuzz). No Qt, no network.

Only records of the same kind dated near the record are read (the list's date index), and
only a shortlist of them whole, so finding candidates stays quick with 100k records.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz import fuzz

from . import gazetteer
from .errors import NotFound
from .records import LIST_COLUMNS, Summary
from .store.db import Connection

WINDOW_DAYS = 14      # records dated further apart are not candidates
NEAR_KM = 50.0        # places this far apart or more score nothing
MAX_READ = 800        # records read on each side of the date, at most
MIN_SCORE = 0.35
SHORTLIST = 60        # records compared whole, after the first ranking on the rows
TEXT_FIELDS = ("title", "description", "text", "locality", "commune")
WEIGHTS = {"date": 0.3, "place": 0.3, "type": 0.15, "text": 0.25}


@dataclass(frozen=True)
class Candidate:
    summary: Summary
    score: float              # 0..1, higher is likelier
    days: int | None          # days between the two dates (None: a date is missing)
    km: float | None          # distance between the places (None: a place is unknown)
    same_type: bool
    text: float               # 0..1 similarity of the texts


@lru_cache(maxsize=4096)
def _place_point(region: str | None, cercle: str | None, commune: str | None,
                 locality: str | None) -> tuple[float, float] | None:
    where = gazetteer.resolve(region, cercle, commune, locality)
    for place in (where.town, where.cercle_place, where.region_place):
        if place and place.get("latitude") is not None:
            return float(place["latitude"]), float(place["longitude"])
    return None


def point_of(body: dict[str, Any]) -> tuple[float, float] | None:
    """Where a record happened: its own coordinates, else its place in the gazetteer."""
    if isinstance(body.get("latitude"), int | float) and isinstance(
            body.get("longitude"), int | float):
        return float(body["latitude"]), float(body["longitude"])
    names = tuple(body.get(k) if isinstance(body.get(k), str) else None
                  for k in ("region", "cercle", "commune", "locality"))
    if not any(names):
        return None
    return _place_point(*names)


def distance_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (math.sin((lat2 - lat1) / 2) ** 2
         + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2)
    return 6371.0 * 2 * math.asin(min(1.0, math.sqrt(h)))


def _day(value: str | None) -> dt.date | None:
    if not value:
        return None
    parts = (value.split("-") + ["15", "15"])[:3]  # a month or a year: its middle
    try:
        return dt.date(int(parts[0]), int(parts[1] or 6), int(parts[2] or 15))
    except ValueError:
        return None


def _text(body: dict[str, Any]) -> str:
    return " ".join(str(body[k]) for k in TEXT_FIELDS if isinstance(body.get(k), str))


def _date_of(kind: str, body: dict[str, Any]) -> str | None:
    value = body.get("occurred_on") if kind == "incident" else body.get("interview_date")
    return value if isinstance(value, str) else None


def _shortlist(conn: Connection, kind: str, record_id: str, occurred: str | None,
               title: str, region: str | None, event_type: str | None
               ) -> list[str]:
    """Stage one, on the record rows only (no body read): the records of the same kind
    dated near, ranked by date, region, type and title; the best `SHORTLIST` ids."""
    base = ("SELECT r.id, r.occurred_on, r.region, r.event_type, r.title FROM record r "
            "WHERE r.kind = ? AND r.id != ? AND r.status != 'duplicate' ")
    day = _day(occurred)
    if day is not None and occurred:
        low = (day - dt.timedelta(days=WINDOW_DAYS)).isoformat()
        high = (day + dt.timedelta(days=WINDOW_DAYS)).isoformat()
        rows = conn.execute(base + "AND r.occurred_on >= ? AND r.occurred_on <= ? "
                            "ORDER BY r.occurred_on LIMIT ?",
                            (kind, record_id, occurred[:10], high + "\uffff", MAX_READ)
                            ).fetchall()
        rows += conn.execute(base + "AND r.occurred_on >= ? AND r.occurred_on < ? "
                             "ORDER BY r.occurred_on DESC LIMIT ?",
                             (kind, record_id, low, occurred[:10], MAX_READ)).fetchall()
    else:  # no date (a testimony): the latest of the same kind
        rows = conn.execute(base + "ORDER BY r.rowid DESC LIMIT ?",
                            (kind, record_id, MAX_READ)).fetchall()
    ranked = []
    for other_id, other_date, other_region, other_type, other_title in rows:
        other_day = _day(other_date)
        near = (max(0.0, 1 - abs((other_day - day).days) / WINDOW_DAYS)
                if day and other_day else 0.3)
        rough = (WEIGHTS["date"] * near
                 + WEIGHTS["place"] * (0.6 if region and region == other_region else 0.2)
                 + WEIGHTS["type"] * (bool(event_type) and event_type == other_type)
                 + WEIGHTS["text"] * fuzz.token_set_ratio(title, other_title or "") / 100)
        ranked.append((rough, other_id))
    ranked.sort(reverse=True)
    return [other_id for _rough, other_id in ranked[:SHORTLIST]]


def candidates(conn: Connection, record_id: str, limit: int = 10) -> list[Candidate]:
    """The likeliest duplicates of ``record_id``, best first (records already marked as
    duplicates of something are left out). Two stages: a shortlist from the record rows,
    then the whole records of the shortlist compared (places, texts)."""
    row = conn.execute("SELECT r.kind, r.occurred_on, r.title, r.region, r.event_type, "
                       "v.body FROM record r JOIN version v ON v.hash = r.head "
                       "WHERE r.id = ? AND r.kind != 'identity'", (record_id,)).fetchone()
    if row is None:
        raise NotFound(kind="record", id=record_id[:60])
    kind, body = row[0], json.loads(row[5])
    shortlist = _shortlist(conn, kind, record_id, row[1], row[2] or "", row[3], row[4])
    if not shortlist:
        return []
    cols = ", ".join(f"r.{c}" for c in LIST_COLUMNS)
    rows = conn.execute(
        f"SELECT {cols}, v.body FROM record r JOIN version v ON v.hash = r.head "  # noqa: S608
        f"WHERE r.id IN ({', '.join('?' * len(shortlist))})", shortlist).fetchall()
    here, text = point_of(body), _text(body)
    own_day = _day(_date_of(kind, body))
    found = []
    for other in rows:
        summary = Summary(*other[:-1])
        other_body = json.loads(other[-1])
        other_day = _day(_date_of(kind, other_body))
        days = abs((other_day - own_day).days) if own_day and other_day else None
        there = point_of(other_body)
        km = distance_km(here, there) if here and there else None
        same_type = bool(body.get("event_type")) and \
            body.get("event_type") == other_body.get("event_type")
        likeness = fuzz.token_set_ratio(text, _text(other_body)) / 100 if text else 0.0
        score = (WEIGHTS["date"] * (max(0.0, 1 - days / WINDOW_DAYS) if days is not None
                                    else 0.3)
                 + WEIGHTS["place"] * (max(0.0, 1 - km / NEAR_KM) if km is not None else 0.3)
                 + WEIGHTS["type"] * same_type + WEIGHTS["text"] * likeness)
        if score >= MIN_SCORE:
            found.append(Candidate(summary, round(score, 3), days,
                                   None if km is None else round(km, 1), same_type,
                                   round(likeness, 3)))
    found.sort(key=lambda c: (-c.score, c.summary.id))
    return found[:limit]
