"""The CSV export in ACLED's columns and codes, one row per incident.

Columns: ACLED's export, in ACLED's order (`COLUMNS`; the list ACLED's own R client
checks its API against). Every mapping choice, with the codebook section it follows, is
in docs/RECORDS.md; `coded` gives the coded fields of one incident to any caller (PDF,
dashboard). Never in this file: identity sections, testimonies, people, attachments, the
monitor's pseudonym.

Every text cell that a spreadsheet could run as a formula (starting with = + - @, a tab
or a carriage return) gets a leading apostrophe. UTF-8 with a BOM so Excel shows accents.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from typing import Any

from ..i18n import _
from .locate import Location, admin_areas, locate

# ACLED's export columns in order (dtacled/acledR tests/testthat/setup-acled_api.R; the
# codebook's variable list since the 2023 column changes).
COLUMNS = ("event_id_cnty", "event_date", "year", "time_precision", "disorder_type",
           "event_type", "sub_event_type", "actor1", "assoc_actor_1", "inter1", "actor2",
           "assoc_actor_2", "inter2", "interaction", "civilian_targeting", "iso", "region",
           "country", "admin1", "admin2", "admin3", "location", "latitude", "longitude",
           "geo_precision", "source", "source_scale", "notes", "fatalities", "tags",
           "timestamp")

ISO = 466  # ISO 3166-1 numeric code of Mali
COUNTRY = "Mali"
WORLD_REGION = "Western Africa"
SOURCE_SCALE = "Local partner"  # the monitors are the project's own network

BATTLES = "Battles"
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
    "armed_clash": (BATTLES, "Armed clash"),
    "other": (STRATEGIC, "Other"),
}
DISORDER = {BATTLES: "Political violence", VIOLENCE: "Political violence",
            REMOTE: "Political violence", STRATEGIC: "Strategic developments"}

# ACLED actor types (codebook, "Actor types"; numeric codes as the API's inter_num=1).
STATE, REBEL, POLITICAL_MILITIA, IDENTITY_MILITIA, CIVILIANS_TYPE, EXTERNAL = 1, 2, 3, 4, 7, 8
# Our perpetrator categories: the actor name written (categories, never named groups: the
# monitor's own naming stays in the notes) and the ACLED actor type.
ACTORS: dict[str, tuple[str, int]] = {
    "armed_forces": ("Military Forces of Mali", STATE),
    "foreign_paramilitaries": ("Foreign paramilitaries (Mali)", EXTERNAL),
    "jihadist_group": ("Jihadist armed group (Mali)", REBEL),
    "separatist_group": ("Separatist armed group (Mali)", REBEL),
    "militia": ("Communal militia (Mali)", IDENTITY_MILITIA),
    "unknown": ("Unidentified Armed Group (Mali)", POLITICAL_MILITIA),
    "other": ("Other armed group (Mali)", POLITICAL_MILITIA),
}
ACTOR_ORDER = tuple(ACTORS)  # which category becomes actor1 when several are given
STATE_SIDE = ("armed_forces", "foreign_paramilitaries")
CIVILIANS = "Civilians (Mali)"
CIVILIAN_TARGETING = "Civilian targeting"

TIME_PRECISION = {"day": 1, "month": 3}  # a year-only date has no ACLED code
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def guard(value: str) -> str:
    """A text cell a spreadsheet will show as text, never run as a formula."""
    if value and (value.startswith(_FORMULA_START) or value.lstrip().startswith(_FORMULA_START)):
        return "'" + value
    return value


def codable(body: Mapping[str, Any]) -> bool:
    """Whether ACLED's codebook can date the incident: its time precision stops at the
    month, so an incident known only by its year is left out of the CSV."""
    return _precision(body) != "year"


def _precision(body: Mapping[str, Any]) -> str:
    occurred = str(body.get("occurred_on") or "")
    given = str(body.get("date_precision") or "")
    form = {1: "year", 2: "month"}.get(len(occurred.split("-")), "day")
    order = ("day", "month", "year")
    if given in order and order.index(given) > order.index(form):
        return given
    return form


def event_date(occurred_on: str, precision: str) -> str:
    """ACLED's single date: the day, or the 15th of a month known only as a month."""
    parts = occurred_on.split("-")
    if precision == "month" or len(parts) == 2:
        return f"{parts[0]}-{parts[1]}-15"
    return occurred_on


def fatalities(body: Mapping[str, Any]) -> tuple[int, str | None]:
    """(ACLED fatalities, a note when the figure is uncertain). The codebook codes the
    most conservative reported figure: the minimum; a maximum alone is the only figure
    reported, so it is coded and the notes say it is an upper bound; nothing → 0."""
    low, high = body.get("killed_min"), body.get("killed_max")
    if low is not None:
        if high is not None and high != low:
            return int(low), _("Fatalities: between {low} and {high} reported.").format(
                low=low, high=high)
        return int(low), None
    if high is not None:
        return int(high), _("Fatalities: at most {high} reported (no minimum known).").format(
            high=high)
    return 0, None


