"""One record, read-only: its fields in words, the identity apart, its attachments."""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp import review_queue, translations
from fieldapp.errors import FieldappError
from fieldapp.i18n import N_, _, format_timestamp
from fieldapp.messages import user_message
from fieldapp.records import Record

from ..attachments import AttachmentsPanel
from ..forms.labels import FIELD_LABELS, KIND_LABELS, field_label, value_text
from ..icons import icon
from ..keys import keys_text
from ..models.records import date_text
from ..models.vault_access import VaultAccess

DATE_FIELDS = ("occurred_on", "interview_date")
EDITABLE_KINDS = ("incident", "testimony", "person")


class RecordView(QWidget):
    """The record chosen in a list, with Edit, History and (incidents) Add testimony."""

    edit_requested = Signal(str)
    history_requested = Signal(str)
    testimony_requested = Signal(str)

    def __init__(self, access: VaultAccess, parent: QWidget | None = None,
                 empty_text: str = N_("Choose a record in the list to see it here.")
                 ) -> None:
        super().__init__(parent)
        self.access = access
        self.empty_text = empty_text  # untranslated; shown while no record is chosen
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
        self.edit_button = QPushButton(icon("edit"), "", self)
        self.history_button = QPushButton(icon("history"), "", self)
        self.testimony_button = QPushButton(icon("new_testimony"), "", self)
        for button in (self.edit_button, self.history_button, self.testimony_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        split = QSplitter(Qt.Orientation.Vertical, self)
        self.fields = QTextBrowser(split)
        self.fields.setOpenLinks(False)
        self.fields.setProperty("user_data", True)  # record contents, typed by users
        self.attachments = AttachmentsPanel(access, split)
        split.setStretchFactor(0, 3)
        split.setStretchFactor(1, 1)
        layout.addWidget(split, 1)
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
        self.edit_button.setToolTip(_("Edit this record ({keys})").format(
            keys=keys_text("Ctrl+E")))
        self.history_button.setToolTip(_("See and compare earlier versions ({keys})").format(
            keys=keys_text("Ctrl+H")))
        self.fields.setAccessibleName(_("Record details"))
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
        record = self.record
        for button in (self.edit_button, self.history_button):
            button.setEnabled(record is not None)
        self.testimony_button.setVisible(record is not None and record.kind == "incident")
        self.edit_button.setVisible(record is None or record.kind in EDITABLE_KINDS)
        self.attachments.setVisible(record is not None)
        if record is None:
            self.heading.setText(_(self.empty_text))
            self.fields.clear()
            return
        self.heading.setText(_("{kind}: {title}").format(
            kind=_(KIND_LABELS.get(record.kind, record.kind)), title=record.title))
        self.fields.setHtml(self.details_html(record))

    def rows(self, record: Record) -> list[tuple[str, str]]:
        """(label, text) of every field shown, in the form's order."""
        body = record.body
        order = [k for k in FIELD_LABELS if k in body]
        order += sorted(k for k in body if k not in FIELD_LABELS)
        rows = [(field_label(k), date_text(body[k]) if k in DATE_FIELDS
                 else value_text(k, body[k])) for k in order]
        if record.incident_ids:
            titles = []
            for incident_id in record.incident_ids:
                try:
                    titles.append(self.access.reader.get(incident_id).title)
                except FieldappError:
                    titles.append(incident_id)
            rows.append((field_label("incident_ids"), "\n".join(titles)))
        rows.append((_("Status"), value_text("status", record.status)))
        rows.append((_("Created by"), record.created_by))
        return rows

    def review_rows(self, record: Record) -> list[tuple[str, str]]:
        """The latest review's note (what is needed, for "needs more information") and
        the record it duplicates, as the coordinator wrote them."""
        review = review_queue.latest(self.access.reader.conn, record.id)
        if review is None:
            return []
        rows = []
        if review.duplicate_of:
            try:
                title = self.access.reader.get(review.duplicate_of).title
            except FieldappError:
                title = _("a record not on this device ({id})").format(
                    id=review.duplicate_of[:8])
            rows.append((_("Duplicate of"), title))
        if review.note:
            label = (_("What is needed") if review.status == "needs-info"
                     else _("Coordinator's note"))
            rows.append((label, _("{note}\n— {reviewer}, {when}").format(
                note=review.note, reviewer=review.reviewer,
                when=format_timestamp(review.created_at))))
        return rows

    def translations_html(self, record: Record) -> str:
        """Its narrative beside each translation, with translator and date; missing ones
        said so."""
        from ..translate.compare import translations_html

        conn = self.access.reader_vault.conn
        return translations_html(record, translations.translations_of(conn, record.id),
                                 translations.assignments(conn, record_id=record.id),
                                 compact=True)

    def details_html(self, record: Record) -> str:
        def table(rows: list[tuple[str, str]]) -> str:
            cells = "".join(
                f"<tr><td style='padding:3px 12px 3px 0; color:#444; white-space:nowrap'>"
                f"<b>{escape(label)}</b></td><td style='padding:3px 0'>"
                f"{escape(text).replace(chr(10), '<br>')}</td></tr>"
                for label, text in rows)
            return f"<table cellspacing='0'>{cells}</table>"

        html = table(self.rows(record))
        review = self.review_rows(record)
        latest = review_queue.latest(self.access.reader.conn, record.id) if review else None
        if latest is not None:  # the coordinators' word first: what is needed, or the
            heading = escape(value_text("status", latest.status))  # record it repeats
            html = (f"<div style='background:#eef4ff; padding:6px'><b>{heading}</b>"
                    f"{table(review)}</div><br>" + html)
        html += self.translations_html(record)
        if record.identity:
            if self.access.role == "coordinator":
                title = escape(_("Identity — coordinators only"))
                note = escape(_("Only coordinators can read this section."))
            else:  # the monitor who wrote it reads it here: say where it goes
                title = escape(_("Identity — sent to coordinators only"))
                note = escape(_("Kept on this device and sent only to the coordinators: "
                                "no other monitor and no translator receives it."))
            rows = [(field_label(k), str(v)) for k, v in record.identity.items()]
            html += (f"<h3 style='color:#8a4b00; margin-top:16px'>{title}</h3>"
                     f"<p style='color:#8a4b00'>{note}</p>"
                     f"<div style='background:#fff8ef'>{table(rows)}</div>")
        return html
