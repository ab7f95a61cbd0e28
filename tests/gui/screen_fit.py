"""Show every registered screen (ui.screens.SCREENS) on a virtual screen of a given size
and say what does not fit: a window larger than the screen, a minimum size above it, a
button outside the screen or cut off by its window. Writes a PNG of each screen too.

Qt reads the screen size when it starts, so this runs in a process of its own, on the
offscreen platform configured with one screen of that size (``configfile=``)::

    python -m tests.gui.screen_fit OUT_DIR 1024x600 fr

Prints one line per problem ("screen: what") and exits 1 when there is any.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path


def offscreen_platform(width: int, height: int, folder: Path) -> str:
    """The QT_QPA_PLATFORM value for one virtual screen of ``width`` × ``height``."""
    config = folder / f"screen-{width}x{height}.json"
    config.write_text(json.dumps({"screens": [{
        "name": "laptop", "x": 0, "y": 0, "width": width, "height": height,
        "logicalDpi": 96, "logicalBaseDpi": 96, "dpr": 1}]}))
    return f"offscreen:configfile={config}"


def _inside(outer: object, inner: object) -> bool:
    return outer.contains(inner)  # type: ignore[attr-defined]


def _in_scroll_area(widget: object, top: object) -> bool:
    """True when ``widget`` sits inside a scroll area's contents (it may be scrolled to)."""
    from PySide6.QtWidgets import QAbstractScrollArea

    parent = widget.parentWidget()  # type: ignore[attr-defined]
    while parent is not None and parent is not top:
        if isinstance(parent.parentWidget(), QAbstractScrollArea) and \
                parent is parent.parentWidget().viewport():
            return True
        parent = parent.parentWidget()
    return False


def problems(name: str, window: object) -> list[str]:
    """What does not fit on the screen the window is on (empty when all is well)."""
    from PySide6.QtCore import QRect
    from PySide6.QtWidgets import QAbstractButton, QApplication

    screen = window.screen() or QApplication.primaryScreen()  # type: ignore[attr-defined]
    available: QRect = screen.availableGeometry()
    found: list[str] = []
    frame = window.frameGeometry()  # type: ignore[attr-defined]
    if not _inside(available, frame):
        found.append(f"{name}: window {frame.width()}x{frame.height()} at "
                     f"({frame.x()}, {frame.y()}) is not inside the screen "
                     f"{available.width()}x{available.height()}")
    hint = window.minimumSizeHint().expandedTo(window.minimumSize())  # type: ignore[attr-defined]
    if hint.width() > available.width() or hint.height() > available.height():
        found.append(f"{name}: minimum size {hint.width()}x{hint.height()} is larger than "
                     f"the screen")
    for button in window.findChildren(QAbstractButton):  # type: ignore[attr-defined]
        if not button.isVisibleTo(window) or button.width() <= 1:
            continue
        if _in_scroll_area(button, window):
            continue  # the user scrolls to it; the scroll area itself is checked
        label = button.text().replace("&", "") or button.objectName() or \
            type(button).__name__
        where = QRect(button.mapToGlobal(button.rect().topLeft()), button.size())
        if not _inside(available, where):
            found.append(f"{name}: button “{label}” is outside the screen")
            continue
        shown = button.visibleRegion().boundingRect()
        if shown.size() != button.size():
            found.append(f"{name}: button “{label}” is cut off "
                         f"({shown.width()}x{shown.height()} of "
                         f"{button.width()}x{button.height()} visible)")
    return found


def main(argv: list[str]) -> int:
    from PySide6.QtWidgets import QApplication

    from fieldapp import i18n
    from tests.gui.shots import capture, screen_context, settle
    from ui.screens import SCREENS

    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    size = argv[1]
    langs = argv[2:] or ["fr"]
    only = {n for n in os.environ.get("FIELDAPP_SCREENS", "").split(",") if n}
    app = QApplication.instance() or QApplication([sys.argv[0]])
    found: list[str] = []
    with tempfile.TemporaryDirectory() as tmp:
        for lang in langs:
            i18n.set_language(lang)
            for screen in SCREENS:
                if only and screen.name not in only:
                    continue
                sub = Path(tmp) / f"{screen.name}-{lang}"
                sub.mkdir()
                with screen_context(sub) as ctx:
                    widget = screen.build(ctx)
                    widget.show()
                    settle(widget, ctx.ops)
                    found += problems(f"{screen.name} ({lang})", widget)
                    capture(widget, out / f"{screen.name}-{lang}@{size}.png")
                    widget.close()
                    widget.deleteLater()
                    settle(widget, ctx.ops)
    app.processEvents()
    for line in found:
        sys.stdout.write(line + "\n")
    return 1 if found else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
