"""What the incident and testimony editors share: rows with an error line under each
field, autosaved drafts, validation through the core, and saving on the ``db`` lane.

A draft is saved a moment after every change and every few seconds while the form is
dirty, and once more when the form closes, so a crash or a power cut loses at most the
last second of typing. Saving the record deletes its draft in the same background job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from fieldapp import model
from fieldapp.drafts import Draft
from fieldapp.errors import InvalidInput
from fieldapp.i18n import _
from fieldapp.messages import reason_text, user_message
from fieldapp.records import Record
from fieldapp.text import uuid7

from ..attachments import PendingFiles
from ..models.vault_access import SaveResult, VaultAccess
from ..window_size import fit
from .draft_offer import DraftOffer
from .fields import ERROR_STYLE, FieldError, follow_language
from .labels import FIELD_LABELS, field_label

DEBOUNCE_MS = 700
AUTOSAVE_MS = 4000

Getter = Callable[[], Any]
Setter = Callable[[Any], None]


class Row:
    """One field of a form: its label, its widget, its error line, how to read/write it."""

    def __init__(self, name: str, label: QLabel, widget: QWidget, error: FieldError,
                 get: Getter, set_: Setter, label_text: Callable[[], str]) -> None:
        self.name, self.label, self.widget, self.error = name, label, widget, error
        self.get, self.set, self.label_text = get, set_, label_text


class RecordEditor(QDialog):
    """Base of the editors: subclasses build their rows in `build()`."""

    saved = Signal(str)          # record id, after the save is committed
    draft_stored = Signal()      # after each durable autosave
    draft_taken = Signal(str)    # draft id restored or discarded here: others stop offering it
    KIND = ""
    PREFERRED_SIZE = QSize(760, 820)  # shrunk to the screen; the form scrolls inside

    def __init__(self, access: VaultAccess, record: Record | None = None,
                 offered_draft: Draft | Sequence[Draft] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(f"{self.KIND}Editor")
        self.access = access
        self.record = record
        self.draft_id = uuid7()
        self.rows: dict[str, Row] = {}
        self.aliases: dict[str, str] = {}  # error field → row that shows it
        self._loading = False
        self._dirty = False
        self._saving = False
        self.save_job: Any = None

        outer = QVBoxLayout(self)
        if isinstance(offered_draft, Draft):
            offered_draft = [offered_draft]
        self.offer = DraftOffer(self.KIND, offered_draft or [], self)
        self.offer.restore_requested.connect(self._restore_draft)
        self.offer.discard_requested.connect(self._discard_offered)
        # The names older callers and tests know.
        self.banner, self.banner_text = self.offer, self.offer.text
        self.restore_button = self.offer.restore_button
        self.discard_offered_button = self.offer.discard_button
        outer.addWidget(self.offer)

        scroll = self.scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        self.content = QWidget(scroll)
        self.form = QFormLayout(self.content)
        self.form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        scroll.setWidget(self.content)
        outer.addWidget(scroll, 1)

        self.message = QLabel(self)
        self.message.setWordWrap(True)
        self.message.setStyleSheet(ERROR_STYLE)
        self.message.hide()
        outer.addWidget(self.message)
        self.draft_status = QLabel(self)
        outer.addWidget(self.draft_status)

        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Save)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.discard_button = self.buttons.addButton(
            "", QDialogButtonBox.ButtonRole.DestructiveRole)
        self.save_button.clicked.connect(self.save)
        self.close_button.clicked.connect(self.close)
        self.discard_button.clicked.connect(self.discard_draft)
        outer.addWidget(self.buttons)
        QShortcut(QKeySequence.StandardKey.Save, self, activated=self.save)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self.autosave)
        self._periodic = QTimer(self)
        self._periodic.setInterval(AUTOSAVE_MS)
        self._periodic.timeout.connect(self.autosave)
        self._periodic.start()

        self.pending = PendingFiles(self)
        self.build()
        self.add_widget_row("attachments", self.pending,
                            lambda: _("Photos, recordings and documents:"))
        self.pending.changed.connect(self.mark_dirty)
        self.setAcceptDrops(True)
        if record is not None:
            self._loading = True
            self.fill(record.body, record)
            self._loading = False
        follow_language(self, self.retranslate)
        fit(self, self.PREFERRED_SIZE)
        self.retranslate()

    # --- building rows (used by subclasses) -------------------------------------------
    def build(self) -> None:
        raise NotImplementedError

    def fill(self, body: dict[str, Any], record: Record | None) -> None:
        """Put a stored body (or a draft's data) into the widgets; fields absent from
        ``body`` are emptied (a restored draft may have emptied them)."""
        for name, row in self.rows.items():
            if name not in ("_counts", "attachments"):
                row.set(body.get(name))

    def add_row(self, name: str, widget: QWidget, get: Getter, set_: Setter,
                changed: Any = None, label_text: Callable[[], str] | None = None) -> Row:
        label = QLabel(self.content)
        label.setBuddy(widget)
        error = FieldError(self.content)
        box = QWidget(self.content)
        box_layout = QVBoxLayout(box)
        box_layout.setContentsMargins(0, 0, 0, 0)
        box_layout.addWidget(widget)
        box_layout.addWidget(error)
        self.form.addRow(label, box)
        row = Row(name, label, widget, error, get, set_,
                  label_text or (lambda: _("{label}:").format(label=field_label(name))))
        self.rows[name] = row
        if changed is not None:
            changed.connect(self.mark_dirty)
        return row

    def add_widget_row(self, name: str, widget: QWidget,
                       label_text: Callable[[], str]) -> Row:
        return self.add_row(name, widget, lambda: None, lambda _v: None,
                            label_text=label_text)

    def add_line(self, name: str, placeholder: Callable[[], str] | None = None) -> QLineEdit:
        edit = QLineEdit(self.content)
        self.add_row(name, edit, lambda: edit.text().strip(),
                     lambda v: edit.setText("" if v is None else str(v)), edit.textChanged)
        if placeholder:
            self._placeholders.append((edit, placeholder))
        return edit

    def add_text(self, name: str, lines: int = 6) -> QPlainTextEdit:
        edit = QPlainTextEdit(self.content)
        edit.setTabChangesFocus(True)
        edit.setMinimumHeight(edit.fontMetrics().lineSpacing() * lines)
        if lines <= 4:
            edit.setMaximumHeight(edit.fontMetrics().lineSpacing() * lines * 2)
        self.add_row(name, edit, lambda: edit.toPlainText().strip(),
                     lambda v: edit.setPlainText("" if v is None else str(v)),
                     edit.textChanged)
        return edit

    def add_check(self, name: str) -> QCheckBox:
        box = QCheckBox(self.content)
        self.add_row(name, box, box.isChecked, lambda v: box.setChecked(bool(v)),
                     box.toggled)
        return box

    @property
    def _placeholders(self) -> list[tuple[QLineEdit, Callable[[], str]]]:
        if not hasattr(self, "_placeholder_list"):
            self._placeholder_list: list[tuple[QLineEdit, Callable[[], str]]] = []
        return self._placeholder_list

    # --- reading the form -------------------------------------------------------------
    def collect(self) -> dict[str, Any]:
        """The form as a record body (empty fields left out); may hold invalid values,
        which validation then names."""
        data: dict[str, Any] = {}
        for name, row in self.rows.items():
            value = row.get()
            if value is None or value == "" or value == [] or value == {}:
                continue
            if isinstance(value, dict) and name == "_counts":
                data.update(value)
                continue
            data[name] = value
        return data

    def draft_body(self) -> dict[str, Any]:
        return {"data": self.collect(), "files": self.pending.files()}

    # --- drafts -----------------------------------------------------------------------
    def mark_dirty(self, *_args: Any) -> None:
        if self._loading or self._saving:
            return
        self._dirty = True
        self._debounce.start()

    @property
    def dirty(self) -> bool:
        return self._dirty

    def autosave(self) -> Any:
        """Store the draft now if anything changed since the last one; returns the job."""
        if not self._dirty or self._saving or self.access.closed:
            return None
        self._dirty = False
        record_id = self.record.id if self.record else None
        return self.access.save_draft(self.draft_id, self.KIND, record_id,
                                      self.draft_body(), on_done=self._draft_done)

    def _draft_done(self, ok: Any) -> None:
        try:
            if ok is False:
                self._dirty = True
                return
            self.draft_status.setText(_("Draft saved on this computer (encrypted)."))
            self.draft_stored.emit()
        except RuntimeError:  # the form was closed and deleted meanwhile: nothing to show
            pass

    @property
    def offered_draft(self) -> Draft | None:
        """The draft chosen in the offer (None when nothing is offered any more)."""
        return self.offer.current

    def restore_offered_draft(self) -> None:
        """Put the chosen draft in the form; this form then keeps writing to it."""
        self.offer.restore()

    def discard_offered_draft(self) -> None:
        """Delete the chosen draft; the other drafts stay offered."""
        self.offer.discard()

    def _restore_draft(self, draft: Draft) -> None:
        self.draft_id = draft.id
        self._loading = True
        self.fill(draft.body.get("data", {}), self.record)
        self.pending.set_files(draft.body.get("files", []))
        self._loading = False
        self.draft_taken.emit(draft.id)
        self._focus_first_field()

    def _discard_offered(self, draft: Draft) -> None:
        self.access.delete_draft(draft.id)
        self.draft_taken.emit(draft.id)
        if not self.offer.drafts:
            self._focus_first_field()

    def _focus_first_field(self) -> None:
        next(iter(self.rows.values())).widget.setFocus(Qt.FocusReason.OtherFocusReason)

    def discard_draft(self) -> None:
        """Throw away what was typed (after the user asked to)."""
        self._dirty = False
        self._saving = True
        self._stop_timers()
        self.access.delete_draft(self.draft_id)
        self.hide()
        self.done(QDialog.DialogCode.Rejected)

    # --- validation and saving --------------------------------------------------------
    def clear_errors(self) -> None:
        for row in self.rows.values():
            row.error.show_message("")
        self.message.hide()

    def show_error(self, exc: BaseException) -> None:
        """Put the message next to the field it names (or above the buttons)."""
        if isinstance(exc, InvalidInput):
            name = str(exc.params.get("field", ""))
            key = self.aliases.get(name, name.split(".")[0])
            key = self.aliases.get(key, key)
            row = self.rows.get(key)
            if row is not None:
                text = reason_text(exc.params.get("reason"))
                if name != key:
                    text = _("{field}: {reason}").format(field=field_label(name),
                                                         reason=text)
                row.error.show_message(text)
                self.focus_field(row, name)
                return
        self.message.setText(user_message(exc))
        self.message.show()

    def focus_field(self, row: Row, name: str) -> None:
        """Put the cursor in the field in error (the minimum or maximum box named, not
        the first box of the group) and scroll it into view."""
        focus_part = getattr(row.widget, "focus_part", None)
        if callable(focus_part):
            focus_part(name)
        else:
            row.widget.setFocus(Qt.FocusReason.OtherFocusReason)
        target = QApplication.focusWidget() if self.isActiveWindow() else None
        if target is None or not self.content.isAncestorOf(target):
            target = row.widget
        self.scroll.ensureWidgetVisible(target)
        self.scroll.ensureWidgetVisible(row.error)

    def validate(self, data: dict[str, Any]) -> None:
        """Raise `InvalidInput` for the first field the core refuses."""
        body = model.validate(self.KIND, dict(data))
        body.pop("incident_ids", None)
        identity = body.pop("identity", None)
        model.check_consistency(self.KIND, model.normalise(self.KIND, body))
        if identity:
            model.validate("identity", identity)

    def patch_for(self, data: dict[str, Any]) -> dict[str, Any]:
        """For an edit: the new body, plus null for every field the user emptied."""
        assert self.record is not None
        patch = dict(data)
        for key in self.record.body:
            if key not in patch and key in model.SCHEMAS[self.KIND].fields:
                patch[key] = None
        if self.record.identity and "identity" in self.rows:
            identity = dict(data.get("identity", {}))
            for key in self.record.identity:
                identity.setdefault(key, None)
            patch["identity"] = identity
        if "incident_ids" in self.rows and "incident_ids" not in patch:
            patch["incident_ids"] = []
        return patch

    def save(self) -> Any:
        """Validate, then write on the db lane; returns the job (None if refused)."""
        if self._saving:
            return None
        self.clear_errors()
        data = self.collect()
        try:
            self.validate(data)
        except InvalidInput as exc:
            self.show_error(exc)
            return None
        payload = self.patch_for(data) if self.record else data
        self._saving = True
        self._stop_timers()
        self.save_button.setEnabled(False)
        self.save_job = self.access.save_record(
            self.KIND, self.record.id if self.record else None, payload, self.draft_id,
            self.pending.files(), on_done=self._saved, on_error=self._save_failed)
        return self.save_job

    def _saved(self, result: SaveResult) -> None:
        self._dirty = False
        self.save_button.setEnabled(True)
        if result.refused:
            lines = [user_message(exc) for _path, exc in result.refused]
            self.message.setText("\n".join(lines))
            self.message.show()
        self.saved.emit(result.record_id)
        if not result.refused:
            self.hide()
            self.done(QDialog.DialogCode.Accepted)

    def _save_failed(self, exc: BaseException) -> None:
        self._saving = False
        self.save_button.setEnabled(True)
        self._periodic.start()
        self._dirty = True
        self.show_error(exc)

    def showEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        """Keyboard users start in the first field (or on "Restore the draft")."""
        super().showEvent(event)
        if not getattr(self, "_focused_once", False):
            self._focused_once = True
            if self.offer.drafts:
                self.offer.list.setFocus(Qt.FocusReason.OtherFocusReason)
            else:
                self._focus_first_field()

    # --- closing ----------------------------------------------------------------------
    def _stop_timers(self) -> None:
        self._debounce.stop()
        self._periodic.stop()

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802 - Qt override
        self.flush()
        super().closeEvent(event)

    def reject(self) -> None:
        self.flush()
        super().reject()

    def flush(self) -> Any:
        """Save the draft one last time (closing keeps it; nothing typed is lost)."""
        self._stop_timers()
        return self.autosave()

    # --- drag and drop ----------------------------------------------------------------
    def dragEnterEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.pending.dragEnterEvent(event)

    def dropEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        self.pending.dropEvent(event)

    # --- language ---------------------------------------------------------------------
    def retranslate(self) -> None:
        for row in self.rows.values():
            row.label.setText(row.label_text())
            if row.name in FIELD_LABELS:
                row.widget.setAccessibleName(field_label(row.name))
            if hasattr(row.widget, "retranslate"):
                row.widget.retranslate()
        for edit, placeholder in self._placeholders:
            edit.setPlaceholderText(placeholder())
        self.save_button.setText(_("&Save"))
        self.close_button.setText(_("&Close (keeps the draft)"))
        self.discard_button.setText(_("&Discard draft"))
        self.offer.retranslate()
        self.pending.retranslate()
        self.retranslate_title()

    def retranslate_title(self) -> None:
        pass
