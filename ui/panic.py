"""Panic: the shortcut and the toolbar action lock at once; shredding needs confirmation.

The confirmation is a small dialog whose default (Enter, Escape) keeps the data: a panic
press never destroys anything by itself. Only the explicit "Destroy everything" button
(or its mnemonic) shreds the keys and files through `Profile.panic`.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from fieldapp.i18n import _

#: Lock at once and offer to shred (documented in docs and the settings dialog).
PANIC_SHORTCUT = QKeySequence("Ctrl+Shift+L")


class PanicDialog(QDialog):
    """Asked after a panic lock: accepted() means destroy every file of the profile."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowModality(Qt.WindowModality.WindowModal)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.keep = QPushButton()
        self.destroy_button = QPushButton()
        self.destroy_button.setAutoDefault(False)
        self.keep.setDefault(True)
        self.destroy_button.setStyleSheet("color: #9a3412;")
        buttons = QHBoxLayout()
        buttons.addWidget(self.destroy_button)
        buttons.addStretch(1)
        buttons.addWidget(self.keep)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addLayout(buttons)
        self.keep.clicked.connect(self.reject)
        self.destroy_button.clicked.connect(self.accept)
        self.retranslate()
        self.keep.setFocus()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Locked"))
        self.text.setText(_("fieldapp is locked. Do you also want to destroy every record "
                            "and file of this profile on this computer? This cannot be "
                            "undone; records already sent to the server are not affected."))
        self.keep.setText(_("&Keep the data"))
        self.destroy_button.setText(_("&Destroy everything"))
        self.destroy_button.setAccessibleName(_("Destroy every record on this computer"))
