"""A widget Qt has deleted is never retranslated again (it crashed the process once)."""

from __future__ import annotations

import shiboken6
from PySide6.QtWidgets import QWidget

from fieldapp import i18n
from ui.forms.fields import follow_language


class Listening(QWidget):
    def __init__(self, parent: QWidget, calls: list[str]) -> None:
        super().__init__(parent)
        self.calls = calls
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.calls.append(self.objectName())  # touches the C++ object


def test_deleted_widget_is_not_called_and_listener_is_dropped(qtbot):
    calls: list[str] = []
    parent = QWidget()
    child = Listening(parent, calls)
    i18n.set_language("fr")
    assert calls == [""]
    before = len(i18n._listeners)
    shiboken6.delete(parent)  # Qt deletes the child with its parent
    assert not shiboken6.isValid(child)
    i18n.set_language("en")
    assert calls == [""]
    assert len(i18n._listeners) < before


def test_live_widget_follows_every_switch(qtbot):
    calls: list[str] = []
    parent = QWidget()
    qtbot.addWidget(parent)
    Listening(parent, calls)
    i18n.set_language("fr")
    i18n.set_language("en")
    assert len(calls) == 2


class TopLevel(QWidget):
    def __init__(self, calls: list[str]) -> None:
        super().__init__()
        self.calls = calls
        follow_language(self, self.retranslate)

    def retranslate(self) -> None:
        self.calls.append(self.windowTitle())


def test_listener_does_not_keep_a_closed_window_alive(qtbot):
    import gc

    calls: list[str] = []
    window = TopLevel(calls)
    window.close()
    del window
    gc.collect()
    i18n.set_language("fr")
    assert calls == []
