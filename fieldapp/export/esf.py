"""The HURIDOCS Events Standard Formats (ESF) export: Event, Act, Person, Involvement and
Information records, as JSON.

Field numbers and controlled-vocabulary codes are those of HURIDOCS' ESF (2001) as
implemented in HURIDOCS' OpenEvSys (schema/mysql-dbpopulate-datadict.sql for the field
numbers, mysql-dbpopulate-mt.sql for the Micro-thesauri terms and their 12-digit codes).
Each record is ``{"record_type": ..., "fields": {"<field number>": value}}``; a coded
value is ``{"code": "<huri code>", "term": "<English term>"}``; our own extensions use
keys that start with ``x_``. The mapping, field by field, is in docs/RECORDS.md.

People are pseudonymous unless identities are asked for, by a coordinator only
(`export` checks the role): then a person's name (903), home (910) and contact go in,
and the header says so. Testimony texts never go in (the summary does, as remarks).
"""

from __future__ import annotations

import calendar
import json
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from .. import __version__
from ..i18n import _
from ..model import PERPETRATORS
from .selection import Selection, select

FORMAT = "huridocs-esf"
FORMAT_VERSION = 1
STANDARD = ("HURIDOCS Events Standard Formats (2001); field numbers and Micro-thesauri "
            "codes as in HURIDOCS OpenEvSys")

LABELS = {
    "0101": "Event Record Number", "0102": "Event Title", "0111": "Geographical Term",
    "0112": "Local Geographical Area", "0113": "Initial Date", "0114": "Final Date",
    "0115": "Event Description", "0116": "Impact of Event", "0150": "Remarks",
    "0151": "Violation Status", "0161": "Date of Entry", "0162": "Entered by",
    "0170": "Date Updated", "0172": "Monitoring Status", "0173": "Location",
    "0901": "Person Record Number", "0902": "Counting unit", "0903": "Name",
    "0904": "Other names", "0910": "Address", "0915": "Sex", "0927": "Deceased",
    "0930": "Group description", "0931": "Number of persons in group", "0950": "Remarks",
    "2101": "Act Record Number", "2102": "Victim", "2103": "Event", "2109": "Type of Act",
    "2111": "Initial Date", "2112": "Exact Location", "2121": "Final Date",
    "2123": "Status at End of Act", "2150": "Remarks",
    "2401": "Involvement Record Number", "2402": "Perpetrator", "2403": "Event",
    "2404": "Act", "2409": "Degree of involvement", "2412": "Type of Perpetrator",
    "2450": "Remarks",
    "2501": "Information record number", "2502": "Source", "2503": "Event",
    "2509": "Source Connection to Information", "2510": "Language of Source Material",
    "2511": "Date of Source Material", "2512": "Type of Source Material",
    "2550": "Remarks", "2553": "Reliability of Information",
}


def term(code: str, english: str) -> dict[str, str]:
    """A Micro-thesauri value: its HURIDOCS code and English term."""
    return {"code": code, "term": english}


# Micro-thesauri (OpenEvSys list numbers in brackets).
INDIVIDUAL = term("010000000000", "Individual")  # counting units (7)
GROUP = term("030000000000", "Group, organisation or institution")
SEX = {"male": term("010000000000", "Male"), "female": term("020000000000", "Female"),
       "unknown": term("990000000000", "Unknown")}  # sex (39)
MONITORING = {"new": term("010000000000", "Active"), "needs-info": term("020000000000",
              "Pending"), "verified": term("030000000000", "Not active"),
              "unsubstantiated": term("030000000000", "Not active"),
              "duplicate": term("030000000000", "Not active")}  # monitoring status (43)
VIOLATION_STATUS = {"verified": term("010100000000", "Confirmed as a violation"),
                    "unsubstantiated": term("990000000000", "Unknown")}  # (41)
RELIABILITY = {"verified": term("020000000000", "Likely reliable"),
               "unsubstantiated": term("030000000000", "Unsure")}  # (42)
UNKNOWN = term("990000000000", "Unknown")
# Types of acts (4), per victim count and per event type.
KILLING = {"massacre": term("010104000000", "Death in a massacre or mass killing"),
           "execution": term("010101000000", "Deliberate killings of specific individuals"),
           "ied_landmine": term("010105000000", "Indiscriminate/random killings"),
           "air_drone_strike": term("010105000000", "Indiscriminate/random killings")}
