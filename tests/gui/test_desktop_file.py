"""The desktop file carries the one app id used by Qt (setDesktopFileName) too; on X11 the
window's WM_CLASS is Qt's application name, which StartupWMClass names (checked on a real
display by tests/packaging/test_real_display.py)."""

from __future__ import annotations

import configparser

from fieldapp import APP_ID, APP_NAME
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
    assert entry["StartupWMClass"] == APP_NAME
    assert entry["Terminal"] == "false"
    assert "Name" in entry and "Comment[fr]" in entry
