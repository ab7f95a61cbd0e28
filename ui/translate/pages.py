"""The desk's sidebar pages: "My assignments" (a translator: what is assigned to this
device, opened in the side-by-side editor) and "Assignments" (a coordinator: assign
testimonies, follow each assignment's state, open a translation beside the original, edit
the glossary)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.errors import FieldappError
from fieldapp.i18n import _, format_timestamp
from fieldapp.messages import user_message
from fieldapp.translations import Assignment

from ..forms.labels import field_label
from ..models.vault_access import VaultAccess
from .access import DeskAccess
from .compare import CompareDialog, translations_html
from .labels import language_name, record_label, state_name


class AssignmentTable(QTableWidget):
    """Assignments, one a row: record, languages, fields, who assigned it and when, who
    translates it, state."""

    opened = Signal(object)   # the Assignment (double click or Enter)

    COLUMNS = ("record", "languages", "fields", "translator", "assigned", "state")

    def __init__(self, parent: QWidget | None = None, *, show_translator: bool = True
                 ) -> None:
        super().__init__(0, len(self.COLUMNS), parent)
        self.assignments: list[Assignment] = []
        self.label: Callable[[Assignment], str] = record_label  # the page's, with summaries
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setTabKeyNavigation(False)
        self.setWordWrap(False)  # one line a row: a long summary ends in "…", whole on hover
        self.verticalHeader().hide()
        header = self.horizontalHeader()
        # the record takes the room left; the others fit their words (resizing them once
        # to their contents undid the stretch: the table stopped short of its right edge)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.setColumnHidden(3, not show_translator)
        self.setProperty("user_data", True)
        self.doubleClicked.connect(lambda _i: self._open())

    def keyPressEvent(self, event: Any) -> None:  # noqa: N802 - Qt override
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self._open()
            return
        super().keyPressEvent(event)

    def _open(self) -> None:
        chosen = self.current()
        if chosen is not None:
            self.opened.emit(chosen)

    def current(self) -> Assignment | None:
        row = self.currentRow()
        return self.assignments[row] if 0 <= row < len(self.assignments) else None

    def set_assignments(self, assignments: list[Assignment]) -> None:
        keep = self.current().id if self.current() is not None else None
        self.assignments = assignments
        self.setRowCount(len(assignments))
        for row, a in enumerate(assignments):
            title = self.label(a)
            fields = ", ".join(
                ("✓ " if f in a.done_fields else "") + field_label(f) for f in a.fields)
            cells = (title,
                     _("{source} → {target}").format(source=language_name(a.source_lang),
                                                     target=language_name(a.target_lang)),
                     fields, a.translator,
                     _("{coordinator}, {when}").format(coordinator=a.assigned_by,
                                                       when=format_timestamp(a.created_at)),
                     state_name(a.state) if not a.waiting
                     else _("{state} (waiting to be sent)").format(state=state_name(a.state)))
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 0:
                    item.setToolTip(text)
                self.setItem(row, column, item)
            if a.id == keep:
                self.selectRow(row)
        if self.currentRow() < 0 and assignments:
            self.selectRow(0)

    def retranslate(self) -> None:
        self.setHorizontalHeaderLabels([_("Record"), _("Languages"), _("Fields"),
                                        _("Translator"), _("Assigned by"), _("State")])
        self.setAccessibleName(_("Assignments"))
        self.set_assignments(self.assignments)


class MyAssignmentsPage(QWidget):
    """A translator's work: only what is assigned to this device."""

    editor_opened = Signal(object)

    def __init__(self, access: VaultAccess, parent: QWidget | None = None, *,
                 only_mine: bool = True) -> None:
        super().__init__(parent)
        self.access = access
        self.desk = DeskAccess(access)
        self.only_mine = only_mine  # False: every assignment held (the screenshots)
        self.editors: list[Any] = []
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = AssignmentTable(self, show_translator=False)
        self.table.label = lambda a: record_label(a, self.desk.about(a))
        layout.addWidget(self.table, 1)
        row = QHBoxLayout()
        self.empty = QLabel(self)
        self.empty.setWordWrap(True)
        row.addWidget(self.empty, 1)
        self.open_button = QPushButton(self)
        row.addWidget(self.open_button)
        layout.addLayout(row)
        self.open_button.clicked.connect(self.open_current)
        self.table.opened.connect(self.open_assignment)
        self.retranslate()

    def refresh(self) -> None:
        self.table.set_assignments(self.desk.assignments(mine=self.only_mine))
        self.empty.setVisible(not self.table.assignments)
        self.open_button.setEnabled(bool(self.table.assignments))

    def retranslate(self) -> None:
        self.intro.setText(_("What coordinators assigned to you. You see only the text to "
                             "translate, never who spoke. Open one to translate it beside "
                             "the original; your work is kept on this computer, encrypted, "
                             "until you send it."))
        self.empty.setText(_("Nothing is assigned to you yet. Assignments arrive with a "
                             "sync."))
        self.open_button.setText(_("&Translate"))
        self.table.retranslate()
        for editor in self.editors:
            editor.retranslate()

    def open_current(self) -> Any:
        chosen = self.table.current()
        return self.open_assignment(chosen) if chosen is not None else None

    def open_assignment(self, assignment: Assignment) -> Any:
        from .editor import TranslationEditor

        for editor in self.editors:
            if editor.assignment.id == assignment.id:
                editor.raise_()
                editor.activateWindow()
                return editor
        try:
            editor = TranslationEditor(self.desk, assignment, self.window())
        except FieldappError as exc:
            self.empty.setText(user_message(exc))
            self.empty.show()
            return None
        editor.sent.connect(lambda _rid: self.refresh())
        editor.finished.connect(lambda _r, e=editor: self._closed(e))
        self.editors.append(editor)
        editor.show()
        self.editor_opened.emit(editor)
        return editor

    def _closed(self, editor: Any) -> None:
        if editor in self.editors:
            self.editors.remove(editor)
        self.refresh()
        editor.deleteLater()

    def flush(self) -> None:
        for editor in self.editors:
            editor.flush()


