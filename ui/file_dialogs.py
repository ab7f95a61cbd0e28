"""File dialogs that remember nothing: the one place the app asks for a file.

Qt's own file dialog writes the folders it visited and the paths it showed into the user's
settings (``~/.config/QtProject.conf``, group ``FileDialog``: ``lastVisited``, ``history``),
and desktop dialogs add to the "recent files" list. On a seized laptop those paths say
where the photos and the exports were. So the app uses Qt's dialog (not the desktop's, which
keeps its own recent list) and wipes that group after every use.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QFileDialog, QWidget

QT_SETTINGS = "QtProject"
GROUP = "FileDialog"
OPTIONS = QFileDialog.Option.DontUseNativeDialog


def forget() -> None:
    """Remove what Qt's file dialog remembered (visited folders, history)."""
    settings = QSettings(QSettings.Scope.UserScope, QT_SETTINGS)
    settings.remove(GROUP)
    settings.sync()


def open_file(parent: QWidget | None, title: str, folder: str = "",
              filters: str = "") -> str:
    """One file to read ("" when cancelled)."""
    try:
        name, _chosen = QFileDialog.getOpenFileName(parent, title, folder, filters,
                                                    options=OPTIONS)
    finally:
        forget()
    return name


def open_files(parent: QWidget | None, title: str, folder: str = "",
               filters: str = "") -> list[str]:
    """Files to read ([] when cancelled)."""
    try:
        names, _chosen = QFileDialog.getOpenFileNames(parent, title, folder, filters,
                                                      options=OPTIONS)
    finally:
        forget()
    return list(names)


def save_file(parent: QWidget | None, title: str, suggested: str = "",
              filters: str = "") -> str:
    """Where to write a file ("" when cancelled)."""
    try:
        name, _chosen = QFileDialog.getSaveFileName(parent, title, suggested, filters,
                                                    options=OPTIONS)
    finally:
        forget()
    return name
