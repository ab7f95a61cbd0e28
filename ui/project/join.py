"""Joining a project from a profile that exists (Settings), and the words an invite is shown
in: the project's name, the role it gives and the coordinators' fingerprints — never its
raw JSON. After joining, this device's own fingerprint, to read to the coordinator, and
that it waits for approval."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import _
from fieldapp.messages import role_label, user_message
from fieldapp.profile import Vault

from .. import file_dialogs, sync_bridge
from ..ops import Ops
from ..window_size import fit
from . import bridge


def invite_summary(invite: sync_bridge.Invite) -> str:
    """What an invite says, in words, with the fingerprints to compare."""
    lines = []
    if invite.name:
        lines.append(_("Project: {name}").format(name=invite.name))
    if invite.role:
        lines.append(_("Your role: {role}").format(role=role_label(invite.role)))
    lines.append(_("Project fingerprint: {fingerprint}").format(
        fingerprint=invite.project_fingerprint))
    lines += [_("Coordinator {pseudonym}: {fingerprint}").format(
        pseudonym=name, fingerprint=print_) for name, print_ in invite.coordinators]
    return "\n".join(lines)


def waiting_text(found: bridge.Project) -> str:
    """After joining: the fingerprint to read aloud, and the approval still to come."""
    if found.state == "approved":
        return _("This device is approved in project {name}.").format(name=found.name)
    if found.state == "revoked":
        return _("This device was revoked from project {name}.").format(name=found.name)
    return _("You joined project {name} as {role}. This device waits for a coordinator's "
             "approval: read this fingerprint to the coordinator, who types it to approve "
             "you.").format(name=found.name, role=role_label(found.role))


class JoinDialog(QDialog):
    """Paste or open an invite, compare the fingerprints, join; then wait for approval."""

    joined = Signal(object)   # bridge.Project

    def __init__(self, vault: Vault, ops: Ops, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.vault = vault
        self.ops = ops
        self.invite: sync_bridge.Invite | None = None
        self.project: bridge.Project | None = None
        self.job: Any = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.invite_text = QPlainTextEdit()
        self.invite_text.setTabChangesFocus(True)
        self.invite_file = QPushButton()
        self.invite_check = QPushButton()
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.match = QCheckBox()
        self.match.hide()
        self.own = QLabel()
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        mono.setPointSizeF(mono.pointSizeF() * 1.5)
        self.own.setFont(mono)
        self.own.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.own.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.own.hide()
        self.error = QLabel()
        self.error.setWordWrap(True)
        self.error.setStyleSheet("color: #9a3412;")
        self.error.hide()
        self.join_button = QPushButton()
        self.join_button.setEnabled(False)
        self.close_button = QPushButton()
        row = QHBoxLayout()
        row.addWidget(self.invite_file)
        row.addStretch(1)
        row.addWidget(self.invite_check)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        buttons.addWidget(self.join_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addWidget(self.invite_text, 1)
        layout.addLayout(row)
        layout.addWidget(self.summary)
        layout.addWidget(self.match)
        layout.addWidget(self.own)
        layout.addWidget(self.error)
        layout.addStretch(0)
        layout.addLayout(buttons)
        self.invite_file.clicked.connect(self._pick_file)
        self.invite_check.clicked.connect(self.check_invite)
        self.match.toggled.connect(self._update)
        self.join_button.clicked.connect(self.join)
        self.close_button.clicked.connect(self.reject)
        fit(self, QSize(560, 480))
        self.retranslate()

    # --- the invite -------------------------------------------------------------------
    def _pick_file(self) -> None:
        name = file_dialogs.open_file(self, _("Open an invite"))
        if name:
            self.load_file(Path(name))

    def load_file(self, path: Path) -> None:
        try:
            text = sync_bridge.read_invite_file(path)
        except OSError as exc:
            self._fail(exc)
            return
        except sync_bridge.InviteTooLarge:
            self._say_error(_("This file is too large to be an invite."))
            return
        self._check(text, path)

    def check_invite(self) -> None:
        self._check(self.invite_text.toPlainText(), None)

    def _check(self, text: str, path: Path | None) -> None:
        self.error.hide()
        self.invite = None
        self.match.setChecked(False)
        try:
            self.invite = sync_bridge.read_invite(text, path)
        except Exception as exc:  # noqa: BLE001 - any bad invite becomes one line
            self._fail(exc)
            self._show()
            return
        self.invite_text.clear()
        self._show()
        self.match.setFocus()

    def _show(self) -> None:
        checked = self.invite is not None and self.project is None
        self.invite_text.setVisible(self.invite is None and self.project is None)
        self.invite_check.setVisible(self.invite is None and self.project is None)
        self.invite_file.setVisible(self.project is None)
        self.summary.setText(invite_summary(self.invite) if self.invite is not None
                             and self.project is None else "")
        self.match.setVisible(checked)
        self.intro.setVisible(self.project is None)
        self.layout().setStretch(self.layout().count() - 2, 0 if self.project is None else 1)
        if self.project is not None:
            self.summary.setText(waiting_text(self.project))
            self.own.setText(self.project.fingerprint)
            self.own.show()
        self._update()

    def _update(self) -> None:
        self.join_button.setVisible(self.project is None)
        self.join_button.setEnabled(self.invite is not None and self.match.isChecked()
                                    and self.job is None)

    def _fail(self, exc: BaseException) -> None:
        self._say_error(user_message(exc))

    def _say_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    # --- joining ----------------------------------------------------------------------
    def join(self) -> None:
        if self.invite is None or not self.match.isChecked() or self.job is not None:
            return
        self.error.hide()
        self.job = self.ops.run(bridge.join, self.vault, self.invite, lane="net",
                                on_done=self._joined, on_error=self._join_failed)
        self._update()

    def _joined(self, found: bridge.Project | None) -> None:
        self.job = None
        self.project = found
        self.invite = None
        self._show()
        if found is not None:
            self.joined.emit(found)

    def _join_failed(self, exc: BaseException) -> None:
        self.job = None
        self._fail(exc)
        self._update()

    # --- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.setWindowTitle(_("Join a project"))
        self.intro.setText(_("A coordinator gives you an invite as a file or as text. "
                             "Compare the fingerprints shown with the ones the coordinator "
                             "reads to you."))
        self.invite_text.setPlaceholderText(_("paste the invite here"))
        self.invite_text.setAccessibleName(_("Invite"))
        self.invite_file.setText(_("Open an invite &file…"))
        self.invite_check.setText(_("&Check the invite"))
        self.match.setText(_("The fingerprints &match what the coordinator told me"))
        self.join_button.setText(_("&Join"))
        self.close_button.setText(_("Close"))
        self.own.setAccessibleName(_("Your fingerprint"))
        self._show()
