"""Keyboard shortcuts as the user's language writes them ("Ctrl+Maj+L" in French)."""

from __future__ import annotations

from PySide6.QtGui import QKeySequence


def keys_text(keys: QKeySequence | QKeySequence.StandardKey | str) -> str:
    """The keys in words of the current language. Ask again after a language switch:
    the names come from Qt's own catalog, which changes with the language."""
    sequence = keys if isinstance(keys, QKeySequence) else QKeySequence(keys)
    return sequence.toString(QKeySequence.SequenceFormat.NativeText)
