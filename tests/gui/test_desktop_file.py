"""The desktop file carries the one app id used by Qt (setDesktopFileName) too."""

from __future__ import annotations

import configparser

from fieldapp import APP_ID
from tests.conftest import ROOT


def test_desktop_file_named_and_matching_app_id() -> None:
    path = ROOT / "packaging" / f"{APP_ID}.desktop"
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    entry = parser["Desktop Entry"]
    assert entry["Type"] == "Application"
    assert entry["Exec"] == "fieldapp"
    assert entry["Icon"] == APP_ID
    assert entry["StartupWMClass"] == APP_ID
    assert entry["Terminal"] == "false"
    assert "Name" in entry and "Comment[fr]" in entry
