"""One record, read-only: its fields in words, the identity apart, its attachments."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.messages import user_message
from fieldapp.records import Record

from ..attachments import AttachmentsPanel
from ..forms.labels import FIELD_LABELS, KIND_LABELS, field_label, value_text
from ..models.records import date_text
from ..models.vault_access import VaultAccess

DATE_FIELDS = ("occurred_on", "interview_date")
EDITABLE_KINDS = ("incident", "testimony")


class RecordView(QWidget):
    """The record chosen in a list, with Edit, History and (incidents) Add testimony."""

    edit_requested = Signal(str)
    history_requested = Signal(str)
    testimony_requested = Signal(str)

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.record: Record | None = None
        layout = QVBoxLayout(self)
        self.heading = QLabel(self)
        self.heading.setWordWrap(True)
        self.heading.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        font = self.heading.font()
        font.setPointSizeF(font.pointSizeF() * 1.3)
        font.setBold(True)
        self.heading.setFont(font)
        layout.addWidget(self.heading)
        buttons = QHBoxLayout()
        self.edit_button = QPushButton(self)
        self.history_button = QPushButton(self)
        self.testimony_button = QPushButton(self)
        for button in (self.edit_button, self.history_button, self.testimony_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        inner = QWidget(scroll)
        inner_layout = QVBoxLayout(inner)
        self.fields_box = QWidget(inner)
        self.fields = QFormLayout(self.fields_box)
        self.fields.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        inner_layout.addWidget(self.fields_box)
        self.identity_box = QGroupBox(inner)
        self.identity_box.setObjectName("identitySection")
        self.identity_box.setStyleSheet("QGroupBox#identitySection { border: 2px dashed "
                                        "#8a4b00; margin-top: 1.5em; padding: 0.6em; }")
        self.identity_fields = QFormLayout(self.identity_box)
        inner_layout.addWidget(self.identity_box)
        self.attachments = AttachmentsPanel(access, inner)
        inner_layout.addWidget(self.attachments)
        inner_layout.addStretch(1)
        scroll.setWidget(inner)
        layout.addWidget(scroll, 1)
        self.edit_button.clicked.connect(lambda: self._request(self.edit_requested))
        self.history_button.clicked.connect(lambda: self._request(self.history_requested))
        self.testimony_button.clicked.connect(
            lambda: self._request(self.testimony_requested))
        self.retranslate()
        self.show_record(None)

    def _request(self, signal: Signal) -> None:
        if self.record is not None:
            signal.emit(self.record.id)

    def retranslate(self) -> None:
        self.edit_button.setText(_("&Edit"))
        self.history_button.setText(_("&History"))
        self.testimony_button.setText(_("Add a &testimony"))
        self.edit_button.setToolTip(_("Edit this record (Ctrl+E)"))
        self.history_button.setToolTip(_("See and compare earlier versions (Ctrl+H)"))
        self.identity_box.setTitle(_("Identity — coordinators only"))
        self.attachments.retranslate()
        self._render()

    def show_record(self, record_id: str | None) -> None:
        """Load and show ``record_id`` (None clears the view)."""
        self.record = None
        if record_id and not self.access.closed:
            try:
                self.record = self.access.reader.get(record_id)
            except FieldappError as exc:
                self.heading.setText(user_message(exc))
        self.attachments.set_record(self.record.id if self.record else None)
        self._render()

    def _render(self) -> None:
        while self.fields.rowCount():
            self.fields.removeRow(0)
        while self.identity_fields.rowCount():
            self.identity_fields.removeRow(0)
        record = self.record
        for button in (self.edit_button, self.history_button):
            button.setEnabled(record is not None)
        self.testimony_button.setVisible(record is not None and record.kind == "incident")
        self.edit_button.setVisible(record is None or record.kind in EDITABLE_KINDS)
        self.identity_box.setVisible(bool(record and record.identity))
        self.attachments.setVisible(record is not None)
        if record is None:
            self.heading.setText(_("Choose a record in the list to see it here."))
            return
        self.heading.setText(_("{kind}: {title}").format(
            kind=_(KIND_LABELS.get(record.kind, record.kind)), title=record.title))
        body = record.body
        order = [k for k in FIELD_LABELS if k in body]
        order += sorted(k for k in body if k not in FIELD_LABELS)
        for key in order:
            value = body[key]
            if key in DATE_FIELDS:
                text = date_text(value)
            else:
                text = value_text(key, value)
            self._add(self.fields, field_label(key), text)
        if record.incident_ids:
            titles = []
            for incident_id in record.incident_ids:
                try:
                    titles.append(self.access.reader.get(incident_id).title)
                except FieldappError:
                    titles.append(incident_id)
            self._add(self.fields, field_label("incident_ids"), "\n".join(titles))
        self._add(self.fields, _("Status"), value_text("status", record.status))
        self._add(self.fields, _("Created by"), record.created_by)
        for key, value in (record.identity or {}).items():
            self._add(self.identity_fields, field_label(key), str(value))

    @staticmethod
    def _add(form: QFormLayout, label: str, text: str) -> None:
        name = QLabel(_("{label}:").format(label=label))
        value = QLabel(text)
        value.setWordWrap(True)
        value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        value.setAccessibleName(label)
        value.setProperty("user_data", True)  # typed by users: not for translation checks
        name.setBuddy(value)
        form.addRow(name, value)
