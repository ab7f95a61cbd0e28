"""Canonical JSON (for hashes) and parsing of user-given JSON with clear errors."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .errors import MalformedJSON


def canonical(value: Any) -> bytes:
    """The one byte form hashed and signed: sorted keys, no spaces, UTF-8."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      allow_nan=False).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parse_object(raw: bytes, source: str) -> dict[str, Any]:
    """A JSON object from user input; `MalformedJSON` says where it breaks."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MalformedJSON(source=source, line=0, column=0) from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        raise MalformedJSON(source=source, line=exc.lineno, column=exc.colno) from None
    except ValueError:
        raise MalformedJSON(source=source, line=0, column=0) from None
    if not isinstance(value, dict):
        raise MalformedJSON(source=source, line=0, column=0)
    return value


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")
