"""The audit log page: the chain of custody, newest first, and a check of the chain."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from fieldapp import audit
from fieldapp.i18n import _, ngettext

from ..models.audit_log import AuditLogModel
from ..models.vault_access import VaultAccess
from .empty_state import fit_columns


class AuditLogPage(QWidget):
    """Every created, edited, attached, exported, synced… entry, and "Check the chain"."""

    def __init__(self, access: VaultAccess, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.access = access
        layout = QVBoxLayout(self)
        self.intro = QLabel(self)
        self.intro.setWordWrap(True)
        layout.addWidget(self.intro)
        row = QHBoxLayout()
        self.verify_button = QPushButton(self)
        self.verdict = QLabel(self)
        self.verdict.setWordWrap(True)
        row.addWidget(self.verify_button)
        row.addWidget(self.verdict, 1)
        layout.addLayout(row)
        self.model = AuditLogModel(access.reader.conn, self)
        self.table = QTableView(self)
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setTabKeyNavigation(False)
        layout.addWidget(self.table, 1)
        self.verify_button.clicked.connect(self.verify)
        access.closing.connect(self.model.detach)
        self.retranslate()

    def refresh(self) -> None:
        self.model.reload()
        fit_columns(self.table, self.table.horizontalHeader(), wide=-1, max_chars=40)

    def verify(self) -> bool:
        if self.access.closed:
            return False
        verdict = audit.verify(self.access.reader.conn)
        if verdict.ok:
            self.verdict.setText(ngettext("The chain is intact ({n} entry).",
                                          "The chain is intact ({n} entries).",
                                          verdict.entries).format(n=verdict.entries))
        else:
            self.verdict.setText(_("The chain is broken at entry {position}: someone changed "
                                   "the log outside fieldapp.").format(
                                       position=verdict.broken_at))
        return verdict.ok

    def retranslate(self) -> None:
        self.intro.setText(_("The audit log records every action on this device. Each "
                             "entry seals the one before it, so a changed or removed entry "
                             "shows."))
        self.verify_button.setText(_("&Check the chain"))
        self.table.setAccessibleName(_("Audit log"))
        self.model.retranslate()
