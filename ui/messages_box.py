"""One calm message box for errors nobody else handled.

The text always comes from `fieldapp.messages.user_message` (the one place that maps errors
to words). At most one box is on screen: a second error replaces the text of the first
instead of stacking windows on a stressed user. The box is window-modal and non-blocking
(``open()``), so background work and tests keep running.
"""

from __future__ import annotations

from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from fieldapp.i18n import _
from fieldapp.messages import user_message

_current: list[QMessageBox] = []


def current_box() -> QMessageBox | None:
    """The error box on screen, if any (tests read its text)."""
    return _current[0] if _current else None


def forget() -> None:
    """Drop the box (the app is quitting: no Qt object is kept past its end)."""
    _current.clear()


def show_message(text: str, parent: QWidget | None = None) -> QMessageBox:
    """Show ``text`` (already translated) in the single calm box."""
    box = current_box()
    if box is not None:
        box.setText(text)
        box.raise_()
        return box
    parent = parent or QApplication.activeWindow()
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Information)
    box.setWindowTitle(_("fieldapp"))
    box.setText(text)
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    box.setAccessibleName(_("Message"))
    _current.append(box)

    def _gone() -> None:
        if box in _current:
            _current.remove(box)
        box.deleteLater()

    box.finished.connect(_gone)
    box.open()
    return box


def show_error(exc: BaseException, parent: QWidget | None = None) -> QMessageBox:
    """Show the translated one-line message for ``exc`` (never a traceback)."""
    from .crash_log import log_exception

    if not _is_expected(exc):
        log_exception(type(exc), exc, exc.__traceback__)
    return show_message(user_message(exc), parent)


def _is_expected(exc: BaseException) -> bool:
    from fieldapp.errors import FieldappError

    return isinstance(exc, FieldappError | OSError)
