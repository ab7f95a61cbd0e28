"""Desktop app entry point: `run` (called by ``fieldapp`` with no command and ``make run``).

Sets the process up the safe way before any window: ``umask 077``, a check that Qt can
open a window at all (`ui.qt_platform`: one line naming what is missing, never Qt's abort),
one reverse-DNS app id (`fieldapp.APP_ID`, also the desktop file's name and the icon's),
the application icon, a single running instance per profile folder, gettext plus Qt's own
``qtbase_<lang>`` catalogs, and an excepthook that logs only the exception type and place
(never its text) and shows one calm, translated line.

``FIELDAPP_EXIT_AFTER_SHOW=1`` shows the first window, then exits 0 (smoke tests); with
``FIELDAPP_SCREENSHOT=FILE.png`` too, that window is saved as an image first (the frozen
app's smoke test looks at it).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from fieldapp import APP_ID, APP_NAME, __version__, i18n
from fieldapp.i18n import _

from .qt_platform import check_platform, fatal_guard

if TYPE_CHECKING:
    from PySide6.QtCore import QLockFile, QObject
    from PySide6.QtGui import QIcon

INSTANCE_LOCK = "instance.lock"
#: The application icon: ``org.fieldapp.FieldApp.svg`` and PNGs rendered from it
#: (packaging/render_icons.py), shipped inside the package.
ICON_DIR = Path(__file__).resolve().parent / "icons" / "app"
ExceptHook = Callable[[type[BaseException], BaseException, TracebackType | None], object]


def instance_lock_path(profile_dir: Path) -> Path:
    """The lock beside the profile folder: one app per profile folder."""
    return Path(profile_dir).expanduser().parent / INSTANCE_LOCK


def acquire_instance_lock(profile_dir: Path) -> QLockFile | None:
    """The held lock, or None when another fieldapp already runs on this profile."""
    from PySide6.QtCore import QLockFile

    from fieldapp.fsutil import secure_mkdir

    path = instance_lock_path(profile_dir)
    secure_mkdir(path.parent)
    lock = QLockFile(str(path))
    lock.setStaleLockTime(0)  # only a dead owner's lock is stale, however old
    if not lock.tryLock(100):
        return None
    return lock


def app_icon() -> QIcon:
    """The application icon at every size shipped (window title bars, task bars)."""
    from PySide6.QtGui import QIcon

    icon = QIcon()
    for png in sorted(ICON_DIR.glob("*.png")):
        icon.addFile(str(png))
    return icon


def excepthook(exc_type: type[BaseException], exc: BaseException,
               tb: TracebackType | None) -> None:
    """Log the type and place (no message, no values) and show one calm line."""
    from .crash_log import log_exception

    log_exception(exc_type, exc, tb)
    if issubclass(exc_type, KeyboardInterrupt):
        return
    try:
        from PySide6.QtWidgets import QApplication

        from fieldapp.messages import user_message

        from .messages_box import show_message

        if QApplication.instance() is not None:
            show_message(user_message(exc))
            return
    except Exception:  # noqa: BLE001, S110 - the hook itself must never raise
        pass
    sys.stderr.write(_("fieldapp hit an unexpected problem; nothing was lost.") + "\n")


def _language_from_command_line() -> bool:
    return bool(os.environ.get("FIELDAPP_LANG")) or any(
        a == "--lang" or a.startswith("--lang=") for a in sys.argv[1:])


def run(profile_dir: Path | None = None, argv: list[str] | None = None) -> int:
    """Open the desktop app on ``profile_dir`` (default: the user's profile); exit code."""
    os.umask(0o077)
    check_platform()  # before any Qt library loads: Qt aborts when none can open a window
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from fieldapp.cli.context import default_profile_dir

    from .shell import Shell

    profile_dir = Path(profile_dir) if profile_dir is not None else default_profile_dir()
    QGuiApplication.setDesktopFileName(APP_ID)
    app = QApplication.instance()
    if app is None:
        with fatal_guard():
            app = QApplication(argv or [sys.argv[0]])
    app.setWindowIcon(app_icon())
    app.setApplicationName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    app.setOrganizationDomain("fieldapp.org")
    app.setDesktopFileName(APP_ID)
    exit_after_show = bool(os.environ.get("FIELDAPP_EXIT_AFTER_SHOW"))

    lock = acquire_instance_lock(profile_dir)
    if lock is None:
        text = _("fieldapp is already open on this computer.")
        sys.stderr.write(text + "\n")
        if not exit_after_show:
            from PySide6.QtWidgets import QMessageBox

            QMessageBox.information(None, _("fieldapp"), text)
        return 1

    previous_hook: ExceptHook = sys.excepthook
    sys.excepthook = excepthook
    shell = Shell(profile_dir)
    try:
        saved = shell.saved_language()
        if saved and not _language_from_command_line():
            i18n.set_language(saved)
        window = shell.start()
        if exit_after_show:
            app.processEvents()
            shot = os.environ.get("FIELDAPP_SCREENSHOT")
            if shot and not window.grab().save(shot, "PNG"):
                return 1
            return 0
        return int(app.exec())
    finally:
        shell.shutdown()
        tear_down(shell)
        sys.excepthook = previous_hook
        lock.unlock()


def tear_down(shell: QObject) -> None:
    """Delete every window, the shell and its workers now, while Python is whole.

    Left alone, closed windows (and the objects their signal connections keep alive)
    were destroyed during the interpreter's own final clean-up, when Qt still calls back
    into Python (event filters, overridden methods): "Fatal Python error: bool_dealloc …
    finalizing" once after a long session. Nothing of ours may outlive `run`."""
    import gc

    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from . import messages_box

    for window in QApplication.topLevelWidgets():
        window.close()
        window.deleteLater()
    messages_box.forget()
    shell.deleteLater()
    for _round in range(3):  # deleting a window may post more deletions
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        QCoreApplication.processEvents()
    gc.collect()