KILLING_DEFAULT = term("010103000000", "Killings in the context of conflict")
ACT_BY_COUNT = {
    "injured": term("020101000000", "Physical assaults, including domestic violence"),
    "abducted": term("030104000000", "Abduction; kidnapping"),
    "detained": term("030102000000", "Detention, imprisonment"),
    "displaced": term("050104000000", "Displacement"),
}
ACT_BY_EVENT = {
    "attack_on_civilians": term("020101000000",
                                "Physical assaults, including domestic violence"),
    "massacre": KILLING["massacre"], "execution": KILLING["execution"],
    "abduction": ACT_BY_COUNT["abducted"], "arbitrary_arrest": term("030101000000", "Arrest"),
    "extortion": term("130104000000", "Extortion"),
    "looting": term("130101000000", "Looting; theft"),
    "livestock_theft": term("130101000000", "Looting; theft"),
    "destruction_of_property": term("130103000000", "Destruction"),
    "sexual_violence": term("020102000000", "Sexual violations"),
    "displacement": ACT_BY_COUNT["displaced"],
    "ied_landmine": KILLING["ied_landmine"], "air_drone_strike": KILLING["air_drone_strike"],
    "armed_clash": KILLING_DEFAULT, "blockade": term("050105000000", "Blockading"),
    "other": term("900000000000", "Other"),
}
# Status at end of act (25), per victim count or person status.
STATUS_BY_COUNT = {"killed": term("010100000000", "Dead"),
                   "injured": term("010200000000", "Wounded; injured"),
                   "abducted": term("010300000000", "Still missing"),
                   "missing": term("010300000000", "Still missing"),
                   "detained": term("020200000000", "Arrested and currently held"),
                   "displaced": term("030300000000",
                                     "Displaced or is a refugee still in flight")}
# Type of perpetrator (24).
PERPETRATOR_TYPE = {
    "armed_forces": term("010103000000", "Armed forces"),
    "foreign_paramilitaries": term("020101000000", "Paramilitary forces"),
    "jihadist_group": term("029000000000",
                           "Other non-governmental forces involved in conflicts"),
    "separatist_group": term("020200000000", "Opposition forces"),
    "militia": term("020102000000", "Vigilante groups; death squads"),
    "unknown": term("990000000000", "Unknown"),
    "other": term("900000000000", "Others"),
}
SUSPECTED = term("010600000000", "Suspected of involvement in the act")  # degree (18)
# Source connection to information (19) and type of source material (16).
CONNECTION = {"victim": term("010100000000", "Victim him/herself"),
              "eyewitness": term("010200000000", "Witness"),
              "relative": term("020101000000", "Relative of victim"),
              "hearsay": term("030000000000", "Third party (relayed information from "
                                              "witnesses or participants in the event)")}
VICTIM_TESTIMONY = term("220903200901", "Victim testimony")
WITNESS_TESTIMONY = term("230920140501", "Witness testimony")
COUNTS = ("killed", "injured", "abducted", "detained", "displaced")


def date_range(occurred_on: str, precision: str | None) -> tuple[str, str]:
    """(initial, final) dates of a day, a month or a year."""
    parts = occurred_on.split("-")
    year = int(parts[0])
    if precision == "year" or len(parts) == 1:
        return f"{year:04d}-01-01", f"{year:04d}-12-31"
    month = int(parts[1])
    if precision == "month" or len(parts) == 2:
        last = calendar.monthrange(year, month)[1]
        return f"{year:04d}-{month:02d}-01", f"{year:04d}-{month:02d}-{last:02d}"
    return occurred_on, occurred_on


def _fields(**values: Any) -> dict[str, Any]:
    return {k.lstrip("f"): v for k, v in values.items() if v not in (None, "", [])}


class _Builder:
    """Accumulates records with running record numbers per format."""

    def __init__(self) -> None:
        self.out: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.numbers: dict[str, int] = defaultdict(int)
        self.perpetrators: dict[str, str] = {}

    def add(self, record_type: str, prefix: str, fields: dict[str, Any],
            **extra: Any) -> str:
        self.numbers[record_type] += 1
        number = f"{prefix}-{self.numbers[record_type]:06d}"
        record = {"record_type": record_type, "fields": {**fields}, **extra}
        record["fields"][{"event": "0101", "person": "0901", "act": "2101",
                          "involvement": "2401", "information": "2501"}[record_type]] = number
        self.out[record_type + "s"].append(record)
        return number

    def perpetrator(self, category: str) -> str:
        if category not in self.perpetrators:
            self.perpetrators[category] = self.add("person", "P", _fields(
                f0902=GROUP, f0903=PERPETRATORS[category],
                f0930=_("Alleged perpetrator category (no named person)")),
                x_role="perpetrator", x_category=category)
        return self.perpetrators[category]


