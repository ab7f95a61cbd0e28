"""The review panel beside the queue: a status (one key each), a note, a confidence, the
record's review history, and its likely duplicates side by side."""

from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from fieldapp import duplicates, review_queue
from fieldapp.errors import FieldappError
from fieldapp.i18n import N_, _, format_timestamp
from fieldapp.messages import user_message
from fieldapp.records import Record

from ..forms.fields import ChoiceBox
from ..forms.labels import FIELD_LABELS, KIND_LABELS, REVIEW_STATUSES, field_label, value_text
from ..models.records import date_text
from ..models.vault_access import VaultAccess

# The statuses a review gives, each with its key in the queue.
STATUS_KEYS: tuple[tuple[str, str], ...] = (
    ("verified", "1"), ("needs-info", "2"), ("unsubstantiated", "3"), ("duplicate", "4"))
CONFIDENCE_LABELS: dict[str, str] = {"low": N_("Low"), "medium": N_("Medium"),
                                     "high": N_("High")}
DATE_FIELDS = ("occurred_on", "interview_date")


def review_line(review: review_queue.Review, titles: dict[str, str] | None = None) -> str:
    """One review in words: "Needs more information — Coord-1, 3 June 2024: …"."""
    text = _("{status} — {reviewer}, {when}").format(
        status=value_text("status", review.status), reviewer=review.reviewer,
        when=format_timestamp(review.created_at))
    if review.confidence:
        text += " · " + _("confidence: {level}").format(
            level=_(CONFIDENCE_LABELS.get(review.confidence, review.confidence)))
    if review.duplicate_of:
        title = (titles or {}).get(review.duplicate_of) or review.duplicate_of
        text += "\n" + _("Duplicate of: {title}").format(title=title)
    if review.note:
        text += "\n" + review.note
    return text


def side_by_side_html(left: Record, right: Record) -> str:
    """Two records field by field, the fields that differ marked."""
    keys = [k for k in FIELD_LABELS if k in left.body or k in right.body]
    keys += sorted(k for k in {*left.body, *right.body} if k not in FIELD_LABELS)

    def text(body: dict[str, Any], key: str) -> str:
        if key not in body:
            return ""
        return date_text(body[key]) if key in DATE_FIELDS else value_text(key, body[key])

    rows = []
    for key in keys:
        a, b = text(left.body, key), text(right.body, key)
        mark = " style='background:#fff4d6'" if a != b else ""
        rows.append(f"<tr{mark}><td style='padding:3px 8px 3px 0'><b>"
                    f"{escape(field_label(key))}</b></td>"
                    f"<td style='padding:3px 8px'>{escape(a)}</td>"
                    f"<td style='padding:3px 8px'>{escape(b)}</td></tr>")
    this, other = escape(_("This record")), escape(_("Possible duplicate"))
    head = (f"<tr><th></th><th align='left'>{this}</th>"
            f"<th align='left'>{other}</th></tr>")
    return f"<table cellspacing='0'>{head}{''.join(rows)}</table>"


