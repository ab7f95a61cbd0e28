"""The testimony editor: the witness's account, consent, linked incidents, and the
identity section apart (coordinators only)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QStringListModel, Qt, Signal
from PySide6.QtWidgets import (
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp import model
from fieldapp.errors import FieldappError
from fieldapp.i18n import _
from fieldapp.records import Record, RecordStore

from .editor import RecordEditor
from .fields import ChoiceBox, ConsentChoices, IdentitySection
from .labels import LANGUAGES
from .places import PlaceEdit, place_suggestions

ID_ROLE = Qt.ItemDataRole.UserRole + 1


class IncidentLinks(QWidget):
    """The incidents a testimony is about: find by words, add, remove."""

    changed = Signal()

    def __init__(self, store: RecordStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._store = store
        self._found: dict[str, str] = {}
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget(self)
        self.list.setMaximumHeight(self.list.fontMetrics().lineSpacing() * 5 + 12)
        self.find = QLineEdit(self)
        self._model = QStringListModel(self)
        completer = QCompleter(self._model, self)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.find.setCompleter(completer)
        completer.activated[str].connect(self.add_found)
        self.find.textEdited.connect(self._search)
        row = QHBoxLayout()
        self.remove_button = QPushButton(self)
        row.addWidget(self.find, 1)
        row.addWidget(self.remove_button)
        layout.addWidget(self.list)
        layout.addLayout(row)
        self.remove_button.clicked.connect(self.remove_selected)
        self.setFocusProxy(self.find)
        self.retranslate()

    def retranslate(self) -> None:
        self.find.setPlaceholderText(_("Find an incident to link (words of its title)"))
        self.find.setAccessibleName(_("Find an incident to link"))
        self.remove_button.setText(_("Unlin&k"))
        self.list.setAccessibleName(_("Linked incidents"))

    def _search(self, text: str) -> None:
        try:
            found = self._store.search(text, kind="incident", limit=15) if text else []
        except FieldappError:
            found = []
        self._found = {f"{s.title} ({s.occurred_on or '?'})": s.id for s in found}
        self._model.setStringList(list(self._found))

    def add_found(self, line: str) -> None:
        record_id = self._found.get(line)
        if record_id:
            self.add(record_id, line)
            self.find.clear()

    def add(self, record_id: str, text: str | None = None) -> None:
        if record_id in self.ids():
            return
        if text is None:
            try:
                text = self._store.get(record_id).title
            except FieldappError:
                text = record_id
        item = QListWidgetItem(text, self.list)
        item.setData(ID_ROLE, record_id)
        self.changed.emit()

    def remove_selected(self) -> None:
        for item in self.list.selectedItems():
            self.list.takeItem(self.list.row(item))
        self.changed.emit()

    def ids(self) -> list[str]:
        return [self.list.item(r).data(ID_ROLE) for r in range(self.list.count())]

    def set_ids(self, ids: list[str] | None) -> None:
        self.list.clear()
        for record_id in ids or []:
            self.add(record_id)


class TestimonyEditor(RecordEditor):
    """Create or edit a testimony (optionally already linked to an incident)."""

    KIND = "testimony"

    def __init__(self, access: Any, record: Record | None = None,
                 offered_draft: Any = None, parent: QWidget | None = None,
                 incident_id: str | None = None) -> None:
        self._link_first = incident_id
        super().__init__(access, record, offered_draft, parent)

    def build(self) -> None:
        self.witness_code = self.add_line("witness_code", lambda: _("e.g. T-GAO-014"))
        self.relation = ChoiceBox(model.RELATIONS, parent=self.content)
        self.add_row("relation", self.relation, self.relation.value, self.relation.set_value,
                     self.relation.currentIndexChanged)
        self.links = IncidentLinks(self.access.reader, self.content)
        self.add_row("incident_ids", self.links, self.links.ids, self.links.set_ids,
                     self.links.changed)
        if self._link_first:
            self.links.add(self._link_first)
        self.add_line("interview_date", lambda: _("YYYY-MM-DD"))
        self.place = PlaceEdit(self.suggest_places, self.content)
        self.add_row("interview_place", self.place, lambda: self.place.text().strip(),
                     lambda v: self.place.setText(v or ""), self.place.textChanged)
        self.language = ChoiceBox(LANGUAGES, parent=self.content)
        self.add_row("language", self.language, self.language.value,
                     self.language.set_value, self.language.currentIndexChanged)
        self.text_edit = self.add_text("text", lines=12)
        self.add_text("summary", lines=3)
        self.consent = ConsentChoices(self.content)
        self.add_row("consent", self.consent, self.consent.value, self.consent.set_value,
                     self.consent.changed)
        self.aliases["consent_partners"] = "consent"
        self.add_text("protection_concerns", lines=3)
        self.add_check("follow_up")
        tags = QLineEdit(self.content)
        self.add_row("tags", tags, lambda: [t.strip() for t in tags.text().split(",")
                                            if t.strip()],
                     lambda v: tags.setText(", ".join(v or [])), tags.textChanged)
        self.identity = IdentitySection(self.content)
        self.add_row("identity", self.identity, self.identity.value, self.identity.set_value,
                     self.identity.changed, label_text=lambda: "")
        for name in ("name", "phone", "home", "contact", "notes"):
            self.aliases[name] = "identity"

    def fill(self, body: dict[str, Any], record: Record | None) -> None:
        super().fill(body, record)
        self.consent.partners.setText(body.get("consent_partners") or "")
        if record is not None and body is record.body:
            self.links.set_ids(record.incident_ids)
            self.identity.set_value(record.identity)

    def collect(self) -> dict[str, Any]:
        data = super().collect()
        partners = self.consent.partners.text().strip()
        if partners:
            data["consent_partners"] = partners
        if "follow_up" in data and data["follow_up"] is False:
            del data["follow_up"]
        return data

    def suggest_places(self, text: str) -> list[dict[str, Any]]:
        if self.access.closed:
            return []
        return place_suggestions(text, self.access.reader_vault)

    def retranslate_title(self) -> None:
        if self.record is None:
            self.setWindowTitle(_("New testimony"))
        else:
            self.setWindowTitle(_("Edit testimony: {code}").format(
                code=self.record.body.get("witness_code", "")))
