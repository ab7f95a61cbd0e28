"""Windows sized to the screen they open on, and their size remembered.

Field laptops have small screens (1366×768, netbooks at 1024×600): a window never opens
larger than the screen's free area, less room for the title bar a window manager adds, and
a window that would not fit at its preferred size opens maximized when it asks to. What the
user did (a size, maximized or not) is kept by `WindowSizes` and given back the next time
that window opens: after a lock and unlock, and, through ``ui.json``, at the next start.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import QByteArray, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QWidget

#: Room left around a window for the title bar and borders of the window manager.
FRAME_ALLOWANCE = QSize(16, 48)


def available_area(window: QWidget) -> QRect:
    """The free area (without panels and task bars) of the screen ``window`` is on."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fit(window: QWidget, preferred: QSize, *, maximize_when_small: bool = False) -> None:
    """Give ``window`` its preferred size, shrunk to the screen; maximize it instead when
    that size does not fit and ``maximize_when_small`` (main windows)."""
    room = available_area(window)
    width = min(preferred.width(), room.width() - FRAME_ALLOWANCE.width())
    height = min(preferred.height(), room.height() - FRAME_ALLOWANCE.height())
    window.resize(max(width, 200), max(height, 150))
    if maximize_when_small and (width < preferred.width() or height < preferred.height()):
        window.setWindowState(window.windowState() | Qt.WindowState.WindowMaximized)


def fits_on_screen(window: QWidget) -> bool:
    """True when the window's frame (as far as it is known) is inside the free area."""
    room = available_area(window)
    frame = window.frameGeometry()
    if window.isMaximized():
        return True
    return room.contains(QRect(frame.topLeft(), window.size()))


class WindowSizes:
    """Remembered window geometries (size, place, maximized), by window name.

    Only sizes and positions: nothing about the records. The shell keeps them in
    ``ui.json`` beside the profile folder."""

    def __init__(self, saved: Mapping[str, str] | None = None) -> None:
        self._saved: dict[str, str] = {k: v for k, v in dict(saved or {}).items()
                                       if isinstance(k, str) and isinstance(v, str)}

    def restore(self, window: QWidget, name: str, preferred: QSize, *,
                maximize_when_small: bool = False) -> None:
        """Give ``window`` its remembered geometry, or its preferred size fitted to the
        screen when none is remembered (or the remembered one no longer fits)."""
        state = self._saved.get(name)
        if state and window.restoreGeometry(QByteArray.fromBase64(state.encode("ascii"))) \
                and fits_on_screen(window):
            return
        fit(window, preferred, maximize_when_small=maximize_when_small)

    def remember(self, window: QWidget, name: str) -> None:
        """Note the window's geometry now (call it before the window closes)."""
        self._saved[name] = bytes(window.saveGeometry().toBase64().data()).decode("ascii")

    def to_dict(self) -> dict[str, str]:
        return dict(self._saved)
