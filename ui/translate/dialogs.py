"""The coordinator's dialogs: assign records to a translator (one or several, a target
language, the fields), and edit the project's glossary."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import _
from fieldapp.messages import user_message
from fieldapp.text import fold
from fieldapp.translations import TARGET_LANGS

from ..forms.labels import KIND_LABELS, field_label
from .access import DeskAccess
from .labels import language_name, short_text

TRANSLATABLE = ("text", "summary", "title", "description")
MAX_LISTED = 500


def choice_label(title: str, summary: str, assigned: list[str]) -> str:
    """A record in the assign list: its title (a testimony's witness code), the languages
    it is already assigned into (before the summary, which a narrow dialog cuts), and its
    summary."""
    label = title
    if assigned:
        label = _("{label} (already assigned: {languages})").format(
            label=label, languages=", ".join(language_name(lang) for lang in assigned))
    if summary and summary != title:
        label = _("{title} — {summary}").format(title=label, summary=short_text(summary, 70))
    return label


class AssignDialog(QDialog):
    """Choose records, a translator, a language and fields; "Assign" queues it all."""

    assigned = Signal(int)   # how many records

    def __init__(self, desk: DeskAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("assignDialog")
        self.desk = desk
        self.keep_alive: object = None
        layout = QVBoxLayout(self)
        self.records_label = QLabel(self)
        self.records_label.setWordWrap(True)
        layout.addWidget(self.records_label)
        self.filter = QLineEdit(self)
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self._filter)
        layout.addWidget(self.filter)
        self.records = QListWidget(self)
        self.records.setProperty("user_data", True)
        self.records.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.records_label.setBuddy(self.records)
        reader = desk.access.reader
        for kind in ("testimony", "incident"):
            listed = reader.list(kind, limit=MAX_LISTED)
            about = desk.choices_about([r.id for r in listed])
            for summary in listed:
                item = QListWidgetItem(self.records)
                item.setData(Qt.ItemDataRole.UserRole, summary.id)
                item.setData(Qt.ItemDataRole.UserRole + 1, kind)
                item.setData(Qt.ItemDataRole.UserRole + 2, (summary.title or summary.id[:8],)
                             + about.get(summary.id, ("", [])))
                item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
                item.setCheckState(Qt.CheckState.Unchecked)
        layout.addWidget(self.records, 1)
        form = QFormLayout()
        self.translator = QComboBox(self)
        self.translator.addItems(desk.translators())
        self.translator.setProperty("user_data", True)
        self.language = QComboBox(self)
        for lang in TARGET_LANGS:
            self.language.addItem("", lang)
        self.language.setCurrentIndex(self.language.findData("en"))
        self.translator_label, self.language_label = QLabel(self), QLabel(self)
        self.translator_label.setBuddy(self.translator)
        self.language_label.setBuddy(self.language)
        form.addRow(self.translator_label, self.translator)
        form.addRow(self.language_label, self.language)
        fields = QHBoxLayout()
        self.fields: dict[str, QCheckBox] = {}
        for name in TRANSLATABLE:
            box = QCheckBox(self)
            box.setChecked(name in ("text", "summary", "description"))
            self.fields[name] = box
            fields.addWidget(box)
        fields.addStretch(1)
        self.fields_label = QLabel(self)
        form.addRow(self.fields_label, fields)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.assign_button = QPushButton(self)
        self.cancel_button = QPushButton(self)
        row.addWidget(self.assign_button)
        row.addWidget(self.cancel_button)
        layout.addLayout(row)
        self.assign_button.clicked.connect(self.assign)
        self.cancel_button.clicked.connect(self.reject)
        self.retranslate()
        self.resize(640, 520)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Assign to a translator"))
        self.records_label.setText(_("&Records to translate (tick one or several):"))
        self.filter.setPlaceholderText(_("Type to narrow the list"))
        self.filter.setAccessibleName(_("Narrow the list of records"))
        for row in range(self.records.count()):
            item = self.records.item(row)
            kind = item.data(Qt.ItemDataRole.UserRole + 1)
            item.setText(choice_label(*item.data(Qt.ItemDataRole.UserRole + 2)))
            item.setToolTip(_(KIND_LABELS.get(kind, kind)))
        self.translator_label.setText(_("T&ranslator:"))
        self.language_label.setText(_("&Into:"))
        for index in range(self.language.count()):
            self.language.setItemText(index, language_name(self.language.itemData(index)))
        self.fields_label.setText(_("Fields:"))
        for name, box in self.fields.items():
            box.setText(field_label(name))
        self.assign_button.setText(_("&Assign"))
        self.cancel_button.setText(_("Cancel"))
        if not self.translator.count():
            self.message.setText(_("No translator has joined the project yet: invite one "
                                   "first."))

    def _filter(self, text: str) -> None:
        """Show only the records whose title holds what is typed (accents ignored)."""
        wanted = fold(text)
        for row in range(self.records.count()):
            item = self.records.item(row)
            item.setHidden(bool(wanted) and wanted not in fold(item.text()))

    def choose(self, record_ids: list[str]) -> None:
        """Tick these records (and only these)."""
        for row in range(self.records.count()):
            item = self.records.item(row)
            item.setCheckState(Qt.CheckState.Checked
                               if item.data(Qt.ItemDataRole.UserRole) in record_ids
                               else Qt.CheckState.Unchecked)

    def chosen(self) -> list[str]:
        return [self.records.item(r).data(Qt.ItemDataRole.UserRole)
                for r in range(self.records.count())
                if self.records.item(r).checkState() == Qt.CheckState.Checked]

    def assign(self) -> object:
        records = self.chosen()
        fields = [name for name, box in self.fields.items() if box.isChecked()]
        if not records or not fields or not self.translator.currentText():
            self.message.setText(_("Tick at least one record and one field, and choose a "
                                   "translator."))
            return None
        self.assign_button.setEnabled(False)

        def done(ids: list[str]) -> None:
            self.assigned.emit(len(ids))
            self.accept()

        def failed(exc: BaseException) -> None:
            self.assign_button.setEnabled(True)
            self.message.setText(user_message(exc))
        return self.desk.assign(records, self.translator.currentText(),
                                str(self.language.currentData()), fields,
                                on_done=done, on_error=failed)


class GlossaryDialog(QDialog):
    """The project's terms and their agreed translations; sent to translators."""

    def __init__(self, desk: DeskAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("glossaryDialog")
        self.desk = desk
        self.keep_alive: object = None
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        self.table = QTableWidget(0, 4, self)
        self.table.setProperty("user_data", True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._selected)
        layout.addWidget(self.table, 1)
        form = QFormLayout()
        self.term, self.translation, self.note = QLineEdit(self), QLineEdit(self), QLineEdit(self)
        self.language = QComboBox(self)
        for lang in TARGET_LANGS:
            self.language.addItem("", lang)
        self.language.setCurrentIndex(self.language.findData("en"))
        self.labels = [QLabel(self) for _i in range(4)]
        for label, widget in zip(self.labels, (self.term, self.language, self.translation,
                                               self.note), strict=True):
            label.setBuddy(widget)
            form.addRow(label, widget)
        layout.addLayout(form)
        row = QHBoxLayout()
        self.message = QLabel(self)
        self.message.setWordWrap(True)
        row.addWidget(self.message, 1)
        self.save_button, self.remove_button = QPushButton(self), QPushButton(self)
        self.starter_button, self.close_button = QPushButton(self), QPushButton(self)
        for button in (self.starter_button, self.remove_button, self.save_button,
                       self.close_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.save_button.clicked.connect(self.save_term)
        self.remove_button.clicked.connect(self.remove_term)
        self.starter_button.clicked.connect(
            lambda: self.desk.add_starter_terms(on_done=lambda _n: self.refresh()))
        self.close_button.clicked.connect(self.close)
        self.retranslate()
        self.resize(720, 520)

    def refresh(self) -> None:
        self.terms = self.desk.terms()
        self.table.setRowCount(len(self.terms))
        for row, term in enumerate(self.terms):
            for column, text in enumerate((term.term, language_name(term.target_lang),
                                           term.translation, term.note)):
                self.table.setItem(row, column, QTableWidgetItem(text))
        self.table.resizeColumnsToContents()
        self.starter_button.setVisible(not self.terms)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Glossary"))
        self.intro.setText(_("Terms with their agreed translation. Translators see them "
                             "marked in the text they translate; they receive your changes "
                             "at their next sync."))
        self.table.setHorizontalHeaderLabels([_("Term"), _("Into"), _("Agreed translation"),
                                              _("Note")])
        for label, text in zip(self.labels, (_("&Term:"), _("&Into:"),
                                              _("Agreed &translation:"), _("&Note:")),
                               strict=True):
            label.setText(text)
        for index in range(self.language.count()):
            self.language.setItemText(index, language_name(self.language.itemData(index)))
        self.save_button.setText(_("&Save the term"))
        self.remove_button.setText(_("&Remove"))
        self.starter_button.setText(_("Add the &usual terms"))
        self.close_button.setText(_("&Close"))
        self.refresh()

    def _selected(self) -> None:
        row = self.table.currentRow()
        if 0 <= row < len(self.terms):
            term = self.terms[row]
            self.term.setText(term.term)
            self.language.setCurrentIndex(self.language.findData(term.target_lang))
            self.translation.setText(term.translation)
            self.note.setText(term.note)

    def _done(self, _result: object) -> None:
        self.message.setText(_("Saved; translators receive it at the next sync."))
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self.message.setText(user_message(exc))

    def save_term(self) -> object:
        return self.desk.set_term(self.term.text(), str(self.language.currentData()),
                                  self.translation.text(), self.note.text(),
                                  on_done=self._done, on_error=self._failed)

    def remove_term(self) -> object:
        return self.desk.set_term(self.term.text(), str(self.language.currentData()), "",
                                  deleted=True, on_done=self._done, on_error=self._failed)


__all__ = ["AssignDialog", "GlossaryDialog"]
