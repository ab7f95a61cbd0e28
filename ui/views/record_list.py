"""A list page: search box, filters, the lazily fetched table, and the chosen record."""

from __future__ import annotations

from PySide6.QtCore import QDate, QLocale, QModelIndex, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp import gazetteer, model
from fieldapp.i18n import N_, _, current_language, format_number, ngettext

from ..forms.fields import ChoiceBox
from ..forms.labels import REVIEW_STATUSES
from ..keys import keys_text
from ..models.records import ID_ROLE, RecordTableModel
from ..models.vault_access import VaultAccess
from .empty_state import EmptyState, fit_columns
from .flow_layout import FlowLayout
from .record_view import RecordView

SEARCH_DELAY_MS = 250
PAGE_ICONS = {"incident": "incidents", "testimony": "testimonies", "person": "people"}
NO_DATE = QDate(1960, 1, 1)


# How a date filter shows its date: the day first in French (18/06/2025); in English the
# month in letters (18 Jun 2025), which no reader takes for the 6th of some other month.
DATE_DISPLAY = {"fr": ("dd/MM/yyyy", QLocale.Language.French),
                "en": ("d MMM yyyy", QLocale.Language.English)}


class DateFilter(QDateEdit):
    """A date filter whose lowest value means "any date"."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.follow_language()
        self.setMinimumDate(NO_DATE)
        self.setDate(NO_DATE)

    def follow_language(self) -> None:
        """Show the date the way the user's language writes it (the value stays ISO)."""
        display, language = DATE_DISPLAY.get(current_language(), DATE_DISPLAY["en"])
        self.setLocale(QLocale(language))
        self.setDisplayFormat(display)

    def value(self) -> str | None:
        return None if self.date() == NO_DATE else self.date().toString("yyyy-MM-dd")


def retranslate_region_filter(box: QComboBox) -> None:
    """The region filter's words and choices (the gazetteer's regions), keeping what is
    typed; shared by the lists, the dashboard and the map."""
    box.setAccessibleName(_("Filter by region"))
    box.lineEdit().setPlaceholderText(_("(all regions)"))
    current = box.currentText()
    box.blockSignals(True)
    box.clear()
    box.addItem("")
    box.addItems([p["name"] for p in gazetteer.places() if p["kind"] == "region"])
    box.setEditText(current)
    box.blockSignals(False)


