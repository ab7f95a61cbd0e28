"""The data model: record kinds, their fields, vocabularies, and validation of user input.

Input comes as JSON objects (CLI ``--from FILE``, the desktop forms). `validate` returns a
clean body or raises `InvalidInput` naming the field. Vocabularies follow ACLED's codebook
and HURIDOCS' events formats closely enough to export to both.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InvalidInput
from .i18n import N_

KINDS = ("incident", "testimony", "person", "identity")

EVENT_TYPES: dict[str, str] = {
    "attack_on_civilians": N_("Attack on civilians"),
    "massacre": N_("Massacre"),
    "abduction": N_("Abduction or forced disappearance"),
    "arbitrary_arrest": N_("Arbitrary arrest or detention"),
    "execution": N_("Summary execution"),
    "extortion": N_("Extortion or racketeering"),
    "looting": N_("Looting"),
    "destruction_of_property": N_("Destruction of property"),
    "livestock_theft": N_("Livestock theft or killing"),
    "sexual_violence": N_("Sexual violence"),
    "displacement": N_("Forced displacement"),
    "ied_landmine": N_("IED or landmine"),
    "air_drone_strike": N_("Air or drone strike"),
    "armed_clash": N_("Armed clash"),
    "blockade": N_("Blockade or siege"),
    "other": N_("Other"),
}

PERPETRATORS: dict[str, str] = {
    "armed_forces": N_("State armed forces"),
    "foreign_paramilitaries": N_("Foreign paramilitaries"),
    "jihadist_group": N_("Jihadist group"),
    "separatist_group": N_("Separatist group"),
    "militia": N_("Community militia"),
    "unknown": N_("Unknown"),
    "other": N_("Other"),
}

DATE_PRECISIONS = {"day": N_("Exact day"), "month": N_("Month only"), "year": N_("Year only")}
GEO_PRECISIONS = {"exact": N_("Exact"), "near": N_("Nearby"), "region": N_("Region only")}
RELATIONS = {"victim": N_("Victim"), "eyewitness": N_("Eyewitness"),
             "relative": N_("Relative of a victim"), "hearsay": N_("Heard from others")}
CONSENTS = {"internal": N_("Internal use only"),
            "anonymised_publication": N_("Anonymised publication"),
            "named_partners": N_("Share with named partners")}
SEXES = {"female": N_("Female"), "male": N_("Male"), "unknown": N_("Unknown")}
AGE_BRACKETS = {"child": N_("Child (under 18)"), "adult": N_("Adult"),
                "elderly": N_("Elderly (over 60)"), "unknown": N_("Unknown")}
PERSON_ROLES = {"victim": N_("Victim"), "witness": N_("Witness")}
PERSON_STATUSES = {"killed": N_("Killed"), "injured": N_("Injured"), "missing": N_("Missing"),
                   "detained": N_("Detained"), "abducted": N_("Abducted"),
                   "displaced": N_("Displaced"), "unharmed": N_("Unharmed")}
VICTIM_COUNTS = ("killed", "injured", "abducted", "detained", "displaced")
BREAKDOWN_KEYS = ("women", "men", "girls", "boys", "elderly", "unknown")
LANGUAGE_RE = re.compile(r"^[a-z]{2,3}$")
ID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
EARLIEST = dt.date(1960, 1, 1)  # Mali's independence; nothing to record before it.
MAX_TEXT = 200_000
# Narrative fields a translator may see; never identity, witness code or places.
NARRATIVE_FIELDS: dict[str, tuple[str, ...]] = {
    "incident": ("title", "description", "language"),
    "testimony": ("text", "summary", "language"),
}


# Labels shared by the forms, the lists and the reports.
COUNT_LABELS: dict[str, str] = {  # victim counts: how many people (plural)
    "killed": N_("People killed"), "injured": N_("People injured"),
    "abducted": N_("People abducted"), "detained": N_("People detained"),
    "displaced": N_("People displaced"),
}
REVIEW_STATUS_LABELS: dict[str, str] = {
    "new": N_("New"), "needs-info": N_("Needs more information"),
    "verified": N_("Verified"), "unsubstantiated": N_("Unsubstantiated"),
    "duplicate": N_("Duplicate"),
}
LANGUAGE_LABELS: dict[str, str] = {
    "fr": N_("French"), "en": N_("English"), "bm": N_("Bambara"), "ff": N_("Fula"),
    "son": N_("Songhay"), "tmh": N_("Tamasheq"), "ar": N_("Arabic"),
}


# --- field checkers ---------------------------------------------------------------------
def _text(limit: int = MAX_TEXT, required: bool = False) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if not isinstance(value, str):
            raise InvalidInput(field=name, reason="text expected")
        value = value.strip()
        if required and not value:
            raise InvalidInput(field=name, reason="required")
        if len(value) > limit:
            raise InvalidInput(field=name, reason="too long")
        if "\x00" in value:
            raise InvalidInput(field=name, reason="invalid character")
        return value
    return check


def _choice(options: Mapping[str, str]) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if value not in options:
            raise InvalidInput(field=name, reason="not one of the allowed values",
                               value=str(value)[:40])
        return value
    return check


def _choices(options: Mapping[str, str]) -> Callable[[str, Any], Any]:
    one = _choice(options)

    def check(name: str, value: Any) -> Any:
        if not isinstance(value, list):
            raise InvalidInput(field=name, reason="list expected")
        return sorted({one(name, v) for v in value})
    return check


def _count(name: str, value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(field=name, reason="whole number expected")
    if not 0 <= value <= 10_000_000:
        raise InvalidInput(field=name, reason="out of range")
    return value


def _flag(name: str, value: Any) -> Any:
    if not isinstance(value, bool):
        raise InvalidInput(field=name, reason="true or false expected")
    return value


def _tags(name: str, value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidInput(field=name, reason="list of text expected")
    return sorted({v.strip() for v in value if v.strip()})[:50]


def _ids(name: str, value: Any) -> Any:
    if not isinstance(value, list) or not all(isinstance(v, str) and ID_RE.match(v)
                                              for v in value):
        raise InvalidInput(field=name, reason="list of record ids expected")
    return sorted(set(value))


def _language(name: str, value: Any) -> Any:
    if not isinstance(value, str) or not LANGUAGE_RE.match(value):
        raise InvalidInput(field=name, reason="language code expected")
    return value


def _coordinate(low: float, high: float) -> Callable[[str, Any], Any]:
    def check(name: str, value: Any) -> Any:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InvalidInput(field=name, reason="number expected")
        if not math.isfinite(value) or not low <= value <= high:
            raise InvalidInput(field=name, reason="out of range", value=str(value))
        return round(float(value), 6)
    return check


def parse_partial_date(name: str, value: Any) -> tuple[str, str]:
    """(normalised date, precision) for 'YYYY-MM-DD', 'YYYY-MM' or 'YYYY'."""
    if not isinstance(value, str):
        raise InvalidInput(field=name, reason="date expected (YYYY-MM-DD)")
    parts = value.strip().split("-")
    try:
        if len(parts) == 3 and len(parts[0]) == 4:
            day = dt.date(int(parts[0]), int(parts[1]), int(parts[2]))
            precision = "day"
        elif len(parts) == 2 and len(parts[0]) == 4:
            day = dt.date(int(parts[0]), int(parts[1]), 1)
            precision = "month"
        elif len(parts) == 1 and len(parts[0]) == 4:
            day = dt.date(int(parts[0]), 1, 1)
            precision = "year"
        else:
            raise ValueError
    except ValueError:
        raise InvalidInput(field=name, reason="impossible date", value=value[:20]) from None
    if day < EARLIEST or day > dt.date.today() + dt.timedelta(days=1):
        raise InvalidInput(field=name, reason="date out of range", value=value[:20])
    return value.strip(), precision


def _date(name: str, value: Any) -> Any:
    return parse_partial_date(name, value)[0]


def _breakdown(name: str, value: Any) -> Any:
    if not isinstance(value, dict):
        raise InvalidInput(field=name, reason="object expected")
    clean = {}
    for key, count in value.items():
        if key not in BREAKDOWN_KEYS:
            raise InvalidInput(field=f"{name}.{key}", reason="unknown field")
        clean[key] = _count(f"{name}.{key}", count)
    return clean


@dataclass(frozen=True)
class Schema:
    kind: str
    fields: dict[str, Callable[[str, Any], Any]]
    required: tuple[str, ...] = ()
    extra: tuple[str, ...] = field(default=())  # handled by the store (links, identity)


INCIDENT = Schema("incident", {
    "title": _text(300, required=True),
    "occurred_on": _date,
    "date_precision": _choice(DATE_PRECISIONS),
    "region": _text(100), "cercle": _text(100), "commune": _text(100), "locality": _text(200),
    "latitude": _coordinate(-90, 90), "longitude": _coordinate(-180, 180),
    "geo_precision": _choice(GEO_PRECISIONS),
    "event_type": _choice(EVENT_TYPES),
    "sub_event_type": _text(200),
    "perpetrators": _choices(PERPETRATORS),
    "perpetrators_detail": _text(500),
    **{f"{what}_{bound}": _count for what in VICTIM_COUNTS for bound in ("min", "max")},
    "victims_breakdown": _breakdown,
    "description": _text(),
    "language": _language,
    "tags": _tags,
    "source": _text(500),
}, required=("title", "occurred_on", "event_type"))

TESTIMONY = Schema("testimony", {
    "witness_code": _text(60, required=True),
    "relation": _choice(RELATIONS),
    "interview_date": _date,
    "interview_place": _text(200),
    "language": _language,
    "text": _text(required=True),
    "summary": _text(2000),
    "consent": _choices(CONSENTS),
    "consent_partners": _text(500),
    "protection_concerns": _text(5000),
    "follow_up": _flag,
    "tags": _tags,
}, required=("witness_code", "text"), extra=("incident_ids", "identity"))

PERSON = Schema("person", {
    "code": _text(60, required=True),
    "role": _choice(PERSON_ROLES),
    "sex": _choice(SEXES),
    "age_bracket": _choice(AGE_BRACKETS),
    "community": _text(200),
    "status": _choice(PERSON_STATUSES),
    "notes": _text(5000),
}, required=("code",), extra=("incident_ids", "identity"))

IDENTITY = Schema("identity", {
    "name": _text(300), "phone": _text(100), "home": _text(1000),
    "contact": _text(1000), "notes": _text(5000),
})

SCHEMAS = {s.kind: s for s in (INCIDENT, TESTIMONY, PERSON, IDENTITY)}


def validate(kind: str, data: Any, *, partial: bool = False) -> dict[str, Any]:
    """A clean body for ``kind`` from user input; `InvalidInput` names the bad field.

    ``partial`` (for edits) allows missing required fields and ``null`` to remove a field.
    Fields in ``schema.extra`` are passed through for the store to handle.
    """
    schema = SCHEMAS[kind]
    if not isinstance(data, dict):
        raise InvalidInput(field="(record)", reason="object expected")
    clean: dict[str, Any] = {}
    for name, value in data.items():
        if name in schema.extra:
            clean[name] = value
            continue
        checker = schema.fields.get(name)
        if checker is None:
            raise InvalidInput(field=str(name)[:60], reason="unknown field")
        if value is None:
            if partial:
                clean[name] = None
                continue
            raise InvalidInput(field=name, reason="required" if name in schema.required
                               else "null not allowed")
        clean[name] = checker(name, value)
    if not partial:
        for name in schema.required:
            if name not in clean:
                raise InvalidInput(field=name, reason="required")
    return clean


def check_consistency(kind: str, body: Mapping[str, Any]) -> None:
    """Cross-field rules on a whole body (after an edit is merged too)."""
    if kind != "incident":
        return
    if "occurred_on" in body:
        _, precision = parse_partial_date("occurred_on", body["occurred_on"])
        given = body.get("date_precision")
        if given and given != precision and not (given in ("month", "year") and
                                                  precision == "day"):
            raise InvalidInput(field="date_precision", reason="does not match the date")
    for what in VICTIM_COUNTS:
        low, high = body.get(f"{what}_min"), body.get(f"{what}_max")
        if low is not None and high is not None and low > high:
            raise InvalidInput(field=f"{what}_max", reason="smaller than the minimum")
    if ("latitude" in body) != ("longitude" in body):
        missing = "longitude" if "latitude" in body else "latitude"
        raise InvalidInput(field=missing, reason="required with the other coordinate")


def normalise(kind: str, body: dict[str, Any]) -> dict[str, Any]:
    """Fill derived defaults (date precision from the date's form)."""
    if kind == "incident" and "occurred_on" in body and not body.get("date_precision"):
        body["date_precision"] = parse_partial_date("occurred_on", body["occurred_on"])[1]
    return body


def title_of(kind: str, body: Mapping[str, Any]) -> str:
    if kind == "incident":
        return str(body.get("title", ""))
    if kind == "testimony":
        return str(body.get("witness_code", ""))
    if kind == "person":
        return str(body.get("code", ""))
    return ""
