"""Place suggestions for the forms: towns, cercles and regions offered as distinct choices.

`place_suggestions` is the one place the forms ask the gazetteer (switch it here if the
gazetteer's API changes); `PlaceEdit` offers what it returns, each line saying what kind
of place it is, and puts only the place's name into the field.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from PySide6.QtCore import QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from fieldapp import gazetteer
from fieldapp.i18n import _

NAME_ROLE = Qt.ItemDataRole.UserRole + 1   # what goes into the field: the name alone
ENTRY_ROLE = Qt.ItemDataRole.UserRole + 2  # the row of the entry chosen
SUGGESTIONS = 15


def place_suggestions(text: str, vault: Any = None) -> list[dict[str, Any]]:
    """Places matching ``text`` (shipped ones and those typed before in ``vault``), each a
    dict with name, kind (region, cercle, town, user), region, cercle, latitude and
    longitude."""
    return gazetteer.suggest(text, vault=vault, limit=SUGGESTIONS)


def place_label(entry: Mapping[str, Any]) -> str:
    """How a suggestion reads in the list: its name and what kind of place it is."""
    name = str(entry.get("name") or "")
    kind = entry.get("kind")
    cercle, region = entry.get("cercle") or "", entry.get("region") or ""
    if kind == "region":
        return _("{name} — region").format(name=name)
    if kind == "cercle":
        return _("{name} — cercle ({region} region)").format(name=name, region=region) \
            if region else _("{name} — cercle").format(name=name)
    if kind == "town":
        if cercle and region:
            return _("{name} — town (cercle of {cercle}, {region} region)").format(
                name=name, cercle=cercle, region=region)
        if region:
            return _("{name} — town ({region} region)").format(name=name, region=region)
        return _("{name} — town").format(name=name)
    where = ", ".join(p for p in (cercle, region) if p)
    return _("{name} — typed before ({where})").format(name=name, where=where) if where \
        else _("{name} — typed before").format(name=name)


class PlaceEdit(QLineEdit):
    """A place name with suggestions; ``place_chosen(entry)`` when one is picked."""

    place_chosen = Signal(dict)

    def __init__(self, suggest: Callable[[str], list[dict[str, Any]]],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._suggest = suggest
        self._entries: list[dict[str, Any]] = []
        self._model = QStandardItemModel(self)
        self.completer_ = QCompleter(self._model, self)
        self.completer_.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.completer_.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.completer_.setCompletionRole(NAME_ROLE)  # the label never goes into the field
        self.setCompleter(self.completer_)
        self.completer_.activated[QModelIndex].connect(self._activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(120)
        self._timer.timeout.connect(self.refresh_suggestions)
        self.textEdited.connect(lambda _text: self._timer.start())

    def refresh_suggestions(self) -> list[str]:
        """Ask for the text typed; returns the lines offered."""
        text = self.text().strip()
        self._entries = self._suggest(text) if len(text) >= 2 else []
        self._model.clear()
        lines = []
        for row, entry in enumerate(self._entries):
            line = place_label(entry)
            item = QStandardItem(line)
            item.setData(str(entry.get("name") or ""), NAME_ROLE)
            item.setData(row, ENTRY_ROLE)
            item.setEditable(False)
            self._model.appendRow(item)
            lines.append(line)
        if lines and self.hasFocus():
            self.completer_.complete()
        return lines

    def choose(self, line: str) -> None:
        """Pick a suggestion by its line, as a click (or Enter in the list) does."""
        for row in range(self._model.rowCount()):
            if self._model.item(row).text() == line:
                self._pick(row)
                return

    def _activated(self, index: QModelIndex) -> None:
        row = index.data(ENTRY_ROLE)
        if isinstance(row, int):
            self._pick(row)

    def _pick(self, row: int) -> None:
        if not 0 <= row < len(self._entries):
            return
        entry = dict(self._entries[row])
        self.setText(str(entry.get("name") or ""))
        self.place_chosen.emit(entry)
