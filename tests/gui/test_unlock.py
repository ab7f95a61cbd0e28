"""Unlock: right and wrong passphrase, throttling, recovery key, duress looks the same."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from fieldapp.errors import WrongPassphrase
from fieldapp.profile import Profile
from tests.gui.conftest import PASSPHRASE
from ui.unlock import UnlockWindow

DURESS = "river of sand at night"


def _type_and_unlock(qtbot, window: UnlockWindow, text: str) -> None:
    window.passphrase.clear()
    qtbot.keyClicks(window.passphrase, text)
    qtbot.keyClick(window.passphrase, Qt.Key.Key_Return)


def test_unlock_with_right_passphrase_opens_main_window(qtbot, shell_factory,
                                                       existing_profile) -> None:
    folder, _key = existing_profile
    shell = shell_factory(folder)
    window = shell.start()
    assert isinstance(window, UnlockWindow)
    assert window.passphrase_label.buddy() is window.passphrase
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        _type_and_unlock(qtbot, window, PASSPHRASE)
    assert shell.controller.vault is not None
    assert shell.main_window is not None and shell.main_window.isVisible()
    assert window.passphrase.text() == ""


def test_wrong_passphrase_shown_inline(qtbot, ops, existing_profile) -> None:
    folder, _key = existing_profile
    window = UnlockWindow(Profile(folder), ops)
    qtbot.addWidget(window)
    window.show()
    with qtbot.waitSignal(ops.idle, timeout=20_000):
        _type_and_unlock(qtbot, window, "not the passphrase")
    assert window.error.isVisible()
    assert window.error.text() == "Wrong passphrase."
    assert window.stack.currentWidget() is window.passphrase_page
    assert window.passphrase.selectedText() == "not the passphrase"  # ready to retype


def test_too_many_attempts_shows_the_wait(qtbot, ops, existing_profile) -> None:
    folder, _key = existing_profile
    window = UnlockWindow(Profile(folder), ops)
    qtbot.addWidget(window)
    window.show()
    for _ in range(6):  # the third failure starts a growing wait; the next try meets it
        with qtbot.waitSignal(ops.idle, timeout=20_000):
            _type_and_unlock(qtbot, window, "not the passphrase")
        if "Too many" in window.error.text():
            break
    assert "Too many wrong attempts" in window.error.text()
    assert "seconds" in window.error.text()
    assert not window.unlock_button.isEnabled()
    qtbot.waitUntil(window.unlock_button.isEnabled, timeout=20_000)


def test_recovery_key_then_new_passphrase(qtbot, ops, existing_profile) -> None:
    folder, key = existing_profile
    window = UnlockWindow(Profile(folder), ops)
    qtbot.addWidget(window)
    window.show()
    qtbot.mouseClick(window.use_recovery, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.recovery_page
    qtbot.keyClicks(window.recovery, "AAAA-BBBB")
    with qtbot.waitSignal(ops.idle, timeout=20_000):
        qtbot.keyClick(window.recovery, Qt.Key.Key_Return)
    assert window.error.text() == "Wrong passphrase."
    window.recovery.clear()
    qtbot.keyClicks(window.recovery, key.lower())
    with qtbot.waitSignal(ops.idle, timeout=20_000):
        qtbot.keyClick(window.recovery, Qt.Key.Key_Return)
    assert window.stack.currentWidget() is window.new_page
    new = "a brand new long passphrase"
    qtbot.keyClicks(window.new_passphrase.first, new)
    qtbot.keyClicks(window.new_passphrase.second, new)
    with qtbot.waitSignal(window.unlocked, timeout=20_000) as unlocked:
        qtbot.mouseClick(window.new_ok, Qt.MouseButton.LeftButton)
    unlocked.args[0].close()
    Profile(folder).unlock(new).close()
    with pytest.raises(WrongPassphrase):
        Profile(folder).unlock(PASSPHRASE)


def _walk(shell, qtbot, passphrase: str) -> list[str]:
    """What the user sees while unlocking: the windows shown, in order."""
    seen: list[str] = []
    window = shell.start()
    seen.append(type(window).__name__ + ":" + window.windowTitle())
    with qtbot.waitSignal(window.unlocked, timeout=20_000):
        _type_and_unlock(qtbot, window, passphrase)
    seen.append(type(shell.main_window).__name__)
    seen.append("error" if window.error.isVisible() else "no error")
    return seen


def test_duress_passphrase_looks_like_the_real_one(qtbot, shell_factory, existing_profile,
                                                   tmp_path) -> None:
    folder, _key = existing_profile
    real = Profile(folder).unlock(PASSPHRASE)
    real.records.add("incident", {"title": "Secret incident", "occurred_on": "2024-01-02",
                                  "event_type": "looting"})
    Profile(folder).set_duress(real, DURESS)
    real.close()
    # the same flow with another (twin) profile and its real passphrase, for comparison
    twin_folder = tmp_path / "twin" / "profile"
    twin, _ = Profile(twin_folder).create("Sahel-7", PASSPHRASE, kdf_seconds=0)
    twin.close()
    real_walk = _walk(shell_factory(twin_folder), qtbot, PASSPHRASE)
    shell = shell_factory(folder)
    duress_walk = _walk(shell, qtbot, DURESS)
    assert duress_walk == real_walk
    decoy = shell.controller.vault
    assert decoy.pseudonym == "Sahel-7"  # looks normal
    assert decoy.records.count() == 0
    shell.lock()
    # the real data is gone: the real passphrase no longer opens anything
    qtbot.waitUntil(lambda: not shell.ops.busy)
    with pytest.raises(WrongPassphrase):
        Profile(folder).unlock(PASSPHRASE)