class ReviewForm(QWidget):
    """Status, note and confidence for the chosen records, and the button that saves."""

    save_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.target = QLabel(self)
        self.target.setWordWrap(True)
        layout.addWidget(self.target)
        grid = QGridLayout()  # two by two: fits beside the queue on a 1024 px screen
        self.statuses = QButtonGroup(self)
        self.buttons: dict[str, QRadioButton] = {}
        for n, (status, _key) in enumerate(STATUS_KEYS):
            button = QRadioButton(self)
            self.buttons[status] = button
            self.statuses.addButton(button)
            grid.addWidget(button, n // 2, n % 2)
        layout.addLayout(grid)
        self.duplicate_label = QLabel(self)
        self.duplicate_label.setWordWrap(True)
        layout.addWidget(self.duplicate_label)
        self.note_label = QLabel(self)
        self.note = QPlainTextEdit(self)
        self.note.setTabChangesFocus(True)
        self.note.setMaximumHeight(self.fontMetrics().height() * 5)
        self.note_label.setBuddy(self.note)
        layout.addWidget(self.note_label)
        layout.addWidget(self.note)
        bottom = QHBoxLayout()
        self.confidence_label = QLabel(self)
        self.confidence = ChoiceBox(CONFIDENCE_LABELS, parent=self,
                                    blank_text=N_("(not said)"))
        self.confidence_label.setBuddy(self.confidence)
        self.save_button = QPushButton(self)
        self.save_button.setDefault(True)
        bottom.addWidget(self.confidence_label)
        bottom.addWidget(self.confidence)
        bottom.addStretch(1)
        bottom.addWidget(self.save_button)
        layout.addLayout(bottom)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.duplicate_of: str | None = None
        self.duplicate_title = ""
        self.save_button.clicked.connect(self.save_requested)
        self.statuses.buttonToggled.connect(lambda *_a: self._update())
        self.retranslate()

    def status(self) -> str | None:
        return next((s for s, b in self.buttons.items() if b.isChecked()), None)

    def set_status(self, status: str | None) -> None:
        self.statuses.setExclusive(False)
        for code, button in self.buttons.items():
            button.setChecked(code == status)
        self.statuses.setExclusive(True)
        self._update()

    def set_duplicate_of(self, record_id: str | None, title: str = "") -> None:
        self.duplicate_of, self.duplicate_title = record_id, title
        if record_id:
            self.set_status("duplicate")
        self._update()

    def clear(self) -> None:
        self.set_status(None)
        self.note.clear()
        self.confidence.set_value(None)
        self.duplicate_of, self.duplicate_title = None, ""
        self.message.clear()
        self._update()

    def _update(self) -> None:
        status = self.status()
        if status == "duplicate":
            self.duplicate_label.setText(
                _("Duplicate of: {title}").format(title=self.duplicate_title)
                if self.duplicate_of else
                _("Choose the record it repeats under “Possible duplicates”."))
        self.duplicate_label.setVisible(status == "duplicate")
        self.note.setPlaceholderText(
            _("Say what is needed: the monitor reads this note.")
            if status == "needs-info" else _("A note for the monitor (optional)."))

    def retranslate(self) -> None:
        for status, key in STATUS_KEYS:
            self.buttons[status].setText(_("{status} ({key})").format(
                status=_(REVIEW_STATUSES[status]), key=key))
        self.note_label.setText(_("&Note:"))
        self.confidence_label.setText(_("&Confidence:"))
        self.confidence.retranslate()
        self.save_button.setText(_("&Save the review"))
        self.save_button.setToolTip(_("Save the review and go to the next record "
                                      "(Ctrl+Enter)"))
        self._update()


class ReviewPanel(QWidget):
    """The chosen record(s): details, review history, duplicates, and the review form."""

    reviewed = Signal(list)   # record ids just reviewed

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        from PySide6.QtWidgets import QTabWidget

        self.access = access
        self.record_ids: list[str] = []
        self.record: Record | None = None
        self.candidates: list[duplicates.Candidate] = []
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget(self)
        self.details = QTextBrowser(self.tabs)
        self.details.setProperty("user_data", True)
        self.history = QTextBrowser(self.tabs)
        self.history.setProperty("user_data", True)
        self.dup_page = QWidget(self.tabs)
        dup_layout = QVBoxLayout(self.dup_page)
        dup_layout.setContentsMargins(0, 0, 0, 0)
        split = QSplitter(Qt.Orientation.Vertical, self.dup_page)
        self.dup_table = QTableWidget(0, 4, split)
        self.dup_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.dup_table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.dup_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.dup_table.verticalHeader().hide()
        self.dup_table.horizontalHeader().setStretchLastSection(True)
        self.compare = QTextBrowser(split)
        self.compare.setProperty("user_data", True)
        dup_layout.addWidget(split, 1)
        self.mark_button = QPushButton(self.dup_page)
        dup_layout.addWidget(self.mark_button)
        self.tabs.addTab(self.details, "")
        self.tabs.addTab(self.history, "")
        self.tabs.addTab(self.dup_page, "")
        layout.addWidget(self.tabs, 1)
        self.form = ReviewForm(self)
        layout.addWidget(self.form)
        self.dup_table.currentCellChanged.connect(lambda row, *_a: self._compare(row))
        self.mark_button.clicked.connect(self.mark_duplicate)
        self.tabs.currentChanged.connect(lambda _i: self._load_duplicates())
        self.form.save_requested.connect(self.save)
        self._dups_for: str | None = None
        self.retranslate()
        self.show_records([])

    # --- showing ----------------------------------------------------------------------
    def show_records(self, record_ids: list[str]) -> None:
        self.record_ids = list(record_ids)
        self.record = None
        self.candidates = []
        self._dups_for = None
        self.form.clear()
        if len(record_ids) == 1 and not self.access.closed:
            try:
                self.record = self.access.reader.get(record_ids[0])
            except FieldappError as exc:
                self.form.message.setText(user_message(exc))
        self._render()
        if self.tabs.currentWidget() is self.dup_page:
            self._load_duplicates()

    def _render(self) -> None:
        n = len(self.record_ids)
        self.form.setEnabled(n > 0)
        self.tabs.setTabEnabled(2, self.record is not None)
        if self.record is None:
            self.details.setPlainText(
                _("{n} records chosen: the review below is given to each.").format(n=n)
                if n > 1 else _("Choose a record in the queue to review it."))
            self.history.clear()
            self.form.target.setText(
                _("Review of {n} records").format(n=n) if n > 1 else "")
            self._fill_duplicates()
            return
        record = self.record
        self.form.target.setText(_("Review of “{title}”").format(title=record.title))
        rows = [(_("Kind"), _(KIND_LABELS.get(record.kind, record.kind))),
                (_("Status"), value_text("status", record.status)),
                (_("Created by"), record.created_by)]
        keys = [k for k in FIELD_LABELS if k in record.body]
        keys += sorted(k for k in record.body if k not in FIELD_LABELS)
        rows += [(field_label(k), date_text(record.body[k]) if k in DATE_FIELDS
                  else value_text(k, record.body[k])) for k in keys]
        self.details.setHtml("<table cellspacing='0'>" + "".join(
            f"<tr><td style='padding:3px 10px 3px 0'><b>{escape(a)}</b></td>"
            f"<td>{escape(b).replace(chr(10), '<br>')}</td></tr>" for a, b in rows)
            + "</table>")
        reviews = review_queue.history(self.access.reader.conn, record.id)
        titles = self._titles(r.duplicate_of for r in reviews if r.duplicate_of)
        self.history.setPlainText("\n\n".join(review_line(r, titles) for r in reviews)
                                  if reviews else _("Not reviewed yet."))
        self._fill_duplicates()

    def _titles(self, ids: Any) -> dict[str, str]:
        titles = {}
        for record_id in ids:
            try:
                titles[record_id] = self.access.reader.get(record_id).title
            except FieldappError:
                continue
        return titles

    # --- duplicates -------------------------------------------------------------------
    def _load_duplicates(self) -> None:
        """Rank candidates when the tab is shown (not for every record walked past)."""
        if (self.record is None or self._dups_for == self.record.id
                or self.tabs.currentWidget() is not self.dup_page or self.access.closed):
            return
        self._dups_for = self.record.id
        self.candidates = duplicates.candidates(self.access.reader.conn, self.record.id)
        self._fill_duplicates()
        if self.candidates:
            self.dup_table.selectRow(0)

    def _fill_duplicates(self) -> None:
        self.dup_table.setRowCount(len(self.candidates))
        for row, cand in enumerate(self.candidates):
            s = cand.summary
            cells = (s.title, date_text(s.occurred_on),
                     _("{km} km").format(km=cand.km) if cand.km is not None else "",
                     _("{percent} %").format(percent=round(cand.score * 100)))
            for column, text in enumerate(cells):
                self.dup_table.setItem(row, column, QTableWidgetItem(text))
        self.mark_button.setEnabled(bool(self.candidates))
        if not self.candidates:
            self.compare.setPlainText(_("No likely duplicate found.")
                                      if self._dups_for else "")

    def _compare(self, row: int) -> None:
        if self.record is None or not 0 <= row < len(self.candidates):
            return
        try:
            other = self.access.reader.get(self.candidates[row].summary.id)
        except FieldappError as exc:
            self.compare.setPlainText(user_message(exc))
            return
        self.compare.setHtml(side_by_side_html(self.record, other))

    def mark_duplicate(self) -> None:
        """The chosen candidate is what this record repeats."""
        row = self.dup_table.currentRow()
        if 0 <= row < len(self.candidates):
            summary = self.candidates[row].summary
            self.form.set_duplicate_of(summary.id, summary.title)

    # --- saving -----------------------------------------------------------------------
    def save(self) -> Any:
        status = self.form.status()
        if not self.record_ids:
            return None
        if status is None:
            self.form.message.setText(_("Choose a status first (keys 1 to 4)."))
            return None
        if status == "duplicate" and not self.form.duplicate_of:
            self.form.message.setText(_("Choose the record it repeats under “Possible "
                                        "duplicates”."))
            return None
        if status == "needs-info" and not self.form.note.toPlainText().strip():
            self.form.message.setText(_("Say in the note what is needed: the monitor "
                                        "reads it."))
            self.form.note.setFocus()
            return None
        ids = list(self.record_ids)
        self.form.message.setText(_("Saving…"))
        self.form.save_button.setEnabled(False)

        def done(_result: Any) -> None:
            self.form.save_button.setEnabled(True)
            self.form.message.clear()
            self.reviewed.emit(ids)

        def failed(exc: BaseException) -> None:
            self.form.save_button.setEnabled(True)
            self.form.message.setText(user_message(exc))

        return self.access.ops.run(
            review_queue.review_many, self.access.writer_vault.conn, self.access.pseudonym,
            ids, status, note=self.form.note.toPlainText(),
            confidence=self.form.confidence.value(),
            duplicate_of=self.form.duplicate_of if status == "duplicate" else None,
            on_done=done, on_error=failed, lane="db")

    def retranslate(self) -> None:
        self.tabs.setTabText(0, _("Record"))
        self.tabs.setTabText(1, _("Review history"))
        self.tabs.setTabText(2, _("Possible duplicates"))
        self.dup_table.setHorizontalHeaderLabels(
            [_("Title"), _("Date"), _("Distance"), _("Likeness")])
        self.dup_table.setAccessibleName(_("Possible duplicates"))
        self.mark_button.setText(_("&Mark as duplicate of the chosen record"))
        self.details.setAccessibleName(_("Record details"))
        self.history.setAccessibleName(_("Review history"))
        self.form.retranslate()
        self._render()
