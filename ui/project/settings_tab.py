"""The Project tab of Settings: which project this profile is in (and its approval), or a
way to join one with an invite — not only at first run."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from fieldapp.i18n import _
from fieldapp.messages import role_label

from . import bridge
from .join import JoinDialog, waiting_text


class ProjectTab(QWidget):
    joined = Signal(object)   # bridge.Project, after joining from here

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        self.dialog: JoinDialog | None = None
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.state.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.join_button = QPushButton()
        box = QVBoxLayout(self)
        box.addWidget(self.state)
        box.addWidget(self.join_button, 0, Qt.AlignmentFlag.AlignLeft)
        box.addStretch(1)
        self.join_button.clicked.connect(self.open_join)
        self.retranslate()

    def _project(self) -> bridge.Project | None:
        vault = getattr(self.controller, "vault", None)
        return None if vault is None else bridge.project(vault)

    def open_join(self) -> JoinDialog | None:
        vault = getattr(self.controller, "vault", None)
        if vault is None or self._project() is not None:
            return None
        self.dialog = JoinDialog(vault, self.controller.ops, self)
        self.dialog.joined.connect(self._joined)
        self.dialog.open()
        return self.dialog

    def _joined(self, found: bridge.Project) -> None:
        self.retranslate()
        self.joined.emit(found)

    def retranslate(self) -> None:
        found = self._project()
        if found is None:
            self.state.setText(_("This profile is not in a project. With an invite from a "
                                 "coordinator, it can join one: what you recorded stays, "
                                 "and is sent once a coordinator approves this device."))
        else:
            lines = [_("Project {name}; your role: {role}.").format(
                name=found.name, role=role_label(found.role))]
            if found.state != "approved":
                lines.append(waiting_text(found))
            lines.append(_("Your fingerprint: {fingerprint}").format(
                fingerprint=found.fingerprint))
            self.state.setText("\n".join(lines))
        self.join_button.setText(_("&Join a project with an invite…"))
        self.join_button.setVisible(found is None)
        if self.dialog is not None:
            self.dialog.retranslate()
