"""First run: create a profile (recovery key shown and confirmed), join, demo."""

from __future__ import annotations

import re
from pathlib import Path

from PySide6.QtCore import Qt

from fieldapp.profile import Profile
from tests.gui.conftest import PASSPHRASE, PSEUDONYM
from ui import sync_bridge
from ui.first_run import FirstRunWindow
from ui.passphrase import strength

KEY_RE = re.compile(r"^([A-Z2-7]{4}-){7}[A-Z2-7]{4}$")


def _fill_create(qtbot, window: FirstRunWindow, passphrase: str = PASSPHRASE) -> None:
    qtbot.keyClicks(window.pseudonym, PSEUDONYM)
    qtbot.keyClicks(window.passphrase.first, passphrase)
    qtbot.keyClicks(window.passphrase.second, passphrase)


def test_first_run_creates_profile_and_shows_recovery_key(qtbot, shell_factory) -> None:
    shell = shell_factory()
    window = shell.start()
    assert isinstance(window, FirstRunWindow)
    qtbot.mouseClick(window.create_button, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.create_page
    assert not window.create_ok.isEnabled()
    _fill_create(qtbot, window)
    assert window.create_ok.isEnabled()
    qtbot.mouseClick(window.create_ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.recovery_page, timeout=20_000)
    key = window.recovery_key.text()
    assert KEY_RE.match(key), key
    assert window.passphrase.first.text() == ""  # not kept in the widget
    # the wrong group does not continue; the right one does
    qtbot.keyClicks(window.recovery_check, "ZZZZ" if not key.endswith("ZZZZ") else "YYYY")
    assert not window.recovery_ok.isEnabled()
    window.recovery_check.clear()
    qtbot.keyClicks(window.recovery_check, key.rsplit("-", 1)[1].lower())
    assert window.recovery_ok.isEnabled()
    qtbot.mouseClick(window.recovery_ok, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.main_window is not None and shell.main_window.isVisible())
    assert shell.controller.vault is not None
    assert shell.controller.vault.pseudonym == PSEUDONYM
    assert Profile(shell.profile.path).exists()
    # the recovery key really opens the profile
    shell.lock()
    reopened = Profile(shell.profile.path).unlock_with_recovery(key)
    reopened.close()


def test_create_with_keyboard_only(qtbot, shell_factory) -> None:
    shell = shell_factory()
    window = shell.start()
    window.activateWindow()
    qtbot.keyClick(window.create_button, Qt.Key.Key_Space)
    assert window.stack.currentWidget() is window.create_page
    qtbot.keyClicks(window.pseudonym, PSEUDONYM)
    assert window.passphrase.first_label.buddy() is window.passphrase.first
    qtbot.keyClicks(window.passphrase.first, PASSPHRASE)
    qtbot.keyClicks(window.passphrase.second, PASSPHRASE)
    qtbot.keyClick(window.passphrase.second, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.recovery_page, timeout=20_000)
    last = window.recovery_key.text().rsplit("-", 1)[1]
    qtbot.keyClicks(window.recovery_check, last)
    with qtbot.waitSignal(window.opened, timeout=5000):
        qtbot.keyClick(window.recovery_check, Qt.Key.Key_Return)


def test_short_or_mismatched_passphrase_is_refused(qtbot, ops, tmp_path: Path) -> None:
    window = FirstRunWindow(tmp_path / "p", ops, kdf_seconds=0)
    qtbot.addWidget(window)
    window.show_create()
    _fill_create(qtbot, window, "short")
    assert not window.create_ok.isEnabled()
    assert window.passphrase.hint.text() == "Use at least 10 characters."
    window.passphrase.clear()
    qtbot.keyClicks(window.passphrase.first, PASSPHRASE)
    qtbot.keyClicks(window.passphrase.second, PASSPHRASE + "x")
    assert not window.create_ok.isEnabled()
    assert window.passphrase.hint.text() == "The two passphrases differ."
    window.submit_create()  # Enter on a refused form does nothing
    assert not (tmp_path / "p").exists()


def test_existing_folder_error_shown_inline(qtbot, ops, tmp_path: Path) -> None:
    folder = tmp_path / "p"
    folder.mkdir()
    (folder / "something").write_text("x")
    window = FirstRunWindow(folder, ops, kdf_seconds=0)
    qtbot.addWidget(window)
    window.show()
    window.show_create()
    _fill_create(qtbot, window)
    window.submit_create()
    qtbot.waitUntil(lambda: window.error.isVisible(), timeout=20_000)
    assert "is not empty" in window.error.text()
    assert window.stack.currentWidget() is window.create_page


def test_strength_meter_levels() -> None:
    assert strength("short") == 0
    assert strength("password1234") == 1          # common word
    assert strength("aaaaaaaaaaaaaaaa") == 1      # too few different characters
    assert strength("tamarind river") >= 2
    assert strength("Tamarind river at 7 dawns!") == 4


def test_demo_opens_sample_records_and_is_wiped(qtbot, shell_factory) -> None:
    shell = shell_factory()
    window = shell.start()
    assert "demo-sahel-2024" in window.demo_hint.text()
    qtbot.mouseClick(window.demo_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: shell.controller.vault is not None, timeout=30_000)
    assert shell.is_demo
    demo_dir = shell.profile.path
    assert demo_dir != shell.home_profile.path
    count = shell.controller.vault.records.count()
    assert count >= 25
    shell.lock()
    assert shell.window.demo_hint.isVisibleTo(shell.window)  # passphrase shown when locked
    shell.shutdown()
    assert not demo_dir.exists()
    assert not shell.home_profile.exists()


def _invite(text: str, path=None) -> sync_bridge.Invite:
    return sync_bridge.Invite(text.encode(), "11111 22222 33333 44444 55555 66666",
                              [("Coord-1", "12345 67890 12345 67890 12345 67890")], path)


def test_join_shows_fingerprints_then_joins(qtbot, ops, tmp_path: Path, monkeypatch) -> None:
    joined: list[object] = []
    monkeypatch.setattr(sync_bridge, "read_invite", _invite)
    monkeypatch.setattr(sync_bridge, "join", lambda vault, invite: joined.append(invite))
    window = FirstRunWindow(tmp_path / "p", ops, kdf_seconds=0)
    qtbot.addWidget(window)
    window.show()
    window.show_join()
    invite_file = tmp_path / "invite.txt"
    invite_file.write_text("fieldapp-invite:xyz")
    window.load_invite_file(invite_file)  # checks it at once
    assert window.invite_text.toPlainText() == "fieldapp-invite:xyz"
    assert "11111 22222 33333" in window.fingerprints.text()
    assert "Coord-1: 12345 67890" in window.fingerprints.text()
    assert not window.join_next.isEnabled()
    window.fingerprints_match.setChecked(True)
    qtbot.mouseClick(window.join_next, Qt.MouseButton.LeftButton)
    assert window.stack.currentWidget() is window.create_page
    _fill_create(qtbot, window)
    window.submit_create()
    qtbot.waitUntil(lambda: window.stack.currentWidget() is window.recovery_page, timeout=20_000)
    qtbot.keyClicks(window.recovery_check, window.recovery_key.text().rsplit("-", 1)[1])
    with qtbot.waitSignal(window.opened, timeout=10_000) as opened:
        window.confirm_recovery()
    assert joined and joined[0].path == invite_file
    opened.args[0].close()


def test_oversized_invite_file_refused(qtbot, ops, tmp_path: Path) -> None:
    window = FirstRunWindow(tmp_path / "p", ops, kdf_seconds=0)
    qtbot.addWidget(window)
    big = tmp_path / "big"
    big.write_bytes(b"x" * (70 * 1024))
    window.load_invite_file(big)
    assert window.invite_text.toPlainText() == ""
    assert "too large" in window.error.text()


def test_pasted_garbage_is_refused_by_the_sync_module(qtbot, ops, tmp_path: Path) -> None:
    window = FirstRunWindow(tmp_path / "p", ops, kdf_seconds=0)
    qtbot.addWidget(window)
    window.show()
    window.show_join()
    window.invite_text.setPlainText("this is not an invite")
    qtbot.mouseClick(window.invite_check, Qt.MouseButton.LeftButton)
    assert window.error.isVisible()
    assert "not a valid invite" in window.error.text()
    assert "Traceback" not in window.error.text()
    assert not window.fingerprints_match.isVisibleTo(window)
    assert list(Path(__import__("tempfile").gettempdir()).glob("fieldapp-invite-*/*")) == []
