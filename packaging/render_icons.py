"""Render the application icon (ui/icons/app/org.fieldapp.FieldApp.svg) to the PNG sizes
desktops ask for, with Qt's own SVG renderer.

    QT_QPA_PLATFORM=offscreen .venv/bin/python packaging/render_icons.py [--check]

Writes ``ui/icons/app/<size>.png`` (committed: a few KB each). ``--check`` renders into
memory and exits 1 when a committed PNG differs from the SVG (tests run it); a small
tolerance absorbs antialiasing changes between Qt versions, not a changed drawing.
``--ico FILE`` writes a Windows icon holding every size (for the installer; the frozen
program's own icon is converted by PyInstaller from 256.png).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ICON_DIR = ROOT / "ui" / "icons" / "app"
SVG = ICON_DIR / "org.fieldapp.FieldApp.svg"
SIZES = (16, 24, 32, 48, 64, 128, 256)
TOLERANCE = 2.0  # mean difference per colour channel, out of 255


def difference(a: object, b: object) -> float:
    """Mean absolute difference per channel of two same-sized ARGB32 images (255 when the
    sizes differ)."""
    if a.size() != b.size():
        return 255.0
    x, y = bytes(a.constBits()), bytes(b.constBits())
    return sum(abs(p - q) for p, q in zip(x, y, strict=True)) / max(1, len(x))


def render(size: int) -> object:
    """The icon as a QImage of ``size`` × ``size`` pixels (transparent corners)."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    renderer = QSvgRenderer(str(SVG))
    if not renderer.isValid():
        raise SystemExit(f"{SVG} is not a valid SVG")
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    return image


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare with the committed PNGs instead of writing them")
    parser.add_argument("--ico", type=Path, help="also write a Windows .ico of the PNGs")
    args = parser.parse_args()
    if args.ico:
        from PIL import Image

        images = [Image.open(ICON_DIR / f"{size}.png") for size in SIZES]
        images[-1].save(args.ico, format="ICO", sizes=[(s, s) for s in SIZES],
                        append_images=images[:-1])
        return 0
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication, QImage

    _app = QGuiApplication.instance() or QGuiApplication([sys.argv[0]])
    stale = []
    for size in SIZES:
        image = render(size)
        path = ICON_DIR / f"{size}.png"
        if args.check:
            committed = QImage(str(path)).convertToFormat(QImage.Format.Format_ARGB32)
            if committed.isNull() or difference(committed, image) > TOLERANCE:
                stale.append(path.name)
        elif not image.save(str(path), "PNG", 9):
            raise SystemExit(f"could not write {path}")
    if stale:
        print("stale icon PNGs (run packaging/render_icons.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
