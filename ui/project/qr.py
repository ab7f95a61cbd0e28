"""A QR code of an invite, as a picture for a label (segno draws it, Qt shows it)."""

from __future__ import annotations

import io

import segno
from PySide6.QtGui import QPixmap


def qr_pixmap(text: str, scale: int = 3) -> QPixmap | None:
    """The QR code of ``text`` (None when it is too long for one code)."""
    try:
        code = segno.make(text.encode("utf-8"), error="l", micro=False)
    except segno.DataOverflowError:
        return None
    out = io.BytesIO()
    code.save(out, kind="png", scale=scale, border=4)
    pixmap = QPixmap()
    pixmap.loadFromData(out.getvalue(), "PNG")
    return pixmap
