"""The outbox as a table: every local record with how far it got, in the user's words
("Sent" only when its text and every file are confirmed; else e.g. "Text sent, 2 photos
waiting (3.1 MB)") and why it waits, fetched lazily like the record lists."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, Qt

from fieldapp import outbox
from fieldapp.i18n import N_, _, ngettext
from fieldapp.messages import outbox_reason
from fieldapp.records import Summary

from ..forms.labels import KIND_LABELS
from ..icons import icon
from ..sizes import size_text
from .records import RecordTableModel, date_text

STATES: dict[str, str] = {
    "sent": N_("Sent"),
    "waiting": N_("Waiting to be sent"),
    "refused": N_("Not accepted (see why)"),
    "received": N_("Received from the project"),
}
STATE_ICONS = {"sent": "sent", "partial": "partial", "waiting": "pending",
               "refused": "failed"}


def files_waiting_text(files: list[tuple[str, int]]) -> str:
    """"2 photos waiting (3.1 MB)": the files of a record not sent yet."""
    n, size = len(files), size_text(sum(s for _k, s in files))
    if all(kind == "image" for kind, _s in files):
        return ngettext("Text sent, {n} photo waiting ({size})",
                        "Text sent, {n} photos waiting ({size})", n).format(n=n, size=size)
    return ngettext("Text sent, {n} file waiting ({size})",
                    "Text sent, {n} files waiting ({size})", n).format(n=n, size=size)


def state_text(progress: dict[str, Any]) -> str:
    """How far a record got (`fieldapp.outbox.record_progress`), in words."""
    if progress["state"] == "partial":
        return files_waiting_text(progress["files_waiting"])
    return _(STATES.get(progress["state"], STATES["waiting"]))
OUTBOX_COLUMNS: tuple[tuple[str, str], ...] = (
    ("kind", N_("Kind")), ("title", N_("Title")), ("state", N_("State")),
    ("reason", N_("Reason")), ("updated_at", N_("Last change")),
)
_Index = QModelIndex | QPersistentModelIndex


class OutboxModel(RecordTableModel):
    """All records (every kind), each with its sync state."""

    def __init__(self, store: Any, parent: Any = None) -> None:
        super().__init__(store, None, parent)
        # Only what this device sends: records received from others are not "pending".
        self._filters = {"sent_from_here": store.author}
        self._states: dict[str, dict[str, Any]] = {}
        self._icons = {name: icon(name) for name in set(STATE_ICONS.values())}

    def reload(self) -> None:
        self._states = {}
        super().reload()

    def state_of(self, summary: Summary) -> dict[str, Any]:
        """How far the record got (`fieldapp.outbox.record_progress`)."""
        state = self._states.get(summary.id)
        if state is None:
            state = outbox.record_progress(self._store.conn, summary.id)
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
        if (role == Qt.ItemDataRole.DecorationRole and index.isValid()
                and index.row() < len(self._rows) and index.column() == 2):
            name = STATE_ICONS.get(self.state_of(self._rows[index.row()])["state"])
            return self._icons[name] if name else None
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
                return state_text(state)
            if state["state"] in ("sent", "received"):
                return ""
            return outbox_reason(state["reasons"][-1]) if state["reasons"] else ""
        return super().data(index, role) if role not in (
            Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole) else None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole
                and 0 <= section < len(OUTBOX_COLUMNS)):
            return _(OUTBOX_COLUMNS[section][1])
        return None
