"""The audit log (chain of custody) as a lazily fetched table, newest entry first."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

from fieldapp import audit
from fieldapp.i18n import N_, _
from fieldapp.store.db import Connection

PAGE = 200
COLUMNS = (("seq", N_("No.")), ("at", N_("When (UTC)")), ("actor", N_("Who")),
           ("action", N_("Action")), ("record_id", N_("Record")), ("hash", N_("Hash")))
ACTIONS: dict[str, str] = {
    "create": N_("created"), "edit": N_("edited"), "attach": N_("attached a file"),
    "export": N_("exported"), "passphrase": N_("changed the passphrase"),
    "recovery": N_("new recovery key"), "duress": N_("set a duress passphrase"),
    "review": N_("reviewed"), "translate": N_("translated"), "sync": N_("synced"),
    "receipt": N_("delivery receipt"), "assign": N_("assigned"), "import": N_("imported"),
    "glossary": N_("changed the glossary"),
}

_Index = QModelIndex | QPersistentModelIndex


class AuditLogModel(QAbstractTableModel):
    """Entries of the audit chain, fetched page by page as the view scrolls."""

    def __init__(self, conn: Connection, parent: Any = None) -> None:
        super().__init__(parent)
        self._conn = conn
        self._rows: list[dict[str, Any]] = []
        self._exhausted = False

    def detach(self) -> None:
        """Forget the rows and never read again (the vault is closing)."""
        self.beginResetModel()
        self._rows, self._exhausted = [], True
        self._conn = None  # type: ignore[assignment]
        self.endResetModel()

    def reload(self) -> None:
        if self._conn is None:
            return
        self.beginResetModel()
        self._rows = audit.entries(self._conn, limit=PAGE, offset=0)
        self._exhausted = len(self._rows) < PAGE
        self.endResetModel()

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        return not parent.isValid() and not self._exhausted

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        page = audit.entries(self._conn, limit=PAGE, offset=len(self._rows))
        self._exhausted = len(page) < PAGE
        if page:
            first = len(self._rows)
            self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
            self._rows.extend(page)
            self.endInsertRows()

    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole,
                                               Qt.ItemDataRole.ToolTipRole):
            return None
        entry = self._rows[index.row()]
        column = COLUMNS[index.column()][0]
        value = entry.get(column)
        if column == "action":
            return _(ACTIONS[value]) if value in ACTIONS else str(value)
        if column == "at":
            return str(value)[:19].replace("T", " ")
        if column in ("hash", "record_id") and value and role == Qt.ItemDataRole.DisplayRole:
            return str(value)[:12] + "…"
        return "" if value is None else str(value)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(COLUMNS)):
            return _(COLUMNS[section][1])
        return None