def actors(body: Mapping[str, Any]) -> dict[str, Any]:
    """actor1, assoc_actor_1, inter1, actor2, assoc_actor_2, inter2, interaction and
    civilian_targeting for an incident (see docs/RECORDS.md)."""
    kind = str(body.get("event_type") or "other")
    event_type, _sub = EVENT_MAP.get(kind, EVENT_MAP["other"])
    given = [p for p in ACTOR_ORDER if p in set(body.get("perpetrators") or [])]
    given = given or ["unknown"]
    if event_type == BATTLES:
        state = [p for p in given if p in STATE_SIDE]
        others = [p for p in given if p not in STATE_SIDE]
        if state and others:
            side1, side2 = state, others
        elif len(given) > 1:
            side1, side2 = given[:1], given[1:]
        else:
            side1, side2 = given, ["unknown"] if given != ["unknown"] else ["unknown"]
    else:
        side1, side2 = given, []
    actor1, inter1 = ACTORS[side1[0]]
    out: dict[str, Any] = {
        "actor1": actor1, "assoc_actor_1": "; ".join(ACTORS[p][0] for p in side1[1:]),
        "inter1": inter1, "actor2": "", "assoc_actor_2": "", "inter2": "",
        "civilian_targeting": ""}
    if side2:
        out["actor2"], out["inter2"] = ACTORS[side2[0]]
        out["assoc_actor_2"] = "; ".join(ACTORS[p][0] for p in side2[1:])
    elif kind != "other":
        out["actor2"], out["inter2"] = CIVILIANS, CIVILIANS_TYPE
        if event_type in (VIOLENCE, REMOTE):
            out["civilian_targeting"] = CIVILIAN_TARGETING
    codes = sorted(c for c in (out["inter1"], out["inter2"]) if c != "")
    out["interaction"] = int(f"{codes[0]}0") if len(codes) == 1 else codes[0] * 10 + codes[1]
    return out


def _notes(body: Mapping[str, Any], extra: Iterable[str | None]) -> str:
    parts = [str(body.get("title") or "").strip(), str(body.get("description") or "").strip()]
    text = ": ".join(p for p in parts if p)
    detail = str(body.get("perpetrators_detail") or "").strip()
    lines = [text] if text else []
    if detail:
        lines.append(_("Alleged perpetrators: {detail}").format(detail=detail))
    lines += [line for line in extra if line]
    return "\n".join(lines)


def _timestamp(updated_at: str | None) -> int | str:
    if not updated_at:
        return ""
    try:
        moment = dt.datetime.fromisoformat(updated_at.replace("Z", "+00:00"))
    except ValueError:
        return ""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp())


def coded(record_id: str, body: Mapping[str, Any], updated_at: str | None = None,
          typed: Mapping[str, tuple[float, float]] | None = None,
          place: Location | None = None) -> dict[str, Any]:
    """Every ACLED field of one incident (unguarded values, numbers as numbers). Callers
    that already located the incident pass ``place``."""
    kind = str(body.get("event_type") or "other")
    event_type, sub_event_type = EVENT_MAP.get(kind, EVENT_MAP["other"])
    place = place if place is not None else locate(body, typed)
    areas = admin_areas(body)
    region = (place.region if place else None) or areas.region
    cercle = (place.cercle if place else None) or areas.cercle
    location = next((body.get(k) for k in ("locality", "commune") if body.get(k)), None) \
        or cercle or region
    precision = _precision(body)
    occurred = str(body.get("occurred_on") or "")
    killed, fatality_note = fatalities(body)
    return {
        "event_id_cnty": f"MLI-{record_id}",
        "event_date": event_date(occurred, precision),
        "year": int(occurred[:4]) if occurred[:4].isdigit() else "",
        "time_precision": TIME_PRECISION.get(precision, ""),
        "disorder_type": DISORDER[event_type],
        "event_type": event_type,
        "sub_event_type": sub_event_type,
        **actors(body),
        "iso": ISO,
        "region": WORLD_REGION,
        "country": COUNTRY,
        "admin1": region or "",
        "admin2": cercle or "",
        "admin3": body.get("commune") or "",
        "location": location or "",
        # numbers, not text: a negative longitude is not a formula and is not guarded
        "latitude": round(place.latitude, 6) if place else "",
        "longitude": round(place.longitude, 6) if place else "",
        "geo_precision": place.precision if place else "",
        "source": body.get("source") or "",
        "source_scale": SOURCE_SCALE,
        "notes": _notes(body, [fatality_note]),
        "fatalities": killed,
        "tags": "; ".join(str(t) for t in body.get("tags") or []),
        "timestamp": _timestamp(updated_at),
    }


def row_for(record_id: str, body: Mapping[str, Any],
            typed: Mapping[str, tuple[float, float]] | None = None,
            updated_at: str | None = None) -> dict[str, Any]:
    """One CSV row (unguarded values) for an incident body."""
    return coded(record_id, body, updated_at, typed)


def render(incidents: Iterable[tuple[str, Mapping[str, Any], str | None]],
           typed: Mapping[str, tuple[float, float]] | None = None
           ) -> tuple[bytes, int, int]:
    """(CSV bytes in UTF-8 with a BOM, rows written, incidents left out because only
    their year is known) for (id, body, updated_at) triples."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=COLUMNS, lineterminator="\r\n")
    writer.writeheader()
    count = left_out = 0
    for record_id, body, updated_at in incidents:
        if not codable(body):
            left_out += 1
            continue
        row = coded(record_id, body, updated_at, typed)
        writer.writerow({k: guard(v) if isinstance(v, str) else v for k, v in row.items()})
        count += 1
    return buf.getvalue().encode("utf-8-sig"), count, left_out
