"""Text helpers shared by search, places and ids."""

from __future__ import annotations

import os
import time
import unicodedata
import uuid


def fold(text: str) -> str:
    """Accent- and case-insensitive form: 'Léré' and 'LERE' both give 'lere'."""
    decomposed = unicodedata.normalize("NFKD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(stripped.casefold().split())


def uuid7() -> str:
    """A UUIDv7 (time-ordered, RFC 9562) as text."""
    ms = time.time_ns() // 1_000_000
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return str(uuid.UUID(int=value))
