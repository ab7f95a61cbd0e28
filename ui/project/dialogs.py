"""The project panel's dialogs: approve a waiting device after comparing fingerprints, make
an invite (saved to a file, shown as a QR code), and the confirmation before revoking."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from fieldapp import i18n
from fieldapp.i18n import _, ngettext
from fieldapp.messages import role_label
from fieldapp.roster import ROLES
from sync.devices import normalise_fingerprint

from .. import file_dialogs
from ..window_size import fit
from .bridge import EXPIRY_HOURS, Device, MadeInvite
from .qr import qr_pixmap


def _mono(scale: float = 1.3) -> object:
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(font.pointSizeF() * scale)
    return font


def _roles(combo: QComboBox, chosen: str) -> None:
    combo.clear()
    for role in ROLES:
        combo.addItem(role_label(role), role)
    combo.setCurrentIndex(max(combo.findData(chosen), 0))


class ApproveDialog(QDialog):
    """Type the fingerprint the person reads aloud; Approve only when it matches."""

    def __init__(self, device: Device, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.device = device
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setFont(_mono())
        self.code_label = QLabel()
        self.code_label.setBuddy(self.code)
        self.role = QComboBox()
        self.role_label = QLabel()
        self.role_label.setBuddy(self.role)
        self.verdict = QLabel()
        self.verdict.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                        | QDialogButtonBox.StandardButton.Cancel)
        self.approve_button = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        self.approve_button.setEnabled(False)
        form = QFormLayout()
        form.addRow(self.code_label, self.code)
        form.addRow(self.role_label, self.role)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addWidget(self.verdict)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        self.code.textChanged.connect(self._check)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        fit(self, QSize(520, 300))
        self.retranslate()

    @property
    def chosen_role(self) -> str:
        return str(self.role.currentData() or self.device.role)

    def matches(self) -> bool:
        typed = normalise_fingerprint(self.code.text())
        return bool(typed) and typed == normalise_fingerprint(self.device.fingerprint)

    def _check(self) -> None:
        typed = normalise_fingerprint(self.code.text())
        expected = normalise_fingerprint(self.device.fingerprint)
        ok = self.matches()
        self.approve_button.setEnabled(ok)
        if ok:
            self.verdict.setText(_("The fingerprints match."))
            self.verdict.setStyleSheet("color: #166534;")
        elif len(typed) >= len(expected):
            self.verdict.setText(_("The fingerprints differ: do not approve this device. "
                                   "Someone else may have used the invite."))
            self.verdict.setStyleSheet("color: #9a3412;")
        else:
            self.verdict.setText("")

    def accept(self) -> None:  # noqa: D102 - refuse unless the code matches
        if self.matches():
            super().accept()

    def retranslate(self) -> None:
        self.setWindowTitle(_("Approve a device"))
        self.intro.setText(_("Call {pseudonym} and ask them to read the fingerprint their "
                             "screen shows. Type it here: the device is approved only when "
                             "it matches.").format(pseudonym=self.device.pseudonym))
        self.code_label.setText(_("&Fingerprint read aloud:"))
        self.code.setAccessibleName(_("Fingerprint read aloud"))
        self.role_label.setText(_("&Role:"))
        _roles(self.role, self.chosen_role if self.role.count() else self.device.role)
        self.approve_button.setText(_("&Approve"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(_("Cancel"))
        self._check()


class InviteDialog(QDialog):
    """Choose a role and a validity, save the invite; then show it as a QR code with the
    fingerprint to read aloud."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.made: MadeInvite | None = None
        self.target: Path | None = None
        self.intro = QLabel()
        self.intro.setWordWrap(True)
        self.role = QComboBox()
        self.role_label = QLabel()
        self.role_label.setBuddy(self.role)
        self.expiry = QComboBox()
        self.expiry_label = QLabel()
        self.expiry_label.setBuddy(self.expiry)
        self.make_button = QPushButton()
        self.qr = QLabel()
        self.qr.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.result = QLabel()
        self.result.setWordWrap(True)
        self.result.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint = QLabel()
        self.fingerprint.setFont(_mono(1.5))
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.fingerprint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        form = QFormLayout()
        form.addRow(self.role_label, self.role)
        form.addRow(self.expiry_label, self.expiry)
        row = QHBoxLayout()
        row.addStretch(1)
        row.addWidget(self.make_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.intro)
        layout.addLayout(form)
        layout.addLayout(row)
        layout.addWidget(self.qr, 1)
        layout.addWidget(self.result)
        layout.addWidget(self.fingerprint)
        layout.addWidget(self.buttons)
        self.buttons.rejected.connect(self.reject)
        _roles(self.role, "monitor")
        fit(self, QSize(560, 560))
        self.retranslate()

    @property
    def chosen_role(self) -> str:
        return str(self.role.currentData())

    @property
    def chosen_hours(self) -> int:
        return int(self.expiry.currentData())

    def ask_target(self) -> Path | None:
        """Where to save the invite (a file dialog; None when cancelled)."""
        name = file_dialogs.save_file(self, _("Save the invite"),
                                      f"{self.chosen_role}.invite",
                                      _("Invites (*.invite *.json)"))
        return Path(name) if name else None

    def show_made(self, made: MadeInvite) -> None:
        self.made = made
        pixmap = qr_pixmap(made.text)
        if pixmap is not None:
            self.qr.setPixmap(pixmap)
        self.qr.setVisible(pixmap is not None)
        self._show_result()

    def _show_result(self) -> None:
        made = self.made
        if made is None:
            self.result.setText("")
            self.fingerprint.setText("")
            return
        expires = i18n.format_timestamp(dt.datetime.fromtimestamp(made.expires_at, dt.UTC))
        lines = [_("Invite for a {role} saved to {path}. It works once, until {expires}; keep "
                   "it secret until then.").format(role=role_label(made.role), path=made.path,
                                                   expires=expires)]
        if self.qr.pixmap() is None or self.qr.pixmap().isNull():
            lines.append(_("It is too long for a QR code: hand over the file."))
        lines.append(_("Read this fingerprint aloud to the person joining:"))
        self.result.setText("\n".join(lines))
        self.fingerprint.setText(made.fingerprint)

    def retranslate(self) -> None:
        self.setWindowTitle(_("Make an invite"))
        self.intro.setText(_("An invite lets one device join the project. It waits for your "
                             "approval after joining: you compare fingerprints then."))
        self.role_label.setText(_("&Role:"))
        _roles(self.role, self.chosen_role if self.role.count() else "monitor")
        self.expiry_label.setText(_("&Valid for:"))
        chosen = self.expiry.currentData() or 168
        self.expiry.clear()
        for hours in EXPIRY_HOURS:
            text = (ngettext("{n} day", "{n} days", hours // 24).format(n=hours // 24))
            self.expiry.addItem(text, hours)
        self.expiry.setCurrentIndex(max(self.expiry.findData(chosen), 0))
        self.make_button.setText(_("&Save the invite…"))
        self.buttons.button(QDialogButtonBox.StandardButton.Close).setText(_("Close"))
        self._show_result()


def revoke_text(device: Device) -> str:
    """What revoking does and does not do (docs/SECURITY.md, Revocation)."""
    return _("Revoke {pseudonym} ({role})?\n\n"
             "What it does: the server refuses this device from now on, and every device "
             "refuses what it signs after the revocation, whether it comes through the "
             "server, a USB bundle or another device. It cannot be undone: the person would "
             "need a new invite.\n\n"
             "What it does not do: it does not erase what the device already holds. If the "
             "laptop is lost or seized, its own passphrase, duress passphrase and panic "
             "button protect it.").format(pseudonym=device.pseudonym,
                                          role=role_label(device.role))


def confirm_revoke(device: Device, parent: QWidget | None = None) -> QMessageBox:
    """The confirmation box (not shown): Revoke or Cancel, Cancel by default."""
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(_("Revoke a device"))
    box.setText(revoke_text(device))
    box.revoke_button = box.addButton(_("&Revoke"),  # type: ignore[attr-defined]
                                      QMessageBox.ButtonRole.DestructiveRole)
    cancel = box.addButton(_("Cancel"), QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(cancel)
    return box
