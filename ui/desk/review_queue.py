"""The review queue (coordinators only): records received and not yet reviewed, newest
first, new ones marked, with filters, and the review panel beside them.

Keyboard: Up/Down or J/K walk the queue, 1–4 choose a status (verified, needs more
information, unsubstantiated, duplicate), Ctrl+Enter saves the review and goes on to the
next record; a selection (Shift/Ctrl+click) is reviewed at once.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QItemSelectionModel, QModelIndex, Qt
from PySide6.QtGui import QFont, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp import model, review_queue
from fieldapp.i18n import N_, _, format_number, ngettext

from ..forms.fields import ChoiceBox
from ..forms.labels import KIND_LABELS, REVIEW_STATUSES
from ..models.records import ID_ROLE, RecordTableModel
from ..models.vault_access import VaultAccess
from ..views.empty_state import EmptyState, fit_columns
from ..views.flow_layout import FlowLayout
from ..views.record_list import DateFilter, retranslate_region_filter
from .review_panel import STATUS_KEYS, ReviewPanel

QUEUE_KINDS = {k: KIND_LABELS[k] for k in review_queue.QUEUE_KINDS}
NEW_MARK = N_("New")
_FONT_ROLE, _DISPLAY_ROLE = int(Qt.ItemDataRole.FontRole), int(Qt.ItemDataRole.DisplayRole)


class QueueModel(RecordTableModel):
    """The queue as a table: the record lists' columns, the title of new ones marked."""

    def __init__(self, access: VaultAccess, parent: Any = None) -> None:
        self.queue = review_queue.ReviewQueue(access.reader.conn, access.pseudonym)
        super().__init__(self.queue, None, parent)  # type: ignore[arg-type]
        self._fresh: set[str] = set()
        self._bold = QFont()
        self._bold.setBold(True)

    def reload(self) -> None:
        super().reload()
        self._fresh = self.queue.fresh(s.id for s in self._rows)

    def fetchMore(self, parent: Any = QModelIndex()) -> None:  # noqa: B008
        first = len(self._rows)
        super().fetchMore(parent)
        self._fresh |= self.queue.fresh(s.id for s in self._rows[first:])

    def is_new(self, row: int) -> bool:
        return 0 <= row < len(self._rows) and self._rows[row].id in self._fresh

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)  # Qt asks for many roles per cell: plain ints compare quickly
        if role == _FONT_ROLE:
            return self._bold if self.is_new(index.row()) else None
        value = super().data(index, role)
        if role == _DISPLAY_ROLE and index.column() == 0 and self.is_new(index.row()):
            return _("{mark} · {title}").format(mark=_(NEW_MARK), title=value)
        return value

    def detach(self) -> None:
        super().detach()
        self._fresh = set()


