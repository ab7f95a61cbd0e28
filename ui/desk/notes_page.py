"""Notes from coordinators (the monitor's page): each review of one's records that asks
something or says something, newest first, unread ones marked; choosing one shows the
record with its status and note, and Edit answers it (a new version goes back to the
coordinators' review queue)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHeaderView,
    QLabel,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp import review_queue
from fieldapp.i18n import _, format_timestamp, ngettext

from ..forms.labels import value_text
from ..models.vault_access import VaultAccess
from ..views.record_view import RecordView


class NotesPage(QWidget):
    """The Notes from coordinators page of the main window."""

    edit_requested = Signal(str)
    history_requested = Signal(str)
    unread_changed = Signal(int)

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.notes: list[review_queue.Note] = []
        layout = QVBoxLayout(self)
        self.count_label = QLabel(self)
        self.count_label.setWordWrap(True)
        layout.addWidget(self.count_label)
        split = QSplitter(Qt.Orientation.Horizontal, self)
        self.table = QTableWidget(0, 4, split)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        header.setDefaultSectionSize(self.fontMetrics().averageCharWidth() * 16)
        header.resizeSection(0, self.fontMetrics().averageCharWidth() * 24)  # the title
        self.table.setWordWrap(False)
        self.view = RecordView(access, split)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 2)
        layout.addWidget(split, 1)
        self.table.currentCellChanged.connect(lambda row, *_a: self._chosen(row))
        self.view.edit_requested.connect(self.edit_requested)
        self.view.history_requested.connect(self.history_requested)
        self.unread = 0 if access.closed else review_queue.unread_notes(access.reader.conn)
        self.retranslate()

    def count_unread(self) -> int:
        """Unread notes (the sidebar shows the number)."""
        if self.access.closed:
            return 0
        self.unread = review_queue.unread_notes(self.access.reader.conn)
        self.unread_changed.emit(self.unread)
        return self.unread

    def refresh(self) -> None:
        """Read the notes (when the page is chosen, after a sync); opening the list
        counts them as read, though this visit still marks the new ones."""
        if self.access.closed:
            return
        chosen = self.view.record.id if self.view.record is not None else None
        self.notes = review_queue.notes(self.access.reader.conn)
        self._fill()
        if self.isVisible() and any(n.unread for n in self.notes):
            self.access.ops.run(review_queue.mark_notes_read, self.access.writer_vault.conn,
                                lane="db", on_done=lambda _r: self.count_unread(),
                                on_error=lambda _exc: None)
        else:
            self.count_unread()
        rows = [i for i, n in enumerate(self.notes) if n.review.record_id == chosen]
        if rows:
            self.table.selectRow(rows[0])
        self.view.show_record(chosen)

    def _fill(self) -> None:
        bold = QFont()
        bold.setBold(True)
        self.table.setRowCount(len(self.notes))
        for row, note in enumerate(self.notes):
            review = note.review
            state = value_text("status", review.status)
            if note.answered:
                state = _("{status} (answered)").format(status=state)
            cells = (note.title or _("a record not on this device"), state,
                     review.note.replace("\n", " "),
                     _("{reviewer}, {when}").format(reviewer=review.reviewer,
                                                    when=format_timestamp(review.created_at)))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(review.note if column == 2 else text)
                if note.unread:
                    item.setFont(bold)
                self.table.setItem(row, column, item)
        n_unread = sum(n.unread for n in self.notes)
        if not self.notes:
            self.count_label.setText(_("No notes from coordinators yet. When a coordinator "
                                       "reviews one of your records, the note shows here."))
        else:
            self.count_label.setText(_("{notes}; {unread}.").format(
                notes=ngettext("{n} note", "{n} notes", len(self.notes)).format(
                    n=len(self.notes)),
                unread=ngettext("{n} unread", "{n} unread", n_unread).format(n=n_unread)))

    def _chosen(self, row: int) -> None:
        if 0 <= row < len(self.notes):
            self.view.show_record(self.notes[row].review.record_id)

    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels(
            [_("Record"), _("Status"), _("Note"), _("Reviewed by")])
        self.table.setAccessibleName(_("Notes from coordinators"))
        self.view.retranslate()
        self._fill()
