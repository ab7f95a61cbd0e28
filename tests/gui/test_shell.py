"""The shell: language switch at run time, panic, auto-lock, settings, excepthook."""

from __future__ import annotations

import stat

from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from fieldapp import i18n
from fieldapp.errors import WrongPassphrase
from fieldapp.profile import Profile
from tests.gui.conftest import PASSPHRASE
from ui import crash_log, messages_box
from ui.panic import PanicDialog
from ui.settings import SettingsDialog


def _unlocked_shell(qtbot, shell_factory, folder):
    shell = shell_factory(folder)
    window = shell.start()
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        window.passphrase.setText(PASSPHRASE)
        window.submit()
    qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible())
    return shell


def test_language_switch_retranslates_open_windows(qtbot, shell_factory,
                                                   existing_profile) -> None:
    folder, _key = existing_profile
    shell = _unlocked_shell(qtbot, shell_factory, folder)
    dialog = shell.open_settings()
    assert isinstance(dialog, SettingsDialog)
    assert dialog.windowTitle() == "Settings"
    assert dialog.tabs.tabText(1) == "Passphrases"
    english_title = shell.main_window.windowTitle()
    with qtbot.waitSignal(shell.controller.language_changed, timeout=5000) as changed:
        dialog.language.setCurrentIndex(dialog.language.findData("fr"))
    assert changed.args == ["fr"]
    assert i18n.current_language() == "fr"
    assert dialog.windowTitle() == "Paramètres"
    assert dialog.tabs.tabText(1) == "Phrases de passe"
    assert dialog.autolock_label.text() != "&Lock after:"
    assert "minutes" in dialog.autolock.itemText(2)
    assert shell._qt_translator is not None  # Qt's own dialogs in French too
    assert shell.saved_language() == "fr"
    # the lock screen comes up in French, and so does the main window after a switch back
    shell.lock()
    assert shell.window.unlock_button.text() == "&Déverrouiller"
    shell.controller.set_language("en")
    assert shell.window.unlock_button.text() == "&Unlock"
    assert english_title  # the main window had a title in English


def test_panic_locks_at_once_and_shreds_only_after_confirmation(qtbot, shell_factory,
                                                                existing_profile) -> None:
    folder, _key = existing_profile
    shell = _unlocked_shell(qtbot, shell_factory, folder)
    main = shell.main_window
    with qtbot.waitSignal(shell.controller.locked, timeout=2000):
        shell.controller.panic()
    assert shell.controller.vault is None
    assert not main.isVisible()
    assert shell.window.isVisible() and shell.window.windowTitle() == "fieldapp — locked"
    dialog = shell.panic_dialog
    assert isinstance(dialog, PanicDialog)
    assert dialog.keep.isDefault()
    # Escape / Keep: nothing destroyed
    dialog.reject()
    qtbot.waitUntil(lambda: not shell.ops.busy)
    assert Profile(folder).exists()
    # unlock again, panic, confirm: the profile is gone
    window = shell.window
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        window.passphrase.setText(PASSPHRASE)
        window.submit()
    shell.controller.panic()
    with qtbot.waitSignal(shell.ops.idle, timeout=20_000):
        qtbot.mouseClick(shell.panic_dialog.destroy_button, Qt.MouseButton.LeftButton)
    assert not folder.exists()
    qtbot.waitUntil(lambda: type(shell.window).__name__ == "FirstRunWindow")


def test_panic_shortcut_is_on_the_main_window(qtbot, shell_factory, existing_profile) -> None:
    from ui.panic import PANIC_SHORTCUT

    folder, _key = existing_profile
    shell = _unlocked_shell(qtbot, shell_factory, folder)
    actions = [a for a in shell.main_window.actions() if a.shortcut() == PANIC_SHORTCUT]
    assert actions
    with qtbot.waitSignal(shell.controller.locked, timeout=2000):
        actions[0].trigger()
    assert shell.controller.vault is None


def test_auto_lock_fires_after_idle(qtbot, shell_factory, existing_profile) -> None:
    folder, _key = existing_profile
    shell = _unlocked_shell(qtbot, shell_factory, folder)
    assert shell.controller.autolock_minutes == 5
    assert shell.idle.active
    shell.set_autolock_ms(10_000)
    # input keeps it unlocked: an event restarts the timer
    timer = shell.idle.timer
    qtbot.waitUntil(lambda: 0 < timer.remainingTime() < 9_700, timeout=5000)
    QApplication.sendEvent(shell.main_window, QMouseEvent(
        QEvent.Type.MouseMove, QPoint(5, 5).toPointF(), QPoint(5, 5).toPointF(),
        Qt.MouseButton.NoButton, Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier))
    assert timer.remainingTime() > 9_800
    assert shell.controller.vault is not None
    with qtbot.waitSignal(shell.controller.locked, timeout=5000):
        shell.set_autolock_ms(50)  # then nobody touches anything
    assert shell.controller.vault is None
    assert type(shell.window).__name__ == "UnlockWindow"


