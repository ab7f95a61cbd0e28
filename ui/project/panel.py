"""The Project page (coordinators): this project's devices — pending, approved, revoked —
with their fingerprints; approve a waiting device after comparing fingerprints, make an
invite, revoke a device. Every call to the server runs on the ``net`` lane."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from fieldapp.i18n import N_, _, format_timestamp, ngettext
from fieldapp.messages import role_label, user_message

from ..models.vault_access import VaultAccess
from . import bridge
from .bridge import Device
from .dialogs import ApproveDialog, InviteDialog, confirm_revoke

STATES = {"pending": N_("waiting for approval"), "approved": N_("approved"),
          "revoked": N_("revoked")}
COLUMNS = (N_("Pseudonym"), N_("Role"), N_("State"), N_("Fingerprint"), N_("Last seen"))


class ProjectPage(QWidget):
    """The coordinator's view of who belongs to the project."""

    devices_loaded = Signal()
    approved = Signal(str)       # pseudonym
    revoked = Signal(str)        # pseudonym
    invite_made = Signal(object)  # bridge.MadeInvite

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        self.devices: list[Device] = []
        self.job: Any = None
        self.dialog: Any = None
        self.shown_project: bridge.Project | None = None  # screenshots: a project shown
        self.title = QLabel()
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.2)
        self.title.setFont(font)
        self.own = QLabel()
        self.own.setWordWrap(True)
        self.own.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, len(COLUMNS))
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.horizontalHeader().setSectionResizeMode(
            QHeaderView.ResizeMode.ResizeToContents)
        self.table.setTabKeyNavigation(False)
        self.table.setWordWrap(False)
        self.refresh_button = QPushButton()
        self.approve_button = QPushButton()
        self.revoke_button = QPushButton()
        self.invite_button = QPushButton()
        self.status = QLabel()
        self.status.setWordWrap(True)
        buttons = QHBoxLayout()
        for button in (self.approve_button, self.revoke_button, self.invite_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.refresh_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.own)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        self.refresh_button.clicked.connect(self.refresh)
        self.approve_button.clicked.connect(self.approve_selected)
        self.revoke_button.clicked.connect(self.revoke_selected)
        self.invite_button.clicked.connect(self.make_invite)
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.retranslate()

    # --- loading ----------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask the server who is waiting, and read the roster (net lane)."""
        if self.access.closed or self.job is not None:
            return
        self._show_project()
        if self._project() is None:
            return
        self._say(_("Asking the server…"))
        self.job = self.access.ops.run(bridge.load_devices, self.access.vault, lane="net",
                                       on_done=self.show_devices, on_error=self._failed)

    def show_devices(self, found: list[Device]) -> None:
        self.job = None
        selected = self.selected()
        self.devices = list(found)
        self._fill(selected)
        self.devices_loaded.emit()

    def _fill(self, selected: Device | None) -> None:
        found = self.devices
        self.table.setRowCount(len(found))
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        for row, device in enumerate(found):
            name = device.pseudonym + (_(" (this device)") if device.own else "")
            cells = (name, role_label(device.role), _(STATES.get(device.state, device.state)),
                     device.fingerprint,
                     format_timestamp(device.last_seen) if device.last_seen else "—")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 3:
                    item.setFont(mono)
                if column == 2 and device.state == "pending":
                    font = item.font()
                    font.setBold(True)
                    item.setFont(font)
                self.table.setItem(row, column, item)
            if selected is not None and device.device_id == selected.device_id:
                self.table.selectRow(row)
        waiting = sum(d.state == "pending" for d in found)
        self._say(ngettext("{n} device waits for your approval: it receives nothing and "
                           "nothing it sends is accepted until you approve it.",
                           "{n} devices wait for your approval: they receive nothing and "
                           "nothing they send is accepted until you approve them.",
                           waiting).format(n=waiting) if waiting else "")
        self._update_buttons()

    def _project(self) -> bridge.Project | None:
        if self.shown_project is not None:
            return self.shown_project
        return None if self.access.closed else bridge.project(self.access.reader_vault)

    def _show_project(self) -> None:
        found = self._project()
        if found is None:
            self.title.setText(_("This device is not in a project yet."))
            self.own.setText(_("Join one from Settings, with an invite."))
            return
        self.title.setText(_("Project {name}").format(name=found.name))
        self.own.setText(_("You are {role} here. Your fingerprint, to read aloud to people "
                           "you invite: {fingerprint}").format(role=role_label(found.role),
                                                               fingerprint=found.fingerprint))

    def _failed(self, exc: BaseException) -> None:
        self.job = None
        self._say(user_message(exc))
        self._update_buttons()

    def _say(self, text: str) -> None:
        self.status.setText(text)

    # --- choosing ---------------------------------------------------------------------
    def selected(self) -> Device | None:
        rows = self.table.selectionModel().selectedRows() if self.table.selectionModel() \
            else []
        if not rows or rows[0].row() >= len(self.devices):
            return None
        return self.devices[rows[0].row()]

    def select(self, pseudonym: str) -> Device:
        """Select the row of ``pseudonym`` (tests, keyboard users typing ahead)."""
        row = next(i for i, d in enumerate(self.devices) if d.pseudonym == pseudonym)
        self.table.selectRow(row)
        return self.devices[row]

    def _update_buttons(self) -> None:
        device = self.selected()
        busy = self.job is not None
        self.approve_button.setEnabled(not busy and device is not None
                                       and device.state == "pending")
        self.revoke_button.setEnabled(not busy and device is not None and not device.own
                                      and device.state != "revoked")
        joined = self._project() is not None
        self.invite_button.setEnabled(not busy and joined)
        self.refresh_button.setEnabled(not busy and joined)

    # --- approving --------------------------------------------------------------------
    def approve_selected(self) -> ApproveDialog | None:
        device = self.selected()
        if device is None or device.state != "pending":
            return None
        self.dialog = ApproveDialog(device, self)
        self.dialog.accepted.connect(lambda: self._approve(self.dialog))
        self.dialog.open()
        return self.dialog

    def _approve(self, dialog: ApproveDialog) -> None:
        device = dialog.device
        self._say(_("Approving {pseudonym}…").format(pseudonym=device.pseudonym))
        self.job = self.access.ops.run(bridge.approve, self.access.vault, device.device_id,
                                       dialog.code.text(), dialog.chosen_role, lane="net",
                                       on_done=self._approved, on_error=self._failed)
        self._update_buttons()

    def _approved(self, pseudonym: str) -> None:
        self.job = None
        self.approved.emit(pseudonym)
        self.refresh()
        self._say(_("{pseudonym} is approved: it receives the project's records from its "
                    "next sync.").format(pseudonym=pseudonym))

    # --- revoking ---------------------------------------------------------------------
    def revoke_selected(self) -> QMessageBox | None:
        device = self.selected()
        if device is None or device.own or device.state == "revoked":
            return None
        box = confirm_revoke(device, self)
        self.dialog = box

        def chosen(_button: object) -> None:
            if box.clickedButton() is box.revoke_button:  # type: ignore[attr-defined]
                self._revoke(device)
        box.buttonClicked.connect(chosen)
        box.open()
        return box

    def _revoke(self, device: Device) -> None:
        self._say(_("Revoking {pseudonym}…").format(pseudonym=device.pseudonym))
        self.job = self.access.ops.run(bridge.revoke, self.access.vault, device.device_id,
                                       lane="net", on_done=self._revoked,
                                       on_error=self._failed)
        self._update_buttons()

    def _revoked(self, pseudonym: str) -> None:
        self.job = None
        self.revoked.emit(pseudonym)
        self.refresh()
        self._say(_("{pseudonym} is revoked.").format(pseudonym=pseudonym))

    # --- inviting ---------------------------------------------------------------------
    def make_invite(self) -> InviteDialog:
        dialog = InviteDialog(self)
        self.dialog = dialog
        dialog.make_button.clicked.connect(lambda: self._invite(dialog, None))
        dialog.open()
        return dialog

    def _invite(self, dialog: InviteDialog, path: Path | None) -> None:
        target = path or dialog.target or dialog.ask_target()
        if target is None:
            return
        dialog.make_button.setEnabled(False)

        def made(result: bridge.MadeInvite) -> None:
            dialog.make_button.setEnabled(True)
            dialog.show_made(result)
            self.invite_made.emit(result)

        def failed(exc: BaseException) -> None:
            dialog.make_button.setEnabled(True)
            dialog.result.setText(user_message(exc))

        self.invite_job = self.access.ops.run(
            bridge.make_invite, self.access.vault, dialog.chosen_role, target,
            dialog.chosen_hours, lane="net", on_done=made, on_error=failed)

    # --- texts ------------------------------------------------------------------------
    def retranslate(self) -> None:
        self.table.setHorizontalHeaderLabels([_(c) for c in COLUMNS])
        self.table.setAccessibleName(_("Devices of the project"))
        self.refresh_button.setText(_("Ask the &server again"))
        self.approve_button.setText(_("&Approve…"))
        self.revoke_button.setText(_("Re&voke…"))
        self.invite_button.setText(_("Make an &invite…"))
        self._show_project()
        if self.devices:
            self._fill(self.selected())
        self._update_buttons()
