"""Drafts left unsaved (a crash, a power cut, a form closed), offered back at the top of a
form: every one of them, each with its title (or "untitled") and when it was last saved.
The user restores one (Enter, or the button) or discards one; nothing is imposed."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QEvent, QObject, Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp import model
from fieldapp.drafts import Draft
from fieldapp.i18n import _, format_timestamp, ngettext

VISIBLE_ROWS = 4


def draft_line(kind: str, draft: Draft) -> str:
    """"Pillage du marché de Boni — last saved 1 Jun 2024, 14:05"."""
    data = draft.body.get("data", {}) if isinstance(draft.body, dict) else {}
    title = model.title_of(kind, data if isinstance(data, dict) else {}).strip()
    return _("{title} — last saved {when}").format(
        title=title or _("(untitled)"), when=format_timestamp(draft.updated_at))


class DraftOffer(QFrame):
    """The list of drafts offered back, newest first, with Restore and Discard."""

    restore_requested = Signal(object)   # the Draft chosen
    discard_requested = Signal(object)   # the Draft to delete

    def __init__(self, kind: str, drafts: Sequence[Draft],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.kind = kind
        self.drafts: list[Draft] = list(drafts)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("DraftOffer { background: #eef4fb; }")
        layout = QVBoxLayout(self)
        self.text = QLabel(self)
        self.text.setWordWrap(True)
        layout.addWidget(self.text)
        row = QHBoxLayout()
        self.list = QListWidget(self)
        self.text.setBuddy(self.list)
        row.addWidget(self.list, 1)
        buttons = QVBoxLayout()
        self.restore_button = QPushButton(self)
        self.discard_button = QPushButton(self)
        buttons.addWidget(self.restore_button)
        buttons.addWidget(self.discard_button)
        buttons.addStretch(1)
        row.addLayout(buttons)
        layout.addLayout(row)
        self.restore_button.clicked.connect(self.restore)
        self.discard_button.clicked.connect(self.discard)
        self.list.itemActivated.connect(lambda _item: self.restore())
        self.list.installEventFilter(self)
        self.retranslate()
        self.list.setCurrentRow(0)
        self.setVisible(bool(self.drafts))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt
        """Enter on the list restores the draft chosen, and goes no further: the form's
        default button (Save) must not see it."""
        if (watched is self.list and event.type() == QEvent.Type.KeyPress
                and isinstance(event, QKeyEvent)
                and event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)):
            self.restore()
            return True
        return super().eventFilter(watched, event)

    @property
    def current(self) -> Draft | None:
        """The draft chosen in the list (None when none is left)."""
        row = self.list.currentRow()
        return self.drafts[row] if 0 <= row < len(self.drafts) else None

    def restore(self) -> None:
        draft = self.current
        if draft is not None:
            self.clear()
            self.restore_requested.emit(draft)

    def discard(self) -> None:
        """Drop the chosen draft from the list (the form deletes it) and keep the others."""
        row = self.list.currentRow()
        draft = self.current
        if draft is None:
            return
        self.withdraw(draft.id)
        self.discard_requested.emit(draft)
        if self.drafts:
            self.list.setCurrentRow(min(row, len(self.drafts) - 1))
            self.list.setFocus()

    def withdraw(self, draft_id: str) -> None:
        """Stop offering a draft (discarded here, or taken or discarded by another form:
        two forms must never write the same draft)."""
        row = next((i for i, d in enumerate(self.drafts) if d.id == draft_id), None)
        if row is None:
            return
        del self.drafts[row]
        if not self.drafts:
            self.clear()
            return
        self.retranslate()

    def clear(self) -> None:
        """Offer nothing more (a draft was restored, or the last one discarded)."""
        self.drafts = []
        self.list.clear()
        self.hide()

    def retranslate(self) -> None:
        n = len(self.drafts)
        self.text.setText(ngettext(
            "A draft of this form was not saved as a record. Restore it, or discard it.",
            "{n} drafts of this form were not saved as records. Choose one to restore, or "
            "discard the ones you no longer need.", n).format(n=n))
        current = self.list.currentRow()
        self.list.clear()
        for draft in self.drafts:
            QListWidgetItem(draft_line(self.kind, draft), self.list)
        if self.drafts:
            self.list.setCurrentRow(max(0, min(current, n - 1)))
            height = self.list.sizeHintForRow(0) * min(n, VISIBLE_ROWS)
            self.list.setFixedHeight(height + 2 * self.list.frameWidth() + 4)
        self.list.setAccessibleName(_("Drafts not saved as records"))
        self.restore_button.setText(_("&Restore the draft"))
        self.discard_button.setText(_("Discard i&t"))
