"""A PNG of every main screen in French and English (and at 200 % scale), and a
pseudo-locale walk that fails on any visible string that escaped gettext.

Screens come from ``ui.screens.SCREENS`` (the shell's and the main window's). PNGs go to
``screenshots/`` at the repository root, or FIELDAPP_SCREENSHOTS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fieldapp import i18n
from tests.conftest import ROOT
from tests.gui.conftest import visible_texts
from tests.gui.shots import (
    capture,
    data_strings,
    screen_context,
    screenshot_dir,
    settle,
    untranslated,
)
from ui.screens import SCREENS

NAMES = [s.name for s in SCREENS]


def _show(qtbot, screen, ctx):
    widget = screen.build(ctx)
    widget.show()
    qtbot.waitExposed(widget)
    settle(widget, ctx.ops, qtbot.waitUntil)
    return widget


@pytest.mark.parametrize("lang", ["en", "fr"])
@pytest.mark.parametrize("name", NAMES)
def test_screenshot(qtbot, tmp_path: Path, name: str, lang: str) -> None:
    screen = next(s for s in SCREENS if s.name == name)
    i18n.set_language(lang)
    with screen_context(tmp_path) as ctx:
        widget = _show(qtbot, screen, ctx)
        path = screenshot_dir() / f"{name}-{lang}.png"
        capture(widget, path)
        assert path.stat().st_size > 1000
        assert widget.width() > 100 and widget.height() > 50
        _close(widget, ctx, qtbot)


def _close(widget, ctx, qtbot) -> None:
    """Close while the vault and Ops still exist (editors save drafts when closed)."""
    import shiboken6

    if shiboken6.isValid(widget):
        widget.close()
        if shiboken6.isValid(widget):
            widget.deleteLater()
    qtbot.waitUntil(lambda: not ctx.ops.busy, timeout=20_000)


def _all_pages_texts(widget) -> list[str]:
    """Visible texts of the widget, flipping through every tab so hidden pages count."""
    from PySide6.QtWidgets import QApplication, QTabWidget

    texts = visible_texts(widget)
    for tabs in widget.findChildren(QTabWidget):
        if not tabs.isVisibleTo(widget):
            continue
        current = tabs.currentIndex()
        for index in range(tabs.count()):
            tabs.setCurrentIndex(index)
            QApplication.processEvents()
            texts.extend(visible_texts(widget))
        tabs.setCurrentIndex(current)
    return texts


@pytest.mark.parametrize("name", NAMES)
def test_pseudo_locale_finds_no_untranslated_text(qtbot, tmp_path: Path, name: str) -> None:
    screen = next(s for s in SCREENS if s.name == name)
    i18n.set_language(i18n.PSEUDO)
    with screen_context(tmp_path) as ctx:
        widget = _show(qtbot, screen, ctx)
        texts = _all_pages_texts(widget)
        assert texts, "the walk found no text at all"
        bad = untranslated(texts, {*screen.allow, *data_strings(ctx.vault)})
        _close(widget, ctx, qtbot)
    assert bad == [], f"{name}: strings not through gettext: {bad}"


def test_pseudo_locale_check_can_fail(qtbot) -> None:
    from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

    i18n.set_language(i18n.PSEUDO)
    root = QWidget()
    qtbot.addWidget(root)
    layout = QVBoxLayout(root)
    layout.addWidget(QLabel(i18n._("Translated")))
    layout.addWidget(QLabel("Forgotten"))
    layout.addWidget(QLabel("2024"))
    layout.addWidget(QLabel("Dec 5, 2023"))
    layout.addWidget(QLabel("Sahel 2024"))
    root.show()
    assert untranslated(visible_texts(root), ()) == ["Forgotten", "Sahel 2024"]


def test_screens_at_200_percent_scale(tmp_path: Path) -> None:
    """QT_SCALE_FACTOR is read when Qt starts: render every screen in its own process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(QT_QPA_PLATFORM="offscreen", QT_SCALE_FACTOR="2", PYTHONPATH=str(ROOT),
               FIELDAPP_LANG="fr", FIELDAPP_LOG_DIR=str(tmp_path / "logs"))
    out = screenshot_dir()
    result = subprocess.run([sys.executable, "-m", "tests.gui.shots", str(out), "fr"],
                            capture_output=True, text=True, env=env, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    from PySide6.QtGui import QImage

    for name in NAMES:
        image = QImage(str(out / f"{name}-fr@2x.png"))
        assert not image.isNull(), name
        assert image.devicePixelRatio() >= 1
