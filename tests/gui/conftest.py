"""GUI test fixtures: offscreen Qt, one Ops per test (shut down after), a private log dir."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


@pytest.fixture(autouse=True)
def _private_log(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Crash logs of this test go to its own folder."""
    from ui import crash_log

    folder = tmp_path / "logs"
    monkeypatch.setenv("FIELDAPP_LOG_DIR", str(folder))
    crash_log.set_log_path(None)
    yield folder


@pytest.fixture(autouse=True)
def _close_message_boxes(qapp) -> Iterator[None]:
    yield
    from ui import messages_box

    box = messages_box.current_box()
    if box is not None:
        box.done(0)


@pytest.fixture
def ops(qtbot) -> Iterator[object]:
    from ui.ops import Ops

    helper = Ops()
    yield helper
    helper.shutdown(wait_ms=10_000)
    helper.deleteLater()


PASSPHRASE = "correct horse battery staple"
PSEUDONYM = "Sahel-7"


@pytest.fixture
def shell_factory(qtbot, tmp_path: Path):
    """``shell_factory()`` → a Shell on this test's profile folder (kdf floor), shut down
    after the test."""
    from ui.shell import Shell

    shells = []

    def make(profile_dir: Path | None = None):
        shell = Shell(profile_dir or tmp_path / "home" / "profile", kdf_seconds=0)
        shells.append(shell)
        return shell

    yield make
    for shell in shells:
        shell.shutdown()
        shell.deleteLater()


@pytest.fixture
def existing_profile(tmp_path: Path) -> tuple[Path, str]:
    """A profile made by the core (passphrase PASSPHRASE); returns (folder, recovery key)."""
    from fieldapp.profile import Profile

    folder = tmp_path / "home" / "profile"
    vault, recovery = Profile(folder).create(PSEUDONYM, PASSPHRASE, kdf_seconds=0)
    vault.close()
    return folder, recovery


def visible_texts(root) -> list[str]:
    """Every user-visible text of ``root`` and its visible children: labels, buttons,
    titles, placeholders, tooltips, actions, tab texts, table and tree headers, combo
    items, group boxes, progress bar formats."""
    from PySide6.QtCore import QModelIndex, Qt
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractItemView,
        QComboBox,
        QGroupBox,
        QLabel,
        QLineEdit,
        QListView,
        QMenu,
        QPlainTextEdit,
        QProgressBar,
        QTabBar,
        QTabWidget,
        QTextEdit,
        QWidget,
    )

    texts: list[str] = []

    def add(value: object) -> None:
        if isinstance(value, str) and value.strip():
            texts.append(value)

    for w in (root, *root.findChildren(QWidget)):
        if w is not root and not w.isVisibleTo(root):
            continue
        if w.isWindow():
            add(w.windowTitle())
        add(w.toolTip())
        add(w.accessibleName())
        if isinstance(w, QLabel):
            add(w.text())
        elif isinstance(w, QAbstractButton):
            add(w.text())
        elif isinstance(w, QLineEdit):
            add(w.placeholderText())
        elif isinstance(w, QPlainTextEdit | QTextEdit):
            add(w.placeholderText())
        elif isinstance(w, QGroupBox):
            add(w.title())
        elif isinstance(w, QProgressBar) and w.isTextVisible() and w.maximum() > 0:
            add(w.text())
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                add(w.itemText(i))
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                add(w.tabText(i))
                add(w.tabToolTip(i))
        elif isinstance(w, QTabWidget):
            pass
        elif isinstance(w, QAbstractItemView) and w.model() is not None:
            model = w.model()
            try:
                columns = model.columnCount(QModelIndex())
            except TypeError:  # list models keep columnCount private
                columns = 0
            for section in range(columns):
                add(model.headerData(section, Qt.Orientation.Horizontal,
                                     Qt.ItemDataRole.DisplayRole))
            if isinstance(w, QListView) and model.rowCount(QModelIndex()) <= 30:
                for row in range(model.rowCount(QModelIndex())):  # sidebars, choice lists
                    add(model.data(model.index(row, 0), Qt.ItemDataRole.DisplayRole))
        for action in w.actions():
            if isinstance(w, QMenu) or action.text():
                add(action.text())
                add(action.toolTip() if action.toolTip() != action.text().replace("&", "")
                    else "")
    return texts
