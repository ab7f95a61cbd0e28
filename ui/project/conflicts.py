"""The Conflicts page (coordinators): records two devices edited from the same version,
offline. Their heads side by side, field by field, differences marked; keep one head, or
take each differing field from the head chosen, into a new version that merges them. The
conflict is then gone here, and on every device once the new version has reached it."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp import conflicts
from fieldapp.i18n import _, format_timestamp, ngettext
from fieldapp.messages import user_message

from ..forms.labels import FIELD_LABELS, field_label, value_text
from ..models.vault_access import VaultAccess

DIFFERS = QColor("#fff1c2")


def head_title(number: int, version: Any) -> str:
    """A column's title; the moment it was written is its tooltip."""
    return _("Version {n} ({author})").format(n=number, author=version.author)


class ConflictsPage(QWidget):
    resolved = Signal(str)   # record id

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.found: list[conflicts.Conflict] = []
        self.current: conflicts.Conflict | None = None
        self.fields: list[conflicts.FieldDiff] = []
        self.pickers: dict[str, QComboBox] = {}
        self.job: Any = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.records = QListWidget()
        self.heading = QLabel()
        self.heading.setWordWrap(True)
        self.table = QTableWidget(0, 0)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(True)
        self.table.setTabKeyNavigation(False)
        self.keep_buttons: list[QPushButton] = []
        self.keep_row = QHBoxLayout()
        self.merge_button = QPushButton()
        self.status = QLabel()
        self.status.setWordWrap(True)
        right = QWidget()
        box = QVBoxLayout(right)
        box.setContentsMargins(0, 0, 0, 0)
        box.addWidget(self.heading)
        box.addWidget(self.table, 1)
        buttons = QHBoxLayout()
        buttons.addLayout(self.keep_row)
        buttons.addStretch(1)
        buttons.addWidget(self.merge_button)
        box.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.records)
        split.addWidget(right)
        split.setStretchFactor(1, 3)
        split.setSizes([220, 700])
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self.records.currentRowChanged.connect(self._chosen)
        self.merge_button.clicked.connect(self.save_merged)
        self.retranslate()

    # --- loading ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Read the records in conflict again (after a sync, or when the page is shown)."""
        if self.access.closed:
            return
        chosen = self.current.record_id if self.current else None
        self.found = conflicts.conflicts(self.access.reader_vault.conn)
        self.records.blockSignals(True)
        self.records.clear()
        for found in self.found:
            QListWidgetItem(found.title or found.record_id[:8], self.records)
        self.records.blockSignals(False)
        ids = [c.record_id for c in self.found]
        self.records.setCurrentRow(ids.index(chosen) if chosen in ids else
                                   (0 if ids else -1))
        if not ids:
            self._chosen(-1)
        self._say_count()

    def select(self, record_id: str) -> None:
        self.records.setCurrentRow([c.record_id for c in self.found].index(record_id))

    def _say_count(self) -> None:
        n = len(self.found)
        self.status.setText(ngettext("{n} record has conflicting versions.",
                                     "{n} records have conflicting versions.", n).format(n=n)
                            if n else _("No record has conflicting versions."))

    def _chosen(self, row: int) -> None:
        self.current = self.found[row] if 0 <= row < len(self.found) else None
        self._fill()

    def _fill(self) -> None:
        found = self.current
        heads = found.heads if found else []
        self.fields = [d for d in conflicts.compare([h.body for h in heads])] if found else []
        order = {k: i for i, k in enumerate(FIELD_LABELS)}
        self.fields.sort(key=lambda d: (not d.differs, order.get(d.field, len(order)),
                                        d.field))
        self.table.clear()
        self.table.setColumnCount(len(heads) + 2 if heads else 0)
        self.table.setRowCount(len(self.fields))
        self.table.setHorizontalHeaderLabels(
            [_("Field")] + [head_title(i + 1, h) for i, h in enumerate(heads)]
            + [_("Keep from")] if heads else [])
        for i, head in enumerate(heads):
            self.table.horizontalHeaderItem(i + 1).setToolTip(
                _("Written by {author}, {when}").format(
                    author=head.author, when=format_timestamp(head.created_at)))
        self.pickers = {}
        for row, diff in enumerate(self.fields):
            label = field_label(diff.field)
            cells = [_("{field} (differs)").format(field=label) if diff.differs else label]
            cells += ["" if v is None else value_text(diff.field, v) for v in diff.values]
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if diff.differs:
                    item.setBackground(QBrush(DIFFERS))
                self.table.setItem(row, column, item)
            if diff.differs:
                picker = QComboBox()
                for i, _h in enumerate(heads):
                    picker.addItem(_("Version {n}").format(n=i + 1), i)
                picker.setAccessibleName(_("Keep {field} from").format(field=label))
                self.pickers[diff.field] = picker
                self.table.setCellWidget(row, len(heads) + 1, picker)
        header = self.table.horizontalHeader()
        if heads:
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
            for column in range(1, len(heads) + 1):
                header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
            header.setSectionResizeMode(len(heads) + 1, QHeaderView.ResizeMode.ResizeToContents)
        self.table.resizeRowsToContents()
        while self.keep_row.count():
            widget = self.keep_row.takeAt(0).widget()
            if widget is not None:
                widget.deleteLater()
        self.keep_buttons = []
        for i, _h in enumerate(heads):
            button = QPushButton(_("Keep version {n}").format(n=i + 1))
            button.clicked.connect(lambda _c=False, n=i: self.keep(n))
            self.keep_row.addWidget(button)
            self.keep_buttons.append(button)
        self.merge_button.setEnabled(found is not None and self.job is None)
        self.heading.setText(
            _("{title}: {n} versions written from the same one. Differing fields are "
              "marked.").format(title=found.title, n=len(heads)) if found else "")

    # --- resolving --------------------------------------------------------------------
    def choices(self) -> dict[str, int]:
        return {field: int(picker.currentData()) for field, picker in self.pickers.items()}

    def choose(self, field: str, index: int) -> None:
        """Take ``field`` from head ``index`` (tests, and the combo box in its row)."""
        picker = self.pickers[field]
        picker.setCurrentIndex(picker.findData(index))

    def keep(self, index: int) -> Any:
        return self._resolve(keep=index)

    def save_merged(self) -> Any:
        return self._resolve(choices=self.choices())

    def _resolve(self, *, keep: int | None = None,
                 choices: dict[str, int] | None = None) -> Any:
        found = self.current
        if found is None or self.job is not None or self.access.closed:
            return None
        conn = self.access.writer_vault.conn
        author = self.access.pseudonym
        record_id, kind = found.record_id, found.kind
        self.merge_button.setEnabled(False)
        self.job = self.access.ops.run(conflicts.resolve, conn, author, record_id,
                                       choices=choices, keep=keep, lane="db",
                                       on_done=lambda _h: self._resolved(record_id, kind),
                                       on_error=self._failed)
        return self.job

    def _resolved(self, record_id: str, kind: str) -> None:
        self.job = None
        self.current = None
        self.refresh()
        self.status.setText(_("Resolved: the new version goes to the other devices at the "
                              "next sync."))
        self.access.record_saved.emit(record_id, kind)
        self.resolved.emit(record_id)

    def _failed(self, exc: BaseException) -> None:
        self.job = None
        self.status.setText(user_message(exc))
        self._fill()

    # --- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.intro.setText(_("Two devices changed these records from the same version, "
                             "offline. Both versions are kept until you choose: keep one, "
                             "or take each differing field from the version you choose."))
        self.records.setAccessibleName(_("Records with conflicting versions"))
        self.table.setAccessibleName(_("Versions side by side"))
        self.merge_button.setText(_("&Save the chosen fields as a new version"))
        self._fill()
        if self.found or self.current is None:
            self._say_count()
