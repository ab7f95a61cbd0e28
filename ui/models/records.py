"""The list of records as a lazily fetched Qt table model (100k rows scroll smoothly).

Rows arrive in pages of `PAGE` through `RecordStore.list` (Qt calls `fetchMore` as the
view scrolls); `RecordStore.count` gives the total. A search query switches the same model
to FTS results.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal

from fieldapp.i18n import N_, _, format_date
from fieldapp.records import RecordStore, Summary

from ..forms.labels import value_text

PAGE = 200
SEARCH_LIMIT = 500
ID_ROLE = Qt.ItemDataRole.UserRole + 1
KIND_ROLE = Qt.ItemDataRole.UserRole + 2

COLUMNS: tuple[tuple[str, str], ...] = (
    ("title", N_("Title")),
    ("occurred_on", N_("Date")),
    ("region", N_("Region")),
    ("event_type", N_("Type of event")),
    ("status", N_("Status")),
    ("updated_at", N_("Last change")),
)
TESTIMONY_TITLE = N_("Witness code")
PERSON_TITLE = N_("Code")

_Index = QModelIndex | QPersistentModelIndex
# Plain ints: Qt asks data() for many roles per cell, and comparing enums is slow.
_TEXT_ROLES = frozenset(int(r) for r in (Qt.ItemDataRole.DisplayRole,
                                         Qt.ItemDataRole.ToolTipRole,
                                         Qt.ItemDataRole.AccessibleTextRole))
_ID_ROLE, _KIND_ROLE = int(ID_ROLE), int(KIND_ROLE)


def date_text(value: str | None) -> str:
    """A stored partial date ('2024', '2024-03', '2024-03-05') in the current language."""
    if not value:
        return ""
    precision = {1: "year", 2: "month"}.get(value.count("-") + 1, "day")
    try:
        return format_date(value, precision)
    except (ValueError, TypeError):
        return value


class RecordTableModel(QAbstractTableModel):
    """Records of one kind (or all), newest first, filtered, or the results of a search."""

    reloaded = Signal()  # after every reset (filters or search applied, results shown)

    def __init__(self, store: RecordStore, kind: str | None,
                 parent: Any = None) -> None:
        super().__init__(parent)
        self._store = store
        self.kind = kind
        self._rows: list[Summary] = []
        self._total = 0
        self._filters: dict[str, str] = {}
        self._query = ""
        self._cache: dict[tuple[int, int], str] = {}
        self._detached = False
        self._found = 0

    # --- configuration ----------------------------------------------------------------
    @property
    def total(self) -> int:
        """Records matching the filters (or search results found)."""
        return self._total

    @property
    def truncated(self) -> bool:
        """True when a search found more than the rows shown (the user should refine)."""
        return bool(self._query) and self._found >= SEARCH_LIMIT

    @property
    def query(self) -> str:
        return self._query

    def set_store(self, store: RecordStore) -> None:
        self._store = store
        self.reload()

    def set_filters(self, **filters: str | None) -> None:
        self._filters = {k: v for k, v in filters.items() if v}
        self.reload()

    def set_query(self, query: str) -> None:
        self._query = query.strip()
        self.reload()

    def detach(self) -> None:
        """Forget the rows and never read again (the vault is closing)."""
        self.beginResetModel()
        self._detached = True
        self._rows, self._total = [], 0
        self._cache.clear()
        self.endResetModel()

    def reload(self) -> None:
        """Start again from the first page (after a save, a filter or a search)."""
        if self._detached:
            return
        self.beginResetModel()
        self._cache.clear()
        if self._query:
            found = self._store.search(self._query, kind=self.kind, limit=SEARCH_LIMIT)
            self._found = len(found)
            kept = [s for s in found if self._matches(s)]
            if self._filters.get("perpetrator"):  # not a list column: asked of the store
                allowed = self._store.matching((s.id for s in kept),
                                               perpetrator=self._filters["perpetrator"])
                kept = [s for s in kept if s.id in allowed]
            self._rows = kept
            self._total = len(self._rows)
        else:
            self._total = self._store.count(self.kind, **self._filters)
            self._rows = self._store.list(self.kind, limit=PAGE, offset=0, **self._filters)
        self.endResetModel()
        self.reloaded.emit()

    def _matches(self, summary: Summary) -> bool:
        """Filters applied to search results too."""
        for column in ("region", "event_type", "status"):
            wanted = self._filters.get(column)
            if wanted and getattr(summary, column) != wanted:
                return False
        when = summary.occurred_on or ""
        if self._filters.get("date_from") and when < self._filters["date_from"]:
            return False
        return not (self._filters.get("date_to") and when > self._filters["date_to"] + "\uffff")

    def retranslate(self) -> None:
        self._cache.clear()
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
        if self._rows:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._rows) - 1, len(COLUMNS) - 1))

    # --- lazy fetching ----------------------------------------------------------------
    def canFetchMore(self, parent: _Index = QModelIndex()) -> bool:  # noqa: B008
        if parent.isValid() or self._query or self._detached:
            return False
        return len(self._rows) < self._total

    def fetchMore(self, parent: _Index = QModelIndex()) -> None:  # noqa: B008
        if not self.canFetchMore(parent):
            return
        page = self._store.list(self.kind, limit=PAGE, offset=len(self._rows),
                                **self._filters)
        if not page:
            self._total = len(self._rows)  # the data shrank under us
            return
        first = len(self._rows)
        self.beginInsertRows(QModelIndex(), first, first + len(page) - 1)
        self._rows.extend(page)
        self.endInsertRows()

    # --- Qt model ---------------------------------------------------------------------
    def rowCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: _Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(COLUMNS)

    def summary(self, row: int) -> Summary | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def row_of(self, record_id: str) -> int:
        for row, summary in enumerate(self._rows):
            if summary.id == record_id:
                return row
        return -1

    def data(self, index: _Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        role = int(role)
        if role in _TEXT_ROLES:
            row, column = index.row(), index.column()
            if row < 0 or row >= len(self._rows):
                return None
            key = (row, column)
            text = self._cache.get(key)
            if text is None:
                text = self._cache[key] = self._text(self._rows[row], COLUMNS[column][0])
            return text
        if role == _ID_ROLE or role == _KIND_ROLE:
            if not index.isValid() or index.row() >= len(self._rows):
                return None
            summary = self._rows[index.row()]
            return summary.id if role == _ID_ROLE else summary.kind
        return None

    def _text(self, summary: Summary, column: str) -> str:
        value = getattr(summary, column)
        if column == "occurred_on":
            return date_text(value)
        if column == "updated_at":
            return date_text((value or "")[:10])
        if column in ("event_type", "status"):
            return value_text(column, value)
        return value or ""

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        if not 0 <= section < len(COLUMNS):
            return None
        if section == 0 and self.kind == "testimony":
            return _(TESTIMONY_TITLE)
        if section == 0 and self.kind == "person":
            return _(PERSON_TITLE)
        return _(COLUMNS[section][1])