def test_auto_lock_delay_is_stored_in_the_vault(qtbot, shell_factory, existing_profile) -> None:
    folder, _key = existing_profile
    shell = _unlocked_shell(qtbot, shell_factory, folder)
    dialog = shell.open_settings()
    index = dialog.autolock.findData(15)
    with qtbot.waitSignal(shell.controller.autolock_changed, timeout=2000):
        dialog.autolock.setCurrentIndex(index)
        dialog.autolock.activated.emit(index)
    assert shell.idle.timer.interval() == 15 * 60_000
    qtbot.waitUntil(lambda: not shell.ops.busy)
    shell.lock()
    qtbot.waitUntil(lambda: not shell.ops.busy)
    vault = Profile(folder).unlock(PASSPHRASE)
    assert vault.setting("autolock_minutes") == "15"
    vault.close()


def test_settings_change_passphrase_and_recovery_key(qtbot, shell_factory,
                                                     existing_profile) -> None:
    folder, old_key = existing_profile
    shell = _unlocked_shell(qtbot, shell_factory, folder)
    dialog = shell.open_settings()
    new = "another long passphrase"
    qtbot.keyClicks(dialog.change.first, new)
    qtbot.keyClicks(dialog.change.second, new)
    with qtbot.waitSignal(shell.ops.idle, timeout=20_000):
        qtbot.mouseClick(dialog.change_button, Qt.MouseButton.LeftButton)
    assert dialog.status.text() == "Passphrase changed."
    with qtbot.waitSignal(shell.ops.idle, timeout=20_000):
        qtbot.mouseClick(dialog.recovery_button, Qt.MouseButton.LeftButton)
    key = dialog.recovery_key.text()
    assert key and key != old_key
    dialog.reject()
    assert dialog.recovery_key.text() == ""  # shown once
    shell.lock()
    qtbot.waitUntil(lambda: not shell.ops.busy)
    Profile(folder).unlock(new).close()
    Profile(folder).unlock_with_recovery(key).close()
    try:
        Profile(folder).unlock(PASSPHRASE)
    except WrongPassphrase:
        pass
    else:
        raise AssertionError("the old passphrase still opens the profile")


def test_settings_duress_passphrase(qtbot, shell_factory, existing_profile) -> None:
    folder, _key = existing_profile
    shell = _unlocked_shell(qtbot, shell_factory, folder)
    dialog = shell.open_settings()
    qtbot.keyClicks(dialog.duress.first, PASSPHRASE)  # the real one is refused
    qtbot.keyClicks(dialog.duress.second, PASSPHRASE)
    with qtbot.waitSignal(shell.ops.idle, timeout=20_000):
        dialog.set_duress()
    assert "Passphrase refused" in dialog.status.text()
    dialog.duress.clear()
    qtbot.keyClicks(dialog.duress.first, "duress words for checkpoints")
    qtbot.keyClicks(dialog.duress.second, "duress words for checkpoints")
    with qtbot.waitSignal(shell.ops.idle, timeout=20_000):
        dialog.set_duress()
    assert dialog.status.text() == "Duress passphrase set."


def test_excepthook_logs_no_sensitive_text(qtbot, tmp_path, monkeypatch) -> None:
    from ui.app import excepthook

    secret = "Witness Aminata lives behind the mosque"
    try:
        raise ValueError(secret)
    except ValueError as exc:
        excepthook(type(exc), exc, exc.__traceback__)
    path = crash_log.log_path()
    data = path.read_text()
    assert "ValueError" in data and "test_shell.py" in data
    assert "Aminata" not in data and "mosque" not in data
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    box = messages_box.current_box()
    assert box is not None
    assert box.text() == "Unexpected error (ValueError); nothing was lost."
    assert secret not in box.text()


def test_panic_shortcut_from_the_keyboard(qtbot, shell_factory, existing_profile) -> None:
    folder, _key = existing_profile
    shell = _unlocked_shell(qtbot, shell_factory, folder)
    main = shell.main_window
    main.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is main, timeout=5000)
    with qtbot.waitSignal(shell.controller.locked, timeout=5000):
        qtbot.keyClick(main, Qt.Key.Key_L,
                       Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert shell.controller.vault is None
    assert shell.panic_dialog is not None
    qtbot.keyClick(shell.panic_dialog, Qt.Key.Key_Escape)  # Escape keeps the data
    qtbot.waitUntil(lambda: shell.panic_dialog is None)
    assert Profile(folder).exists()