def build(conn: Any, *, exported_by: str, exported_at: str,
          include_identity: bool = False,
          selection: Selection | None = None) -> dict[str, Any]:
    """The ESF document as a JSON-ready object."""
    reviews = {row[0]: row[1] for row in conn.execute(
        "SELECT record_id, status FROM review r1 WHERE created_at = (SELECT max(created_at) "
        "FROM review r2 WHERE r2.record_id = r1.record_id)")}
    linked: dict[str, list[tuple[str, str]]] = defaultdict(list)  # incident → (kind, id)
    for from_id, to_id, kind in conn.execute(
            "SELECT l.from_id, l.to_id, r.kind FROM link l JOIN record r ON r.id = l.from_id "
            "WHERE l.role = 'incident' ORDER BY r.created_at, l.from_id"):
        linked[to_id].append((kind, from_id))
    heads = {row[0]: json.loads(row[1]) for row in conn.execute(
        "SELECT r.id, v.body FROM record r JOIN version v ON v.hash = r.head "
        "WHERE r.kind IN ('testimony', 'person')")}
    identities = {}
    if include_identity:
        identities = {row[0]: json.loads(row[1]) for row in conn.execute(
            "SELECT r.owner, v.body FROM record r JOIN version v ON v.hash = r.head "
            "WHERE r.kind = 'identity' AND r.owner IS NOT NULL")}

    builder = _Builder()
    person_numbers: dict[str, str] = {}
    for incident in select(conn, selection):
        body = incident.body
        initial, final = date_range(str(body["occurred_on"]), body.get("date_precision"))
        status = reviews.get(incident.id, incident.status)
        areas = [p for p in (incident.region, incident.cercle, body.get("commune"),
                             body.get("locality")) if p]
        location = None
        if body.get("latitude") is not None and body.get("longitude") is not None:
            location = {"latitude": body["latitude"], "longitude": body["longitude"]}
        counts = [f"{what} {_count_text(body, what)}" for what in COUNTS
                  if _count_text(body, what)]
        event_no = builder.add("event", "E", _fields(
            f0102=body.get("title"), f0111="Mali", f0112=" / ".join(areas),
            f0113=initial, f0114=final, f0115=body.get("description"),
            f0116="; ".join(counts), f0150=body.get("source"),
            f0151=VIOLATION_STATUS.get(status, UNKNOWN),
            f0161=incident.created_at[:10], f0170=incident.updated_at[:10],
            f0172=MONITORING.get(status, MONITORING["new"]), f0173=location),
            x_record_id=incident.id, x_date_precision=body.get("date_precision"),
            x_event_type=body.get("event_type"), x_tags=body.get("tags") or [])

        acts: list[str] = []
        victims = [pid for kind, pid in linked.get(incident.id, ())
                   if kind == "person" and heads.get(pid, {}).get("role") != "witness"]
        for pid in victims:
            person = heads[pid]
            if pid not in person_numbers:
                person_numbers[pid] = builder.add(
                    "person", "P", _person_fields(person, identities.get(pid)),
                    x_record_id=pid, x_role="victim")
            act_type = ACT_BY_EVENT.get(str(body.get("event_type")), ACT_BY_EVENT["other"])
            if person.get("status") == "killed":
                act_type = KILLING.get(str(body.get("event_type")), KILLING_DEFAULT)
            acts.append(builder.add("act", "A", _fields(
                f2102=person_numbers[pid], f2103=event_no, f2109=act_type,
                f2111=initial, f2121=final, f2112=body.get("locality"),
                f2123=STATUS_BY_COUNT.get(str(person.get("status")))), x_victim="person"))
        for what in COUNTS:
            text = _count_text(body, what)
            if not text:
                continue
            group = builder.add("person", "P", _fields(
                f0902=GROUP, f0903=_("Victims: {what} ({event})").format(
                    what=what, event=event_no),
                f0930=_("Victims counted in the incident: {what} {count}").format(
                    what=what, count=text),
                f0931=text), x_role="victim-group")
            act_type = (KILLING.get(str(body.get("event_type")), KILLING_DEFAULT)
                        if what == "killed" else ACT_BY_COUNT[what])
            acts.append(builder.add("act", "A", _fields(
                f2102=group, f2103=event_no, f2109=act_type, f2111=initial, f2121=final,
                f2112=body.get("locality"), f2123=STATUS_BY_COUNT[what]),
                x_victim="group", x_count=what))
        if not acts:  # every event has at least one act (ESF: an event is made of acts)
            group = builder.add("person", "P", _fields(
                f0902=GROUP, f0903=_("Affected people ({event})").format(event=event_no),
                f0930=_("Victims not counted in the record")), x_role="victim-group")
            acts.append(builder.add("act", "A", _fields(
                f2102=group, f2103=event_no,
                f2109=ACT_BY_EVENT.get(str(body.get("event_type")), ACT_BY_EVENT["other"]),
                f2111=initial, f2121=final, f2112=body.get("locality")), x_victim="group"))

        for category in body.get("perpetrators") or ["unknown"]:
            perpetrator = builder.perpetrator(category)
            for act in acts:
                builder.add("involvement", "I", _fields(
                    f2402=perpetrator, f2403=event_no, f2404=act, f2409=SUSPECTED,
                    f2412=PERPETRATOR_TYPE.get(category, PERPETRATOR_TYPE["other"]),
                    f2450=body.get("perpetrators_detail")))

        for kind, tid in linked.get(incident.id, ()):
            if kind != "testimony":
                continue
            testimony = heads[tid]
            if tid not in person_numbers:
                person_numbers[tid] = builder.add(
                    "person", "P", _witness_fields(testimony, identities.get(tid)),
                    x_record_id=tid, x_role="source")
            relation = str(testimony.get("relation") or "")
            builder.add("information", "S", _fields(
                f2502=person_numbers[tid], f2503=event_no,
                f2509=CONNECTION.get(relation, UNKNOWN),
                f2510=[testimony["language"]] if testimony.get("language") else None,
                f2511=testimony.get("interview_date"),
                f2512=[VICTIM_TESTIMONY if relation == "victim" else WITNESS_TESTIMONY],
                f2550=testimony.get("summary"),
                f2553=RELIABILITY.get(reviews.get(tid, ""), UNKNOWN)),
                x_record_id=tid, x_consent=testimony.get("consent") or [])

    contains_identity = bool(include_identity and identities and person_numbers)
    document: dict[str, Any] = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "standard": STANDARD,
        "app_version": __version__, "exported_at": exported_at, "exported_by": exported_by,
        "plaintext": True, "contains_identity": contains_identity,
        "notice": _("Plaintext export of an encrypted fieldapp profile: anyone holding "
                    "this file can read it. Keep it encrypted, share it with no one who "
                    "does not need it, and delete it when done."),
        "field_labels": LABELS,
    }
    for name in ("events", "acts", "persons", "involvements", "informations"):
        document[name] = builder.out.get(name, [])
    return document


