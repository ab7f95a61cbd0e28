"""The incident editor: what happened, when, where, who, how many victims."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QLineEdit

from fieldapp import model
from fieldapp.i18n import _
from fieldapp.records import Record

from .editor import RecordEditor
from .fields import ChoiceBox, PartialDate, PerpetratorsSelector, VictimCounts
from .labels import LANGUAGES
from .places import PlaceEdit, place_suggestions


def _number(text: str) -> Any:
    """A coordinate typed by the user: a float, or the text itself for validation to name."""
    text = text.strip().replace(",", ".")
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return text


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split(",") if t.strip()]


class IncidentEditor(RecordEditor):
    """Create or edit an incident."""

    KIND = "incident"

    def build(self) -> None:
        self.title_edit = self.add_line("title")
        self.date = PartialDate(self.content)
        self.add_row("occurred_on", self.date, self.date.text,
                     lambda v: self.date.set_values(v, None), self.date.changed)
        self.aliases["date_precision"] = "occurred_on"
        self.event_type = ChoiceBox(model.EVENT_TYPES, parent=self.content)
        self.add_row("event_type", self.event_type, self.event_type.value,
                     self.event_type.set_value, self.event_type.currentIndexChanged)
        self.add_line("sub_event_type")
        self.place = PlaceEdit(self.suggest_places, self.content)
        self.add_row("locality", self.place, lambda: self.place.text().strip(),
                     lambda v: self.place.setText(v or ""), self.place.textChanged)
        self.place.place_chosen.connect(self.place_chosen)
        self.place.textEdited.connect(self._place_typed)
        # What the last place chosen filled in (field → text): replaced by the next
        # choice, and its precision and coordinates dropped when the place is retyped,
        # unless the user changed them meanwhile.
        self._from_place: dict[str, str] = {}
        self.commune = self.add_line("commune")
        self.cercle = self.add_line("cercle")
        self.region = self.add_line("region")
        self.latitude = QLineEdit(self.content)
        self.longitude = QLineEdit(self.content)
        for name, edit in (("latitude", self.latitude), ("longitude", self.longitude)):
            self.add_row(name, edit, lambda e=edit: _number(e.text()),
                         lambda v, e=edit: e.setText("" if v is None else str(v)),
                         edit.textChanged)
        self.geo_precision = ChoiceBox(model.GEO_PRECISIONS, parent=self.content)
        self._place_fields = {"locality": self.place, "cercle": self.cercle,
                              "region": self.region, "latitude": self.latitude,
                              "longitude": self.longitude}
        self.add_row("geo_precision", self.geo_precision, self.geo_precision.value,
                     self.geo_precision.set_value, self.geo_precision.currentIndexChanged)
        self.perpetrators = PerpetratorsSelector(self.content)
        self.add_row("perpetrators", self.perpetrators, self.perpetrators.codes,
                     self.perpetrators.set_codes, self.perpetrators.changed)
        self.aliases["perpetrators_detail"] = "perpetrators"
        self.counts = VictimCounts(self.content)
        self.add_row("_counts", self.counts, self.counts.value, self.counts.set_value,
                     self.counts.changed, label_text=lambda: _("Victims:"))
        for what in model.VICTIM_COUNTS:
            self.aliases[f"{what}_min"] = self.aliases[f"{what}_max"] = "_counts"
        self.aliases["victims_breakdown"] = "_counts"
        self.description = self.add_text("description", lines=8)
        self.language = ChoiceBox(LANGUAGES, parent=self.content)
        self.add_row("language", self.language, self.language.value,
                     self.language.set_value, self.language.currentIndexChanged)
        tags = QLineEdit(self.content)
        self.add_row("tags", tags, lambda: _tags(tags.text()),
                     lambda v: tags.setText(", ".join(v or [])), tags.textChanged)
        self.add_line("source")
        self._placeholders.append((tags, lambda: _("words separated by commas")))
        self._placeholders.append((self.latitude, lambda: _("e.g. 14.35 (optional)")))
        self._placeholders.append((self.longitude, lambda: _("e.g. -3.61 (optional)")))
        self._placeholders.append((self.place, lambda: _("Start typing: Léré, Gao…")))

    def fill(self, body: dict[str, Any], record: Record | None) -> None:
        super().fill(body, record)
        self.date.set_values(body.get("occurred_on"), body.get("date_precision"))
        self.counts.set_value(body)
        self.perpetrators.detail.setText(body.get("perpetrators_detail") or "")

    def collect(self) -> dict[str, Any]:
        data = super().collect()
        if data.get("occurred_on") and self.date.precision_value():
            data["date_precision"] = self.date.precision_value()
        detail = self.perpetrators.detail.text().strip()
        if detail:
            data["perpetrators_detail"] = detail
        return data

    def suggest_places(self, text: str) -> list[dict[str, Any]]:
        if self.access.closed:
            return []
        return place_suggestions(text, self.access.reader_vault)

    # --- places -----------------------------------------------------------------------
    def _field_text(self, name: str) -> str:
        if name == "geo_precision":
            return self.geo_precision.value() or ""
        return self._place_fields[name].text()

    def _set_field(self, name: str, text: str) -> None:
        if name == "geo_precision":
            self.geo_precision.set_value(text or None)
        else:
            self._place_fields[name].setText(text)

    def _forget_place(self, names: tuple[str, ...]) -> None:
        """Empty the fields the last place filled, where they still hold its values."""
        for name in names:
            value = self._from_place.pop(name, None)
            if value is not None and self._field_text(name) == value:
                self._set_field(name, "")

    def _place_typed(self, text: str) -> None:
        """The locality was retyped: the old place's point and precision no longer hold."""
        if self._from_place and text.strip() != self._from_place.get("locality"):
            self._forget_place(("latitude", "longitude", "geo_precision"))

    def place_chosen(self, entry: dict[str, Any]) -> None:
        """A town fills locality, cercle, region, coordinates and "near"; a cercle or a
        region fills its own fields and says only the area is known. Everything stays
        editable; a precision or coordinates the user set by hand are kept."""
        self._forget_place(tuple(self._from_place))
        kind = entry.get("kind")
        name = str(entry.get("name") or "")
        filled: dict[str, str] = {}
        if kind == "region":
            filled = {"locality": "", "region": name, "geo_precision": "region"}
        elif kind == "cercle":
            filled = {"locality": "", "cercle": name,
                      "region": str(entry.get("region") or ""), "geo_precision": "region"}
        else:
            filled = {"locality": name, "cercle": str(entry.get("cercle") or ""),
                      "region": str(entry.get("region") or "")}
            if entry.get("latitude") is not None and entry.get("longitude") is not None \
                    and not (self.latitude.text().strip() or self.longitude.text().strip()):
                filled.update(latitude=str(entry["latitude"]),
                              longitude=str(entry["longitude"]), geo_precision="near")
        if "geo_precision" in filled and self.geo_precision.value():
            del filled["geo_precision"]  # chosen by hand: the user knows better
        for field, text in filled.items():
            if field in ("cercle", "region") and not text:
                continue
            self._set_field(field, text)
        self._from_place = {k: v for k, v in filled.items() if v}

    def retranslate_title(self) -> None:
        if self.record is None:
            self.setWindowTitle(_("New incident"))
        else:
            self.setWindowTitle(_("Edit incident: {title}").format(
                title=self.record.body.get("title", "")))