class ReviewQueuePage(QWidget):
    """The Review queue page of the main window."""

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.model = QueueModel(access, self)
        layout = QVBoxLayout(self)
        self.kind_label, self.monitor_label = QLabel(self), QLabel(self)
        self.region_label, self.event_label = QLabel(self), QLabel(self)
        self.status_label, self.from_label, self.to_label = (QLabel(self), QLabel(self),
                                                             QLabel(self))
        self.kind = ChoiceBox(QUEUE_KINDS, parent=self, blank_text=N_("(all kinds)"))
        self.monitor = QComboBox(self)
        self.region = QComboBox(self)
        self.region.setEditable(True)
        self.event_type = ChoiceBox(model.EVENT_TYPES, parent=self,
                                    blank_text=N_("(all types)"))
        self.status = ChoiceBox(REVIEW_STATUSES, parent=self,
                                blank_text=N_("(all statuses)"))
        self.date_from, self.date_to = DateFilter(self), DateFilter(self)
        self.filters_row = QWidget(self)
        flow = FlowLayout(self.filters_row)
        for label, widget, chars in ((self.kind_label, self.kind, 10),
                                     (self.monitor_label, self.monitor, 10),
                                     (self.region_label, self.region, 10),
                                     (self.event_label, self.event_type, 12),
                                     (self.status_label, self.status, 12),
                                     (self.from_label, self.date_from, 0),
                                     (self.to_label, self.date_to, 0)):
            label.setBuddy(widget)
            if isinstance(widget, QComboBox):
                widget.setSizeAdjustPolicy(
                    QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
                widget.setMinimumContentsLength(chars)
            pair = QWidget(self.filters_row)
            row = QHBoxLayout(pair)
            row.setContentsMargins(0, 0, 0, 0)
            row.addWidget(label)
            row.addWidget(widget)
            flow.addWidget(pair)
        layout.addWidget(self.filters_row)
        self.count_label = QLabel(self)
        layout.addWidget(self.count_label)
        self.splitter = QSplitter(Qt.Orientation.Horizontal, self)
        self.table_stack = QStackedWidget(self.splitter)
        self.table = QTableView(self.table_stack)
        self.empty = EmptyState("view", self.table_stack)
        self.table_stack.addWidget(self.table)
        self.table_stack.addWidget(self.empty)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.panel = ReviewPanel(access, self.splitter)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout.addWidget(self.splitter, 1)

        for box in (self.kind, self.monitor, self.event_type, self.status):
            box.currentIndexChanged.connect(self.apply_filters)
        self.region.currentTextChanged.connect(lambda _t: self.apply_filters())
        self.date_from.dateChanged.connect(self.apply_filters)
        self.date_to.dateChanged.connect(self.apply_filters)
        self.table.selectionModel().selectionChanged.connect(lambda *_a: self._chosen())
        self.model.reloaded.connect(self._reloaded)
        self.model.rowsInserted.connect(lambda *_a: self._update_count())
        self.panel.reviewed.connect(self._reviewed)
        access.closing.connect(self.model.detach)
        for status, key in STATUS_KEYS:
            QShortcut(QKeySequence(key), self.table, context=Qt.ShortcutContext.WidgetShortcut,
                      activated=lambda s=status: self.choose_status(s))
        for key, step in (("J", 1), ("K", -1)):
            QShortcut(QKeySequence(key), self.table, context=Qt.ShortcutContext.WidgetShortcut,
                      activated=lambda s=step: self.move(s))
        for key in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(key), self,
                      context=Qt.ShortcutContext.WidgetWithChildrenShortcut,
                      activated=self.panel.save)
        self._loaded = False
        self._fitted = False
        self._keep_row = -1
        self.retranslate()

    # --- loading ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the queue again (when the page is chosen and after a sync); what arrived
        since the last look is marked new, once."""
        if self.access.closed:
            return
        self._loaded = True
        chosen = self.chosen_ids()
        self.model.queue.seen_mark = int(self.access.reader_vault.setting(
            review_queue.SEEN_KEY) or 0)
        self.model.set_filters(**self.filters())
        mark = review_queue.newest_version(self.access.reader.conn)
        self.access.ops.run(review_queue.mark_seen, self.access.writer_vault.conn, mark,
                            lane="db", on_error=lambda _exc: None)
        rows = [r for r in (self.model.row_of(i) for i in chosen) if r >= 0]
        if rows:
            self.select_row(rows[0])

    def filters(self) -> dict[str, str | None]:
        return {"kind": self.kind.value(), "monitor": self.monitor.currentData(),
                "region": self.region.currentText().strip() or None,
                "event_type": self.event_type.value(), "status": self.status.value(),
                "date_from": self.date_from.value(), "date_to": self.date_to.value()}

    def apply_filters(self, *_args: object) -> None:
        if self._loaded:
            self.model.set_filters(**self.filters())

    def _fill_monitors(self) -> None:
        current = self.monitor.currentData()
        self.monitor.blockSignals(True)
        self.monitor.clear()
        self.monitor.addItem(_("(all monitors)"), None)
        # Who wrote the records listed (with every monitor when none is chosen).
        for name in sorted({*self.model.queue.authors, *([current] if current else [])}):
            self.monitor.addItem(name, name)
        index = self.monitor.findData(current) if current else 0
        self.monitor.setCurrentIndex(max(index, 0))
        self.monitor.blockSignals(False)

    def _reloaded(self) -> None:
        self._fill_monitors()
        self._update_count()
        self.table_stack.setCurrentWidget(self.table if self.model.total or not self._loaded
                                          else self.empty)
        if self.model.total and not self._fitted:  # once: a review must not jolt them
            self._fitted = True
            fit_columns(self.table, self.table.horizontalHeader())
        if self._keep_row >= 0 and self.model.rowCount():
            self.select_row(min(self._keep_row, self.model.rowCount() - 1))
            self._keep_row = -1
        elif not self.chosen_ids():
            self.panel.show_records([])

    def _update_count(self) -> None:
        self.count_label.setText(ngettext("{n} record to review", "{n} records to review",
                                          self.model.total).format(
            n=format_number(self.model.total)))

    # --- choosing and reviewing ---------------------------------------------------------
    def select_row(self, row: int) -> None:
        """Choose one row (whatever keys are held: a save by Ctrl+Enter must not toggle)."""
        index = self.model.index(row, 0)
        flags = (QItemSelectionModel.SelectionFlag.ClearAndSelect
                 | QItemSelectionModel.SelectionFlag.Rows)
        self.table.selectionModel().setCurrentIndex(index, flags)
        self.table.scrollTo(index)

    def chosen_ids(self) -> list[str]:
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})
        return [i for i in (self.model.index(r, 0).data(ID_ROLE) for r in rows) if i]

    def _chosen(self) -> None:
        self.panel.show_records(self.chosen_ids())

    def choose_status(self, status: str) -> None:
        self.panel.form.set_status(status)
        if status == "needs-info":
            self.panel.form.note.setFocus()
        elif status == "duplicate" and self.panel.record is not None:
            self.panel.tabs.setCurrentWidget(self.panel.dup_page)

    def move(self, step: int) -> None:
        current = self.table.currentIndex().row()
        row = max(0, min(self.model.rowCount() - 1, current + step))
        if row >= 0:
            self.select_row(row)

    def _reviewed(self, ids: list[str]) -> None:
        """Reviewed records leave the queue; the next one is chosen."""
        rows = [self.model.row_of(i) for i in ids]
        self._keep_row = min((r for r in rows if r >= 0), default=0)
        self.model.reload()
        self.table.setFocus()

    def retranslate(self) -> None:
        self.kind_label.setText(_("&Kind:"))
        self.monitor_label.setText(_("&Monitor:"))
        self.region_label.setText(_("&Region:"))
        retranslate_region_filter(self.region)
        self.event_label.setText(_("T&ype:"))
        self.status_label.setText(_("St&atus:"))
        self.from_label.setText(_("&From:"))
        self.to_label.setText(_("&To:"))
        for box in (self.date_from, self.date_to):
            box.follow_language()
            box.setSpecialValueText(_("any date"))
        self.date_from.setAccessibleName(_("From date"))
        self.date_to.setAccessibleName(_("To date"))
        for box in (self.kind, self.event_type, self.status):
            box.retranslate()
        if self.monitor.count():
            self.monitor.setItemText(0, _("(all monitors)"))
        self.table.setAccessibleName(_("Records to review"))
        self.empty.set_text(_("Nothing to review: every record received has a review."))
        self.model.retranslate()
        self.panel.retranslate()
        self._update_count()
