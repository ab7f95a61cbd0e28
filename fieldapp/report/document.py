"""The report as a document: every word final, every redaction already applied.

`build` reads a selection of incidents with their testimonies and people and writes a
`ReportDocument` in the report's language. What it leaves out by default:

- identities (names, phones, homes) and protection concerns: only with
  ``with_identities``, which needs this device to be a project coordinator;
- the monitors' pseudonyms (never printed);
- with ``coarsen_places``: localities, communes, coordinates and interview places; the
  cercle stays (the gazetteer's when none was typed); the incident's own place names
  are masked in its texts;
- with ``mask_names``: the names given and every name in the vault's identity records,
  masked in all free text (titles, descriptions, testimonies, notes, file names).

Renderers (HTML here, PDF in the desktop layer) only lay the document out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .. import attachments, model
from ..errors import InvalidInput, ReportTooLarge
from ..export.locate import locate, user_points
from ..i18n import Translator
from ..membership import require_role
from ..records import Record, RecordStore
from ..text import fold
from . import labels
from .labels import label, word
from .redact import Masker, identity_names
from .selection import clean_filters
from .stats import Statistics, compute

REPORT_LIMIT = 2000


@dataclass(frozen=True)
class Options:
    """What the user chose for one report."""

    lang: str = "en"
    filters: Mapping[str, str] = field(default_factory=dict)
    coarsen_places: bool = False
    mask_names: bool = False
    names: tuple[str, ...] = ()  # more names to mask (with mask_names)
    with_identities: bool = False

    def audit_detail(self) -> dict[str, Any]:
        """What the audit log keeps of the choices: never the names themselves."""
        return {"lang": self.lang, "filters": dict(self.filters),
                "coarsen_places": self.coarsen_places, "mask_names": self.mask_names,
                "names_given": len(self.names), "with_identities": self.with_identities}


@dataclass
class Row:
    label: str
    text: str


@dataclass
class FileLine:
    owner: str  # "Incident 3" or a witness / person code
    name: str
    kind: str
    size: str
    sha256_original: str
    sha256_stored: str
    original_kept: bool


@dataclass
class TestimonySection:
    code: str
    rows: list[Row]
    text: str
    translation: str = ""
    identity: list[Row] = field(default_factory=list)
    files: list[FileLine] = field(default_factory=list)


@dataclass
class PersonLine:
    code: str
    rows: list[Row]
    identity: list[Row] = field(default_factory=list)


@dataclass
class IncidentSection:
    number: int
    title: str
    rows: list[Row]
    description: str
    testimonies: list[TestimonySection] = field(default_factory=list)
    people: list[PersonLine] = field(default_factory=list)
    files: list[FileLine] = field(default_factory=list)


@dataclass
class Chart:
    key: str
    title: str
    labels: list[str]
    series: list[tuple[str, list[int]]]  # (legend, one value per label)
    horizontal: bool = True
    note: str = ""


@dataclass
class ReportDocument:
    lang: str
    title: str
    generated: str
    selection: list[Row]
    redaction: list[str]
    summary_header: list[str]
    summary_rows: list[list[str]]
    charts: list[Chart]
    incidents: list[IncidentSection]
    custody: list[FileLine]
    stats: Statistics
    contains_identity: bool
    testimony_count: int = 0
    words: dict[str, str] = field(default_factory=dict)  # headings for the renderers


def _range(t: Translator, low: int, high: int) -> str:
    return t.number(low) if low == high else f"{t.number(low)}–{t.number(high)}"


def _size(t: Translator, size: int) -> str:
    if size < 1024:
        return t._("{n} bytes").format(n=t.number(size))
    if size < 1024 * 1024:
        return t._("{n} KB").format(n=t.number(round(size / 1024, 1)))
    return t._("{n} MB").format(n=t.number(round(size / 1024 / 1024, 1)))


class _Builder:
    def __init__(self, vault: Any, options: Options, now: dt.datetime | None) -> None:
        self.vault = vault
        self.options = options
        self.now = now or dt.datetime.now(dt.UTC)
        self.t = Translator(options.lang)
        self.store = RecordStore(vault.conn, vault.pseudonym)
        names = list(options.names)
        if options.mask_names:
            names += identity_names(vault.conn)
        self.names = Masker(names if options.mask_names else [],
                            self.t._("[name withheld]"))
        self.typed = user_points(vault.conn)
        self.custody: list[FileLine] = []
        self.testimonies_seen: set[str] = set()

    # --- words ------------------------------------------------------------------------
    def date(self, value: Any, precision: str | None = None) -> str:
        if not isinstance(value, str) or not value:
            return ""
        try:
            return self.t.date(value, precision or model.parse_partial_date("d", value)[1])
        except (ValueError, TypeError, InvalidInput):  # shown as written
            return value

    def places_masker(self, body: Mapping[str, Any]) -> Masker:
        """The incident's own place names below the cercle (with coarsened places)."""
        if not self.options.coarsen_places:
            return Masker([], "")
        kept = {fold(str(body.get(k) or "")) for k in ("region", "cercle")}
        hidden = [str(body[k]) for k in ("locality", "commune")
                  if isinstance(body.get(k), str) and fold(body[k]) not in kept]
        return Masker(hidden, self.t._("[place withheld]"))

    def clean(self, text: Any, places: Masker) -> str:
        return places(self.names(str(text or "")))

    # --- sections ---------------------------------------------------------------------
    def files(self, record_id: str, owner: str, places: Masker) -> list[FileLine]:
        lines = []
        for item in attachments.list_for(self.vault, record_id):
            line = FileLine(owner, self.clean(item.name, places), item.kind,
                            _size(self.t, item.size), item.sha256_original,
                            item.sha256_stored, item.has_original)
            lines.append(line)
            self.custody.append(line)
        return lines

    def identity_rows(self, record: Record) -> list[Row]:
        if not self.options.with_identities or not record.identity:
            return []
        return [Row(label(self.t, k), str(v)) for k, v in record.identity.items()
                if k in labels.FIELDS and v]

    def incident(self, number: int, record_id: str, status: str,
                 body: Mapping[str, Any]) -> IncidentSection:
        t, places = self.t, self.places_masker(body)
        head = self.vault.conn.execute("SELECT head FROM record WHERE id = ?",
                                       (record_id,)).fetchone()[0]
        rows = [Row(label(t, "occurred_on"),
                    self.date(body.get("occurred_on"), body.get("date_precision")))]
        spot = locate(body, self.typed)
        region = body.get("region") or (spot.region if spot else None)
        cercle = body.get("cercle") or (spot.cercle if spot else None)
        rows.append(Row(label(t, "region"), str(region or "—")))
        rows.append(Row(label(t, "cercle"), str(cercle or "—")))
        if not self.options.coarsen_places:
            for key in ("commune", "locality"):
                if body.get(key):
                    rows.append(Row(label(t, key), str(body[key])))
            if body.get("latitude") is not None and body.get("longitude") is not None:
                rows.append(Row(label(t, "coordinates"),
                                f"{body['latitude']:.4f}, {body['longitude']:.4f}"))
            if body.get("geo_precision"):
                rows.append(Row(label(t, "geo_precision"),
                                word(t, "geo_precision", body["geo_precision"])))
        rows.append(Row(label(t, "event_type"), word(t, "event_type", body.get("event_type"))))
        for key in ("sub_event_type", "perpetrators_detail"):
            if body.get(key):
                rows.append(Row(label(t, key), self.clean(body[key], places)))
        if body.get("perpetrators"):
            rows.append(Row(label(t, "perpetrators"),
                            word(t, "perpetrators", body["perpetrators"])))
        for kind in model.VICTIM_COUNTS:
            low, high = body.get(f"{kind}_min"), body.get(f"{kind}_max")
            if low is None and high is None:
                continue
            if low is None:
                text = t._("at most {n}").format(n=t.number(high))
            elif high is None:
                text = t._("at least {n}").format(n=t.number(low))
            else:
                text = _range(t, low, high)
            rows.append(Row(t._(labels.COUNTS[kind]), text))
        if body.get("victims_breakdown"):
            rows.append(Row(label(t, "victims_breakdown"), ", ".join(
                f"{label(t, k)}: {t.number(v)}" for k, v in body["victims_breakdown"].items())))
        for key in ("tags", "source"):
            if body.get(key):
                value = ", ".join(body[key]) if isinstance(body[key], list) else body[key]
                rows.append(Row(label(t, key), self.clean(value, places)))
        if body.get("language"):
            rows.append(Row(label(t, "language"), word(t, "language", body["language"])))
        rows.append(Row(label(t, "status"), word(t, "status", status)))
        rows.append(Row(label(t, "version"), head))
        section = IncidentSection(number, self.clean(body.get("title"), places), rows,
                                  self.clean(body.get("description"), places))
        owner = t._("Incident {n}").format(n=number)
        section.files = self.files(record_id, owner, places)
        for linked in self.linked(record_id):
            if linked.kind == "testimony":
                section.testimonies.append(self.testimony(linked, places))
            elif linked.kind == "person":
                section.people.append(self.person(linked, places))
        return section

    def linked(self, incident_id: str) -> list[Record]:
        rows = self.vault.conn.execute(
            "SELECT l.from_id FROM link l JOIN record r ON r.id = l.from_id "
            "WHERE l.to_id = ? AND l.role = 'incident' ORDER BY r.kind, r.title, r.id",
            (incident_id,)).fetchall()
        return [self.store.get(row[0]) for row in rows]

    def testimony(self, record: Record, places: Masker) -> TestimonySection:
        t, body = self.t, record.body
        self.testimonies_seen.add(record.id)
        rows = []
        for key in ("relation", "interview_date", "interview_place", "language", "consent",
                    "consent_partners", "follow_up", "protection_concerns"):
            if key not in body or body[key] in (None, "", []):
                continue
            if key == "interview_place" and self.options.coarsen_places:
                continue
            if key == "protection_concerns" and not self.options.with_identities:
                continue
            if key == "interview_date":
                text = self.date(body[key])
            elif key in ("interview_place", "consent_partners", "protection_concerns"):
                text = self.clean(body[key], places)
            else:
                text = word(t, key, body[key])
            rows.append(Row(label(t, key), text))
        rows.append(Row(label(t, "status"), word(t, "status", record.status)))
        if body.get("summary"):
            rows.append(Row(label(t, "summary"), self.clean(body["summary"], places)))
        code = str(body.get("witness_code", ""))
        section = TestimonySection(code, rows, self.clean(body.get("text"), places))
        if body.get("language") != self.options.lang:
            section.translation = self.clean(self.translation(record.id), places)
        section.identity = self.identity_rows(record)
        section.files = self.files(record.id, code, places)
        return section

    def translation(self, record_id: str) -> str:
        row = self.vault.conn.execute(
            "SELECT text FROM translation WHERE record_id = ? AND field = 'text' AND "
            "target_lang = ? AND status IN ('done', 'approved') ORDER BY created_at DESC "
            "LIMIT 1", (record_id, self.options.lang)).fetchone()
        return str(row[0]) if row else ""

    def person(self, record: Record, places: Masker) -> PersonLine:
        t, body = self.t, record.body
        rows = [Row(label(t, key), word(t, key, body[key]))
                for key in ("role", "sex", "age_bracket") if body.get(key)]
        if body.get("community"):
            rows.append(Row(label(t, "community"), str(body["community"])))
        if body.get("status"):
            rows.append(Row(label(t, "situation"), word(t, "situation", body["status"])))
        if body.get("notes"):
            rows.append(Row(label(t, "notes"), self.clean(body["notes"], places)))
        line = PersonLine(str(body.get("code", "")), rows, self.identity_rows(record))
        self.files(record.id, line.code, places)
        return line

    # --- the whole --------------------------------------------------------------------
    def selection_rows(self, filters: Mapping[str, str], stats: Statistics) -> list[Row]:
        t = self.t
        rows = [Row(t._("Incidents"), t.number(stats.total))]
        shown = {"region": (filters.get("region"), t._("(all regions)")),
                 "event_type": (word(t, "event_type", filters.get("event_type")),
                                t._("(all types)")),
                 "perpetrators": (word(t, "perpetrators", filters.get("perpetrator")),
                                  t._("(all perpetrators)")),
                 "status": (word(t, "status", filters.get("status")), t._("(all statuses)"))}
        for key, (value, everything) in shown.items():
            rows.append(Row(label(t, key), value or everything))
        start = self.date(filters.get("date_from")) or t._("any date")
        end = self.date(filters.get("date_to")) or t._("any date")
        rows.append(Row(t._("Dates asked"), f"{start} – {end}"))
        if stats.first_date and stats.last_date:
            rows.append(Row(t._("Events from"), f"{self.date(stats.first_date)} – "
                                                 f"{self.date(stats.last_date)}"))
        return rows

    def redaction(self) -> list[str]:
        t, o = self.t, self.options
        lines = [
            t._("Identities of witnesses and victims: INCLUDED (names, phone numbers, "
                "homes). Keep this file encrypted and share it with coordinators only.")
            if o.with_identities else
            t._("Identities of witnesses and victims: left out; they appear by their "
                "codes only."),
            t._("Places: coarsened to the cercle; localities, communes, coordinates and "
                "interview places are left out, and each incident's place names are "
                "masked in its texts.")
            if o.coarsen_places else
            t._("Places: as recorded (locality, commune and coordinates where known)."),
            t.ngettext("Names in the texts: masked ({n} name or part of a name, from the "
                       "identity records and the list given).",
                       "Names in the texts: masked ({n} names or parts of names, from the "
                       "identity records and the list given).",
                       self.names.count).format(n=t.number(self.names.count))
            if o.mask_names else
            t._("Names in the texts: not masked; texts are printed as written."),
            t._("Protection concerns: included.") if o.with_identities else
            t._("Protection concerns: left out."),
            t._("Monitors' pseudonyms: left out."),
            t._("Attachments: listed with the SHA-256 of the original file and of the "
                "stored copy, for the chain of custody; their contents are not in this "
                "report."),
        ]
        return lines

    def summary(self, bodies: list[Mapping[str, Any]], stats: Statistics
                ) -> tuple[list[str], list[list[str]]]:
        t = self.t
        header = [label(t, "event_type"), t._("Incidents")]
        header += [t._(labels.COUNTS[k]) for k in model.VICTIM_COUNTS]
        rows = []
        for event_type, n in stats.by_event_type:
            group = compute(b for b in bodies if (b.get("event_type") or "other") == event_type)
            rows.append([word(t, "event_type", event_type), t.number(n)] +
                        [_range(t, *group.victims[k]) for k in model.VICTIM_COUNTS])
        rows.append([t._("Total"), t.number(stats.total)] +
                    [_range(t, *stats.victims[k]) for k in model.VICTIM_COUNTS])
        return header, rows

    def charts(self, stats: Statistics) -> list[Chart]:
        t = self.t
        if stats.period == "month":
            periods = [self.t.date(f"{k}-01", "month_short") for k, _n in stats.by_period]
            title = t._("Incidents by month")
            note = t.ngettext("{n} incident dated only by its year is not shown by month.",
                              "{n} incidents dated only by their year are not shown by "
                              "month.", stats.year_only).format(n=t.number(stats.year_only)) \
                if stats.year_only else ""
        else:
            periods = [k for k, _n in stats.by_period]
            title, note = t._("Incidents by year"), ""
        none = t._("(no region given)")
        charts = [
            Chart("periods", title, periods, [(t._("Incidents"),
                                               [n for _k, n in stats.by_period])],
                  horizontal=False, note=note),
            Chart("regions", t._("Incidents by region"),
                  [k or none for k, _n in stats.by_region],
                  [(t._("Incidents"), [n for _k, n in stats.by_region])]),
            Chart("types", t._("Incidents by type of event"),
                  [word(t, "event_type", k) for k, _n in stats.by_event_type],
                  [(t._("Incidents"), [n for _k, n in stats.by_event_type])]),
            Chart("perpetrators", t._("Incidents by alleged perpetrator"),
                  [word(t, "perpetrators", k) for k, _n in stats.by_perpetrator],
                  [(t._("Incidents"), [n for _k, n in stats.by_perpetrator])],
                  note=t._("An incident naming several perpetrators counts under each.")),
            Chart("victims", t._("Victims (at least – at most)"),
                  [t._(labels.COUNTS[k]) for k in model.VICTIM_COUNTS],
                  [(t._("At least"), [stats.victims[k][0] for k in model.VICTIM_COUNTS]),
                   (t._("At most"), [stats.victims[k][1] for k in model.VICTIM_COUNTS])]),
        ]
        return [c for c in charts if c.labels]

    def words(self) -> dict[str, str]:
        t = self.t
        return {
            "confidential": t._("CONFIDENTIAL"),
            "selection": t._("Selection"),
            "redaction": t._("Redaction"),
            "summary": t._("Summary"),
            "charts": t._("Charts"),
            "incidents": t._("Incidents"),
            "incident": t._("Incident {n}"),
            "description": t._("Description"),
            "testimonies": t._("Testimonies"),
            "testimony": t._("Testimony {code}"),
            "translation": t._("Translation"),
            "people": t._("Victims and witnesses"),
            "identity": t._("Identity — coordinators only"),
            "files": t._("Attachments"),
            "custody": t._("Chain of custody"),
            "custody_note": t._("The SHA-256 of each original file as received, and of "
                                "the copy stored without hidden details (GPS, device "
                                "serial numbers). Anyone holding a file can check it "
                                "against these values."),
            "record": t._("Record"),
            "file": t._("File"),
            "sha_original": t._("SHA-256 of the original"),
            "sha_stored": t._("SHA-256 of the stored copy"),
            "kept": t._("Original kept"),
            "yes": t._("Yes"), "no": t._("No"),
            "no_incidents": t._("No incident matches this selection."),
            "generated": t._("Written on {when}"),
            "page": t._("Page {n} of {total}"),
        }

    def build(self) -> ReportDocument:
        t, options = self.t, self.options
        if options.with_identities:
            require_role(self.vault.conn, "coordinator")
        filters = clean_filters(options.filters)
        count = self.store.count("incident", **filters)
        if count > REPORT_LIMIT:
            raise ReportTooLarge(count=count, limit=REPORT_LIMIT)
        selected = list(self.store.heads("incident", **filters))
        bodies = [body for _summary, body in selected]
        stats = compute(bodies)
        sections = [self.incident(n, s.id, s.status, body)
                    for n, (s, body) in enumerate(selected, start=1)]
        header, rows = self.summary(bodies, stats)
        return ReportDocument(
            lang=t.lang, title=t._("Incident report"),
            generated=t._("Written on {when}").format(when=t.timestamp(self.now)),
            selection=self.selection_rows(filters, stats), redaction=self.redaction(),
            summary_header=header, summary_rows=rows, charts=self.charts(stats),
            incidents=sections, custody=self.custody, stats=stats,
            contains_identity=options.with_identities and any(
                s.identity for sec in sections for s in (*sec.testimonies, *sec.people)),
            testimony_count=len(self.testimonies_seen), words=self.words())


def build(vault: Any, options: Options, *, now: dt.datetime | None = None) -> ReportDocument:
    """The report for ``options`` over ``vault`` (its connection is read, never written)."""
    return _Builder(vault, options, now).build()
