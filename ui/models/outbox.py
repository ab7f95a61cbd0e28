"""The outbox as a table: every local record with what happened to it (pending / sent /
failed and why), fetched lazily like the record lists."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from fieldapp import outbox
from fieldapp.i18n import N_, _
from fieldapp.records import Summary

from ..forms.labels import KIND_LABELS
from .records import RecordTableModel, date_text

STATES: dict[str, str] = {
    "local": N_("Pending: not sent yet"),
    "pending": N_("Pending"),
    "sent": N_("Sent"),
    "failed": N_("Failed"),
}
OUTBOX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind", N_("Kind")), ("title", N_("Title")), ("state", N_("State")),
    ("reason", N_("Reason")), ("updated_at", N_("Last change")),
)
_Index = QModelIndex | QPersistentModelIndex


class OutboxModel(RecordTableModel):
    """All records (every kind), each with its sync state."""

    def __init__(self, store: Any, parent: Any = None) -> None:
        super().__init__(store, None, parent)
        self._states: dict[str, dict[str, Any]] = {}

    def reload(self) -> None:
        self._states = {}
        super().reload()

    def state_of(self, summary: Summary) -> dict[str, Any]:
        state = self._states.get(summary.id)
        if state is None:
            state = outbox.record_state(self._store.conn, summary.id)
            self._states[summary.id] = state
        return state

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(OUTBOX_COLUMNS)

    def retranslate(self) -> None:
        self._cache.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(OUTBOX_COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(OUTBOX_COLUMNS) - 1))

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (index.isValid() and index.row() < len(self._rows)
                and role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole)):
            summary = self._rows[index.row()]
            column = OUTBOX_COLUMNS[index.column()][0]
            if column == "kind":
                return _(KIND_LABELS.get(summary.kind, summary.kind))
            if column == "title":
                return summary.title
            if column == "updated_at":
                return date_text((summary.updated_at or "")[:10])
            state = self.state_of(summary)
            if column == "state":
                return _(STATES.get(state["state"], state["state"]))
            reasons = [i["reason"] for i in state["items"] if i.get("reason")]
            return reasons[-1] if reasons else ""
        return super().data(index, role) if role not in (
            Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) else None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(OUTBOX_COLUMNS)):
            return _(OUTBOX_COLUMNS[section][1])
        return None
