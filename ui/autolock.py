"""Auto-lock after idle: a single-shot timer restarted by any user input in the app."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QApplication

_INPUT = {QEvent.Type.KeyPress, QEvent.Type.MouseButtonPress, QEvent.Type.MouseMove,
          QEvent.Type.Wheel, QEvent.Type.TouchBegin, QEvent.Type.TabletPress,
          QEvent.Type.InputMethod}


class IdleLock(QObject):
    """Emits ``idle`` once after ``interval_ms`` without keyboard, mouse or touch input.

    Only runs between `start` and `stop` (while a vault is open)."""

    idle = Signal()

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)  # one timer: exactness is free
        self.timer.timeout.connect(self.idle)
        self._installed = False

    def set_interval_ms(self, ms: int) -> None:
        self.timer.setInterval(max(1, int(ms)))
        if self.timer.isActive():
            self.timer.start()

    def set_minutes(self, minutes: int) -> None:
        self.set_interval_ms(minutes * 60_000)

    def start(self) -> None:
        app = QApplication.instance()
        if app is not None and not self._installed:
            app.installEventFilter(self)
            self._installed = True
        self.timer.start()

    def stop(self) -> None:
        self.timer.stop()
        app = QApplication.instance()
        if app is not None and self._installed:
            app.removeEventFilter(self)
            self._installed = False

    @property
    def active(self) -> bool:
        return self.timer.isActive()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802 - Qt API
        if event.type() in _INPUT and self.timer.isActive():
            self.timer.start()
        return False
