"""PySide6 6.12.0 dropped a reference to None on every call of a void Qt method under
Python 3.11: after a few thousand calls (a map or a chart painted a few times) the
process aborted with "none_dealloc". pyproject.toml keeps PySide6 below 6.12; this test
fails on any version that brings the leak back."""

from __future__ import annotations

import sys

from PySide6.QtCore import QPointF, QRectF
from PySide6.QtGui import QColor, QImage, QPainter, QPen


def test_void_qt_calls_keep_none_alive(qapp) -> None:
    image = QImage(40, 40, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    pen = QPen(QColor("red"))
    try:
        before = sys.getrefcount(None)
        for _ in range(500):
            painter.setPen(pen)
            painter.drawEllipse(QPointF(5, 5), 3.0, 3.0)
            painter.fillRect(QRectF(0, 0, 3, 3), QColor("white"))
        lost = before - sys.getrefcount(None)
    finally:
        painter.end()
    assert lost < 100, f"{lost} references to None lost in 1,500 void Qt calls"