class AssignmentsPage(QWidget):
    """A coordinator's view of translation work."""

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.desk = DeskAccess(access)
        self.dialog: Any = None
        self._empty_text = ""
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        buttons = QHBoxLayout()
        self.assign_button = QPushButton(self)
        self.compare_button = QPushButton(self)
        self.glossary_button = QPushButton(self)
        for button in (self.assign_button, self.compare_button, self.glossary_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.table = AssignmentTable(self)
        self.table.label = lambda a: record_label(a, self.desk.about(a))
        layout.addWidget(self.table, 1)
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        layout.addWidget(self.message)
        self.assign_button.clicked.connect(self.assign)
        self.compare_button.clicked.connect(self.compare_current)
        self.glossary_button.clicked.connect(self.edit_glossary)
        self.table.opened.connect(self.compare)
        self.retranslate()

    def refresh(self) -> None:
        self.table.set_assignments(self.desk.assignments())
        self.compare_button.setEnabled(bool(self.table.assignments))
        if not self.table.assignments:  # an empty table says what to do next
            self.message.setText(_("Nothing is assigned yet: “Assign to a translator…” gives "
                                   "testimonies or incidents to translate."))
        elif self.message.text() == self._empty_text:
            self.message.clear()
        self._empty_text = self.message.text() if not self.table.assignments else ""

    def retranslate(self) -> None:
        self.intro.setText(_("Testimonies and incidents given to translators: into which "
                             "language, which fields, and how far each one got. Translators "
                             "receive only the fields assigned, never the identity."))
        self.assign_button.setText(_("&Assign to a translator…"))
        self.compare_button.setText(_("&Open beside the original"))
        self.glossary_button.setText(_("&Glossary…"))
        self.table.retranslate()
        if not self.table.assignments:
            self.refresh()
        if self.dialog is not None:
            self.dialog.retranslate()

    def assign(self) -> Any:
        from .dialogs import AssignDialog

        self.dialog = AssignDialog(self.desk, self.window())
        self.dialog.assigned.connect(self._assigned)
        self.dialog.show()
        return self.dialog

    def _assigned(self, count: int) -> None:
        self.message.setText(_("Assigned; the translator receives the text at the next "
                               "sync."))
        self.refresh()

    def compare_current(self) -> Any:
        chosen = self.table.current()
        return self.compare(chosen) if chosen is not None else None

    def compare(self, assignment: Assignment) -> Any:
        def render() -> str:
            record = self.access.reader.get(assignment.record_id)
            return translations_html(record, self.desk.translations_of(record.id),
                                     self.desk.assignments(record_id=record.id))
        try:
            self.dialog = CompareDialog(render, self.table.label(assignment),
                                        self.window())
        except FieldappError as exc:
            self.message.setText(user_message(exc))
            return None
        self.dialog.show()
        return self.dialog

    def edit_glossary(self) -> Any:
        from .dialogs import GlossaryDialog

        self.dialog = GlossaryDialog(self.desk, self.window())
        self.dialog.show()
        return self.dialog
