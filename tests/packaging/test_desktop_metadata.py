"""What desktops read: the desktop file and the AppStream metainfo pass their validators,
name the one app id, and the icon they name exists (SVG and PNGs up to date with it)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from fieldapp import APP_ID
from tests.conftest import ROOT

DESKTOP = ROOT / "packaging" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "ui" / "icons" / "app"


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        if os.geteuid() == 0:
            pytest.fail(f"make setup-test should have installed {name}")
        pytest.skip(f"{name} not installed (make setup-test installs it as root)")
    return path


def test_desktop_file_validates() -> None:
    result = subprocess.run([_tool("desktop-file-validate"), str(DESKTOP)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0 and "error" not in result.stdout, result.stdout


def test_metainfo_validates_and_names_the_app() -> None:
    result = subprocess.run([_tool("appstreamcli"), "validate", "--no-net", str(METAINFO)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP.name
    assert root.findtext("icon") == APP_ID


def test_icon_named_by_the_desktop_file_exists_at_every_size() -> None:
    from PySide6.QtGui import QImage

    assert f"Icon={APP_ID}\n" in DESKTOP.read_text(encoding="utf-8")
    svg = ICONS / f"{APP_ID}.svg"
    ET.parse(svg)  # well-formed
    for size in (16, 24, 32, 48, 64, 128, 256):
        image = QImage(str(ICONS / f"{size}.png"))
        assert (image.width(), image.height()) == (size, size)
        assert image.hasAlphaChannel()


def test_icon_pngs_are_rendered_from_the_svg() -> None:
    result = subprocess.run([sys.executable, str(ROOT / "packaging" / "render_icons.py"),
                             "--check"], capture_output=True, text=True, check=False,
                            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert result.returncode == 0, result.stdout + result.stderr