def _count_text(body: Mapping[str, Any], what: str) -> str:
    low, high = body.get(f"{what}_min"), body.get(f"{what}_max")
    if low is None and high is None:
        return ""
    if low is None:
        return f"≤{high}"
    if high is None or high == low:
        return str(low) if low else ""
    return f"{low}-{high}"


def _person_fields(person: Mapping[str, Any],
                   identity: Mapping[str, Any] | None) -> dict[str, Any]:
    code = person.get("code")
    fields = _fields(f0902=INDIVIDUAL, f0903=code, f0915=SEX.get(str(person.get("sex"))),
                     f0927="y" if person.get("status") == "killed" else None)
    if identity:
        fields.update(_fields(f0903=identity.get("name") or code, f0904=code,
                              f0910=identity.get("home"),
                              f0950="; ".join(str(identity[k]) for k in ("phone", "contact")
                                              if identity.get(k))))
    return fields


def _witness_fields(testimony: Mapping[str, Any],
                    identity: Mapping[str, Any] | None) -> dict[str, Any]:
    code = testimony.get("witness_code")
    fields = _fields(f0902=INDIVIDUAL, f0903=code)
    if identity:
        fields.update(_fields(f0903=identity.get("name") or code, f0904=code,
                              f0910=identity.get("home"),
                              f0950="; ".join(str(identity[k]) for k in ("phone", "contact")
                                              if identity.get(k))))
    return fields


def render(conn: Any, *, exported_by: str, exported_at: str, include_identity: bool = False,
           selection: Selection | None = None) -> tuple[bytes, int, bool]:
    """(UTF-8 JSON bytes, events written, whether any identity is in the file)."""
    document = build(conn, exported_by=exported_by, exported_at=exported_at,
                     include_identity=include_identity, selection=selection)
    data = json.dumps(document, ensure_ascii=False, indent=1)
    return (data + "\n").encode("utf-8"), len(document["events"]), \
        document["contains_identity"]