class RecordListPage(QWidget):
    """Records of one kind; search and filters apply to the same table."""

    results_shown = Signal()       # the table shows the results of the last change
    edit_requested = Signal(str)
    history_requested = Signal(str)
    testimony_requested = Signal(str)
    new_requested = Signal(str)    # kind

    def __init__(self, access: VaultAccess, kind: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.kind = kind
        self.model = RecordTableModel(access.reader, kind, self)
        layout = QVBoxLayout(self)

        top = QHBoxLayout()
        self.search_label = QLabel(self)
        self.search = QLineEdit(self)
        self.search.setClearButtonEnabled(True)
        self.search_label.setBuddy(self.search)
        top.addWidget(self.search_label)
        top.addWidget(self.search, 1)
        # Incidents and testimonies are created from the toolbar: one "New" per screen.
        self.new_button = QPushButton(self)
        self.new_button.setVisible(kind not in ("incident", "testimony"))
        top.addWidget(self.new_button)
        self.new_button.clicked.connect(lambda: self.new_requested.emit(self.kind))
        layout.addLayout(top)

        self.region_label = QLabel(self)
        self.region = QComboBox(self)
        self.region.setEditable(True)
        self.region_label.setBuddy(self.region)
        self.event_label = QLabel(self)
        self.event_type = ChoiceBox(model.EVENT_TYPES, parent=self,
                                    blank_text=N_("(all types)"))
        self.event_label.setBuddy(self.event_type)
        self.status_label = QLabel(self)
        self.status = ChoiceBox(REVIEW_STATUSES, parent=self,
                                blank_text=N_("(all statuses)"))
        self.status_label.setBuddy(self.status)
        self.perpetrator_label = QLabel(self)
        self.perpetrator = ChoiceBox(model.PERPETRATORS, parent=self,
                                     blank_text=N_("(all perpetrators)"))
        self.perpetrator_label.setBuddy(self.perpetrator)
        for box in (self.region, self.event_type, self.perpetrator, self.status):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(14)
        self.from_label, self.to_label = QLabel(self), QLabel(self)
        self.date_from, self.date_to = DateFilter(self), DateFilter(self)
        self.from_label.setBuddy(self.date_from)
        self.to_label.setBuddy(self.date_to)
        # Drop-downs as wide as a short choice, not as the longest one: the filters must
        # fit a 1024 px screen beside the sidebar (the list opens wider when clicked).
        for box, chars in ((self.region, 12), (self.event_type, 16), (self.perpetrator, 14),
                           (self.status, 14)):
            box.setSizeAdjustPolicy(
                QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            box.setMinimumContentsLength(chars)
            box.view().setMinimumWidth(box.view().sizeHintForColumn(0) + 24)
        # Each filter keeps its label beside it; the filters wrap onto a second line
        # when the window is narrow.
        self.filters_row = QWidget(self)
        flow = FlowLayout(self.filters_row)
        self._filter_pairs: list[QWidget] = []
        for label, widget in ((self.region_label, self.region),
                              (self.event_label, self.event_type),
                              (self.perpetrator_label, self.perpetrator),
                              (self.status_label, self.status),
                              (self.from_label, self.date_from),
                              (self.to_label, self.date_to)):
            pair = QWidget(self.filters_row)
            pair_layout = QHBoxLayout(pair)
            pair_layout.setContentsMargins(0, 0, 0, 0)
            pair_layout.addWidget(label)
            pair_layout.addWidget(widget)
            flow.addWidget(pair)
            self._filter_pairs.append(pair)
        layout.addWidget(self.filters_row)
        # Only incidents have a date, a region and a type of event to filter on.
        has_events = kind == "incident"
        for index in (0, 1, 2, 4, 5):  # all but the status
            self._filter_pairs[index].setVisible(has_events)
        self.count_label = QLabel(self)
        layout.addWidget(self.count_label)

        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        # The table, or what to do next when there is nothing to list.
        self.table_stack = QStackedWidget(self.splitter)
        self.table = QTableView(self.table_stack)
        self.empty = EmptyState(PAGE_ICONS.get(kind, "empty"), self.table_stack)
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.empty)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        vertical = self.table.verticalHeader()
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(self.fontMetrics().height() + 10)
        vertical.hide()
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        if not has_events:
            for column in (1, 2, 3):
                self.table.setColumnHidden(column, True)
        self.view = RecordView(access, self.splitter)
        # Incidents list six columns; testimonies and people three, and their record
        # (with its translations beside the original) needs the room more.
        self.splitter.setStretchFactor(0, 3 if has_events else 2)
        self.splitter.setStretchFactor(1, 2 if has_events else 3)
        layout.addWidget(self.splitter, 1)

        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self.apply_search)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self.apply_search)
        for box in (self.event_type, self.perpetrator, self.status):
            box.currentIndexChanged.connect(self.apply_filters)
        self.region.currentTextChanged.connect(lambda _t: self.apply_filters())
        self.date_from.dateChanged.connect(self.apply_filters)
        self.date_to.dateChanged.connect(self.apply_filters)
        self.table.selectionModel().currentRowChanged.connect(self._current_changed)
        self.table.activated.connect(self._activated)
        self.model.reloaded.connect(self._reloaded)
        self.model.rowsInserted.connect(lambda *_a: self._update_count())
        self.view.edit_requested.connect(self.edit_requested)
        self.view.history_requested.connect(self.history_requested)
        self.view.testimony_requested.connect(self.testimony_requested)
        access.record_saved.connect(self._record_saved)
        access.closing.connect(self.model.detach)
        self._loaded = False
        self.retranslate()

    # --- loading ----------------------------------------------------------------------
    def ensure_loaded(self) -> None:
        """Fill the table the first time the page is shown."""
        if not self._loaded:
            self._loaded = True
            self.model.reload()

    def refresh(self) -> None:
        """Read again (after a sync brought records), keeping the search, the filters and
        the chosen record; a page never shown yet waits until it is."""
        if not self._loaded:
            return
        chosen = self.view.record.id if self.view.record is not None else None
        self.model.reload()
        if chosen is not None:
            self.select(chosen)

    def apply_search(self) -> None:
        self._search_timer.stop()
        if self.search.text().strip() != self.model.query or not self._loaded:
            self._loaded = True
            self.model.set_query(self.search.text())

    def filters(self) -> dict[str, str | None]:
        if self.kind != "incident":
            return {"status": self.status.value()}
        return {"region": self.region.currentText().strip() or None,
                "event_type": self.event_type.value(),
                "perpetrator": self.perpetrator.value(), "status": self.status.value(),
                "date_from": self.date_from.value(), "date_to": self.date_to.value()}

    def apply_filters(self, *_args: object) -> None:
        self._loaded = True
        self.model.set_filters(**self.filters())

    def set_filters(self, values: dict[str, str | None]) -> None:
        """Show and apply ``values`` (the dashboard's click on a bar); a filter not
        named is cleared, and so is the search."""
        widgets = (self.region, self.event_type, self.perpetrator, self.status,
                   self.date_from, self.date_to, self.search)
        for widget in widgets:
            widget.blockSignals(True)
        try:
            self.search.clear()
            self.model.set_query("")
            self.region.setEditText(values.get("region") or "")
            self.event_type.set_value(values.get("event_type"))
            self.perpetrator.set_value(values.get("perpetrator"))
            self.status.set_value(values.get("status"))
            for box, key in ((self.date_from, "date_from"), (self.date_to, "date_to")):
                text = values.get(key)
                date = QDate.fromString(text, "yyyy-MM-dd") if text else NO_DATE
                box.setDate(date if date.isValid() else NO_DATE)
        finally:
            for widget in widgets:
                widget.blockSignals(False)
        self.apply_filters()

    def _record_saved(self, record_id: str, kind: str) -> None:
        if kind != self.kind or not self._loaded:
            return
        self.model.reload()
        self.select(record_id)

    def select(self, record_id: str) -> bool:
        """Select a record in the table if it is among the rows fetched so far."""
        row = self.model.row_of(record_id)
        if row < 0:
            if self.view.record is not None and self.view.record.id == record_id:
                self.view.show_record(record_id)
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0))
        self.view.show_record(record_id)
        return True

    def _current_changed(self, current: QModelIndex, _previous: QModelIndex) -> None:
        self.view.show_record(current.data(ID_ROLE) if current.isValid() else None)

    def _activated(self, index: QModelIndex) -> None:
        record_id = index.data(ID_ROLE)
        if record_id:
            self.view.show_record(record_id)
            self.view.edit_button.setFocus()

    def _reloaded(self) -> None:
        self._update_count()
        self._update_empty()
        fit_columns(self.table, self.table.horizontalHeader())
        self.results_shown.emit()

    def _filtering(self) -> bool:
        return bool(self.model.query) or any(self.filters().values())

    def _update_empty(self) -> None:
        """An empty list says what to do next (or that the search found nothing)."""
        if self.model.total or not getattr(self, "_loaded", False):
            self.table_stack.setCurrentWidget(self.table)
            return
        if self._filtering():
            text = _("Nothing matches these words or filters. Clear the search box or the "
                     "filters to see every record.")
        elif self.kind == "incident":
            text = _("No incidents yet — New incident ({keys})").format(
                keys=keys_text("Ctrl+N"))
        elif self.kind == "testimony":
            text = _("No testimonies yet — New testimony ({keys})").format(
                keys=keys_text("Ctrl+Shift+N"))
        else:
            text = _("No people yet — New person, or add them from a testimony.")
        self.empty.set_text(text)
        self.table_stack.setCurrentWidget(self.empty)

    def _update_count(self) -> None:
        total = self.model.total
        if self.model.truncated:
            self.count_label.setText(_("At least {n} results: add a word to narrow them").format(
                n=format_number(total)))
        elif self.model.query:
            self.count_label.setText(ngettext("{n} result", "{n} results", total).format(
                n=format_number(total)))
        else:
            self.count_label.setText(ngettext("{n} record", "{n} records", total).format(
                n=format_number(total)))

    # --- language ---------------------------------------------------------------------
    def retranslate(self) -> None:
        self.new_button.setText({"incident": _("New incident"),
                                 "testimony": _("New testimony"),
                                 "person": _("New person")}[self.kind])
        self.search_label.setText(_("&Search:"))
        self.search.setPlaceholderText(_("Words from the title, place, description… "
                                         "(Ctrl+F)"))
        self.search.setAccessibleName(_("Search records"))
        self.region_label.setText(_("&Region:"))
        retranslate_region_filter(self.region)
        self.event_label.setText(_("T&ype:"))
        self.status_label.setText(_("St&atus:"))
        self.perpetrator_label.setText(_("Perpetrat&or:"))
        self.perpetrator.retranslate()
        self.from_label.setText(_("&From:"))
        self.to_label.setText(_("&To:"))
        for box in (self.date_from, self.date_to):
            box.follow_language()
            box.setSpecialValueText(_("any date"))
        self.date_from.setAccessibleName(_("From date"))
        self.date_to.setAccessibleName(_("To date"))
        self.event_type.retranslate()
        self.status.retranslate()
        self.table.setAccessibleName(_("Records"))
        self.model.retranslate()
        self.view.retranslate()
        self._update_count()
        self._update_empty()
