"""The CSV export in ACLED-like columns, one row per incident (for reports and analysts).

Never in this file: identity sections, testimonies, people, attachments, the monitor's
pseudonym. Mappings (also in docs/RECORDS.md):

- ``time_precision`` (ACLED: 1 = the day is known, 2 = the week, 3 = the month): our
  ``day`` → 1; ``month`` → 3 with ``event_date`` the 15th (the middle, as ACLED dates an
  approximate period); ``year`` → 3 too (ACLED has nothing coarser) with ``event_date``
  1 July.
- ``event_type``/``sub_event_type``: `EVENT_MAP` below.
- ``actor1``: the alleged perpetrators' categories named as ACLED's actor types
  (`ACTOR_NAMES`), several joined by "; "; ``actor2``: "Civilians (Mali)" when the event
  targets civilians.
- ``geo_precision``: ACLED's 1/2/3 (see `fieldapp.export.locate`); coordinates come from
  the record or, when it has none, from the gazetteer.
- ``fatalities``: the conservative minimum, ``killed_min`` (0 when unknown).

Every text cell that a spreadsheet could run as a formula (starting with = + - @, a tab
or a carriage return) gets a leading apostrophe. The file is UTF-8 with a BOM so Excel
shows accents right.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

from ..i18n import _
from .locate import locate

COLUMNS = ("event_id", "event_date", "time_precision", "event_type", "sub_event_type",
           "actor1", "actor2", "admin1", "admin2", "admin3", "location", "latitude",
           "longitude", "geo_precision", "fatalities", "notes", "source")

VIOLENCE = "Violence against civilians"
STRATEGIC = "Strategic developments"
REMOTE = "Explosions/Remote violence"
EVENT_MAP: dict[str, tuple[str, str]] = {
    "attack_on_civilians": (VIOLENCE, "Attack"),
    "massacre": (VIOLENCE, "Attack"),
    "execution": (VIOLENCE, "Attack"),
    "abduction": (VIOLENCE, "Abduction/forced disappearance"),
    "sexual_violence": (VIOLENCE, "Sexual violence"),
    "arbitrary_arrest": (STRATEGIC, "Arrests"),
    "looting": (STRATEGIC, "Looting/property destruction"),
    "destruction_of_property": (STRATEGIC, "Looting/property destruction"),
    "livestock_theft": (STRATEGIC, "Looting/property destruction"),
    "extortion": (STRATEGIC, "Other"),
    "displacement": (STRATEGIC, "Other"),
    "blockade": (STRATEGIC, "Other"),
    "ied_landmine": (REMOTE, "Remote explosive/landmine/IED"),
    "air_drone_strike": (REMOTE, "Air/drone strike"),
    "armed_clash": ("Battles", "Armed clash"),
    "other": (STRATEGIC, "Other"),
}

# Categories, not named groups: the monitor's own words stay in the notes.
ACTOR_NAMES = {
    "armed_forces": "Military Forces of Mali",
    "foreign_paramilitaries": "External/Other Forces",
    "jihadist_group": "Rebel Groups (jihadist)",
    "separatist_group": "Rebel Groups (separatist)",
    "militia": "Identity Militias",
    "unknown": "Unidentified Armed Group (Mali)",
    "other": "Other",
}
CIVILIANS = "Civilians (Mali)"
NOT_AGAINST_CIVILIANS = {"armed_clash", "other"}

TIME_PRECISION = {"day": 1, "month": 3, "year": 3}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def guard(value: str) -> str:
    """A text cell a spreadsheet will show as text, never run as a formula."""
    if value and (value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_START)):
        return "'" + value
    return value


def event_date(occurred_on: str, precision: str) -> str:
    """ACLED's single date for a day, month or year (the middle of a vague period)."""
    parts = occurred_on.split("-")
    if precision == "year" or len(parts) == 1:
        return f"{parts[0]}-07-01"
    if precision == "month" or len(parts) == 2:
        return f"{parts[0]}-{parts[1]}-15"
    return occurred_on


def _notes(body: Mapping[str, Any]) -> str:
    parts = [str(body.get("title") or "").strip(), str(body.get("description") or "").strip()]
    text = ": ".join(p for p in parts if p)
    detail = str(body.get("perpetrators_detail") or "").strip()
    if detail:
        text += ("\n" if text else "") + _("Alleged perpetrators: {detail}").format(
            detail=detail)
    return text


def row_for(record_id: str, body: Mapping[str, Any],
            typed: Mapping[str, tuple[float, float]] | None = None) -> dict[str, Any]:
    """One CSV row (unguarded values) for an incident body."""
    kind = str(body.get("event_type") or "other")
    event_type, sub_event_type = EVENT_MAP.get(kind, EVENT_MAP["other"])
    perpetrators = body.get("perpetrators") or ["unknown"]
    place = locate(body, typed)
    region = body.get("region") or (place.region if place else None)
    cercle = body.get("cercle") or (place.cercle if place else None)
    location = next((body.get(k) for k in ("locality", "commune", "cercle", "region")
                     if body.get(k)), None) or cercle or region
    precision = str(body.get("date_precision") or "day")
    return {
        "event_id": record_id,
        "event_date": event_date(str(body.get("occurred_on") or ""), precision),
        "time_precision": TIME_PRECISION.get(precision, 1),
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        "actor1": "; ".join(ACTOR_NAMES.get(p, "Other") for p in perpetrators),
        "actor2": "" if kind in NOT_AGAINST_CIVILIANS else CIVILIANS,
        "admin1": region or "",
        "admin2": cercle or "",
        "admin3": body.get("commune") or "",
        "location": location or "",
        # numbers, not text: a negative longitude is not a formula and is not guarded
        "latitude": round(place.latitude, 6) if place else "",
        "longitude": round(place.longitude, 6) if place else "",
        "geo_precision": place.precision if place else "",
        "fatalities": int(body.get("killed_min") or 0),
        "notes": _notes(body),
        "source": body.get("source") or "",
    }


def render(incidents: Iterable[tuple[str, Mapping[str, Any]]],
           typed: Mapping[str, tuple[float, float]] | None = None) -> tuple[bytes, int]:
    """(CSV bytes in UTF-8 with a BOM, number of rows) for (id, body) pairs."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = 0
    for record_id, body in incidents:
        row = row_for(record_id, body, typed)
        writer.writerow({k: guard(v) if isinstance(v, str) else v for k, v in row.items()})
        count += 1
    return buf.getvalue().encode("utf-8-sig"), count
