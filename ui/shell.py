"""The shell: which window shows (first run, unlock, main), locking, panic, language.

It implements the `AppController` requests (lock, panic, settings, language) so the main
window only calls ``controller.lock()`` and never needs to know how locking works.
Locking is immediate on screen (every window closes, the unlock window shows); the vault
itself is closed on the ``db`` lane, after any write already queued, so nothing is lost.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTranslator
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QToolBar, QWidget

from fieldapp import i18n
from fieldapp.crypto.kdf import DEFAULT_SECONDS
from fieldapp.fsutil import atomic_write, secure_mkdir
from fieldapp.i18n import _
from fieldapp.profile import Profile, Vault

from . import sync_bridge
from .autolock import IdleLock
from .controller import AppController
from .crash_log import log_exception
from .ops import Ops
from .panic import PANIC_SHORTCUT, PanicDialog
from .qt_catalog import qt_translators
from .window_size import WindowSizes

# Beside the profile folder: the language and window sizes, nothing about the records.
PREFERENCES = "ui.json"


def retranslate_all() -> None:
    """Call ``retranslate()`` on every widget of every visible window that has one.

    Hidden windows are skipped (windows are rebuilt when shown again, and a widget that
    outlives its vault must not be woken); one failing widget is logged (type and place
    only) and does not stop the others from switching language."""
    for top in QApplication.topLevelWidgets():
        if not top.isVisible():
            continue
        for widget in (top, *top.findChildren(QWidget)):
            method = getattr(widget, "retranslate", None)
            if callable(method):
                try:
                    method()
                except Exception as exc:  # noqa: BLE001 - keep switching the others
                    log_exception(type(exc), exc, exc.__traceback__)


class PlaceholderWindow(QMainWindow):
    """Shown after unlock until the real main window (ui.main_window) exists."""

    def __init__(self, controller: AppController, vault: Vault) -> None:
        super().__init__()
        self.controller = controller
        self.label = QLabel()
        self.label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setCentralWidget(self.label)
        self.toolbar = QToolBar()
        self.addToolBar(self.toolbar)
        self.lock_action = self.toolbar.addAction("", controller.lock)
        self.panic_action = self.toolbar.addAction("", controller.panic)
        self.settings_action = self.toolbar.addAction("", controller.open_settings)
        self.pseudonym = vault.pseudonym if vault is not None else ""
        self.resize(900, 600)
        self.retranslate()

    def retranslate(self) -> None:
        self.setWindowTitle(_("fieldapp"))
        self.label.setText(_("Unlocked as {pseudonym}.").format(pseudonym=self.pseudonym))
        self.lock_action.setText(_("Lock"))
        self.panic_action.setText(_("Panic"))
        self.settings_action.setText(_("Settings"))


class Shell(QObject):
    """Owns the windows of one run of the app for one profile folder."""

    def __init__(self, profile_dir: Path, *, ops: Ops | None = None,
                 kdf_seconds: float = DEFAULT_SECONDS, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.profile = Profile(profile_dir)
        self.home_profile = self.profile  # the real one; the demo may replace it for a while
        self.kdf_seconds = kdf_seconds
        self.ops = ops or Ops(self)
        self.controller = AppController(self.ops, self.profile, self)
        self.controller.lock_requested.connect(self.lock)
        self.controller.panic_requested.connect(self.panic)
        self.controller.settings_requested.connect(self.open_settings)
        self.controller.autolock_changed.connect(self._autolock_changed)
        self.idle = IdleLock(self)
        self.idle.idle.connect(self.lock)
        self.window: QWidget | None = None
        self.main_window: QWidget | None = None
        self.settings: QWidget | None = None
        self.panic_dialog: PanicDialog | None = None
        self.is_demo = False
        self.demo_server: Any = None
        self._qt_translator: QTranslator | None = None  # Qt's own catalog, when loaded
        self._qt_translators: list[QTranslator] = []
        self._autolock_override_ms: int | None = None
        self.controller.window_sizes = WindowSizes(self._preferences().get("windows"))
        i18n.on_language_change(self._language_changed)
        self._install_qt_translation(i18n.current_language())

    # --- start and windows ------------------------------------------------------------
    def start(self) -> QWidget:
        """Show the first window: unlock when a profile exists, else the first run."""
        if self.profile.exists():
            return self.show_unlock()
        return self.show_first_run()

    def _show(self, window: QWidget) -> QWidget:
        old = self.window
        self.window = window
        window.show()
        window.raise_()
        window.activateWindow()
        if old is not None and old is not window:
            old.close()
            old.deleteLater()
        return window

    def show_first_run(self) -> QWidget:
        from .first_run import FirstRunWindow

        window = FirstRunWindow(self.home_profile.path, self.ops, kdf_seconds=self.kdf_seconds)
        window.opened.connect(self._opened)
        return self._show(window)

    def show_unlock(self) -> QWidget:
        from .unlock import UnlockWindow

        window = UnlockWindow(self.profile, self.ops, is_demo=self.is_demo)
        window.unlocked.connect(self._unlocked)
        return self._show(window)

    def _opened(self, vault: Vault, profile: Profile, is_demo: bool) -> None:
        self.profile = profile
        self.controller.profile = profile
        self.is_demo = is_demo
        if is_demo:
            self.ops.run(sync_bridge.start_demo_server, vault, lane="net",
                         on_done=self._demo_server_started, on_error=lambda _e: None)
        self._unlocked(vault)

    def _demo_server_started(self, handle: Any) -> None:
        self.demo_server = handle

    def _unlocked(self, vault: Vault) -> None:
        self.controller.vault = vault
        self.controller.profile = self.profile
        window = self._make_main_window(vault)
        self.main_window = window
        self._add_panic_action(window)
        self._show(window)
        self.controller.load_settings()
        self._start_idle()

    def _make_main_window(self, vault: Vault) -> QWidget:
        try:
            from ui.main_window import MainWindow  # U2's window, when present
        except ModuleNotFoundError as exc:
            if exc.name != "ui.main_window":
                log_exception(type(exc), exc, exc.__traceback__)
            return PlaceholderWindow(self.controller, vault)
        except Exception as exc:  # noqa: BLE001 - a broken build still locks and unlocks
            log_exception(type(exc), exc, exc.__traceback__)
            return PlaceholderWindow(self.controller, vault)
        try:
            return MainWindow(vault=vault, profile=self.profile, ops=self.ops,
                              controller=self.controller)
        except TypeError:
            return MainWindow(vault=vault, profile=self.profile, ops=self.ops)

    def _add_panic_action(self, window: QWidget) -> None:
        action = QAction(window)
        action.setShortcut(PANIC_SHORTCUT)
        action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        action.triggered.connect(self.controller.panic)
        window.addAction(action)

    # --- settings and language --------------------------------------------------------
    def open_settings(self) -> QWidget | None:
        from .settings import SettingsDialog

        if self.controller.vault is None:
            return None
        if self.settings is not None:
            self.settings.raise_()
            return self.settings
        dialog = SettingsDialog(self.controller, self.main_window)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _o=None: setattr(self, "settings", None))
        self.settings = dialog
        dialog.open()
        return dialog

    def _language_changed(self, lang: str) -> None:
        self._install_qt_translation(lang)
        retranslate_all()
        self.controller.language_changed.emit(lang)
        self.save_language(lang)

    def _install_qt_translation(self, lang: str) -> None:
        app = QApplication.instance()
        if app is None:
            return
        self._remove_qt_translation()
        for translator in qt_translators(lang, self):
            app.installTranslator(translator)
            self._qt_translators.append(translator)
        self._qt_translator = self._qt_translators[-1] if self._qt_translators else None

    def _remove_qt_translation(self) -> None:
        app = QApplication.instance()
        for translator in self._qt_translators:
            if app is not None:
                app.removeTranslator(translator)
            translator.deleteLater()
        self._qt_translators = []
        self._qt_translator = None

    @property
    def preferences_path(self) -> Path:
        return self.home_profile.path.parent / PREFERENCES

    def _preferences(self) -> dict[str, Any]:
        try:
            saved = json.loads(self.preferences_path.read_text())
        except (OSError, ValueError):
            return {}
        return saved if isinstance(saved, dict) else {}

    def saved_language(self) -> str | None:
        lang = self._preferences().get("language")
        return lang if lang in i18n.LANGUAGES else None

    def save_language(self, lang: str) -> None:
        if lang in i18n.LANGUAGES:
            self.save_preferences(lang)

    def save_preferences(self, lang: str | None = None) -> None:
        """Write the language (the one given, else the one saved) and window sizes."""
        lang = lang or self.saved_language()
        preferences: dict[str, Any] = {"windows": self.controller.window_sizes.to_dict()}
        if lang:
            preferences["language"] = lang
        try:
            secure_mkdir(self.preferences_path.parent)
            atomic_write(self.preferences_path, json.dumps(preferences).encode())
        except OSError:
            pass  # a preference is not worth an error message

    # --- auto-lock --------------------------------------------------------------------
    def set_autolock_ms(self, ms: int | None) -> None:
        """Override the delay (tests, benchmarks); None goes back to the setting."""
        self._autolock_override_ms = ms
        self._autolock_changed(self.controller.autolock_minutes)

    def _autolock_changed(self, minutes: int) -> None:
        if self._autolock_override_ms is not None:
            self.idle.set_interval_ms(self._autolock_override_ms)
        else:
            self.idle.set_minutes(minutes)

    def _start_idle(self) -> None:
        self._autolock_changed(self.controller.autolock_minutes)
        self.idle.start()

    # --- lock and panic ---------------------------------------------------------------
    @property
    def unlocked(self) -> bool:
        return self.controller.vault is not None

    def lock(self) -> None:
        """Lock at once: close every window and the vault, show the unlock window."""
        vault = self.controller.vault
        if vault is None:
            return
        self.idle.stop()
        self.controller.vault = None
        main, self.main_window = self.main_window, None
        unlock = self.show_unlock()
        for top in QApplication.topLevelWidgets():
            if top is not unlock and top.isVisible():
                top.close()
        if main is not None:
            main.close()
            main.deleteLater()
        self.save_preferences()  # the main window noted its size as it closed
        self.ops.run(vault.close, lane="db", on_error=lambda _e: None)
        self.controller.locked.emit()

    def panic(self) -> None:
        """Lock at once, then ask whether to destroy the profile (default: keep it)."""
        self.lock()
        if not self.profile.exists() or self.panic_dialog is not None:
            return
        dialog = PanicDialog(self.window)
        dialog.accepted.connect(self.shred)
        dialog.finished.connect(self._panic_closed)
        self.panic_dialog = dialog
        dialog.open()

    def _panic_closed(self, _result: int) -> None:
        if self.panic_dialog is not None:
            self.panic_dialog.deleteLater()
        self.panic_dialog = None

    def shred(self) -> None:
        """Destroy the keys and files of the current profile (after the vault is closed:
        same db lane, queued after the close)."""
        profile = self.profile
        self.ops.run(profile.panic, lane="db", on_done=lambda _r: self._shredded(),
                     on_error=lambda exc: self._shred_failed(exc))

    def _shredded(self) -> None:
        if self.is_demo:
            self._forget_demo()
        self.profile = self.home_profile
        self.controller.profile = self.profile
        self.start()

    def _shred_failed(self, exc: BaseException) -> None:
        from .messages_box import show_error

        show_error(exc, self.window)

    # --- demo -------------------------------------------------------------------------
    def _forget_demo(self) -> None:
        if self.demo_server is not None:
            stop = getattr(self.demo_server, "stop", None)
            if callable(stop):
                stop()
            self.demo_server = None
        folder = self.profile.path.parent
        if self.profile.path.exists():
            self.profile.panic()
        if folder.name.startswith("fieldapp-demo-"):
            shutil.rmtree(folder, ignore_errors=True)
        self.is_demo = False

    # --- end --------------------------------------------------------------------------
    def shutdown(self) -> None:
        """Close the vault, stop the workers, wipe a demo profile; safe to call twice."""
        i18n.remove_language_listener(self._language_changed)
        self.idle.stop()
        vault, self.controller.vault = self.controller.vault, None
        for top in (self.main_window, self.window, self.settings, self.panic_dialog):
            if top is not None:
                top.close()
        if self.main_window is not None:
            self.save_preferences()
        self.ops.shutdown()  # queued writes finish first
        if vault is not None:
            vault.close()
        if self.is_demo:
            self._forget_demo()
        self._remove_qt_translation()
