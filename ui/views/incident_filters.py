"""The incident filters of the dashboard and the map: the list's filters (region, type,
alleged perpetrator, review status, dates), laid out on two rows so they fit 1024 px."""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QDate, Signal
from PySide6.QtWidgets import QComboBox, QGridLayout, QLabel, QWidget

from fieldapp import model
from fieldapp.i18n import N_, _

from ..forms.fields import ChoiceBox
from ..forms.labels import REVIEW_STATUSES
from .record_list import NO_DATE, DateFilter, retranslate_region_filter

KEYS = ("region", "event_type", "perpetrator", "status", "date_from", "date_to")
COMBO_CHARS = 10


class IncidentFilters(QWidget):
    """Filter widgets; `values()` is what `RecordStore.list` and the reports take."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.region = QComboBox(self)
        self.region.setEditable(True)
        self.event_type = ChoiceBox(model.EVENT_TYPES, parent=self,
                                    blank_text=N_("(all types)"))
        self.perpetrator = ChoiceBox(model.PERPETRATORS, parent=self,
                                     blank_text=N_("(all perpetrators)"))
        self.status = ChoiceBox(REVIEW_STATUSES, parent=self,
                                blank_text=N_("(all statuses)"))
        for box in (self.region, self.event_type, self.perpetrator, self.status):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(COMBO_CHARS)
        self.date_from, self.date_to = DateFilter(self), DateFilter(self)
        self.labels = {key: QLabel(self) for key in KEYS}
        self.widgets = {"region": self.region, "event_type": self.event_type,
                        "perpetrator": self.perpetrator, "status": self.status,
                        "date_from": self.date_from, "date_to": self.date_to}
        grid = QGridLayout(self)
        grid.setContentsMargins(0, 0, 0, 0)
        for index, key in enumerate(KEYS):
            row, column = divmod(index, 3)
            self.labels[key].setBuddy(self.widgets[key])
            grid.addWidget(self.labels[key], row, column * 2)
            grid.addWidget(self.widgets[key], row, column * 2 + 1)
        grid.setColumnStretch(6, 1)
        for box in (self.event_type, self.perpetrator, self.status):
            box.currentIndexChanged.connect(lambda _i: self.changed.emit())
        self.region.currentTextChanged.connect(lambda _t: self.changed.emit())
        self.date_from.dateChanged.connect(lambda _d: self.changed.emit())
        self.date_to.dateChanged.connect(lambda _d: self.changed.emit())
        self.retranslate()

    def values(self) -> dict[str, str | None]:
        return {"region": self.region.currentText().strip() or None,
                "event_type": self.event_type.value(),
                "perpetrator": self.perpetrator.value(), "status": self.status.value(),
                "date_from": self.date_from.value(), "date_to": self.date_to.value()}

    def set_values(self, values: Mapping[str, str | None]) -> None:
        """Show ``values`` (missing keys clear their filter); `changed` fires once."""
        self.blockSignals(True)
        try:
            for widget in self.widgets.values():
                widget.blockSignals(True)
            self.region.setEditText(values.get("region") or "")
            self.event_type.set_value(values.get("event_type"))
            self.perpetrator.set_value(values.get("perpetrator"))
            self.status.set_value(values.get("status"))
            for key in ("date_from", "date_to"):
                text = values.get(key)
                date = QDate.fromString(text, "yyyy-MM-dd") if text else NO_DATE
                self.widgets[key].setDate(date if date.isValid() else NO_DATE)
        finally:
            for widget in self.widgets.values():
                widget.blockSignals(False)
            self.blockSignals(False)
        self.changed.emit()

    def retranslate(self) -> None:
        texts = {"region": _("&Region:"), "event_type": _("T&ype:"),
                 "perpetrator": _("Perpetrat&or:"), "status": _("St&atus:"),
                 "date_from": _("&From:"), "date_to": _("&To:")}
        for key, text in texts.items():
            self.labels[key].setText(text)
        retranslate_region_filter(self.region)
        for box in (self.date_from, self.date_to):
            box.follow_language()
            box.setSpecialValueText(_("any date"))
        self.date_from.setAccessibleName(_("From date"))
        self.date_to.setAccessibleName(_("To date"))
        for box in (self.event_type, self.perpetrator, self.status):
            box.retranslate()
