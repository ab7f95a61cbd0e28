"""The person editor: a victim or witness by pseudonymous code; the identity apart."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QWidget

from fieldapp import model
from fieldapp.i18n import _
from fieldapp.records import Record

from .editor import RecordEditor
from .fields import ChoiceBox, IdentitySection
from .testimony import IncidentLinks


class PersonEditor(RecordEditor):
    """Create or edit a person (victim or witness)."""

    KIND = "person"

    def __init__(self, access: Any, record: Record | None = None,
                 offered_draft: Any = None, parent: QWidget | None = None,
                 incident_id: str | None = None) -> None:
        self._link_first = incident_id
        super().__init__(access, record, offered_draft, parent)

    def build(self) -> None:
        self.code = self.add_line("code", lambda: _("e.g. V-MOP-031"))
        for name, vocabulary in (("role", model.PERSON_ROLES), ("sex", model.SEXES),
                                 ("age_bracket", model.AGE_BRACKETS),
                                 ("status", model.PERSON_STATUSES)):
            box = ChoiceBox(vocabulary, parent=self.content)
            self.add_row(name, box, box.value, box.set_value, box.currentIndexChanged)
        self.add_line("community")
        self.links = IncidentLinks(self.access.reader, self.content)
        self.add_row("incident_ids", self.links, self.links.ids, self.links.set_ids,
                     self.links.changed)
        if self._link_first:
            self.links.add(self._link_first)
        self.add_text("notes", lines=4)
        self.identity = IdentitySection(self.content)
        self.add_row("identity", self.identity, self.identity.value, self.identity.set_value,
                     self.identity.changed, label_text=lambda: "")
        for name in ("name", "phone", "home", "contact"):
            self.aliases[name] = "identity"

    def fill(self, body: dict[str, Any], record: Record | None) -> None:
        super().fill(body, record)
        if record is not None and body is record.body:
            self.links.set_ids(record.incident_ids)
            self.identity.set_value(record.identity)

    def retranslate_title(self) -> None:
        if self.record is None:
            self.setWindowTitle(_("New person"))
        else:
            self.setWindowTitle(_("Edit person: {code}").format(
                code=self.record.body.get("code", "")))
