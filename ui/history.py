"""A record's version history: every version listed, two of them compared side by side."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import _, format_timestamp
from fieldapp.records import RecordStore, Version

from .forms.fields import follow_language
from .forms.labels import FIELD_LABELS, field_label, value_text
from .models.records import date_text
from .window_size import fit

CHANGED = QColor("#fff1c2")
DATE_FIELDS = ("occurred_on", "interview_date")


def _shown(field: str, value: Any) -> str:
    """A value as the record view shows it (dates in the user's language)."""
    if field in DATE_FIELDS and isinstance(value, str):
        return date_text(value)
    return value_text(field, value)


def version_line(number: int, version: Version) -> str:
    """"Version 2 — 1 juin 2024, 14:05 by Sahel-7": the moment in the user's language."""
    return _("Version {n} — {when} by {author}").format(
        n=number, when=format_timestamp(version.created_at), author=version.author)


class HistoryDialog(QDialog):
    """Versions of one record, oldest first; pick two to see them side by side."""

    def __init__(self, store: RecordStore, record_id: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.versions: list[Version] = store.history(record_id)
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        pickers = QFormLayout()
        self.left = QComboBox(self)
        self.right = QComboBox(self)
        self.left_label, self.right_label = QLabel(self), QLabel(self)
        self.left_label.setBuddy(self.left)
        self.right_label.setBuddy(self.right)
        row = QHBoxLayout()
        pickers.addRow(self.left_label, self.left)
        pickers.addRow(self.right_label, self.right)
        row.addLayout(pickers)
        layout.addLayout(row)
        self.table = QTableWidget(self)
        self.table.setColumnCount(3)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(True)
        self.table.verticalHeader().hide()
        # The field names as wide as they need; both versions share the rest equally, so
        # the older one is as readable as the newer.
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        for column in (1, 2):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.Stretch)
        layout.addWidget(self.table, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.close_button = buttons.button(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.left.currentIndexChanged.connect(self.compare)
        self.right.currentIndexChanged.connect(self.compare)
        self._fill_pickers()
        self.right.setCurrentIndex(len(self.versions) - 1)
        self.left.setCurrentIndex(max(0, len(self.versions) - 2))
        follow_language(self, self.retranslate)
        fit(self, QSize(900, 600))
        self.retranslate()

    def _fill_pickers(self) -> None:
        for box in (self.left, self.right):
            current = box.currentIndex()
            box.blockSignals(True)
            box.clear()
            for number, version in enumerate(self.versions, start=1):
                box.addItem(version_line(number, version))
            box.setCurrentIndex(current)
            box.blockSignals(False)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Version history"))
        self.intro.setText(_("Every saved version is kept unchanged. Choose two versions "
                             "to compare; changed fields are highlighted."))
        self.left_label.setText(_("&Older version:"))
        self.right_label.setText(_("&Newer version:"))
        self.left.setAccessibleName(_("Older version"))
        self.right.setAccessibleName(_("Newer version"))
        self.table.setAccessibleName(_("Versions side by side"))
        self.close_button.setText(_("&Close"))
        self._fill_pickers()
        self.compare()

    def rows(self) -> list[tuple[str, str, str, bool]]:
        """(field, left text, right text, changed) for the two versions chosen."""
        if not self.versions:
            return []
        a = self.versions[max(0, self.left.currentIndex())].body
        b = self.versions[max(0, self.right.currentIndex())].body
        order = [k for k in FIELD_LABELS if k in a or k in b]
        order += sorted(k for k in {*a, *b} if k not in FIELD_LABELS)
        return [(field_label(k), _shown(k, a.get(k)), _shown(k, b.get(k)),
                 a.get(k) != b.get(k)) for k in order]

    def compare(self, *_args: Any) -> None:
        rows = self.rows()
        self.table.setHorizontalHeaderLabels(
            [_("Field"),
             _("Version {n}").format(n=self.left.currentIndex() + 1)
             if self.versions else _("Older version"),
             _("Version {n}").format(n=self.right.currentIndex() + 1)
             if self.versions else _("Newer version")])
        for column, box in ((1, self.left), (2, self.right)):
            self.table.horizontalHeaderItem(column).setToolTip(box.currentText())
        self.table.setRowCount(len(rows))
        for r, (label, left, right, changed) in enumerate(rows):
            for c, text in enumerate((label, left, right)):
                item = QTableWidgetItem(text)
                item.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable)
                if changed:
                    item.setBackground(QBrush(CHANGED))
                    if c == 0:
                        item.setText(_("{field} (changed)").format(field=label))
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
