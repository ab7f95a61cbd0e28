"""The app's icons: one consistent free set (Lucide, ISC licence; see
``ui/icons/lucide/SOURCE.md``), named by what they stand for in the app.

Each icon is a small SVG drawn with ``currentColor``; `icon` draws it in the colour its
use calls for (the text colour, or a state's colour) at the usual sizes. Nothing is cached
in module globals but the SVG text: Qt objects must not outlive the application.
The application icon itself lives in ``ui/icons/app/`` (packaging).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QIcon, QPainter, QPixmap
from PySide6.QtSvg import QSvgRenderer

LUCIDE_DIR = Path(__file__).resolve().parent / "lucide"

#: what the app shows → the Lucide file drawing it
NAMES: dict[str, str] = {
    # toolbar
    "new_incident": "file-plus", "new_testimony": "message-square-plus",
    "new_person": "user-plus", "sync": "refresh-cw", "lock": "lock", "panic": "siren",
    # sidebar
    "incidents": "file-text", "testimonies": "messages-square", "people": "users",
    "outbox": "send", "audit": "scroll-text", "settings": "settings",
    "dashboard": "chart-column", "map": "map", "report": "printer",
    # a record
    "edit": "pencil", "history": "rotate-ccw-clock", "attach": "paperclip",
    "view": "eye", "export": "download", "search": "search", "empty": "inbox",
    "close": "x",
    # attachment kinds
    "image": "image", "audio": "audio-lines", "video": "file-video-camera",
    "document": "file-text", "file": "file",
    # outbox states
    "sent": "circle-check", "pending": "clock", "failed": "circle-alert",
    "local": "hard-drive", "partial": "cloud-upload", "media_waiting": "image-up",
    # the photo viewer
    "zoom_in": "zoom-in", "zoom_out": "zoom-out", "fit": "scan",
}

TEXT = "#334155"
#: colours that carry a meaning, used beside words (never alone)
COLOURS: dict[str, str] = {
    "panic": "#b91c1c", "sent": "#15803d", "pending": "#b45309", "failed": "#b91c1c",
    "partial": "#1d4ed8", "media_waiting": "#1d4ed8", "local": "#475569",
    "empty": "#94a3b8",
}
SIZES = (16, 20, 24, 32, 48, 64)


@cache
def svg_text(name: str) -> str:
    """The SVG of ``name`` (a key of `NAMES`)."""
    return (LUCIDE_DIR / f"{NAMES[name]}.svg").read_text(encoding="utf-8")


def pixmap(name: str, size: int, colour: str | None = None, ratio: float = 1.0) -> QPixmap:
    """``name`` drawn in ``colour`` (its own colour, else the text colour) at ``size``."""
    svg = svg_text(name).replace("currentColor", colour or COLOURS.get(name, TEXT))
    renderer = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    side = max(1, round(size * ratio))
    image = QPixmap(side, side)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, side, side))
    painter.end()
    image.setDevicePixelRatio(ratio)
    return image


def icon(name: str, colour: str | None = None) -> QIcon:
    """A QIcon of ``name`` at the usual sizes, sharp at 100 % and 200 % scale."""
    result = QIcon()
    for size in SIZES:
        for ratio in (1.0, 2.0):
            result.addPixmap(pixmap(name, size, colour, ratio))
    return result
