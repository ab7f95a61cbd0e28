"""Sizes of files as people read them ("3.1 MB"), in the user's language."""

from __future__ import annotations

from fieldapp.i18n import _, format_number


def size_text(size: int) -> str:
    """A size in bytes as "3.1 MB" or "640 KB" (numbers written the language's way)."""
    if size >= 1 << 20:
        return _("{n} MB").format(n=format_number(round(size / (1 << 20), 1)))
    return _("{n} KB").format(n=format_number(max(1, round(size / 1024))))
