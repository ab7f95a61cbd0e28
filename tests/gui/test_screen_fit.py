"""Every window fits a netbook (1024×600) and a common laptop (1366×768): each screen of
ui.screens is shown on a virtual screen of that size (the offscreen platform configured
with one screen, in a process of its own) and every button must be inside the screen and
not cut off; forms scroll inside while Save and Close stay visible. The main window's
size, maximized or not, comes back after a lock and at the next start."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QApplication, QPushButton, QVBoxLayout, QWidget

from tests.conftest import ROOT
from tests.gui.conftest import PASSPHRASE
from tests.gui.screen_fit import offscreen_platform, problems
from tests.gui.shots import screenshot_dir
from ui.screens import SCREENS


def _run_on_screen(tmp_path: Path, width: int, height: int, out: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FIELDAPP_")}
    env.update(QT_QPA_PLATFORM=offscreen_platform(width, height, tmp_path),
               PYTHONPATH=str(ROOT), FIELDAPP_LANG="fr",
               FIELDAPP_LOG_DIR=str(tmp_path / "logs"))
    return subprocess.run([sys.executable, "-m", "tests.gui.screen_fit", str(out),
                           f"{width}x{height}", "fr"], capture_output=True, text=True,
                          env=env, cwd=ROOT, timeout=900)


@pytest.mark.parametrize(("width", "height"), [(1024, 600), (1366, 768)])
def test_every_screen_fits_a_small_screen(tmp_path: Path, width: int, height: int) -> None:
    out = screenshot_dir() if width == 1024 else tmp_path / "shots"
    result = _run_on_screen(tmp_path, width, height, out)
    assert result.returncode == 0, result.stdout + result.stderr[-3000:]
    for screen in SCREENS:  # a screenshot of each screen at that size
        assert (out / f"{screen.name}-fr@{width}x{height}.png").stat().st_size > 1000


def test_the_fit_check_can_fail(qtbot) -> None:
    """A window wider than the screen, with a button beyond its right edge, is named."""
    area = QApplication.primaryScreen().availableGeometry()
    window = QWidget()
    qtbot.addWidget(window)
    layout = QVBoxLayout(window)
    button = QPushButton("Far away", window)
    layout.addWidget(button)
    window.setMinimumSize(QSize(area.width() + 200, 100))
    window.show()
    qtbot.waitExposed(window)
    found = problems("test", window)
    assert any("not inside the screen" in line for line in found), found
    assert any("minimum size" in line for line in found), found


def _unlock(qtbot, shell):
    window = shell.start()
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        window.passphrase.setText(PASSPHRASE)
        window.submit()
    qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible())
    return shell.main_window


def test_main_window_opens_inside_the_screen(qtbot, shell_factory, existing_profile) -> None:
    folder, _key = existing_profile
    main = _unlock(qtbot, shell_factory(folder))
    area = main.screen().availableGeometry()
    assert area.contains(main.frameGeometry()), (main.frameGeometry(), area)
    assert main.statusBar().isVisible()
    status = main.statusBar()
    bottom_left = status.mapToGlobal(status.rect().bottomLeft())
    assert area.contains(bottom_left)


def test_main_window_size_and_maximized_come_back(qtbot, shell_factory,
                                                  existing_profile) -> None:
    folder, _key = existing_profile
    shell = shell_factory(folder)
    main = _unlock(qtbot, shell)
    main.showNormal()
    # A size a 1024x600 netbook can hold, and the window must accept it (no wider minimum).
    assert main.minimumSizeHint().width() <= 780, main.minimumSizeHint()
    main.resize(780, 540)
    qtbot.waitUntil(lambda: main.width() == 780)
    shell.lock()
    main = _unlock(qtbot, shell)
    assert (main.width(), main.height()) == (780, 540)
    assert not main.isMaximized()

    main.showMaximized()
    qtbot.waitUntil(main.isMaximized)
    shell.lock()
    main = _unlock(qtbot, shell)
    assert main.isMaximized(), "maximized before the lock: maximized after the unlock"

    shell.shutdown()  # quitting keeps it for the next start, beside the profile folder
    preferences = json.loads((folder.parent / "ui.json").read_text())
    assert set(preferences) <= {"language", "windows"}
    assert set(preferences["windows"]) == {"main"}
    again = shell_factory(folder)
    main = _unlock(qtbot, again)
    assert main.isMaximized()


def test_forms_scroll_inside_with_save_and_close_visible(qtbot, shell_factory,
                                                         existing_profile) -> None:
    """A form taller than the screen scrolls; its buttons stay on screen, and its size is
    remembered for the next form of that kind."""
    folder, _key = existing_profile
    main = _unlock(qtbot, shell_factory(folder))
    editor = main.new_record("incident")
    qtbot.waitExposed(editor)
    area = editor.screen().availableGeometry()
    assert editor.frameGeometry().height() <= area.height()
    for button in (editor.save_button, editor.close_button):
        where = button.mapToGlobal(button.rect().bottomRight())
        assert area.contains(where), button.text()
        assert button.visibleRegion().boundingRect().size() == button.size()
    editor.resize(600, 420)
    qtbot.waitUntil(lambda: editor.height() == 420)
    editor.close()
    qtbot.waitUntil(lambda: editor not in main.editors)
    second = main.new_record("incident")
    assert (second.width(), second.height()) == (600, 420)
    second.close()
