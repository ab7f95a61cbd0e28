"""Fixtures for the media tests: an incident to attach to, and files written on demand."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

RECORD_MARKER = "MKRECORD-Diallassago-narrative"
INCIDENT = {"title": "Attaque du marché", "occurred_on": "2025-06-18", "date_precision": "day",
            "region": "Mopti", "event_type": "attack_on_civilians",
            "description": RECORD_MARKER}


@pytest.fixture
def record_id(vault) -> str:
    return vault.records.add("incident", INCIDENT)


@pytest.fixture
def inputs(tmp_path: Path) -> Callable[[str, bytes], Path]:
    """``inputs("photo.jpg", data)`` writes a file outside the profile and returns it."""
    folder = tmp_path / "inputs"
    folder.mkdir()

    def write(name: str, data: bytes) -> Path:
        path = folder / name
        path.write_bytes(data)
        return path
    return write
